//! The front page as it was (`/at/<when>`): the note that marks an old generation's page as an
//! archived copy, put into its HTML, and the page for a time with nothing to show. Pure: the
//! same input gives the same bytes.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use minijinja::{Environment, context};

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    crate::render::environment(&[
        crate::render::READER_PAGE,
        (
            "archived_banner.html",
            include_str!("../../templates/archived_banner.html"),
        ),
        (
            "archived_missing.html",
            include_str!("../../templates/archived_missing.html"),
        ),
    ])
});

/// Tells search engines to leave an archived copy out (the live page is the one to index).
const NOINDEX: &str = "<meta name=\"robots\" content=\"noindex\">";

/// `html` (a published front page) marked as the copy of `site_title` published at `when`:
/// `noindex` at the top of its head and the note right after its `<body>` tag. A page without
/// those tags gets both in front.
pub fn mark(html: &str, site_title: &str, when: DateTime<Utc>) -> Result<String, String> {
    let banner = ENV
        .get_template("archived_banner.html")
        .and_then(|t| {
            t.render(context! {
                site => context! { title => site_title },
                when => when.to_rfc3339(),
                label => when.format("%A, %B %-d, %Y at %H:%M UTC").to_string(),
            })
        })
        .map_err(|e| format!("archived_banner.html: {e}"))?;
    let mut out = String::with_capacity(html.len() + banner.len() + NOINDEX.len() + 2);
    let after_tag = |tag: &str| {
        let at = html.find(tag)?;
        Some(at + html[at..].find('>')? + 1)
    };
    let head = after_tag("<head");
    let body = after_tag("<body").filter(|b| head.is_none_or(|h| *b > h));
    match (head, body) {
        (Some(h), Some(b)) => {
            out.push_str(&html[..h]);
            out.push_str(NOINDEX);
            out.push_str(&html[h..b]);
            out.push_str(&banner);
            out.push_str(&html[b..]);
        }
        _ => {
            out.push_str(NOINDEX);
            out.push_str(&banner);
            out.push_str(html);
        }
    }
    Ok(out)
}

/// The page for a time with no front page to show: `heading` and `reason`, and links to
/// today's page and the old headlines.
pub fn missing_page(
    site_title: &str,
    stylesheet: Option<&str>,
    heading: &str,
    reason: &str,
) -> Result<String, String> {
    ENV.get_template("archived_missing.html")
        .and_then(|t| {
            t.render(context! {
                site => context! { title => site_title },
                stylesheet => stylesheet,
                heading => heading,
                reason => reason,
            })
        })
        .map_err(|e| format!("archived_missing.html: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_note_goes_after_body_and_noindex_into_head() {
        let when = DateTime::parse_from_rfc3339("2026-11-30T18:05:00Z")
            .unwrap()
            .to_utc();
        let html = "<!doctype html><html><head><title>x</title></head><body class=\"a\"><p>news</p></body></html>";
        let out = mark(html, "Linux <Report>", when).unwrap();
        let head = out.find("<head>").unwrap();
        assert_eq!(
            &out[head..head + 6 + NOINDEX.len()],
            format!("<head>{NOINDEX}")
        );
        let body = out.find("<body class=\"a\">").unwrap() + "<body class=\"a\">".len();
        assert!(
            out[body..].starts_with("<aside class=\"archived\""),
            "{out}"
        );
        assert!(out.contains("Linux &lt;Report&gt;"), "escaped: {out}");
        assert!(
            out.contains("Monday, November 30, 2026 at 18:05 UTC"),
            "{out}"
        );
        assert!(out.contains("<a href=\"/\">Today's page</a>"), "{out}");
        assert!(out.ends_with("<p>news</p></body></html>"));

        let bare = mark("just text", "T", when).unwrap();
        assert!(
            bare.starts_with(NOINDEX) && bare.ends_with("just text"),
            "{bare}"
        );
    }
}
