//! Rendering a site with minijinja: the front page as top + the headline block + one fragment
//! per source + bottom (so the frontend can assemble reader layouts, and pages with a newer
//! headline block, from the same parts), and `/api/headlines`.
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
    /// The headline block, labelled with its version (see `crate::headlines`).
    pub const ABOVE: &str = "part/above";
    /// Where the headline block goes in `part/top` (templates/headlines_block.html).
    pub const ABOVE_SLOT: &str = "<!--newsdesk:headlines-->";
    /// `fragment/<source id>`: one source box, labelled with its title, in the site's order.
    pub const FRAGMENT_PREFIX: &str = "fragment/";

    pub fn fragment(id: &str) -> String {
        format!("{FRAGMENT_PREFIX}{id}")
    }
}

/// The headline block as a page shows it: its HTML (empty for none) and the version it was
/// rendered from, which labels `part/above` so a frontend can tell when it holds a newer one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Above {
    pub version: Option<String>,
    pub html: String,
}

/// Joins page parts; used for the default page and for reader layouts alike. The headline
/// block goes into its slot in `top` (after `top` if it has none: a generation published
/// before the block existed).
pub fn assemble<'a>(
    top: &str,
    above: &str,
    fragments: impl Iterator<Item = &'a str>,
    bottom: &str,
) -> String {
    let mut out = String::with_capacity(top.len() + above.len() + bottom.len() + 4096);
    match top.split_once(names::ABOVE_SLOT) {
        Some((before, after)) => {
            out.push_str(before);
            out.push_str(above);
            out.push_str(after);
        }
        None => {
            out.push_str(top);
            out.push_str(above);
        }
    }
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
        // Included by page_top.html, where it leaves the slot `assemble` fills.
        (
            "headlines_block.html",
            include_str!("../../templates/headlines_block.html"),
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

/// [`publication_with`] without a headline block.
pub fn publication(site: &SiteConfig, sources: &[SourceView]) -> Result<Publication, RenderError> {
    publication_with(site, sources, &Above::default())
}

/// Renders a site from its sources' views and its headline block into the objects one
/// generation publishes: the front page, its parts and fragments (so the frontend can assemble
/// reader layouts, and pages with a newer block, from the same bytes), `/api/headlines`, and
/// the shared assets.
pub fn publication_with(
    site: &SiteConfig,
    sources: &[SourceView],
    above: &Above,
) -> Result<Publication, RenderError> {
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
            render(
                "source.html",
                context! { s => Value::from(Serde(s)), per_page => PER_PAGE },
            )
        })
        .collect::<Result<Vec<_>, RenderError>>()?;
    let index = assemble(
        &top,
        &above.html,
        fragments.iter().map(String::as_str),
        &bottom,
    );
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
        object(
            names::ABOVE.into(),
            above.version.clone(),
            "html",
            above.html.clone().into_bytes(),
        ),
    ];
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
            error_reason: None,
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
        s.error = Some("error sending request for url (http://10.0.0.1/feed): connect".into());
        s.error_reason = Some("could not connect".into());
        let p = publication(&site(), &[s]).unwrap();
        let html = text(&p, names::INDEX);
        assert!(html.contains("Could not be loaded: could not connect. Last success <time"));
        assert!(
            !html.contains("error sending request"),
            "readers get the short reason"
        );
        assert!(
            text(&p, names::HEADLINES).contains("error sending request"),
            "the JSON keeps it all"
        );
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
    fn the_headline_block_is_its_own_part_between_masthead_and_sources() {
        let above = Above {
            version: Some("20261123T101500.123Z-0a1b2c3d".into()),
            html: "<section class=\"headlines\">TOP STORY</section>".into(),
        };
        let p = publication_with(&site(), &[source(2)], &above).unwrap();
        let html = text(&p, names::INDEX);
        let (masthead, block, sources) = (
            html.find("</header>").unwrap(),
            html.find("TOP STORY").unwrap(),
            html.find("class=\"sources\"").unwrap(),
        );
        assert!(masthead < block && block < sources, "{html}");
        assert!(
            !html.contains(names::ABOVE_SLOT),
            "the slot is filled: {html}"
        );
        let part = p.objects.iter().find(|o| o.name == names::ABOVE).unwrap();
        assert_eq!(part.label, above.version);
        assert_eq!(part.bytes, above.html.as_bytes());
        let top = text(&p, names::TOP);
        assert!(top.contains(names::ABOVE_SLOT), "{top}");
        let reassembled = assemble(
            &top,
            &above.html,
            std::iter::once(text(&p, &names::fragment("abc")).as_str()),
            &text(&p, names::BOTTOM),
        );
        assert_eq!(reassembled, html, "the parts make the page");
        let none = text(&publication(&site(), &[source(2)]).unwrap(), names::INDEX);
        assert!(
            !none.contains("class=\"headlines\"") && !none.contains(names::ABOVE_SLOT),
            "{none}"
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
