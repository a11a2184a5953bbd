//! The fetcher against servers that misbehave, each on a real loopback server beside a good
//! feed: the hostile feed fails with a kind that says why, keeps its last good entries, and the
//! good feed is unaffected. Nothing here hangs: the client's total timeout (3 s in these
//! configs) bounds every fetch.

use std::io::Write;
use std::time::{Duration, Instant};

use newsdesk::config::Config;
use newsdesk::fetcher::{SyncOptions, SyncSummary, sync};
use newsdesk::model::{FeedContent, feed_id};
use newsdesk::store::{Key, Store};

use crate::support::{
    Behavior, FeedServer, app_on, config_for, force, generated_rss, get, memory_store,
    resetting_server, rss,
};

/// Client total timeout of `config_for` plus a generous margin for a loaded CI machine.
const PASS_BOUND: Duration = Duration::from_secs(3 + 12);

async fn content(store: &Store, url: &str) -> FeedContent {
    store
        .get_json(&Key::FeedContent(feed_id(url)))
        .await
        .unwrap()
        .expect("feed content stored")
}

/// A good feed and a victim feed that first serves 3 good entries, then `hostile`; returns the
/// forced second pass.
struct Scene {
    server: FeedServer,
    store: Store,
    good: String,
    victim: String,
}

impl Scene {
    async fn new() -> Scene {
        let server = FeedServer::start().await;
        server.set("/good.xml", rss("good", 5));
        server.set("/victim.xml", rss("victim", 3));
        let (good, victim) = (server.url("/good.xml"), server.url("/victim.xml"));
        Scene {
            server,
            store: memory_store(),
            good,
            victim,
        }
    }

    fn config(&self) -> Config {
        let mut config = config_for(&[self.good.clone(), self.victim.clone()]);
        config.fetch.max_body_bytes = 1024 * 1024;
        config
    }

    /// Syncs once with good feeds, turns the victim hostile and syncs again (forced).
    async fn turn_hostile(&self, hostile: Behavior) -> SyncSummary {
        let first = sync(&self.config(), &self.store, &SyncOptions::default())
            .await
            .unwrap();
        assert_eq!(first.fetched, 2, "{first}");
        self.server.set("/victim.xml", hostile);
        let started = Instant::now();
        let second = sync(&self.config(), &self.store, &force()).await.unwrap();
        assert!(
            started.elapsed() < PASS_BOUND,
            "pass took {:?}",
            started.elapsed()
        );
        second
    }

    /// The victim failed with `kind`, kept its entries, and the good feed went on normally.
    async fn assert_contained(&self, s: &SyncSummary, kind: &str) {
        assert_eq!(s.failed, 1, "{s}: {:?}", s.failures);
        assert_eq!(s.failures[0].0, self.victim);
        assert_eq!(s.failures[0].1.kind, kind, "{:?}", s.failures[0].1);
        assert_eq!(s.not_modified, 1, "the good feed answered 304: {s}");
        assert_eq!(content(&self.store, &self.good).await.entries.len(), 5);
        let victim = content(&self.store, &self.victim).await;
        assert_eq!(victim.entries.len(), 3, "last good entries kept");
        assert!(victim.entries[0].title.starts_with("victim story"));
    }
}

#[tokio::test]
async fn slow_drip_is_cut_by_the_total_timeout() {
    let scene = Scene::new().await;
    let s = scene
        .turn_hostile(Behavior::Drip {
            chunk: b"<".to_vec(),
            every: Duration::from_millis(200),
        })
        .await;
    scene.assert_contained(&s, "timeout").await;
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let scene = Scene::new().await;
    let s = scene
        .turn_hostile(Behavior::Slow {
            delay: Duration::from_secs(60),
            body: generated_rss("late", 1),
        })
        .await;
    scene.assert_contained(&s, "timeout").await;
}

#[tokio::test]
async fn endless_body_is_cut_at_the_cap() {
    let scene = Scene::new().await;
    let s = scene
        .turn_hostile(Behavior::Huge {
            len: usize::MAX / 2,
        })
        .await;
    scene.assert_contained(&s, "too-large").await;
    assert!(
        s.failures[0].1.message.contains("1048576 bytes"),
        "{:?}",
        s.failures[0].1
    );
}

/// 32 MiB of zeros, gzipped to ~32 KiB.
fn gzip_bomb() -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..32 {
        gz.write_all(&zeros).unwrap();
    }
    gz.finish().unwrap()
}

/// The cap (1 MiB here) must count the inflated bytes, not the ~32 KiB on the wire.
#[tokio::test]
async fn decompression_bomb_is_cut_at_the_cap_after_decompression() {
    let bomb = gzip_bomb();
    assert!(
        bomb.len() < 1024 * 1024,
        "the compressed body itself is under the cap"
    );
    let scene = Scene::new().await;
    let s = scene
        .turn_hostile(Behavior::Encoded {
            body: bomb,
            encoding: "gzip",
            content_type: "application/rss+xml",
        })
        .await;
    scene.assert_contained(&s, "too-large").await;
}

