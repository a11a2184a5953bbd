//! Every feed format Python's feedparser reads, with the same titles and links (issue #18):
//! one fixture per format, each with a test of exactly what `newsdesk::feed::parse` makes of
//! it. The tools tier (tests/tools/feed_formats.rs) runs feedparser itself over every fixture
//! and compares.

use newsdesk::feed::MAX_TITLE_CHARS;

use crate::support::formats::read;

/// Asserts the feed's title and its entries' titles and links, in order.
fn assert_reads(file: &str, title: &str, entries: &[(&str, Option<&str>)]) {
    let feed = read(file).unwrap_or_else(|e| panic!("{file}: {e}"));
    assert_eq!(
        feed.title.as_deref(),
        Some(title),
        "{file}: the feed's title"
    );
    let got: Vec<(&str, Option<&str>)> = feed
        .entries
        .iter()
        .map(|e| (e.title.as_str(), e.link.as_deref()))
        .collect();
    assert_eq!(got, entries, "{file}: entries");
}

#[test]
fn atom_0_3() {
    assert_reads(
        "atom03.xml",
        "dive into mark",
        &[
            (
                "Atom 0.3 snapshot",
                Some("http://diveintomark.example/2003/12/13/atom03"),
            ),
            (
                "The mode attribute & you",
                Some("http://127.0.0.1/2003/12/10/mode"),
            ),
            (
                "Inline XHTML in a title",
                Some("http://diveintomark.example/2003/12/08/inline"),
            ),
        ],
    );
}

#[test]
fn rss_0_90() {
    assert_reads(
        "rss090.xml",
        "Mozilla Dot Org",
        &[
            (
                "New Status Updates",
                Some("http://www.mozilla.example/status/"),
            ),
            (
                "Bugzilla Reorganized",
                Some("http://www.mozilla.example/bugs/"),
            ),
            (
                "Mozilla Party, 2.0!",
                Some("http://www.mozilla.example/party/1999/"),
            ),
            (
                "Unix Platform Parity",
                Some("http://www.mozilla.example/build/unix.html"),
            ),
            (
                "NPL 1.0M published",
                Some("http://www.mozilla.example/NPL/NPL-1.0M.html"),
            ),
        ],
    );
}

#[test]
fn rss_0_91_in_latin_1() {
    assert_reads(
        "rss091.xml",
        "WriteTheWeb",
        &[
            (
                "Giving the world a pluggable Gnutella",
                Some("http://writetheweb.example/read.php?item=24&from=rss"),
            ),
            (
                "Syndication discussions hot up",
                Some("http://writetheweb.example/read.php?item=23&from=rss"),
            ),
            (
                "Café society: personal publishing in Paris",
                Some("http://writetheweb.example/read.php?item=22&from=rss"),
            ),
            (
                "Meet the new WriteTheWeb",
                Some("http://127.0.0.1/read.php?item=21"),
            ),
        ],
    );
}

#[test]
fn rss_0_92_with_an_untitled_item() {
    let feed = read("rss092.xml").unwrap();
    assert_eq!(feed.title.as_deref(), Some("Dave Winer: Grateful Dead"));
    // RSS 0.92 made titles optional: the first item is named by its description, capped.
    let first = &feed.entries[0];
    assert!(
        first.title.starts_with(
            "It's been a few days since I added a song to the Grateful Dead channel. Now that"
        ),
        "{}",
        first.title
    );
    assert!(first.title.ends_with('…') && first.title.chars().count() <= MAX_TITLE_CHARS);
    assert_eq!(first.link, None);
    let rest: Vec<(&str, Option<&str>)> = feed.entries[1..]
        .iter()
        .map(|e| (e.title.as_str(), e.link.as_deref()))
        .collect();
    assert_eq!(
        rest,
        [
            (
                "Kansas City, 1974",
                Some("http://www.scripting.example/blog/2002/03/30/kansasCity.html")
            ),
            (
                "Truckin'",
                Some("http://www.scripting.example/mp3s/truckin.mp3")
            ),
        ]
    );
}

#[test]
fn rss_0_93() {
    assert_reads(
        "rss093.xml",
        "Scripting News",
        &[
            (
                "Outliners and the web",
                Some("http://www.scripting.example/1999/07/08#outliners"),
            ),
            (
                "XML-RPC & SOAP, side by side",
                Some("http://127.0.0.1/1999/07/07#xmlrpc"),
            ),
        ],
    );
}

#[test]
fn rss_0_94() {
    assert_reads(
        "rss094.xml",
        "Harvard Law Weblogs",
        &[
            (
                "RSS 0.94 is a draft of RSS 2.0",
                Some("http://blogs.law.harvard.example/2002/08/20/rss094"),
            ),
            (
                "Guids as permalinks",
                Some("http://blogs.law.harvard.example/2002/08/19/guids"),
            ),
        ],
    );
}

#[test]
fn rss_without_a_version() {
    assert_reads(
        "rss-noversion.xml",
        "Village Hall Notices",
        &[
            (
                "Jumble sale on Saturday",
                Some("http://village-hall.example/notices/jumble-sale"),
            ),
            (
                "Boiler repairs: hall closed Tuesday & Wednesday",
                Some("http://127.0.0.1/feeds/notices/boiler"),
            ),
            (
                "Choir rehearsals move to Thursdays",
                Some("http://village-hall.example/notices/choir"),
            ),
        ],
    );
}

