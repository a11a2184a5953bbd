//! An HTML page without a feed, read as one: each element the `item` selector matches is a
//! story, its title, link and date found by selectors within it (`[sites.feeds.scrape]`).
//! The result is the [`ParsedFeed`] a feed gives, so fetching, merging into history, health and
//! rendering treat the page like any feed. Pure: no I/O, clock passed in.
//!
//! What a page can get wrong, and what it gets:
//! - a body that is not HTML (JSON, a feed, binary, plain text): an error saying what it is;
//! - no element matching `item`, or matches none of which makes a story: an error (the caller
//!   keeps the last good entries);
//! - an item without a title, without an http(s) link, or whose link `link_pattern` refuses:
//!   left out, and so is a second item with a link already seen;
//! - a `summary` element with no text, or only the title again: no summary; an `image`
//!   without an http(s) `src`: no image;
//! - a date that is not one of the forms below: the story is kept, undated; a date after the
//!   fetch is the fetch time, as for feeds.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use memchr::memmem;
use scraper::{ElementRef, Html, Selector};
use url::Url;

use super::ParsedFeed;
use super::date::parse_date;
use super::text::one_line;
use crate::config::ScrapeConfig;
use crate::model::{Entry, Thumbnail};

/// Why a page gave no stories; the fetcher records it as a failure of kind `parse`.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ScrapeError(String);

/// Reads the stories of an HTML page fetched from `base` (the final URL: relative links are
/// resolved against it, or against the page's `<base href>`); `now`, the fetch time, stamps
/// their `first_seen` and bounds their dates.
pub fn parse(
    bytes: &[u8],
    base: &Url,
    now: DateTime<Utc>,
    cfg: &ScrapeConfig,
) -> Result<ParsedFeed, ScrapeError> {
    let text = decode(bytes)?;
    is_html(&text)?;
    let doc = Html::parse_document(&text);
    let page = base;
    let base = page_base(&doc, page);

    let mut items = 0usize;
    let mut titled = 0usize;
    let mut linked = 0usize;
    let mut seen = HashSet::new();
    let mut entries = Vec::new();
    for item in doc.select(cfg.item.selector()) {
        items += 1;
        let Some((title_el, title)) = item
            .select(cfg.title.selector())
            .find_map(|el| Some((el, title_of(el)?)))
        else {
            continue;
        };
        titled += 1;
        let link_el = match &cfg.link {
            Some(sel) => item.select(sel.selector()).next(),
            None => Some(title_el),
        };
        let Some(link) = link_el
            .and_then(|el| link_of(el, item, &cfg.link_attr))
            .and_then(|href| super::safe_link(href, &base))
        else {
            continue;
        };
        linked += 1;
        if cfg
            .link_pattern
            .as_ref()
            .is_some_and(|p| !p.is_match(&link))
        {
            continue;
        }
        if !seen.insert(link.clone()) {
            continue;
        }
        let published = cfg
            .date
            .as_ref()
            .and_then(|sel| item.select(sel.selector()).next())
            .and_then(date_of)
            .map(|d| d.min(now));
        let summary = cfg
            .summary
            .as_ref()
            .and_then(|sel| item.select(sel.selector()).next())
            .and_then(|el| super::text::summary(&text_of(el), false, &title));
        let image = cfg
            .image
            .as_ref()
            .and_then(|sel| {
                item.select(sel.selector())
                    .find_map(|el| image_of(el, &base))
            })
            .map(Thumbnail::offered);
        entries.push(Entry {
            // A page has no guids: the link is the story's identity.
            id: link.clone(),
            title,
            link: Some(link),
            published,
            first_seen: now,
            summary,
            image,
        });
    }
    if entries.is_empty() {
        let item = cfg.item.as_str();
        let why = if items == 0 {
            format!("no element matches the item selector {item:?}")
        } else if titled == 0 {
            format!(
                "{items} elements match {item:?}, but none has a title at {:?}",
                cfg.title.as_str()
            )
        } else if linked == 0 {
            let at = cfg.link.as_ref().unwrap_or(&cfg.title).as_str();
            format!(
                "{items} elements match {item:?}, but none has an http(s) link in the {:?} attribute at {at:?}",
                cfg.link_attr
            )
        } else {
            format!(
                "{items} elements match {item:?}, but no link matches link_pattern {:?}",
                cfg.link_pattern.as_ref().map_or("", |p| p.as_str())
            )
        };
        return Err(ScrapeError(format!("no stories on the page: {why}")));
    }
    Ok(ParsedFeed {
        title: doc
            .select(&TITLE)
            .next()
            .map(|t| one_line(&text_of(t), false))
            .filter(|t| !t.is_empty()),
        site_url: Some(page.to_string()),
        ttl_secs: None,
        entries,
        image: [&*TOUCH_ICON, &*ICON].into_iter().find_map(|sel| {
            doc.select(sel)
                .find_map(|el| super::safe_link(el.attr("href")?, &base))
        }),
    })
}

