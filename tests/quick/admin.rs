//! The web admin on real parts: a real sync into a store, the router driven in-process with the
//! client's address attached as the serving loop does, and once through the real binary over a
//! socket. Login, logout, session expiry, a session carried to a second frontend, CSRF, the
//! login rate limit, sanitizing, oversized input, history, archive and feed health.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{StatusCode, header};
use newsdesk::fetcher::{SyncOptions, sync};
use newsdesk::frontend::admin::{AdminConfig, auth};
use newsdesk::frontend::{App, Options};
use newsdesk::headlines::{AdminIndex, blocks, refresh};
use newsdesk::store::{Role, Store};

use crate::support;
use crate::support::admin::{AdminPage, Client, PASSWORD, admin_config};
use crate::support::{Behavior, FeedServer, app_on, config_for, generated, memory_store};

async fn app_with(store: &Store, admin: Option<Arc<AdminConfig>>) -> Arc<App> {
    app_behind(store, admin, &[]).await
}

/// An app behind the proxies `trusted` (networks whose forwarding headers count).
async fn app_behind(store: &Store, admin: Option<Arc<AdminConfig>>, trusted: &[&str]) -> Arc<App> {
    let options = Options {
        admin,
        trusted_proxies: trusted.iter().map(|p| p.parse().unwrap()).collect(),
        ..Options::default()
    };
    app_on(store, options).await
}

/// A store with the `test` site published from two feeds (the second failing).
async fn published() -> (Store, FeedServer) {
    let store = memory_store();
    let (server, mut urls) = generated("src", 1, 5).await;
    server.set("/broken.xml", Behavior::Status(500));
    urls.push(server.url("/broken.xml"));
    sync(&config_for(&urls), &store, &SyncOptions::default())
        .await
        .unwrap();
    (store, server)
}

