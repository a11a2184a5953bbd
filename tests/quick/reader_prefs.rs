//! A reader's look (theme, font, underlined links) through the real router: readers who chose
//! nothing, or chose the defaults, share the one cached page byte for byte; a choice is the
//! same page with attributes on `<html>`, private to that reader; `/config` saves it.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use newsdesk::fetcher::{SyncOptions, sync};
use newsdesk::frontend::{self, App, Options};

use crate::support::{FeedServer, Reply, app_on, config_for, memory_store, rss, send, source_ids};

/// `path` with the reader's `cookie` (none when empty): status, headers and the page's text.
async fn get(app: &Arc<App>, path: &str, cookie: &str) -> (StatusCode, HeaderMap, String) {
    let headers: &[(&str, &str)] = if cookie.is_empty() {
        &[]
    } else {
        &[("cookie", cookie)]
    };
    let reply = crate::support::get(app, path, headers).await;
    (reply.status, reply.headers.clone(), reply.text())
}

async fn app() -> (FeedServer, Arc<App>) {
    let server = FeedServer::start().await;
    for name in ["one", "two", "three"] {
        server.set(&format!("/{name}.xml"), rss(name, 10));
    }
    let urls: Vec<String> = ["one", "two", "three"]
        .iter()
        .map(|n| server.url(&format!("/{n}.xml")))
        .collect();
    let store = memory_store();
    sync(&config_for(&urls), &store, &SyncOptions::default())
        .await
        .unwrap();
    (server, app_on(&store, Options::default()).await)
}

#[tokio::test]
async fn readers_without_a_choice_share_one_page_and_a_choice_only_marks_html() {
    let (_server, app) = app().await;
    let (status, shared_headers, shared) = get(&app, "/", "").await;
    assert_eq!(status, StatusCode::OK);
    let etag = &shared_headers[header::ETAG];
    assert!(
        shared_headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .starts_with("public")
    );

    for cookie in [
        "nd_prefs=auto.sans.n",
        "nd_prefs=%3Cx%3E",
        "nd_prefs=",
        "theme=dark",
    ] {
        let (_, h, body) = get(&app, "/", cookie).await;
        assert_eq!(&h[header::ETAG], etag, "{cookie}: the shared page");
        assert_eq!(body, shared, "{cookie}");
    }

    let (status, h, chosen) = get(&app, "/", "nd_prefs=dark.serif.u").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h[header::CACHE_CONTROL], "private, max-age=10");
    assert_ne!(&h[header::ETAG], etag);
    assert_eq!(
        chosen,
        shared.replacen(
            "<html lang=\"en\">",
            "<html lang=\"en\" data-theme=\"dark\" data-font=\"serif\" data-underline=\"\">",
            1
        ),
        "the same page, with the choice on <html> only"
    );

    // A layout and a look together.
    let ids = source_ids(&app);
    let both = format!("nd_layout=1:!{}; nd_prefs=contrast.sans.n", ids[0]);
    let (_, _, page) = get(&app, "/", &both).await;
    assert!(page.starts_with("<!doctype html>\n<html lang=\"en\" data-theme=\"contrast\">"));
    assert!(!page.contains(&format!("id=\"src-{}\"", ids[0])));
    assert!(page.contains(&format!("id=\"src-{}\"", ids[1])));
}

#[tokio::test]
async fn config_saves_the_look_and_shows_it() {
    let (_server, app) = app().await;
    let (_, _, form) = get(&app, "/config", "").await;
    assert!(form.contains("<input type=\"radio\" name=\"theme\" value=\"auto\" checked>"));
    assert!(form.contains("<input type=\"radio\" name=\"font\" value=\"sans\" checked>"));
    assert!(!form.contains("<script"), "works without JavaScript");

    let req = Request::post("/config")
        .header(header::HOST, "test.example")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("theme=sepia&font=mono&underline=on"))
        .unwrap();
    let Reply {
        status, headers: h, ..
    } = send(frontend::router(app.clone()), req).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let cookies: Vec<&str> = h
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(
        cookies.len(),
        1,
        "only the look: the layout is left as it was"
    );
    assert!(
        cookies[0].starts_with("nd_prefs=sepia.mono.u; Path=/;"),
        "{cookies:?}"
    );

    let (_, h, form) = get(&app, "/config", "nd_prefs=sepia.mono.u").await;
    assert_eq!(h[header::CACHE_CONTROL], "private, no-store");
    assert!(form.contains(
        "<html lang=\"en\" data-theme=\"sepia\" data-font=\"mono\" data-underline=\"\">"
    ));
    assert!(form.contains("value=\"sepia\" checked>"));
    assert!(form.contains("value=\"mono\" checked>"));
    assert!(form.contains("<input type=\"checkbox\" name=\"underline\" checked>"));

    let req = Request::post("/config")
        .header(header::HOST, "test.example")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("reset=1"))
        .unwrap();
    let h = send(frontend::router(app.clone()), req).await.headers;
    let cookies: Vec<&str> = h
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(cookies[0].starts_with("nd_layout=; Path=/; Max-Age=0"));
    assert!(
        cookies[1].starts_with("nd_prefs=auto.sans.n;"),
        "the default is written, so the page's script does not restore an old choice"
    );
}
