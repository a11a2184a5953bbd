//! The reader page in a real headless Chromium (driven over the DevTools protocol, see
//! `cdp/`), with and without JavaScript: every source renders under the CSP, script payloads
//! in feeds stay text, themes and fonts persist across reloads, paging keeps the reader's
//! place, the reader layout round-trips, a phone gets one column. Screenshots of every theme
//! at desktop and phone widths go to `target/tmp/browser-screenshots/` for the record.

mod cdp;
mod common;

use std::path::PathBuf;
use std::sync::Mutex;

use cdp::{Browser, Tab};
use common::{Behavior, FeedServer, generated_rss};
use newsdesk::frontend::{self, App, Options};
use newsdesk::store::{Role, Store};
use newsdesk::sync::{SyncOptions, sync};
use serde_json::Value;

/// One Chromium at a time: the machine has two cores and each test starts its own browser.
static BROWSER: Mutex<()> = Mutex::new(());

const HOSTILE: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel>
<title>Hostile &lt;script&gt;window.__pwned=10&lt;/script&gt;</title>
<item><title>&lt;script&gt;window.__pwned=1&lt;/script&gt;Script in a title</title><link>https://hostile.example/1</link><guid>h1</guid></item>
<item><title>&lt;img src=x onerror="window.__pwned=2"&gt;Image in a title</title><link>javascript:window.__pwned=3</link><guid>h2</guid></item>
<item><title><![CDATA["><svg onload=window.__pwned=4>Attribute breakout]]></title><link>https://hostile.example/3?"onmouseover="window.__pwned=5</link><guid>h3</guid></item>
</channel></rss>"#;

/// A site of seven sources (one broken) on loopback, synced and served; the runtime keeps both servers up.
struct Scene {
    _rt: tokio::runtime::Runtime,
    _feeds: FeedServer,
    url: String,
    titles: Vec<&'static str>,
}

fn scene() -> Scene {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (feeds, url) = rt.block_on(async {
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
        let config = newsdesk::config::parse(&toml, "test").unwrap();
        let store = Store::open("memory://", Role::Fetcher).unwrap();
        sync(&config, &store, &SyncOptions::default())
            .await
            .unwrap();
        let app = App::new(store, Options::default());
        app.live.refresh().await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, frontend::router(app)).await.unwrap() });
        (feeds, url)
    });
    Scene {
        _rt: rt,
        _feeds: feeds,
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

fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(v: Value) -> String {
    v.as_str()
        .map(str::to_string)
        .unwrap_or_else(|| v.to_string())
}

/// The `<html>` attributes a reader's choice sets, as `theme/font/underline`.
fn look(tab: &mut Tab) -> String {
    s(tab.eval(
        "[document.documentElement.getAttribute('data-theme'), \
          document.documentElement.getAttribute('data-font'), \
          document.documentElement.hasAttribute('data-underline')].join('/')",
    ))
}

fn assert_no_csp_violation(tab: &mut Tab) {
    let messages = tab.messages();
    assert!(
        !messages
            .iter()
            .any(|m| m.contains("Content Security Policy")),
        "CSP blocked something: {messages:#?}"
    );
}

#[test]
fn every_source_renders_with_its_logo_and_feed_script_cannot_run() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let scene = scene();
    let mut browser = Browser::start();
    for js in [true, false] {
        let mut tab = browser.tab();
        tab.set_javascript(js);
        tab.viewport(1280, 900, false);
        tab.goto(&scene.url);
        tab.settle();
        let boxes = s(tab.eval(
            "[...document.querySelectorAll('.source h2')].map(h => h.textContent).join('|')",
        ));
        for title in &scene.titles {
            assert!(boxes.contains(title), "{title} missing from {boxes}");
        }
        assert_eq!(tab.eval("document.querySelectorAll('.source').length"), 7);
        assert_eq!(
            s(tab.eval("document.querySelector('.error').textContent")),
            "Could not be loaded.",
            "a short message, not the raw error"
        );
        assert!(
            s(tab.eval("document.body.innerText")).contains("Script in a title"),
            "hostile titles show as text"
        );
        // Hover and click every headline link of the hostile box: nothing may run.
        tab.eval(
            "document.querySelectorAll('a').forEach(a => a.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}))); true",
        );
        assert_eq!(tab.eval("typeof window.__pwned"), "undefined");
        assert_eq!(
            tab.eval("document.querySelectorAll('script').length"),
            1,
            "only app.js"
        );
        assert_eq!(
            tab.eval("[...document.querySelectorAll('a')].filter(a => !/^(https?:|\\/|#)/.test(a.getAttribute('href'))).length"),
            0,
            "only http(s) and site links"
        );
        // The logo is a same-origin immutable asset with a reserved box; other boxes have none.
        let logos = tab.eval(
            "[...document.querySelectorAll('.source h2 img')].map(i => [i.getAttribute('src'), i.naturalWidth, i.width, i.height])",
        );
        let logos = logos.as_array().unwrap();
        assert_eq!(logos.len(), 1, "{logos:?}");
        assert!(s(logos[0][0].clone()).starts_with("/assets/logo-"));
        assert_eq!(
            (
                logos[0][1].clone(),
                logos[0][2].clone(),
                logos[0][3].clone()
            ),
            (32.into(), 24.into(), 24.into())
        );
        // Times: UTC small print without JavaScript, the reader's own with it.
        let tz = s(tab.eval("document.getElementById('tz').textContent"));
        assert_eq!(tz.starts_with("Times in your time zone"), js, "{tz}");
        if js {
            assert_eq!(
                s(tab.eval("document.getElementById('theme').textContent")),
                "Theme: auto"
            );
            assert_eq!(
                tab.eval("getComputedStyle(document.getElementById('theme')).visibility"),
                "visible"
            );
        }
        assert_no_csp_violation(&mut tab);
    }
}

