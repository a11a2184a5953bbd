//! Issue #20, admin and reader-facing hardening, on real parts: a real sync into a store and
//! the frontend router driven in-process with the client's address attached as the serving
//! loop does (and once through the fetcher binary). Sessions not forgeable from the password
//! hash and bounded by the current settings, logging out everywhere, https for logins, asset
//! misses that cost no bucket reads, per-client layout budgets, `/metrics` and `/readyz` off
//! the public listener, and saves that say whether they went live.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{StatusCode, header};
use newsdesk::fetcher::{SyncOptions, sync};
use newsdesk::frontend::admin::{AdminConfig, session};
use newsdesk::frontend::{App, Options};
use newsdesk::store::{Role, Store};

use crate::support;
use crate::support::admin::{AdminPage, Client, HASH, PASSWORD, admin_config};
use crate::support::{Behavior, FeedServer, config_for, generated_rss};

async fn app(store: &Store, options: Options) -> Arc<App> {
    let app = App::new(store.clone(), options);
    app.live.refresh().await.unwrap();
    app
}

async fn admin_app(store: &Store, config: Arc<AdminConfig>) -> Arc<App> {
    app(
        store,
        Options {
            admin: Some(config),
            ..Options::default()
        },
    )
    .await
}

/// A store with the `test` site published from one feed.
async fn published() -> (Store, FeedServer) {
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let (server, _) = support::published(&store, 1, 5).await;
    (store, server)
}

// ---- 1. Sessions ----

/// What anyone who read NEWSDESK_ADMIN_HASH could sign before: a cookie with the key derived
/// from the hash, valid for ten years.
#[tokio::test]
async fn a_cookie_signed_with_the_password_hash_is_no_session() {
    let (store, _server) = published().await;
    let app = admin_app(&store, admin_config(Duration::from_secs(3600), true)).await;
    let c = Client::new(&app, "192.0.2.1:4000");
    let now = chrono::Utc::now();
    for key in [
        session::Key::derive(&HASH),
        session::Key::derive(HASH.trim()),
    ] {
        let forged = session::Session::new(now, Duration::from_secs(3600)).encode(&key);
        assert!(!c.logged_in(&format!("nd_admin={forged}")).await);
    }
    // The secret it is made from is in the bucket, under admin/, which no route serves.
    assert!(
        store
            .get(&newsdesk::store::Key::AdminSessionKey)
            .await
            .unwrap()
            .is_some()
    );
    let leak = c.get("/admin/_session-key.json", None).await;
    assert_eq!(leak.status, StatusCode::NOT_FOUND);
    for path in [
        "/admin/_session-key.json",
        "/../admin/_session-key.json",
        "/assets/..%2Fadmin%2F_session-key.json",
    ] {
        let r = c.get(path, None).await;
        assert!(!r.text().contains("\"key\""), "{path}: {}", r.text());
    }
}

#[tokio::test]
async fn lowering_the_session_lifetime_cuts_sessions_already_issued() {
    let (store, _server) = published().await;
    let long = admin_app(&store, admin_config(Duration::from_secs(30 * 86_400), true)).await;
    let (cookie, _) = Client::new(&long, "192.0.2.1:4000").session().await;
    // The same bucket and password, restarted with a lifetime shorter than the cookie's.
    let short = admin_app(&store, admin_config(Duration::from_secs(3600), true)).await;
    let c = Client::new(&short, "192.0.2.1:4000");
    assert!(
        !c.logged_in(&cookie).await,
        "a 30-day cookie under a 1-hour setting"
    );
    let (fresh, _) = c.session().await;
    assert!(c.logged_in(&fresh).await);
}