static TITLE: LazyLock<Selector> = LazyLock::new(|| selector("head title, title"));
static BASE: LazyLock<Selector> = LazyLock::new(|| selector("base[href]"));
static ICON: LazyLock<Selector> = LazyLock::new(|| selector("link[rel~=\"icon\" i][href]"));
static TOUCH_ICON: LazyLock<Selector> =
    LazyLock::new(|| selector("link[rel=\"apple-touch-icon\" i][href]"));

fn selector(s: &str) -> Selector {
    Selector::parse(s).expect("a valid built-in selector")
}

/// The body as text: a byte-order mark wins, then UTF-8 when the bytes are valid UTF-8 (which
/// a body the fetcher transcoded from its HTTP charset always is), then the page's own
/// `<meta charset>`, then windows-1252 as browsers do.
fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, ScrapeError> {
    if let Some((encoding, _)) = encoding_rs::Encoding::for_bom(bytes) {
        return Ok(encoding.decode_with_bom_removal(bytes).0);
    }
    if let Some(what) = binary(bytes) {
        return Err(not_html(&format!("the body is {what}")));
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Cow::Borrowed(text));
    }
    let encoding = meta_charset(&bytes[..bytes.len().min(1024)])
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
        .unwrap_or(encoding_rs::WINDOWS_1252);
    Ok(encoding.decode_without_bom_handling(bytes).0)
}

/// What a body that cannot be text is, by its first bytes.
fn binary(bytes: &[u8]) -> Option<&'static str> {
    const MAGIC: [(&[u8], &str); 7] = [
        (b"%PDF-", "a PDF document"),
        (b"\x89PNG", "a PNG image"),
        (b"GIF8", "a GIF image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"PK\x03\x04", "a ZIP archive"),
        (b"\x1f\x8b", "gzip data"),
        (b"RIFF", "a RIFF file (WebP, WAV, ...)"),
    ];
    if let Some((_, what)) = MAGIC.iter().find(|(m, _)| bytes.starts_with(m)) {
        return Some(what);
    }
    // Text has no NUL, and a stray control character or two is no reason to refuse a page.
    let head = &bytes[..bytes.len().min(1024)];
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c))
        .count();
    (head.contains(&0) || controls > 8).then_some("binary data")
}

/// The label of `<meta charset="...">` or `<meta http-equiv ... content="...; charset=...">`.
fn meta_charset(head: &[u8]) -> Option<String> {
    let lower = head.to_ascii_lowercase();
    let mut rest = &lower[..];
    while let Some(i) = memmem::find(rest, b"<meta") {
        let tag = &rest[i..];
        let end = tag.iter().position(|&b| b == b'>').unwrap_or(tag.len());
        let tag = &tag[..end];
        if let Some(j) = memmem::find(tag, b"charset=") {
            let value = &tag[j + b"charset=".len()..];
            let value = value
                .iter()
                .skip_while(|&&b| b == b'"' || b == b'\'')
                .take_while(|&&b| b.is_ascii_alphanumeric() || b"-_:.".contains(&b))
                .copied()
                .collect::<Vec<u8>>();
            if !value.is_empty() {
                return String::from_utf8(value).ok();
            }
        }
        rest = &rest[i + 5..];
    }
    None
}

