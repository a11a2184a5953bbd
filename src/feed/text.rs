//! Feed text to one line of plain text. Titles are never shown as markup (the renderer escapes
//! them), so markup is removed rather than sanitized: known HTML tags dropped, the content of
//! `script` and `style` dropped with them, entities decoded, whitespace collapsed, length capped.
//!
//! Only real markup goes: a `<` opening a well-formed tag (closed by `>`) whose name is an HTML
//! element, a closing tag or a comment. Anything else is text, so `Vec<T>`, `if a<b then c` and
//! `a < b` keep their `<`. Feeds often escape their HTML once more than the declared type says
//! (RSS titles routinely carry `&lt;b&gt;Big&lt;/b&gt;`), so markup found after decoding entities
//! is removed as well, whatever type the text declares.
//!
//! A small scanner does this; a full HTML parser per title cost more than parsing the feed itself.
//! Summaries go the same way ([`summary`]), then are cut on a word boundary.

use std::borrow::Cow;

use feed_rs::model::Text;

/// Longest title kept, in characters.
pub const MAX_TITLE_CHARS: usize = 300;

/// Stripping passes before nested markup is taken for hostile: real titles need one.
const MAX_PASSES: usize = 4;

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
    let mut out = plain(content, is_html);
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

/// Longest summary kept, in characters, the ellipsis included.
pub const MAX_SUMMARY_CHARS: usize = 300;

/// Bytes of an entry's content read for its summary: a summary is its first few hundred
/// characters, so a huge content (a whole article, inline images as `data:` URLs) costs no
/// more than this.
const MAX_SUMMARY_INPUT: usize = 32 * 1024;

/// An entry's summary from its description or content (HTML if `is_html`): plain text on one
/// line, at most [`MAX_SUMMARY_CHARS`] cut on a word boundary with an ellipsis. `None` when no
/// text remains (all markup) or the text only repeats `title`.
pub fn summary(content: &str, is_html: bool, title: &str) -> Option<String> {
    let mut end = content.len().min(MAX_SUMMARY_INPUT);
    while !content.is_char_boundary(end) {
        end -= 1;
    }
    let cut_input = end < content.len();
    let mut head = &content[..end];
    // A tag cut in two would read as text (`<br`): the cut goes before it.
    if cut_input
        && let Some(open) = head.rfind('<')
        && !head[open..].contains('>')
    {
        head = &head[..open];
    }
    let text = plain(head, is_html);
    let title = title.trim_end_matches('…');
    if text.is_empty()
        || (!title.is_empty() && text.starts_with(title) && text.len() <= title.len() + 3)
    {
        return None;
    }
    Some(cut_on_word(text, MAX_SUMMARY_CHARS, cut_input))
}

/// `text` cut to at most `max` characters at the last space that leaves at least half of
/// them (else within the word), with an ellipsis; also when `cut_before` says the text was
/// already cut short.
fn cut_on_word(text: String, max: usize, cut_before: bool) -> String {
    let Some((at, _)) = text.char_indices().nth(max) else {
        return if cut_before {
            format!("{}…", text.trim_end())
        } else {
            text
        };
    };
    // Room for the ellipsis: the kept text is at most `max - 1` characters.
    let keep_end = text[..at].char_indices().last().map_or(0, |(i, _)| i);
    let kept = &text[..keep_end];
    let half = kept.len() / 2;
    let kept = match kept.rfind(' ') {
        Some(space) if space >= half => &kept[..space],
        _ => kept,
    };
    let kept = kept.trim_end_matches(|c: char| c.is_whitespace() || ",;:-–—".contains(c));
    format!("{kept}…")
}

/// `content` as plain text, whitespace collapsed, of any length.
fn plain(content: &str, is_html: bool) -> String {
    // Declared HTML loses its tags before entities are decoded, so an escaped `&gt;` inside an
    // attribute value cannot end a tag early.
    let text = match is_html {
        true => Cow::Owned(strip_tags(content)),
        false => Cow::Borrowed(content),
    };
    let decoded = match html_escape::decode_html_entities(&text) {
        Cow::Borrowed(_) => text.into_owned(),
        Cow::Owned(decoded) => decoded,
    };
    collapse_whitespace(strip_markup(decoded))
}

