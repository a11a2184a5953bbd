//! The allow-list admin HTML passes through before it is stored, and again when it is put in a
//! page (then with image sources mapped to copies served from the bucket).
//!
//! Only the tags a headline block needs, no `class`/`style`/`id` and no event handlers; links
//! and image sources must be absolute http(s) URLs (no `javascript:`, `data:` or relative
//! paths); links get `rel="noopener nofollow"`; `<script>` and `<style>` go with their content.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use ammonia::{Builder, UrlRelative};

const TAGS: &[&str] = &[
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "cite",
    "code",
    "em",
    "figcaption",
    "figure",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "time",
    "u",
    "ul",
];

fn builder<'a>() -> Builder<'a> {
    let mut b = Builder::empty();
    b.tags(TAGS.iter().copied().collect())
        .tag_attributes(HashMap::from([
            ("a", HashSet::from(["href"])),
            ("img", HashSet::from(["src", "alt", "width", "height"])),
            ("time", HashSet::from(["datetime"])),
        ]))
        .generic_attributes(HashSet::from(["title", "lang"]))
        .url_schemes(HashSet::from(["http", "https"]))
        .clean_content_tags(HashSet::from(["script", "style"]))
        .link_rel(Some("noopener nofollow"))
        .strip_comments(true);
    b
}

/// `html` cut down to the allow-list: what is stored.
pub fn sanitize(html: &str) -> String {
    builder()
        .url_relative(UrlRelative::Deny)
        .clean(html)
        .to_string()
}

/// Image sources and the paths their copies in the bucket are served at.
pub type Images = BTreeMap<String, String>;

/// Stored (already sanitized) HTML made ready for a page: each image source is replaced by
/// the path of its copy in the bucket, and an image without one loses its source, so readers
/// never load an image from a third-party server.
pub fn with_images(html: &str, images: &Images) -> String {
    let images = Arc::new(images.clone());
    let mut b = builder();
    // The paths in `images` are our own; everything else was made absolute http(s) by
    // `sanitize` before it was stored, and a relative link is refused again here.
    b.url_relative(UrlRelative::PassThrough)
        .attribute_filter(
            move |element, attribute, value| match (element, attribute) {
                ("img", "src") => images.get(value).cloned().map(Cow::Owned),
                (_, "href") if url::Url::parse(value).is_err() => None,
                _ => Some(Cow::Borrowed(value)),
            },
        );
    b.clean(html).to_string()
}

/// The `src` of every image in sanitized `html`, in order, for fetching copies.
pub fn image_sources(html: &str) -> Vec<String> {
    let found = Arc::new(Mutex::new(Vec::new()));
    let sink = found.clone();
    let mut b = builder();
    b.url_relative(UrlRelative::Deny)
        .attribute_filter(move |element, attribute, value| {
            if element == "img" && attribute == "src" {
                sink.lock().expect("not poisoned").push(value.to_string());
            }
            Some(Cow::Borrowed(value))
        });
    b.clean(html);
    found.lock().expect("not poisoned").clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_handlers_and_bad_urls_are_removed() {
        let dirty = r#"<p onclick="steal()">Hi<script>alert(1)</script><style>p{}</style>
<a href="javascript:alert(1)">x</a><a href="https://ok.example/a" target="_blank">ok</a>
<a href="/relative">rel</a><img src="data:image/png;base64,AAAA" onerror="x()">
<iframe src="https://evil.example"></iframe><span class="c" style="color:red" id="i">s</span>
<!-- note --></p>"#;
        let clean = sanitize(dirty);
        for gone in [
            "onclick",
            "script",
            "alert",
            "style",
            "javascript",
            "onerror",
            "iframe",
            "data:",
            "class=",
            "id=",
            "target",
            "/relative",
            "note",
        ] {
            assert!(!clean.contains(gone), "{gone} in {clean}");
        }
        assert!(
            clean.contains(r#"<a href="https://ok.example/a" rel="noopener nofollow">ok</a>"#),
            "{clean}"
        );
        assert!(clean.contains("<span>s</span>"), "{clean}");
    }

    #[test]
    fn images_are_served_from_the_bucket_or_not_at_all() {
        let stored = sanitize(
            r#"<img src="https://news.example/a.jpg" alt="A"><img src="https://news.example/b.jpg" alt="B">"#,
        );
        assert_eq!(
            image_sources(&stored),
            ["https://news.example/a.jpg", "https://news.example/b.jpg"]
        );
        let images = Images::from([(
            "https://news.example/a.jpg".to_string(),
            "/assets/headline-a.0123.jpg".to_string(),
        )]);
        let page = with_images(&stored, &images);
        assert!(
            page.contains(r#"<img src="/assets/headline-a.0123.jpg" alt="A">"#),
            "{page}"
        );
        assert!(!page.contains("news.example/b.jpg"), "{page}");
        assert!(page.contains(r#"<img alt="B">"#), "{page}");
    }
}
