//! Property tests of parse → normalize → merge: thousands of generated feeds (RSS, Atom, JSON
//! Feed) built from hostile pieces, many of them then truncated or corrupted. Whatever the
//! input, parsing never panics, and every feed it accepts comes out in the normal form the
//! renderer relies on; merging keeps its invariants. Titles are checked on their own too: text
//! without markup passes unchanged, markup goes and nothing else does, and no known tag is ever
//! left. Deterministic: a failure names its seed.

use chrono::{DateTime, Duration, Utc};
use feed_rs::model::Text;
use newsdesk::feed::merge::{count_new, merge};
use newsdesk::feed::{MAX_TITLE_CHARS, clean_text, parse};
use newsdesk::model::Entry;
use url::Url;

use crate::support::rng::Rng;

const CASES: u64 = 3000;

const TEXTS: &[&str] = &[
    "Plain headline",
    "  spaced\n\tout  ",
    "&lt;script&gt;alert(1)&lt;/script&gt;escaped",
    "<![CDATA[<script>alert(1)</script><b>bold</b>]]>",
    "&amp;amp; double &amp;lt;b&amp;gt;",
    "Ünïcödé ✓ 中文 😀",
    "a < b &amp; c > d",
    "",
    "&#x3c;img src=x onerror=alert(1)&#x3e;",
    "\u{202e}rtl override",
    "Vec&amp;lt;T&amp;gt; in Rust",
    "if a&amp;lt;b then &lt;i&gt;c&lt;/i&gt;",
];

const LINKS: &[&str] = &[
    "https://example.org/a",
    "/relative/path?x=1",
    "relative",
    "javascript:alert(1)",
    " JAVASCRIPT:alert(1)",
    "data:text/html,<script>",
    "vbscript:x",
    "mailto:a@b.c",
    "http://[::1",
    "//other.example/p",
    "",
    "https://example.org/a#frag",
];

const DATES_RFC2822: &[&str] = &[
    "Mon, 23 Nov 2026 10:00:00 GMT",
    "Tue, 01 Jan 2030 00:00:00 +0200",
    "not a date",
    "Sun, 31 Dec 1899 23:59:59 GMT",
];

fn xml_escape_link(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;")
}

fn generate(rng: &mut Rng) -> Vec<u8> {
    let n = rng.below(12);
    let mut out = String::new();
    match rng.below(3) {
        0 => {
            out.push_str("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>");
            out.push_str(rng.pick(TEXTS));
            out.push_str("</title>");
            for _ in 0..n {
                out.push_str("<item>");
                if rng.below(3) > 0 {
                    out.push_str(&format!("<title>{}</title>", rng.pick(TEXTS)));
                }
                if rng.below(3) > 0 {
                    out.push_str(&format!(
                        "<link>{}</link>",
                        xml_escape_link(rng.pick(LINKS))
                    ));
                }
                if rng.below(2) > 0 {
                    out.push_str(&format!("<guid>{}</guid>", rng.below(6)));
                }
                if rng.below(2) > 0 {
                    out.push_str(&format!("<pubDate>{}</pubDate>", rng.pick(DATES_RFC2822)));
                }
                if rng.below(2) > 0 {
                    out.push_str(&format!("<description>{}</description>", rng.pick(TEXTS)));
                }
                out.push_str("</item>");
            }
            out.push_str("</channel></rss>");
        }
        1 => {
            out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\"><title type=\"html\">");
            out.push_str(rng.pick(TEXTS));
            out.push_str("</title>");
            for _ in 0..n {
                out.push_str(&format!(
                    "<entry><id>{}</id>",
                    if rng.below(2) == 0 { "" } else { "urn:x" }
                ));
                out.push_str(&format!(
                    "<title type=\"{}\">{}</title>",
                    rng.pick(&["text", "html"]),
                    rng.pick(TEXTS)
                ));
                out.push_str(&format!(
                    "<link href=\"{}\"/>",
                    xml_escape_link(rng.pick(LINKS)).replace('"', "&quot;")
                ));
                out.push_str(&format!(
                    "<updated>{}</updated></entry>",
                    rng.pick(&["2026-11-23T10:00:00Z", "bogus"])
                ));
            }
            out.push_str("</feed>");
        }
        _ => {
            let items: Vec<String> = (0..n)
                .map(|_| {
                    serde_json::json!({
                        "id": rng.below(6).to_string(),
                        "title": rng.pick(TEXTS),
                        "url": rng.pick(LINKS),
                        "date_published": rng.pick(&["2026-11-23T10:00:00Z", "yesterday"]),
                    })
                    .to_string()
                })
                .collect();
            out = format!(
                r#"{{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{}]}}"#,
                items.join(",")
            );
        }
    }
    let mut bytes = out.into_bytes();
    match rng.below(4) {
        0 if !bytes.is_empty() => {
            let cut = rng.below(bytes.len());
            bytes.truncate(cut);
        }
        1 => {
            for _ in 0..1 + rng.below(4) {
                if bytes.is_empty() {
                    break;
                }
                let i = rng.below(bytes.len());
                bytes[i] = rng.next() as u8;
            }
        }
        _ => {}
    }
    bytes
}

