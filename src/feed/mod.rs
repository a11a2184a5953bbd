//! Feed documents to normalized entries: parsing via feed-rs, then one normal form for every
//! format (plain-text titles, absolute http(s) links, stable ids). Pure: no I/O, clock passed in.
//!
//! Formats feed-rs does not read as they come (Atom 0.3, RSS 0.90, RSS without a version,
//! `dc:title`, ...) are rewritten first by [`formats`]; a document with items of which none
//! becomes an entry is an error, never an empty box.

pub mod date;
mod formats;
pub mod merge;
pub mod scrape;
mod text;

pub use text::{MAX_SUMMARY_CHARS, MAX_TITLE_CHARS, clean_text};
pub(crate) use text::{WordTable, find_ascii_ci};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use url::Url;

use crate::model::{Entry, Thumbnail};
use feed_rs::model::FeedType;

/// A feed as parsed: its own metadata and its entries in document order.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFeed {
    pub title: Option<String>,
    pub site_url: Option<String>,
    /// RSS `<ttl>`, in seconds.
    pub ttl_secs: Option<u64>,
    pub entries: Vec<Entry>,
    /// The feed's logo, else its icon (RSS `<image>`, Atom `<logo>`/`<icon>`, JSON Feed
    /// `icon`/`favicon`), absolute http(s) only.
    pub image: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("not a feed: {0}")]
pub struct ParseError(String);

/// Parses RSS 0.9x/1.0/2.0, Atom 0.3/1.0 or JSON Feed bytes fetched from `base` (the final URL,
/// used to resolve relative links); `now`, the fetch time, stamps entries' `first_seen` and bounds
/// their `published`.
pub fn parse(bytes: &[u8], base: &Url, now: DateTime<Utc>) -> Result<ParsedFeed, ParseError> {
    let root = formats::sniff(bytes);
    let rewritten = root
        .as_ref()
        .and_then(|r| r.rewrite)
        .and_then(|how| formats::rewrite(bytes, how));
    let mut feed = read(rewritten.as_deref().map_or(bytes, str::as_bytes), base)?;
    // A missing title may be in a `dc:title`, which feed-rs ignores: only then is RSS read twice.
    let rss = matches!(feed.feed_type, FeedType::RSS0 | FeedType::RSS2);
    if rss
        && rewritten.is_none()
        && lacks_a_title(&feed)
        && formats::mentions_dublin_core(bytes)
        && let Some(titled) = formats::rewrite(bytes, formats::Rewrite::Rss)
    {
        feed = read(titled.as_bytes(), base)?;
    }
    let site_url = pick_link(&feed.links, base);
    // feed-rs does not read JSON Feed's `image`: read here, by item id, when there is one.
    let json_images = (feed.feed_type == FeedType::JSON)
        .then(|| formats::json_images(bytes, base))
        .flatten();
    // Nor a lone `media:thumbnail`: read here, by position, when the items counted match.
    let thumbnails = (feed.feed_type != FeedType::JSON)
        .then(|| formats::media_thumbnails(rewritten.as_deref().map_or(bytes, str::as_bytes)))
        .flatten()
        .filter(|t| t.len() == feed.entries.len());
    let read_by_parser = feed.entries.len();
    let entries: Vec<Entry> = feed
        .entries
        .into_iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let title = entry_title(&e);
            let link = pick_link(&e.links, base).or_else(|| permalink(&e.id));
            if title.is_empty() && link.is_none() {
                return None;
            }
            let given_date = e.published.or(e.updated);
            let title = if title.is_empty() {
                link.clone().unwrap_or_default()
            } else {
                title
            };
            let id = entry_id(&e.id, link.as_deref(), &title, given_date);
            let summary = entry_summary(&e, &title);
            let image = entry_image(&e, base)
                .or_else(|| json_images.as_ref()?.get(e.id.as_str()).cloned())
                .or_else(|| safe_link(thumbnails.as_ref()?.get(i)?.as_deref()?, base))
                .map(Thumbnail::offered);
            Some(Entry {
                id,
                title,
                link,
                // A date after the fetch (a wrong clock, a typo) would keep the entry on top
                // until then: clamped here to the fetch, and by merging to when it was first
                // seen, so the next fetch does not move it again.
                published: given_date.map(|d| d.min(now)),
                first_seen: now,
                summary,
                image,
            })
        })
        .collect();
    if entries.is_empty()
        && let Some(why) = no_entry_from_items(bytes, feed.feed_type, read_by_parser, root)
    {
        return Err(ParseError(why));
    }
    Ok(ParsedFeed {
        title: feed
            .title
            .as_ref()
            .map(clean_text)
            .filter(|t| !t.is_empty()),
        site_url,
        ttl_secs: feed.ttl.map(|minutes| u64::from(minutes) * 60),
        entries,
        image: feed
            .logo
            .iter()
            .chain(&feed.icon)
            .find_map(|i| safe_link(&i.uri, base)),
    })
}

