//! `/search` and `/api/search` through a published site on `memory://` and `file://` stores
//! (Garage: tests/garage), what bad queries get, and the per-client share.

use newsdesk::frontend::Options;
use newsdesk::store::{Role, Store};

use crate::support::search::search_through_a_published_site;
use crate::support::{app_on, get, memory_store, published};

#[tokio::test]
async fn search_on_a_memory_store() {
    search_through_a_published_site(&memory_store()).await;
}

#[tokio::test]
async fn search_on_a_file_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("file://{}", dir.path().display()), Role::Fetcher).unwrap();
    search_through_a_published_site(&store).await;
}

#[tokio::test]
async fn bad_queries_get_a_page_or_a_400_never_a_5xx() {
    let store = memory_store();
    let (_server, _config) = published(&store, 2, 5).await;
    let app = app_on(&store, Options::default()).await;
    let long = format!("/search?q={}", "a".repeat(10 * 1024));
    let long_api = format!("/api/search?q={}", "%C3%A9".repeat(4 * 1024));
    let many = format!("/api/search?q={}", ["w"; 9].join("+"));
    let cases: &[(&str, u16)] = &[
        ("/search", 200),
        ("/search?q=", 200),
        ("/search?q=+++", 200),
        ("/api/search", 400),
        ("/api/search?q=", 400),
        (&long, 400),
        (&long_api, 400),
        (&many, 400),
        ("/api/search?q=.*", 400),
        ("/search?q=%5B%5E%5D*%28%3F%3D%29%7C%5C", 400),
        ("/api/search?q=src0+(story|number)+.*", 200),
        (
            "/api/search?q=%E6%97%A5%E6%9C%AC%E8%AA%9E+%F0%9F%99%82+%EF%B7%BD",
            200,
        ),
        ("/api/search?q=%FF%FE", 400),
        ("/api/search?q=story&page=0", 400),
        ("/api/search?q=story&page=51", 400),
        ("/api/search?q=story&page=99999999999999999999999", 400),
        ("/api/search?q=story&page=50", 200),
        ("/search?q=%3Cscript%3Ealert(1)%3C/script%3E", 200),
    ];
    for (path, status) in cases {
        let reply = get(&app, path, &[]).await;
        assert_eq!(reply.status.as_u16(), *status, "{path}: {}", reply.text());
        if reply.status == 400 {
            assert_eq!(reply.header(axum::http::header::CACHE_CONTROL), "no-store");
        }
    }
    let xss = get(&app, "/search?q=%3Cscript%3Ealert(1)%3C/script%3E", &[])
        .await
        .text();
    assert!(!xss.contains("<script>alert"), "{xss}");
    let found = get(&app, "/api/search?q=src0+(story|number)+.*", &[])
        .await
        .json();
    assert_eq!(
        found["results"].as_array().unwrap().len(),
        5,
        "punctuation is no operator"
    );
}

#[tokio::test]
async fn each_client_network_has_a_share_of_searches_and_answers_are_cached() {
    let store = memory_store();
    let (_server, _config) = published(&store, 1, 3).await;
    let app = app_on(&store, Options::default()).await;
    let share = newsdesk::frontend::search_cache::SEARCHES_PER_CLIENT as usize;
    for i in 0..share {
        let reply = get(&app, &format!("/api/search?q=story+{i}"), &[]).await;
        assert_eq!(reply.status, 200, "{i}");
    }
    let over = get(&app, "/api/search?q=story+more", &[]).await;
    assert_eq!(over.status, 429);
    assert!(!over.header(axum::http::header::RETRY_AFTER).is_empty());
    // An answer already made costs nothing from the share.
    assert_eq!(get(&app, "/api/search?q=story+0", &[]).await.status, 200);
}
