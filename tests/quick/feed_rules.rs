//! Per-feed fetch settings and keep/drop rules (issue #18, items 3 and 4), end to end on real
//! parts: loopback feed servers that record what they are sent, the fetcher's pass (and its
//! binary, for what it prints and logs), the bucket it writes and the frontend serving it.

use std::path::Path;
use std::process::Command;

use axum::body::Body;
use axum::http::{Request, header};
use newsdesk::fetcher::{SyncOptions, sync};
use newsdesk::frontend::{App, Options};
use newsdesk::store::{Role, Store};

use crate::support::{Behavior, FeedServer, send};

/// An RSS 2.0 feed whose channel links to `home` and whose items are `(title, link)`, each
/// published an hour ago (recent enough for the headline picker).
fn rss(home: &str, items: &[(&str, &str)]) -> Vec<u8> {
    let date = (chrono::Utc::now() - chrono::Duration::hours(1))
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    let items: String = items
        .iter()
        .map(|(title, link)| {
            format!(
                "<item><title>{title}</title><link>{link}</link><guid>{link}</guid><pubDate>{date}</pubDate></item>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Feed</title>\
         <link>{home}</link>{items}</channel></rss>"
    )
    .into_bytes()
}

fn feed(body: Vec<u8>, etag: Option<&str>) -> Behavior {
    Behavior::Feed {
        body,
        content_type: "application/rss+xml",
        etag: etag.map(str::to_string),
    }
}

/// `[fetch]` for loopback servers.
const FETCH: &str =
    "[fetch]\nallow_private_networks = true\ntimeout_secs = 3\nconnect_timeout_secs = 2\n";

/// A GET of `path` on the site served as `host`, through the frontend's router.
async fn page(app: &std::sync::Arc<App>, host: &str, path: &str) -> String {
    let req = Request::get(path)
        .header(header::HOST, host)
        .body(Body::empty())
        .unwrap();
    let reply = send(newsdesk::frontend::router(app.clone()), req).await;
    assert_eq!(reply.status, 200, "{host}{path}");
    reply.text()
}

async fn frontend(store: &Store) -> std::sync::Arc<App> {
    let app = App::new(store.clone(), Options::default());
    app.live.refresh().await.unwrap();
    app
}

#[tokio::test]
async fn a_feed_is_fetched_with_its_own_user_agent_and_headers_and_no_other_request_is() {
    let server = FeedServer::start().await;
    let home = server.url("/");
    let story = server.url("/story");
    server.set(
        "/a.xml",
        feed(rss(&home, &[("A story", &story)]), Some("\"a1\"")),
    );
    server.set(
        "/b.xml",
        feed(rss(&home, &[("B story", &story)]), Some("\"b1\"")),
    );
    let toml = format!(
        "{FETCH}\n[[sites]]\nname = \"test\"\ntitle = \"T\"\nhosts = [\"test.example\"]\n\n\
         [[sites.feeds]]\nurl = \"{}\"\nuser_agent = \"lwn-reader/1.0\"\n\
         headers = {{ Authorization = \"env:FEED_RULES_TOKEN\", X-Edition = \"weekly\" }}\n\n\
         [[sites.feeds]]\nurl = \"{}\"\n",
        server.url("/a.xml"),
        server.url("/b.xml"),
    );
    let env = |name: &str| (name == "FEED_RULES_TOKEN").then(|| "Bearer t0ken".to_string());
    let config = newsdesk::config::parse_with_env(&toml, "test", &env).unwrap();
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let summary = sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!((summary.fetched, summary.failed), (2, 0), "{summary}");

    let sent = |path: &str, name: &str| server.last_header(path, name);
    assert_eq!(
        sent("/a.xml", "user-agent").as_deref(),
        Some("lwn-reader/1.0")
    );
    assert_eq!(
        sent("/a.xml", "authorization").as_deref(),
        Some("Bearer t0ken")
    );
    assert_eq!(sent("/a.xml", "x-edition").as_deref(), Some("weekly"));
    assert!(
        sent("/a.xml", "accept").is_some_and(|a| a.contains("application/rss+xml")),
        "the fetcher's own headers stay"
    );
    // The other feed, and the logos looked for on the same host, get none of it (the
    // server keeps the last request's headers: the logo step never sends a feed's).
    for path in ["/b.xml", "/favicon.ico"] {
        assert!(
            sent(path, "user-agent").is_some_and(|ua| ua.starts_with("newsdesk/")),
            "{path}"
        );
        assert_eq!(sent(path, "authorization"), None, "{path}");
        assert_eq!(sent(path, "x-edition"), None, "{path}");
    }
    assert_eq!(server.hits("/favicon.ico"), 2, "each feed's logo step ran");

    // The conditional GET is unchanged: validators and the feed's headers together.
    let forced = SyncOptions {
        force: true,
        ..Default::default()
    };
    let summary = sync(&config, &store, &forced).await.unwrap();
    assert_eq!(summary.not_modified, 2, "{summary}");
    assert_eq!(sent("/a.xml", "if-none-match").as_deref(), Some("\"a1\""));
    assert_eq!(
        sent("/a.xml", "authorization").as_deref(),
        Some("Bearer t0ken")
    );
    assert_eq!(sent("/b.xml", "if-none-match").as_deref(), Some("\"b1\""));
}

#[tokio::test]
async fn a_feed_with_headers_follows_redirects_only_within_its_origin() {
    let home = FeedServer::start().await;
    let elsewhere = FeedServer::start_on("127.0.0.2").await;
    let body = rss(&home.url("/"), &[("Story", &home.url("/story"))]);
    home.set("/f.xml", feed(body.clone(), None));
    home.set("/moved.xml", Behavior::Redirect(home.url("/f.xml")));
    home.set("/away.xml", Behavior::Redirect(elsewhere.url("/f.xml")));
    home.set(
        "/plain-away.xml",
        Behavior::Redirect(elsewhere.url("/g.xml")),
    );
    elsewhere.set("/f.xml", feed(body.clone(), None));
    elsewhere.set("/g.xml", feed(body, None));
    let with_token = "headers = { X-Token = \"t0ken\" }\n";
    // 127.0.0.2 stands in for another public host: listed, since a redirect's target is not a
    // configured feed host and so keeps the guard.
    let toml = format!(
        "{FETCH}allow_private_hosts = [\"127.0.0.2\"]\n\n\
         [[sites]]\nname = \"test\"\ntitle = \"T\"\n\n\
         [[sites.feeds]]\nurl = \"{}\"\n{with_token}\n\
         [[sites.feeds]]\nurl = \"{}\"\n{with_token}\n\
         [[sites.feeds]]\nurl = \"{}\"\n",
        home.url("/moved.xml"),
        home.url("/away.xml"),
        home.url("/plain-away.xml"),
    );
    let config = newsdesk::config::parse(&toml, "test").unwrap();
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let summary = sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!((summary.fetched, summary.failed), (2, 1), "{summary}");
    // Within the origin: followed, and the headers go along.
    assert_eq!(
        home.last_header("/f.xml", "x-token").as_deref(),
        Some("t0ken")
    );
    // To another host: refused before it is asked.
    assert_eq!(elsewhere.hits("/f.xml"), 0);
    let (url, error) = &summary.failures[0];
    assert_eq!(url, &home.url("/away.xml"));
    assert_eq!(error.kind, "redirect");
    assert_eq!(error.reason(), "redirected to another host");
    assert!(
        error.message.contains(&elsewhere.url("/f.xml")),
        "{error:?}"
    );
    // A feed without headers is redirected anywhere, as before.
    assert_eq!(elsewhere.hits("/g.xml"), 1);
}

/// Every file under `dir`, with its path relative to `dir`, decompressed (`.br`, `.gz`).
fn objects(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let raw = std::fs::read(&path).unwrap();
            let name = path.strip_prefix(dir).unwrap().display().to_string();
            let bytes = if name.ends_with(".gz") {
                let mut v = vec![];
                std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&raw[..]), &mut v)
                    .unwrap();
                v
            } else if name.ends_with(".br") {
                let mut v = vec![];
                std::io::Read::read_to_end(&mut brotli::Decompressor::new(&raw[..], 4096), &mut v)
                    .unwrap();
                v
            } else {
                raw
            };
            out.push((name, bytes));
        }
    }
    out
}