/// `text` with its runs of whitespace as single spaces and none at either end; a copy only
/// when that changes it.
fn collapse_whitespace(text: String) -> String {
    let mut previous_space = true;
    let collapsed = text.chars().all(|c| {
        let ok = c != ' ' || !previous_space;
        previous_space = c == ' ';
        ok && (c == ' ' || !c.is_whitespace())
    }) && !text.ends_with(' ');
    if collapsed {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Strips until no markup is left: removing a tag can join a stray `<` with the text after it
/// into a new tag (`<<b>b>`). Markup nested deeper than [`MAX_PASSES`] only comes from someone
/// probing us; its `<` are dropped rather than spending a pass per level.
fn strip_markup(mut text: String) -> String {
    for _ in 0..MAX_PASSES {
        if !text.contains('<') {
            return text;
        }
        let stripped = strip_tags(&text);
        // Removing markup always shortens the text; keeping text never changes its length.
        if stripped.len() == text.len() {
            return text;
        }
        text = stripped;
    }
    if strip_tags(&text).len() != text.len() {
        text.retain(|c| c != '<');
    }
    text
}

/// Removes known tags, comments and the content of `script`/`style` elements in one pass.
/// Block-level tags leave a space so words do not run together.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    // Past the last `>` no tag can end: knowing that spares a scan to the end of the text for
    // every `<b` in hostile input, which would make one pass quadratic.
    let last_gt = html.rfind('>');
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let gt_ahead = last_gt.is_some_and(|gt| gt > html.len() - after.len());
        match markup_at(after, gt_ahead) {
            Markup::Text => {
                out.push('<');
                rest = after;
            }
            Markup::CutOff => {
                // Drop it and everything after rather than show half markup.
                rest = "";
            }
            Markup::Comment { len } => rest = &after[len..],
            Markup::Tag { name, closing, len } => {
                rest = &after[len..];
                if BLOCK.find(name).is_some() {
                    out.push(' ');
                }
                if !closing && matches!(name, "script" | "style") {
                    rest = after_raw_text(rest, name);
                }
            }
        }
    }
    out.push_str(rest);
    out
}

/// What a `<` opens; lengths count from just after the `<`.
enum Markup {
    /// Not markup: the `<` is text.
    Text,
    /// Markup that never ends: a comment, closing tag or a tag with attributes and no `>`.
    CutOff,
    Comment {
        len: usize,
    },
    Tag {
        /// Lowercase element name.
        name: &'static str,
        closing: bool,
        len: usize,
    },
}

/// Classifies the text after a `<`; `gt_ahead` says whether a `>` follows somewhere.
fn markup_at(after: &str, gt_ahead: bool) -> Markup {
    if let Some(body) = after.strip_prefix("!--") {
        return match body.find("-->") {
            Some(end) => Markup::Comment { len: 3 + end + 3 },
            None => Markup::CutOff,
        };
    }
    let (closing, body) = match after.strip_prefix('/') {
        Some(body) => (true, body),
        None => (false, after),
    };
    let name_len = body.bytes().take_while(u8::is_ascii_alphanumeric).count();
    let Some(name) = element(&body[..name_len]) else {
        return Markup::Text;
    };
    let attrs = &body[name_len..];
    // `<b>`, `<br/>`, `<a href>`; not `<b-x>` or `<b<`. Unicode whitespace counts, so that
    // collapsing whitespace later cannot turn text into a tag.
    let delimited = attrs
        .chars()
        .next()
        .is_some_and(|c| c == '>' || c == '/' || c.is_whitespace());
    if !delimited {
        // Only a closing tag cut off right after its name (`Big</b`) is markup.
        return if closing && attrs.is_empty() {
            Markup::CutOff
        } else {
            Markup::Text
        };
    }
    if !gt_ahead {
        return if closing || has_attribute(attrs) {
            Markup::CutOff
        } else {
            Markup::Text
        };
    }
    match tag_end(attrs) {
        Some(end) => Markup::Tag {
            name,
            closing,
            len: usize::from(closing) + name_len + end + 1,
        },
        // Every `>` ahead is inside an attribute value this tag opened: markup cut off.
        None => Markup::CutOff,
    }
}

/// Whether the text after a tag name starts like an attribute (`name=`): then a `<` without
/// `>` is markup cut off, not prose such as `if a<b then c`.
fn has_attribute(attrs: &str) -> bool {
    let attrs = attrs.trim_start();
    let name_len = attrs
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':'))
        .count();
    name_len > 0 && attrs[name_len..].trim_start().starts_with('=')
}

