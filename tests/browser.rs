//! The published page in a real headless Chromium: it renders the headlines, its script runs
//! under the CSP, and nothing is blocked.

mod common;

use std::process::Command;

use common::{FeedServer, config_for};
use newsdesk::frontend::{self, App, Options};
use newsdesk::store::{Role, Store};
use newsdesk::sync::{SyncOptions, sync};

fn chromium() -> &'static str {
    let ok = Command::new("chromium")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "chromium is missing: install it with `apt-get install chromium` (scripts/test.sh does)"
    );
    "chromium"
}

/// Runs headless Chromium on `url` with `extra` flags; returns (stdout, stderr).
fn run_chromium(url: &str, extra: &[&str]) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn page_renders_in_chromium_with_script_and_no_csp_violation() {
    let server = FeedServer::start().await;
    server.fixture("/rss2.xml", "rss2.xml");
    server.fixture("/atom.xml", "atom.xml");
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    sync(
        &config_for(&[server.url("/rss2.xml"), server.url("/atom.xml")]),
        &store,
        &SyncOptions::default(),
    )
    .await
    .unwrap();
    let app = App::new(store, Options::default());
    app.live.refresh().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, frontend::router(app)).await.unwrap() });

    let (dom, log) = tokio::task::spawn_blocking({
        let url = url.clone();
        move || run_chromium(&url, &["--dump-dom"])
    })
    .await
    .unwrap();
    assert!(
        dom.contains("Linux 6.18 released with new scheduler"),
        "headline missing from the DOM:\n{dom}"
    );
    assert!(dom.contains("GNOME 50 ships with HDR"));
    // app.js un-hides the theme button: proof the script loaded and ran under the CSP.
    assert!(
        dom.contains("Theme: auto</button>"),
        "app.js did not run:\n{dom}"
    );
    assert!(
        !log.contains("Content Security Policy"),
        "CSP blocked something:\n{log}"
    );

    let shot = tempfile::tempdir().unwrap();
    let png = shot.path().join("page.png");
    let arg = format!("--screenshot={}", png.display());
    tokio::task::spawn_blocking(move || run_chromium(&url, &[&arg, "--window-size=1280,900"]))
        .await
        .unwrap();
    let bytes = std::fs::read(&png).expect("chromium wrote a screenshot");
    assert!(
        bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
        "screenshot is not a real page render"
    );
}