#[tokio::test]
async fn gzip_and_brotli_bodies_are_decoded() {
    let feed = generated_rss("packed", 7);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&feed).unwrap();
    let mut br = Vec::new();
    brotli::BrotliCompress(&mut &feed[..], &mut br, &Default::default()).unwrap();
    let server = FeedServer::start().await;
    server.set(
        "/gz",
        Behavior::Encoded {
            body: gz.finish().unwrap(),
            encoding: "gzip",
            content_type: "application/rss+xml",
        },
    );
    server.set(
        "/br",
        Behavior::Encoded {
            body: br,
            encoding: "br",
            content_type: "application/rss+xml",
        },
    );
    let urls = [server.url("/gz"), server.url("/br")];
    let store = memory_store();
    let s = sync(&config_for(&urls), &store, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(s.fetched, 2, "{s}: {:?}", s.failures);
    let accept = server.last_header("/br", "accept-encoding").unwrap();
    assert!(accept.contains("gzip") && accept.contains("br"), "{accept}");
    for url in &urls {
        assert_eq!(content(&store, url).await.entries.len(), 7);
    }
}

/// Every hostile server at once, beside good feeds, with the default 10 MB cap: the pass ends
/// within the total timeout plus a margin, the good feeds are read, and the process stays far
/// below 256 MB (peak RSS of the whole test process, an upper bound for the fetcher's own). The
/// rest of the quick tier shares this binary, so the test runs in a process of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pass_beside_every_hostile_server_is_bounded_in_time_and_memory() {
    if !in_own_process("a_pass_beside_every_hostile_server_is_bounded_in_time_and_memory") {
        return;
    }
    let server = FeedServer::start().await;
    let mut urls = vec![];
    for name in ["a", "b", "c"] {
        server.set(&format!("/{name}.xml"), rss(name, 40));
        urls.push(server.url(&format!("/{name}.xml")));
    }
    let hostile = [
        (
            "/drip",
            Behavior::Drip {
                chunk: vec![b'x'; 512],
                every: Duration::from_millis(50),
            },
        ),
        (
            "/hang",
            Behavior::Slow {
                delay: Duration::from_secs(60),
                body: vec![],
            },
        ),
        (
            "/endless",
            Behavior::Huge {
                len: usize::MAX / 2,
            },
        ),
        (
            "/bomb",
            Behavior::Encoded {
                body: gzip_bomb(),
                encoding: "gzip",
                content_type: "application/rss+xml",
            },
        ),
        ("/loop", Behavior::Redirect("/loop".into())),
        (
            "/html",
            Behavior::Feed {
                body: b"<html><body>hi</body></html>".to_vec(),
                content_type: "text/html",
                etag: None,
            },
        ),
        (
            "/invalid",
            Behavior::Feed {
                body: b"<rss><channel><item>".to_vec(),
                content_type: "text/xml",
                etag: None,
            },
        ),
        (
            "/empty",
            Behavior::Feed {
                body: vec![],
                content_type: "text/xml",
                etag: None,
            },
        ),
        (
            "/busy",
            Behavior::StatusWith(503, vec![("retry-after", "120".into())]),
        ),
    ];
    for (path, b) in hostile {
        server.set(path, b);
        urls.push(server.url(path));
    }
    urls.push(format!("http://{}/reset", resetting_server().await));
    let store = memory_store();
    let started = Instant::now();
    let s = sync(&config_for(&urls), &store, &SyncOptions::default())
        .await
        .unwrap();
    assert!(
        started.elapsed() < PASS_BOUND,
        "pass took {:?}",
        started.elapsed()
    );
    assert_eq!((s.fetched, s.failed), (3, 10), "{s}: {:?}", s.failures);
    let mut kinds: Vec<&str> = s.failures.iter().map(|(_, e)| e.kind.as_str()).collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "empty",
            "http",
            "network",
            "parse",
            "parse",
            "redirect",
            "timeout",
            "timeout",
            "too-large",
            "too-large"
        ]
    );
    assert_eq!(s.sites_published, 1);
    let peak = peak_rss_bytes();
    assert!(
        peak < 256 * 1024 * 1024,
        "peak RSS {} MiB",
        peak / (1024 * 1024)
    );
}