#[tokio::test]
async fn every_admin_path_is_404_without_a_password_hash() {
    let (store, _server) = published().await;
    let app = app_with(&store, None).await;
    let c = Client::new(&app, "192.0.2.1:4000");
    for path in [
        "/admin",
        "/admin/",
        "/admin/login",
        "/admin/headlines",
        "/admin/history",
        "/admin/archive",
        "/admin/feeds",
        "/admin/nothing",
    ] {
        assert_eq!(
            c.get(path, None).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let r = c
        .post("/admin/login", None, &[("password", PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        c.get("/", None).await.status,
        StatusCode::OK,
        "readers are not affected"
    );
}

#[tokio::test]
async fn login_sets_a_strict_http_only_cookie_and_logout_clears_it() {
    let (store, _server) = published().await;
    let app = app_with(&store, Some(admin_config(Duration::from_secs(3600), true))).await;
    let c = Client::new(&app, "192.0.2.1:4000");
    let anonymous = c.get("/admin/headlines", None).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.header(header::LOCATION), "/admin/login");
    let form = c.get("/admin/login", None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text().contains("name=\"password\""));
    assert_eq!(form.header(header::CACHE_CONTROL), "no-store");

    let wrong = c.login("wrong").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.text().contains("Wrong password."));
    assert!(wrong.header(header::SET_COOKIE).is_empty());

    let ok = c.login(PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.header(header::LOCATION), "/admin/headlines");
    let set = ok.header(header::SET_COOKIE);
    for part in [
        "nd_admin=",
        "; Path=/admin",
        "; Max-Age=3600",
        "; HttpOnly",
        "; SameSite=Strict",
    ] {
        assert!(set.contains(part), "{part} missing: {set}");
    }
    assert!(!set.contains("Secure"), "plain http: {set}");

    let cookie = ok.cookie();
    let editor = c.get("/admin/headlines", Some(&cookie)).await;
    assert_eq!(editor.status, StatusCode::OK);
    assert!(
        editor
            .text()
            .contains("<form class=\"admin-form\" method=\"post\" action=\"/admin/headlines\">")
    );
    assert!(
        editor
            .text()
            .contains("<input type=\"hidden\" name=\"csrf\" value=\"")
    );
    assert!(editor.text().contains("<textarea name=\"above_html\""));
    assert_eq!(editor.header(header::CACHE_CONTROL), "no-store");
    assert!(
        editor
            .header(header::CONTENT_SECURITY_POLICY)
            .contains("script-src 'self'")
    );
    assert!(
        !editor.text().contains("<script") && !editor.text().contains("style="),
        "no inline script or style"
    );

    let out = c
        .post("/admin/logout", Some(&cookie), &[("csrf", &editor.csrf())])
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(
        out.header(header::SET_COOKIE)
            .contains("nd_admin=; Path=/admin; Max-Age=0")
    );
    assert_eq!(
        c.get("/admin/headlines", Some(&out.cookie())).await.status,
        StatusCode::SEE_OTHER,
        "the cleared cookie is no session"
    );
}

#[tokio::test]
async fn the_cookie_is_secure_when_a_trusted_proxy_says_https() {
    let (store, _server) = published().await;
    let app = app_behind(
        &store,
        Some(admin_config(Duration::from_secs(60), true)),
        &["10.0.0.0/8"],
    )
    .await;
    let via_proxy = Client::new(&app, "10.1.1.1:4000")
        .with("x-forwarded-proto", "https")
        .with("x-forwarded-for", "198.51.100.7");
    assert!(
        via_proxy
            .login(PASSWORD)
            .await
            .header(header::SET_COOKIE)
            .ends_with("; Secure")
    );
    let direct = Client::new(&app, "198.51.100.7:4000").with("x-forwarded-proto", "https");
    assert!(
        !direct
            .login(PASSWORD)
            .await
            .header(header::SET_COOKIE)
            .contains("Secure"),
        "a client's own header is not believed"
    );
}

#[tokio::test]
async fn an_edit_needs_a_session_and_the_csrf_token_then_is_live_sanitized() {
    let (store, _server) = published().await;
    let app = app_with(&store, Some(admin_config(Duration::from_secs(3600), true))).await;
    let c = Client::new(&app, "192.0.2.1:4000");
    let (cookie, editor) = c.session().await;
    let csrf = editor.csrf();
    let html = r#"<p onclick="steal()">Big news: <a href="javascript:alert(1)">x</a> <a href="https://lwn.net/a">LWN</a></p><script>alert(2)</script>"#;

    let none = c
        .post(
            "/admin/headlines",
            None,
            &[("csrf", &csrf), ("base", ""), ("above_html", html)],
        )
        .await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    let missing = c
        .post(
            "/admin/headlines",
            Some(&cookie),
            &[("base", ""), ("above_html", html)],
        )
        .await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    let wrong = c
        .post(
            "/admin/headlines",
            Some(&cookie),
            &[
                ("csrf", &"0".repeat(64)),
                ("base", ""),
                ("above_html", html),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let (_, other) = c.session().await;
    let others = c
        .post(
            "/admin/headlines",
            Some(&cookie),
            &[("csrf", &other.csrf()), ("base", ""), ("above_html", html)],
        )
        .await;
    assert_eq!(
        others.status,
        StatusCode::FORBIDDEN,
        "another session's token"
    );
    let evil = Client::new(&app, "192.0.2.1:4000").with("origin", "https://evil.example");
    let cross = evil
        .post(
            "/admin/headlines",
            Some(&cookie),
            &[("csrf", &csrf), ("base", ""), ("above_html", html)],
        )
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    assert!(
        blocks::list(&store, "test").await.unwrap().is_empty(),
        "nothing was saved"
    );

    let saved = c
        .post(
            "/admin/headlines",
            Some(&cookie),
            &[("csrf", &csrf), ("base", ""), ("above_html", html)],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let location = saved.header(header::LOCATION).to_string();
    assert!(
        location.starts_with("/admin/headlines?saved=") && !location.contains("current="),
        "{location}"
    );
    let notice = c.get(&location, Some(&cookie)).await;
    assert!(
        notice
            .text()
            .contains("It is on the public page within 5 seconds"),
        "{}",
        notice.text()
    );
    assert!(
        notice.text().contains("Big news:"),
        "the editor shows the current block"
    );

    app.live.refresh().await.unwrap();
    let page = c.get("/", None).await;
    assert!(page.text().contains("Big news:"), "{}", page.text());
    assert!(
        page.text()
            .contains(r#"<a href="https://lwn.net/a" rel="noopener nofollow">LWN</a>"#)
    );
    for gone in ["onclick", "steal", "javascript:", "alert("] {
        assert!(!page.text().contains(gone), "{gone} reached the page");
    }
}

#[tokio::test]
async fn oversized_input_is_refused_with_413_and_a_clear_message() {
    let (store, _server) = published().await;
    let app = app_with(&store, Some(admin_config(Duration::from_secs(3600), true))).await;
    let c = Client::new(&app, "192.0.2.1:4000");
    let (cookie, editor) = c.session().await;
    let big = "<p>".to_string() + &"x".repeat(70 * 1024) + "</p>";
    let r = c
        .post(
            "/admin/headlines",
            Some(&cookie),
            &[("csrf", &editor.csrf()), ("base", ""), ("above_html", &big)],
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        r.text()
            .contains("more than the limit of 65536 bytes (64 KB); nothing was saved"),
        "{}",
        r.text()
    );
    let huge = "x".repeat(600 * 1024);
    let r = c
        .post(
            "/admin/headlines",
            Some(&cookie),
            &[("csrf", &editor.csrf()), ("above_html", &huge)],
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    let bad = c
        .post(
            "/admin/headlines",
            Some(&cookie),
            &[
                ("csrf", &editor.csrf()),
                ("base", ""),
                ("title1", "x"),
                ("url1", "javascript:alert(1)"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.text().contains("headline 1: the link"),
        "{}",
        bad.text()
    );
    assert!(
        bad.text().contains("value=\"javascript:alert(1)\""),
        "what was typed comes back"
    );
    assert!(blocks::list(&store, "test").await.unwrap().is_empty());
}

#[tokio::test]
async fn a_session_works_on_a_second_frontend_and_ends_with_a_new_password() {
    let (store, _server) = published().await;
    let config = admin_config(Duration::from_secs(3600), true);
    let first = app_with(&store, Some(config.clone())).await;
    let (cookie, editor) = Client::new(&first, "192.0.2.1:4000").session().await;
    // Another process with the same settings: nothing shared but the environment and bucket.
    let second = app_with(&store, Some(admin_config(Duration::from_secs(3600), true))).await;
    let c2 = Client::new(&second, "192.0.2.1:4000");
    assert_eq!(
        c2.get("/admin/headlines", Some(&cookie)).await.status,
        StatusCode::OK
    );
    let saved = c2
        .post(
            "/admin/headlines",
            Some(&cookie),
            &[
                ("csrf", &editor.csrf()),
                ("base", ""),
                ("title1", "From the second"),
                ("url1", "https://e.org/2"),
            ],
        )
        .await;
    assert_eq!(
        saved.status,
        StatusCode::SEE_OTHER,
        "the first frontend's CSRF token too: {}",
        saved.text()
    );
    let rehashed = AdminConfig::new(
        &auth::hash_password(PASSWORD).unwrap(),
        None,
        Duration::from_secs(3600),
    )
    .unwrap()
    .allowing_http(true);
    let third = app_with(&store, Some(Arc::new(rehashed))).await;
    assert_eq!(
        Client::new(&third, "192.0.2.1:4000")
            .get("/admin/headlines", Some(&cookie))
            .await
            .status,
        StatusCode::SEE_OTHER,
        "a new hash ends every session"
    );
}

#[tokio::test]
async fn a_session_expires_after_its_configured_lifetime() {
    let (store, _server) = published().await;
    let app = app_with(&store, Some(admin_config(Duration::from_secs(1), true))).await;
    let c = Client::new(&app, "192.0.2.1:4000");
    let (cookie, editor) = c.session().await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        c.get("/admin/headlines", Some(&cookie))
            .await
            .header(header::LOCATION),
        "/admin/login"
    );
    let late = c
        .post(
            "/admin/headlines",
            Some(&cookie),
            &[
                ("csrf", &editor.csrf()),
                ("base", ""),
                ("above_html", "<p>late</p>"),
            ],
        )
        .await;
    assert_eq!(late.status, StatusCode::UNAUTHORIZED);
    assert!(late.text().contains("log in again"));
}

#[tokio::test]
async fn failed_logins_are_rate_limited_per_address_only() {
    let (store, _server) = published().await;
    let app = app_with(&store, Some(admin_config(Duration::from_secs(3600), true))).await;
    let attacker = Client::new(&app, "203.0.113.66:5000");
    for i in 0..5 {
        assert_eq!(
            attacker.login(&format!("guess {i}")).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let limited = attacker.login("guess 6").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = limited.header(header::RETRY_AFTER).parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(
        attacker.login(PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    let admin = Client::new(&app, "198.51.100.1:5000");
    assert_eq!(
        admin.login(PASSWORD).await.status,
        StatusCode::SEE_OTHER,
        "the admin elsewhere is not locked out"
    );
}

#[tokio::test]
async fn two_admins_saving_at_once_both_keep_their_version_and_the_loser_is_told() {
    let (store, _server) = published().await;
    let app = app_with(&store, Some(admin_config(Duration::from_secs(3600), true))).await;
    let (a, b) = (
        Client::new(&app, "192.0.2.1:1"),
        Client::new(&app, "192.0.2.2:1"),
    );
    let ((ca, ea), (cb, eb)) = (a.session().await, b.session().await);
    let first = a
        .post(
            "/admin/headlines",
            Some(&ca),
            &[
                ("csrf", &ea.csrf()),
                ("base", ""),
                ("above_html", "<p>A</p>"),
            ],
        )
        .await;
    assert!(!first.header(header::LOCATION).contains("current="));
    let second = b
        .post(
            "/admin/headlines",
            Some(&cb),
            &[
                ("csrf", &eb.csrf()),
                ("base", ""),
                ("above_html", "<p>B</p>"),
            ],
        )
        .await;
    let location = second.header(header::LOCATION).to_string();
    assert!(location.contains("&current="), "{location}");
    let told = b.get(&location, Some(&cb)).await;
    assert!(
        told.text()
            .contains("Another admin saved at the same time: your version"),
        "{}",
        told.text()
    );
    assert_eq!(
        blocks::list(&store, "test").await.unwrap().len(),
        2,
        "both versions are kept"
    );

    // The history shows both; restoring B's makes it current.
    let history = b.get("/admin/history", Some(&cb)).await;
    assert_eq!(
        history.text().matches("<tr>").count(),
        3,
        "{}",
        history.text()
    );
    assert_eq!(history.text().matches("Restore this version").count(), 1);
    let b_version = location
        .split("saved=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    let (index, _) = AdminIndex::read(&store).await.unwrap();
    let current = index.block("test").unwrap().to_string();
    let restored = b
        .post(
            "/admin/history",
            Some(&cb),
            &[
                ("csrf", &history.csrf()),
                ("base", &current),
                ("version", &b_version),
            ],
        )
        .await;
    assert_eq!(
        restored.status,
        StatusCode::SEE_OTHER,
        "{}",
        restored.text()
    );
    assert_eq!(
        blocks::current(&store, "test")
            .await
            .unwrap()
            .unwrap()
            .block
            .source(),
        "<p>B</p>"
    );
    let version_page = b
        .get(&format!("/admin/history?version={b_version}"), Some(&cb))
        .await;
    assert!(
        version_page.text().contains("&lt;p&gt;B&lt;/p&gt;"),
        "the source is shown escaped: {}",
        version_page.text()
    );
}

#[tokio::test]
async fn the_archive_is_edited_on_the_web_and_old_headlines_follow() {
    let (store, _server) = published().await;
    let app = app_with(&store, Some(admin_config(Duration::from_secs(3600), true))).await;
    let c = Client::new(&app, "192.0.2.1:1");
    let (cookie, editor) = c.session().await;
    let added = c
        .post(
            "/admin/archive",
            Some(&cookie),
            &[
                ("csrf", &editor.csrf()),
                ("action", "add"),
                ("title", "Archived <story>"),
                ("url", "https://e.org/a"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text());
    app.live.refresh().await.unwrap();
    assert!(
        c.get("/old_headlines", None)
            .await
            .text()
            .contains("Archived &lt;story&gt;")
    );
    let page = c.get("/admin/archive", Some(&cookie)).await;
    let at = page.text().find("name=\"id\" value=\"").unwrap() + 17;
    let id = page.text()[at..at + 12].to_string();
    let deleted = c
        .post(
            "/admin/archive",
            Some(&cookie),
            &[("csrf", &page.csrf()), ("action", "delete"), ("id", &id)],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    app.live.refresh().await.unwrap();
    assert!(
        c.get("/old_headlines", None)
            .await
            .text()
            .contains("No old headlines yet.")
    );
    let unknown = c
        .post(
            "/admin/archive",
            Some(&cookie),
            &[("csrf", &page.csrf()), ("action", "delete"), ("id", "nope")],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_feed_health_page_shows_failures_and_asks_for_refreshes() {
    let (store, server) = published().await;
    let app = app_with(&store, Some(admin_config(Duration::from_secs(3600), true))).await;
    let c = Client::new(&app, "192.0.2.1:1");
    let (cookie, _) = c.session().await;
    let feeds = c.get("/admin/feeds", Some(&cookie)).await;
    assert_eq!(feeds.status, StatusCode::OK);
    assert_eq!(feeds.text().matches("<tr").count(), 3, "{}", feeds.text());
    assert!(
        feeds.text().contains("class=\"failing\""),
        "{}",
        feeds.text()
    );
    assert!(
        feeds.text().contains("HTTP 500"),
        "the full error: {}",
        feeds.text()
    );
    assert!(
        feeds.text().contains(&server.url("/broken.xml"))
            || feeds.text().contains(&server.url("/broken.xml"))
    );
    let id = newsdesk::model::feed_id(&server.url("/broken.xml"));
    let asked = c
        .post(
            "/admin/feeds",
            Some(&cookie),
            &[("csrf", &feeds.csrf()), ("feed", &id)],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER);
    let pending = refresh::pending(&store, "test").await.unwrap();
    assert_eq!(
        pending.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(),
        [id.as_str()]
    );
    assert!(
        c.get("/admin/feeds", Some(&cookie))
            .await
            .text()
            .contains("Refresh asked for")
    );
    let unknown = c
        .post(
            "/admin/feeds",
            Some(&cookie),
            &[("csrf", &feeds.csrf()), ("feed", "0123456789abcdef")],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

// ---- Through the real binary ----

fn form(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

fn hash_with_the_binary(password: &str) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_newsdesk-frontend"))
        .arg("hash-password")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    stdout.lines().last().unwrap().to_string()
}

#[test]
fn hash_password_refuses_an_empty_password() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_newsdesk-frontend"))
        .arg("hash-password")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the password is empty"));
}

#[tokio::test]
async fn over_a_socket_an_admin_logs_in_edits_and_the_public_page_shows_it_within_the_poll() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}/bucket", dir.path().display());
    let store = Store::open(&url, Role::Fetcher).unwrap();
    let (_server, _) = support::published(&store, 1, 5).await;

    let hash = hash_with_the_binary("s3cret passphrase");
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_newsdesk-frontend"))
        .args([
            "--store",
            &url,
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--poll",
            "1",
            "--admin-allow-http",
        ])
        .env("NEWSDESK_ADMIN_HASH", &hash)
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let result = async {
        let mut up = false;
        for _ in 0..100 {
            if http
                .get(format!("{base}/readyz"))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
            {
                up = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(up, "the frontend never became ready");
        let login = http
            .post(format!("{base}/admin/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[("password", "s3cret passphrase")]))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 303);
        let cookie = login.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let editor = http
            .get(format!("{base}/admin/headlines"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(editor.headers()["cache-control"], "no-store");
        let editor = editor.text().await.unwrap();
        let at = editor.find("name=\"csrf\" value=\"").unwrap() + 19;
        let csrf = editor[at..at + 64].to_string();
        let saved = http
            .post(format!("{base}/admin/headlines"))
            .header("cookie", &cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[
                ("csrf", csrf.as_str()),
                ("base", ""),
                ("title1", "Live from the socket"),
                ("url1", "https://e.org/live"),
            ]))
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status(), 303);
        let started = std::time::Instant::now();
        let mut shown = false;
        // The poll is 1 s; the issue's bound is 15 s with the default 5 s poll.
        while started.elapsed() < Duration::from_secs(15) {
            let page = http
                .get(format!("{base}/"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            if page.contains("Live from the socket") {
                shown = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(shown, "the edit never reached the public page");
        eprintln!(
            "edit visible on the public page after {} ms (poll 1 s)",
            started.elapsed().as_millis()
        );
    };
    let outcome = tokio::time::timeout(Duration::from_secs(60), result).await;
    let _ = child.kill();
    let _ = child.wait();
    outcome.expect("bounded");
}
