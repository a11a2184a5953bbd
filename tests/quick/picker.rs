//! Automatic headlines against real loopback servers: a chat-completions server whose answers
//! each test scripts (good, invented, garbage, malformed, failing, slow, oversized), and a web
//! server for article pages and their lead images (too large, not an image, on a private
//! address, missing).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use newsdesk::config::{FetchConfig, SiteConfig};
use newsdesk::fetch::HttpClient;
use newsdesk::picker::og_image::{ImageError, lead_image};
use newsdesk::picker::{
    Candidate, PickRequest, Picked, PickedBefore, Settings, Via, pick_now, run_if_due,
};
use serde_json::{Value, json};

use crate::support::rng::Rng;
use crate::support::{Behavior, FeedServer};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
const KEY_VAR: &str = "NEWSDESK_TEST_LLM_KEY";

/// What the chat server answers next.
#[derive(Clone)]
enum Reply {
    /// A chat completion whose message content is this text.
    Content(String),
    Raw(u16, String),
    Slow(Duration, String),
}

/// A chat-completions server on loopback that records each request.
struct ChatServer {
    addr: SocketAddr,
    reply: Arc<Mutex<Reply>>,
    requests: Arc<Mutex<Vec<(String, HeaderMap, Value)>>>,
}

impl ChatServer {
    async fn start(reply: Reply) -> ChatServer {
        let reply = Arc::new(Mutex::new(reply));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (r, log) = (reply.clone(), requests.clone());
        let app = axum::Router::new().fallback(
            move |uri: axum::http::Uri, headers: HeaderMap, body: Bytes| {
                let (r, log) = (r.clone(), log.clone());
                async move {
                    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    log.lock()
                        .unwrap()
                        .push((uri.path().to_string(), headers, json));
                    let reply = r.lock().unwrap().clone();
                    answer(reply).await
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        ChatServer {
            addr,
            reply,
            requests,
        }
    }

    fn requests(&self) -> Vec<(String, HeaderMap, Value)> {
        self.requests.lock().unwrap().clone()
    }
}

async fn answer(reply: Reply) -> axum::response::Response {
    let completion = |content: &str| {
        json!({
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
        })
        .to_string()
    };
    match reply {
        Reply::Content(text) => (StatusCode::OK, completion(&text)).into_response(),
        Reply::Raw(status, body) => (StatusCode::from_u16(status).unwrap(), body).into_response(),
        Reply::Slow(delay, text) => {
            tokio::time::sleep(delay).await;
            (StatusCode::OK, completion(&text)).into_response()
        }
    }
}

/// The fixture's candidates with their links moved onto `web` (so fetching the lead's page
/// stays on loopback), and the fixture's `now`.
fn candidates(web: &FeedServer) -> (Vec<Candidate>, DateTime<Utc>) {
    #[derive(serde::Deserialize)]
    struct Fixture {
        now: DateTime<Utc>,
        candidates: Vec<Candidate>,
    }
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/picker/entries.json"
    ))
    .unwrap();
    let mut f: Fixture = serde_json::from_str(&text).unwrap();
    for c in &mut f.candidates {
        let url = url::Url::parse(&c.link).unwrap();
        c.link = web.url(&format!("/{}{}", url.host_str().unwrap(), url.path()));
    }
    (f.candidates, f.now)
}

/// A site with `[sites.headlines]` as an operator writes it; `llm` adds the model table.
fn site(llm: Option<(&ChatServer, u64)>) -> SiteConfig {
    let mut toml = String::from(
        "[[sites]]\nname = \"linux\"\ntitle = \"Linux Report\"\n\n[sites.headlines]\n\
         schedule = \"0 0 6,12,18 * * *\"\naudience = \"Linux system administrators\"\n",
    );
    if let Some((chat, timeout)) = llm {
        toml.push_str(&format!(
            "picker = \"llm\"\n\n[sites.headlines.llm]\nbase_url = \"http://{}\"\n\
             model = \"test-model\"\napi_key_env = \"{KEY_VAR}\"\ntimeout_secs = {timeout}\n",
            chat.addr
        ));
    }
    newsdesk::config::parse(&toml, "test")
        .unwrap()
        .sites
        .remove(0)
}

fn http(allow_private: bool) -> HttpClient {
    // The test server's pages and images are all on 127.0.0.1: only a listed host may be
    // private (allow_private_networks covers configured feed hosts, and there is no config).
    HttpClient::new(&FetchConfig {
        allow_private_hosts: if allow_private {
            vec!["127.0.0.1".into()]
        } else {
            vec![]
        },
        timeout_secs: 3,
        connect_timeout_secs: 2,
        ..FetchConfig::default()
    })
    .unwrap()
}

fn with_key(name: &str) -> Option<String> {
    (name == KEY_VAR).then(|| "test-key-123".to_string())
}

/// One pick for `site` over the fixture, now, with the key in the environment.
async fn pick(site: &SiteConfig, web: &FeedServer, env: &dyn Fn(&str) -> Option<String>) -> Picked {
    let (cs, now) = candidates(web);
    let req = PickRequest {
        site_name: site.name.as_str(),
        site_title: &site.title,
        config: site.headlines.as_ref().unwrap(),
        candidates: &cs,
        picked_before: &PickedBefore::new(),
        last_pick: None,
        now,
        settings: &Settings::default(),
    };
    pick_now(&req, &http(true), env).await.unwrap()
}

fn titles(p: &Picked) -> Vec<&str> {
    p.items.iter().map(|i| i.title.as_str()).collect()
}

const LINUX: &str = "Linux 6.18 Released With Rust Binder Driver, New Scheduler Work";
const FIREFOX: &str = "Firefox 146 adds vertical tabs for everyone";
const OPENSSL: &str = "OpenSSL fixes high-severity vulnerability in certificate parsing";
const MESA: &str = "Mesa 25.3-rc1 Brings Faster Vulkan Shader Compiles";

#[tokio::test]
async fn the_models_numbers_choose_and_the_default_ranking_fills_up() {
    let web = FeedServer::start().await;
    let chat = ChatServer::start(Reply::Content("4, 2".into())).await;
    let picked = pick(&site(Some((&chat, 5))), &web, &with_key).await;
    assert_eq!(picked.via, Via::Llm);
    assert_eq!(picked.fallback_reason, None);
    assert_eq!(titles(&picked), [MESA, FIREFOX, LINUX]);
    assert_eq!(picked.items[0].why.via, Via::Llm);
    assert_eq!(
        picked.items[2].why.via,
        Via::Similar,
        "filled from the ranking"
    );

    let requests = chat.requests();
    assert_eq!(requests.len(), 1, "one request per pick");
    let (path, headers, body) = &requests[0];
    assert_eq!(path, "/v1/chat/completions");
    assert_eq!(headers["authorization"], "Bearer test-key-123");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(body["model"], "test-model");
    let system = body["messages"][0]["content"].as_str().unwrap();
    assert!(system.contains("Linux system administrators"), "{system}");
    let user = body["messages"][1]["content"].as_str().unwrap();
    assert!(
        user.contains(&format!("\n1. {LINUX} (LWN, Phoronix, The Register)\n")),
        "{user}"
    );
    assert!(
        user.contains(&format!("\n4. {MESA} (Phoronix)\n")),
        "{user}"
    );
    assert!(
        !user.contains("Kernel maintainers summit"),
        "past the window: {user}"
    );
}

#[tokio::test]
async fn titles_the_model_invents_are_dropped_and_real_ones_matched_back() {
    let web = FeedServer::start().await;
    let chat = ChatServer::start(Reply::Content(
        "1. Aliens land in Ohio, NASA confirms\n2. Firefox 146 Released with Vertical Tabs\n\
         3. https://evil.example/phish"
            .into(),
    ))
    .await;
    let picked = pick(&site(Some((&chat, 5))), &web, &with_key).await;
    assert_eq!(picked.via, Via::Llm);
    assert_eq!(
        titles(&picked),
        [FIREFOX, LINUX, OPENSSL],
        "the entry's own title and link"
    );
    assert!(
        picked
            .items
            .iter()
            .all(|i| i.url.starts_with(&web.url("/")))
    );

    *chat.reply.lock().unwrap() = Reply::Content("1. Aliens land in Ohio\n2. Moon sold".into());
    let picked = pick(&site(Some((&chat, 5))), &web, &with_key).await;
    assert_eq!(picked.via, Via::Similar);
    assert_eq!(titles(&picked), [LINUX, FIREFOX, OPENSSL]);
    let reason = picked.fallback_reason.unwrap();
    assert!(
        reason.contains("names none of the listed stories"),
        "{reason}"
    );
}

/// Each failure: the default picker's choice, and the reason said.
async fn falls_back(reply: Reply, timeout_secs: u64, expected_reason: &str) {
    let web = FeedServer::start().await;
    let chat = ChatServer::start(reply).await;
    let picked = pick(&site(Some((&chat, timeout_secs))), &web, &with_key).await;
    assert_eq!(picked.via, Via::Similar);
    assert_eq!(titles(&picked), [LINUX, FIREFOX, OPENSSL]);
    let reason = picked.fallback_reason.expect("a reason");
    assert!(reason.contains(expected_reason), "{reason}");
    assert_eq!(chat.requests().len(), 1, "no retry");
}

#[tokio::test]
async fn garbage_text_falls_back() {
    falls_back(
        Reply::Content("I'm sorry, I can't browse the news.".into()),
        5,
        "names none of the listed stories",
    )
    .await;
}

#[tokio::test]
async fn malformed_json_falls_back() {
    falls_back(
        Reply::Raw(200, "{\"choices\": [{\"message\": ".into()),
        5,
        "not a chat completion",
    )
    .await;
}

#[tokio::test]
async fn a_server_error_falls_back_with_its_status() {
    falls_back(
        Reply::Raw(
            500,
            "{\"error\": {\"message\": \"model overloaded\"}}".into(),
        ),
        5,
        "HTTP 500: {\"error\": {\"message\": \"model overloaded\"}}",
    )
    .await;
}

#[tokio::test]
async fn a_slow_answer_past_the_timeout_falls_back() {
    falls_back(
        Reply::Slow(Duration::from_secs(6), "1, 2, 3".into()),
        1,
        "did not answer within 1 s",
    )
    .await;
}

#[tokio::test]
async fn an_oversized_answer_falls_back() {
    falls_back(
        Reply::Content("1, ".repeat(400_000)),
        5,
        "larger than 1048576 bytes",
    )
    .await;
}

#[tokio::test]
async fn a_missing_key_falls_back_without_asking() {
    let web = FeedServer::start().await;
    let chat = ChatServer::start(Reply::Content("1".into())).await;
    let picked = pick(&site(Some((&chat, 5))), &web, &|_: &str| None).await;
    assert_eq!(picked.via, Via::Similar);
    let reason = picked.fallback_reason.unwrap();
    assert!(
        reason.contains(KEY_VAR) && reason.contains("not set"),
        "{reason}"
    );
    assert!(chat.requests().is_empty());
}

#[tokio::test]
async fn nothing_is_picked_or_asked_before_the_next_tick() {
    let web = FeedServer::start().await;
    let chat = ChatServer::start(Reply::Content("1".into())).await;
    let site = site(Some((&chat, 5)));
    let (cs, now) = candidates(&web);
    let mut req = PickRequest {
        site_name: site.name.as_str(),
        site_title: &site.title,
        config: site.headlines.as_ref().unwrap(),
        candidates: &cs,
        picked_before: &PickedBefore::new(),
        // The fixture's now is 12:00, a tick: picked at 12:00:05, nothing more is due.
        last_pick: Some(now + chrono::Duration::seconds(5)),
        now: now + chrono::Duration::hours(5),
        settings: &Settings::default(),
    };
    assert!(run_if_due(&req, &http(true), &with_key).await.is_none());
    assert!(chat.requests().is_empty());
    req.now = now + chrono::Duration::hours(6);
    let picked = run_if_due(&req, &http(true), &with_key).await.unwrap();
    assert_eq!(picked.at, req.now);
    assert_eq!(chat.requests().len(), 1);
}

// The lead image.

fn html(head: &str) -> Behavior {
    Behavior::Custom {
        headers: vec![("content-type", "text/html; charset=utf-8".into())],
        body: format!(
            "<!doctype html><html><head><title>t</title>{head}</head><body>Story</body></html>"
        )
        .into_bytes(),
    }
}

fn served(content_type: &str, body: &[u8]) -> Behavior {
    Behavior::Custom {
        headers: vec![("content-type", content_type.to_string())],
        body: body.to_vec(),
    }
}

async fn image_of(
    web: &FeedServer,
    path: &str,
) -> Result<Option<newsdesk::picker::Image>, ImageError> {
    let s = Settings::default();
    lead_image(
        &http(true),
        &web.url(path),
        s.page_max_bytes,
        s.image_max_bytes,
    )
    .await
}

#[tokio::test]
async fn the_first_pick_gets_its_lead_image() {
    let web = FeedServer::start().await;
    // The lead of the top story (Phoronix's link, moved onto the web server).
    web.set(
        "/phoronix.example/linux-618",
        html(r#"<meta property="og:image" content="../img/tux.png?w=1200&amp;h=630">"#),
    );
    web.set("/img/tux.png", served("application/octet-stream", PNG));
    let picked = pick(&site(None), &web, &with_key).await;
    assert_eq!(picked.via, Via::Similar);
    let image = picked.items[0].image.as_ref().expect("an image");
    assert_eq!((image.ext, image.content_type), ("png", "image/png"));
    assert_eq!(&image.bytes[..], PNG);
    assert_eq!(picked.image_error, None);
    assert!(picked.items[1..].iter().all(|i| i.image.is_none()));
    assert_eq!(web.hits("/img/tux.png"), 1);
}

#[tokio::test]
async fn an_image_over_the_cap_is_refused() {
    let web = FeedServer::start().await;
    web.set(
        "/a",
        html(r#"<meta property="og:image" content="/big.png">"#),
    );
    web.set(
        "/big.png",
        Behavior::Huge {
            len: 3 * 1024 * 1024,
        },
    );
    let err = image_of(&web, "/a").await.unwrap_err();
    assert!(
        matches!(&err, ImageError::Fetch { kind, .. } if kind == "too-large"),
        "{err}"
    );
}

#[tokio::test]
async fn an_og_image_that_is_a_page_or_svg_is_no_image() {
    let web = FeedServer::start().await;
    web.set("/a", html(r#"<meta property="og:image" content="/login">"#));
    web.set("/login", html("<title>Log in</title>"));
    web.set(
        "/b",
        html(r#"<meta property="og:image" content="/logo.svg">"#),
    );
    web.set(
        "/logo.svg",
        served(
            "image/svg+xml",
            b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        ),
    );
    web.set(
        "/c",
        html(r#"<meta property="og:image" content="/lies.png">"#),
    );
    web.set("/lies.png", served("image/png", b"GIF? no, text"));
    for page in ["/a", "/b", "/c"] {
        let err = image_of(&web, page).await.unwrap_err();
        assert!(
            matches!(err, ImageError::NotAnImage { .. }),
            "{page}: {err}"
        );
    }
}

#[tokio::test]
async fn a_page_without_an_image_gives_none_and_no_error() {
    let web = FeedServer::start().await;
    web.set(
        "/a",
        html("<meta name=description content=\"no image here\">"),
    );
    web.set(
        "/feed",
        served("application/rss+xml", b"<rss><channel/></rss>"),
    );
    assert_eq!(image_of(&web, "/a").await, Ok(None));
    assert_eq!(image_of(&web, "/feed").await, Ok(None), "not HTML");
    let picked = pick(&site(None), &web, &with_key).await;
    assert!(picked.items[0].image.is_none());
    assert!(
        picked.image_error.unwrap().contains("HTTP 404"),
        "the lead's page is not served"
    );
}

#[tokio::test]
async fn a_huge_page_is_read_only_as_far_as_the_cap() {
    let web = FeedServer::start().await;
    let mut page = br#"<html><head><meta property="og:image" content="/lead.jpg">"#.to_vec();
    page.resize(4 * 1024 * 1024, b' ');
    web.set("/a", served("text/html", &page));
    web.set(
        "/lead.jpg",
        served("image/jpeg", b"\xff\xd8\xff\xe0\0\x10JFIF\0"),
    );
    let image = image_of(&web, "/a").await.unwrap().unwrap();
    assert_eq!(image.ext, "jpg");
}

/// Without `allow_private_networks` nothing on loopback is fetched. (An og:image or redirect
/// pointing at a private address from a public page is tested in `picker::og_image`, where a
/// name can be made to resolve past the guard.)
#[tokio::test]
async fn private_addresses_are_refused_without_a_request() {
    let web = FeedServer::start().await;
    web.set(
        "/a",
        html(r#"<meta property="og:image" content="/lead.png">"#),
    );
    web.set("/lead.png", served("image/png", PNG));
    let s = Settings::default();
    let err = lead_image(
        &http(false),
        &web.url("/a"),
        s.page_max_bytes,
        s.image_max_bytes,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, ImageError::Page { kind, .. } if kind == "blocked"),
        "{err}"
    );
    assert_eq!(web.total_hits(), 0);
}

// Hostile input: pages and answers built from pieces that trip naive scanners, many of them
// cut short. Whatever comes in, nothing panics and only real choices come out. Deterministic:
// a failure names its case.

#[test]
fn any_page_gives_an_http_image_or_none() {
    const PIECES: &[&str] = &[
        "<",
        ">",
        "/",
        "=",
        "\"",
        "'",
        " ",
        "\n",
        "<meta",
        "<META ",
        "<link",
        " rel=image_src",
        " property=",
        "og:image",
        "twitter:image",
        " content=",
        " href=",
        "/i.png",
        "//cdn.x/i.png",
        "javascript:x",
        "&amp;",
        "&#x2F;",
        "<!--",
        "-->",
        "<script>",
        "</script>",
        "<style",
        "</head>",
        "<body>",
        "é",
        "日本",
        "\u{0}",
        "http://a.example/i.png",
        "../",
    ];
    let page = url::Url::parse("https://news.example/a/b").unwrap();
    for case in 0..3000u64 {
        let html = Rng(case).build(PIECES, 40);
        if let Some(url) = newsdesk::picker::head::find_lead_image(&html, &page) {
            assert!(
                matches!(url.scheme(), "http" | "https"),
                "case {case}: {html:?} -> {url}"
            );
        }
    }
}

#[test]
fn any_answer_gives_listed_choices_or_an_error() {
    const PIECES: &[&str] = &[
        "1",
        "2",
        "3",
        "9",
        "0",
        "99999999999999999999999",
        ", ",
        ".",
        ":",
        "\n",
        " ",
        "- ",
        "**",
        "(",
        ")",
        "[",
        "]",
        "<think>",
        "</think>",
        "Linux 6.18 released",
        "Firefox 146",
        "vertical tabs",
        "story",
        "top",
        "é",
        "日本",
        "\"",
        "'",
    ];
    let titles = [
        "Linux 6.18 released with Rust",
        "Firefox 146 adds vertical tabs",
        "Mesa 25.3",
    ];
    for case in 0..3000u64 {
        let content = Rng(case).build(PIECES, 30);
        let body = json!({"choices": [{"message": {"content": content}}]}).to_string();
        if let Ok(picks) = newsdesk::picker::answer::parse_answer(body.as_bytes(), &titles, 3) {
            assert!(
                !picks.is_empty() && picks.len() <= 3,
                "case {case}: {content:?}"
            );
            assert!(
                picks.iter().all(|&i| i < titles.len()),
                "case {case}: {content:?}"
            );
            let mut unique = picks.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), picks.len(), "case {case}: {content:?}");
        }
        // The raw bytes, cut, as a capped read would leave them.
        let raw = Rng(case ^ 0xABCD).build(&[&body], 2);
        let _ = newsdesk::picker::answer::parse_answer(raw.as_bytes(), &titles, 3);
    }
}
