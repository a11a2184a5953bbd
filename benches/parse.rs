//! CPU per feed of the fetcher's content path: parse + normalize + merge + render, for 1000
//! generated feeds of 40 entries (RSS 2.0 and Atom, HTML descriptions, entities, CDATA), each
//! entry's summary made from its description. Then CPU per scraped page: 200 generated news
//! section pages of 40 stories read with `[sites.feeds.scrape]` selectors (title, link, date,
//! summary, image) and merged.
//!
//! `cargo bench --bench parse -- [--rounds N] [--write DIR]`: `--write` also saves the feeds so
//! another parser (scripts/bench-parse.sh runs Python feedparser) measures the very same bytes.
//! Time is the thread's CPU time (from procfs, ns), the median over rounds, divided by 1000.

use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use newsdesk::feed::{decode_charset, merge::merge, parse};
use newsdesk::model::Entry;
use newsdesk::render::{EntryView, Inputs, SourceView, publication};
use url::Url;

/// The fetcher's allocator, so the figures are the binary's.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const FEEDS: usize = 1000;
const ENTRIES: usize = 40;
/// Sources per rendered site, as on a LinuxReport page.
const PER_SITE: usize = 25;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this as a one-round smoke test.
    let default_rounds = if args.iter().any(|a| a == "--bench") {
        7
    } else {
        1
    };
    let rounds: usize = arg("--rounds").map_or(default_rounds, |r| r.parse().expect("--rounds N"));
    let feeds: Vec<Vec<u8>> = (0..FEEDS).map(generate).collect();
    if let Some(dir) = arg("--write") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (i, f) in feeds.iter().enumerate() {
            std::fs::write(dir.join(format!("feed{i:04}.xml")), f).unwrap();
        }
    }
    let bytes: usize = feeds.iter().map(Vec::len).sum();
    let sites: Vec<_> = (0..FEEDS / PER_SITE).map(site).collect();
    let now: DateTime<Utc> = "2026-11-23T12:00:00Z".parse().unwrap();
    // The stored history: the same feeds an hour earlier, half of their entries not yet there.
    let stored: Vec<Vec<Entry>> = feeds
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let mut e = parse(f, &base(i), now - Duration::hours(1))
                .unwrap()
                .entries;
            e.drain(..ENTRIES / 2);
            e
        })
        .collect();

    // (total, of which rendering) per round, in ns
    let mut per_round = vec![];
    let mut checksum = 0usize;
    for _ in 0..rounds {
        let start = thread_cpu_ns();
        let mut views = Vec::with_capacity(FEEDS);
        for (i, body) in feeds.iter().enumerate() {
            let body = decode_charset(body, Some("utf-8"));
            let parsed = parse(&body, &base(i), now).expect("generated feeds parse");
            let merged = merge(&stored[i], parsed.entries, ENTRIES);
            views.push(view(i, parsed.title, merged));
        }
        let render_start = thread_cpu_ns();
        for (site, views) in sites.iter().zip(views.chunks(PER_SITE)) {
            let inputs = Inputs {
                sources: views,
                ..Default::default()
            };
            let rendered = publication(site, &inputs).unwrap();
            checksum += rendered
                .objects
                .iter()
                .map(|o| o.bytes.len())
                .sum::<usize>();
        }
        let end = thread_cpu_ns();
        per_round.push((end - start, end - render_start));
    }
    assert!(checksum > 0);
    per_round.sort_unstable();
    let (median, render) = per_round[per_round.len() / 2];
    let us_per_feed = |ns: u64| ns as f64 / 1e3 / FEEDS as f64;
    println!(
        "rust parse+normalize+merge+render: {FEEDS} feeds x {ENTRIES} entries ({:.1} MB), {rounds} rounds, median {:.1} ms/round, {:.1} us CPU per feed ({:.1} of them rendering)",
        bytes as f64 / 1e6,
        median as f64 / 1e6,
        us_per_feed(median),
        us_per_feed(render),
    );
    println!("rust_us_per_feed={:.2}", us_per_feed(median));
    scraped_pages(rounds, now);
}

