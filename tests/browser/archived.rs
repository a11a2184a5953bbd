//! An archived front page (`/at/<when>`) in Chromium: the note is visible at the top in every
//! theme, readable (WCAG AA contrast), moves nothing, and the page keeps working under the CSP.

use super::support::chromium::{Browser, one_at_a_time};
use super::{
    THEMES_AND_SCHEMES, assert_no_csp_violation, at_each_width_in_theme, s, scene, screenshots,
};

/// WCAG contrast of the note's text on its background, computed in the page.
const CONTRAST: &str = "(() => {
  const lum = c => { const [r, g, b] = c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number).map(v => {
    v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const note = document.querySelector('.archived');
  const [a, b] = [lum(getComputedStyle(note.querySelector('p')).color), lum(getComputedStyle(note).backgroundColor)];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
})()";

/// Cumulative layout shift since navigation.
const SHIFT: &str = "new Promise(r => { let sum = 0; new PerformanceObserver(l => l.getEntries().forEach(e => sum += e.value)) \
     .observe({type: 'layout-shift', buffered: true}); setTimeout(() => r(sum), 300); })";

#[test]
fn an_archived_page_is_marked_in_every_theme_without_layout_shift() {
    let _one = one_at_a_time();
    let scene = scene();
    let mut browser = Browser::start();
    let mut tab = browser.tab();
    let dir = screenshots();
    let url = format!("{}at/9999-12-31", scene.url);
    for (theme, scheme) in THEMES_AND_SCHEMES {
        tab.color_scheme(scheme);
        at_each_width_in_theme(&mut tab, &url, theme, |tab, name| {
            let at = format!("{theme} with a {scheme} system at {name} width");
            assert_eq!(
                s(tab.eval("document.querySelector('meta[name=robots]').content")),
                "noindex",
                "{at}"
            );
            let expected = if theme == "auto" {
                "null".to_string()
            } else {
                theme.to_string()
            };
            assert_eq!(
                s(tab.eval("String(document.documentElement.getAttribute('data-theme'))")),
                expected,
                "{at}: the reader's theme"
            );
            // At the top of the page, in the flow, with its link to today's page.
            let top = tab.eval("document.querySelector('.archived').getBoundingClientRect().top");
            assert_eq!(top.as_f64(), Some(0.0), "{at}");
            let height = tab
                .eval("document.querySelector('.archived').getBoundingClientRect().height")
                .as_f64()
                .unwrap();
            assert!(height > 10.0, "{at}: the note is {height}px high");
            assert_eq!(
                s(tab.eval("document.querySelector('.archived a').getAttribute('href')")),
                "/",
                "{at}"
            );
            let masthead = tab
                .eval("document.querySelector('.masthead').getBoundingClientRect().top")
                .as_f64()
                .unwrap();
            assert!(
                masthead >= height - 1.0,
                "{at}: the masthead is below the note"
            );
            let contrast = tab.eval(CONTRAST).as_f64().unwrap();
            assert!(
                contrast >= 4.5,
                "{at}: the note's contrast is {contrast:.2}"
            );
            let shift = tab.eval(SHIFT).as_f64().unwrap();
            assert!(shift < 0.01, "{at}: cumulative layout shift {shift}");
            tab.screenshot(&dir.join(format!("archived-{theme}-{scheme}-system-{name}.png")));
        });
    }
    assert_no_csp_violation(&mut tab);
}
