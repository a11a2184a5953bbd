//! The site's own feeds: `/rss` (RSS 2.0) and `/feed.json` (JSON Feed 1.1), both the newest
//! entries across the site's sources. Built from the same views as the page, deterministic
//! (dates come from the entries, never the clock), every string escaped for its format.
//!
//! A story several sources tell is listed once, by its first report: RSS says the other
//! sources in the item's description, JSON Feed gives the story id and their articles in a
//! `_newsdesk` extension object (see [`StoryMark`]).
//!
//! RSS 2.0: <https://www.rssboard.org/rss-specification>; JSON Feed 1.1:
//! <https://www.jsonfeed.org/version/1.1/>.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use url::Url;

use super::view::{EntryView, SourceView, StoryMark, public_url};

/// Entries in each feed.
pub const FEED_ITEMS: usize = 50;

/// What both feeds say about the site.
pub struct Channel<'a> {
    pub title: &'a str,
    /// The canonical base URL, ending in `/`.
    pub base: &'a Url,
    pub description: &'a str,
    pub generated_at: DateTime<Utc>,
}

/// One entry of the site feeds and the box it comes from.
pub struct Item<'a> {
    source: &'a SourceView,
    entry: &'a EntryView,
    /// The link, else an id made from the source and the title.
    guid: String,
}

/// The newest entries across sources: by publication date, undated ones at their source's
/// last fetch; ties keep the site's and the feed's order. A story grouped across sources
/// ([`super::stories`]) is listed once, by its first report. Both feeds list these.
pub fn newest<'a>(
    channel: &Channel,
    sources: impl IntoIterator<Item = &'a SourceView>,
) -> Vec<Item<'a>> {
    let mut all: Vec<(DateTime<Utc>, usize, usize, &SourceView, &EntryView)> = sources
        .into_iter()
        .enumerate()
        .flat_map(|(si, s)| {
            s.entries.iter().enumerate().map(move |(ei, e)| {
                let when = e
                    .published
                    .or(s.last_success)
                    .unwrap_or(DateTime::UNIX_EPOCH);
                (when, si, ei, s, e)
            })
        })
        .collect();
    // Stable: ties stay in the site's and the feed's order, as they were collected.
    all.sort_by_key(|item| std::cmp::Reverse(item.0));
    // A story once: not its later reports, and not twice when the headline block has it too.
    let mut stories = std::collections::BTreeSet::new();
    all.retain(|(_, _, _, _, e)| match &e.story {
        Some(mark) => mark.first.is_none() && stories.insert(mark.story.as_str()),
        None => true,
    });
    all.into_iter()
        .take(FEED_ITEMS)
        .map(|(_, _, _, source, entry)| Item {
            source,
            entry,
            guid: entry.link.clone().unwrap_or_else(|| {
                let h = hex::encode(&Sha256::digest(entry.title.as_bytes())[..8]);
                format!("{}#{}-{h}", channel.base, source.id)
            }),
        })
        .collect()
}

/// `/rss`: RSS 2.0 with `atom:link rel="self"` (as the RSS Advisory Board recommends).
pub fn rss(channel: &Channel, items: &[Item]) -> Vec<u8> {
    let base = channel.base.as_str();
    let mut out = String::with_capacity(16 * 1024);
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n");
    tag(&mut out, "title", channel.title);
    tag(&mut out, "link", base);
    tag(&mut out, "description", channel.description);
    out.push_str(&format!(
        "<atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>\n",
        xml(&format!("{base}rss"))
    ));
    tag(&mut out, "lastBuildDate", &rfc822(channel.generated_at));
    tag(
        &mut out,
        "docs",
        "https://www.rssboard.org/rss-specification",
    );
    tag(&mut out, "generator", "newsdesk");
    for item in items {
        out.push_str("<item>\n");
        tag(&mut out, "title", &item.entry.title);
        if let Some(link) = &item.entry.link {
            tag(&mut out, "link", link);
        }
        let permalink = item.entry.link.is_some();
        out.push_str(&format!(
            "<guid isPermaLink=\"{permalink}\">{}</guid>\n",
            xml(&item.guid)
        ));
        if let Some(d) = item.entry.published {
            tag(&mut out, "pubDate", &rfc822(d));
        }
        let also: Vec<&str> = item
            .entry
            .story
            .iter()
            .flat_map(|m| &m.also)
            .map(|a| a.source_title.as_str())
            .collect();
        let more = item.entry.story.as_ref().map_or(0, |m| m.more);
        let description = match (also.as_slice(), more) {
            ([], _) => format!("From {}", item.source.title),
            (also, 0) => format!("From {}; also {}", item.source.title, also.join(", ")),
            (also, more) => format!(
                "From {}; also {} and {more} more",
                item.source.title,
                also.join(", ")
            ),
        };
        tag(&mut out, "description", &description);
        match public_url(&item.source.url) {
            Some(url) => out.push_str(&format!(
                "<source url=\"{}\">{}</source>\n",
                xml(url),
                xml(&item.source.title)
            )),
            None => tag(&mut out, "category", &item.source.title),
        }
        out.push_str("</item>\n");
    }
    out.push_str("</channel>\n</rss>\n");
    out.into_bytes()
}

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: String,
    description: &'a str,
    language: &'static str,
    items: Vec<JsonItem<'a>>,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    title: &'a str,
    /// JSON Feed asks for `content_text` or `content_html`; the title is all there is.
    content_text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a str>,
    /// Our copy of the thumbnail, absolute.
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_published: Option<DateTime<Utc>>,
    authors: [Author<'a>; 1],
    tags: [&'a str; 1],
    /// newsdesk's extension: the entry's story and the other sources' articles on it.
    #[serde(rename = "_newsdesk", skip_serializing_if = "Option::is_none")]
    newsdesk: Option<&'a StoryMark>,
}

/// The source an entry comes from.
#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
}