const PAGES: usize = 200;

/// CPU per scraped page: selectors over the parsed HTML, summaries, image URLs, merge.
fn scraped_pages(rounds: usize, now: DateTime<Utc>) {
    let cfg: newsdesk::config::ScrapeConfig = toml::from_str(
        "item = \"main article\"\ntitle = \"h2 a\"\ndate = \"time\"\nsummary = \".standfirst\"\nimage = \"img\"\n",
    )
    .unwrap();
    let pages: Vec<Vec<u8>> = (0..PAGES).map(news_page).collect();
    let bytes: usize = pages.iter().map(Vec::len).sum();
    let mut per_round = vec![];
    let mut stories = 0usize;
    for _ in 0..rounds {
        let start = thread_cpu_ns();
        for (i, page) in pages.iter().enumerate() {
            let parsed = newsdesk::feed::scrape::parse(page, &base(i), now, &cfg).unwrap();
            stories += merge(&[], parsed.entries, ENTRIES)
                .iter()
                .filter(|e| e.summary.is_some() && e.image.is_some())
                .count();
        }
        per_round.push(thread_cpu_ns() - start);
    }
    assert_eq!(stories, rounds * PAGES * ENTRIES);
    per_round.sort_unstable();
    let median = per_round[per_round.len() / 2];
    let us_per_page = median as f64 / 1e3 / PAGES as f64;
    println!(
        "rust scrape+summaries+merge: {PAGES} pages x {ENTRIES} stories ({:.1} MB), {rounds} rounds, {:.1} us CPU per page",
        bytes as f64 / 1e6,
        us_per_page
    );
    println!("rust_us_per_scraped_page={us_per_page:.2}");
}

/// A news section page like tests/fixtures/scrape/news-section.html: masthead, navigation, 40
/// articles with picture, headline, byline, date and standfirst, an aside, a footer.
fn news_page(i: usize) -> Vec<u8> {
    let mut out = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Technology – Source {i}</title>\
         <link rel=\"stylesheet\" href=\"/static/site.css\"><script>window.dataLayer=[];</script></head><body>\
         <header><a href=\"/\">Source {i}</a><nav><ul><li><a href=\"/news/\">News</a></li><li><a href=\"/tech/\">Tech</a></li>\
         <li><a href=\"/sport/\">Sport</a></li></ul></nav></header><main>"
    );
    for k in 0..ENTRIES {
        out.push_str(&format!(
            "<article class=\"story\"><a class=\"pic\" href=\"/tech/2026/11/{k}\"><img src=\"/img/{k}.jpg\" alt=\"\" width=\"320\" height=\"180\"></a>\
             <h2><a href=\"/tech/2026/11/{k}\">Story {k} of source {i}: the &quot;new&quot; chip &amp; its trade-offs</a></h2>\
             <p class=\"byline\">By Writer {k} &middot; <time datetime=\"2026-11-{:02}T{:02}:00:00Z\">{} November</time></p>\
             <p class=\"standfirst\">The {k}th story: a paragraph of summary text with <em>emphasis</em> and \
             some more words to make it the length of a typical standfirst on a news site.</p></article>",
            28 - k % 28,
            k % 24,
            28 - k % 28
        ));
    }
    out.push_str(
        "</main><aside><h3>Most read</h3><ol><li><a href=\"/x\">Elsewhere</a></li></ol></aside>\
         <footer><p>&copy; 2026</p></footer></body></html>",
    );
    out.into_bytes()
}

fn base(i: usize) -> Url {
    Url::parse(&format!("https://source{i}.example/feed.xml")).unwrap()
}

