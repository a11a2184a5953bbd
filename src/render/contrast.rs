//! WCAG 2.1 contrast of every theme, computed from the custom properties in
//! `assets/style.css`, so a colour change that breaks AA fails here rather than for readers.
//! Text needs 4.5:1 (SC 1.4.3), focus outlines 3:1 against what they sit on (SC 1.4.11).

use std::collections::BTreeMap;

const CSS: &str = include_str!("../../assets/style.css");

type Palette = BTreeMap<String, (u8, u8, u8)>;

/// The `--name: #rrggbb` declarations of the first block after `selector`.
fn palette(selector: &str) -> Palette {
    let start = CSS
        .find(selector)
        .unwrap_or_else(|| panic!("style.css has no {selector}"));
    let body = &CSS[start..];
    let body = &body[body.find('{').unwrap() + 1..];
    let body = &body[..body.find('}').unwrap()];
    body.split(';')
        .filter_map(|decl| {
            let (name, value) = decl.split_once(':')?;
            let hex = value.trim().strip_prefix('#')?;
            let n = u32::from_str_radix(hex, 16)
                .ok()
                .filter(|_| hex.len() == 6)?;
            Some((
                name.trim().to_string(),
                ((n >> 16) as u8, (n >> 8) as u8, n as u8),
            ))
        })
        .collect()
}

/// Every theme a reader can get: the default (light), the system's dark mode, and each
/// `data-theme`.
fn themes() -> Vec<(String, Palette)> {
    let light = palette(":root {");
    let mut out = vec![
        ("light (default)".to_string(), light.clone()),
        (
            "auto, dark system".into(),
            palette(":root:not([data-theme]) {"),
        ),
    ];
    for (id, _) in super::choices::THEMES.iter().filter(|t| t.0 != "auto") {
        let p = if *id == "light" {
            light.clone()
        } else {
            palette(&format!("[data-theme=\"{id}\"] {{"))
        };
        out.push((id.to_string(), p));
    }
    out
}

fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let c = |v: u8| {
        let s = f64::from(v) / 255.0;
        if s <= 0.03928 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * c(r) + 0.7152 * c(g) + 0.0722 * c(b)
}

pub fn ratio(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

/// (foreground, background, minimum) for every colour pair the stylesheet uses.
const PAIRS: &[(&str, &str, f64)] = &[
    ("--fg", "--bg", 4.5),
    ("--fg", "--box", 4.5),
    ("--fg", "--error-bg", 4.5),
    ("--muted", "--bg", 4.5),
    ("--muted", "--box", 4.5),
    ("--link", "--bg", 4.5),
    ("--link", "--box", 4.5),
    ("--visited", "--bg", 4.5),
    ("--visited", "--box", 4.5),
    ("--focus", "--bg", 3.0),
    ("--focus", "--box", 3.0),
];

/// The ratios, for the record in SCALING.md (`cargo test --lib contrast -- --nocapture`).
#[test]
fn every_theme_meets_wcag_aa_contrast() {
    let light = palette(":root {");
    let mut failures = vec![];
    for (theme, p) in themes() {
        let mut line = format!("{theme:>18}:");
        for name in light.keys() {
            assert!(p.contains_key(name), "theme {theme} does not set {name}");
        }
        for (fg, bg, min) in PAIRS {
            let r = ratio(p[*fg], p[*bg]);
            line.push_str(&format!(" {}/{} {r:.1}", &fg[2..], &bg[2..]));
            if r < *min {
                failures.push(format!("{theme}: {fg} on {bg} is {r:.2}:1, below {min}:1"));
            }
        }
        println!("{line}");
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn dark_mode_by_system_and_by_choice_are_the_same_colours() {
    assert_eq!(
        palette(":root:not([data-theme]) {"),
        palette("[data-theme=\"dark\"] {")
    );
}

#[test]
fn ratio_matches_the_wcag_reference_values() {
    assert!((ratio((0, 0, 0), (255, 255, 255)) - 21.0).abs() < 0.01);
    assert!((ratio((0x77, 0x77, 0x77), (255, 255, 255)) - 4.48).abs() < 0.01);
}