#[test]
fn every_theme_at_desktop_and_phone_width_for_the_record() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let scene = scene();
    let mut browser = Browser::start();
    let mut tab = browser.tab();
    let dir = screenshots();
    let mut shots = 0;
    for (theme, scheme) in [
        ("auto", "light"),
        ("auto", "dark"),
        ("light", "dark"),
        ("dark", "light"),
        ("sepia", "light"),
        ("contrast", "light"),
    ] {
        tab.color_scheme(scheme);
        tab.goto(&scene.url);
        tab.eval(&format!(
            "document.cookie = 'nd_prefs={theme}.sans.n; Path=/'; true"
        ));
        for (width, height, mobile, name) in
            [(1280, 900, false, "desktop"), (390, 844, true, "phone")]
        {
            tab.viewport(width, height, mobile);
            tab.reload();
            tab.settle();
            let bg = s(tab.eval("getComputedStyle(document.body).backgroundColor"));
            let expect_dark = matches!(
                (theme, scheme),
                ("auto", "dark") | ("dark", _) | ("contrast", _)
            );
            let dark = bg
                .trim_start_matches("rgb(")
                .split(',')
                .next()
                .unwrap()
                .trim()
                .parse::<u32>()
                .unwrap()
                < 128;
            assert_eq!(
                dark, expect_dark,
                "{theme} with a {scheme} system: body is {bg}"
            );
            tab.screenshot(&dir.join(format!("{theme}-{scheme}-system-{name}.png")));
            shots += 1;
        }
    }
    assert_eq!(shots, 12);
    assert_no_csp_violation(&mut tab);
}

