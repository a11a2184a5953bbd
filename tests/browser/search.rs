//! The search box and `/search` in Chromium: a reader searches from the front page without
//! JavaScript, hostile titles stay text, every theme applies, and nothing shifts.

use super::support::chromium::{Browser, one_at_a_time};
use super::{assert_no_csp_violation, at_each_width_in_theme, s, scene, screenshots};

#[test]
fn searching_from_the_front_page_works_without_javascript_in_every_theme_without_shifts() {
    let _one = one_at_a_time();
    let scene = scene();
    let mut browser = Browser::start();
    let mut tab = browser.tab();
    tab.set_javascript(false);
    tab.viewport(1280, 900, false);
    tab.goto(&scene.url);
    tab.settle();
    // Typed into the masthead's box and sent with the button: a plain GET form.
    tab.eval("document.querySelector('.masthead input[name=q]').value = 'SCRIPT in'; true");
    tab.click_and_wait(".masthead .search button");
    let url = s(tab.eval("location.pathname + location.search"));
    assert_eq!(url, "/search?q=SCRIPT+in");
    let results = s(tab
        .eval("[...document.querySelectorAll('.results li a')].map(a => a.textContent).join('|')"));
    assert!(results.contains("Script in a title"), "{results}");
    assert_eq!(tab.eval("typeof window.__pwned"), "undefined");
    assert_eq!(
        tab.eval("document.querySelector('.search-page input').value"),
        "SCRIPT in",
        "the query stays in the box"
    );
    tab.set_javascript(true);
    let page = format!("{}search?q=story", scene.url);
    let dir = screenshots();
    for (theme, dark) in [
        ("auto", false),
        ("light", false),
        ("dark", true),
        ("sepia", false),
        ("contrast", true),
    ] {
        at_each_width_in_theme(&mut tab, &page, theme, |tab, name| {
            assert!(
                tab.eval("document.querySelectorAll('.results li').length")
                    .as_u64()
                    .unwrap()
                    >= 20,
                "{theme}: a page of results"
            );
            let bg = s(tab.eval("getComputedStyle(document.body).backgroundColor"));
            let red: u32 = bg
                .trim_start_matches("rgb(")
                .split(',')
                .next()
                .unwrap()
                .trim()
                .parse()
                .unwrap();
            assert_eq!(red < 128, dark, "{theme}: body is {bg}");
            assert_eq!(
                tab.eval("document.documentElement.scrollWidth <= window.innerWidth"),
                true,
                "{theme}: nothing wider than the screen at {name} width"
            );
            let shift = tab
                .eval(
                    "new Promise(r => { let sum = 0; new PerformanceObserver(l => l.getEntries().forEach(e => sum += e.value)) \
                     .observe({type: 'layout-shift', buffered: true}); setTimeout(() => r(sum), 300); })",
                )
                .as_f64()
                .unwrap();
            assert!(
                shift < 0.01,
                "{theme}: cumulative layout shift {shift} at {name} width"
            );
            tab.screenshot(&dir.join(format!("search-{theme}-{name}.png")));
        });
    }
    assert_no_csp_violation(&mut tab);
}
