//! Each story once, in Chromium: five sources (tests/fixtures/stories/) and an archive whose
//! report of the Linux release came first but sits on the second page of its box. The first
//! report names the others; a later one is muted in place and its link shows the first, with
//! and without JavaScript, also after the reader paged the box; every theme at desktop and
//! phone width fits the screen (screenshots in `target/tmp/browser-screenshots/`).

use super::support::chromium::{Browser, Tab, one_at_a_time};
use super::support::{Behavior, FeedServer, serve_config};
use super::{assert_no_csp_violation, at_each_width_in_theme, s, screenshots};

struct StoryScene {
    _rt: tokio::runtime::Runtime,
    _feeds: FeedServer,
    _stop: tokio::sync::oneshot::Sender<()>,
    url: String,
}

/// Nine newer notes, then the earliest report of the Linux release: on page 2 of its box.
fn archive() -> Vec<u8> {
    let mut items = String::new();
    for k in 0..9 {
        items.push_str(&format!(
            "<item><title>Gardening note {k}: pruning roses in winter</title>\
             <link>https://archive.example/notes/{k}</link><guid>n{k}</guid>\
             <pubDate>Tue, 02 Dec 2026 {:02}:00:00 GMT</pubDate></item>",
            10 + k
        ));
    }
    items.push_str(
        "<item><title>Linux 6.18 released</title><link>https://archive.example/linux-6.18</link>\
         <guid>l</guid><pubDate>Sun, 30 Nov 2026 19:00:00 GMT</pubDate></item>",
    );
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Archive</title>\
         <link>https://archive.example/</link>{items}</channel></rss>"
    )
    .into_bytes()
}

fn scene() -> StoryScene {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (feeds, url, stop) = rt.block_on(async {
        let feeds = FeedServer::start().await;
        let mut toml = String::from(
            "[fetch]\nallow_private_networks = true\ntimeout_secs = 3\nconnect_timeout_secs = 2\n\n\
             [[sites]]\nname = \"test\"\ntitle = \"Test Report\"\nhosts = [\"test.example\"]\n",
        );
        for name in ["lwn", "phoronix", "register", "omg", "links", "archive"] {
            let body = match name {
                "archive" => archive(),
                _ => std::fs::read(format!(
                    "{}/tests/fixtures/stories/{name}.xml",
                    env!("CARGO_MANIFEST_DIR")
                ))
                .unwrap(),
            };
            let path = format!("/{name}.xml");
            feeds.set(
                &path,
                Behavior::Feed {
                    body,
                    content_type: "application/rss+xml",
                    etag: None,
                },
            );
            toml.push_str(&format!(
                "\n[[sites.feeds]]\nurl = \"{}\"\n",
                feeds.url(&path)
            ));
        }
        let (url, stop) = serve_config(&toml).await;
        (feeds, url, stop)
    });
    StoryScene {
        _rt: rt,
        _feeds: feeds,
        _stop: stop,
        url,
    }
}

/// Whether the first report of the Linux story is on screen.
fn lead_visible(tab: &mut Tab) -> bool {
    tab.settle();
    tab.eval(
        "(() => { const li = document.querySelector('li:target'); if (!li) return false; \
         const r = li.getBoundingClientRect(); \
         return li.getClientRects().length > 0 && r.bottom > 0 && r.top < window.innerHeight; })()",
    ) == true
}

#[test]
fn a_story_shows_once_and_its_later_reports_lead_to_the_first() {
    let _one = one_at_a_time();
    let scene = scene();
    let mut browser = Browser::start();
    for js in [false, true] {
        for (width, mobile) in [(1280, false), (390, true)] {
            let mut tab = browser.tab();
            tab.set_javascript(js);
            tab.viewport(width, 844, mobile);
            tab.goto(&scene.url);
            tab.settle();
            let at = format!("js {js}, width {width}");
            // Linux (5 reports), Firefox (3), OpenSSL (2): 7 later reports marked.
            assert_eq!(
                tab.eval("document.querySelectorAll('li.covered').length"),
                7,
                "{at}"
            );
            assert_eq!(
                tab.eval("document.querySelectorAll('li[id^=story-]').length"),
                3,
                "{at}"
            );
            let also = s(tab.eval(
                "[...document.querySelectorAll('.also a')].map(a => a.textContent + ' ' + a.href).join('|')",
            ));
            assert!(
                also.contains(
                    "LWN.net https://lwn.net/Articles/1001234/?utm_source=rss&utm_medium=feed"
                ),
                "{at}: {also}"
            );
            assert_eq!(
                tab.eval("[...document.querySelectorAll('.also a, .seen')].every(a => /^(https?:|#story-)/.test(a.getAttribute('href')))"),
                true
            );
            // Muted, not hidden: a later report is still a link to its own article.
            let colors = tab.eval(
                "(() => { const c = document.querySelector('li.covered > a'); \
                 const l = document.querySelector('li:not(.covered) > a'); \
                 return [getComputedStyle(c).color, getComputedStyle(l).color, c.getClientRects().length > 0]; })()",
            );
            assert_ne!(colors[0], colors[1], "{at}");
            assert_eq!(colors[2], true, "{at}");
            if js {
                // The reader pages the archive box, so only its current page shows.
                tab.click(".source:last-of-type .pager [rel=next]");
                tab.click(".source:last-of-type .pager [rel=prev]");
                assert_eq!(
                    tab.eval(
                        "document.querySelector('.source:last-of-type').classList.contains('paged')"
                    ),
                    true
                );
            }
            assert!(
                !lead_visible(&mut tab),
                "{at}: the first report is on page 2"
            );
            // The Register's report links to the first one, on page 2 of the archive's box.
            tab.click("li.covered a.seen[href^='#story-']");
            assert!(s(tab.eval("location.hash")).starts_with("#story-"), "{at}");
            assert!(lead_visible(&mut tab), "{at}: the first report shows");
            assert_eq!(
                s(tab.eval("document.querySelector('li:target > a').textContent")),
                "Linux 6.18 released",
                "{at}"
            );
            assert_eq!(
                tab.eval("document.documentElement.scrollWidth <= window.innerWidth"),
                true,
                "{at}: nothing wider than the screen"
            );
            assert_no_csp_violation(&mut tab);
        }
    }
}

#[test]
fn grouped_stories_in_every_theme_at_desktop_and_phone_width() {
    let _one = one_at_a_time();
    let scene = scene();
    let mut browser = Browser::start();
    let mut tab = browser.tab();
    let dir = screenshots();
    for theme in ["light", "dark", "sepia", "contrast"] {
        at_each_width_in_theme(&mut tab, &scene.url, theme, |tab, name| {
            let at = format!("{theme} {name}");
            assert_eq!(
                tab.eval("document.documentElement.scrollWidth <= window.innerWidth"),
                true,
                "{at}"
            );
            // The marks read in the theme's colours: muted text, links in the link colour.
            let look = tab.eval(
                "(() => { const st = getComputedStyle(document.documentElement); \
                 const v = n => st.getPropertyValue(n).trim(); \
                 const also = getComputedStyle(document.querySelector('.also')); \
                 const seen = getComputedStyle(document.querySelector('.seen')); \
                 return [also.fontSize === seen.fontSize, also.color !== seen.color, v('--muted') !== '']; })()",
            );
            assert_eq!(look, serde_json::json!([true, true, true]), "{at}");
            tab.screenshot(&dir.join(format!("stories-{theme}-{name}.png")));
        });
    }
    assert_no_csp_violation(&mut tab);
}