#[test]
fn rss_in_userlands_namespace() {
    assert_reads(
        "rss-userland-namespace.xml",
        "Radio Weblog",
        &[
            (
                "Upstreaming works again",
                Some("http://radio.weblogs.example/0100887/2002/10/15.html#a42"),
            ),
            (
                "A post without a title, linked only by its permalink guid.",
                Some("http://radio.weblogs.example/0100887/2002/10/14.html#a41"),
            ),
        ],
    );
}

#[test]
fn rss_1_0_rdf() {
    let link = |path: &str| format!("http://{path}?utm_source=rss1.0mainlinkanon&utm_medium=feed");
    let links = [
        link("linux.slashdot.example/story/26/11/23/0442211/kernel-drops-old-filesystems"),
        link("tech.slashdot.example/story/26/11/23/0213234/a-decade-of-rust"),
        link("news.slashdot.example/story/26/11/22/2251250/ask-slashdot"),
    ];
    assert_reads(
        "rdf10.xml",
        "Slashdot",
        &[
            (
                "Kernel Drops Support For Three Filesystems Nobody Mounts",
                Some(&links[0]),
            ),
            ("A Decade of Rust & Its Borrow Checker", Some(&links[1])),
            (
                "Ask Slashdot: What's Your Oldest Running Machine?",
                Some(&links[2]),
            ),
        ],
    );
}

#[test]
fn cdf() {
    assert_reads(
        "cdf.xml",
        "Fabrikam Daily",
        &[
            (
                "Fabrikam & Contoso agree to merge",
                Some("http://www.fabrikam.example/news/merger.html"),
            ),
            // A relative HREF resolves against the channel's BASE.
            (
                "Third-quarter earnings beat forecasts",
                Some("http://www.fabrikam.example/news/earnings.html"),
            ),
            (
                "Ski season opens early",
                Some("http://www.fabrikam.example/news/ski.html"),
            ),
        ],
    );
    assert_eq!(
        read("cdf.xml").unwrap().site_url.as_deref(),
        Some("http://www.fabrikam.example/index.html")
    );
}

#[test]
fn dc_title() {
    assert_reads(
        "dc-title.xml",
        "University Repository: Recent Submissions",
        &[
            (
                "Soil moisture and crop yield in dry summers, 2019–2025",
                Some("http://repository.example/handle/1234/5678"),
            ),
            (
                "Notes on Lumbricus terrestris in urban parks",
                Some("http://127.0.0.1/feeds/handle/1234/5677"),
            ),
            // Both a title and a dc:title: the first one, as feedparser does.
            (
                "Thesis: Distributed consensus under partial synchrony",
                Some("http://repository.example/handle/1234/5676"),
            ),
            (
                "Minutes of the library committee, October",
                Some("http://repository.example/handle/1234/5675"),
            ),
        ],
    );
}

#[test]
fn titles_in_escaped_html() {
    assert_reads(
        "title-escaped-html.xml",
        "Planet Desktop",
        &[
            (
                "GNOME 50 ships with HDR",
                Some("https://planet-desktop.example/2026/11/gnome-50"),
            ),
            (
                "KDE: Plasma 7 beta & what's next",
                Some("https://planet-desktop.example/2026/11/plasma-7"),
            ),
            (
                "Porting to Vec<T>: what & why",
                Some("https://planet-desktop.example/2026/11/vec"),
            ),
            (
                "Wayland — the compositor guide",
                Some("https://planet-desktop.example/2026/11/wayland"),
            ),
        ],
    );
}

#[test]
fn titles_in_inline_xhtml() {
    assert_reads(
        "title-inline-xhtml.xml",
        "The Typesetter's Journal",
        &[
            // `<font>` was text in the feed, but no known tag is ever left in a title.
            (
                "Kerning pairs & tags",
                Some("https://typesetter.example/2026/11/kerning"),
            ),
            (
                "Ligatures: fi, fl and U+FB03",
                Some("https://typesetter.example/2026/11/ligatures"),
            ),
            (
                "Why Small Caps matter",
                Some("https://typesetter.example/2026/11/small-caps"),
            ),
        ],
    );
}

#[test]
fn xml_base_and_relative_links() {
    assert_reads(
        "xml-base.xml",
        "Field Notes",
        &[
            (
                "Migrating birds over the estuary",
                Some("http://127.0.0.1/blog/2026/11/birds.html"),
            ),
            (
                "Photos: frost on the marsh",
                Some("http://photos.field-notes.example/albums/frost/"),
            ),
            ("About these notes", Some("http://127.0.0.1/about")),
            (
                "A link with its own base",
                Some("http://archive.field-notes.example/2025/winter.html"),
            ),
        ],
    );
    assert_eq!(
        read("xml-base.xml").unwrap().site_url.as_deref(),
        Some("http://127.0.0.1/blog/")
    );
}

#[test]
fn a_channel_without_items_has_its_title() {
    let feed = read("channel-only.xml").unwrap();
    assert_eq!(
        feed.title.as_deref(),
        Some("Harbour Master: Shipping Notices")
    );
    assert!(feed.entries.is_empty());
    assert_eq!(feed.ttl_secs, Some(7200));
}

#[test]
fn items_that_give_no_entry_are_an_error() {
    let err = read("items-empty.xml").unwrap_err().to_string();
    assert_eq!(
        err,
        "not a feed: 3 <item> elements but no entry: none has a title or an http(s) link"
    );
}
