//! OPML, the list of feeds that feed readers import and export: written from the config's
//! sites (one outline per site holding its feeds), and read into `[[sites.feeds]]` tables,
//! printed to paste or appended to the config file keeping its comments and layout. Pure:
//! strings in, strings out; `opml_cli` does the reading and writing of files.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use quick_xml::events::{BytesStart, Event};
use toml_edit::{ArrayOfTables, DocumentMut, InlineTable, Item, Table, Value};

use crate::config::HttpUrl;

/// A site as exported: its title and its feeds.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportSite {
    pub title: String,
    pub feeds: Vec<ExportFeed>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExportFeed {
    pub title: String,
    pub url: String,
    /// The feed's home page: from the config, else as the feed last gave it.
    pub html_url: Option<String>,
    /// A page read with `scrape` selectors: no feed a reader could subscribe to, so it is
    /// written as a plain link (`type="link"`), which readers list and do not poll.
    pub scraped: bool,
}

/// OPML 2.0 of `sites`; `now` is its `dateCreated`.
pub fn write(sites: &[ExportSite], now: DateTime<Utc>) -> String {
    let a = |s: &str| quick_xml::escape::escape(s).into_owned();
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n");
    out.push_str("  <head>\n    <title>newsdesk feeds</title>\n");
    out.push_str(&format!(
        "    <dateCreated>{}</dateCreated>\n  </head>\n  <body>\n",
        now.to_rfc2822()
    ));
    for site in sites {
        let title = a(&site.title);
        out.push_str(&format!(
            "    <outline text=\"{title}\" title=\"{title}\">\n"
        ));
        for feed in &site.feeds {
            let title = a(&feed.title);
            let html_url = a(feed.html_url.as_deref().unwrap_or(""));
            let url = a(&feed.url);
            if feed.scraped {
                out.push_str(&format!(
                    "      <outline type=\"link\" text=\"{title}\" title=\"{title}\" url=\"{url}\"/>\n"
                ));
            } else {
                out.push_str(&format!(
                    "      <outline type=\"rss\" text=\"{title}\" title=\"{title}\" xmlUrl=\"{url}\" htmlUrl=\"{html_url}\"/>\n"
                ));
            }
        }
        out.push_str("    </outline>\n");
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

/// A feed found in an OPML document.
#[derive(Debug, Clone, PartialEq)]
pub struct OpmlFeed {
    /// The line of its `<outline>`, from 1.
    pub line: usize,
    /// Its `title`, else its `text`; `None` when both are empty.
    pub title: Option<String>,
    pub xml_url: String,
    pub html_url: Option<String>,
}

/// Why an OPML document could not be read, and where.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct OpmlError {
    pub line: usize,
    pub message: String,
}

/// Every outline with an `xmlUrl`, in document order, at any depth: readers nest feeds in
/// categories (outlines without `xmlUrl`), and some nest feeds in feeds. Attribute names are
/// matched ignoring case (`xmlurl` is seen in the wild); HTML entities are decoded.
pub fn read(text: &str) -> Result<Vec<OpmlFeed>, OpmlError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = quick_xml::Reader::from_str(text);
    let line_at = |offset: u64| {
        text[..(offset as usize).min(text.len())]
            .matches('\n')
            .count()
            + 1
    };
    let mut feeds = Vec::new();
    let mut root: Option<String> = None;
    loop {
        let at = reader.buffer_position();
        let event = reader.read_event().map_err(|e| OpmlError {
            line: line_at(reader.error_position()),
            message: format!("not well-formed XML: {e}"),
        })?;
        let element = match &event {
            Event::Start(e) | Event::Empty(e) => e,
            Event::Eof => break,
            _ => continue,
        };
        let name = element.local_name().as_ref().to_ascii_lowercase();
        match &root {
            None if name != "opml" => {
                return Err(OpmlError {
                    line: line_at(at),
                    message: format!(
                        "not an OPML document: its root element is <{name}>, not <opml>"
                    ),
                });
            }
            None => root = Some(name),
            Some(_) if name == "outline" => {
                if let Some(feed) = outline(element, line_at(at)) {
                    feeds.push(feed);
                }
            }
            Some(_) => {}
        }
    }
    if root.is_none() {
        return Err(OpmlError {
            line: 1,
            message: "not an OPML document: no <opml> element".into(),
        });
    }
    Ok(feeds)
}

