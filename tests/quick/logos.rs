//! Source logos on real parts: a loopback server plays the sources' sites. A logo is taken
//! from the config, else the feed's own image, else the site's `/favicon.ico`; only real
//! raster images are kept (an SVG or an oversized file is refused); it is stored once as an
//! immutable asset the frontend serves, looked for rarely, and a failed refresh keeps it.

use std::collections::BTreeMap;

use axum::http::{StatusCode, header};
use newsdesk::fetcher::{SyncOptions, sync};
use newsdesk::frontend::Options;
use newsdesk::store::fetch_state::ShardState;
use newsdesk::store::{Key, Store};
use serde_json::Value;

use crate::support::{Behavior, FeedServer, api_headlines, app_on, get, memory_store};

fn png() -> Vec<u8> {
    newsdesk::render::site_files::FAVICON[22..].to_vec()
}

fn rss(name: &str, extra: &str) -> Vec<u8> {
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{name}</title>{extra}\
         <item><title>{name} news</title><link>https://{name}.example/1</link><guid>{name}-1</guid></item>\
         </channel></rss>"
    )
    .into_bytes()
}

fn image(body: Vec<u8>, content_type: &str) -> Behavior {
    Behavior::Custom {
        headers: vec![("content-type", content_type.to_string())],
        body,
    }
}

