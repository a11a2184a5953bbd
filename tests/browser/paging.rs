//! Paging a source box keeps the reader's place, with and without JavaScript, at desktop and
//! phone width.

use serde_json::Value;

use super::support::chromium::{Browser, Tab, one_at_a_time};
use super::{assert_no_csp_violation, s, scene};

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
    let _one = one_at_a_time();
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