/// True in a process that runs only the test `name` of this module. Elsewhere, runs this test
/// binary again with only that test, fails with its output if it fails, and returns false.
fn in_own_process(name: &str) -> bool {
    const OWN: &str = "NEWSDESK_TEST_OWN_PROCESS";
    if std::env::var_os(OWN).is_some() {
        return true;
    }
    // Test names leave out the crate: `fetch_hostile::NAME`.
    let module = module_path!().split_once("::").unwrap().1;
    let test = format!("{module}::{name}");
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([&test, "--exact", "--test-threads=1"])
        .env(OWN, "1")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && text.contains("1 passed"),
        "{test} in a process of its own:\n{}",
        // Indented, so scripts/test.sh does not count its `test result:` line.
        text.lines()
            .map(|l| format!("  | {l}\n"))
            .collect::<String>()
    );
    false
}

/// VmHWM of this process, from procfs.
fn peak_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("procfs is mounted (Linux)");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM in /proc/self/status");
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

#[tokio::test]
async fn redirect_loop_stops_at_the_limit() {
    let scene = Scene::new().await;
    let s = scene
        .turn_hostile(Behavior::Redirect("/victim.xml".into()))
        .await;
    scene.assert_contained(&s, "redirect").await;
    assert_eq!(
        scene.server.hits("/victim.xml"),
        1 + 6,
        "one from the good first pass, then the request and its 5 redirects, no more"
    );
}

#[tokio::test]
async fn html_page_instead_of_a_feed_is_a_parse_error() {
    let scene = Scene::new().await;
    let page =
        b"<!DOCTYPE html><html><head><title>Login</title></head><body><p>Sign in</p></body></html>"
            .to_vec();
    let s = scene
        .turn_hostile(Behavior::Feed {
            body: page,
            content_type: "text/html",
            etag: None,
        })
        .await;
    scene.assert_contained(&s, "parse").await;
}

#[tokio::test]
async fn invalid_xml_is_a_parse_error() {
    let scene = Scene::new().await;
    let broken = b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>x</title><item><title>a</chan".to_vec();
    let s = scene
        .turn_hostile(Behavior::Feed {
            body: broken,
            content_type: "application/rss+xml",
            etag: None,
        })
        .await;
    scene.assert_contained(&s, "parse").await;
}

#[tokio::test]
async fn empty_200_is_an_error_not_an_empty_feed() {
    let scene = Scene::new().await;
    let s = scene
        .turn_hostile(Behavior::Feed {
            body: vec![],
            content_type: "application/rss+xml",
            etag: None,
        })
        .await;
    scene.assert_contained(&s, "empty").await;
}

#[tokio::test]
async fn server_errors_keep_the_last_good_entries() {
    let scene = Scene::new().await;
    let s = scene.turn_hostile(Behavior::Status(502)).await;
    scene.assert_contained(&s, "http").await;
}

/// Billion laughs: nested entity definitions that would expand to gigabytes. The XML parser does
/// not expand DTD entities, so this is either refused or read with the references left alone.
#[tokio::test]
async fn entity_expansion_attack_does_not_expand() {
    let mut dtd = String::from("<!DOCTYPE rss [<!ENTITY lol \"lol\">");
    for i in 1..10 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        dtd.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">",
            format!("&{prev};").repeat(10)
        ));
    }
    dtd.push_str("]>");
    let body = format!(
        "<?xml version=\"1.0\"?>{dtd}<rss version=\"2.0\"><channel><title>&lol9;</title>\
         <item><guid>x</guid><title>&lol9;</title><link>https://e.org/x</link></item></channel></rss>"
    );
    let scene = Scene::new().await;
    let s = scene
        .turn_hostile(Behavior::Feed {
            body: body.into_bytes(),
            content_type: "application/rss+xml",
            etag: None,
        })
        .await;
    if s.failed == 1 {
        scene.assert_contained(&s, "parse").await;
    } else {
        let victim = content(&scene.store, &scene.victim).await;
        assert!(
            victim
                .entries
                .iter()
                .all(|e| e.title.len() <= 4 * newsdesk::feed::MAX_TITLE_CHARS)
        );
        assert!(
            !victim.entries.iter().any(|e| e.title.contains("lollollol")),
            "{:?}",
            victim.entries
        );
    }
}

#[tokio::test]
async fn wrong_content_type_is_not_held_against_a_good_feed() {
    let scene = Scene::new().await;
    let s = scene
        .turn_hostile(Behavior::Feed {
            body: generated_rss("victim", 4),
            content_type: "text/html",
            etag: None,
        })
        .await;
    assert_eq!((s.failed, s.fetched), (0, 1), "{s}: {:?}", s.failures);
    assert_eq!(content(&scene.store, &scene.victim).await.entries.len(), 4);
}

#[tokio::test]
async fn connection_reset_is_a_network_error_and_others_go_on() {
    // The victim moves (302) to a server that resets every connection.
    let reset = format!("http://{}/feed.xml", resetting_server().await);
    let scene = Scene::new().await;
    let s = scene.turn_hostile(Behavior::Redirect(reset)).await;
    scene.assert_contained(&s, "network").await;
    assert!(
        s.failures[0].1.message.contains("reset"),
        "{:?}",
        s.failures[0].1
    );
}