/// The feed an `<outline>` names, if it has an `xmlUrl`.
fn outline(element: &BytesStart<'_>, line: usize) -> Option<OpmlFeed> {
    let mut attrs: HashMap<String, String> = HashMap::new();
    for attr in element.attributes().with_checks(false).flatten() {
        let value = html_escape::decode_html_entities(&attr.value);
        // XML attribute values have their line breaks and tabs read as spaces.
        let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
        attrs
            .entry(attr.key.as_ref().to_ascii_lowercase())
            .or_insert(value);
    }
    let xml_url = attrs.remove("xmlurl").filter(|u| !u.is_empty())?;
    let title = ["title", "text"]
        .into_iter()
        .filter_map(|k| attrs.get(k))
        .find(|t| !t.is_empty())
        .cloned();
    Some(OpmlFeed {
        line,
        title,
        xml_url,
        html_url: attrs.remove("htmlurl").filter(|u| !u.is_empty()),
    })
}

/// An OPML feed refused for the site, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Refused {
    pub line: usize,
    pub url: String,
    pub reason: String,
}

/// Splits `feeds` into those to add to a site whose feed URLs are `existing`, with their
/// URLs normalized, and those refused: not an http(s) URL, already a feed of the site, or
/// listed twice in the file.
pub fn plan(feeds: Vec<OpmlFeed>, existing: &[&str]) -> (Vec<OpmlFeed>, Vec<Refused>) {
    let mut add: Vec<OpmlFeed> = Vec::new();
    let mut refused = Vec::new();
    let mut first_line: HashMap<String, usize> = HashMap::new();
    for mut feed in feeds {
        let refuse = |reason: String| Refused {
            line: feed.line,
            url: feed.xml_url.clone(),
            reason,
        };
        let url = match HttpUrl::parse(&feed.xml_url) {
            Ok(u) => u.as_str().to_string(),
            Err(e) => {
                refused.push(refuse(e));
                continue;
            }
        };
        if existing.contains(&url.as_str()) {
            refused.push(refuse("already a feed of this site".into()));
            continue;
        }
        if let Some(line) = first_line.get(&url) {
            refused.push(refuse(format!("also at line {line}")));
            continue;
        }
        first_line.insert(url.clone(), feed.line);
        feed.xml_url = url;
        // A home page that is not an http(s) URL is of no use, and not worth refusing a feed.
        feed.html_url = feed
            .html_url
            .and_then(|h| HttpUrl::parse(&h).ok())
            .map(|h| h.as_str().to_string());
        add.push(feed);
    }
    (add, refused)
}

/// The `[[sites.feeds]]` tables of `feeds`, as text to paste under a site.
pub fn tables(feeds: &[OpmlFeed]) -> String {
    let mut out = String::new();
    for feed in feeds {
        out.push_str("\n[[sites.feeds]]\n");
        for (key, value) in fields(feeds_title(feed), &feed.xml_url) {
            out.push_str(&format!("{key} = {}\n", Value::from(value)));
        }
    }
    out
}

/// The keys a new feed gets: its URL, and its title when the OPML has one (a name given in a
/// reader is worth keeping; without it the feed's own title is shown).
fn fields<'a>(title: Option<&'a str>, url: &'a str) -> Vec<(&'static str, &'a str)> {
    let mut out = vec![("url", url)];
    if let Some(t) = title {
        out.push(("title", t));
    }
    out
}

/// The title worth writing: not empty, and not the URL again (as some exporters write).
fn feeds_title(feed: &OpmlFeed) -> Option<&str> {
    feed.title
        .as_deref()
        .filter(|t| *t != feed.xml_url && !t.trim().is_empty())
}

