//! Reading a model's answer: which of the listed stories it chose. Pure.
//!
//! The answer is trusted for nothing but a choice among the listed stories: numbers, or titles
//! matched back to the listed ones by word likeness. A URL or title the model invents is never
//! used, so a feed title that tries to instruct the model can at worst sway the choice among
//! real stories. [`LlmError`] is every way asking a model can fail, this reading included.

use serde_json::Value;

use crate::stories::tokens::{Doc, Vocabulary, similarity, tokenize};

/// The largest answer read; a chat completion naming three numbers is a few hundred bytes.
pub const MAX_ANSWER_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LlmError {
    #[error("the API key variable {0} is not set")]
    NoKey(String),
    #[error("the model did not answer within {0} s")]
    Timeout(u64),
    #[error("cannot reach the model: {0}")]
    Network(String),
    #[error("the model answered HTTP {status}: {body}")]
    Status { status: u16, body: String },
    #[error("the answer is larger than {MAX_ANSWER_BYTES} bytes")]
    TooLarge,
    #[error("the answer is not a chat completion: {0}")]
    Malformed(String),
    #[error("the answer names none of the listed stories: {0:?}")]
    NoValidPick(String),
}

/// How alike a title in the answer must be to a listed one to count as naming it.
const MATCH: f64 = 0.5;

/// The choices in a chat-completions answer, as indices into `titles`.
pub fn parse_answer(body: &[u8], titles: &[&str], max: usize) -> Result<Vec<usize>, LlmError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| LlmError::Malformed(e.to_string()))?;
    let content = &value["choices"][0]["message"]["content"];
    // Most servers send a string; some send a list of text parts.
    let text = match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => {
            return Err(LlmError::Malformed(
                "no choices[0].message.content text".into(),
            ));
        }
    };
    let picks = picks_in(&text, titles, max);
    if picks.is_empty() {
        return Err(LlmError::NoValidPick(snippet(&text)));
    }
    Ok(picks)
}

/// Words that may stand beside the numbers in an answer without making it a title.
const FILLER: &[&str] = &[
    "and",
    "answer",
    "are",
    "best",
    "choice",
    "choices",
    "headline",
    "headlines",
    "here",
    "id",
    "ids",
    "is",
    "json",
    "my",
    "number",
    "numbers",
    "pick",
    "picks",
    "result",
    "results",
    "stories",
    "story",
    "the",
    "top",
];

/// Reads the choices line by line. A line of numbers (and filler) names stories by number; a
/// line with other words names one by its title, whatever number it starts with (models
/// number their own lists); a title matching no listed one is dropped.
fn picks_in(text: &str, titles: &[&str], max: usize) -> Vec<usize> {
    let words: Vec<_> = titles.iter().map(|t| tokenize(t)).collect();
    let vocabulary = Vocabulary::new(&words);
    let docs: Vec<Doc> = words.iter().map(|w| vocabulary.doc(w)).collect();
    let mut picks: Vec<usize> = Vec::new();
    for line in without_reasoning(text).lines() {
        let lower = line.to_lowercase();
        let is_numbers = lower
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty() && !w.bytes().all(|b| b.is_ascii_digit()))
            .all(|w| FILLER.contains(&w));
        let found: Vec<usize> = if is_numbers {
            // "Here are the top 3: 4, 9, 2": what follows the last colon.
            let list = lower.rsplit(':').next().unwrap_or(&lower);
            list.split(|c: char| !c.is_ascii_digit())
                .filter_map(|n| n.parse::<usize>().ok())
                .filter(|&n| (1..=titles.len()).contains(&n))
                .map(|n| n - 1)
                .collect()
        } else {
            let title = without_marker(line);
            // "Title (LWN, Phoronix)": the sources as we listed them are not part of it.
            let title = match title.rfind(" (") {
                Some(at) if title.trim_end().ends_with(')') => &title[..at],
                _ => title,
            };
            best_match(&vocabulary.doc(&tokenize(title)), &docs)
                .into_iter()
                .collect()
        };
        for i in found {
            if !picks.contains(&i) && picks.len() < max {
                picks.push(i);
            }
        }
    }
    picks
}

/// A line without its list marker ("- ", "2. ", "**3)** ") and emphasis, so a title starting
/// with a digit ("1Password ...") keeps it.
fn without_marker(line: &str) -> &str {
    let line = line.trim_start_matches(|c: char| c.is_whitespace() || "-*•#>_".contains(c));
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    let line = match line[digits..].strip_prefix(['.', ')', ':']) {
        Some(rest) if digits > 0 => rest,
        _ => line,
    };
    line.trim_start_matches(|c: char| c.is_whitespace() || "*_\"'".contains(c))
}