/// feed-rs's reading of a document.
fn read(bytes: &[u8], base: &Url) -> Result<feed_rs::model::Feed, ParseError> {
    // An empty id from the generator marks "the feed gave none": we derive ours in `entry_id`.
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(base.as_str()))
        .id_generator(|_, _, _| String::new())
        .timestamp_parser(date::parse_date)
        .build();
    parser.parse(bytes).map_err(|e| ParseError(e.to_string()))
}

fn lacks_a_title(feed: &feed_rs::model::Feed) -> bool {
    let untitled =
        |t: &Option<feed_rs::model::Text>| t.as_ref().is_none_or(|t| t.content.trim().is_empty());
    untitled(&feed.title) || feed.entries.iter().any(|e| untitled(&e.title))
}

/// Why a document without entries is not a feed, if it has items: an empty feed is one without
/// any. `read_by_parser` is how many of them feed-rs read before normalizing dropped them.
fn no_entry_from_items(
    bytes: &[u8],
    feed_type: FeedType,
    read_by_parser: usize,
    root: Option<formats::Root>,
) -> Option<String> {
    let (count, what) = if feed_type == FeedType::JSON {
        let items = serde_json::from_slice::<serde_json::Value>(bytes).ok()?;
        (items.get("items")?.as_array()?.len(), "JSON Feed items")
    } else {
        let (count, name) = formats::count_items(bytes)?;
        let what = if name == "item" {
            "<item> elements"
        } else {
            "<entry> elements"
        };
        (count, what)
    };
    if count == 0 {
        return None;
    }
    let why = match root {
        _ if read_by_parser > 0 => "none has a title or an http(s) link".to_string(),
        Some(formats::Root {
            name,
            namespace: Some(namespace),
            ..
        }) => format!("none could be read in a <{name}> of namespace {namespace}"),
        Some(root) => format!("none could be read in a <{}>", root.name),
        None => "none could be read".to_string(),
    };
    Some(format!("{count} {what} but no entry: {why}"))
}

/// Transcodes a body to UTF-8 when HTTP declared a non-UTF-8 charset and the document does not
/// declare its own encoding (an XML prolog's `encoding` is left to the XML parser).
pub fn decode_charset<'a>(
    body: &'a [u8],
    http_charset: Option<&str>,
) -> std::borrow::Cow<'a, [u8]> {
    let Some(label) = http_charset else {
        return body.into();
    };
    let Some(encoding) = encoding_rs::Encoding::for_label(label.as_bytes()) else {
        return body.into();
    };
    let head = &body[..body.len().min(200)];
    let declares_own = head.starts_with(b"<?xml")
        && head
            .split(|b| *b == b'>')
            .next()
            .is_some_and(|p| p.windows(8).any(|w| w == b"encoding"));
    if encoding == encoding_rs::UTF_8 || declares_own {
        return body.into();
    }
    let (text, _, _) = encoding.decode(body);
    text.into_owned().into_bytes().into()
}

/// The entry's title; RSS makes titles optional, so a title-less item is named by its
/// description, else its content (as feedparser and miniflux do), cleaned and capped the same way.
fn entry_title(e: &feed_rs::model::Entry) -> String {
    let from_content = || {
        let c = e.content.as_ref()?;
        Some(text::one_line(
            c.body.as_deref()?,
            c.content_type.subty().as_str().contains("html"),
        ))
    };
    [&e.title, &e.summary]
        .into_iter()
        .flatten()
        .map(clean_text)
        .find(|t| !t.is_empty())
        .or_else(from_content)
        .unwrap_or_default()
}

/// The entry's summary: its description or summary, else its content, as plain text
/// ([`text::summary`]); `None` when both are only markup or repeat the title.
fn entry_summary(e: &feed_rs::model::Entry, title: &str) -> Option<String> {
    e.summary
        .as_ref()
        .and_then(|s| {
            let is_html = s.content_type.subty().as_str().contains("html");
            text::summary(&s.content, is_html, title)
        })
        .or_else(|| {
            let c = e.content.as_ref()?;
            let is_html = c.content_type.subty().as_str().contains("html");
            text::summary(c.body.as_deref()?, is_html, title)
        })
}