/// `config` with `feeds` appended to the site named `site`, after the last table of that
/// site, everything else (comments, blank lines, order, quoting) as it was.
pub fn append(config: &str, site: &str, feeds: &[OpmlFeed]) -> Result<String, String> {
    let mut doc: DocumentMut = config
        .parse()
        .map_err(|e: toml_edit::TomlError| format!("the config is not valid TOML: {e}"))?;
    let sites = match doc.get_mut("sites") {
        Some(Item::ArrayOfTables(sites)) => sites,
        Some(_) => {
            return Err(
                "`sites` is written inline, not as [[sites]] tables: add the feeds by hand".into(),
            );
        }
        None => return Err("the config has no [[sites]]".into()),
    };
    let index = sites
        .iter()
        .position(|t| t.get("name").and_then(Item::as_str) == Some(site))
        .ok_or_else(|| format!("the config has no site named {site:?}"))?;
    let table = sites.get_mut(index).expect("index found above");
    let last = last_position(table);
    let n = feeds.len() as isize;
    match table.get_mut("feeds") {
        None => {
            table.insert("feeds", Item::ArrayOfTables(ArrayOfTables::new()));
        }
        Some(Item::ArrayOfTables(_)) => {}
        Some(Item::Value(Value::Array(array))) => {
            // `feeds = [ { url = ... }, ... ]`: one inline table per line.
            for feed in feeds {
                let mut t = InlineTable::new();
                for (key, value) in fields(feeds_title(feed), &feed.xml_url) {
                    t.insert(key, value.into());
                }
                let mut value = Value::InlineTable(t);
                value.decor_mut().set_prefix("\n  ");
                array.push_formatted(value);
            }
            array.set_trailing("\n");
            array.set_trailing_comma(true);
            return Ok(doc.to_string());
        }
        Some(_) => {
            return Err(format!(
                "site {site:?} has a `feeds` key that is not a list"
            ));
        }
    }
    // The tables after the site's last one move down to make room, so the new ones are written
    // under the site, before any comment that introduces the next table.
    if let Some(last) = last {
        shift_after(doc.as_table_mut(), last, n);
    }
    let sites = doc["sites"]
        .as_array_of_tables_mut()
        .expect("checked above");
    let site_table = sites.get_mut(index).expect("index found above");
    let list = site_table["feeds"]
        .as_array_of_tables_mut()
        .expect("made a list above");
    for (i, feed) in feeds.iter().enumerate() {
        let mut t = Table::new();
        for (key, value) in fields(feeds_title(feed), &feed.xml_url) {
            t.insert(key, toml_edit::value(value));
        }
        t.set_position(last.map(|p| p + 1 + i as isize));
        t.decor_mut().set_prefix("\n");
        list.push(t);
    }
    Ok(doc.to_string())
}

/// The highest position of `table` and the tables below it, as written in the text.
fn last_position(table: &Table) -> Option<isize> {
    let mut last = table.position();
    for (_, item) in table.iter() {
        let below = match item {
            Item::Table(t) => last_position(t),
            Item::ArrayOfTables(a) => a.iter().filter_map(last_position).max(),
            _ => None,
        };
        last = last.max(below);
    }
    last
}

