//! Sites are isolated: one that cannot be loaded answers its own hosts with 503 and takes
//! neither the frontend nor the other sites down with it.

use super::*;
use newsdesk::store::manifest::Manifest;
use newsdesk::store::{Key, Role};

/// Points `site`'s manifest at a front page that is not in the bucket (a publisher that broke
/// the protocol, or a bucket losing objects); returns the good manifest.
async fn break_site(store: &Store, site: &str) -> Manifest {
    let key = Key::Manifest(site.into());
    let good: Manifest = store.get_json(&key).await.unwrap().unwrap();
    let mut broken = good.clone();
    let index = &mut broken
        .objects
        .iter_mut()
        .find(|n| n.name == "/")
        .unwrap()
        .object;
    index.key = format!("sites/{site}/blobs/missing.html");
    index.hash = "missing".into();
    store
        .put(&key, serde_json::to_vec(&broken).unwrap().into())
        .await
        .unwrap();
    good
}

#[tokio::test]
async fn a_site_that_cannot_load_gets_503_on_its_hosts_while_the_others_serve_and_stay_ready() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}/bucket", dir.path().display());
    let fetcher = Store::open(&url, Role::Fetcher).unwrap();
    let _s = published(&fetcher).await;
    let good = break_site(&fetcher, "other").await;
    let app = App::new(
        Store::open(&url, Role::Frontend).unwrap(),
        Options::default(),
    );
    assert!(
        app.live.refresh().await.is_err(),
        "the broken site is reported"
    );

    let ready = get(&app, "/readyz", &[]).await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text());
    let body = ready.text();
    assert!(body.starts_with("ready: 1 of 2 sites loaded"), "{body}");
    assert!(
        body.contains("site other: not loaded: sites/other/blobs/missing.html"),
        "the body says which site and why: {body}"
    );

    for path in ["/", "/api/headlines", "/config"] {
        let broken = get_on(&app, "other.example", path, &[]).await;
        assert_eq!(broken.status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert_eq!(
            broken.header(header::RETRY_AFTER),
            "5",
            "{path}: the next poll"
        );
        assert_eq!(broken.header(header::CACHE_CONTROL), "no-store");
        assert!(
            !broken.text().contains("Test Report"),
            "never another site's page"
        );
    }
    let healthy = get(&app, "/", &[]).await;
    assert_eq!(
        (healthy.status, title(&healthy)),
        (StatusCode::OK, "Test Report".into())
    );
    assert_eq!(
        get(&app, "/api/headlines", &[]).await.status,
        StatusCode::OK
    );
    let unknown = get_on(&app, "unknown.example", "/", &[]).await;
    assert_eq!(
        (unknown.status, title(&unknown)),
        (StatusCode::OK, "Test Report".into()),
        "a host that names no site gets the default site"
    );

    let metrics = get(&app, "/metrics", &[]).await.text();
    for line in [
        "newsdesk_site_loaded{site=\"test\"} 1",
        "newsdesk_site_loaded{site=\"other\"} 0",
        "newsdesk_site_load_errors_total{site=\"other\"} 1",
        "newsdesk_site_load_errors_total{site=\"test\"} 0",
        "newsdesk_site_manifest_read_age_seconds{site=\"other\"} -1",
        "newsdesk_manifest_generation{site=\"test\"} 1",
    ] {
        assert!(metrics.contains(line), "missing {line:?} in\n{metrics}");
    }
    assert!(!metrics.contains("newsdesk_manifest_generation{site=\"other\"}"));

    // Repaired, it is served from the next read on, and nothing is left to report.
    fetcher
        .put(
            &Key::Manifest("other".into()),
            serde_json::to_vec(&good).unwrap().into(),
        )
        .await
        .unwrap();
    app.live.refresh().await.unwrap();
    let repaired = get_on(&app, "other.example", "/", &[]).await;
    assert_eq!(
        (repaired.status, title(&repaired)),
        (StatusCode::OK, "Other Report".into())
    );
    assert_eq!(
        get(&app, "/readyz", &[]).await.text(),
        "ready: 2 of 2 sites loaded\n"
    );
}

#[tokio::test]
async fn a_site_that_breaks_after_loading_keeps_its_last_generation_and_says_so() {
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let _s = published(&store).await;
    let app = app_on(&store, Options::default()).await;
    break_site(&store, "other").await;
    assert!(app.live.refresh().await.is_err());

    let page = get_on(&app, "other.example", "/", &[]).await;
    assert_eq!(
        (page.status, title(&page)),
        (StatusCode::OK, "Other Report".into())
    );
    let ready = get(&app, "/readyz", &[]).await;
    assert_eq!(ready.status, StatusCode::OK);
    assert!(
        ready
            .text()
            .contains("site other: serving generation 1, manifest last read 0s ago: "),
        "{}",
        ready.text()
    );
    let metrics = get(&app, "/metrics", &[]).await.text();
    assert!(
        metrics.contains("newsdesk_site_loaded{site=\"other\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("newsdesk_site_load_errors_total{site=\"other\"} 1"));
}

#[tokio::test]
async fn a_site_listed_but_never_published_gets_503_not_the_default_page() {
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let _s = published(&store).await;
    // A site added to the index whose first publish has not landed.
    let mut index: newsdesk::store::manifest::SiteIndex =
        store.get_json(&Key::SiteIndex).await.unwrap().unwrap();
    index.sites.push(newsdesk::store::manifest::SiteEntry {
        name: "late".into(),
        title: "Late Report".into(),
        hosts: vec!["late.example".into()],
        generation: None,
    });
    store
        .put(&Key::SiteIndex, serde_json::to_vec(&index).unwrap().into())
        .await
        .unwrap();
    let app = app_on(&store, Options::default()).await;
    let late = get_on(&app, "late.example", "/", &[]).await;
    assert_eq!(late.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(late.header(header::RETRY_AFTER), "5");
    let ready = get(&app, "/readyz", &[]).await;
    assert_eq!(ready.status, StatusCode::OK);
    assert!(
        ready
            .text()
            .contains("site late: not loaded: no manifest published yet"),
        "{}",
        ready.text()
    );
}