/// The `logo` of each source of `/api/headlines`, by title.
async fn logos(store: &Store) -> BTreeMap<String, Value> {
    let api = api_headlines(store).await;
    api["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["title"].as_str().unwrap().to_string(), s["logo"].clone()))
        .collect()
}

#[tokio::test]
async fn logos_come_from_config_feed_or_favicon_and_only_real_images_are_kept() {
    let server = FeedServer::start().await;
    // Another host for beta's site, whose root has a favicon (the main server's has none).
    let beta_site = FeedServer::start_on("127.0.0.2").await;
    let site = |p: &str| server.url(p);
    let feed = |b: Vec<u8>| Behavior::Feed {
        body: b,
        content_type: "application/rss+xml",
        etag: None,
    };
    // a: the config names a PNG. b: the feed names an SVG (refused), its site has an ICO.
    // c: nothing anywhere. d: the config names a file too large, its site has no favicon.
    server.set("/a.xml", feed(rss("alpha", "")));
    server.set("/logo.png", image(png(), "image/png"));
    let b_extra = format!(
        "<link>{}</link><image><url>{}</url><title>b</title><link>{}</link></image>",
        beta_site.url("/b/"),
        beta_site.url("/b/logo.svg"),
        beta_site.url("/b/")
    );
    server.set("/b.xml", feed(rss("beta", &b_extra)));
    beta_site.set(
        "/b/logo.svg",
        image(
            b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".to_vec(),
            "image/png",
        ),
    );
    beta_site.set(
        "/favicon.ico",
        image(
            newsdesk::render::site_files::FAVICON.to_vec(),
            "image/x-icon",
        ),
    );
    let c_extra = format!("<link>{}</link>", site("/c/"));
    server.set("/c.xml", feed(rss("gamma", &c_extra)));
    server.set("/d.xml", feed(rss("delta", &c_extra)));
    server.set("/huge.png", Behavior::Huge { len: 1 << 20 });

    let toml = format!(
        // beta's site (127.0.0.2) stands for a public host: only configured feed hosts may be
        // private, so it is listed.
        "[fetch]\nallow_private_networks = true\nallow_private_hosts = [\"127.0.0.2\"]\n\
         timeout_secs = 3\nconnect_timeout_secs = 2\n\n\
         [[sites]]\nname = \"test\"\ntitle = \"Test Report\"\nhosts = [\"test.example\"]\n\
         [[sites.feeds]]\nurl = \"{}\"\nlogo = \"{}\"\n\
         [[sites.feeds]]\nurl = \"{}\"\n\
         [[sites.feeds]]\nurl = \"{}\"\n\
         [[sites.feeds]]\nurl = \"{}\"\nlogo = \"{}\"\n",
        site("/a.xml"),
        site("/logo.png"),
        site("/b.xml"),
        site("/c.xml"),
        site("/d.xml"),
        site("/huge.png"),
    );
    let config = newsdesk::config::parse(&toml, "test").unwrap();
    let store = memory_store();
    let summary = sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(summary.logos_written, 2, "{summary}");

    let found = logos(&store).await;
    let alpha = found["alpha"].as_str().unwrap().to_string();
    assert!(
        alpha.starts_with("/assets/logo-") && alpha.ends_with(".png"),
        "{alpha}"
    );
    let beta = found["beta"].as_str().unwrap();
    assert!(
        beta.ends_with(".ico"),
        "the SVG is refused, the site's favicon taken: {beta}"
    );
    assert_eq!(found["gamma"], Value::Null, "no logo anywhere");
    assert_eq!(
        found["delta"],
        Value::Null,
        "a logo over the size cap is refused"
    );
    assert_eq!(beta_site.hits("/b/logo.svg"), 1);
    assert_eq!(
        server.hits("/c/favicon.ico"),
        0,
        "the favicon lives at the site's root"
    );
    assert_eq!(
        server.hits("/favicon.ico"),
        2,
        "gamma's and delta's last resort"
    );

    let stored: Vec<String> = store
        .list("assets/")
        .await
        .unwrap()
        .iter()
        .map(|m| m.location.to_string())
        .filter(|k| k.starts_with("assets/logo-"))
        .collect();
    assert_eq!(stored.len(), 2, "{stored:?}");

    // Served from the site, immutable, the same bytes; the page reserves its box.
    let app = app_on(&store, Options::default()).await;
    let logo = get(&app, &alpha, &[]).await;
    assert_eq!(logo.status, StatusCode::OK);
    assert_eq!(logo.headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(
        logo.headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(logo.body, png());
    let page = get(&app, "/", &[]).await.text();
    assert!(page.contains(&format!(
        "<img src=\"{alpha}\" alt=\"\" width=\"24\" height=\"24\">"
    )));
    assert_eq!(
        page.matches("<img").count(),
        2,
        "no broken image for sources without a logo"
    );

    // Looked for rarely: a forced pass fetches the feeds again but no logo, not even the
    // ones that failed (they wait for their backoff).
    let hits = || {
        [
            server.hits("/logo.png"),
            server.hits("/huge.png"),
            server.hits("/favicon.ico"),
            beta_site.hits("/b/logo.svg"),
            beta_site.hits("/favicon.ico"),
        ]
    };
    let before = hits();
    let forced = SyncOptions {
        force: true,
        ..Default::default()
    };
    sync(&config, &store, &forced).await.unwrap();
    assert_eq!(hits(), before);
    assert_eq!(server.hits("/a.xml"), 2);

    // When its time comes and the source fails, the stored logo stays.
    server.set("/logo.png", Behavior::Status(500));
    make_logos_due(&store).await;
    let summary = sync(&config, &store, &forced).await.unwrap();
    assert_eq!(summary.logos_written, 0);
    assert_eq!(server.hits("/logo.png"), 2);
    assert_eq!(logos(&store).await["alpha"].as_str(), Some(alpha.as_str()));
}

/// Moves every stored logo's next check into the past, as a week going by would.
async fn make_logos_due(store: &Store) {
    for meta in store.list(Key::FETCH_STATE_PREFIX).await.unwrap() {
        let label = meta
            .location
            .as_ref()
            .strip_prefix(Key::FETCH_STATE_PREFIX)
            .unwrap()
            .strip_suffix(".json")
            .unwrap()
            .to_string();
        let key = Key::FetchState(label);
        let mut state: ShardState = store.get_json(&key).await.unwrap().unwrap();
        for r in state.feeds.values_mut() {
            if let Some(logo) = &mut r.logo {
                logo.next_check = Some(chrono::Utc::now() - chrono::Duration::hours(1));
            }
        }
        newsdesk::store::fetch_state::save(store, &key, &state)
            .await
            .unwrap();
    }
}