/// Moves every table placed after `after` down by `n` places.
fn shift_after(table: &mut Table, after: isize, n: isize) {
    if let Some(p) = table.position()
        && p > after
    {
        table.set_position(Some(p + n));
    }
    for (_, item) in table.iter_mut() {
        match item {
            Item::Table(t) => shift_after(t, after, n),
            Item::ArrayOfTables(a) => a.iter_mut().for_each(|t| shift_after(t, after, n)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(line: usize, title: Option<&str>, url: &str) -> OpmlFeed {
        OpmlFeed {
            line,
            title: title.map(str::to_string),
            xml_url: url.into(),
            html_url: None,
        }
    }

    /// An export as Feedly writes it: categories holding feeds, `text` and `title` both.
    const FEEDLY: &str = r#"<?xml version="1.0" encoding="UTF-8"?>

<opml version="1.0">
    <head>
        <title>Ana subscriptions in feedly Cloud</title>
    </head>
    <body>
        <outline text="Linux" title="Linux">
            <outline type="rss" text="LWN.net" title="LWN.net" xmlUrl="https://lwn.net/headlines/rss" htmlUrl="https://lwn.net"/>
            <outline type="rss" text="Phoronix" title="Phoronix" xmlUrl="https://www.phoronix.com/rss.php" htmlUrl="https://www.phoronix.com/"/>
        </outline>
        <outline text="Rust &amp; friends" title="Rust &amp; friends">
            <outline type="rss" text="This Week in Rust" title="This Week in Rust" xmlUrl="https://this-week-in-rust.org/rss.xml" htmlUrl="https://this-week-in-rust.org/"/>
        </outline>
    </body>
</opml>
"#;

    /// As Miniflux writes it: OPML 2.0, categories with `text` only, feeds with `title` too.
    const MINIFLUX: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head>
    <title>Miniflux</title>
    <dateCreated>Mon, 23 Nov 2026 10:00:00 UTC</dateCreated>
  </head>
  <body>
    <outline text="All">
      <outline title="Ars Technica &#x2013; Tech" text="Ars Technica &#x2013; Tech" xmlUrl="https://feeds.arstechnica.com/arstechnica/technology-lab" htmlUrl="https://arstechnica.com" description=""></outline>
    </outline>
    <outline text="Empty category"></outline>
  </body>
</opml>"#;

    /// As FreshRSS writes it: `xmlUrl` with a query string, a category, an `xmlurl` spelt in
    /// lower case by some other tool, and an entity outside XML's five.
    const FRESHRSS: &str = "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<opml version=\"2.0\" xmlns:frss=\"https://freshrss.org/opml\">
\t<head><title>FreshRSS</title></head>
\t<body>
\t\t<outline text=\"News\">
\t\t\t<outline text=\"Le Monde &eacute;dition\" type=\"rss\" xmlUrl=\"https://www.lemonde.fr/rss/une.xml?a=1&amp;b=2\" htmlUrl=\"https://www.lemonde.fr/\" frss:cssFullContent=\"\"/>
\t\t\t<outline text=\"  \" xmlurl=\"https://blog.example/feed\"/>
\t\t</outline>
\t\t<outline text=\"A bookmark\" type=\"link\" url=\"https://example.org/\"/>
\t</body>
</opml>
";

    #[test]
    fn feeds_are_read_from_real_exports_at_any_depth() {
        let f = read(FEEDLY).unwrap();
        assert_eq!(
            f.iter()
                .map(|f| (f.line, f.title.as_deref().unwrap(), f.xml_url.as_str()))
                .collect::<Vec<_>>(),
            [
                (9, "LWN.net", "https://lwn.net/headlines/rss"),
                (10, "Phoronix", "https://www.phoronix.com/rss.php"),
                (
                    13,
                    "This Week in Rust",
                    "https://this-week-in-rust.org/rss.xml"
                ),
            ]
        );
        assert_eq!(f[0].html_url.as_deref(), Some("https://lwn.net"));

        let f = read(MINIFLUX).unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].title.as_deref(), Some("Ars Technica – Tech"));
        assert_eq!(f[0].line, 9);

        let f = read(FRESHRSS).unwrap();
        assert_eq!(
            f,
            [
                OpmlFeed {
                    line: 6,
                    title: Some("Le Monde édition".into()),
                    xml_url: "https://www.lemonde.fr/rss/une.xml?a=1&b=2".into(),
                    html_url: Some("https://www.lemonde.fr/".into()),
                },
                feed(7, None, "https://blog.example/feed"),
            ],
            "a link outline is no feed"
        );
    }

    #[test]
    fn what_is_not_opml_is_refused_with_its_line() {
        assert_eq!(
            read("<?xml version=\"1.0\"?>\n<rss version=\"2.0\"></rss>").unwrap_err(),
            OpmlError {
                line: 2,
                message: "not an OPML document: its root element is <rss>, not <opml>".into()
            }
        );
        let e =
            read("<opml version=\"2.0\"><body>\n<outline text=\"a\">\n</body></opml>").unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(e.message.starts_with("not well-formed XML: "), "{e}");
        assert_eq!(
            read("").unwrap_err().message,
            "not an OPML document: no <opml> element"
        );
    }

    #[test]
    fn bad_urls_feeds_already_there_and_repeats_are_refused_with_their_line() {
        let feeds = vec![
            feed(3, Some("A"), "https://a.example/feed"),
            feed(4, Some("Bad"), "not a url"),
            feed(5, Some("FTP"), "ftp://files.example/feed"),
            feed(6, Some("Known"), "https://lwn.net/headlines/rss"),
            feed(7, Some("A again"), "HTTPS://A.example/feed"),
            feed(8, Some("B"), "https://b.example/feed"),
        ];
        let (add, refused) = plan(feeds, &["https://lwn.net/headlines/rss"]);
        assert_eq!(
            add.iter().map(|f| f.xml_url.as_str()).collect::<Vec<_>>(),
            ["https://a.example/feed", "https://b.example/feed"]
        );
        let refused: Vec<(usize, &str)> = refused
            .iter()
            .map(|r| (r.line, r.reason.as_str()))
            .collect();
        assert_eq!(
            refused,
            [
                (4, "\"not a url\" is not a URL: relative URL without a base"),
                (
                    5,
                    "\"ftp://files.example/feed\" must be an http:// or https:// URL"
                ),
                (6, "already a feed of this site"),
                (7, "also at line 3"),
            ]
        );
    }

    #[test]
    fn tables_are_toml_to_paste() {
        let feeds = [
            feed(1, Some("Say \"hi\" \\ o/"), "https://a.example/feed"),
            feed(2, None, "https://b.example/feed"),
            feed(3, Some("https://c.example/feed"), "https://c.example/feed"),
        ];
        assert_eq!(
            tables(&feeds),
            "\n[[sites.feeds]]\nurl = \"https://a.example/feed\"\ntitle = 'Say \"hi\" \\ o/'\n\
             \n[[sites.feeds]]\nurl = \"https://b.example/feed\"\n\
             \n[[sites.feeds]]\nurl = \"https://c.example/feed\"\n"
        );
    }

    const CONFIG: &str = r#"# newsdesk config
[fetch]
history = 30   # per feed

# The Linux site.
[[sites]]
name = "linux"
title = "Linux Report"

[[sites.feeds]]
url = "https://lwn.net/headlines/rss"   # LWN
title = 'LWN'

[sites.headlines]
picker = "similar"

# The second site; its feeds follow.
[[sites]]
name = "rust"
title = "Rust Report"

[[sites.feeds]]
url = "https://blog.rust-lang.org/feed.xml"

# trailing comment
"#;

    #[test]
    fn append_writes_under_the_right_site_and_keeps_everything_else() {
        let feeds = [
            feed(1, Some("Phoronix"), "https://www.phoronix.com/rss.php"),
            feed(2, None, "https://kernelnewbies.example/feed"),
        ];
        let out = append(CONFIG, "linux", &feeds).unwrap();
        let added = "\n[[sites.feeds]]\nurl = \"https://www.phoronix.com/rss.php\"\ntitle = \"Phoronix\"\n\
                     \n[[sites.feeds]]\nurl = \"https://kernelnewbies.example/feed\"\n";
        let want = CONFIG.replace(
            "picker = \"similar\"\n",
            &format!("picker = \"similar\"\n{added}"),
        );
        assert_eq!(out, want);
        let c = crate::config::parse(&out, "t").unwrap();
        assert_eq!(c.sites[0].feeds.len(), 3);
        assert_eq!(c.sites[1].feeds.len(), 1);

        let out = append(CONFIG, "rust", &feeds[..1]).unwrap();
        let want = CONFIG.replace(
            "feed.xml\"\n",
            "feed.xml\"\n\n[[sites.feeds]]\nurl = \"https://www.phoronix.com/rss.php\"\ntitle = \"Phoronix\"\n",
        );
        assert_eq!(out, want, "the last site: before the trailing comment");
    }

    #[test]
    fn append_makes_the_first_feeds_of_a_site_and_extends_inline_lists() {
        let text =
            "[[sites]]\nname = \"a\"\ntitle = \"A\"\n\n[[sites]]\nname = \"b\"\ntitle = \"B\"\n";
        let out = append(text, "a", &[feed(1, Some("X"), "https://x.example/")]).unwrap();
        assert_eq!(
            out,
            "[[sites]]\nname = \"a\"\ntitle = \"A\"\n\n[[sites.feeds]]\nurl = \"https://x.example/\"\ntitle = \"X\"\n\n[[sites]]\nname = \"b\"\ntitle = \"B\"\n"
        );
        crate::config::parse(&out, "t").unwrap();

        let inline = "[[sites]]\nname = \"a\"\ntitle = \"A\"\nfeeds = [\n  { url = \"https://y.example/\" },\n]\n";
        let out = append(inline, "a", &[feed(1, Some("X"), "https://x.example/")]).unwrap();
        let c = crate::config::parse(&out, "t").unwrap();
        assert_eq!(c.sites[0].feeds.len(), 2, "{out}");
        assert_eq!(c.sites[0].feeds[1].title.as_deref(), Some("X"));

        assert_eq!(
            append(text, "c", &[]).unwrap_err(),
            "the config has no site named \"c\""
        );
    }

    #[test]
    fn write_is_opml_2_with_one_outline_per_site() {
        let now: DateTime<Utc> = "2026-11-23T12:00:00Z".parse().unwrap();
        let sites = [ExportSite {
            title: "Linux & <Friends>".into(),
            feeds: vec![
                ExportFeed {
                    title: "LWN".into(),
                    url: "https://lwn.net/headlines/rss".into(),
                    html_url: Some("https://lwn.net/".into()),
                    scraped: false,
                },
                ExportFeed {
                    title: "Never fetched".into(),
                    url: "https://e.example/feed?a=1&b=2".into(),
                    html_url: None,
                    scraped: false,
                },
                ExportFeed {
                    title: "Herald Tech".into(),
                    url: "https://news.example/tech/".into(),
                    html_url: Some("https://news.example/tech/".into()),
                    scraped: true,
                },
            ],
        }];
        assert_eq!(
            write(&sites, now),
            r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head>
    <title>newsdesk feeds</title>
    <dateCreated>Mon, 23 Nov 2026 12:00:00 +0000</dateCreated>
  </head>
  <body>
    <outline text="Linux &amp; &lt;Friends&gt;" title="Linux &amp; &lt;Friends&gt;">
      <outline type="rss" text="LWN" title="LWN" xmlUrl="https://lwn.net/headlines/rss" htmlUrl="https://lwn.net/"/>
      <outline type="rss" text="Never fetched" title="Never fetched" xmlUrl="https://e.example/feed?a=1&amp;b=2" htmlUrl=""/>
      <outline type="link" text="Herald Tech" title="Herald Tech" url="https://news.example/tech/"/>
    </outline>
  </body>
</opml>
"#
        );
    }

    #[test]
    fn import_then_export_round_trips() {
        let (add, refused) = plan(read(FEEDLY).unwrap(), &[]);
        assert!(refused.is_empty());
        let text = append(CONFIG, "rust", &add).unwrap();
        let config = crate::config::parse(&text, "t").unwrap();
        let site = &config.sites[1];
        let exported = write(
            &[ExportSite {
                title: site.title.clone(),
                feeds: site
                    .feeds
                    .iter()
                    .map(|f| ExportFeed {
                        title: f.title.clone().unwrap_or_else(|| f.url.as_str().into()),
                        url: f.url.as_str().into(),
                        html_url: None,
                        scraped: false,
                    })
                    .collect(),
            }],
            Utc::now(),
        );
        let again: Vec<(Option<String>, String)> = read(&exported)
            .unwrap()
            .into_iter()
            .map(|f| (f.title, f.xml_url))
            .collect();
        let mut want: Vec<(Option<String>, String)> = vec![(
            Some("https://blog.rust-lang.org/feed.xml".into()),
            "https://blog.rust-lang.org/feed.xml".into(),
        )];
        want.extend(
            read(FEEDLY)
                .unwrap()
                .into_iter()
                .map(|f| (f.title, f.xml_url)),
        );
        assert_eq!(again, want);
        // And importing the export into the same site adds nothing.
        let (add, refused) = plan(
            read(&exported).unwrap(),
            &site
                .feeds
                .iter()
                .map(|f| f.url.as_str())
                .collect::<Vec<_>>(),
        );
        assert!(add.is_empty());
        assert_eq!(refused.len(), 4);
    }
}
