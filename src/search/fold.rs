//! Words as the index and queries see them: Unicode-decomposed (NFKD), accents and other
//! combining marks dropped, lowercased, split on everything that is not a letter or digit.
//! "Café", "CAFE" and "café" are one word; "ﬁle" (a ligature) is "file".

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Longest word kept, in characters: longer runs (hashes, base64 in a title) are cut, so no
/// term is larger than this.
pub const MAX_WORD_CHARS: usize = 32;

/// The folded words of `text`, in order, repeats kept.
pub fn words(text: &str) -> Vec<String> {
    let mut out = vec![];
    let mut word = String::new();
    let mut chars = 0;
    let end = |word: &mut String, chars: &mut usize, out: &mut Vec<String>| {
        if !word.is_empty() {
            out.push(std::mem::take(word));
        }
        *chars = 0;
    };
    for c in text.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        if c.is_alphanumeric() {
            if chars < MAX_WORD_CHARS {
                word.extend(c.to_lowercase());
                chars += 1;
            }
        } else {
            end(&mut word, &mut chars, &mut out);
        }
    }
    end(&mut word, &mut chars, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_and_accents_fold_and_punctuation_splits() {
        assert_eq!(words("Café CAFE café"), ["cafe", "cafe", "cafe"]);
        assert_eq!(
            words("Linux 6.12-rc1: ﬁle systems!"),
            ["linux", "6", "12", "rc1", "file", "systems"]
        );
        assert_eq!(words("Ærø Łódź Straße"), ["ærø", "łodz", "straße"]);
        assert_eq!(words("日本語 ニュース"), ["日本語", "ニュース"]);
        assert_eq!(words(".*[a-z]+(?i)"), ["a", "z", "i"]);
        assert!(words("  --- ").is_empty());
    }

    #[test]
    fn long_runs_are_cut() {
        let w = words(&"x".repeat(10_000));
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].chars().count(), MAX_WORD_CHARS);
    }
}
