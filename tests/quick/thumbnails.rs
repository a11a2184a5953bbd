//! Summaries and thumbnails on real parts: a loopback server plays a news site whose feed
//! offers images in every way feeds do (`media:thumbnail`, `media:content`, an image
//! `enclosure`) and some that must be refused (an SVG passed off as a JPEG, a 50 MB poster, a
//! removed image), with summaries that are HTML, only markup, the title again, or megabytes
//! of content. Thumbnails are copied once, stored as assets the frontend serves, and the page
//! names only the copies; a bad image leaves its entry without one and the pass goes on.

use axum::http::{StatusCode, header};
use newsdesk::fetcher::{SyncOptions, sync};
use newsdesk::frontend::Options;
use newsdesk::store::Store;
use serde_json::Value;

use crate::support::{Behavior, FeedServer, app_on, get, memory_store};

fn png() -> Vec<u8> {
    newsdesk::render::site_files::FAVICON[22..].to_vec()
}

fn typed(body: Vec<u8>, content_type: &str) -> Behavior {
    Behavior::Custom {
        headers: vec![("content-type", content_type.to_string())],
        body,
    }
}

fn feed(body: Vec<u8>, etag: Option<&str>) -> Behavior {
    Behavior::Feed {
        body,
        content_type: "application/rss+xml",
        etag: etag.map(str::to_string),
    }
}

/// The media-news fixture, its long read's content `huge_bytes` long, its image paths moved
/// under `prefix`.
fn media_news(huge_bytes: usize, prefix: &str) -> Vec<u8> {
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/feeds/media-news.xml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let paragraph = "<p>Ice that took centuries to build is melting in decades. </p>";
    let huge = paragraph.repeat(huge_bytes / paragraph.len());
    text.replace("HUGE_CONTENT", &huge)
        .replace("\"/img/", &format!("\"{prefix}"))
        .into_bytes()
}

/// Each entry of the first source of `/api/headlines`, by title.
async fn entries(store: &Store) -> Vec<Value> {
    let api = crate::support::api_headlines(store).await;
    api["sources"][0]["entries"].as_array().unwrap().clone()
}

fn by_title<'a>(entries: &'a [Value], start: &str) -> &'a Value {
    entries
        .iter()
        .find(|e| e["title"].as_str().unwrap().starts_with(start))
        .unwrap_or_else(|| panic!("no entry {start:?} in {entries:?}"))
}

#[tokio::test]
async fn thumbnails_are_copied_once_and_pages_name_only_the_copies() {
    let server = FeedServer::start().await;
    server.set("/science.xml", feed(media_news(3 << 20, "/img/"), None));
    server.set("/img/sponge-140.png", typed(png(), "image/png"));
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".to_vec();
    server.set("/img/comet.jpg", typed(svg, "image/jpeg"));
    server.set("/img/atlantic-poster.jpg", Behavior::Huge { len: 50 << 20 });
    // The same feed at another address, for a box that does not want images.
    server.set("/plain.xml", feed(media_news(100, "/plain-img/"), None));
    server.set("/plain-img/sponge-140.png", typed(png(), "image/png"));
    // Both feeds carry the same stories; grouping would list each once in /feed.json, from
    // whichever feed saw it first, so it is off: this test is about the images.
    let toml = format!(
        "[fetch]\nallow_private_networks = true\ntimeout_secs = 5\nconnect_timeout_secs = 2\n\n\
         [[sites]]\nname = \"test\"\ntitle = \"Test\"\nhosts = [\"test.example\"]\n\
         url = \"https://news.example\"\nimages = true\n\
         group_stories = false\n\
         [[sites.feeds]]\nurl = \"{}\"\n\
         [[sites.feeds]]\nurl = \"{}\"\nimages = false\n",
        server.url("/science.xml"),
        server.url("/plain.xml"),
    );
    let config = newsdesk::config::parse(&toml, "test").unwrap();
    let store = memory_store();
    let summary = sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!((summary.fetched, summary.failed), (2, 0), "{summary}");

    let shown = entries(&store).await;
    assert_eq!(shown.len(), 6);
    let lead = by_title(&shown, "Deep-sea survey");
    assert_eq!(
        lead["summary"],
        "A six-week expedition off the Azores returned with 40 species never described before, including a glass sponge & three kinds of sea cucumber. Continue reading..."
    );
    let thumb = lead["image"]["url"].as_str().unwrap().to_string();
    assert!(
        thumb.starts_with("/assets/thumb.") && thumb.ends_with(".png"),
        "{thumb}"
    );
    let (w, h) = newsdesk::fetch::image::dimensions(&png()).unwrap();
    assert_eq!(
        (
            lead["image"]["width"].as_u64(),
            lead["image"]["height"].as_u64()
        ),
        (Some(u64::from(w)), Some(u64::from(h))),
        "the size is read from the image, not taken from the feed"
    );
    for refused in ["Comet", "Why the Atlantic", "Gallery"] {
        assert!(
            by_title(&shown, refused).get("image").is_none(),
            "{refused}: an SVG, a 50 MB file and a 404 give no image"
        );
    }
    assert!(
        by_title(&shown, "Gallery").get("summary").is_none(),
        "only markup"
    );
    assert!(
        by_title(&shown, "Podcast").get("summary").is_none(),
        "the title again"
    );
    let long = by_title(&shown, "Full text")["summary"].as_str().unwrap();
    assert!(
        long.starts_with("The Rhône glacier in August. Ice that took centuries")
            && long.ends_with('…')
            && long.chars().count() <= 300,
        "3 MB of content, a summary of at most 300 characters: {long}"
    );
    for path in [
        "/img/sponge-140.png",
        "/img/comet.jpg",
        "/img/atlantic-poster.jpg",
        "/img/removed.png",
    ] {
        assert_eq!(server.hits(path), 1, "{path}");
    }
    assert_eq!(
        server.hits("/img/sponge-1200.jpg"),
        0,
        "one image per entry"
    );
    assert_eq!(
        server.hits("/audio/dark-matter.mp3"),
        0,
        "audio is no image"
    );
    assert_eq!(
        server.hits("/plain-img/sponge-140.png"),
        0,
        "images = false"
    );

    // The page: the copy with its size, lazily; the summary as text; nothing from the feed's
    // server.
    let app = app_on(&store, Options::default()).await;
    let page = get(&app, "/", &[]).await.text();
    assert!(page.contains(&format!(
        "<img src=\"{thumb}\" width=\"{w}\" height=\"{h}\" loading=\"lazy\" alt=\"\">"
    )));
    assert_eq!(page.matches("<img src=\"/assets/thumb.").count(), 1);
    assert!(!page.contains(&server.url("/img/")), "no hotlinked image");
    assert!(page.contains(
        "<span class=\"sum\">A six-week expedition off the Azores returned with 40 species never described before, including a glass sponge &amp; three kinds of sea cucumber."
    ));
    let served = get(&app, &thumb, &[]).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(served.body, png());
    let json_feed: Value = get(&app, "/feed.json", &[]).await.json();
    let item = json_feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["image"].is_string())
        .unwrap();
    assert_eq!(item["image"], format!("https://news.example{thumb}"));
    assert!(item["summary"].as_str().unwrap().starts_with("A six-week"));

    // Once: a forced pass fetches the feed again but no image, not even the failed ones,
    // which wait for their backoff.
    let forced = SyncOptions {
        force: true,
        ..Default::default()
    };
    sync(&config, &store, &forced).await.unwrap();
    assert_eq!(server.hits("/science.xml"), 2);
    for path in ["/img/sponge-140.png", "/img/comet.jpg", "/img/removed.png"] {
        assert_eq!(server.hits(path), 1, "{path}");
    }
    assert_eq!(
        by_title(&entries(&store).await, "Deep-sea")["image"]["url"],
        thumb.as_str()
    );
}

