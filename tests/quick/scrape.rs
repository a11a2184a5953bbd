//! Pages without a feed (`[sites.feeds.scrape]`, issue #18 item 1), end to end: a loopback
//! server serves HTML fixtures, a sync reads them with the configured selectors into a
//! `memory://` store, and the frontend serves the stories like any feed's; conditional GET,
//! failures that keep the last good entries, and bad pages that fail alone.

use newsdesk::config::Config;
use newsdesk::fetcher::{SyncOptions, sync};
use newsdesk::frontend::Options;
use newsdesk::store::Store;

use crate::support::{
    Behavior, FeedServer, api_headlines, app_on, config_toml, force, generated_rss, get,
    memory_store as store,
};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/scrape/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn html(body: Vec<u8>, etag: &str) -> Behavior {
    Behavior::Feed {
        body,
        content_type: "text/html; charset=utf-8",
        etag: Some(etag.into()),
    }
}

/// The test site with `feeds` (plain feed URLs) and then the news section page at `page`.
fn config(feeds: &[String], page: &str, extra_fetch: &str) -> Config {
    let mut toml = config_toml(feeds).replacen("[fetch]\n", &format!("[fetch]\n{extra_fetch}"), 1);
    toml.push_str(&format!(
        r#"
[[sites.feeds]]
url = "{page}"
title = "Herald Tech"
[sites.feeds.scrape]
item = "main article"
title = "h2 a"
date = "time"
link_pattern = "/tech/"
"#
    ));
    newsdesk::config::parse(&toml, "test").unwrap()
}

const STORIES: [&str; 4] = [
    "Chipmaker unveils 2 nm process, promises 30% less power",
    "City council votes to put fibre in every school by 2028",
    "Review: the Pocket 5 is small, fast &amp; a little too hot",
    "Open-source office suite reaches 10 million users",
];