fn site(n: usize) -> newsdesk::config::SiteConfig {
    let mut toml = format!("[[sites]]\nname = \"site{n}\"\ntitle = \"Site {n}\"\n");
    for i in 0..PER_SITE {
        toml.push_str(&format!(
            "[[sites.feeds]]\nurl = \"https://source{}.example/feed.xml\"\n",
            n * PER_SITE + i
        ));
    }
    newsdesk::config::parse(&toml, "bench")
        .unwrap()
        .sites
        .remove(0)
}

fn view(i: usize, title: Option<String>, entries: Vec<Entry>) -> SourceView {
    SourceView {
        id: newsdesk::model::feed_id(base(i).as_str()),
        title: title.unwrap_or_default(),
        url: base(i).to_string(),
        site_url: Some(format!("https://source{i}.example/")),
        link: Some(format!("https://source{i}.example/")),
        logo: None,
        last_success: None,
        error: None,
        error_reason: None,
        error_kind: None,
        entries: entries
            .into_iter()
            .map(|e| EntryView {
                title: e.title,
                link: e.link,
                published: e.published,
                summary: e.summary,
                image: None,
                first_seen: Some(e.first_seen),
                story: None,
            })
            .collect(),
    }
}

/// One feed, deterministic in `i`: every third one Atom, the others RSS 2.0.
fn generate(i: usize) -> Vec<u8> {
    // Days of November 2026, whose 1st is a Sunday; `k` hours back in time.
    let day = |k: usize| 28 - (k / 24) % 28;
    let mut out = String::new();
    if i.is_multiple_of(3) {
        out.push_str(&format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\
             <title>Source {i} &amp; friends</title><link href=\"https://source{i}.example/\"/>\
             <id>urn:source:{i}</id><updated>2026-11-23T12:00:00Z</updated>\n"
        ));
        for k in 0..ENTRIES {
            out.push_str(&format!(
                "<entry><id>urn:source:{i}:{k}</id><title type=\"html\">Story {k} of source {i}: \
                 &lt;em&gt;kernel&lt;/em&gt; release brings faster I/O &amp;amp; fixes</title>\
                 <link rel=\"alternate\" href=\"/2026/11/story-{k}.html\"/>\
                 <updated>2026-11-{:02}T{:02}:{:02}:00Z</updated><author><name>Writer {k}</name></author>\
                 <summary type=\"html\">&lt;p&gt;The {k}th story: a paragraph of summary text with a \
                 &lt;a href=\"https://elsewhere.example/{k}\"&gt;link&lt;/a&gt; and some more words to \
                 make it the length of a typical teaser in a news feed.&lt;/p&gt;</summary></entry>\n",
                day(k),
                k % 24,
                (k * 7) % 60
            ));
        }
        out.push_str("</feed>\n");
    } else {
        out.push_str(&format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" \
             xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>Source {i} News</title>\
             <link>https://source{i}.example/</link><description>All the news from source {i}</description>\
             <ttl>60</ttl>\n"
        ));
        for k in 0..ENTRIES {
            out.push_str(&format!(
                "<item><title>Source {i} story {k}: maintainers discuss the &quot;new&quot; scheduler \
                 &amp; its trade-offs</title><link>https://source{i}.example/news/{k}</link>\
                 <guid isPermaLink=\"false\">source-{i}-{k}</guid><dc:creator>Writer {k}</dc:creator>\
                 <pubDate>{}, {:02} Nov 2026 {:02}:{:02}:00 GMT</pubDate><description><![CDATA[<p>The {k}th \
                 story: a paragraph of summary text with a <a href=\"https://elsewhere.example/{k}\">link</a> \
                 and some more words to make it the length of a typical teaser.</p>]]></description></item>\n",
                ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][(day(k) - 1) % 7],
                day(k),
                k % 24,
                (k * 7) % 60
            ));
        }
        out.push_str("</channel></rss>\n");
    }
    out.into_bytes()
}

/// CPU time of this thread in ns: the first field of /proc/thread-self/schedstat.
fn thread_cpu_ns() -> u64 {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").expect("Linux procfs");
    s.split_whitespace().next().unwrap().parse().unwrap()
}