#[tokio::test]
async fn a_feed_of_ten_thousand_items_copies_a_bounded_number_per_pass() {
    let server = FeedServer::start().await;
    let mut items = String::new();
    for i in 0..10_000 {
        items.push_str(&format!(
            "<item><title>Story {i}</title><link>https://big.example/{i}</link>\
             <description>Summary of story {i}, in a few words.</description>\
             <media:thumbnail url=\"/t/{i}.png\"/></item>"
        ));
    }
    let body = format!(
        "<rss version=\"2.0\" xmlns:media=\"http://search.yahoo.com/mrss/\"><channel>\
         <title>Big</title>{items}</channel></rss>"
    );
    server.set("/big.xml", feed(body.into_bytes(), Some("\"big\"")));
    for i in 0..40 {
        server.set(&format!("/t/{i}.png"), typed(png(), "image/png"));
    }
    let toml = format!(
        "[fetch]\nallow_private_networks = true\ntimeout_secs = 10\nconnect_timeout_secs = 2\n\n\
         [[sites]]\nname = \"test\"\ntitle = \"Test\"\nhosts = [\"test.example\"]\n\
         [[sites.feeds]]\nurl = \"{}\"\nimages = true\nhistory = 25\n",
        server.url("/big.xml"),
    );
    let config = newsdesk::config::parse(&toml, "test").unwrap();
    let store = memory_store();
    let image_hits = || {
        (0..10_000)
            .map(|i| server.hits(&format!("/t/{i}.png")))
            .sum::<usize>()
    };
    sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(image_hits(), 10, "at most 10 copies per feed and pass");
    let shown = entries(&store).await;
    assert_eq!(shown.len(), 25);
    assert_eq!(shown.iter().filter(|e| e["image"].is_object()).count(), 10);
    assert!(shown.iter().all(|e| e["summary"].is_string()));

    // The feed is not modified, but copies are due: the next passes go on, 10 at a time, and
    // stop at the entries a site shows.
    let forced = SyncOptions {
        force: true,
        ..Default::default()
    };
    for expected in [20, 25, 25] {
        sync(&config, &store, &forced).await.unwrap();
        assert_eq!(image_hits(), expected);
    }
    assert_eq!(server.hits("/big.xml"), 4);
    let shown = entries(&store).await;
    assert_eq!(shown.iter().filter(|e| e["image"].is_object()).count(), 25);
    assert!(
        (0..25).all(|i| server.hits(&format!("/t/{i}.png")) == 1),
        "the newest first, each once"
    );
}