fn check_entries(entries: &[Entry], seed: u64) {
    for e in entries {
        assert!(!e.id.is_empty(), "seed {seed}: empty id");
        let t = &e.title;
        assert!(!t.is_empty(), "seed {seed}: empty title {e:?}");
        assert!(
            t.chars().count() <= MAX_TITLE_CHARS,
            "seed {seed}: long title"
        );
        assert_eq!(t.trim(), t, "seed {seed}: untrimmed title");
        assert!(
            !t.contains(['\n', '\t']) && !t.contains("  "),
            "seed {seed}: whitespace in {t:?}"
        );
        let lower = t.to_ascii_lowercase();
        assert!(
            !lower.contains("<script") && !lower.contains("<img"),
            "seed {seed}: markup in {t:?}"
        );
        assert_no_markup(t, seed);
        if let Some(link) = &e.link {
            let url = Url::parse(link)
                .unwrap_or_else(|_| panic!("seed {seed}: link {link:?} not absolute"));
            assert!(
                matches!(url.scheme(), "http" | "https"),
                "seed {seed}: link {link:?}"
            );
        }
    }
}

fn sort_key(e: &Entry) -> DateTime<Utc> {
    e.published.unwrap_or(e.first_seen)
}

#[test]
fn parse_normalize_merge_keep_their_invariants_on_generated_feeds() {
    let base = Url::parse("https://feeds.example/news/feed.xml").unwrap();
    let t0: DateTime<Utc> = "2026-11-23T12:00:00Z".parse().unwrap();
    let mut accepted = 0;
    for seed in 0..CASES {
        let mut rng = Rng(seed);
        let stored_doc = generate(&mut rng);
        let fresh_doc = generate(&mut rng);
        // A stored history from a document the parser refused is simply empty.
        let old = parse(&stored_doc, &base, t0)
            .map(|f| f.entries)
            .unwrap_or_default();
        let Ok(new) = parse(&fresh_doc, &base, t0 + Duration::hours(1)) else {
            continue;
        };
        accepted += 1;
        check_entries(&old, seed);
        check_entries(&new.entries, seed);
        let cap = 1 + rng.below(8);
        let stored = merge(&[], old, cap);
        let merged = merge(&stored, new.entries.clone(), cap);
        assert!(merged.len() <= cap, "seed {seed}: over the cap");
        let mut ids: Vec<&str> = merged.iter().map(|e| e.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), merged.len(), "seed {seed}: duplicate ids");
        assert!(
            merged
                .windows(2)
                .all(|w| sort_key(&w[0]) >= sort_key(&w[1])),
            "seed {seed}: not newest first"
        );
        assert!(count_new(&stored, &merged) <= merged.len());
        assert_eq!(
            merge(&merged, new.entries, cap),
            merged,
            "seed {seed}: merging the same fetch again changed the history"
        );
        for e in &merged {
            if let Some(old) = stored.iter().find(|s| s.id == e.id) {
                assert_eq!(
                    e.first_seen, old.first_seen,
                    "seed {seed}: first_seen moved"
                );
            }
        }
    }
    assert!(
        accepted > CASES / 3,
        "the generator must mostly produce feeds the parser accepts: {accepted}"
    );
}

/// Title text without `<` or `&`: nothing in it may be taken for markup.
const PROSE: &[&str] = &[
    "Rust",
    "1.0 released",
    "a > b",
    "b>",
    "\"quoted\"",
    "it's",
    "x=y",
    "=",
    "/",
    "'",
    "Ünïcödé ✓ 中文 😀",
    "—",
    " ",
    "  ",
    "\n",
    "\t",
    "\u{a0}",
    "\u{3000}",
];

/// Well-formed markup and what removing it leaves: nothing, or a space for a block element.
const MARKUP: &[(&str, &str)] = &[
    ("<b>", ""),
    ("</b>", ""),
    ("<EM>", ""),
    ("</em >", ""),
    ("<span class=\"x\">", ""),
    ("<a href='/a' title='a>b'>", ""),
    ("</a>", ""),
    ("<img src=x alt=\"\">", ""),
    ("<!-- note -->", ""),
    ("<script>alert(1)</script>", ""),
    ("<style>p { color: red }</STYLE>", ""),
    ("&lt;i&gt;", ""),
    ("&lt;/strong&gt;", ""),
    ("<br/>", " "),
    ("<p>", " "),
    ("</div>", " "),
];