/// Byte index of the `>` ending a tag, skipping quoted attribute values. As in HTML, a quote
/// only opens a value right after `=`, so the apostrophe in `<i don't>` does not.
fn tag_end(attrs: &str) -> Option<usize> {
    let bytes = attrs.as_bytes();
    let mut after_equals = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'>' => return Some(i),
            b'=' => after_equals = true,
            q @ (b'"' | b'\'') if after_equals => {
                let close = bytes[i + 1..].iter().position(|&b| b == q)?;
                i += 1 + close;
                after_equals = false;
            }
            b if b.is_ascii_whitespace() => {}
            _ => after_equals = false,
        }
        i += 1;
    }
    None
}

/// The text after the end tag closing a `script` or `style` element, or nothing when it is
/// never closed. The end tag matches in any case (`</sTyLe>`), as in HTML.
fn after_raw_text<'a>(rest: &'a str, name: &str) -> &'a str {
    let close = format!("</{name}");
    let Some(at) = find_ascii_ci(rest.as_bytes(), close.as_bytes()) else {
        return "";
    };
    let tail = &rest[at + close.len()..];
    tag_end(tail).map_or("", |end| &tail[end + 1..])
}

/// Byte offset of an ASCII `needle` in `haystack`, ignoring ASCII case: an end tag (`</sTyLe`)
/// as HTML matches it.
pub(crate) fn find_ascii_ci(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// The lowercase HTML element named `name` (any case), if it is one.
fn element(name: &str) -> Option<&'static str> {
    ELEMENTS.find(name).map(|i| ELEMENTS.word(i))
}

/// A table of short ASCII words (at most [`LONGEST_WORD`] bytes), found through a hash of
/// their [`word_key`] built at compile time: a lookup for every tag of every summary and every
/// word of every title costs a multiplication and, mostly, one comparison of integers.
pub struct WordTable<const N: usize> {
    words: [&'static str; N],
    /// Each word as [`word_key`], in the same order.
    keys: [u128; N],
    /// Open addressing by [`slot`]: each slot 0 or a word's position plus one. At most a
    /// quarter full, so a word not in the table mostly meets an empty slot at once.
    slots: [u8; SLOTS],
}

/// Slots of a [`WordTable`]: a power of two.
const SLOTS: usize = 1024;

/// Where `key` is first looked for: the top bits of a multiplicative hash of its halves.
const fn slot(key: u128) -> usize {
    let folded = (key as u64) ^ ((key >> 64) as u64).rotate_left(29);
    (folded.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - SLOTS.trailing_zeros())) as usize
}

impl<const N: usize> WordTable<N> {
    /// The table of `words`, which must be distinct, lowercase and of 1 to [`LONGEST_WORD`]
    /// bytes: a table built in a `const` fails to compile otherwise.
    pub const fn new(words: [&'static str; N]) -> Self {
        // Less than a quarter full, and so positions plus one fit a byte.
        assert!(N < SLOTS / 4, "a table holds at most 255 words");
        let mut keys = [0; N];
        let mut slots = [0u8; SLOTS];
        let mut i = 0;
        while i < N {
            let bytes = words[i].as_bytes();
            let mut b = 0;
            while b < bytes.len() {
                assert!(!bytes[b].is_ascii_uppercase(), "table words are lowercase");
                b += 1;
            }
            let key = match word_key(bytes) {
                Some(key) => key,
                None => panic!("table words have 1 to 15 bytes"),
            };
            keys[i] = key;
            let mut at = slot(key);
            while slots[at] != 0 {
                assert!(
                    keys[slots[at] as usize - 1] != key,
                    "table words are distinct"
                );
                at = (at + 1) % SLOTS;
            }
            slots[at] = (i + 1) as u8;
            i += 1;
        }
        WordTable { words, keys, slots }
    }

    /// The position of `word` in the table, ASCII case ignored.
    pub fn find(&self, word: &str) -> Option<usize> {
        let key = word_key(word.as_bytes())?;
        let mut at = slot(key);
        loop {
            let i = usize::from(self.slots[at]).checked_sub(1)?;
            if self.keys[i] == key {
                return Some(i);
            }
            at = (at + 1) % SLOTS;
        }
    }

    /// The word at `i`.
    pub fn word(&self, i: usize) -> &'static str {
        self.words[i]
    }