#[tokio::test]
async fn logging_out_everywhere_ends_sessions_on_every_frontend_within_a_poll() {
    let (store, _server) = published().await;
    let first = admin_app(&store, admin_config(Duration::from_secs(3600), true)).await;
    let second = admin_app(&store, admin_config(Duration::from_secs(3600), true)).await;
    let (a, b) = (
        Client::new(&first, "192.0.2.1:4000"),
        Client::new(&second, "198.51.100.1:4000"),
    );
    let (cookie_a, editor) = a.session().await;
    let (cookie_b, _) = b.session().await;
    assert!(b.logged_in(&cookie_a).await, "sessions are shared");
    let form = editor.text().find("action=\"/admin/logout-everywhere\"");
    assert!(form.is_some(), "a button on every admin page");

    let out = a
        .post(
            "/admin/logout-everywhere",
            Some(&cookie_a),
            &[("csrf", &editor.csrf())],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.text());
    assert!(out.header(header::SET_COOKIE).contains("Max-Age=0"));
    assert!(!a.logged_in(&cookie_a).await, "at once where it was asked");
    assert!(!a.logged_in(&cookie_b).await);
    // The other frontend, after its next poll.
    second.live.refresh().await.unwrap();
    assert!(!b.logged_in(&cookie_b).await, "within one poll elsewhere");
    assert!(!b.logged_in(&cookie_a).await);
    // Logging in again works at once, even within the same second.
    let (again, _) = a.session().await;
    assert!(a.logged_in(&again).await);
    assert!(b.logged_in(&again).await);
}

#[tokio::test]
async fn the_fetcher_logs_out_everywhere_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}/bucket", dir.path().display());
    let store = Store::open(&url, Role::Fetcher).unwrap();
    let (_server, _) = support::published(&store, 1, 3).await;
    let app = admin_app(&store, admin_config(Duration::from_secs(3600), true)).await;
    let c = Client::new(&app, "192.0.2.1:4000");
    let (cookie, _) = c.session().await;
    // Sessions are issued to the second: the logout must come after it.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_newsdesk-fetcher"))
        .args(["--store", &url, "admin", "logout-everywhere"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("has ended"));
    assert!(c.logged_in(&cookie).await, "until the next poll");
    app.live.refresh().await.unwrap();
    assert!(!c.logged_in(&cookie).await, "after it");
}

// ---- 3. https ----

#[tokio::test]
async fn logins_need_https_unless_allowed_and_the_cookie_is_secure() {
    let (store, _server) = published().await;
    let app = app(
        &store,
        Options {
            admin: Some(admin_config(Duration::from_secs(3600), false)),
            trusted_proxies: vec!["10.0.0.0/8".parse().unwrap()],
            ..Options::default()
        },
    )
    .await;
    let plain = Client::new(&app, "198.51.100.7:4000");
    let refused = plain.login(PASSWORD).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text());
    assert!(refused.text().contains("plain http"), "{}", refused.text());
    assert!(refused.header(header::SET_COOKIE).is_empty());
    let form = plain.get("/admin/login", None).await;
    assert!(
        form.text().contains("--admin-allow-http"),
        "the form says why"
    );
    assert!(form.header(header::STRICT_TRANSPORT_SECURITY).is_empty());
    // A client's own X-Forwarded-Proto is not believed.
    let spoofed = Client::new(&app, "198.51.100.7:4000").with("x-forwarded-proto", "https");
    assert_eq!(spoofed.login(PASSWORD).await.status, StatusCode::FORBIDDEN);

    let proxied = Client::new(&app, "10.1.1.1:4000")
        .with("x-forwarded-proto", "https")
        .with("x-forwarded-for", "198.51.100.7");
    let ok = proxied.login(PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    assert!(ok.header(header::SET_COOKIE).ends_with("; Secure"));
    assert_eq!(
        ok.header(header::STRICT_TRANSPORT_SECURITY),
        newsdesk::frontend::admin::HSTS
    );
    let page = proxied.get("/admin/headlines", Some(&ok.cookie())).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.header(header::STRICT_TRANSPORT_SECURITY),
        newsdesk::frontend::admin::HSTS
    );
    // Readers' pages are not the admin's to pin to https.
    let reader = proxied.get("/", None).await;
    assert!(reader.header(header::STRICT_TRANSPORT_SECURITY).is_empty());

    // With --admin-allow-http, plain http logs in, without Secure.
    let allowed = admin_app(&store, admin_config(Duration::from_secs(3600), true)).await;
    let ok = Client::new(&allowed, "198.51.100.7:4000")
        .login(PASSWORD)
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert!(!ok.header(header::SET_COOKIE).contains("Secure"));
}

// ---- 8. Saves say whether they went live ----