/// Anything at all: stray `<`, entities, cut-off tags, things that only look like tags.
const HOSTILE: &[&str] = &[
    "<",
    "</",
    "<<",
    ">",
    "<T>",
    "<b then",
    "<i don't know>",
    "<div",
    "<img src=x onerror=x()",
    "<!--",
    "-->",
    "<!",
    "&lt;",
    "&gt;",
    "&amp;",
    "&amp;lt;",
    "&#60;",
    "&#x3e;",
    "&lt;b&gt;",
    "&lt;/b&gt;",
    "&lt;script&gt;",
    "<span\u{a0}x>",
    "b",
    "br",
    "script",
];

/// Element names the checks below look for (an independent list, not the scanner's).
const ELEMENTS: &[&str] = &[
    "a", "b", "big", "br", "code", "div", "em", "embed", "font", "h1", "h2", "i", "iframe", "img",
    "li", "link", "math", "meta", "object", "p", "s", "script", "small", "span", "strong", "style",
    "sub", "sup", "svg", "table", "td", "title", "tr", "u", "ul",
];

fn text(content: &str, html: bool) -> Text {
    Text {
        content_type: if html { "text/html" } else { "text/plain" }
            .parse()
            .unwrap(),
        src: None,
        content: content.to_string(),
    }
}

/// Whitespace collapsed and length capped as titles are.
fn one_line(s: &str) -> String {
    let out = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if out.chars().count() <= MAX_TITLE_CHARS {
        return out;
    }
    let mut cut: String = out.chars().take(MAX_TITLE_CHARS - 1).collect();
    cut.truncate(cut.trim_end().len());
    cut + "…"
}

/// Fails when `t` still holds a comment or a well-formed tag of a known element: `<`, an
/// optional `/`, the name in any case, then `>`, `/` or whitespace, and a `>` outside quoted
/// attribute values.
fn assert_no_markup(t: &str, seed: u64) {
    assert!(!t.contains("<!--"), "seed {seed}: comment in {t:?}");
    for (at, _) in t.match_indices('<') {
        let after = &t[at + 1..];
        let body = after.strip_prefix('/').unwrap_or(after);
        let name_len = body.bytes().take_while(u8::is_ascii_alphanumeric).count();
        let name = body[..name_len].to_ascii_lowercase();
        if !ELEMENTS.contains(&name.as_str()) {
            continue;
        }
        let attrs = &body[name_len..];
        let delimited = attrs
            .chars()
            .next()
            .is_some_and(|c| c == '>' || c == '/' || c.is_whitespace());
        let mut quote = None;
        let mut after_equals = false;
        let closed = attrs.chars().any(|c| {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') if after_equals => quote = Some(c),
                (None, '>') => return true,
                (None, '=') => after_equals = true,
                (None, c) if c.is_ascii_whitespace() => {}
                (None, _) => after_equals = false,
            }
            false
        });
        assert!(
            !(delimited && closed),
            "seed {seed}: tag <{name}> left in {t:?}"
        );
    }
}

#[test]
fn text_without_markup_only_has_its_whitespace_collapsed() {
    for seed in 0..CASES {
        let mut rng = Rng(seed);
        let input: String = (0..rng.below(40)).map(|_| rng.pick(PROSE)).collect();
        for html in [false, true] {
            assert_eq!(
                clean_text(&text(&input, html)),
                one_line(&input),
                "seed {seed}, html {html}"
            );
        }
    }
}

#[test]
fn markup_between_text_is_removed_and_nothing_else() {
    for seed in 0..CASES {
        let mut rng = Rng(seed);
        let (mut input, mut expected) = (String::new(), String::new());
        for _ in 0..rng.below(30) {
            if rng.below(3) == 0 {
                let (markup, leaves) = MARKUP[rng.below(MARKUP.len())];
                input.push_str(markup);
                expected.push_str(leaves);
            } else {
                let prose = rng.pick(PROSE);
                input.push_str(prose);
                expected.push_str(prose);
            }
        }
        for html in [false, true] {
            assert_eq!(
                clean_text(&text(&input, html)),
                one_line(&expected),
                "seed {seed}, html {html}: {input:?}"
            );
        }
    }
}

#[test]
fn no_known_tag_survives_any_mix() {
    for seed in 0..CASES {
        let mut rng = Rng(seed);
        let input: String = (0..rng.below(30))
            .map(|_| match rng.below(3) {
                0 => rng.pick(PROSE),
                1 => MARKUP[rng.below(MARKUP.len())].0,
                _ => rng.pick(HOSTILE),
            })
            .collect();
        for html in [false, true] {
            let t = clean_text(&text(&input, html));
            assert_no_markup(&t, seed);
            assert!(t.chars().count() <= MAX_TITLE_CHARS, "seed {seed}");
            assert_eq!(t, one_line(&t), "seed {seed}: whitespace in {t:?}");
        }
    }
}