    /// The words.
    #[cfg(test)]
    pub fn words(&self) -> &[&'static str] {
        &self.words
    }
}

/// The longest word a [`WordTable`] holds or finds, in bytes.
pub const LONGEST_WORD: usize = 15;

/// A word of 1 to [`LONGEST_WORD`] bytes, ASCII lowercased, as one number: its bytes
/// zero-padded, then its length (so a NUL byte cannot make two words one).
const fn word_key(word: &[u8]) -> Option<u128> {
    if word.is_empty() || word.len() > LONGEST_WORD {
        return None;
    }
    let mut padded = [0u8; 16];
    let mut i = 0;
    while i < word.len() {
        padded[i] = word[i].to_ascii_lowercase();
        i += 1;
    }
    padded[15] = word.len() as u8;
    Some(u128::from_be_bytes(padded))
}

/// HTML elements, current and obsolete ones still seen in feeds.
#[rustfmt::skip]
const ELEMENTS: WordTable<131> = WordTable::new([
    "a", "abbr", "acronym", "address", "applet", "area", "article", "aside", "audio", "b", "base",
    "basefont", "bdi", "bdo", "big", "blink", "blockquote", "body", "br", "button", "canvas",
    "caption", "center", "cite", "code", "col", "colgroup", "data", "datalist", "dd", "del",
    "details", "dfn", "dialog", "dir", "div", "dl", "dt", "em", "embed", "fieldset", "figcaption",
    "figure", "font", "footer", "form", "frame", "frameset", "h1", "h2", "h3", "h4", "h5", "h6",
    "head", "header", "hgroup", "hr", "html", "i", "iframe", "img", "input", "ins", "kbd", "label",
    "legend", "li", "link", "main", "map", "mark", "marquee", "math", "menu", "meta", "meter",
    "nav", "nobr", "noembed", "noframes", "noscript", "object", "ol", "optgroup", "option",
    "output", "p", "param", "picture", "pre", "progress", "q", "rp", "rt", "ruby", "s", "samp",
    "script", "search", "section", "select", "slot", "small", "source", "span", "strike", "strong",
    "style", "sub", "summary", "sup", "svg", "table", "tbody", "td", "template", "textarea",
    "tfoot", "th", "thead", "time", "title", "tr", "track", "tt", "u", "ul", "var", "video", "wbr",
]);

