//! Serving published pages: encodings, validators, HEAD, cache and security headers, hosts, metrics.

use super::*;
use newsdesk::store::Role;

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
async fn sites_are_chosen_by_host_and_unknown_hosts_get_the_default() {
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let _s = published(&store).await;
    let app = app_on(&store, Options::default()).await;
    let req = |host: &str| {
        Request::get("/")
            .header(header::HOST, host)
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(
        title(&send(&app, req("OTHER.example:8080")).await),
        "Other Report"
    );
    assert_eq!(title(&send(&app, req("test.example")).await), "Test Report");
    assert_eq!(
        title(&send(&app, req("unknown.example")).await),
        "Test Report"
    );
    assert_eq!(
        title(&send(&app, Request::get("/").body(Body::empty()).unwrap()).await),
        "Test Report"
    );
    // HTTP/2 names the host in the URI's authority, without a Host header.
    let h2 = Request::get("https://other.example/").version(axum::http::Version::HTTP_2);
    assert_eq!(
        title(&send(&app, h2.body(Body::empty()).unwrap()).await),
        "Other Report"
    );
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
        "newsdesk_site_loaded{site=\"test\"} 1",
        "newsdesk_site_load_errors_total{site=\"other\"} 0",
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
