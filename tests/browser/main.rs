//! The browser tier: pages in a real headless Chromium (started by tests/support/chromium.rs,
//! which fails with how to install it when it is missing). The reader page driven over the
//! DevTools protocol, with and without JavaScript: every source renders under the CSP, script
//! payloads in feeds stay text, themes and fonts persist across reloads, paging keeps the
//! reader's place, the reader layout round-trips, a phone gets one column. The admin's pages
//! and the weather strip under the CSP. An archived front page (`/at/<when>`) in every theme. Screenshots of every theme at desktop and phone widths
//! go to `target/tmp/browser-screenshots/` for the record.
//!
//! Not run by a plain `cargo test` (`test = false` in Cargo.toml): `cargo test --test browser`,
//! or scripts/test.sh, which installs Chromium.

mod admin;
mod archived;
mod choices;
mod page;
mod paging;
mod search;
mod stories;
mod summaries;
#[path = "../support/mod.rs"]
mod support;
mod weather;

use std::path::PathBuf;

use serde_json::Value;
use support::chromium::Tab;
use support::{Behavior, FeedServer, generated_rss, serve_config};

const HOSTILE: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel>
<title>Hostile &lt;script&gt;window.__pwned=10&lt;/script&gt;</title>
<item><title>&lt;script&gt;window.__pwned=1&lt;/script&gt;Script in a title</title><link>https://hostile.example/1</link><guid>h1</guid></item>
<item><title>&lt;img src=x onerror="window.__pwned=2"&gt;Image in a title</title><link>javascript:window.__pwned=3</link><guid>h2</guid></item>
<item><title><![CDATA["><svg onload=window.__pwned=4>Attribute breakout]]></title><link>https://hostile.example/3?"onmouseover="window.__pwned=5</link><guid>h3</guid></item>
</channel></rss>"#;

/// A site of seven sources (one broken) on loopback, synced and served; the runtime keeps both servers up.
pub struct Scene {
    _rt: tokio::runtime::Runtime,
    _feeds: FeedServer,
    _stop: tokio::sync::oneshot::Sender<()>,
    pub url: String,
    pub titles: Vec<&'static str>,
}

pub fn scene() -> Scene {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (feeds, url, stop) = rt.block_on(async {
        let feeds = FeedServer::start().await;
        feeds.fixture("/rss2.xml", "rss2.xml");
        feeds.fixture("/atom.xml", "atom.xml");
        feeds.fixture("/feed.json", "jsonfeed.json");
        for (path, body) in [
            ("/long.xml", generated_rss("long", 20)),
            ("/second.xml", generated_rss("second", 20)),
            ("/hostile.xml", HOSTILE.as_bytes().to_vec()),
        ] {
            feeds.set(
                path,
                Behavior::Feed {
                    body,
                    content_type: "application/rss+xml",
                    etag: None,
                },
            );
        }
        feeds.set("/broken.xml", Behavior::Status(500));
        feeds.set(
            "/logo.png",
            Behavior::Custom {
                headers: vec![("content-type", "image/png".into())],
                body: newsdesk::render::site_files::FAVICON[22..].to_vec(),
            },
        );
        let mut toml = String::from(
            "[fetch]\nallow_private_networks = true\ntimeout_secs = 3\nconnect_timeout_secs = 2\n\n\
             [[sites]]\nname = \"test\"\ntitle = \"Test Report\"\nhosts = [\"test.example\"]\n",
        );
        for path in [
            "/rss2.xml",
            "/atom.xml",
            "/feed.json",
            "/long.xml",
            "/second.xml",
            "/hostile.xml",
            "/broken.xml",
        ] {
            toml.push_str(&format!(
                "\n[[sites.feeds]]\nurl = \"{}\"\n",
                feeds.url(path)
            ));
            if path == "/broken.xml" {
                toml.push_str("title = \"Broken\"\n");
            }
            if path == "/long.xml" {
                toml.push_str(&format!("logo = \"{}\"\n", feeds.url("/logo.png")));
            }
        }
        let (url, stop) = serve_config(&toml).await;
        (feeds, url, stop)
    });
    Scene {
        _rt: rt,
        _feeds: feeds,
        _stop: stop,
        url,
        titles: vec![
            "Kernel Weekly",
            "Desktop Notes",
            "Distro Digest",
            "long",
            "second",
            "Hostile",
            "Broken",
        ],
    }
}

pub fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn s(v: Value) -> String {
    v.as_str()
        .map(str::to_string)
        .unwrap_or_else(|| v.to_string())
}

/// The `<html>` attributes a reader's choice sets, as `theme/font/underline`.
pub fn look(tab: &mut Tab) -> String {
    s(tab.eval(
        "[document.documentElement.getAttribute('data-theme'), \
          document.documentElement.getAttribute('data-font'), \
          document.documentElement.hasAttribute('data-underline')].join('/')",
    ))
}

/// Each theme a reader can pick, with the system colour scheme it is checked under: `auto`
/// under both, each fixed theme under the scheme it does not follow.
pub const THEMES_AND_SCHEMES: [(&str, &str); 6] = [
    ("auto", "light"),
    ("auto", "dark"),
    ("light", "dark"),
    ("dark", "light"),
    ("sepia", "light"),
    ("contrast", "light"),
];

/// Shows `url` to a reader who picked `theme`, at desktop and at phone width: `check` gets the
/// tab, settled, and the width's name (`desktop`, `phone`).
pub fn at_each_width_in_theme(
    tab: &mut Tab,
    url: &str,
    theme: &str,
    mut check: impl FnMut(&mut Tab, &str),
) {
    tab.goto(url);
    tab.eval(&format!(
        "document.cookie = 'nd_prefs={theme}.sans.n; Path=/'; true"
    ));
    for (width, height, mobile, name) in [(1280, 900, false, "desktop"), (390, 844, true, "phone")]
    {
        tab.viewport(width, height, mobile);
        tab.reload();
        tab.settle();
        check(tab, name);
    }
}

pub fn assert_no_csp_violation(tab: &mut Tab) {
    let messages = tab.messages();
    assert!(
        !messages
            .iter()
            .any(|m| m.contains("Content Security Policy")),
        "CSP blocked something: {messages:#?}"
    );
}

#[test]
fn base64_decodes() {
    use support::chromium::base64_decode;
    assert_eq!(base64_decode("aGVsbG8="), b"hello");
    assert_eq!(base64_decode("aGk="), b"hi");
    assert_eq!(base64_decode("YWJj"), b"abc");
}