#[tokio::test]
async fn a_save_without_its_base_is_not_said_to_be_live() {
    let (store, _server) = published().await;
    let app = admin_app(&store, admin_config(Duration::from_secs(3600), true)).await;
    let c = Client::new(&app, "192.0.2.1:4000");
    let (cookie, editor) = c.session().await;
    let first = c
        .post(
            "/admin/headlines",
            Some(&cookie),
            &[
                ("csrf", &editor.csrf()),
                ("base", ""),
                ("above_html", "<p>First</p>"),
            ],
        )
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let shown = c.get(first.header(header::LOCATION), Some(&cookie)).await;
    assert!(
        shown.text().contains("It is on the public page within"),
        "the first save is live"
    );

    // A block is current now: a save that does not name its base cannot become current.
    let blind = c
        .post(
            "/admin/headlines",
            Some(&cookie),
            &[("csrf", &editor.csrf()), ("above_html", "<p>Second</p>")],
        )
        .await;
    assert_eq!(blind.status, StatusCode::SEE_OTHER);
    let shown = c.get(blind.header(header::LOCATION), Some(&cookie)).await;
    assert!(
        !shown.text().contains("It is on the public page"),
        "{}",
        shown.text()
    );
    assert!(
        !shown.text().contains("class=\"notice\""),
        "{}",
        shown.text()
    );
    assert!(!shown.text().contains("Another admin"), "{}", shown.text());
    assert!(
        shown
            .text()
            .contains("did not say which version it was edited from"),
        "{}",
        shown.text()
    );
    let (current, _) = newsdesk::headlines::AdminIndex::read(&store).await.unwrap();
    let version = blind
        .header(header::LOCATION)
        .split("saved=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    assert_ne!(current.block("test"), Some(version), "indeed not current");
}

// ---- 4. Missing assets cost no bucket reads ----

#[tokio::test]
async fn random_asset_names_cost_no_bucket_reads() {
    let (store, _server) = published().await;
    let app = app(&store, Options::default()).await;
    let c = Client::new(&app, "192.0.2.1:4000");
    let page = c.get("/", None).await.text();
    let css = page
        .split("href=\"/assets/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert_eq!(
        c.get(&format!("/assets/{css}"), None).await.status,
        StatusCode::OK
    );
    let before = store.ops();
    for i in 0..200u32 {
        let name = format!(
            "/assets/style.{:016x}.css",
            u64::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15)
        );
        assert_eq!(
            c.get(&name, None).await.status,
            StatusCode::NOT_FOUND,
            "{name}"
        );
    }
    assert_eq!(
        store.ops() - before,
        Default::default(),
        "no bucket request for a miss"
    );
    // The real stylesheet is served from memory now.
    assert_eq!(
        c.get(&format!("/assets/{css}"), None).await.status,
        StatusCode::OK
    );
    assert_eq!(store.ops() - before, Default::default());
}

// ---- 5. One client's share of new layouts ----

#[tokio::test]
async fn a_client_past_its_share_of_new_layouts_gets_the_default_page() {
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let server = FeedServer::start().await;
    let mut urls = vec![];
    for i in 0..4 {
        let path = format!("/f{i}.xml");
        server.set(
            &path,
            Behavior::Feed {
                body: generated_rss(&format!("src{i}"), 3),
                content_type: "application/xml",
                etag: None,
            },
        );
        urls.push(server.url(&path));
    }
    sync(&config_for(&urls), &store, &SyncOptions::default())
        .await
        .unwrap();
    let app = app(&store, Options::default()).await;
    let site = app.live.snapshot().sites[0].live.clone().unwrap();
    let ids: Vec<String> = site.fragments.iter().map(|f| f.id.clone()).collect();
    let default = Client::new(&app, "203.0.113.9:4000")
        .get("/", None)
        .await
        .text();
    // Every ordered choice of the sources to show (the others hidden): 63 layouts besides
    // the default, none built before.
    let mut layouts: Vec<String> = vec![];
    let mut chosen: Vec<Vec<usize>> = (0..4).map(|i| vec![i]).collect();
    while let Some(shown) = chosen.pop() {
        for next in (0..4).filter(|i| !shown.contains(i)) {
            let mut longer = shown.clone();
            longer.push(next);
            chosen.push(longer);
        }
        if shown != [0, 1, 2, 3] {
            let hidden = (0..4)
                .filter(|i| !shown.contains(i))
                .map(|i| format!("!{}", ids[i]));
            let list: Vec<String> = shown
                .iter()
                .map(|&i| ids[i].clone())
                .chain(hidden)
                .collect();
            layouts.push(list.join("."));
        }
    }
    assert_eq!(layouts.len(), 63);
    let reader = |i: usize, net: &str| {
        Client::new(&app, &format!("{net}.{}:4000", 1 + i % 200))
            .with("cookie", &format!("nd_layout=1:{}", layouts[i]))
    };
    let mut own = 0;
    for i in 0..40 {
        // Addresses across one /24: one client network.
        let page = reader(i, "203.0.113").get("/", None).await;
        assert_eq!(page.status, StatusCode::OK);
        if page.text() != default {
            own += 1;
        }
    }
    assert_eq!(
        own,
        newsdesk::frontend::live::LAYOUTS_PER_CLIENT,
        "the /24's share, then the default page"
    );
    // Another network still gets its own layout; a layout already built is still served.
    assert_ne!(
        reader(50, "198.51.100").get("/", None).await.text(),
        default
    );
    assert_ne!(
        reader(0, "203.0.113").get("/", None).await.text(),
        default,
        "a layout already built costs nothing"
    );
}

