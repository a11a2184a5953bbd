//! Summaries and thumbnails in the page: a headline's summary appears under it on hover and on
//! keyboard focus, without JavaScript, moving nothing; a thumbnail is our copy, loaded from the
//! site, in a box that does not move; every theme at phone and desktop width, screenshots on
//! record.

use std::path::PathBuf;

use serde_json::json;

use super::support::chromium::{Browser, Tab, one_at_a_time};
use super::support::{Behavior, FeedServer, generated_rss_with_summaries, serve_config};
use super::{assert_no_csp_violation, s, screenshots};

const HOSTILE: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Hostile</title>
<item><title>Script in a summary</title><link>https://hostile.example/1</link><guid>h1</guid>
<description>&lt;script&gt;window.__pwned=1&lt;/script&gt;&lt;img src=x onerror="window.__pwned=2"&gt;Plain words &amp;lt;b&amp;gt; stay text</description></item>
<item><title>No link, a summary</title><guid isPermaLink="false">h2</guid><description>Read by keyboard too</description></item>
</channel></rss>"#;

struct Scene {
    _rt: tokio::runtime::Runtime,
    _feeds: FeedServer,
    _stop: tokio::sync::oneshot::Sender<()>,
    url: String,
}

fn scene() -> Scene {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (feeds, url, stop) = rt.block_on(async {
        let feeds = FeedServer::start().await;
        let fixture = std::fs::read_to_string(format!(
            "{}/tests/fixtures/feeds/media-news.xml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
        .replace("HUGE_CONTENT", "<p>A long read.</p>");
        for (path, body) in [
            ("/science.xml", fixture.into_bytes()),
            ("/hostile.xml", HOSTILE.as_bytes().to_vec()),
            ("/a.xml", generated_rss_with_summaries("alpha", 20)),
            ("/b.xml", generated_rss_with_summaries("beta", 20)),
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
        feeds.set(
            "/img/sponge-140.png",
            Behavior::Custom {
                headers: vec![("content-type", "image/png".into())],
                body: newsdesk::render::site_files::FAVICON[22..].to_vec(),
            },
        );
        let mut toml = String::from(
            "[fetch]\nallow_private_networks = true\ntimeout_secs = 3\nconnect_timeout_secs = 2\n\n\
             [[sites]]\nname = \"test\"\ntitle = \"Test Report\"\nhosts = [\"test.example\"]\nimages = true\n",
        );
        for path in ["/science.xml", "/hostile.xml", "/a.xml", "/b.xml"] {
            toml.push_str(&format!("\n[[sites.feeds]]\nurl = \"{}\"\n", feeds.url(path)));
        }
        let (url, stop) = serve_config(&toml).await;
        (feeds, url, stop)
    });
    Scene {
        _rt: rt,
        _feeds: feeds,
        _stop: stop,
        url,
    }
}

/// The rectangles of every headline, to compare before and after a summary shows.
fn headline_rects(tab: &mut Tab) -> String {
    s(tab.eval(
        "JSON.stringify([...document.querySelectorAll('.source li')].map(li => { const r = li.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; }))",
    ))
}

/// The summary of the `n`-th headline (1-based) of the box titled `title`: its text and
/// whether it shows (wider than the clipped pixel, not clipped).
fn summary(tab: &mut Tab, title: &str, n: usize) -> (String, bool) {
    let v = tab.eval(&format!(
        "(() => {{ const box = [...document.querySelectorAll('.source')].find(b => b.querySelector('h2').textContent.includes({t})); \
         const sum = box.querySelectorAll('.page:not([hidden]) li')[{i}].querySelector('.sum'); \
         const r = sum.getBoundingClientRect(); \
         return [sum.textContent, r.width > 50 && r.height > 10 && getComputedStyle(sum).clipPath === 'none']; }})()",
        t = serde_json::to_string(title).unwrap(),
        i = n - 1
    ));
    (s(v[0].clone()), v[1].as_bool().unwrap())
}

/// Moves the mouse over the middle of the first element matching `selector`.
fn hover(tab: &mut Tab, selector: &str) {
    let sel = serde_json::to_string(selector).unwrap();
    let xy = tab.eval(&format!(
        "(() => {{ const e = document.querySelector({sel}); e.scrollIntoView({{block: 'center'}}); \
         const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()"
    ));
    tab.call(
        "Input.dispatchMouseEvent",
        json!({ "type": "mouseMoved", "x": xy[0], "y": xy[1] }),
    );
    tab.settle();
}

#[test]
fn a_summary_shows_on_hover_and_on_keyboard_focus_without_script_and_moves_nothing() {
    let _one = one_at_a_time();
    let scene = scene();
    let mut browser = Browser::start();
    let dir: PathBuf = screenshots();
    for (width, mobile) in [(390, true), (1280, false)] {
        for theme in ["light", "dark", "sepia", "contrast"] {
            let mut tab = browser.tab();
            tab.set_javascript(false);
            tab.viewport(width, 900, mobile);
            tab.goto(&scene.url);
            tab.eval(&format!(
                "document.documentElement.setAttribute('data-theme', '{theme}'); true"
            ));
            tab.settle();
            let (text, shown) = summary(&mut tab, "Harbour Gazette", 1);
            assert!(text.starts_with("A six-week expedition"), "{text}");
            assert!(!shown, "hidden until asked for ({theme}, {width})");
            let before = headline_rects(&mut tab);

            hover(&mut tab, ".source li a");
            assert!(summary(&mut tab, "Harbour Gazette", 1).1, "hover shows it");
            assert_eq!(headline_rects(&mut tab), before, "showing it moves nothing");
            tab.screenshot(&dir.join(format!("summary-hover-{theme}-{width}.png")));

            // Away with the mouse, then the keyboard: the second headline's link.
            tab.call(
                "Input.dispatchMouseEvent",
                json!({ "type": "mouseMoved", "x": 0, "y": 0 }),
            );
            tab.settle();
            assert!(!summary(&mut tab, "Harbour Gazette", 1).1);
            tab.eval("document.querySelectorAll('.source li a')[1].focus(); true");
            tab.settle();
            assert!(summary(&mut tab, "Harbour Gazette", 2).1, "focus shows it");
            assert_eq!(headline_rects(&mut tab), before);
            // A headline without a link takes focus for its summary.
            tab.eval("document.querySelector('.nolink[tabindex]').focus(); true");
            tab.settle();
            assert_eq!(
                summary(&mut tab, "Hostile", 2),
                ("Read by keyboard too".to_string(), true)
            );

            // Script in a summary stays text.
            let (hostile, _) = summary(&mut tab, "Hostile", 1);
            assert_eq!(
                hostile, "Plain words stay text",
                "markup, even escaped, is stripped"
            );
            assert_eq!(tab.eval("typeof window.__pwned"), "undefined");

            // The thumbnail: our copy, loaded, in its fixed box.
            let img = tab.eval(
                "(() => { const i = document.querySelector('.source li img'); i.scrollIntoView(); \
                 const r = i.getBoundingClientRect(); \
                 return [i.getAttribute('src'), i.getAttribute('loading'), i.complete && i.naturalWidth > 0, r.width, r.height, document.querySelectorAll('.source li img').length]; })()",
            );
            assert!(s(img[0].clone()).starts_with("/assets/thumb."), "{img}");
            assert_eq!(img[1], "lazy");
            assert!(thumbnail_loads(&mut tab), "loaded from the site");
            assert_eq!(img[5], 1, "only the copied image shows");
            assert_eq!(
                (img[3].as_f64(), img[4].as_f64()),
                (Some(67.5), Some(51.0)),
                "its box (4.5rem x 3.4rem) whatever the image's size"
            );
            assert!(
                tab.eval("document.documentElement.scrollWidth <= window.innerWidth") == true,
                "nothing wider than the screen at {width}"
            );
            assert_no_csp_violation(&mut tab);
        }
        // Layout shift over the load, the lazy thumbnail included, with page scripts on (the
        // observer's callbacks need them).
        let mut tab = browser.tab();
        tab.viewport(width, 900, mobile);
        tab.goto(&scene.url);
        assert!(thumbnail_loads(&mut tab));
        let shift = tab
            .eval(
                "new Promise(r => { let sum = 0; new PerformanceObserver(l => l.getEntries().forEach(e => sum += e.value)) \
                 .observe({type: 'layout-shift', buffered: true}); setTimeout(() => r(sum), 300); })",
            )
            .as_f64()
            .unwrap();
        println!(
            "cumulative layout shift with summaries and a thumbnail at width {width}: {shift}"
        );
        assert!(shift < 0.01, "layout shift {shift} at width {width}");
    }
}

/// Whether the first thumbnail has loaded, waiting up to 5 s (it is lazy: in view first).
fn thumbnail_loads(tab: &mut Tab) -> bool {
    tab.eval("document.querySelector('.source li img').scrollIntoView(); true");
    (0..50).any(|_| {
        let done = tab.eval(
            "(() => { const i = document.querySelector('.source li img'); return i.complete && i.naturalWidth > 0; })()",
        );
        if done != true {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        done == true
    })
}