const SECRETS: [&str; 3] = ["hunter2", "SECRET", "token="];

fn leaks(text: &[u8]) -> Vec<&'static str> {
    let text = String::from_utf8_lossy(text);
    SECRETS.into_iter().filter(|s| text.contains(s)).collect()
}

// The binary runs as another process while this runtime serves its feed: two threads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_password_or_query_of_a_feed_url_is_published_logged_or_shown() {
    let server = FeedServer::start().await;
    // Relative links resolve against the feed's address: they must not take its password or
    // query along.
    server.set(
        "/f.xml",
        feed(
            rss(
                "/",
                &[("First story", "story/1"), ("Second story", "#second")],
            ),
            None,
        ),
    );
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let port = server.addr.port();
    let working = format!("http://reader:hunter2@127.0.0.1:{port}/f.xml?token=SECRET");
    let failing = format!("http://reader:hunter2@127.0.0.1:{closed}/f.xml?token=SECRET");
    let toml = format!(
        "{FETCH}\n[[sites]]\nname = \"test\"\ntitle = \"T\"\nhosts = [\"test.example\"]\n\n\
         [[sites.feeds]]\nurl = \"{working}\"\nheaders = {{ X-Token = \"env:FEED_RULES_TOKEN\" }}\n\n\
         [[sites.feeds]]\nurl = \"{failing}\"\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("newsdesk.toml");
    std::fs::write(&config_path, &toml).unwrap();
    let bucket = dir.path().join("bucket");
    let out = Command::new(env!("CARGO_BIN_EXE_newsdesk-fetcher"))
        .arg("--config")
        .arg(&config_path)
        .arg("--store")
        .arg(format!("file://{}", bucket.display()))
        .arg("sync")
        .env("RUST_LOG", "debug")
        .env_remove("NEWSDESK_LOG_FORMAT")
        .env("FEED_RULES_TOKEN", "SECRET-header-value")
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    // The feed did receive what it was given, through its password and query.
    assert_eq!(server.hits("/f.xml"), 1);
    assert_eq!(
        server.last_header("/f.xml", "x-token").as_deref(),
        Some("SECRET-header-value")
    );
    assert!(
        server
            .last_header("/f.xml", "authorization")
            .is_some_and(|a| a.starts_with("Basic ")),
        "user:pass@ is sent as Basic auth"
    );
    // The failure table shows the failing feed, as it may be shown; the logs (debug level,
    // which names every feed) and the table show no secret.
    let row = stdout
        .lines()
        .find(|l| l.contains(&format!("http://127.0.0.1:{closed}/f.xml")))
        .unwrap_or_else(|| panic!("the failing feed is not in the table:\n{stdout}"));
    assert!(row.contains("connect"), "{row}");
    assert!(stderr.contains("feed_url=http://127.0.0.1:"), "{stderr}");
    assert_eq!(leaks(stdout.as_bytes()), Vec::<&str>::new(), "{stdout}");
    assert_eq!(leaks(stderr.as_bytes()), Vec::<&str>::new(), "{stderr}");

    // Every object written: only the fetcher's private state keeps the full URL.
    let written = objects(&bucket);
    assert!(
        written
            .iter()
            .any(|(name, _)| name.starts_with("sites/test/blobs/"))
    );
    let leaking: Vec<&str> = written
        .iter()
        .filter(|(_, bytes)| !leaks(bytes).is_empty())
        .map(|(name, _)| name.as_str())
        .collect();
    assert!(
        leaking.iter().all(|name| name.starts_with("state/")),
        "{leaking:?}"
    );
    assert!(!leaking.is_empty(), "the state keeps the URL to fetch it");

    // What a frontend serves of it.
    let store = Store::open(&format!("file://{}", bucket.display()), Role::Frontend).unwrap();
    let app = frontend(&store).await;
    for path in ["/", "/rss", "/feed.json", "/api/headlines"] {
        let text = page(&app, "test.example", path).await;
        assert_eq!(leaks(text.as_bytes()), Vec::<&str>::new(), "{path}: {text}");
    }
    let html = page(&app, "test.example", "/").await;
    assert!(
        html.contains(&format!("href=\"http://127.0.0.1:{port}/story/1\"")),
        "relative links still resolve, without the password: {html}"
    );
    let api: serde_json::Value =
        serde_json::from_str(&page(&app, "test.example", "/api/headlines").await).unwrap();
    let error = api["sources"][1]["error"].as_str().unwrap();
    assert!(error.contains("error sending request"), "{error}");
}

