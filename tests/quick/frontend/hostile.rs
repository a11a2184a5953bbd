//! Hostile requests: traversal however encoded, oversized headers, cookie abuse, cross-site and oversized forms. Each gets a 4xx or the default page, never a 5xx.

use super::*;
use axum::http::HeaderValue;
use newsdesk::store::Role;

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
        // Published objects that are not pages: only names starting with `/` are served.
        "/part/top",
        "/fragment/x",
        "/api/headlines/",
        "/api/headlines%2f..",
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
async fn published_pages_answer_get_and_head_only() {
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let _s = published(&store).await;
    let app = app_on(&store, Options::default()).await;
    assert_eq!(
        get(&app, "/api/headlines", &[]).await.status,
        StatusCode::OK
    );
    for method in ["POST", "PUT", "DELETE"] {
        let req = Request::builder()
            .method(method)
            .uri("/api/headlines")
            .header(header::HOST, "test.example")
            .body(Body::empty())
            .unwrap();
        assert_eq!(
            send(&app, req).await.status,
            StatusCode::NOT_FOUND,
            "{method}"
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
