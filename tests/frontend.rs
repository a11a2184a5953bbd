//! The frontend on real parts: a loopback feed server, a real sync into a store, then the
//! router driven in-process (`oneshot`) or over a loopback socket.

mod common;

use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use common::{Behavior, FeedServer, generated_rss};
use newsdesk::frontend::{self, App, Options};
use newsdesk::store::{Role, Store};
use newsdesk::sync::{SyncOptions, sync};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

const SOURCES: usize = 4;

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(&name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }
}

async fn send(app: &Arc<App>, req: Request<Body>) -> Reply {
    let resp = frontend::router(app.clone()).oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

async fn get(app: &Arc<App>, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut req = Request::get(path).header(header::HOST, "test.example");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    send(app, req.body(Body::empty()).unwrap()).await
}

fn config(urls: &[String]) -> newsdesk::config::Config {
    let mut toml = String::from(
        "[fetch]\nallow_private_networks = true\ntimeout_secs = 3\nconnect_timeout_secs = 2\n\n\
         [[sites]]\nname = \"test\"\ntitle = \"Test Report\"\nhosts = [\"test.example\"]\n",
    );
    for u in urls {
        toml.push_str(&format!("\n[[sites.feeds]]\nurl = \"{u}\"\n"));
    }
    toml.push_str(
        "\n[[sites]]\nname = \"other\"\ntitle = \"Other Report\"\nhosts = [\"other.example\"]\n",
    );
    toml.push_str(&format!("\n[[sites.feeds]]\nurl = \"{}\"\n", urls[0]));
    newsdesk::config::parse(&toml, "test").unwrap()
}

/// A feed server with `SOURCES` generated feeds named `src0..`, published into `store`.
async fn published(store: &Store) -> (FeedServer, newsdesk::config::Config) {
    let server = FeedServer::start().await;
    let urls: Vec<String> = (0..SOURCES)
        .map(|i| {
            let path = format!("/f{i}.xml");
            server.set(
                &path,
                Behavior::Feed {
                    body: generated_rss(&format!("src{i}"), 12),
                    content_type: "application/xml",
                    etag: None,
                },
            );
            server.url(&path)
        })
        .collect();
    let config = config(&urls);
    sync(&config, store, &SyncOptions::default()).await.unwrap();
    (server, config)
}

async fn app_on(store: &Store, options: Options) -> Arc<App> {
    let app = App::new(store.clone(), options);
    app.live.refresh().await.unwrap();
    app
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    let mut out = vec![];
    flate2::read::GzDecoder::new(b)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn unbrotli(b: &[u8]) -> Vec<u8> {
    let mut out = vec![];
    brotli::BrotliDecompress(&mut &b[..], &mut out).unwrap();
    out
}

/// Where each source's box starts in a page, `None` if it is not there.
fn positions(html: &str) -> Vec<Option<usize>> {
    (0..SOURCES)
        .map(|i| html.find(&format!("src{i} story number 0 ")))
        .collect()
}

#[tokio::test]
async fn encodings_follow_accept_encoding_from_stored_bytes() {
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let _s = published(&store).await;
    let app = app_on(&store, Options::default()).await;
    let plain = get(&app, "/", &[]).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert_eq!(plain.header(header::CONTENT_ENCODING), "");
    assert_eq!(plain.header(header::VARY), "Accept-Encoding, Cookie");
    let gz = get(&app, "/", &[("accept-encoding", "gzip, deflate")]).await;
    assert_eq!(gz.header(header::CONTENT_ENCODING), "gzip");
    assert_eq!(gunzip(&gz.body), plain.body);
    let br = get(&app, "/", &[("accept-encoding", "gzip, br")]).await;
    assert_eq!(br.header(header::CONTENT_ENCODING), "br");
    assert_eq!(unbrotli(&br.body), plain.body);
    let refused = get(&app, "/", &[("accept-encoding", "br;q=0, gzip;q=0")]).await;
    assert_eq!(refused.body, plain.body);
    let etags: std::collections::HashSet<&str> = [&plain, &gz, &br]
        .iter()
        .map(|r| r.header(header::ETAG))
        .collect();
    assert_eq!(
        etags.len(),
        3,
        "each representation has its own strong ETag"
    );
    assert!(
        etags
            .iter()
            .all(|e| e.starts_with('"') && !e.starts_with("W/"))
    );
    let json = get(&app, "/api/headlines", &[("accept-encoding", "gzip")]).await;
    assert_eq!(json.header(header::CONTENT_TYPE), "application/json");
    assert!(serde_json::from_slice::<serde_json::Value>(&gunzip(&json.body)).is_ok());
}

#[tokio::test]
async fn returns_304_when_etag_matches_and_200_when_it_does_not() {
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let _s = published(&store).await;
    let app = app_on(&store, Options::default()).await;
    let first = get(&app, "/", &[("accept-encoding", "gzip")]).await;
    let etag = first.header(header::ETAG).to_string();
    let again = get(
        &app,
        "/",
        &[("accept-encoding", "gzip"), ("if-none-match", &etag)],
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    assert_eq!(again.header(header::ETAG), etag);
    assert_eq!(
        again.header(header::CACHE_CONTROL),
        first.header(header::CACHE_CONTROL)
    );
    assert_eq!(again.header(header::VARY), first.header(header::VARY));
    let list = format!("\"nope\", W/{etag}");
    assert_eq!(
        get(
            &app,
            "/",
            &[("accept-encoding", "gzip"), ("if-none-match", &list)]
        )
        .await
        .status,
        StatusCode::NOT_MODIFIED
    );
    // The gzip tag does not validate the identity representation.
    assert_eq!(
        get(&app, "/", &[("if-none-match", &etag)]).await.status,
        StatusCode::OK
    );
    assert_eq!(
        get(
            &app,
            "/",
            &[("accept-encoding", "gzip"), ("if-none-match", "\"old\"")]
        )
        .await
        .status,
        StatusCode::OK
    );
    let css = newsdesk::assets::urls()["style.css"].clone();
    let asset = get(&app, &css, &[]).await;
    let cached = get(&app, &css, &[("if-none-match", asset.header(header::ETAG))]).await;
    assert_eq!(cached.status, StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn head_answers_headers_without_a_body() {
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let _s = published(&store).await;
    let app = app_on(&store, Options::default()).await;
    let full = get(&app, "/", &[("accept-encoding", "br")]).await;
    let req = Request::head("/")
        .header(header::HOST, "test.example")
        .header("accept-encoding", "br");
    let head = send(&app, req.body(Body::empty()).unwrap()).await;
    assert_eq!(head.status, StatusCode::OK);
    assert!(head.body.is_empty());
    assert_eq!(head.header(header::ETAG), full.header(header::ETAG));
    assert_eq!(head.header(header::CONTENT_ENCODING), "br");
    assert_eq!(
        head.header(header::CONTENT_LENGTH),
        full.body.len().to_string()
    );
}

#[tokio::test]
async fn cache_control_and_security_headers_by_kind() {
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let _s = published(&store).await;
    let app = app_on(&store, Options::default()).await;
    let page = get(&app, "/", &[]).await;
    assert_eq!(
        page.header(header::CACHE_CONTROL),
        "public, max-age=10, stale-while-revalidate=30, stale-if-error=86400"
    );
    let css = get(
        &app,
        &newsdesk::assets::urls()["style.css"],
        &[("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(
        css.header(header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(css.header(header::CONTENT_ENCODING), "gzip");
    assert_eq!(css.header(header::CONTENT_TYPE), "text/css; charset=utf-8");
    let layout = get(&app, "/", &[("cookie", "nd_layout=1:!zz")]).await;
    assert_eq!(
        layout.header(header::CACHE_CONTROL),
        "public, max-age=10, stale-while-revalidate=30, stale-if-error=86400"
    );
    for r in [
        &page,
        &css,
        &get(&app, "/nope", &[]).await,
        &get(&app, "/readyz", &[]).await,
    ] {
        let csp = r.header(header::CONTENT_SECURITY_POLICY);
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(r.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert_eq!(
            r.header(header::REFERRER_POLICY),
            "strict-origin-when-cross-origin"
        );
    }
}

#[tokio::test]
async fn no_path_however_encoded_escapes_the_assets() {
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let _s = published(&store).await;
    let app = app_on(&store, Options::default()).await;
    let css = newsdesk::assets::urls()["style.css"].clone();
    for bad in [
        "/sites.json",
        "/sites/test/manifest.json",
        "/state/fetch/all.json",
        "/assets/..%2fsites.json",
        "/assets/%2e%2e%2fsites.json",
        "/assets/%2E%2E/sites.json",
        "/assets/..%252fsites.json",
        "/assets/%252e%252e%252fsites.json",
        "/assets/..%5csites.json",
        "/assets/..%5c..%5csites.json",
        "/assets/style.0123456789abcdef.css%00",
        "/assets/style.0123456789abcdef.css%2f..%2f..%2fsites.json",
        "/assets/%ff%fe",
        "/assets/",
        "/assets/../sites.json",
        "/..%2fsites.json",
        "//sites.json",
        &format!("{css}/../../sites.json"),
        &format!("{css}%2f..%2f..%2fsites.json"),
        &format!("{css}.br"),
    ] {
        let r = get(&app, bad, &[]).await;
        assert!(r.status.is_client_error(), "{bad}: {}", r.status);
        assert!(
            !r.text().contains("\"sites\""),
            "{bad} leaked the site index"
        );
    }
}

#[tokio::test]
async fn raw_traversal_request_lines_and_oversized_headers_get_4xx() {
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let _s = published(&store).await;
    let (addr, _stop) = spawn_server(app_on(&store, Options::default()).await).await;
    for target in [
        "/../sites.json",
        "/assets/../../sites.json",
        "/assets/..\\..\\sites.json",
        "/./sites.json",
        "sites.json",
    ] {
        let resp = raw(
            addr,
            format!("GET {target} HTTP/1.1\r\nHost: test.example\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await;
        let status = status_of(&resp);
        assert!((400..500).contains(&status), "{target}: {resp}");
        assert!(!resp.contains("\"sites\""));
    }
    let many: String = (0..300).map(|i| format!("X-H{i}: v\r\n")).collect();
    let resp = raw(
        addr,
        format!("GET / HTTP/1.1\r\nHost: test.example\r\n{many}Connection: close\r\n\r\n")
            .as_bytes(),
    )
    .await;
    assert_eq!(status_of(&resp), 431, "too many headers");
    let huge = "a".repeat(1 << 20);
    let resp = raw(
        addr,
        format!("GET / HTTP/1.1\r\nHost: test.example\r\nX-Big: {huge}\r\n\r\n").as_bytes(),
    )
    .await;
    assert_eq!(status_of(&resp), 431, "a header of 1 MiB");
    let ok = raw(
        addr,
        b"GET /healthz HTTP/1.1\r\nHost: test.example\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status_of(&ok), 200);
}

#[tokio::test]
async fn cookie_abuse_gives_the_default_page() {
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let _s = published(&store).await;
    let app = app_on(&store, Options::default()).await;
    let default = get(&app, "/", &[]).await;
    let long = format!("nd_layout=1:{}", "a.".repeat(4000));
    let many: String = (0..500).map(|i| format!("nd_layout=1:!x{i}; ")).collect();
    for cookie in [
        "nd_layout=2:aa.bb",
        "nd_layout=garbage",
        "nd_layout=1:<script>alert(1)</script>",
        "nd_layout=1:aa%2e%2e%2fbb",
        "nd_layout=",
        "nd_layout",
        ";;;=;=",
        long.as_str(),
        many.as_str(),
    ] {
        let r = get(&app, "/", &[("cookie", cookie)]).await;
        assert_eq!(r.status, StatusCode::OK, "{cookie:.40}");
        assert_eq!(r.body, default.body, "{cookie:.40}");
    }
    let mut req = Request::get("/")
        .header(header::HOST, "test.example")
        .body(Body::empty())
        .unwrap();
    req.headers_mut().insert(
        header::COOKIE,
        HeaderValue::from_bytes(b"nd_layout=1:\xff\xfe").unwrap(),
    );
    let r = send(&app, req).await;
    assert_eq!(
        (r.status, r.body == default.body),
        (StatusCode::OK, true),
        "non-UTF-8 cookie"
    );
    let r = get(&app, "/config", &[("cookie", "nd_layout=9:zz")]).await;
    assert_eq!(r.status, StatusCode::OK);
}

/// The source ids of the test site, in the site's order.
fn source_ids(app: &Arc<App>) -> Vec<String> {
    let site = app
        .live
        .snapshot()
        .site_for_host(Some("test.example"))
        .unwrap()
        .clone();
    site.manifest
        .fragments
        .iter()
        .map(|f| f.id.clone())
        .collect()
}

async fn post_config(app: &Arc<App>, form: &str, extra: &[(&str, &str)]) -> Reply {
    let mut req = Request::post("/config")
        .header(header::HOST, "test.example")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    send(app, req.body(Body::from(form.to_string())).unwrap()).await
}

#[tokio::test]
async fn a_reader_layout_reorders_and_hides_sources_from_a_plain_form() {
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let _s = published(&store).await;
    let app = app_on(&store, Options::default()).await;
    let ids = source_ids(&app);

    let form = get(&app, "/config", &[]).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(form.header(header::CACHE_CONTROL), "private, no-store");
    let html = form.text();
    assert!(html.contains("<form class=\"layout\" method=\"post\" action=\"/config\">"));
    assert!(
        !html.contains("<script"),
        "the form works without JavaScript"
    );
    for id in &ids {
        assert!(
            html.contains(&format!("name=\"show-{id}\" checked")),
            "{id} shown by default"
        );
    }

    // Source 3 first, then 0, hide 1, keep 2.
    let body = format!(
        "pos-{a}=2&show-{a}=on&pos-{b}=9&pos-{c}=3&show-{c}=on&pos-{d}=1&show-{d}=on",
        a = ids[0],
        b = ids[1],
        c = ids[2],
        d = ids[3]
    );
    let saved = post_config(&app, &body, &[("origin", "http://test.example")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(saved.header(header::LOCATION), "/");
    let set_cookie = saved.header(header::SET_COOKIE).to_string();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    let cookie = set_cookie.split(';').next().unwrap().to_string();

    let page = get(&app, "/", &[("cookie", &cookie)]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header(header::CACHE_CONTROL), "private, max-age=10");
    let p = positions(&page.text());
    assert_eq!(p[1], None, "hidden source is gone");
    let (first, then, last) = (p[3].unwrap(), p[0].unwrap(), p[2].unwrap());
    assert!(first < then && then < last, "{p:?}");
    let default = get(&app, "/", &[]).await;
    assert_ne!(page.header(header::ETAG), default.header(header::ETAG));
    assert!(
        page.text().starts_with("<!doctype html>") && page.text().trim_end().ends_with("</html>")
    );

    // Compressed once per layout and generation; each encoding decodes to the same page.
    let gz = get(
        &app,
        "/",
        &[("cookie", &cookie), ("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(gunzip(&gz.body), page.body);
    let br = get(&app, "/", &[("cookie", &cookie), ("accept-encoding", "br")]).await;
    assert_eq!(unbrotli(&br.body), page.body);
    let c = &app.live.counters;
    assert_eq!(
        c.layout_misses.load(std::sync::atomic::Ordering::Relaxed),
        1
    );
    assert_eq!(c.layout_hits.load(std::sync::atomic::Ordering::Relaxed), 2);
    let revalidated = get(
        &app,
        "/",
        &[
            ("cookie", &cookie),
            ("accept-encoding", "br"),
            ("if-none-match", br.header(header::ETAG)),
        ],
    )
    .await;
    assert_eq!(revalidated.status, StatusCode::NOT_MODIFIED);

    // The form shows the saved order; reset forgets it.
    let html = get(&app, "/config", &[("cookie", &cookie)]).await.text();
    let at = |id: &str| html.find(&format!("name=\"show-{id}\"")).unwrap();
    assert!(at(&ids[3]) < at(&ids[0]) && at(&ids[0]) < at(&ids[2]) && at(&ids[2]) < at(&ids[1]));
    assert!(
        html.contains(&format!("name=\"show-{}\">", ids[1])),
        "hidden source is unticked"
    );
    let reset = post_config(&app, "reset=1", &[]).await;
    assert!(
        reset
            .header(header::SET_COOKIE)
            .starts_with("nd_layout=; Path=/; Max-Age=0")
    );
}

#[tokio::test]
async fn config_posts_from_other_sites_or_too_big_are_refused() {
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let _s = published(&store).await;
    let app = app_on(&store, Options::default()).await;
    let evil = post_config(&app, "reset=1", &[("origin", "https://evil.example")]).await;
    assert_eq!(evil.status, StatusCode::FORBIDDEN);
    assert!(evil.headers.get(header::SET_COOKIE).is_none());
    let huge = format!("pos-a={}", "1".repeat(100 * 1024));
    assert_eq!(
        post_config(&app, &huge, &[]).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let req = Request::post("/config")
        .header(header::HOST, "test.example")
        .header(header::CONTENT_TYPE, "text/plain");
    assert!(
        send(&app, req.body(Body::from("x")).unwrap())
            .await
            .status
            .is_client_error()
    );
    let mangled = post_config(&app, "%%%=&&=%ff", &[]).await;
    assert!(
        mangled.status.is_client_error() || mangled.status == StatusCode::SEE_OTHER,
        "{}",
        mangled.status
    );
}

#[tokio::test]
async fn sites_are_chosen_by_host_and_unknown_hosts_get_the_default() {
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let _s = published(&store).await;
    let app = app_on(&store, Options::default()).await;
    let title = |r: Reply| {
        r.text()
            .split("<title>")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string()
    };
    let req = |host: &str| {
        Request::get("/")
            .header(header::HOST, host)
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(
        title(send(&app, req("OTHER.example:8080")).await),
        "Other Report"
    );
    assert_eq!(title(send(&app, req("test.example")).await), "Test Report");
    assert_eq!(
        title(send(&app, req("unknown.example")).await),
        "Test Report"
    );
    assert_eq!(
        title(send(&app, Request::get("/").body(Body::empty()).unwrap()).await),
        "Test Report"
    );
}

#[tokio::test]
async fn the_last_good_copy_is_served_when_the_bucket_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let bucket = dir.path().join("bucket");
    let url = format!("file://{}", bucket.display());
    let _s = published(&Store::open(&url, Role::Fetcher).unwrap()).await;
    let app = app_on(
        &Store::open(&url, Role::Frontend).unwrap(),
        Options {
            stale_after: Duration::from_secs(3600),
            ..Options::default()
        },
    )
    .await;
    let ids = source_ids(&app);
    let before = get(&app, "/", &[("accept-encoding", "gzip")]).await;
    assert_eq!(get(&app, "/readyz", &[]).await.status, StatusCode::OK);

    std::fs::remove_dir_all(&bucket).unwrap();
    assert!(app.live.refresh().await.is_err(), "the failure is reported");
    let after = get(&app, "/", &[("accept-encoding", "gzip")]).await;
    assert_eq!(after.status, StatusCode::OK);
    assert_eq!(after.body, before.body);
    assert_eq!(
        get(&app, "/api/headlines", &[]).await.status,
        StatusCode::OK
    );
    // Layout parts were loaded with the generation, so a layout never seen before still works.
    let layout = get(
        &app,
        "/",
        &[("cookie", &format!("nd_layout=1:{}.!{}", ids[2], ids[0]))],
    )
    .await;
    assert_eq!(layout.status, StatusCode::OK);
    assert_eq!(positions(&layout.text())[0], None);
    assert_eq!(
        get(&app, "/readyz", &[]).await.status,
        StatusCode::OK,
        "within stale_after, still ready"
    );
    let metrics = get(&app, "/metrics", &[]).await.text();
    assert!(
        metrics.contains("newsdesk_bucket_errors_total 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn readiness_waits_for_a_site_and_fails_when_data_is_stale() {
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let empty = App::new(store.clone(), Options::default());
    let r = get(&empty, "/readyz", &[]).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        get(&empty, "/healthz", &[]).await.status,
        StatusCode::OK,
        "alive while not ready"
    );
    assert_eq!(
        get(&empty, "/", &[]).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    empty.live.refresh().await.unwrap();
    assert_eq!(
        get(&empty, "/readyz", &[]).await.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "an empty bucket is not ready"
    );

    let _s = published(&store).await;
    empty.live.refresh().await.unwrap();
    assert_eq!(get(&empty, "/readyz", &[]).await.status, StatusCode::OK);
    let strict = app_on(
        &store,
        Options {
            stale_after: Duration::ZERO,
            ..Options::default()
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let r = get(&strict, "/readyz", &[]).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.text().starts_with("stale"), "{}", r.text());
}

#[tokio::test]
async fn metrics_count_routes_statuses_caches_and_ages() {
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let _s = published(&store).await;
    let app = app_on(&store, Options::default()).await;
    get(&app, "/", &[]).await;
    get(&app, "/", &[]).await;
    get(&app, "/wp-login.php", &[]).await;
    get(&app, &newsdesk::assets::urls()["style.css"], &[]).await;
    let r = get(&app, "/metrics", &[]).await;
    assert_eq!(
        r.header(header::CONTENT_TYPE),
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let m = r.text();
    for line in [
        "newsdesk_http_requests_total{route=\"/\",status=\"200\"} 2",
        "newsdesk_http_requests_total{route=\"other\",status=\"404\"} 1",
        "newsdesk_http_requests_total{route=\"/assets/{name}\",status=\"200\"} 1",
        "newsdesk_http_request_duration_seconds_bucket{route=\"/\",le=\"+Inf\"} 2",
        "newsdesk_http_request_duration_seconds_count{route=\"/\"} 2",
        "newsdesk_cache_misses_total{cache=\"objects\"}",
        "newsdesk_manifest_generation{site=\"test\"} 1",
        "newsdesk_manifest_age_seconds{site=\"other\"}",
        "newsdesk_bucket_errors_total 0",
    ] {
        assert!(m.contains(line), "missing {line:?} in\n{m}");
    }
    let bytes: u64 = m
        .lines()
        .find_map(|l| l.strip_prefix("newsdesk_cache_bytes{cache=\"objects\"} "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(bytes > 1000, "fragments and the asset are cached: {bytes}");
}

/// Runs the real server on a loopback port; dropping the sender stops it.
async fn spawn_server(app: Arc<App>) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(frontend::serve(app, listener, async move {
        let _ = rx.await;
    }));
    (addr, tx)
}

async fn raw(addr: std::net::SocketAddr, request: &[u8]) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    // The server may answer and close before reading all of an oversized request.
    let _ = s.write_all(request).await;
    let mut out = vec![];
    let _ = s.read_to_end(&mut out).await;
    String::from_utf8_lossy(&out).into_owned()
}

fn status_of(resp: &str) -> u16 {
    resp.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn a_new_generation_is_served_within_poll_plus_one_second() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}/bucket", dir.path().display());
    let fetcher_store = Store::open(&url, Role::Fetcher).unwrap();
    let (server, config) = published(&fetcher_store).await;
    let poll = Duration::from_secs(1);
    let app = App::start(
        Store::open(&url, Role::Frontend).unwrap(),
        Options {
            poll,
            ..Options::default()
        },
    )
    .await;
    let (addr, _stop) = spawn_server(app).await;
    let page = || async {
        raw(
            addr,
            b"GET / HTTP/1.1\r\nHost: test.example\r\nConnection: close\r\n\r\n",
        )
        .await
    };
    assert!(page().await.contains("src0 story number 0 "));

    server.set(
        "/f0.xml",
        Behavior::Feed {
            body: generated_rss("fresh", 3),
            content_type: "application/xml",
            etag: None,
        },
    );
    sync(
        &config,
        &fetcher_store,
        &SyncOptions {
            force: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let published_at = Instant::now();
    while !page().await.contains("fresh story number 0 ") {
        assert!(
            published_at.elapsed() <= poll + Duration::from_secs(1),
            "new generation not served within poll + 1 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn shutdown_finishes_the_request_in_flight() {
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let _s = published(&store).await;
    let (addr, stop) = spawn_server(app_on(&store, Options::default()).await).await;
    // A request whose head is still arriving when shutdown begins is answered, then the
    // connection closes.
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: test.example\r\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    drop(stop);
    tokio::time::sleep(Duration::from_millis(50)).await;
    s.write_all(b"\r\n").await.unwrap();
    let mut out = vec![];
    s.read_to_end(&mut out).await.unwrap();
    let out = String::from_utf8_lossy(&out);
    assert_eq!(status_of(&out), 200, "{out}");
    // The server closed a keep-alive connection, so it is shutting down and has let go of the
    // listener.
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "no new connections after shutdown"
    );
}
