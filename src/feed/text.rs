//! Feed text to one line of plain text. Titles are never shown as markup (the renderer escapes
//! them), so markup is removed rather than sanitized: tags dropped, the content of `script` and
//! `style` dropped with them, entities decoded, whitespace collapsed, length capped. A small
//! scanner does this; a full HTML parser per title cost more than parsing the feed itself.

use feed_rs::model::Text;

/// Longest title kept, in characters.
pub const MAX_TITLE_CHARS: usize = 300;

/// `text` as one line of plain text. Text declared plain is stripped too: RSS titles routinely
/// carry escaped HTML.
pub fn clean_text(text: &Text) -> String {
    one_line(
        &text.content,
        text.content_type.subty().as_str().contains("html"),
    )
}

/// `content` (HTML if `is_html`) as one line of plain text.
pub fn one_line(content: &str, is_html: bool) -> String {
    let plain = if is_html {
        let stripped = strip_tags(content);
        html_escape::decode_html_entities(&stripped).into_owned()
    } else {
        let decoded = html_escape::decode_html_entities(content);
        if decoded.contains('<') {
            strip_tags(&decoded)
        } else {
            decoded.into_owned()
        }
    };
    let mut out = String::with_capacity(plain.len());
    for word in plain.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.chars().count() > MAX_TITLE_CHARS {
        out = out
            .chars()
            .take(MAX_TITLE_CHARS - 1)
            .collect::<String>()
            .trim_end()
            .to_string();
        out.push('…');
    }
    out
}

/// Removes tags, comments and the content of `script`/`style` elements. A `<` that does not
/// open a tag (`a < b`) is text. Block-level tags leave a space so words do not run together.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let tag = &rest[at + 1..];
        if !tag.starts_with(|c: char| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?')) {
            out.push('<');
            rest = tag;
            continue;
        }
        if let Some(comment) = tag.strip_prefix("!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        let Some(end) = tag_end(tag) else {
            // An unterminated tag: drop it and everything after rather than show half markup.
            rest = "";
            break;
        };
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        let name = name.to_ascii_lowercase();
        rest = &tag[end + 1..];
        if BLOCK.contains(&name.as_str()) {
            out.push(' ');
        }
        if !tag.starts_with('/') && matches!(name.as_str(), "script" | "style") {
            let close = format!("</{name}");
            rest = find_ascii_ci(rest, &close).map_or("", |i| &rest[i..]);
        }
    }
    out.push_str(rest);
    out
}

const BLOCK: &[&str] = &[
    "br",
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "tr",
    "td",
    "th",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "hr",
];

/// Index of the `>` closing a tag, skipping quoted attribute values.
fn tag_end(tag: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in tag.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// Case-insensitive search for an ASCII needle.
fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_comments_and_script_content_are_removed() {
        assert_eq!(
            one_line("<b>Bold</b> &amp; <script>alert(1)</script>news", true),
            "Bold & news"
        );
        assert_eq!(
            one_line("a<!-- hidden -->b<STYLE>p{}</sTyLe>c", true),
            "abc"
        );
        assert_eq!(
            one_line("<p>one</p><p>two</p><br/>three", true),
            "one two three"
        );
        assert_eq!(one_line("<a href=\"x\" title='a>b'>link</a>", true), "link");
    }

    #[test]
    fn a_lone_less_than_is_text() {
        assert_eq!(one_line("a < b and 3<4", false), "a < b and 3<4");
        assert_eq!(one_line("a &lt; b", true), "a < b");
    }

    #[test]
    fn unterminated_markup_is_dropped_not_shown() {
        assert_eq!(one_line("news <img src=x onerror=alert(1)", true), "news");
        assert_eq!(one_line("x <script>alert(1)", true), "x");
        assert_eq!(one_line("y <!-- open", true), "y");
    }

    #[test]
    fn escaped_markup_in_plain_text_is_stripped_once() {
        assert_eq!(one_line("&lt;em&gt;Big&lt;/em&gt; news", false), "Big news");
    }
}
