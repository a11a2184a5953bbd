//! Rendering a site with minijinja: the front page as top + one fragment per source + bottom
//! (so the frontend can assemble reader layouts from the same fragments), and `/api/headlines`.
//!
//! View structs are kept apart from the stored model; rendering is pure and deterministic (no
//! clock), so an unchanged site renders to identical bytes and publishes nothing.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use minijinja::value::Serde;
use minijinja::{Environment, Value, context};
use serde::Serialize;

use crate::config::SiteConfig;

/// Entries shown per page of a source box.
pub const PER_PAGE: usize = 8;

#[derive(Debug, Clone, Serialize)]
pub struct EntryView {
    pub title: String,
    pub link: Option<String>,
    pub published: Option<DateTime<Utc>>,
}

/// One source box.
#[derive(Debug, Clone, Serialize)]
pub struct SourceView {
    /// Stable id of the feed (see [`crate::model::feed_id`]).
    pub id: String,
    pub title: String,
    /// The feed URL.
    pub url: String,
    pub site_url: Option<String>,
    pub logo: Option<String>,
    /// The last successful fetch that changed the box.
    pub last_success: Option<DateTime<Utc>>,
    pub error: Option<String>,
    /// The class of the last failure (`timeout`, `http`, `parse`, ...; see [`crate::model::FeedError`]).
    pub error_kind: Option<String>,
    pub entries: Vec<EntryView>,
}

/// A site rendered: the parts of the front page and the JSON.
#[derive(Debug, Clone)]
pub struct RenderedSite {
    pub top: String,
    /// `(source id, title, html)` in config order.
    pub fragments: Vec<(String, String, String)>,
    pub bottom: String,
    pub headlines_json: Vec<u8>,
}

impl RenderedSite {
    /// The default front page: every fragment in config order.
    pub fn index_html(&self) -> String {
        assemble(
            &self.top,
            self.fragments.iter().map(|(_, _, html)| html.as_str()),
            &self.bottom,
        )
    }
}

/// Joins page parts; used for the default page and for reader layouts alike.
pub fn assemble<'a>(top: &str, fragments: impl Iterator<Item = &'a str>, bottom: &str) -> String {
    let mut out = String::with_capacity(top.len() + bottom.len() + 4096);
    out.push_str(top);
    for f in fragments {
        out.push_str(f);
    }
    out.push_str(bottom);
    out
}

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, src) in [
        (
            "page_top.html",
            include_str!("../../templates/page_top.html"),
        ),
        ("source.html", include_str!("../../templates/source.html")),
        (
            "page_bottom.html",
            include_str!("../../templates/page_bottom.html"),
        ),
    ] {
        env.add_template(name, src)
            .expect("embedded templates are valid");
    }
    env.add_filter("when", |s: String| -> String {
        s.parse::<DateTime<Utc>>()
            .map(|d| d.format("%b %-d, %H:%M UTC").to_string())
            .unwrap_or(s)
    });
    env
});

#[derive(Debug, thiserror::Error)]
#[error("rendering {template}: {source}")]
pub struct RenderError {
    template: &'static str,
    source: minijinja::Error,
}

fn render(template: &'static str, ctx: Value) -> Result<String, RenderError> {
    ENV.get_template(template)
        .and_then(|t| t.render(ctx))
        .map_err(|source| RenderError { template, source })
}

/// Renders a site's page parts and JSON from its sources' views.
pub fn render_site(site: &SiteConfig, sources: &[SourceView]) -> Result<RenderedSite, RenderError> {
    let site_ctx = context! { name => site.name.as_str(), title => &site.title };
    let assets = Value::from(Serde(crate::assets::urls()));
    let top = render(
        "page_top.html",
        context! { site => &site_ctx, assets => &assets },
    )?;
    let bottom = render("page_bottom.html", context! { site => &site_ctx })?;
    let fragments = sources
        .iter()
        .map(|s| {
            let html = render(
                "source.html",
                context! { s => Value::from(Serde(s)), per_page => PER_PAGE },
            )?;
            Ok((s.id.clone(), s.title.clone(), html))
        })
        .collect::<Result<Vec<_>, RenderError>>()?;
    Ok(RenderedSite {
        top,
        fragments,
        bottom,
        headlines_json: headlines_json(site, sources),
    })
}

#[derive(Serialize)]
struct HeadlinesJson<'a> {
    site: &'a str,
    /// When the newest content was fetched: deterministic, so unchanged input gives equal bytes.
    generated_at: DateTime<Utc>,
    sources: Vec<SourceJson<'a>>,
}