#[test]
fn theme_and_font_persist_across_reloads_with_and_without_javascript() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let scene = scene();
    let mut browser = Browser::start();
    let mut tab = browser.tab();

    // With JavaScript: the button switches at once and the choice survives a reload, applied
    // by the server (it is there before any script runs, so nothing flashes).
    tab.goto(&scene.url);
    tab.settle();
    tab.click("#theme");
    tab.click("#theme");
    assert_eq!(look(&mut tab), "dark//false");
    assert_eq!(
        tab.eval("localStorage.getItem('newsdesk-prefs')"),
        "dark.sans.n"
    );
    tab.set_javascript(false);
    tab.reload();
    assert_eq!(
        look(&mut tab),
        "dark//false",
        "the server applied the cookie"
    );
    assert_eq!(
        s(tab.eval("getComputedStyle(document.body).backgroundColor")),
        "rgb(18, 18, 18)"
    );

    // Without JavaScript: /config, a real form.
    tab.goto(&format!("{}config", scene.url));
    assert_eq!(
        look(&mut tab),
        "dark//false",
        "/config wears the choice too"
    );
    tab.screenshot(&screenshots().join("config-dark-nojs-desktop.png"));
    assert_eq!(
        tab.eval("document.querySelector('input[name=theme][value=dark]').checked"),
        true
    );
    tab.click("input[name=theme][value=sepia]");
    tab.click("input[name=font][value=serif]");
    tab.click("input[name=underline]");
    tab.click_and_wait("button[type=submit]:not([name])");
    assert_eq!(s(tab.eval("location.pathname")), "/");
    assert_eq!(look(&mut tab), "sepia/serif/true");
    tab.reload();
    assert_eq!(look(&mut tab), "sepia/serif/true");
    assert_eq!(
        s(tab.eval("getComputedStyle(document.body).backgroundColor")),
        "rgb(244, 236, 216)"
    );
    assert!(s(tab.eval("getComputedStyle(document.body).fontFamily")).starts_with("Georgia"));
    assert!(
        s(tab.eval("getComputedStyle(document.querySelector('.source li a')).textDecorationLine"))
            .contains("underline")
    );

    // Back with JavaScript: the button shows the choice made without it.
    tab.set_javascript(true);
    tab.reload();
    tab.settle();
    assert_eq!(
        s(tab.eval("document.getElementById('theme').textContent")),
        "Theme: sepia"
    );

    // Reset on /config brings back the shared default page.
    tab.set_javascript(false);
    tab.goto(&format!("{}config", scene.url));
    tab.click_and_wait("button[name=reset]");
    assert_eq!(look(&mut tab), "//false");
    tab.set_javascript(true);
    tab.reload();
    tab.settle();
    assert_eq!(
        look(&mut tab),
        "//false",
        "localStorage does not bring an old choice back"
    );
    assert_no_csp_violation(&mut tab);
}

/// Scrolls the box `title` to the middle of the view, pages it with a real click on the
/// link matching `link`, and returns (scrollY before, after, box top before, after, shown
/// page's first headline).
fn page_box(tab: &mut Tab, title: &str, link: &str) -> (f64, f64, f64, f64, String) {
    let find = format!(
        "[...document.querySelectorAll('.source')].find(b => b.querySelector('h2').textContent === '{title}')"
    );
    tab.eval(&format!(
        "(() => {{ const b = {find}; window.scrollTo(0, b.getBoundingClientRect().top + scrollY - 200); return true; }})()"
    ));
    tab.settle();
    let before = tab.eval(&format!("[scrollY, ({find}).getBoundingClientRect().top]"));
    let id = s(tab.eval(&format!("({find}).id")));
    tab.click(&format!("#{id} {link}"));
    tab.settle();
    let after = tab.eval(&format!(
        "(() => {{ const b = {find}; const shown = [...b.querySelectorAll('.page')].filter(p => p.offsetParent !== null); \
         return [scrollY, b.getBoundingClientRect().top, shown.length, shown[0].querySelector('li').textContent]; }})()"
    ));
    assert_eq!(after[2], 1, "one page shown");
    let f = |v: &Value| v.as_f64().unwrap();
    (
        f(&before[0]),
        f(&after[0]),
        f(&before[1]),
        f(&after[1]),
        s(after[3].clone()),
    )
}

#[test]
fn paging_a_box_keeps_the_readers_place_with_and_without_javascript() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let scene = scene();
    let mut browser = Browser::start();
    for (js, width) in [(false, 1280), (true, 1280), (false, 390), (true, 390)] {
        let mut tab = browser.tab();
        tab.set_javascript(js);
        tab.viewport(width, 700, width < 500);
        tab.goto(&scene.url);
        tab.settle();
        // Only the visible page's pager link is clickable: hidden pages have no box.
        let (y0, y1, top0, top1, first) = page_box(&mut tab, "long", "a[rel=next]");
        assert_eq!(
            (y0, top0),
            (y1, top1),
            "js={js} width={width}: the view moved"
        );
        // Newest first: page 2 starts at story 11 of 0..=19, page 3 at story 3.
        assert!(first.starts_with("long story number 11 "), "{first}");
        let (y0, y1, top0, top1, first) = page_box(&mut tab, "long", "a[rel=next]");
        assert_eq!((y0, top0), (y1, top1));
        assert!(first.starts_with("long story number 3 "), "{first}");
        let (.., first) = page_box(&mut tab, "long", "a[rel=prev]");
        assert!(first.starts_with("long story number 11 "), "{first}");
        if js {
            // With script each box pages on its own.
            page_box(&mut tab, "second", "a[rel=next]");
            let long_first = s(tab.eval(
                "[...document.querySelectorAll('.source')].find(b => b.querySelector('h2').textContent === 'long').querySelector('.page.cur li').textContent",
            ));
            assert!(
                long_first.starts_with("long story number 11 "),
                "{long_first}"
            );
            assert_eq!(
                s(tab.eval("document.activeElement.rel")),
                "next",
                "focus stays on the pager for keyboard readers"
            );
        } else {
            assert!(s(tab.eval("location.hash")).ends_with("-p2"));
        }
        assert_no_csp_violation(&mut tab);
    }
}