#[tokio::test]
async fn keep_and_drop_rules_take_entries_out_of_every_view_of_one_site_only() {
    let server = FeedServer::start().await;
    let home = server.url("/");
    let link = |n: &str| server.url(&format!("/story/{n}"));
    let (kernel, gnome, ad, rust, go) = (
        link("kernel"),
        link("gnome"),
        link("ad"),
        link("rust"),
        link("go"),
    );
    // "Kernel 7.0 released" is covered by both feeds: the story a picker takes first.
    server.set(
        "/news.xml",
        feed(
            rss(
                &home,
                &[
                    ("Kernel 7.0 released", &kernel),
                    ("GNOME 50 ships", &gnome),
                    ("Sponsored: cloud credits", &ad),
                ],
            ),
            None,
        ),
    );
    server.set(
        "/dev.xml",
        feed(
            rss(
                &home,
                &[
                    ("Kernel 7.0 released", &kernel),
                    ("Rust 2.0 is out", &rust),
                    ("Go 2 is out", &go),
                ],
            ),
            None,
        ),
    );
    let (news, dev) = (server.url("/news.xml"), server.url("/dev.xml"));
    // Site `filtered` drops kernel stories from all its feeds and keeps only Rust from the
    // second; site `all` lists the same feeds without rules.
    let toml = format!(
        "{FETCH}\n\
         [[sites]]\nname = \"filtered\"\ntitle = \"Filtered\"\nhosts = [\"filtered.example\"]\n\
         drop = \"(?i)kernel|sponsored\"\n\
         [sites.headlines]\n\n\
         [[sites.feeds]]\nurl = \"{news}\"\n\n\
         [[sites.feeds]]\nurl = \"{dev}\"\nkeep = \"/story/rust$\"\n\n\
         [[sites]]\nname = \"all\"\ntitle = \"All\"\nhosts = [\"all.example\"]\n\
         [sites.headlines]\n\n\
         [[sites.feeds]]\nurl = \"{news}\"\n\n\
         [[sites.feeds]]\nurl = \"{dev}\"\n"
    );
    let config = newsdesk::config::parse(&toml, "test").unwrap();
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let summary = sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(
        (summary.fetched, summary.sites_published),
        (2, 2),
        "{summary}"
    );
    let app = frontend(&store).await;

    let dropped = ["Kernel 7.0", "Sponsored", "Go 2"];
    for path in ["/", "/rss", "/feed.json", "/api/headlines"] {
        let text = page(&app, "filtered.example", path).await;
        for title in dropped {
            assert!(!text.contains(title), "{path} shows {title:?}: {text}");
        }
        for title in ["GNOME 50 ships", "Rust 2.0 is out"] {
            assert!(text.contains(title), "{path} lacks {title:?}: {text}");
        }
        // The other site shows the same stored entries unfiltered.
        let text = page(&app, "all.example", path).await;
        for title in dropped {
            assert!(
                text.contains(title),
                "{path} of the other site lacks {title:?}"
            );
        }
    }
    // The headline picker chose among what the site shows: the other site's block leads with
    // the story both feeds cover, this one's has headlines but not that one.
    let block = |html: &str| {
        let start = html.find("class=\"headlines\"").expect("a headline block");
        html[start..start + html[start..].find("</section>").unwrap()].to_string()
    };
    assert!(block(&page(&app, "all.example", "/").await).contains("Kernel 7.0 released"));
    let filtered = block(&page(&app, "filtered.example", "/").await);
    assert!(!filtered.contains("Kernel"), "{filtered}");
    assert!(
        filtered.contains(&gnome) || filtered.contains(&rust),
        "{filtered}"
    );
}