fn not_html(what: &str) -> ScrapeError {
    ScrapeError(format!("not an HTML page: {what}"))
}

/// An HTML parser makes a document of anything; a body that is plainly something else is
/// refused here, saying what it is.
fn is_html(text: &str) -> Result<(), ScrapeError> {
    let start = text.trim_start();
    if start.starts_with('{') || start.starts_with('[') {
        return Err(not_html("the body is JSON"));
    }
    // The first element's name: a feed's root says it is one.
    let bytes = start.as_bytes();
    let first = bytes
        .windows(2)
        .position(|w| w[0] == b'<' && w[1].is_ascii_alphabetic())
        .map(|i| {
            let name: String = start[i + 1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == ':')
                .collect();
            name.to_ascii_lowercase()
        });
    match first.as_deref() {
        None => Err(not_html("the body has no HTML tags")),
        Some("rss" | "feed" | "rdf:rdf") => Err(not_html(
            "the body is an RSS or Atom feed; remove the `scrape` table to read it as one",
        )),
        Some(_) => Ok(()),
    }
}

/// The base for relative links: the page's `<base href>` when it is an http(s) URL, else the
/// page's own URL.
fn page_base(doc: &Html, page: &Url) -> Url {
    doc.select(&BASE)
        .next()
        .and_then(|b| page.join(b.attr("href")?.trim()).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .unwrap_or_else(|| page.clone())
}

/// An element's title: its text, else its `title` or `aria-label` attribute, else the `alt`
/// of an image inside it; one line of plain text as for feed titles. `None` when empty.
fn title_of(el: ElementRef<'_>) -> Option<String> {
    static IMG: LazyLock<Selector> = LazyLock::new(|| selector("img[alt]"));
    let text = one_line(&text_of(el), false);
    if !text.is_empty() {
        return Some(text);
    }
    ["title", "aria-label"]
        .into_iter()
        .filter_map(|a| el.attr(a))
        .chain(el.select(&IMG).filter_map(|img| img.attr("alt")))
        .map(|t| one_line(t, false))
        .find(|t| !t.is_empty())
}

/// The text of an element, without what scripts and styles inside it hold; a `<br>` is a space.
fn text_of(el: ElementRef<'_>) -> String {
    let mut out = String::new();
    for node in el.descendants() {
        match node.value() {
            scraper::Node::Text(t) => {
                let hidden = node
                    .ancestors()
                    .take_while(|a| a.id() != el.id())
                    .filter_map(ElementRef::wrap)
                    .any(|a| matches!(a.value().name(), "script" | "style" | "template"));
                if !hidden {
                    out.push_str(t);
                }
            }
            scraper::Node::Element(e) if e.name() == "br" => out.push(' '),
            _ => {}
        }
    }
    out
}

/// The link of a story: `attr` of `el`, else of the first element inside it that has one
/// (`<h2><a href>`), else of the nearest one around it within the item (`<a href><h2>`),
/// the item itself included.
fn link_of<'a>(el: ElementRef<'a>, item: ElementRef<'a>, attr: &str) -> Option<&'a str> {
    let has = |e: &ElementRef<'a>| e.attr(attr).is_some_and(|v| !v.trim().is_empty());
    if has(&el) {
        return el.attr(attr);
    }
    if let Some(inner) = el.descendent_elements().find(has) {
        return inner.attr(attr);
    }
    let mut around = Some(el);
    while let Some(a) = around {
        if has(&a) {
            return a.attr(attr);
        }
        if a.id() == item.id() {
            break;
        }
        around = a.parent().and_then(ElementRef::wrap);
    }
    None
}

/// A story's image: the `src` of the element (else of the first `img` inside it), resolved
/// against the page; a `data:` URL or any other scheme is no image.
fn image_of(el: ElementRef<'_>, base: &Url) -> Option<String> {
    static IMG: LazyLock<Selector> = LazyLock::new(|| selector("img[src]"));
    let src = el
        .attr("src")
        .or_else(|| el.select(&IMG).next()?.attr("src"))?;
    super::safe_link(src, base)
}

/// A story's date: the element's `datetime` attribute, else its text.
fn date_of(el: ElementRef<'_>) -> Option<DateTime<Utc>> {
    el.attr("datetime")
        .and_then(parse_date)
        .or_else(|| parse_date(&text_of(el)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{CssSelector, Pattern};

    fn now() -> DateTime<Utc> {
        "2026-11-23T12:00:00Z".parse().unwrap()
    }

    fn base() -> Url {
        Url::parse("https://news.example/tech/").unwrap()
    }

    fn cfg(item: &str, title: &str) -> ScrapeConfig {
        ScrapeConfig {
            item: CssSelector::parse(item).unwrap(),
            title: CssSelector::parse(title).unwrap(),
            link: None,
            link_attr: "href".into(),
            date: None,
            link_pattern: None,
            summary: None,
            image: None,
        }
    }

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/fixtures/scrape/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    fn page(body: &str) -> Vec<u8> {
        format!("<!doctype html><html><head><title>T</title></head><body>{body}</body></html>")
            .into_bytes()
    }

    fn err(bytes: &[u8], cfg: &ScrapeConfig) -> String {
        parse(bytes, &base(), now(), cfg).unwrap_err().to_string()
    }

    fn date(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    /// (title, link, published) of each story.
    fn stories(f: &ParsedFeed) -> Vec<(&str, &str, Option<DateTime<Utc>>)> {
        f.entries
            .iter()
            .map(|e| (e.title.as_str(), e.link.as_deref().unwrap(), e.published))
            .collect()
    }

    #[test]
    fn a_news_section_page_with_articles() {
        let mut c = cfg("main article", "h2 a");
        c.date = Some(CssSelector::parse("time").unwrap());
        c.link_pattern = Some(Pattern::parse("/tech/").unwrap());
        let base = Url::parse("https://www.dailyherald.example/tech/").unwrap();
        let f = parse(&fixture("news-section.html"), &base, now(), &c).unwrap();
        assert_eq!(
            stories(&f),
            [
                (
                    "Chipmaker unveils 2 nm process, promises 30% less power",
                    "https://www.dailyherald.example/tech/2026/11/23/chipmaker-2nm",
                    Some(date("2026-11-23T09:15:00Z")),
                ),
                (
                    "City council votes to put fibre in every school by 2028",
                    "https://www.dailyherald.example/tech/2026/11/22/fibre-schools",
                    Some(date("2026-11-22T17:40:00Z")),
                ),
                (
                    "Review: the Pocket 5 is small, fast & a little too hot",
                    "https://www.dailyherald.example/tech/2026/11/22/pocket-5-review",
                    Some(date("2026-11-22T08:00:00Z")),
                ),
                (
                    "Open-source office suite reaches 10 million users",
                    "https://www.dailyherald.example/tech/2026/11/21/office-suite",
                    Some(date("2026-11-21T00:00:00Z")),
                ),
            ]
        );
        assert_eq!(f.title.as_deref(), Some("Technology – The Daily Herald"));
        assert_eq!(
            f.site_url.as_deref(),
            Some("https://www.dailyherald.example/tech/")
        );
        assert_eq!(
            f.image.as_deref(),
            Some("https://www.dailyherald.example/static/apple-touch-icon.png")
        );
        assert!(f.entries.iter().all(|e| e.id == *e.link.as_ref().unwrap()));
        assert!(f.entries.iter().all(|e| e.first_seen == now()));
    }

    #[test]
    fn summaries_and_images_are_read_where_the_selectors_say() {
        let mut c = cfg("main article", "h2 a");
        c.summary = Some(CssSelector::parse(".story__standfirst").unwrap());
        c.image = Some(CssSelector::parse(".story__image").unwrap());
        let base = Url::parse("https://www.dailyherald.example/tech/").unwrap();
        let f = parse(&fixture("news-section.html"), &base, now(), &c).unwrap();
        assert_eq!(
            f.entries[0].summary.as_deref(),
            Some("The first chips are due next spring, but analysts doubt the yields.")
        );
        assert_eq!(
            f.entries[0].image.as_ref().map(|i| i.source.as_str()),
            Some("https://www.dailyherald.example/img/chip.jpg"),
            "the img inside the selected element, resolved against the page"
        );
        assert!(
            f.entries[1..]
                .iter()
                .all(|e| e.summary.is_none() && e.image.is_none())
        );
        let markup_only = page(
            r#"<article><h2><a href="/a">A</a></h2><p class="s"><img src="data:image/png;base64,AAAA"></p></article>
               <article><h2><a href="/b">B story</a></h2><p class="s">B story</p><img src="javascript:x"></article>"#,
        );
        c.summary = Some(CssSelector::parse(".s").unwrap());
        c.image = Some(CssSelector::parse("img").unwrap());
        c.item = CssSelector::parse("article").unwrap();
        let f = parse(&markup_only, &base, now(), &c).unwrap();
        assert!(
            f.entries
                .iter()
                .all(|e| e.summary.is_none() && e.image.is_none()),
            "{:?}",
            f.entries
        );
    }

    #[test]
    fn a_forum_list_in_table_rows() {
        let mut c = cfg("table.topics tr.topic", "td.subject a.title");
        c.date = Some(CssSelector::parse("td.last span.date").unwrap());
        let base = Url::parse("https://forum.example/f/rust-help").unwrap();
        let f = parse(&fixture("forum-list.html"), &base, now(), &c).unwrap();
        assert_eq!(
            stories(&f),
            [
                (
                    "Borrow checker and self-referential structs: Pin or arena?",
                    "https://forum.example/t/borrow-checker-self-referential/1842",
                    Some(date("2026-11-23T10:02:00Z")),
                ),
                (
                    "Why is my async fn not Send? (tokio::spawn)",
                    "https://forum.example/t/async-fn-not-send/1839",
                    Some(date("2026-11-22T21:47:00Z")),
                ),
                (
                    "[Solved] Linking to a C library on Windows",
                    "https://forum.example/t/linking-c-library-windows/1830",
                    Some(date("2026-11-20T00:00:00Z")),
                ),
            ],
            "the header row and the ad row have no topic link and are left out"
        );
        assert_eq!(f.title.as_deref(), Some("Rust help - Example Forum"));
    }

    #[test]
    fn a_blog_archive_with_relative_links_and_time_datetime() {
        let mut c = cfg("ul.archive > li", "a");
        c.date = Some(CssSelector::parse("time").unwrap());
        let base = Url::parse("https://blog.example/archive/2026/").unwrap();
        let f = parse(&fixture("blog-archive.html"), &base, now(), &c).unwrap();
        assert_eq!(
            stories(&f),
            [
                (
                    "Notes on writing a TOML parser by hand",
                    "https://blog.example/posts/toml-by-hand/",
                    Some(date("2026-11-18T00:00:00Z")),
                ),
                (
                    "Vec<T> vs. Box<[T]>: when the difference matters",
                    "https://blog.example/archive/2026/vec-vs-boxed-slice.html",
                    Some(date("2026-10-30T07:30:00Z")),
                ),
                (
                    "A year of self-hosting: what broke",
                    "https://blog.example/posts/self-hosting-year/",
                    Some(date("2026-09-02T00:00:00Z")),
                ),
                (
                    "Undated draft that made it out",
                    "https://blog.example/posts/undated/",
                    None,
                ),
            ],
            "relative links resolved against the page; the mailto item is left out"
        );
        assert_eq!(f.image.as_deref(), Some("https://blog.example/favicon.png"));
    }

    #[test]
    fn the_link_can_be_its_own_element_and_attribute() {
        let html = page(
            r#"<div class="card" data-url="/a"><h3>First</h3><span class="more" data-url="/b">x</span></div>
               <div class="card"><h3>No link</h3></div>"#,
        );
        let mut c = cfg("div.card", "h3");
        c.link_attr = "data-url".into();
        let f = parse(&html, &base(), now(), &c).unwrap();
        assert_eq!(
            stories(&f),
            [("First", "https://news.example/a", None)],
            "the title element has no data-url: the item around it does"
        );
        c.link = Some(CssSelector::parse("span.more").unwrap());
        let f = parse(&html, &base(), now(), &c).unwrap();
        assert_eq!(stories(&f), [("First", "https://news.example/b", None)]);
    }

    #[test]
    fn a_link_around_or_inside_the_title_is_found() {
        let html = page(
            r#"<li><a href="/around"><h2>Around</h2></a></li>
               <li><h2><a href="/inside">Inside</a></h2></li>"#,
        );
        let f = parse(&html, &base(), now(), &cfg("li", "h2")).unwrap();
        assert_eq!(
            stories(&f),
            [
                ("Around", "https://news.example/around", None),
                ("Inside", "https://news.example/inside", None),
            ]
        );
    }

    #[test]
    fn titles_are_one_line_of_plain_text_and_fall_back_to_attributes() {
        let html = page(
            r#"<li><a href="/1">  Big
                 <b>news</b> &amp; more<script>alert(1)</script><br>here </a></li>
               <li><a href="/2" title="From the title attribute"></a></li>
               <li><a href="/3"><img src="x.png" alt="From the alt text"></a></li>
               <li><a href="/4">   </a></li>"#,
        );
        let f = parse(&html, &base(), now(), &cfg("li", "a")).unwrap();
        let titles: Vec<&str> = f.entries.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Big news & more here",
                "From the title attribute",
                "From the alt text"
            ]
        );
        let long = format!("<li><a href=\"/l\">{}</a></li>", "word ".repeat(200));
        let f = parse(&page(&long), &base(), now(), &cfg("li", "a")).unwrap();
        assert!(f.entries[0].title.chars().count() <= crate::feed::MAX_TITLE_CHARS);
    }

    #[test]
    fn only_http_links_survive_and_repeats_are_dropped() {
        let html = page(
            r#"<li><a href="javascript:alert(1)">JS</a></li>
               <li><a href="mailto:a@b.example">Mail</a></li>
               <li><a href="data:text/html,x">Data</a></li>
               <li><a href="https://other.example/x">Abs</a></li>
               <li><a href="https://other.example/x">Abs again</a></li>
               <li><a href="//cdn.example/y">Scheme-relative</a></li>"#,
        );
        let f = parse(&html, &base(), now(), &cfg("li", "a")).unwrap();
        assert_eq!(
            stories(&f),
            [
                ("Abs", "https://other.example/x", None),
                ("Scheme-relative", "https://cdn.example/y", None),
            ]
        );
    }

    #[test]
    fn base_href_is_honoured() {
        let html = b"<html><head><base href=\"https://static.example/news/\"></head>\
            <body><li><a href=\"story-1\">One</a></li></body></html>";
        let f = parse(html, &base(), now(), &cfg("li", "a")).unwrap();
        assert_eq!(
            f.entries[0].link.as_deref(),
            Some("https://static.example/news/story-1")
        );
        assert_eq!(
            f.site_url.as_deref(),
            Some("https://news.example/tech/"),
            "the box still links to the page"
        );
    }

    #[test]
    fn a_page_that_is_not_html_is_a_clear_error() {
        let c = cfg("li", "a");
        assert_eq!(
            err(br#"{"items": [{"title": "x"}]}"#, &c),
            "not an HTML page: the body is JSON"
        );
        assert_eq!(
            err(b"  [1, 2, 3]", &c),
            "not an HTML page: the body is JSON"
        );
        assert_eq!(
            err(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", &c),
            "not an HTML page: the body is a PNG image"
        );
        assert_eq!(
            err(b"\0\x01\x02 li a href", &c),
            "not an HTML page: the body is binary data"
        );
        assert_eq!(
            err(b"just some text, no markup", &c),
            "not an HTML page: the body has no HTML tags"
        );
        assert_eq!(
            err(
                b"<?xml version=\"1.0\"?>\n<!-- x -->\n<rss version=\"2.0\"><channel></channel></rss>",
                &c
            ),
            "not an HTML page: the body is an RSS or Atom feed; remove the `scrape` table to read it as one"
        );
        assert!(err(b"<feed xmlns=\"http://www.w3.org/2005/Atom\"/>", &c).contains("Atom feed"));
    }

    #[test]
    fn a_page_without_stories_says_why() {
        let html = page("<li><a href=\"/x\">X</a></li><li><span>no link</span></li>");
        assert_eq!(
            err(&html, &cfg("article", "a")),
            "no stories on the page: no element matches the item selector \"article\""
        );
        assert_eq!(
            err(&html, &cfg("li", "h2")),
            "no stories on the page: 2 elements match \"li\", but none has a title at \"h2\""
        );
        assert_eq!(
            err(&html, &cfg("li", "span")),
            "no stories on the page: 2 elements match \"li\", but none has an http(s) link in the \"href\" attribute at \"span\""
        );
        let mut c = cfg("li", "a");
        c.link_pattern = Some(Pattern::parse("^https://news\\.example/tech/").unwrap());
        assert_eq!(
            err(&html, &c),
            "no stories on the page: 2 elements match \"li\", but no link matches link_pattern \"^https://news\\\\.example/tech/\""
        );
        assert!(parse(b"", &base(), now(), &c).is_err());
    }

    #[test]
    fn dates_after_the_fetch_are_the_fetch_and_bad_dates_none() {
        let html = page(
            r#"<li><a href="/f">Future</a><time datetime="2030-01-01T00:00:00Z">soon</time></li>
               <li><a href="/b">Bad</a><time>last Tuesday-ish</time></li>
               <li><a href="/t">Text</a><time>Nov 20, 2026</time></li>"#,
        );
        let mut c = cfg("li", "a");
        c.date = Some(CssSelector::parse("time").unwrap());
        let f = parse(&html, &base(), now(), &c).unwrap();
        let dates: Vec<_> = f.entries.iter().map(|e| e.published).collect();
        assert_eq!(
            dates,
            [Some(now()), None, Some(date("2026-11-20T00:00:00Z"))]
        );
    }

    #[test]
    fn legacy_charsets_are_decoded() {
        let latin1 = b"<html><head><meta charset=\"iso-8859-1\"><title>Caf\xe9</title></head>\
            <body><li><a href=\"/c\">Caf\xe9 cr\xe8me</a></li></body></html>";
        let f = parse(latin1, &base(), now(), &cfg("li", "a")).unwrap();
        assert_eq!(f.entries[0].title, "Café crème");
        assert_eq!(f.title.as_deref(), Some("Café"));
        let http_equiv = b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\"></head>\
            <body><li><a href=\"/r\">\xcd\xee\xe2\xee\xf1\xf2\xe8</a></li></body></html>";
        let f = parse(http_equiv, &base(), now(), &cfg("li", "a")).unwrap();
        assert_eq!(f.entries[0].title, "Новости");
        // Already UTF-8 (the fetcher transcodes by the HTTP charset): the meta tag is not
        // applied a second time.
        let utf8 = "<meta charset=\"iso-8859-1\"><li><a href=\"/c\">Café</a></li>";
        let f = parse(utf8.as_bytes(), &base(), now(), &cfg("li", "a")).unwrap();
        assert_eq!(f.entries[0].title, "Café");
        let bom = b"\xef\xbb\xbf<li><a href=\"/b\">BOM</a></li>";
        assert_eq!(
            parse(bom, &base(), now(), &cfg("li", "a")).unwrap().entries[0].title,
            "BOM"
        );
    }

    #[test]
    fn ten_thousand_items_are_read_and_history_bounds_them() {
        let items: String = (0..10_000)
            .map(|i| format!("<li><a href=\"/s/{i}\">Story {i}</a></li>"))
            .collect();
        let f = parse(&page(&items), &base(), now(), &cfg("li", "a")).unwrap();
        assert_eq!(f.entries.len(), 10_000);
        let kept = crate::feed::merge::merge(&[], f.entries, 40);
        assert_eq!(kept.len(), 40);
        assert_eq!(kept[0].title, "Story 0", "undated stories keep page order");
        assert_eq!(kept[39].title, "Story 39");
    }
}