/// Elements that break a line: removing them leaves a space.
#[rustfmt::skip]
const BLOCK: WordTable<32> = WordTable::new([
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav",
    "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_are_found_in_any_case_and_nothing_else_is() {
        assert!(BLOCK.words().iter().all(|b| element(b) == Some(*b)));
        assert!(ELEMENTS.words().iter().all(|e| element(e) == Some(*e)));
        assert_eq!(element("STRONG"), Some("strong"));
        assert_eq!(element("bR"), Some("br"));
        for not in ["T", "", "bx", "stron", "strongs", "b\0", "blockquotes", "é"] {
            assert_eq!(element(not), None, "{not:?}");
        }
    }

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

    #[test]
    fn a_less_than_that_opens_no_known_tag_is_text() {
        for html in [false, true] {
            assert_eq!(one_line("Vec&lt;T&gt; in Rust", html), "Vec<T> in Rust");
            assert_eq!(one_line("if a&lt;b then c", html), "if a<b then c");
            assert_eq!(
                one_line("Option&lt;Box&lt;dyn Error&gt;&gt;", html),
                "Option<Box<dyn Error>>"
            );
            assert_eq!(one_line("x&lt;y and a &lt; b", html), "x<y and a < b");
            assert_eq!(one_line("HashMap&lt;K, V&gt;", html), "HashMap<K, V>");
        }
        assert_eq!(one_line("Vec<T> in Rust", true), "Vec<T> in Rust");
        assert_eq!(one_line("if a<b then c", false), "if a<b then c");
        assert_eq!(one_line("<bold>x</bold>", false), "<bold>x</bold>");
    }

    #[test]
    fn known_tags_in_escaped_or_declared_html_are_removed() {
        for html in [false, true] {
            assert_eq!(one_line("&lt;b&gt;Big&lt;/b&gt; news", html), "Big news");
            assert_eq!(
                one_line("News &lt;script&gt;alert(1)&lt;/script&gt;today", html),
                "News today"
            );
            assert_eq!(one_line("&lt;B&gt;Loud&lt;/B&gt;", html), "Loud");
        }
        assert_eq!(
            one_line("News <script>alert(1)</script>today", false),
            "News today"
        );
        assert_eq!(one_line("a<br/>b<br />c<hr>d", true), "a b c d");
        assert_eq!(
            one_line("<span class=x>Vec&lt;T&gt;</span>", true),
            "Vec<T>"
        );
    }

    #[test]
    fn unterminated_text_that_only_looks_like_a_tag_is_kept() {
        assert_eq!(one_line("if a<b", false), "if a<b");
        assert_eq!(one_line("<i don't know", false), "<i don't know");
        // Cut-off markup (an attribute or a closing tag without `>`) is still dropped.
        assert_eq!(one_line("news </b", false), "news");
    }

    #[test]
    fn removing_a_tag_does_not_assemble_another() {
        assert_eq!(one_line("&lt;<b></b>b&gt;x", true), "x");
        assert_eq!(one_line("<<b>b>x", false), "x");
        let nested = format!("{}x{}", "<".repeat(50), "b>".repeat(50));
        assert!(!one_line(&nested, false).contains("<b>"));
    }

    /// 1.6 MB of tags that never close: a scan that restarted at each `<` would not finish
    /// (no timing assertion, which a loaded machine would fail).
    #[test]
    fn hostile_unterminated_tags_are_kept_as_text_or_dropped() {
        let prose = "<b then ".repeat(200_000);
        let shown = one_line(&prose, true);
        assert!(shown.starts_with("<b then <b then") && shown.ends_with('…'));
        let quoted = "<b then a='>' ".repeat(100_000);
        assert_eq!(one_line(&quoted, false), "");
    }

    #[test]
    fn summaries_are_plain_text_cut_on_a_word_with_an_ellipsis() {
        let html = format!(
            "<p>The <b>new</b> release &amp; its notes.</p><p>{}</p>",
            "Many words follow here ".repeat(40)
        );
        let s = summary(&html, true, "Release 2.0").unwrap();
        assert!(
            s.starts_with("The new release & its notes. Many words"),
            "{s}"
        );
        assert!(
            s.chars().count() <= MAX_SUMMARY_CHARS,
            "{}",
            s.chars().count()
        );
        assert!(
            s.ends_with("follow…")
                || s.ends_with("here…")
                || s.ends_with("words…")
                || s.ends_with("Many…"),
            "{s}"
        );
        assert_eq!(
            summary("Short &amp; plain.", false, "T").as_deref(),
            Some("Short & plain.")
        );
        let word = "x".repeat(400);
        let s = summary(&word, false, "T").unwrap();
        assert_eq!(
            s.chars().count(),
            MAX_SUMMARY_CHARS,
            "a single long word is cut within"
        );
    }

    #[test]
    fn a_summary_of_only_markup_or_the_title_is_none() {
        assert_eq!(summary("<img src=\"a.png\"><br/><p> </p>", true, "T"), None);
        assert_eq!(summary("&lt;img src=x&gt;&lt;/img&gt;", false, "T"), None);
        assert_eq!(summary("<script>alert(1)</script>", true, "T"), None);
        assert_eq!(summary("  ", false, "T"), None);
        assert_eq!(summary("<b>Big news</b>", true, "Big news"), None);
        assert_eq!(
            summary("Big news.", false, "Big news"),
            None,
            "the title and a stop"
        );
        assert_eq!(
            summary("Big news today, and more", false, "Big news").as_deref(),
            Some("Big news today, and more")
        );
    }

    #[test]
    fn a_huge_content_is_read_only_at_its_start() {
        let huge = format!("<p>Lead paragraph.</p>{}", "<div>é</div>".repeat(1_000_000));
        let s = summary(&huge, true, "T").unwrap();
        assert!(s.starts_with("Lead paragraph. é é"), "{s}");
        assert!(s.ends_with('…') && s.chars().count() <= MAX_SUMMARY_CHARS);
        let short_then_cut = format!("Lead.{}", "<br>".repeat(20_000));
        assert_eq!(
            summary(&short_then_cut, true, "T").as_deref(),
            Some("Lead.…")
        );
    }
}
