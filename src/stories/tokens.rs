//! Headline titles as sets of words, and how alike two titles are. Pure.
//!
//! A title becomes its lowercase words without punctuation or stop words, crudely stemmed
//! ("released", "releases", "release" -> "releas"); version numbers stay whole ("6.12").
//! Likeness is the cosine of two word sets, leaving out words most titles being compared
//! share: on a Linux site "linux" says little about which story a title tells.

use std::collections::HashMap;

use crate::feed::WordTable;

/// A title's distinct words, sorted, in one string: joined by single spaces, which no word
/// holds. One allocation per title instead of one per word, which grouping a site's thousand
/// titles on every render felt.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Words(String);

impl Words {
    /// Distinct `words`, in any order and with repeats, as a sorted set.
    pub fn new<'a>(words: impl IntoIterator<Item = &'a str>) -> Words {
        let mut words: Vec<&str> = words.into_iter().collect();
        words.sort_unstable();
        words.dedup();
        Words(words.join(" "))
    }

    /// The words, sorted.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.split(' ').filter(|w| !w.is_empty())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The words, space-joined, as [`disjoint`] takes them.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The words that start with a digit ("6.12", "47"): they sort before any word of
    /// letters, so they are the set's first words.
    pub fn numbers(&self) -> &str {
        let end = self
            .0
            .split(' ')
            .take_while(|w| w.starts_with(|c: char| c.is_ascii_digit()))
            .map(|w| w.len() + 1)
            .sum::<usize>();
        &self.0[..end.saturating_sub(1).min(self.0.len())]
    }
}

/// Whether two sorted, space-joined word lists (a [`Words`] or its [`Words::numbers`]) share no
/// word.
pub fn disjoint(a: &str, b: &str) -> bool {
    let (mut a, mut b) = (a.split(' ').peekable(), b.split(' ').peekable());
    while let (Some(x), Some(y)) = (a.peek(), b.peek()) {
        match x.cmp(y) {
            std::cmp::Ordering::Less => _ = a.next(),
            std::cmp::Ordering::Greater => _ = b.next(),
            std::cmp::Ordering::Equal => return x.is_empty(),
        }
    }
    true
}

/// The distinct words of a title, sorted.
pub fn tokenize(title: &str) -> Words {
    // Kept words are written one after another into `text`, `ends` marking where each stops.
    let mut text = String::with_capacity(title.len());
    let mut ends: Vec<usize> = Vec::new();
    let mut start = 0;
    let bytes = title.as_bytes();
    let mut i = 0;
    // Byte by byte: titles are mostly ASCII, and a character is decoded only where one is not.
    while let Some(&b) = bytes.get(i) {
        if b.is_ascii() {
            // A `.` between digits joins a version number ("6.12"). The byte before a
            // non-ASCII character is never a digit.
            let joins_number = b == b'.'
                && i > 0
                && bytes[i - 1].is_ascii_digit()
                && bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
            i += 1;
            if b.is_ascii_alphanumeric() || joins_number {
                text.push(char::from(b.to_ascii_lowercase()));
                continue;
            }
        } else {
            let c = title[i..].chars().next().unwrap_or_default();
            i += c.len_utf8();
            if c.is_alphanumeric() {
                text.extend(c.to_lowercase());
                continue;
            }
        }
        if text.len() > start {
            start = keep(&mut text, start, &mut ends);
        }
    }
    if text.len() > start {
        keep(&mut text, start, &mut ends);
    }
    let mut from = 0;
    Words::new(ends.iter().map(|&end| {
        let word = &text[from..end];
        from = end;
        word
    }))
}

/// Keeps the word `text[start..]`, stemmed, unless it is a stop word or a single letter;
/// returns where the next word starts.
fn keep(text: &mut String, start: usize, ends: &mut Vec<usize>) -> usize {
    let word = &text[start..];
    let mut chars = word.chars();
    let single = chars.next().is_some() && chars.next().is_none();
    let single_letter = single && !word.starts_with(|c: char| c.is_ascii_digit());
    if single_letter || STOP_WORDS.find(word).is_some() {
        text.truncate(start);
        return start;
    }
    let end = start + stem(word).len();
    text.truncate(end);
    ends.push(end);
    end
}

/// Strips one common English suffix; crude, but the same word in two titles usually ends the
/// same way after it, which is all clustering needs.
fn stem(word: &str) -> &str {
    if !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return word;
    }
    for suffix in ["ing", "ed", "es", "s", "e"] {
        let rest = word.len() - suffix.len().min(word.len());
        if word.ends_with(suffix) && rest >= 3 && !(suffix == "s" && word.ends_with("ss")) {
            return &word[..rest];
        }
    }
    word
}

