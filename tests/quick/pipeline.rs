//! End to end on real parts: a loopback HTTP server serves fixture feeds, the fetcher syncs them
//! into a store, and the frontend router answers from what was published.

use axum::http::{StatusCode, header};
use newsdesk::fetcher::{SyncOptions, sync};
use newsdesk::frontend::Options;
use newsdesk::store::{Role, Store};

use crate::support::{Behavior, FeedServer, Reply, app_on, config_for, get, memory_store};

async fn fixture_server() -> (FeedServer, Vec<String>) {
    let server = FeedServer::start().await;
    server.fixture("/rss2.xml", "rss2.xml");
    server.fixture("/atom.xml", "atom.xml");
    server.fixture("/feed.json", "jsonfeed.json");
    server.set("/broken.xml", Behavior::Status(500));
    let urls = ["/rss2.xml", "/atom.xml", "/feed.json", "/broken.xml"]
        .map(|p| server.url(p))
        .to_vec();
    (server, urls)
}

#[tokio::test]
async fn sync_publishes_a_page_the_frontend_serves() {
    let (_server, urls) = fixture_server().await;
    let store = memory_store();
    let summary = sync(&config_for(&urls), &store, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!((summary.fetched, summary.failed), (3, 1), "{summary}");
    assert_eq!(summary.sites_published, 1);

    let app = app_on(&store, Options::default()).await;
    let Reply {
        status,
        headers,
        body,
    } = get(&app, "/", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
    let html = String::from_utf8(body).unwrap();
    for title in [
        "Linux 6.18 released with new scheduler",
        "GNOME 50 ships with HDR",
        "Fedora 45 beta is out",
        "Kernel Weekly",
    ] {
        assert!(html.contains(title), "page lacks {title:?}");
    }
    assert!(
        html.contains("href=\"http://127.0.0.1"),
        "relative links made absolute against the feed URL"
    );
    assert!(!html.contains("<script>alert"), "feed text is escaped");
    assert!(
        !html.contains("javascript:"),
        "only http(s) links reach the page"
    );
    assert!(
        html.contains("Could not be loaded: the server answered HTTP 500"),
        "the broken feed says so"
    );
    assert!(
        !html.contains("Internal Server Error"),
        "the raw error is for /api/headlines, not readers"
    );

    let Reply {
        status,
        headers,
        body,
    } = get(&app, "/api/headlines", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["site"], "test");
    let sources = json["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 4);
    assert_eq!(
        sources[0]["url"],
        serde_json::Value::Null,
        "a feed on a private address is not named"
    );
    assert_eq!(sources[0]["title"], "Kernel Weekly");
    assert_eq!(sources[0]["site_url"], "https://kernel-weekly.example/");
    assert_eq!(
        sources[0]["entries"][0]["title"],
        "Linux 6.18 released with new scheduler"
    );
    assert_eq!(
        sources[0]["entries"][0]["published"],
        "2026-11-22T18:00:00Z"
    );
    assert!(sources[0]["last_success"].is_string());
    assert!(sources[0]["error"].is_null());
    assert_eq!(sources[3]["error"], "HTTP 500 Internal Server Error");
    assert!(chrono::DateTime::parse_from_rfc3339(json["generated_at"].as_str().unwrap()).is_ok());
}

#[tokio::test]
async fn hashed_assets_are_served_immutable_and_other_names_are_not() {
    let (_server, urls) = fixture_server().await;
    let store = memory_store();
    sync(&config_for(&urls), &store, &SyncOptions::default())
        .await
        .unwrap();
    let app = app_on(&store, Options::default()).await;
    let css = newsdesk::assets::urls()["style.css"].clone();
    let Reply {
        status,
        headers,
        body,
    } = get(&app, &css, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(headers[header::CONTENT_TYPE], "text/css; charset=utf-8");
    assert!(String::from_utf8(body).unwrap().contains("--bg"));
    for bad in [
        "/assets/style.css",
        "/assets/..%2fsites.json",
        "/assets/style.0123456789abcdef.css",
    ] {
        assert_eq!(
            get(&app, bad, &[]).await.status,
            StatusCode::NOT_FOUND,
            "{bad}"
        );
    }
}

#[tokio::test]
async fn a_broken_feed_keeps_its_last_good_entries() {
    let (server, urls) = fixture_server().await;
    let store = memory_store();
    let config = config_for(&urls);
    sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();
    server.set(
        "/rss2.xml",
        Behavior::Feed {
            body: b"<html>oops</html>".to_vec(),
            content_type: "text/html",
            etag: None,
        },
    );
    let force = SyncOptions {
        force: true,
        ..Default::default()
    };
    let summary = sync(&config, &store, &force).await.unwrap();
    assert_eq!(summary.failed, 2, "{summary}");

    let app = app_on(&store, Options::default()).await;
    let json: serde_json::Value =
        serde_json::from_slice(&get(&app, "/api/headlines", &[]).await.body).unwrap();
    let kernel = &json["sources"][0];
    assert!(
        kernel["error"].as_str().unwrap().starts_with("not a feed"),
        "{kernel}"
    );
    assert_eq!(
        kernel["entries"].as_array().unwrap().len(),
        3,
        "last good entries kept"
    );
    assert_eq!(
        json["sources"][1]["entries"].as_array().unwrap().len(),
        2,
        "other feeds unaffected"
    );
}

#[tokio::test]
async fn a_pass_without_news_publishes_no_page_objects() {
    let (server, urls) = fixture_server().await;
    let store = memory_store();
    let config = config_for(&urls);
    let first = sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();
    assert!(first.publish.objects_written > 10);
    let force = SyncOptions {
        force: true,
        ..Default::default()
    };
    let second = sync(&config, &store, &force).await.unwrap();
    assert_eq!(
        second.not_modified, 3,
        "validators were sent back: {second}"
    );
    assert_eq!(server.hits("/rss2.xml"), 2);
    assert_eq!(second.publish.objects_written, 0, "{second}");
    assert!(second.state_objects_written <= 2, "{second}");
    assert_eq!(second.sites_published, 0);
}

#[tokio::test]
async fn feeds_not_due_are_not_fetched_again() {
    let (server, urls) = fixture_server().await;
    let store = memory_store();
    let config = config_for(&urls);
    sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();
    let again = sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(again.not_due, 4, "{again}");
    assert_eq!(server.total_hits(), 4, "no early re-fetch");
    assert_eq!(
        again.publish.objects_written + again.state_objects_written,
        0,
        "{again}"
    );
}

#[tokio::test]
async fn state_lives_in_the_store_so_another_fetcher_continues() {
    let (server, urls) = fixture_server().await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}/bucket", dir.path().display());
    let config = config_for(&urls);
    sync(
        &config,
        &Store::open(&url, Role::Fetcher).unwrap(),
        &SyncOptions::default(),
    )
    .await
    .unwrap();
    // A second "machine": a fresh Store handle, nothing in memory.
    let force = SyncOptions {
        force: true,
        ..Default::default()
    };
    let s = sync(&config, &Store::open(&url, Role::Fetcher).unwrap(), &force)
        .await
        .unwrap();
    assert_eq!(s.not_modified, 3, "ETags came from the bucket: {s}");
    assert_eq!(server.hits("/atom.xml"), 2);
    let app = app_on(
        &Store::open(&url, Role::Frontend).unwrap(),
        Options::default(),
    )
    .await;
    let Reply { status, body, .. } = get(&app, "/", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        String::from_utf8(body)
            .unwrap()
            .contains("KDE Plasma 7 beta")
    );
}

#[tokio::test]
async fn loopback_feeds_are_refused_without_opt_in_and_make_no_connection() {
    let (server, urls) = fixture_server().await;
    let mut config = config_for(&urls[..1]);
    config.fetch.allow_private_networks = false;
    let store = memory_store();
    let s = sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(s.failed, 1);
    assert_eq!(s.failures[0].1.kind, "blocked", "{:?}", s.failures);
    assert_eq!(server.total_hits(), 0);
}

#[tokio::test]
async fn sync_of_an_unknown_site_is_an_error() {
    let store = memory_store();
    let opts = SyncOptions {
        site: Some("nope".into()),
        ..Default::default()
    };
    let err = sync(&config_for(&[]), &store, &opts).await.unwrap_err();
    assert!(err.to_string().contains("nope"));
}

#[tokio::test]
async fn run_syncs_on_its_schedule_until_shutdown() {
    let (server, urls) = fixture_server().await;
    let mut config = config_for(&urls);
    config.fetch.schedule = newsdesk::config::CronSchedule::parse("* * * * * *").unwrap();
    let store = memory_store();
    let stop = tokio::time::sleep(std::time::Duration::from_millis(2500));
    let opts = SyncOptions {
        force: true,
        ..Default::default()
    };
    newsdesk::fetcher::run::run(&config, &store, &opts, stop).await;
    assert!(
        server.hits("/rss2.xml") >= 2,
        "a pass at start and at least one tick: {}",
        server.hits("/rss2.xml")
    );
    let app = app_on(&store, Options::default()).await;
    assert_eq!(get(&app, "/", &[]).await.status, StatusCode::OK);
}