/// Markup and dangerous URLs in every place a feed can put them: nothing executable reaches the
/// stored entries or the published page.
#[tokio::test]
async fn script_and_dangerous_urls_never_reach_the_page() {
    let items = [
        (
            "<![CDATA[<script>alert(1)</script>Plain news]]>",
            "javascript:alert(1)",
        ),
        (
            "&lt;img src=x onerror=alert(2)&gt;Image news",
            "data:text/html;base64,PHNjcmlwdD4=",
        ),
        (
            "<![CDATA[<a href=\"javascript:alert(3)\">Link news</a>]]>",
            "JaVaScRiPt:alert(3)",
        ),
        ("Vbscript news", "vbscript:msgbox(4)"),
        ("Good news", "/story/ok"),
    ];
    let mut rss = String::from(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Evil<![CDATA[<script>x()</script>]]></title><link>javascript:alert(0)</link>",
    );
    for (i, (title, link)) in items.iter().enumerate() {
        rss.push_str(&format!(
            "<item><guid>{i}</guid><title>{title}</title><link>{link}</link>\
             <description><![CDATA[<script>alert({i})</script><iframe src=\"data:text/html,x\"></iframe>]]></description></item>"
        ));
    }
    rss.push_str("</channel></rss>");
    let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><script>y()</script>Atom</div></title>
        <entry><id>a</id><title type="html">&lt;svg onload=alert(5)&gt;Svg news</title><link href="data:image/svg+xml,&lt;svg onload=alert(6)&gt;"/>
        <summary type="html">&lt;script&gt;alert(7)&lt;/script&gt;</summary></entry></feed>"#;
    let server = FeedServer::start().await;
    server.set(
        "/evil.xml",
        Behavior::Feed {
            body: rss.into_bytes(),
            content_type: "application/rss+xml",
            etag: None,
        },
    );
    server.set(
        "/evil.atom",
        Behavior::Feed {
            body: atom.as_bytes().to_vec(),
            content_type: "application/atom+xml",
            etag: None,
        },
    );
    let urls = [server.url("/evil.xml"), server.url("/evil.atom")];
    let store = memory_store();
    let s = sync(&config_for(&urls), &store, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(s.fetched, 2, "{s}: {:?}", s.failures);

    let rss = content(&store, &urls[0]).await;
    let titles: Vec<&str> = rss.entries.iter().map(|e| e.title.as_str()).collect();
    assert!(
        titles.contains(&"Plain news") && titles.contains(&"Good news"),
        "{titles:?}"
    );
    let links: Vec<Option<&str>> = rss.entries.iter().map(|e| e.link.as_deref()).collect();
    assert_eq!(
        links.iter().flatten().count(),
        1,
        "only the http link survives: {links:?}"
    );
    assert!(links.contains(&Some(server.url("/story/ok").as_str())));
    assert_eq!(rss.site_url, None, "a javascript: channel link is dropped");

    let atom = content(&store, &urls[1]).await;
    assert_eq!(atom.entries[0].title, "Svg news");
    assert_eq!(atom.entries[0].link, None);

    let app = app_on(&store, newsdesk::frontend::Options::default()).await;
    for path in ["/", "/api/headlines"] {
        let reply = get(&app, path, &[]).await;
        assert_eq!(reply.status, 200, "{path}");
        let text = reply.text().to_ascii_lowercase();
        assert!(text.contains("plain news"), "{path} shows the entries");
        for bad in [
            "alert(",
            "x()",
            "y()",
            "onerror",
            "onload",
            "<iframe",
            "javascript:",
            "vbscript:",
            "data:text",
            "data:image",
        ] {
            assert!(!text.contains(bad), "{path} contains {bad:?}");
        }
    }
}

/// The SSRF guard on the address a name resolves to (the resolver refuses it, so no connection
/// is attempted) and on an IPv4-mapped literal, with the good feed on the same server refused too.
#[tokio::test]
async fn names_and_mapped_literals_resolving_to_loopback_are_refused_without_connecting() {
    let server = FeedServer::start().await;
    server.set("/feed.xml", rss("internal", 2));
    let port = server.addr.port();
    let urls = [
        format!("http://localhost:{port}/feed.xml"),
        format!("http://[::ffff:127.0.0.1]:{port}/feed.xml"),
    ];
    let mut config = config_for(&urls);
    config.fetch.allow_private_networks = false;
    let s = sync(&config, &memory_store(), &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(s.failed, 2, "{s}");
    assert!(
        s.failures.iter().all(|(_, e)| e.kind == "blocked"),
        "{:?}",
        s.failures
    );
    assert_eq!(server.total_hits(), 0, "a refused feed makes no connection");
}