#[test]
fn the_reader_layout_round_trips_and_an_empty_one_says_so() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let scene = scene();
    let mut browser = Browser::start();
    let mut tab = browser.tab();
    tab.set_javascript(false);
    tab.goto(&format!("{}config", scene.url));
    let ids =
        tab.eval("[...document.querySelectorAll('input[type=number]')].map(i => i.name.slice(4))");
    let ids: Vec<String> = ids
        .as_array()
        .unwrap()
        .iter()
        .map(|v| s(v.clone()))
        .collect();
    assert_eq!(ids.len(), 7);
    // Hide the first source (and send it last), put the sixth one first.
    tab.click(&format!("input[name=show-{}]", ids[0]));
    tab.eval(&format!(
        "document.querySelector('input[name=pos-{}]').value = '1'; \
         document.querySelector('input[name=pos-{}]').value = '9'; true",
        ids[5], ids[0]
    ));
    tab.click_and_wait("button[type=submit]:not([name])");
    let order =
        s(tab.eval("[...document.querySelectorAll('.source')].map(b => b.id.slice(4)).join(',')"));
    let mut expected: Vec<&str> = vec![&ids[5]];
    expected.extend(ids[1..5].iter().chain(&ids[6..]).map(String::as_str));
    assert_eq!(order, expected.join(","));
    tab.goto(&format!("{}config", scene.url));
    let form_order = s(tab.eval(
        "[...document.querySelectorAll('input[type=number]')].map(i => i.name.slice(4)).join(',')",
    ));
    assert!(form_order.starts_with(&ids[5]), "{form_order}");
    assert_eq!(
        tab.eval(&format!(
            "document.querySelector('input[name=show-{}]').checked",
            ids[0]
        )),
        false
    );
    // Hide everything: the page says so and links to /config.
    for id in &ids {
        tab.eval(&format!(
            "document.querySelector('input[name=show-{id}]').checked = false; true"
        ));
    }
    tab.click_and_wait("button[type=submit]:not([name])");
    assert_eq!(tab.eval("document.querySelectorAll('.source').length"), 0);
    let note = tab.eval("(() => { const p = document.querySelector('.no-sources'); return [p.offsetParent !== null, p.querySelector('a').getAttribute('href')]; })()");
    assert_eq!(note, serde_json::json!([true, "/config"]));
    tab.goto(&format!("{}config", scene.url));
    tab.click_and_wait("button[name=reset]");
    assert_eq!(tab.eval("document.querySelectorAll('.source').length"), 7);
    assert_eq!(
        tab.eval("getComputedStyle(document.querySelector('.no-sources')).display"),
        "none"
    );
}

#[test]
fn a_phone_gets_one_column_and_a_wide_screen_three_without_layout_shift() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let scene = scene();
    let mut browser = Browser::start();
    for (width, mobile, columns) in [(390, true, 1), (1280, false, 3)] {
        let mut tab = browser.tab();
        tab.viewport(width, 844, mobile);
        tab.goto(&scene.url);
        tab.settle();
        let lefts = tab.eval(
            "new Set([...document.querySelectorAll('.source')].map(b => Math.round(b.getBoundingClientRect().left))).size",
        );
        assert_eq!(lefts, columns, "width {width}");
        assert_eq!(
            tab.eval("document.documentElement.scrollWidth <= window.innerWidth"),
            true,
            "nothing wider than the screen at {width}"
        );
        // Every layout shift since navigation (the buffered entries), app.js included.
        let shift = tab
            .eval(
                "new Promise(r => { let sum = 0; new PerformanceObserver(l => l.getEntries().forEach(e => sum += e.value)) \
                 .observe({type: 'layout-shift', buffered: true}); setTimeout(() => r(sum), 300); })",
            )
            .as_f64()
            .unwrap();
        println!("cumulative layout shift at width {width}: {shift}");
        assert!(
            shift < 0.01,
            "cumulative layout shift {shift} at width {width}"
        );
    }
}