/// The image a feed offers for an entry, absolute http(s): a `media:thumbnail`, else a
/// `media:content` or `<enclosure>` that is an image (by its type, else by its file name).
fn entry_image(e: &feed_rs::model::Entry, base: &Url) -> Option<String> {
    let thumbnail = e
        .media
        .iter()
        .flat_map(|m| &m.thumbnails)
        .find_map(|t| safe_link(&t.image.uri, base));
    thumbnail.or_else(|| {
        e.media.iter().flat_map(|m| &m.content).find_map(|c| {
            let url = c.url.as_ref()?;
            let image = match &c.content_type {
                Some(t) => t.ty() == "image" && !t.subty().as_str().contains("svg"),
                None => has_image_name(url.path()),
            };
            image.then(|| safe_link(url.as_str(), base)).flatten()
        })
    })
}

/// Whether a URL path names a raster image file.
fn has_image_name(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [".jpg", ".jpeg", ".png", ".gif", ".webp"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

/// An RSS `<guid>` is a permalink unless it says otherwise; only an absolute http(s) one is
/// trusted as the entry's link.
fn permalink(id: &str) -> Option<String> {
    let url = Url::parse(id.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.into())
}

/// The feed's guid/id when it has one, else its link, else a hash of title and date.
fn entry_id(
    given: &str,
    link: Option<&str>,
    title: &str,
    published: Option<DateTime<Utc>>,
) -> String {
    let given = given.trim();
    if !given.is_empty() {
        return given.to_string();
    }
    if let Some(link) = link {
        return link.to_string();
    }
    let mut h = Sha256::new();
    h.update(title.as_bytes());
    h.update(
        published
            .map(|d| d.to_rfc3339())
            .unwrap_or_default()
            .as_bytes(),
    );
    format!("sha256:{}", &hex::encode(h.finalize())[..32])
}

/// The alternate (or first) link, made absolute; only http and https survive.
fn pick_link(links: &[feed_rs::model::Link], base: &Url) -> Option<String> {
    let preferred = links
        .iter()
        .filter(|l| matches!(l.rel.as_deref(), None | Some("alternate")))
        .chain(links.iter());
    preferred.filter_map(|l| safe_link(&l.href, base)).next()
}

/// `href` resolved against `base`, if it is an http(s) URL. feed-rs has already written most
/// links with `url`: those are taken as they are ([`crate::address::as_url_writes`]).
pub fn safe_link(href: &str, base: &Url) -> Option<String> {
    let href = href.trim();
    if crate::address::as_url_writes(href).is_some() {
        return Some(href.to_string());
    }
    let url = base.join(href).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://example.org/feeds/news.xml").unwrap()
    }

    fn now() -> DateTime<Utc> {
        "2026-11-23T12:00:00Z".parse().unwrap()
    }

    fn rss(items: &str) -> Vec<u8> {
        format!(
            r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Example &amp; Co</title>
            <link>https://example.org/</link><ttl>30</ttl>{items}</channel></rss>"#
        )
        .into_bytes()
    }

    #[test]
    fn reads_channel_metadata() {
        let f = parse(&rss(""), &base(), now()).unwrap();
        assert_eq!(f.title.as_deref(), Some("Example & Co"));
        assert_eq!(f.site_url.as_deref(), Some("https://example.org/"));
        assert_eq!(f.ttl_secs, Some(1800));
    }

    #[test]
    fn id_is_guid_then_link_then_hash() {
        let items = r#"<item><guid>tag:1</guid><title>A</title><link>https://e.org/a</link></item>
            <item><title>B</title><link>https://e.org/b</link></item>
            <item><title>C</title><description>no link</description></item>"#;
        let f = parse(&rss(items), &base(), now()).unwrap();
        assert_eq!(f.entries[0].id, "tag:1");
        assert_eq!(f.entries[1].id, "https://e.org/b");
        assert!(f.entries[2].id.starts_with("sha256:"));
        let again = parse(&rss(items), &base(), now()).unwrap();
        assert_eq!(
            f.entries[2].id, again.entries[2].id,
            "hash ids are stable across fetches"
        );
    }

    #[test]
    fn untitled_items_are_named_by_description_and_linked_by_permalink_guid() {
        let items = r#"<item><description>&lt;a href="https://x.org/"&gt;Joshua&lt;/a&gt;: namespaces?</description>
            <guid>https://e.org/2002/09/29#a1</guid></item>
            <item><description>no link</description><guid>12345</guid></item>"#;
        let f = parse(&rss(items), &base(), now()).unwrap();
        assert_eq!(f.entries[0].title, "Joshua: namespaces?");
        assert_eq!(
            f.entries[0].link.as_deref(),
            Some("https://e.org/2002/09/29#a1")
        );
        assert_eq!(
            f.entries[1].link, None,
            "a guid that is not an absolute URL is no link"
        );
    }

    #[test]
    fn escaped_html_in_plain_titles_is_stripped() {
        let items = "<item><guid>g</guid><title>&lt;b&gt;Big&lt;/b&gt; news &amp;amp; a &lt; b</title></item>";
        assert_eq!(
            parse(&rss(items), &base(), now()).unwrap().entries[0].title,
            "Big news & a < b"
        );
    }

    #[test]
    fn relative_links_are_made_absolute() {
        let items = r#"<item><title>Rel</title><link>/story/1</link></item>"#;
        let f = parse(&rss(items), &base(), now()).unwrap();
        assert_eq!(
            f.entries[0].link.as_deref(),
            Some("https://example.org/story/1")
        );
    }

    #[test]
    fn only_http_links_survive() {
        let items = r#"<item><title>JS</title><link>javascript:alert(1)</link></item>
            <item><title>Data</title><link>data:text/html,hi</link></item>"#;
        let f = parse(&rss(items), &base(), now()).unwrap();
        assert!(
            f.entries.iter().all(|e| e.link.is_none()),
            "{:?}",
            f.entries
        );
    }

    #[test]
    fn html_titles_become_plain_text() {
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
            <entry><id>x</id><title type="html">&lt;b&gt;Bold&lt;/b&gt; &amp;amp; &lt;script&gt;alert(1)&lt;/script&gt;news</title></entry></feed>"#;
        let f = parse(atom.as_bytes(), &base(), now()).unwrap();
        assert_eq!(f.entries[0].title, "Bold & news");
    }

    #[test]
    fn generic_types_in_titles_survive() {
        let items = "<item><guid>1</guid><title>Vec&amp;lt;T&amp;gt; in Rust</title></item>
            <item><guid>2</guid><title>if a&amp;lt;b then c</title></item>
            <item><guid>3</guid><title>Option&amp;lt;Box&amp;lt;dyn Error&amp;gt;&amp;gt;</title></item>
            <item><guid>4</guid><title>&amp;lt;b&amp;gt;Big&amp;lt;/b&amp;gt; news</title></item>
            <item><guid>5</guid><title>Safe &lt;script&gt;alert(1)&lt;/script&gt;title</title></item>";
        let titles: Vec<String> = parse(&rss(items), &base(), now())
            .unwrap()
            .entries
            .into_iter()
            .map(|e| e.title)
            .collect();
        assert_eq!(
            titles,
            [
                "Vec<T> in Rust",
                "if a<b then c",
                "Option<Box<dyn Error>>",
                "Big news",
                "Safe title"
            ]
        );
    }

    #[test]
    fn generic_types_in_html_atom_titles_survive() {
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
            <entry><id>1</id><title type="html">Vec&amp;lt;T&amp;gt; in Rust</title></entry>
            <entry><id>2</id><title type="html">if a&amp;lt;b then c</title></entry>
            <entry><id>3</id><title type="html">Option&amp;lt;Box&amp;lt;dyn Error&amp;gt;&amp;gt;</title></entry>
            <entry><id>4</id><title type="html">&lt;b&gt;Big&lt;/b&gt; news</title></entry>
            <entry><id>5</id><title type="html">Safe &lt;script&gt;alert(1)&lt;/script&gt;title</title></entry>
            <entry><id>6</id><title type="html">Raw Vec&lt;T&gt; in HTML</title></entry></feed>"#;
        let titles: Vec<String> = parse(atom.as_bytes(), &base(), now())
            .unwrap()
            .entries
            .into_iter()
            .map(|e| e.title)
            .collect();
        assert_eq!(
            titles,
            [
                "Vec<T> in Rust",
                "if a<b then c",
                "Option<Box<dyn Error>>",
                "Big news",
                "Safe title",
                "Raw Vec<T> in HTML"
            ]
        );
    }

    #[test]
    fn titles_are_collapsed_and_capped() {
        let long = "word ".repeat(200);
        let items = format!("<item><guid>g</guid><title>  a \n\t b  {long}</title></item>");
        let f = parse(&rss(&items), &base(), now()).unwrap();
        assert!(f.entries[0].title.starts_with("a b word"));
        let n = f.entries[0].title.chars().count();
        assert!(n <= MAX_TITLE_CHARS && n > MAX_TITLE_CHARS - 10, "{n}");
        assert!(f.entries[0].title.ends_with('…'));
    }

    #[test]
    fn html_page_is_not_a_feed() {
        let err = parse(b"<html><body>hi</body></html>", &base(), now()).unwrap_err();
        assert!(err.to_string().starts_with("not a feed"));
        assert!(parse(b"", &base(), now()).is_err());
    }

    #[test]
    fn http_charset_is_honoured_without_xml_declaration() {
        let latin1 = b"<rss version=\"2.0\"><channel><title>Caf\xe9</title></channel></rss>";
        let body = decode_charset(latin1, Some("iso-8859-1"));
        assert_eq!(
            parse(&body, &base(), now()).unwrap().title.as_deref(),
            Some("Café")
        );
        let declared = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><title>Caf\xe9</title></channel></rss>";
        let body = decode_charset(declared, Some("utf-8"));
        assert_eq!(
            parse(&body, &base(), now()).unwrap().title.as_deref(),
            Some("Café")
        );
    }

    #[test]
    fn dates_feeds_get_wrong_are_read_and_unreadable_ones_leave_the_entry_undated() {
        let items = "<item><guid>a</guid><title>A</title><pubDate>Thurs, 19 Nov 2026 14:30:00 UTC</pubDate></item>
            <item><guid>b</guid><title>B</title><pubDate>Nov 19 2026 4:30:00 -0500</pubDate></item>
            <item><guid>c</guid><title>C</title><pubDate>last Tuesday</pubDate></item>";
        let f = parse(&rss(items), &base(), now()).unwrap();
        let dates: Vec<_> = f
            .entries
            .iter()
            .map(|e| e.published.map(|d| d.to_rfc3339()))
            .collect();
        assert_eq!(
            dates,
            [
                Some("2026-11-19T14:30:00+00:00".to_string()),
                Some("2026-11-19T09:30:00+00:00".to_string()),
                None
            ]
        );
    }

    #[test]
    fn a_date_after_the_fetch_is_clamped_to_it() {
        let items = "<item><guid>f</guid><title>Future</title><pubDate>Tue, 01 Jan 2030 00:00:00 GMT</pubDate></item>
            <item><guid>p</guid><title>Past</title><pubDate>Mon, 23 Nov 2026 10:00:00 GMT</pubDate></item>";
        let f = parse(&rss(items), &base(), now()).unwrap();
        assert_eq!(f.entries[0].published, Some(now()));
        assert_eq!(
            f.entries[1].published.unwrap().to_rfc3339(),
            "2026-11-23T10:00:00+00:00"
        );
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
            <entry><id>a</id><title>Future</title><updated>2031-05-05T00:00:00Z</updated></entry></feed>"#;
        let f = parse(atom.as_bytes(), &base(), now()).unwrap();
        assert_eq!(f.entries[0].published, Some(now()));
    }

    #[test]
    fn a_clamped_date_stays_where_it_was_first_seen() {
        let items = "<item><guid>f</guid><title>Future</title><pubDate>Tue, 01 Jan 2030 00:00:00 GMT</pubDate></item>";
        let first = merge::merge(&[], parse(&rss(items), &base(), now()).unwrap().entries, 40);
        let later = now() + chrono::Duration::hours(1);
        let again = merge::merge(
            &first,
            parse(&rss(items), &base(), later).unwrap().entries,
            40,
        );
        assert_eq!(
            again, first,
            "a re-fetch does not move it, so nothing is rewritten"
        );
        assert_eq!(again[0].published, Some(now()));
    }

    #[test]
    fn an_entry_dated_in_the_future_does_not_stay_on_top() {
        let items = |n: usize| {
            let news: String = (0..n)
                .map(|i| format!("<item><guid>n{i}</guid><title>News {i}</title></item>"))
                .collect();
            rss(&format!(
                "{news}<item><guid>f</guid><title>Future</title><pubDate>Tue, 01 Jan 2030 00:00:00 GMT</pubDate></item>"
            ))
        };
        let first = parse(&items(0), &base(), now()).unwrap().entries;
        let later = now() + chrono::Duration::hours(2);
        let second = parse(&items(2), &base(), later).unwrap().entries;
        let merged = merge::merge(&merge::merge(&[], first, 40), second, 40);
        let ids: Vec<&str> = merged.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["n0", "n1", "f"]);
    }

    #[test]
    fn a_hash_id_does_not_move_with_the_fetch_time() {
        let items =
            "<item><title>No id</title><pubDate>Tue, 01 Jan 2030 00:00:00 GMT</pubDate></item>";
        let first = parse(&rss(items), &base(), now()).unwrap();
        let later = parse(&rss(items), &base(), now() + chrono::Duration::hours(1)).unwrap();
        assert!(first.entries[0].id.starts_with("sha256:"));
        assert_eq!(first.entries[0].id, later.entries[0].id);
    }

    #[test]
    fn json_feed_is_read() {
        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"J",
            "items":[{"id":"1","title":"Hello","url":"https://j.org/1","date_published":"2026-11-20T10:00:00Z"}]}"#;
        let f = parse(json.as_bytes(), &base(), now()).unwrap();
        assert_eq!(f.entries[0].title, "Hello");
        assert_eq!(
            f.entries[0].published.unwrap().to_rfc3339(),
            "2026-11-20T10:00:00+00:00"
        );
    }

    fn summaries(f: &ParsedFeed) -> Vec<Option<&str>> {
        f.entries.iter().map(|e| e.summary.as_deref()).collect()
    }

    fn images(f: &ParsedFeed) -> Vec<Option<&str>> {
        f.entries
            .iter()
            .map(|e| e.image.as_ref().map(|i| i.source.as_str()))
            .collect()
    }

    #[test]
    fn summaries_come_from_description_summary_or_content() {
        let items = r#"<item><guid>1</guid><title>One</title><description>&lt;p&gt;First &amp;amp; &lt;b&gt;best&lt;/b&gt;.&lt;/p&gt;</description></item>
            <item xmlns:content="http://purl.org/rss/1.0/modules/content/"><guid>2</guid><title>Two</title><content:encoded><![CDATA[<p>From the <i>content</i>.</p>]]></content:encoded></item>
            <item><guid>3</guid><title>Three</title><description><![CDATA[<img src="x.png"><br/>]]></description></item>
            <item><guid>4</guid><title>Four</title><description>Four</description></item>
            <item><guid>5</guid><description>Only a description</description></item>"#;
        let f = parse(&rss(items), &base(), now()).unwrap();
        assert_eq!(
            summaries(&f),
            [
                Some("First & best."),
                Some("From the content."),
                None,
                None,
                None
            ],
            "markup only, the title again, or the description that became the title: none"
        );
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
            <entry><id>a</id><title>A</title><summary type="html">&lt;p&gt;Atom &lt;em&gt;summary&lt;/em&gt;&lt;/p&gt;</summary><content type="html">Longer content</content></entry>
            <entry><id>b</id><title>B</title><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>XHTML <b>content</b></p></div></content></entry></feed>"#;
        let f = parse(atom.as_bytes(), &base(), now()).unwrap();
        assert_eq!(summaries(&f), [Some("Atom summary"), Some("XHTML content")]);
        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[
            {"id":"1","title":"S","summary":"The summary","content_text":"The text"},
            {"id":"2","title":"H","content_html":"<p>The <b>HTML</b></p>"},
            {"id":"3","title":"T","content_text":"Only text"}]}"#;
        let f = parse(json.as_bytes(), &base(), now()).unwrap();
        assert_eq!(
            summaries(&f),
            [Some("The summary"), Some("The HTML"), Some("Only text")]
        );
    }

    #[test]
    fn images_come_from_media_enclosures_and_json_feed() {
        let items = r#"<item><guid>1</guid><title>Thumb</title><media:thumbnail url="/t/1.jpg" width="120" height="80"/><media:content url="https://e.org/big.jpg" type="image/jpeg"/></item>
            <item><guid>2</guid><title>Content</title><media:content url="https://e.org/2.png" medium="image"/></item>
            <item><guid>3</guid><title>Typed</title><media:content url="https://e.org/photo?id=3" type="image/webp"/></item>
            <item><guid>4</guid><title>Enclosure</title><enclosure url="https://e.org/4.gif" length="100" type="image/gif"/></item>
            <item><guid>5</guid><title>Podcast</title><enclosure url="https://e.org/5.mp3" length="100" type="audio/mpeg"/></item>
            <item><guid>6</guid><title>Vector</title><enclosure url="https://e.org/6.svg" length="100" type="image/svg+xml"/></item>
            <item><guid>7</guid><title>Script</title><media:thumbnail url="javascript:alert(1)"/></item>
            <item><guid>8</guid><title>Lone</title><media:thumbnail url="https://e.org/8.jpg?w=240&amp;h=135" width="240"/></item>"#;
        let doc = rss(items);
        let doc = String::from_utf8(doc).unwrap().replace(
            "<rss version=\"2.0\">",
            "<rss version=\"2.0\" xmlns:media=\"http://search.yahoo.com/mrss/\">",
        );
        let f = parse(doc.as_bytes(), &base(), now()).unwrap();
        assert_eq!(
            images(&f),
            [
                Some("https://example.org/t/1.jpg"),
                Some("https://e.org/2.png"),
                Some("https://e.org/photo?id=3"),
                Some("https://e.org/4.gif"),
                None,
                None,
                None,
                Some("https://e.org/8.jpg?w=240&h=135")
            ]
        );
        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[
            {"id":"1","title":"I","image":"/img/1.png"},
            {"id":"2","title":"B","banner_image":"https://j.org/b.jpg"},
            {"id":"3","title":"N"}]}"#;
        let f = parse(json.as_bytes(), &base(), now()).unwrap();
        assert_eq!(
            images(&f),
            [
                Some("https://example.org/img/1.png"),
                Some("https://j.org/b.jpg"),
                None
            ]
        );
    }

    fn titles(f: &ParsedFeed) -> Vec<&str> {
        f.entries.iter().map(|e| e.title.as_str()).collect()
    }

    #[test]
    fn a_channel_without_items_is_read_in_every_format() {
        let docs = [
            r#"<rss version="2.0"><channel><title>Quiet</title></channel></rss>"#,
            r#"<rss><channel><title>Quiet</title></channel></rss>"#,
            r#"<rss version="0.94"><channel><title>Quiet</title></channel></rss>"#,
            r#"<rss version="2.0" xmlns="http://backend.userland.com/rss2"><channel><title>Quiet</title></channel></rss>"#,
            r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><channel rdf:about="x"><title>Quiet</title></channel></rdf:RDF>"#,
            r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://my.netscape.com/rdf/simple/0.9/"><channel><title>Quiet</title></channel></rdf:RDF>"#,
            r#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>Quiet</title></feed>"#,
            r#"<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><dc:title>Quiet</dc:title></channel></rss>"#,
            r#"<CHANNEL HREF="https://e.org/"><TITLE>Quiet</TITLE></CHANNEL>"#,
            r#"<channel><title>Quiet</title></channel>"#,
        ];
        for doc in docs {
            let f = parse(doc.as_bytes(), &base(), now()).unwrap_or_else(|e| panic!("{doc}: {e}"));
            assert_eq!(f.title.as_deref(), Some("Quiet"), "{doc}");
            assert!(f.entries.is_empty(), "{doc}");
        }
        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"Quiet","items":[]}"#;
        assert_eq!(
            parse(json.as_bytes(), &base(), now())
                .unwrap()
                .title
                .as_deref(),
            Some("Quiet")
        );
    }

    #[test]
    fn rss_of_any_version_or_none_is_read() {
        for version in [
            "",
            " version=\"0.93\"",
            " version=\"0.94\"",
            " version=\"2.0.1\"",
            " version=\"3\"",
        ] {
            let doc = format!(
                "<rss{version}><channel><title>T</title><item><title>A</title><link>/a</link></item></channel></rss>"
            );
            let f = parse(doc.as_bytes(), &base(), now()).unwrap_or_else(|e| panic!("{doc}: {e}"));
            assert_eq!(titles(&f), ["A"], "{doc}");
            assert_eq!(f.entries[0].link.as_deref(), Some("https://example.org/a"));
        }
    }

    #[test]
    fn the_first_title_that_is_not_empty_wins_as_in_feedparser() {
        let doc = r#"<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>T</title>
            <item><title/><dc:title>From dc</dc:title><link>https://e.org/1</link></item>
            <item><title>Plain</title><dc:title>Not this</dc:title><link>https://e.org/2</link></item>
            <item><dc:title>Dc first</dc:title><title>Not this either</title><link>https://e.org/3</link></item>
            <item><dc:title> </dc:title><description>Described</description><link>https://e.org/4</link></item>
            </channel></rss>"#;
        let f = parse(doc.as_bytes(), &base(), now()).unwrap();
        assert_eq!(titles(&f), ["From dc", "Plain", "Dc first", "Described"]);
    }

    #[test]
    fn rdf_items_without_a_link_keep_their_title() {
        let doc = r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
            <channel rdf:about="https://e.org/"><title>T</title><link>https://e.org/</link></channel>
            <item rdf:about="urn:a"><title>Linked</title><link>https://e.org/a</link></item>
            <item rdf:about="urn:b"><title>Unlinked</title></item></rdf:RDF>"#;
        let f = parse(doc.as_bytes(), &base(), now()).unwrap();
        assert_eq!(titles(&f), ["Linked", "Unlinked"]);
        assert_eq!(f.entries[1].link, None);
        assert_eq!(f.site_url.as_deref(), Some("https://e.org/"));
    }

    #[test]
    fn a_rewritten_document_keeps_its_declared_encoding() {
        let doc = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://my.netscape.com/rdf/simple/0.9/\"><channel><title>Caf\xe9</title></channel><item><title>Cr\xe8me br\xfbl\xe9e</title><link>https://e.org/c</link></item></rdf:RDF>";
        let f = parse(doc, &base(), now()).unwrap();
        assert_eq!(f.title.as_deref(), Some("Café"));
        assert_eq!(titles(&f), ["Crème brûlée"]);
    }

    #[test]
    fn atom_0_3_text_is_read_by_its_mode_and_media_type() {
        let doc = r#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>T</title>
            <entry><title>Plain &amp; simple</title><link rel="alternate" href="/1"/><issued>2026-11-20T10:00:00Z</issued></entry>
            <entry><title type="text/html" mode="escaped">&lt;b&gt;Escaped&lt;/b&gt; HTML</title><link rel="alternate" href="/2"/></entry>
            <entry><title type="application/xhtml+xml"><div xmlns="http://www.w3.org/1999/xhtml"><i>Inline</i> XHTML</div></title><link rel="alternate" href="/3"/></entry>
            <entry><title mode="base64">QmFzZTY0</title><summary>Named by its summary</summary><link rel="alternate" href="/4"/></entry>
            </feed>"#;
        let f = parse(doc.as_bytes(), &base(), now()).unwrap();
        assert_eq!(
            titles(&f),
            [
                "Plain & simple",
                "Escaped HTML",
                "Inline XHTML",
                "Named by its summary"
            ]
        );
        assert_eq!(f.entries[0].link.as_deref(), Some("https://example.org/1"));
        assert_eq!(
            f.entries[0].published.unwrap().to_rfc3339(),
            "2026-11-20T10:00:00+00:00",
            "issued is when it was published"
        );
        let unversioned = r#"<feed version="0.3"><title>T</title><entry><title type="text/plain">A</title></entry></feed>"#;
        assert_eq!(
            titles(&parse(unversioned.as_bytes(), &base(), now()).unwrap()),
            ["A"]
        );
    }

    #[test]
    fn items_that_give_no_entry_are_an_error_naming_why() {
        let empty_items =
            rss("<item><title></title></item><item><link>javascript:x()</link></item>");
        let err = parse(&empty_items, &base(), now()).unwrap_err().to_string();
        assert!(
            err.contains("2 <item> elements")
                && err.contains("none has a title or an http(s) link"),
            "{err}"
        );

        let unknown = r#"<feed xmlns="http://example.com/future-atom"><title>T</title><entry><title>A</title></entry></feed>"#;
        let err = parse(unknown.as_bytes(), &base(), now())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("1 <entry> elements") && err.contains("http://example.com/future-atom"),
            "{err}"
        );

        let json =
            r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{"id":"1"}]}"#;
        let err = parse(json.as_bytes(), &base(), now())
            .unwrap_err()
            .to_string();
        assert!(err.contains("1 JSON Feed items but no entry"), "{err}");

        let some_survive = rss("<item><title></title></item><item><title>Kept</title></item>");
        assert_eq!(
            titles(&parse(&some_survive, &base(), now()).unwrap()),
            ["Kept"]
        );
    }

    #[test]
    fn ordinary_feeds_are_not_rewritten() {
        let atom = br#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title></feed>"#;
        for doc in [&rss("<item><title>A</title></item>")[..], atom] {
            assert_eq!(formats::sniff(doc).unwrap().rewrite, None);
        }
        // A feed whose titles are all there is read once, even with Dublin Core in it.
        let with_dc = br#"<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>T</title><item><title>A</title><dc:creator>me</dc:creator></item></channel></rss>"#;
        assert_eq!(
            formats::rewrite(with_dc, formats::Rewrite::Rss),
            None,
            "nothing to change"
        );
    }
}