/// `/feed.json`: JSON Feed 1.1.
pub fn json_feed(channel: &Channel, items: &[Item]) -> Vec<u8> {
    let doc = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: channel.title,
        home_page_url: channel.base.as_str(),
        feed_url: format!("{}feed.json", channel.base),
        description: channel.description,
        language: "en",
        items: items
            .iter()
            .map(|i| JsonItem {
                id: &i.guid,
                url: i.entry.link.as_deref(),
                title: &i.entry.title,
                content_text: &i.entry.title,
                summary: i.entry.summary.as_deref(),
                image: i
                    .entry
                    .image
                    .as_ref()
                    .and_then(|img| Some(channel.base.join(&img.url).ok()?.to_string())),
                date_published: i.entry.published,
                authors: [Author {
                    name: &i.source.title,
                    url: i.source.link.as_deref(),
                }],
                tags: [&i.source.title],
                newsdesk: i.entry.story.as_ref(),
            })
            .collect(),
    };
    // Compact: a third fewer bytes than indented, and cheaper to write on every render.
    serde_json::to_vec(&doc).expect("plain data serializes")
}

fn tag(out: &mut String, name: &str, text: &str) {
    out.push_str(&format!("<{name}>{}</{name}>\n", xml(text)));
}

/// RFC 822 dates as RSS 2.0 wants them.
fn rfc822(d: DateTime<Utc>) -> String {
    d.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Text escaped for XML content and attributes, without the characters XML 1.0 forbids
/// (control characters, U+FFFE, U+FFFF), which would make the whole feed unreadable.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(id: &str, url: &str, entries: Vec<EntryView>) -> SourceView {
        SourceView {
            id: id.into(),
            title: format!("Source {id} <&>"),
            url: url.into(),
            site_url: None,
            link: None,
            logo: None,
            last_success: Some("2026-11-23T10:00:00Z".parse().unwrap()),
            error: None,
            error_reason: None,
            error_kind: None,
            entries,
        }
    }

    fn entry(title: &str, link: Option<&str>, published: Option<&str>) -> EntryView {
        EntryView {
            title: title.into(),
            link: link.map(str::to_string),
            published: published.map(|p| p.parse().unwrap()),
            ..Default::default()
        }
    }

    fn channel(base: &Url) -> Channel<'_> {
        Channel {
            title: "Test & Report",
            base,
            description: "News",
            generated_at: "2026-11-23T10:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn newest_entries_first_across_sources() {
        let base = Url::parse("https://news.example/").unwrap();
        let sources = [
            source(
                "a",
                "https://a.example/rss",
                vec![entry(
                    "old",
                    Some("https://a.example/1"),
                    Some("2026-11-20T00:00:00Z"),
                )],
            ),
            source(
                "b",
                "http://127.0.0.1/rss",
                vec![
                    entry(
                        "new",
                        Some("https://b.example/2"),
                        Some("2026-11-22T00:00:00Z"),
                    ),
                    entry("undated", None, None),
                ],
            ),
        ];
        let items = newest(&channel(&base), &sources);
        let titles: Vec<&str> = items.iter().map(|i| i.entry.title.as_str()).collect();
        assert_eq!(titles, ["undated", "new", "old"]);
        assert!(items[0].guid.starts_with("https://news.example/#b-"));
        let rss = String::from_utf8(rss(&channel(&base), &items)).unwrap();
        assert!(rss.contains("<title>Test &amp; Report</title>"));
        assert!(rss.contains(
            "<atom:link href=\"https://news.example/rss\" rel=\"self\" type=\"application/rss+xml\"/>"
        ));
        assert!(
            rss.contains("<source url=\"https://a.example/rss\">Source a &lt;&amp;&gt;</source>")
        );
        assert!(!rss.contains("127.0.0.1"), "private feed URLs stay out");
        assert!(rss.contains("<pubDate>Sun, 22 Nov 2026 00:00:00 GMT</pubDate>"));
    }

    #[test]
    fn json_feed_items_carry_the_summary_and_our_image_copy_absolute() {
        let base = Url::parse("https://news.example/").unwrap();
        let mut e = entry("t", Some("https://a.example/1"), None);
        e.summary = Some("A \"quoted\" <summary>".into());
        e.image = Some(super::super::view::ImageView {
            url: "/assets/thumb.0123456789abcdef.png".into(),
            width: 2,
            height: 1,
        });
        let sources = [source(
            "a",
            "https://a.example/rss",
            vec![e, entry("u", None, None)],
        )];
        let doc: serde_json::Value = serde_json::from_slice(&json_feed(
            &channel(&base),
            &newest(&channel(&base), &sources),
        ))
        .unwrap();
        let items = doc["items"].as_array().unwrap();
        let first = items.iter().find(|i| i["title"] == "t").unwrap();
        assert_eq!(first["summary"], "A \"quoted\" <summary>");
        assert_eq!(
            first["image"],
            "https://news.example/assets/thumb.0123456789abcdef.png"
        );
        let other = items.iter().find(|i| i["title"] == "u").unwrap();
        assert!(other.get("summary").is_none() && other.get("image").is_none());
    }

    #[test]
    fn xml_escapes_and_drops_forbidden_characters() {
        assert_eq!(
            xml("a<b>&\"c'\u{1}\u{ffff}\n"),
            "a&lt;b&gt;&amp;&quot;c&apos;\n"
        );
    }
}
