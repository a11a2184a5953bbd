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
use crate::store::publish::{Object, Publication, Shared};

mod view;
pub mod weather;
pub use view::{EntryView, SourceView, source_view};

/// Entries shown per page of a source box.
pub const PER_PAGE: usize = 8;

/// The names the renderer publishes objects under, which the frontend looks up. Names that
/// start with `/` are served at that path as they are.
pub mod names {
    /// The default front page.
    pub const INDEX: &str = "/";
    pub const HEADLINES: &str = "/api/headlines";
    /// The parts around the source boxes, for reader layouts.
    pub const TOP: &str = "part/top";
    pub const BOTTOM: &str = "part/bottom";
    /// `fragment/<source id>`: one source box, labelled with its title, in the site's order.
    pub const FRAGMENT_PREFIX: &str = "fragment/";
    /// The site's weather place, icons and attribution (JSON), for `/api/weather`.
    pub const WEATHER_PLACE: &str = "weather/place";

    pub fn fragment(id: &str) -> String {
        format!("{FRAGMENT_PREFIX}{id}")
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
        ("weather.html", include_str!("../../templates/weather.html")),
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

/// Renders a site from its sources' views into the objects one generation publishes: the
/// front page, its parts and fragments (so the frontend can assemble reader layouts from the
/// same bytes), `/api/headlines`, and the shared assets.
pub fn publication(site: &SiteConfig, sources: &[SourceView]) -> Result<Publication, RenderError> {
    publication_with_weather(site, sources, None)
}

/// [`publication`] with the site's weather strip, and the `weather/place` object frontends
/// answer `/api/weather` from.
pub fn publication_with_weather(
    site: &SiteConfig,
    sources: &[SourceView],
    weather: Option<&crate::weather::SiteWeather>,
) -> Result<Publication, RenderError> {
    let site_ctx = context! { name => site.name.as_str(), title => &site.title };
    let assets = Value::from(Serde(crate::assets::urls()));
    let weather_view = weather.map(|w| Value::from(Serde(weather::view(w))));
    let top = render(
        "page_top.html",
        context! { site => &site_ctx, assets => &assets, weather => weather_view },
    )?;
    let bottom = render("page_bottom.html", context! { site => &site_ctx })?;
    let fragments = sources
        .iter()
        .map(|s| {
            render(
                "source.html",
                context! { s => Value::from(Serde(s)), per_page => PER_PAGE },
            )
        })
        .collect::<Result<Vec<_>, RenderError>>()?;
    let index = assemble(&top, fragments.iter().map(String::as_str), &bottom);
    let object = |name: String, label: Option<String>, ext, bytes: Vec<u8>| Object {
        name,
        label,
        ext,
        bytes: bytes.into(),
    };
    let mut objects = vec![
        object(names::INDEX.into(), None, "html", index.into_bytes()),
        object(
            names::HEADLINES.into(),
            None,
            "json",
            headlines_json(site, sources),
        ),
        object(names::TOP.into(), None, "html", top.into_bytes()),
        object(names::BOTTOM.into(), None, "html", bottom.into_bytes()),
    ];
    if let Some(w) = weather {
        let doc = serde_json::to_vec(&weather::place_doc(w)).expect("plain data serializes");
        objects.push(object(names::WEATHER_PLACE.into(), None, "json", doc));
    }
    for (s, html) in sources.iter().zip(fragments) {
        objects.push(object(
            names::fragment(&s.id),
            Some(s.title.clone()),
            "html",
            html.into_bytes(),
        ));
    }
    let shared = crate::assets::all()
        .iter()
        .map(|a| Shared {
            name: a.name.to_string(),
            stored: a.hashed.clone(),
            bytes: a.bytes.clone(),
        })
        .collect();
    Ok(Publication {
        site: site.name.to_string(),
        objects,
        shared,
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

    /// The text of the object named `name`.
    fn text(p: &Publication, name: &str) -> String {
        let o = p.objects.iter().find(|o| o.name == name).unwrap();
        String::from_utf8(o.bytes.to_vec()).unwrap()
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
        let html = text(&publication(&site(), &[source(3)]).unwrap(), names::INDEX);
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
        let p = publication(&site(), &[source(20)]).unwrap();
        let html = &text(&p, &names::fragment("abc"));
        assert_eq!(
            p.objects
                .iter()
                .find(|o| o.name == "fragment/abc")
                .unwrap()
                .label
                .as_deref(),
            Some("Evil <b>source</b>"),
            "fragments are labelled with their source's title"
        );
        assert_eq!(html.matches("class=\"page\"").count(), 3);
        assert_eq!(html.matches("<li>").count(), 20);
        assert!(html.contains("href=\"#src-abc-p2\">older"));
    }

    #[test]
    fn broken_source_says_so_and_keeps_entries() {
        let mut s = source(2);
        s.error = Some("HTTP 500 Internal Server Error".into());
        let html = text(&publication(&site(), &[s]).unwrap(), names::INDEX);
        assert!(html.contains("Could not be loaded: HTTP 500"));
        assert!(html.contains("Showing the last good headlines"));
        assert_eq!(html.matches("<li>").count(), 2);
    }

    #[test]
    fn rendering_is_deterministic_and_json_is_shaped() {
        let a = publication(&site(), &[source(3)]).unwrap();
        let b = publication(&site(), &[source(3)]).unwrap();
        for (x, y) in a.objects.iter().zip(&b.objects) {
            assert_eq!((&x.name, &x.bytes), (&y.name, &y.bytes));
        }
        let v: serde_json::Value = serde_json::from_str(&text(&a, names::HEADLINES)).unwrap();
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
        let html = text(&publication(&site(), &[]).unwrap(), names::INDEX);
        // minijinja escapes `/` as `&#x2f;` in attributes, which browsers read back as `/`.
        let css = crate::assets::urls()["style.css"].replace('/', "&#x2f;");
        assert!(html.contains(&format!("href=\"{css}\"")), "{html}");
    }
}