#[derive(Serialize)]
struct SourceJson<'a> {
    title: &'a str,
    url: &'a str,
    site_url: Option<&'a str>,
    last_success: Option<DateTime<Utc>>,
    error: Option<&'a str>,
    error_kind: Option<&'a str>,
    entries: &'a [EntryView],
}

fn headlines_json(site: &SiteConfig, sources: &[SourceView]) -> Vec<u8> {
    let generated_at = sources
        .iter()
        .filter_map(|s| s.last_success)
        .max()
        .unwrap_or(DateTime::UNIX_EPOCH);
    let doc = HeadlinesJson {
        site: site.name.as_str(),
        generated_at,
        sources: sources
            .iter()
            .map(|s| SourceJson {
                title: &s.title,
                url: &s.url,
                site_url: s.site_url.as_deref(),
                last_success: s.last_success,
                error: s.error.as_deref(),
                error_kind: s.error_kind.as_deref(),
                entries: &s.entries,
            })
            .collect(),
    };
    serde_json::to_vec_pretty(&doc).expect("plain data serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> SiteConfig {
        crate::config::parse("[[sites]]\nname = \"t\"\ntitle = \"Test <Report>\"\n", "t")
            .unwrap()
            .sites
            .remove(0)
    }

    fn source(n_entries: usize) -> SourceView {
        SourceView {
            id: "abc".into(),
            title: "Evil <b>source</b>".into(),
            url: "https://e.org/feed".into(),
            site_url: Some("https://e.org/".into()),
            logo: None,
            last_success: Some("2026-11-23T10:00:00Z".parse().unwrap()),
            error: None,
            error_kind: None,
            entries: (0..n_entries)
                .map(|i| EntryView {
                    title: format!("<script>alert({i})</script> & story"),
                    link: Some(format!("https://e.org/{i}?a=1&b=2")),
                    published: None,
                })
                .collect(),
        }
    }

    #[test]
    fn feed_text_is_escaped() {
        let r = render_site(&site(), &[source(3)]).unwrap();
        let html = r.index_html();
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(0)&lt;&#x2f;script&gt; &amp; story"),
            "{html}"
        );
        assert!(html.contains("Evil &lt;b&gt;source&lt;&#x2f;b&gt;"));
        assert!(html.contains("<title>Test &lt;Report&gt;</title>"));
    }

    #[test]
    fn entries_are_paged_by_eight() {
        let r = render_site(&site(), &[source(20)]).unwrap();
        let html = &r.fragments[0].2;
        assert_eq!(html.matches("class=\"page\"").count(), 3);
        assert_eq!(html.matches("<li>").count(), 20);
        assert!(html.contains("href=\"#src-abc-p2\">older"));
    }

    #[test]
    fn broken_source_says_so_and_keeps_entries() {
        let mut s = source(2);
        s.error = Some("HTTP 500 Internal Server Error".into());
        let html = render_site(&site(), &[s]).unwrap().index_html();
        assert!(html.contains("Could not be loaded: HTTP 500"));
        assert!(html.contains("Showing the last good headlines"));
        assert_eq!(html.matches("<li>").count(), 2);
    }

    #[test]
    fn rendering_is_deterministic_and_json_is_shaped() {
        let a = render_site(&site(), &[source(3)]).unwrap();
        let b = render_site(&site(), &[source(3)]).unwrap();
        assert_eq!(a.index_html(), b.index_html());
        let v: serde_json::Value = serde_json::from_slice(&a.headlines_json).unwrap();
        assert_eq!(v["site"], "t");
        assert_eq!(v["generated_at"], "2026-11-23T10:00:00Z");
        assert_eq!(v["sources"][0]["url"], "https://e.org/feed");
        assert_eq!(v["sources"][0]["error"], serde_json::Value::Null);
        assert_eq!(
            v["sources"][0]["entries"][1]["link"],
            "https://e.org/1?a=1&b=2"
        );
    }

    #[test]
    fn assets_are_referenced_by_hashed_name() {
        let html = render_site(&site(), &[]).unwrap().index_html();
        // minijinja escapes `/` as `&#x2f;` in attributes, which browsers read back as `/`.
        let css = crate::assets::urls()["style.css"].replace('/', "&#x2f;");
        assert!(html.contains(&format!("href=\"{css}\"")), "{html}");
    }
}