/// The scraped source's titles in `/api/headlines`, and the whole source.
async fn scraped(store: &Store) -> (Vec<String>, serde_json::Value) {
    let json = api_headlines(store).await;
    let source = json["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["title"] == "Herald Tech")
        .expect("the scraped source is listed")
        .clone();
    let titles = source["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap().to_string())
        .collect();
    (titles, source)
}

#[tokio::test]
async fn a_scraped_page_is_published_like_a_feed_and_refetched_conditionally() {
    let server = FeedServer::start().await;
    server.set("/tech/", html(fixture("news-section.html"), "\"v1\""));
    server.set(
        "/rss.xml",
        Behavior::Feed {
            body: generated_rss("plain", 2),
            content_type: "application/rss+xml",
            etag: Some("\"r1\"".into()),
        },
    );
    let page = server.url("/tech/");
    let (config, store) = (config(&[server.url("/rss.xml")], &page, ""), store());
    let s = sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!((s.fetched, s.failed), (2, 0), "{s}: {:?}", s.failures);
    assert_eq!(s.new_entries, 4 + 2, "{s}");
    assert_eq!(s.sites_published, 1);

    let app = app_on(&store, Options::default()).await;
    let reply = get(&app, "/", &[]).await;
    assert_eq!(reply.status, 200);
    let page_html = reply.text();
    for title in STORIES {
        assert!(page_html.contains(title), "page lacks {title:?}");
    }
    assert!(
        !page_html.contains("Esports final") && !page_html.contains("VPN"),
        "link_pattern keeps only /tech/ stories"
    );
    assert!(
        page_html.contains(&format!("href=\"{}2026/11/23/chipmaker-2nm\"", page)),
        "relative links are resolved against the page"
    );

    let (titles, source) = scraped(&store).await;
    assert_eq!(titles, STORIES.map(|t| t.replace("&amp;", "&")));
    let entries = source["entries"].as_array().unwrap();
    assert_eq!(
        entries[0]["link"],
        format!("{page}2026/11/23/chipmaker-2nm")
    );
    assert_eq!(entries[0]["published"], "2026-11-23T09:15:00Z");
    assert_eq!(
        entries[1]["link"],
        "https://www.dailyherald.example/tech/2026/11/22/fibre-schools"
    );
    assert_eq!(entries[1]["published"], "2026-11-22T17:40:00Z");
    assert!(source["error"].is_null());
    assert_eq!(source["site_url"], page, "the box links to the page itself");

    // The page has not changed: the validator is sent and a 304 changes nothing.
    let s = sync(&config, &store, &force()).await.unwrap();
    assert_eq!(s.not_modified, 2, "{s}");
    assert_eq!(s.sites_published, 0, "{s}");
    assert_eq!(server.hits("/tech/"), 2);
    assert_eq!(
        server.last_header("/tech/", "if-none-match").as_deref(),
        Some("\"v1\"")
    );

    // A new story on the page: merged into the history, first seen now.
    let updated = String::from_utf8(fixture("news-section.html")).unwrap().replacen(
        "<article class=\"story story--lead\">",
        "<article class=\"story\"><h2><a href=\"/tech/2026/11/23/new\">A brand new story</a></h2></article>\n    <article class=\"story story--lead\">",
        1,
    );
    server.set("/tech/", html(updated.into_bytes(), "\"v2\""));
    let s = sync(&config, &store, &force()).await.unwrap();
    assert_eq!((s.fetched, s.new_entries), (1, 1), "{s}");
    let (titles, _) = scraped(&store).await;
    assert_eq!(titles.len(), 5);
    assert!(
        titles.contains(&"A brand new story".to_string()),
        "{titles:?}"
    );
}

#[tokio::test]
async fn a_page_that_stops_matching_keeps_its_last_good_stories_and_reports_parse() {
    let server = FeedServer::start().await;
    server.set("/tech/", html(fixture("news-section.html"), "\"v1\""));
    let page = server.url("/tech/");
    let (config, store) = (config(&[], &page, ""), store());
    sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();

    // A redesign: the stories are no longer <article>s.
    let redesigned = String::from_utf8(fixture("news-section.html"))
        .unwrap()
        .replace("<article", "<div")
        .replace("</article>", "</div>");
    server.set("/tech/", html(redesigned.into_bytes(), "\"v2\""));
    let s = sync(&config, &store, &force()).await.unwrap();
    assert_eq!(s.failed, 1, "{s}");
    assert_eq!(s.failures[0].1.kind, "parse");
    assert_eq!(
        s.failures[0].1.message,
        "no stories on the page: no element matches the item selector \"main article\""
    );

    let (titles, source) = scraped(&store).await;
    assert_eq!(
        titles,
        STORIES.map(|t| t.replace("&amp;", "&")),
        "the last good stories stay"
    );
    assert_eq!(source["error_kind"], "parse");
    let app = app_on(&store, Options::default()).await;
    let page_html = get(&app, "/", &[]).await.text();
    assert!(
        page_html.contains("Could not be loaded: no stories were found on the page"),
        "readers are told in plain words"
    );
    assert!(page_html.contains(STORIES[0]));

    // The next good page clears the error.
    server.set("/tech/", html(fixture("news-section.html"), "\"v3\""));
    let s = sync(&config, &store, &force()).await.unwrap();
    assert_eq!((s.fetched, s.failed), (1, 0), "{s}");
    assert!(scraped(&store).await.1["error"].is_null());
}

#[tokio::test]
async fn bad_pages_fail_alone_and_say_what_they_are() {
    let server = FeedServer::start().await;
    server.set(
        "/rss.xml",
        Behavior::Feed {
            body: generated_rss("ok", 3),
            content_type: "application/rss+xml",
            etag: None,
        },
    );
    // JSON where a page was expected, then a page over the body cap.
    server.set(
        "/tech/",
        Behavior::Feed {
            body: br#"{"error": "use the app"}"#.to_vec(),
            content_type: "application/json",
            etag: None,
        },
    );
    let page = server.url("/tech/");
    let config = config(
        &[server.url("/rss.xml")],
        &page,
        "max_body_bytes = 200000\n",
    );
    let store = store();
    let s = sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!((s.fetched, s.failed), (1, 1), "{s}");
    assert_eq!(s.failures[0].1.kind, "parse");
    assert_eq!(
        s.failures[0].1.message,
        "not an HTML page: the body is JSON"
    );

    server.set("/tech/", Behavior::Huge { len: 1_000_000 });
    let s = sync(&config, &store, &force()).await.unwrap();
    assert_eq!(s.failed, 1, "{s}");
    assert_eq!(
        s.failures[0].1.kind, "too-large",
        "the fetch cap bounds a page"
    );
    let json = api_headlines(&store).await;
    let plain = &json["sources"][0];
    assert_eq!(plain["entries"].as_array().unwrap().len(), 3);
    assert!(plain["error"].is_null(), "the feed beside it is fine");
}

#[tokio::test]
async fn a_page_of_ten_thousand_items_is_cut_to_the_history() {
    let server = FeedServer::start().await;
    let items: String = (0..10_000)
        .map(|i| {
            format!(
                "<article><h2><a href=\"/tech/{i}\">Story {i}</a></h2><time>bad</time></article>"
            )
        })
        .collect();
    server.set(
        "/tech/",
        html(
            format!("<html><body><main>{items}</main></body></html>").into_bytes(),
            "\"big\"",
        ),
    );
    let page = server.url("/tech/");
    let (config, store) = (config(&[], &page, "history = 25\n"), store());
    let s = sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!((s.fetched, s.new_entries), (1, 25), "{s}");
    let (titles, _) = scraped(&store).await;
    assert_eq!(titles.len(), 25);
    assert_eq!(
        titles[0], "Story 0",
        "undated stories keep the page's order"
    );
}

#[tokio::test]
async fn a_page_gets_the_ssrf_guard_of_feeds() {
    let server = FeedServer::start().await;
    server.set("/tech/", html(fixture("news-section.html"), "\"v1\""));
    let page = server.url("/tech/");
    let mut config = config(&[], &page, "");
    config.fetch.allow_private_networks = false;
    let s = sync(&config, &store(), &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(s.failed, 1, "{s}");
    assert_eq!(s.failures[0].1.kind, "blocked");
    assert_eq!(
        server.hits("/tech/"),
        0,
        "no request reached the loopback page"
    );
}

#[tokio::test]
async fn scrape_selectors_give_summaries_and_thumbnails_copied_like_a_feeds() {
    let server = FeedServer::start().await;
    server.set("/tech/", html(fixture("news-section.html"), "\"v1\""));
    // The lead story's image, named relative to the page; the copy is what pages show.
    let png = newsdesk::render::site_files::FAVICON[22..].to_vec();
    server.set(
        "/img/chip.jpg",
        Behavior::Custom {
            headers: vec![("content-type", "image/png".to_string())],
            body: png.clone(),
        },
    );
    let page = server.url("/tech/");
    let mut toml = config_toml(&[]);
    toml.push_str(&format!(
        r#"
[[sites.feeds]]
url = "{page}"
title = "Herald Tech"
images = true
[sites.feeds.scrape]
item = "main article"
title = "h2 a"
date = "time"
link_pattern = "/tech/"
summary = ".story__standfirst"
image = ".story__image img"
"#
    ));
    let config = newsdesk::config::parse(&toml, "test").unwrap();
    let store = store();
    let s = sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!((s.fetched, s.failed), (1, 0), "{s}: {:?}", s.failures);
    assert_eq!(server.hits("/img/chip.jpg"), 1, "the image is fetched once");

    let (_, source) = scraped(&store).await;
    let entries = source["entries"].as_array().unwrap();
    let lead = &entries[0];
    assert_eq!(lead["title"], STORIES[0]);
    assert_eq!(
        lead["summary"],
        "The first chips are due next spring, but analysts doubt the yields."
    );
    let thumb = lead["image"]["url"].as_str().unwrap().to_string();
    assert!(
        thumb.starts_with("/assets/thumb.") && thumb.ends_with(".png"),
        "{thumb}"
    );
    let (w, h) = newsdesk::fetch::image::dimensions(&png).unwrap();
    assert_eq!(
        (
            lead["image"]["width"].as_u64(),
            lead["image"]["height"].as_u64()
        ),
        (Some(u64::from(w)), Some(u64::from(h)))
    );
    for other in &entries[1..] {
        assert!(other.get("summary").is_none(), "{other}");
        assert!(other.get("image").is_none(), "{other}");
    }

    let app = app_on(&store, Options::default()).await;
    let page_html = get(&app, "/", &[]).await.text();
    assert!(
        page_html.contains(&format!("src=\"{thumb}\"")),
        "the page shows the copy"
    );
    assert!(
        !page_html.contains("chip.jpg"),
        "and never the site's own image"
    );
    assert!(page_html.contains("analysts doubt the yields"));
    let copy = get(&app, &thumb, &[]).await;
    assert_eq!(copy.status, 200);
    assert_eq!(copy.body, png);

    // The next pass finds the page unchanged and fetches no image again.
    sync(&config, &store, &force()).await.unwrap();
    assert_eq!(server.hits("/img/chip.jpg"), 1);
}