/// The listed title most like `doc`, if alike enough; the first of equals.
fn best_match(doc: &Doc, docs: &[Doc]) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, d) in docs.iter().enumerate() {
        let s = similarity(doc, d);
        if s >= MATCH && best.is_none_or(|(_, b)| s > b) {
            best = Some((i, s));
        }
    }
    best.map(|(i, _)| i)
}

/// The answer without a reasoning model's `<think>...</think>` block (all of it when the
/// block never closes: the answer was cut while still thinking).
fn without_reasoning(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("<think>") {
        out.push_str(&rest[..start]);
        match rest[start..].find("</think>") {
            Some(end) => rest = &rest[start + end + "</think>".len()..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

/// Feed text on one line: a title with a line break could forge a line of the list.
pub(super) fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_control())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A short one-line excerpt of text for an error message.
pub(super) fn snippet(text: &str) -> String {
    let line = one_line(text.trim());
    match line.char_indices().nth(200) {
        Some((at, _)) => format!("{}...", &line[..at]),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const TITLES: &[&str] = &[
        "Linux 6.18 released with Rust binder driver",
        "Firefox 146 adds vertical tabs for everyone",
        "OpenSSL fixes high-severity certificate parsing flaw",
        "Mesa 25.3 brings faster Vulkan shader compiles",
    ];

    fn answer(content: &str) -> Vec<u8> {
        json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]})
            .to_string()
            .into_bytes()
    }

    fn picks(content: &str) -> Result<Vec<usize>, LlmError> {
        parse_answer(&answer(content), TITLES, 3)
    }

    #[test]
    fn numbers_are_read_in_the_shapes_models_give_them() {
        for content in [
            "3, 1, 4",
            "[3, 1, 4]",
            "3\n1\n4",
            "- 3\n- 1\n- 4",
            "**3**, **1**, **4**",
            "Here are the top 3 stories: 3, 1, 4",
            "{\"picks\": [3, 1, 4]}",
            "```json\n[3, 1, 4]\n```",
            "<think>Story 2 is old news, 1 matters.</think>\n3, 1, 4",
        ] {
            assert_eq!(picks(content), Ok(vec![2, 0, 3]), "{content:?}");
        }
    }

    #[test]
    fn titles_are_matched_back_whatever_number_the_model_put_before_them() {
        let content = "1. OpenSSL fixes high-severity certificate parsing flaw (LWN, The Register)\n\
                       2. **Linux 6.18 released with Rust binder driver**\n\
                       3. Mesa 25.3 brings faster Vulkan shader compiles";
        assert_eq!(picks(content), Ok(vec![2, 0, 3]));
    }

    #[test]
    fn a_title_starting_with_a_digit_keeps_it() {
        assert_eq!(
            without_marker("3. 1Password adds passkeys"),
            "1Password adds passkeys"
        );
        assert_eq!(without_marker("- **2)** \"Title\""), "Title\"");
        assert_eq!(
            without_marker("1Password adds passkeys"),
            "1Password adds passkeys"
        );
    }

    #[test]
    fn invented_titles_and_numbers_out_of_range_are_dropped() {
        let content = "1. Aliens land in Ohio, says NASA\n2. Firefox 146 adds vertical tabs for everyone\n0, 9, 2";
        assert_eq!(
            picks(content),
            Ok(vec![1]),
            "the real title and 2; no alien, no 0 or 9"
        );
        assert!(matches!(
            picks("1. Aliens land in Ohio\n2. Moon made of cheese"),
            Err(LlmError::NoValidPick(_))
        ));
    }

    #[test]
    fn repeats_are_counted_once_and_at_most_max_are_kept() {
        assert_eq!(picks("2, 2, 1, 3, 4"), Ok(vec![1, 0, 2]));
    }

    #[test]
    fn garbage_is_no_pick() {
        for content in ["I cannot help with that.", "", "<think>hmm, 1 or 2", "none"] {
            assert!(
                matches!(picks(content), Err(LlmError::NoValidPick(_))),
                "{content:?}"
            );
        }
    }

    #[test]
    fn answers_that_are_not_chat_completions_are_malformed() {
        for body in [
            &b"not json"[..],
            b"{\"choices\": []}",
            b"{\"choices\": [{\"message\": {\"content\": null}}]}",
            b"{\"error\": {\"message\": \"overloaded\"}}",
        ] {
            assert!(
                matches!(parse_answer(body, TITLES, 3), Err(LlmError::Malformed(_))),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        let parts = json!({"choices": [{"message": {"content": [{"type": "text", "text": "4"}]}}]});
        assert_eq!(
            parse_answer(parts.to_string().as_bytes(), TITLES, 3),
            Ok(vec![3])
        );
    }
}
