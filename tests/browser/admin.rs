//! The admin's pages in a real headless Chromium: the headline block, `/old_headlines` and the
//! login page render under the CSP.

use std::sync::Arc;
use std::time::Duration;

use newsdesk::frontend::Options;
use newsdesk::frontend::admin::{AdminConfig, auth};
use newsdesk::headlines::blocks;

use crate::support::{app_on, chromium, memory_store, published, spawn_server};

#[tokio::test(flavor = "multi_thread")]
async fn the_block_old_headlines_and_the_login_render_in_chromium_under_the_csp() {
    let store = memory_store();
    let _feeds = published(&store, 1, 5).await;
    let block = newsdesk::headlines::Block::from_items(vec![
        newsdesk::headlines::Item {
            title: "The lead story of the day".into(),
            url: "https://e.org/1".into(),
            image: Some("https://e.org/1.jpg".into()),
        },
        newsdesk::headlines::Item {
            title: "A second headline".into(),
            url: "https://e.org/2".into(),
            image: None,
        },
    ])
    .unwrap();
    blocks::save(
        &store,
        "test",
        block,
        "web:t",
        None,
        None,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let entry = newsdesk::headlines::Entry::new(
        "Yesterday's story",
        "https://e.org/y",
        None,
        chrono::Utc::now(),
    )
    .unwrap();
    newsdesk::headlines::archive::append(&store, "test", vec![entry], "auto", chrono::Utc::now())
        .await
        .unwrap();
    let hash = auth::hash_password("correct horse battery staple").unwrap();
    let admin = AdminConfig::new(&hash, None, Duration::from_secs(60)).unwrap();
    let options = Options {
        admin: Some(Arc::new(admin)),
        ..Options::default()
    };
    let (addr, _stop) = spawn_server(app_on(&store, options).await).await;
    let base = format!("http://{addr}");
    for (path, expect) in [
        ("/", "The lead story of the day"),
        ("/old_headlines", "Yesterday's story"),
        ("/admin/login", "name=\"password\""),
    ] {
        let url = format!("{base}{path}");
        let (dom, log) = tokio::task::spawn_blocking(move || chromium::dump(&url, &["--dump-dom"]))
            .await
            .unwrap();
        assert!(
            dom.contains(expect),
            "{path}: {expect} missing from the DOM:\n{dom}"
        );
        assert!(
            !log.contains("Content Security Policy"),
            "{path}: CSP blocked something:\n{log}"
        );
    }
    let shot = tempfile::tempdir().unwrap();
    let png = shot.path().join("page.png");
    let arg = format!("--screenshot={}", png.display());
    let url = format!("{base}/");
    tokio::task::spawn_blocking(move || chromium::dump(&url, &[&arg, "--window-size=1280,900"]))
        .await
        .unwrap();
    let bytes = std::fs::read(&png).expect("chromium wrote a screenshot");
    assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000);
}