// ---- 9. Every image a page shows is a bucket copy ----

#[tokio::test]
async fn every_image_on_the_page_is_served_from_assets() {
    let (store, server) = published().await;
    server.set(
        "/lead.png",
        Behavior::Feed {
            body: b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR tiny".to_vec(),
            content_type: "image/png",
            etag: None,
        },
    );
    let block = newsdesk::headlines::Block::from_items(vec![newsdesk::headlines::Item {
        title: "The lead".into(),
        url: "https://e.org/1".into(),
        image: Some(server.url("/lead.png")),
    }])
    .unwrap();
    newsdesk::headlines::blocks::save(
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
    sync(
        &config_for(&[server.url("/ok.xml")]),
        &store,
        &SyncOptions::default(),
    )
    .await
    .unwrap();
    let app = app(&store, Options::default()).await;
    let c = Client::new(&app, "192.0.2.1:4000");
    let page = c.get("/", None).await;
    assert!(
        page.header(header::CONTENT_SECURITY_POLICY)
            .contains("img-src 'self';"),
        "{}",
        page.header(header::CONTENT_SECURITY_POLICY)
    );
    let html = page.text();
    let sources: Vec<&str> = html
        .split("<img ")
        .skip(1)
        .filter_map(|tag| tag.split("src=\"").nth(1)?.split('"').next())
        .collect();
    for src in &sources {
        assert!(src.starts_with("/assets/"), "{src} is not a bucket copy");
        assert_eq!(c.get(src, None).await.status, StatusCode::OK, "{src}");
    }
    eprintln!("images on the page: {sources:?}");
}

// ---- 3 and 7 through the real binary ----

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `--admin-listen` takes `/metrics` off the public port; an admin without a trusted proxy is
/// warned about at start.
#[tokio::test]
async fn the_binary_serves_metrics_on_the_admin_listener_and_warns_without_a_trusted_proxy() {
    let dir = tempfile::tempdir().unwrap();
    let (public, ops) = (free_port(), free_port());
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_newsdesk-frontend"))
        .args([
            "--store",
            &format!("file://{}/bucket", dir.path().display()),
        ])
        .args(["--listen", &format!("127.0.0.1:{public}")])
        .args(["--admin-listen", &format!("127.0.0.1:{ops}")])
        .env("NEWSDESK_ADMIN_HASH", &*HASH)
        .env("RUST_LOG", "warn")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    let result = async {
        let mut up = false;
        for _ in 0..100 {
            if http
                .get(format!("http://127.0.0.1:{ops}/healthz"))
                .send()
                .await
                .is_ok()
            {
                up = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(up, "the admin listener never answered");
        let get = |port: u16, path: &str| http.get(format!("http://127.0.0.1:{port}{path}")).send();
        assert_eq!(get(public, "/metrics").await.unwrap().status(), 404);
        let ops_metrics = get(ops, "/metrics").await.unwrap();
        assert_eq!(ops_metrics.status(), 200);
        assert!(ops_metrics.text().await.unwrap().contains("newsdesk_"));
        let readyz = get(public, "/readyz").await.unwrap().text().await.unwrap();
        assert_eq!(readyz, "not ready\n");
        assert!(
            get(ops, "/readyz")
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
                .contains("bucket")
        );
        assert_eq!(get(public, "/healthz").await.unwrap().status(), 200);
    };
    let outcome = tokio::time::timeout(Duration::from_secs(30), result).await;
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    outcome.expect("bounded");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("no --trusted-proxy") && log.contains("Set --trusted-proxy"),
        "{log}"
    );
}
