//! Search through a published site on any store: a feed whose entries are pushed out of its
//! history by later passes, the headline archive, and the frontend's `/search` and
//! `/api/search` (one flow, run on `memory://` and `file://` in the quick tier and on Garage).

use chrono::{Duration, Utc};
use newsdesk::config::Config;
use newsdesk::fetcher::sync;
use newsdesk::frontend::Options;
use newsdesk::headlines::archive::{self, Entry};
use newsdesk::store::Store;

use super::feeds::{Behavior, FeedServer};
use super::http::get;
use super::site::{app_on, force};

/// An RSS feed of `(title, minutes after a fixed time)` items.
pub fn rss_of(items: &[(String, i64)]) -> Vec<u8> {
    let base = chrono::DateTime::parse_from_rfc3339("2026-11-23T00:00:00Z").unwrap();
    let mut body = String::from(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Searchable</title>\
         <link>https://searchable.example/</link>",
    );
    for (i, (title, minutes)) in items.iter().enumerate() {
        let at = (base + Duration::minutes(*minutes)).to_rfc2822();
        body.push_str(&format!(
            "<item><title>{}</title><link>https://searchable.example/{minutes}/{i}</link>\
             <guid>g-{minutes}-{i}</guid><pubDate>{at}</pubDate></item>",
            html_escape::encode_text(title)
        ));
    }
    body.push_str("</channel></rss>");
    body.into_bytes()
}

/// The `test` site with one feed of history 30 at `/s.xml` on `server`.
pub fn config(server: &FeedServer) -> Config {
    let toml = format!(
        "[fetch]\nallow_private_networks = true\ntimeout_secs = 3\nconnect_timeout_secs = 2\n\n\
         [[sites]]\nname = \"test\"\ntitle = \"Test Report\"\nhosts = [\"test.example\"]\n\n\
         [[sites.feeds]]\nurl = \"{}\"\ntitle = \"Searchable\"\nhistory = 30\n",
        server.url("/s.xml")
    );
    newsdesk::config::parse(&toml, "test").unwrap()
}

fn set(server: &FeedServer, items: &[(String, i64)]) {
    server.set(
        "/s.xml",
        Behavior::Feed {
            body: rss_of(items),
            content_type: "application/rss+xml",
            etag: None,
        },
    );
}

fn titles(json: &serde_json::Value) -> Vec<String> {
    json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap().to_string())
        .collect()
}

/// Publishes two passes (titles with markup come out as plain text, escaped by the page) on `store` and checks what `/search` and `/api/search` find.
pub async fn search_through_a_published_site(store: &Store) {
    let server = FeedServer::start().await;
    let config = config(&server);
    // Pass 1: 30 stories about rust, one with an accent, one with markup in its title.
    let mut first: Vec<(String, i64)> = (0..28)
        .map(|i| (format!("Rust story {i} for the kernel"), i))
        .collect();
    first.push(("Le café du noyau <b>ouvre</b>".into(), 28));
    first.push(("Ancient rust release notes".into(), 29));
    set(&server, &first);
    sync(&config, store, &force()).await.unwrap();
    // Pass 2: 30 new stories push every one of the first out of the feed's history.
    let second: Vec<(String, i64)> = (0..30)
        .map(|i| (format!("Later story {i} about kernels"), 100 + i))
        .collect();
    set(&server, &second);
    sync(&config, store, &force()).await.unwrap();
    // The headline archive is searched too.
    let when = Utc::now() - Duration::days(2);
    let headline = Entry::new(
        "Headline about Rüst compilers",
        "https://h.example/1",
        None,
        when,
    )
    .unwrap();
    archive::append(store, "test", vec![headline], "auto", Utc::now())
        .await
        .unwrap();
    let app = app_on(store, Options::default()).await;
    let api = |path: String| {
        let app = app.clone();
        async move {
            let reply = get(&app, &path, &[]).await;
            assert_eq!(reply.status, 200, "{path}: {}", reply.text());
            reply.json()
        }
    };

    let cafe = api("/api/search?q=CAFE".into()).await;
    assert_eq!(
        titles(&cafe),
        ["Le café du noyau ouvre"],
        "case and accents fold; pushed out of history; plain text"
    );
    assert_eq!(cafe["results"][0]["source"], "Searchable");
    assert_eq!(cafe["results"][0]["kind"], "entry");

    // "kern" is a prefix of kernel and kernels: the newest first, 20 a page.
    let page1 = api("/api/search?q=story+kern".into()).await;
    let t1 = titles(&page1);
    assert_eq!(t1.len(), 20);
    assert_eq!(t1[0], "Later story 29 about kernels", "newest first");
    assert_eq!(t1[19], "Later story 10 about kernels");
    assert_eq!(page1["next_page"], 2);
    let page2 = api("/api/search?q=story+kern&page=2".into()).await;
    let t2 = titles(&page2);
    assert_eq!(t2.len(), 20);
    assert_eq!(t2[9], "Later story 0 about kernels");
    assert_eq!(
        t2[10], "Rust story 27 for the kernel",
        "then the ones pushed out"
    );
    let page3 = api("/api/search?q=story+kern&page=3".into()).await;
    assert_eq!(titles(&page3).len(), 18);
    assert_eq!(page3["next_page"], serde_json::Value::Null);

    let rust = api("/api/search?q=rust".into()).await;
    let t = titles(&rust);
    assert_eq!(
        t[0], "Headline about Rüst compilers",
        "the headline archive, newest"
    );
    assert_eq!(rust["results"][0]["kind"], "headline");
    assert!(t.contains(&"Ancient rust release notes".to_string()));

    // The page: escaped, with the query kept in the box and in the pager's links.
    let html = get(&app, "/search?q=caf%C3%A9", &[]).await;
    assert_eq!(html.status, 200);
    let text = html.text();
    assert!(text.contains(">Le café du noyau ouvre</a>"), "{text}");
    assert!(text.contains("value=\"café\""), "{text}");
    let paged = get(&app, "/search?q=story+kern", &[]).await.text();
    assert!(
        paged.contains("href=\"/search?q=story+kern&amp;page=2\""),
        "{paged}"
    );
    let none = get(&app, "/search?q=zzzzqqq", &[]).await;
    assert_eq!(none.status, 200);
    assert!(none.text().contains("Nothing found"), "{}", none.text());
    assert!(titles(&api("/api/search?q=zzzzqqq".into()).await).is_empty());
}