/// Common English words and newsroom filler, sorted.
const STOP_WORDS: WordTable<130> = WordTable::new([
    "a",
    "about",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "don",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "get",
    "gets",
    "got",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "him",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "just",
    "may",
    "me",
    "more",
    "most",
    "my",
    "new",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "out",
    "over",
    "report",
    "reportedly",
    "reports",
    "s",
    "said",
    "say",
    "says",
    "she",
    "should",
    "so",
    "some",
    "such",
    "t",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "us",
    "very",
    "via",
    "vs",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
]);

/// Titles at least this alike tell the same story.
pub const SAME_STORY: f64 = 0.4;
/// A word in more than this share of the titles (say "linux" on a Linux site) says nothing
/// about which story a title tells, and is left out of the comparison...
const COMMON_SHARE: f64 = 0.25;
/// ...once there are this many titles to judge by.
const COMMON_MIN_TITLES: usize = 8;

/// The words of the titles being compared, numbered, without the words common to most.
#[derive(Debug, Clone)]
pub struct Vocabulary<'a> {
    /// Word -> id, `None` for a common word (left out of the comparison). Ids follow word
    /// order, so they do not depend on the order the titles came in. Hashed: every word of
    /// every title is looked up here once per grouping.
    ids: HashMap<&'a str, Option<u32>>,
}

impl<'a> Vocabulary<'a> {
    pub fn new(titles: impl IntoIterator<Item = &'a Words>) -> Self {
        let mut counts: HashMap<&'a str, usize> = HashMap::new();
        let mut n = 0;
        for words in titles {
            n += 1;
            for w in words.iter() {
                *counts.entry(w).or_default() += 1;
            }
        }
        let mut words: Vec<(&str, usize)> = counts.into_iter().collect();
        words.sort_unstable();
        let common = |df: usize| n >= COMMON_MIN_TITLES && df as f64 > COMMON_SHARE * n as f64;
        let ids = words
            .into_iter()
            .enumerate()
            .map(|(id, (w, df))| {
                let id = u32::try_from(id).unwrap_or(u32::MAX);
                (w, (!common(df)).then_some(id))
            })
            .collect();
        Vocabulary { ids }
    }

    /// How many distinct words it numbers: ids are below this.
    pub fn words(&self) -> usize {
        self.ids.len()
    }

    /// A title's words as ids, ready for [`similarity`].
    pub fn doc(&self, words: &Words) -> Doc {
        let mut len = 0;
        let mut ids = Vec::new();
        for w in words.iter() {
            match self.ids.get(w) {
                Some(None) => {}
                Some(Some(id)) => {
                    len += 1;
                    ids.push(*id);
                }
                // A word outside the vocabulary matches nothing but still makes the title longer.
                None => len += 1,
            }
        }
        // Ids follow word order, and the words come sorted.
        debug_assert!(ids.is_sorted());
        Doc { ids, len }
    }
}

/// A title as sorted word ids.
#[derive(Debug, Clone)]
pub struct Doc {
    ids: Vec<u32>,
    /// Words compared, including those outside the vocabulary.
    len: usize,
}

impl Doc {
    /// The title's word ids, sorted.
    pub fn ids(&self) -> &[u32] {
        &self.ids
    }
}

