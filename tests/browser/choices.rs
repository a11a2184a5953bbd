//! What a reader chooses: theme and font across reloads, with and without JavaScript, and
//! the layout of sources.

use super::support::chromium::{Browser, one_at_a_time};
use super::{assert_no_csp_violation, look, s, scene, screenshots};

#[test]
fn theme_and_font_persist_across_reloads_with_and_without_javascript() {
    let _one = one_at_a_time();
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

#[test]
fn the_reader_layout_round_trips_and_an_empty_one_says_so() {
    let _one = one_at_a_time();
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
