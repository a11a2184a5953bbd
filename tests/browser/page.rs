//! The page as a whole: every source renders, script in feeds stays text, the columns, the
//! themes on record.

use super::support::chromium::{Browser, one_at_a_time};
use super::{
    THEMES_AND_SCHEMES, assert_no_csp_violation, at_each_width_in_theme, s, scene, screenshots,
};

#[test]
fn every_source_renders_with_its_logo_and_feed_script_cannot_run() {
    let _one = one_at_a_time();
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
            "Could not be loaded: the server answered HTTP 500.",
            "a short reason, not the raw error"
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
    let _one = one_at_a_time();
    let scene = scene();
    let mut browser = Browser::start();
    let mut tab = browser.tab();
    let dir = screenshots();
    let mut shots = 0;
    for (theme, scheme) in THEMES_AND_SCHEMES {
        tab.color_scheme(scheme);
        at_each_width_in_theme(&mut tab, &scene.url, theme, |tab, name| {
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
        });
    }
    assert_eq!(shots, 12);
    assert_no_csp_violation(&mut tab);
}

#[test]
fn a_phone_gets_one_column_and_a_wide_screen_three_without_layout_shift() {
    let _one = one_at_a_time();
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