/// Cosine of two titles' word sets (shared words over the geometric mean of their counts), in
/// `[0, 1]`; 0 unless they share two words (one word in common is chance) or are the same
/// single word.
pub fn similarity(a: &Doc, b: &Doc) -> f64 {
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.ids.len() && j < b.ids.len() {
        match a.ids[i].cmp(&b.ids[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    likeness(shared, a, b)
}

/// [`similarity`] of two titles known to share `shared` word ids (counted elsewhere, say
/// through an index of the titles by word).
pub fn likeness(shared: usize, a: &Doc, b: &Doc) -> f64 {
    let same_single_word = shared == 1 && a.len == 1 && b.len == 1;
    if shared < 2 && !same_single_word {
        return 0.0;
    }
    shared as f64 / ((a.len * b.len) as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(title: &str) -> Vec<String> {
        tokenize(title).iter().map(str::to_string).collect()
    }

    #[test]
    fn stop_words_are_found_and_no_other_word_is() {
        for word in STOP_WORDS.words() {
            assert_eq!(
                STOP_WORDS.find(word).map(|i| STOP_WORDS.word(i)),
                Some(*word)
            );
        }
        for word in ["", "abou", "abouts", "reportedlyy", "linux", "the0"] {
            assert_eq!(STOP_WORDS.find(word), None, "{word}");
        }
    }

    #[test]
    fn a_set_of_words_is_sorted_and_distinct_with_its_numbers_first() {
        let w = tokenize("Linux 6.12 and Linux 6.11: the 2026 kernels");
        assert_eq!(
            w.iter().collect::<Vec<_>>(),
            ["2026", "6.11", "6.12", "kernel", "linux"]
        );
        assert_eq!(w.numbers(), "2026 6.11 6.12");
        assert_eq!(tokenize("Linux kernels").numbers(), "");
        assert_eq!(tokenize("6.12").numbers(), "6.12");
        assert!(tokenize("").is_empty() && tokenize("").iter().next().is_none());
        assert!(!disjoint("2026 6.12", "6.12"));
        assert!(disjoint("2026 6.12", "6.11 6.13"));
        assert!(disjoint("", "6.12") && disjoint("6.12", "") && disjoint("", ""));
        assert_eq!(Words::new(["b", "a", "b"]), Words::new(["a", "b"]));
    }

    #[test]
    fn titles_lose_case_punctuation_and_stop_words() {
        assert_eq!(
            words("Linus Torvalds Releases Linux 6.12, with the new EEVDF scheduler!"),
            [
                "6.12",
                "eevdf",
                "linu",
                "linux",
                "releas",
                "scheduler",
                "torvald"
            ]
        );
        assert_eq!(
            words("GNOME 47's “Denver” released"),
            ["47", "denver", "gnom", "releas"]
        );
    }

    #[test]
    fn word_forms_meet_after_stemming() {
        for (a, b) in [
            ("released", "releases"),
            ("release", "releasing"),
            ("windows", "window"),
            ("buses", "bus"),
        ] {
            assert_eq!(tokenize(a), tokenize(b), "{a} / {b}");
        }
        assert_eq!(words("class"), ["class"]);
    }

    #[test]
    fn non_ascii_words_are_kept_whole() {
        assert_eq!(
            words("Nouvelle version de GNU/Linux: été 2026"),
            ["2026", "de", "gnu", "linux", "nouvell", "version", "été"]
        );
    }

    #[test]
    fn the_same_story_is_alike_and_different_stories_are_not() {
        let titles: Vec<Words> = [
            "Linux 6.12 released with the EEVDF scheduler",
            "Linus Torvalds releases Linux 6.12",
            "Linux 6.11 rc3 is out",
            "Firefox 133 arrives with new tab groups",
            "Linux Foundation announces new members",
        ]
        .iter()
        .map(|t| tokenize(t))
        .collect();
        let vocabulary = Vocabulary::new(&titles);
        let docs: Vec<Doc> = titles.iter().map(|t| vocabulary.doc(t)).collect();
        let same = similarity(&docs[0], &docs[1]);
        let other_release = similarity(&docs[0], &docs[2]);
        let unrelated = similarity(&docs[0], &docs[3]);
        assert!(same >= SAME_STORY, "{same}");
        assert!(other_release < SAME_STORY, "{other_release}");
        assert_eq!(unrelated, 0.0);
        assert!((similarity(&docs[4], &docs[4]) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn words_most_titles_share_do_not_make_a_story() {
        let mut titles = vec![
            tokenize("Linux gaming handheld announced"),
            tokenize("Linux gaming survey results"),
        ];
        let alike = |titles: &[Words]| {
            let v = Vocabulary::new(titles);
            similarity(&v.doc(&titles[0]), &v.doc(&titles[1]))
        };
        assert!(
            alike(&titles) >= SAME_STORY,
            "few titles: every word counts"
        );
        for t in [
            "Linux Mint beta",
            "Linux Foundation budget",
            "Firefox tab groups",
            "Rust borrow checker",
            "GIMP brushes",
            "Debian point release",
        ] {
            titles.push(tokenize(t));
        }
        assert_eq!(alike(&titles), 0.0, "linux is in half the titles");
    }

    #[test]
    fn words_outside_the_vocabulary_only_dilute() {
        let known = [tokenize("Linux 6.12 released")];
        let vocabulary = Vocabulary::new(&known);
        let title = vocabulary.doc(&known[0]);
        let longer = vocabulary.doc(&tokenize("Linux 6.12 released after long wait"));
        let s = similarity(&title, &longer);
        assert!(s > 0.0 && s < 1.0, "{s}");
    }
}
