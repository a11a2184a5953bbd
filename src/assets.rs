//! The static assets in `assets/`, embedded at build time and named by content hash
//! (`style.css` → `style.<16 hex>.css`) so a CDN may cache each version forever.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use bytes::Bytes;
use sha2::{Digest, Sha256};

pub struct Asset {
    /// The source name, e.g. `style.css`.
    pub name: &'static str,
    /// The published name, e.g. `style.0123456789abcdef.css`.
    pub hashed: String,
    pub bytes: Bytes,
}

/// Each published asset and the files it is made of, joined in order: a page loads one
/// stylesheet and one script, while each concern keeps a file of its own.
const SOURCES: &[(&str, &[&[u8]])] = &[
    (
        "style.css",
        &[
            include_bytes!("../assets/style.css"),
            include_bytes!("../assets/weather.css"),
            include_bytes!("../assets/headlines.css"),
        ],
    ),
    (
        "app.js",
        &[
            include_bytes!("../assets/app.js"),
            include_bytes!("../assets/weather.js"),
        ],
    ),
    ("favicon.svg", &[include_bytes!("../assets/favicon.svg")]),
    // Weather icons (`crate::weather::wmo`), drawn here so the strip asks no one else.
    (
        "wx-clear.svg",
        &[include_bytes!("../assets/weather/wx-clear.svg")],
    ),
    (
        "wx-partly.svg",
        &[include_bytes!("../assets/weather/wx-partly.svg")],
    ),
    (
        "wx-cloudy.svg",
        &[include_bytes!("../assets/weather/wx-cloudy.svg")],
    ),
    (
        "wx-fog.svg",
        &[include_bytes!("../assets/weather/wx-fog.svg")],
    ),
    (
        "wx-drizzle.svg",
        &[include_bytes!("../assets/weather/wx-drizzle.svg")],
    ),
    (
        "wx-rain.svg",
        &[include_bytes!("../assets/weather/wx-rain.svg")],
    ),
    (
        "wx-sleet.svg",
        &[include_bytes!("../assets/weather/wx-sleet.svg")],
    ),
    (
        "wx-snow.svg",
        &[include_bytes!("../assets/weather/wx-snow.svg")],
    ),
    (
        "wx-showers.svg",
        &[include_bytes!("../assets/weather/wx-showers.svg")],
    ),
    (
        "wx-thunder.svg",
        &[include_bytes!("../assets/weather/wx-thunder.svg")],
    ),
];

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    SOURCES
        .iter()
        .map(|(name, parts)| {
            let bytes = parts.concat();
            Asset {
                name,
                hashed: hashed_name(name, &bytes),
                bytes: Bytes::from(bytes),
            }
        })
        .collect()
});

/// Every asset, hashed.
pub fn all() -> &'static [Asset] {
    &ASSETS
}

/// Source name → URL path (`/assets/<hashed>`), for templates.
pub fn urls() -> BTreeMap<&'static str, String> {
    all()
        .iter()
        .map(|a| (a.name, format!("/assets/{}", a.hashed)))
        .collect()
}

/// `name.ext` → `name.<first 16 hex of sha256>.ext`.
pub fn hashed_name(name: &str, bytes: &[u8]) -> String {
    let digest = hex::encode(Sha256::digest(bytes));
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{}.{ext}", &digest[..16]),
        None => format!("{name}.{}", &digest[..16]),
    }
}

/// Whether `name` has the shape of a hashed asset name; the frontend serves nothing else
/// under `/assets/`.
pub fn is_hashed_name(name: &str) -> bool {
    let mut parts = name.split('.');
    let (Some(stem), Some(hash), Some(ext), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let word = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    word(stem) && word(ext) && hash.len() >= 10 && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_change_with_content() {
        let a = hashed_name("style.css", b"a");
        assert!(
            a.starts_with("style.") && a.ends_with(".css") && a.len() == "style..css".len() + 16
        );
        assert_ne!(a, hashed_name("style.css", b"b"));
        assert!(all().iter().all(|x| is_hashed_name(&x.hashed)));
    }

    #[test]
    fn only_hashed_names_pass() {
        assert!(is_hashed_name("style.0123456789abcdef.css"));
        for bad in [
            "style.css",
            "../x.0123456789.css",
            "a.0123456789.css.br",
            "a.zz23456789.css",
            ".0123456789.css",
        ] {
            assert!(!is_hashed_name(bad), "{bad}");
        }
    }
}
