//! Rendering a site with minijinja: the front page as top + the headline block + one fragment
//! per source + bottom (so the frontend can assemble reader layouts, and pages with a newer
//! headline block, from the same parts), and `/api/headlines`.
//!
//! View structs are kept apart from the stored model; rendering is pure and deterministic (no
//! clock), so an unchanged site renders to identical bytes and publishes nothing.

use std::borrow::Cow;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, Value, context};

use crate::config::SiteConfig;
use crate::store::publish::{Object, Publication, Shared};

mod api;
pub mod archived;
pub mod choices;
#[cfg(test)]
mod contrast;
pub mod feeds;
pub mod headlines;
pub mod search;
pub mod site_files;
pub mod stories;
mod view;
pub use view::{Article, EntryView, SourceView, StoryMark, public_url, shown_entries, source_view};
pub mod weather;

/// Entries shown per page of a source box.
pub const PER_PAGE: usize = 8;

/// The names the renderer publishes objects under, which the frontend looks up. Names that
/// start with `/` are served at that path as they are.
pub mod names {
    /// The default front page.
    pub const INDEX: &str = "/";
    pub const HEADLINES: &str = "/api/headlines";
    /// The site's feeds and the files crawlers and browsers ask for.
    pub const RSS: &str = "/rss";
    pub const JSON_FEED: &str = "/feed.json";
    pub const SITEMAP: &str = "/sitemap.xml";
    pub const ROBOTS: &str = "/robots.txt";
    pub const FAVICON: &str = "/favicon.ico";
    /// Every page published under its own path besides the front page (`/metrics` labels
    /// requests by these; a test checks a site publishes exactly these).
    pub const PAGES: [&str; 6] = [HEADLINES, RSS, JSON_FEED, SITEMAP, ROBOTS, FAVICON];
    /// The parts around the source boxes, for reader layouts.
    pub const TOP: &str = "part/top";
    pub const BOTTOM: &str = "part/bottom";
    /// The headline block, labelled with its version (see `crate::headlines`).
    pub const ABOVE: &str = "part/above";
    /// Where the headline block goes in `part/top` (templates/headlines_block.html).
    pub const ABOVE_SLOT: &str = "<!--newsdesk:headlines-->";
    /// `fragment/<source id>`: one source box, labelled with its title, in the site's order.
    pub const FRAGMENT_PREFIX: &str = "fragment/";
    /// The site's weather place, icons and attribution (JSON), for `/api/weather`.
    pub const WEATHER_PLACE: &str = "weather/place";

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
    environment(&[
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
        // Included by page_top.html, where it leaves the slot `assemble` fills.
        (
            "headlines_block.html",
            include_str!("../../templates/headlines_block.html"),
        ),
    ])
});

/// The frame the pages a frontend renders on request extend (`{% extends "reader_page.html" %}`):
/// each of their environments holds it.
pub(crate) const READER_PAGE: (&str, &str) = (
    "reader_page.html",
    include_str!("../../templates/reader_page.html"),
);

/// A minijinja environment holding `templates`, with the house formatter and filters: every
/// page newsdesk renders (published pages, the frontend's `/config`, `/old_headlines` and admin
/// pages) escapes and formats the same way.
pub fn environment(templates: &[(&'static str, &'static str)]) -> Environment<'static> {
    let mut env = Environment::new();
    for (name, src) in templates {
        env.add_template(name, src)
            .expect("embedded templates are valid");
    }
    env.set_formatter(|out, state, value| {
        // minijinja's HTML escaping also writes `/` as `&#x2f;`, which HTML does not need and
        // which makes every URL of a 480-entry page half as long again.
        match value.as_str() {
            Some(s) if *state.auto_escape() == AutoEscape::Html && !value.is_safe() => out
                .write_str(&html_escape::encode_quoted_attribute(s))
                .map_err(minijinja::Error::from),
            _ => minijinja::escape_formatter(out, state, value),
        }
    });
    env.add_filter("when", |s: String| -> String {
        s.parse::<DateTime<Utc>>()
            .map(|d| d.format("%b %-d, %H:%M UTC").to_string())
            .unwrap_or(s)
    });
    // `iso` and `short` run twice for each of a page's entries (see [`day_and_time`]).
    env.add_filter("iso", |s: String| -> String {
        day_and_time(&s)
            .map(|(day, time)| format!("{day}T{time}Z"))
            .unwrap_or(s)
    });
    // An entry's time in small print: the hour on the day of the site's newest fetch, else
    // the date (in UTC; app.js turns it into the reader's own time and an age).
    env.add_filter("short", |s: String, today: String| -> String {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        match day_and_time(&s) {
            Some((day, time)) if day == today => time.into_owned(),
            Some((day, _)) => {
                let month: usize = day[5..7].parse().unwrap_or(1);
                let date = day[8..].trim_start_matches('0');
                format!("{} {date}", MONTHS[month.clamp(1, 12) - 1])
            }
            None => s,
        }
    });
    env
}

/// A time's UTC day ("2026-11-23") and hour and minute ("12:00"); `None` when it is no time.
/// A time as serialized here ([`utc_parts`]) is cut into its parts, not parsed by chrono (a
/// seventh of a site render's template time); any other form goes through chrono.
fn day_and_time(s: &str) -> Option<(Cow<'_, str>, Cow<'_, str>)> {
    if let Some((day, time)) = utc_parts(s) {
        return Some((day.into(), time.into()));
    }
    let d = s.parse::<DateTime<Utc>>().ok()?;
    Some((
        d.format("%Y-%m-%d").to_string().into(),
        d.format("%H:%M").to_string().into(),
    ))
}

/// A UTC time in the form dates serialize to ("2026-11-23T12:00:00Z", "...:00.5Z"): its day
/// ("2026-11-23") and its hour and minute ("12:00"); `None` for any other form.
fn utc_parts(s: &str) -> Option<(&str, &str)> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let shaped = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && (b[19] == b'Z' && b.len() == 20
            || b[19] == b'.' && b.len() > 21 && b[b.len() - 1] == b'Z' && digits(20..b.len() - 1));
    shaped.then(|| (&s[..10], &s[11..16]))
}

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

/// The page's meta description, from the site's own sources.
fn description(site: &SiteConfig, sources: &[SourceView]) -> String {
    let names: Vec<&str> = sources.iter().take(3).map(|s| s.title.as_str()).collect();
    let more = sources.len().saturating_sub(names.len());
    match (names.as_slice(), more) {
        ([], _) => format!("{}: the latest headlines, updated all day.", site.title),
        (_, 0) => format!(
            "{}: the latest headlines from {}.",
            site.title,
            names.join(", ")
        ),
        (_, n) => format!(
            "{}: the latest headlines from {} and {n} more sources.",
            site.title,
            names.join(", ")
        ),
    }
}

/// What one generation of a site is made from, besides its config.
#[derive(Debug, Default)]
pub struct Inputs<'a> {
    /// The source boxes, in the site's order.
    pub sources: &'a [SourceView],
    /// The headline block (empty when the site has none).
    pub above: Above,
    /// The site's weather strip and place, when it has one.
    pub weather: Option<&'a crate::weather::SiteWeather>,
    /// The headline block's stories as entries, for the site's feeds (`/rss`, `/feed.json`),
    /// which list them with the sources' newest.
    pub headlines: Option<SourceView>,
}

/// Renders one generation of a site into the objects it publishes: the front page, its parts
/// and fragments (so the frontend can assemble reader layouts, and pages with a newer headline
/// block, from the same bytes), `/api/headlines`, the site's feeds and crawler files, the
/// weather place frontends answer `/api/weather` from, and the shared assets.
pub fn publication(site: &SiteConfig, inputs: &Inputs) -> Result<Publication, RenderError> {
    let (above, weather) = (&inputs.above, inputs.weather);
    let (marked, headlines) = match site.group_stories {
        true => stories::mark(inputs.sources, inputs.headlines.as_ref()),
        false => (inputs.sources.to_vec(), inputs.headlines.clone()),
    };
    let sources = marked.as_slice();
    let base = site.base_url();
    let generated_at = api::generated_at(sources);
    let description = description(site, sources);
    let site_ctx = context! {
        name => site.name.as_str(),
        title => &site.title,
        base => base.as_str(),
    };
    let assets = Value::from(Serde(crate::assets::urls()));
    let themes: Vec<&str> = choices::THEMES.iter().map(|t| t.0).collect();
    let weather_view = weather.map(|w| Value::from(Serde(weather::view(w))));
    let top = render(
        "page_top.html",
        context! {
            site => &site_ctx,
            assets => &assets,
            description => &description,
            themes => themes.join(" "),
            weather => weather_view,
        },
    )?;
    let bottom = render("page_bottom.html", context! { site => &site_ctx })?;
    let today = generated_at.format("%Y-%m-%d").to_string();
    let fragments = sources
        .iter()
        .map(|s| {
            render(
                "source.html",
                context! { s => Value::from(Serde(s)), per_page => PER_PAGE, today => &today },
            )
        })
        .collect::<Result<Vec<_>, RenderError>>()?;
    let index = assemble(
        &top,
        &above.html,
        fragments.iter().map(String::as_str),
        &bottom,
    );
    // Names starting with `/` are pages readers are sent as they are: worth precompressing.
    // The rest are parts only assembled into pages.
    let object = |name: &str, ext, bytes: Vec<u8>| Object {
        name: name.to_string(),
        label: None,
        ext,
        bytes: bytes.into(),
        compress: name.starts_with('/'),
    };
    let channel = feeds::Channel {
        title: &site.title,
        base: &base,
        description: &description,
        generated_at,
    };
    // The feeds list the headline block's stories with the sources' newest.
    let items = feeds::newest(&channel, headlines.iter().chain(sources));
    let mut objects = vec![
        object(names::INDEX, "html", index.into_bytes()),
        object(names::HEADLINES, "json", api::headlines_json(site, sources)),
        object(names::RSS, "rss", feeds::rss(&channel, &items)),
        object(
            names::JSON_FEED,
            "jsonfeed",
            feeds::json_feed(&channel, &items),
        ),
        object(
            names::SITEMAP,
            "xml",
            site_files::sitemap(&base, generated_at),
        ),
        object(names::ROBOTS, "txt", site_files::robots(&base)),
        object(names::FAVICON, "ico", site_files::FAVICON.to_vec()),
        object(names::TOP, "html", top.into_bytes()),
        object(names::BOTTOM, "html", bottom.into_bytes()),
        Object {
            label: above.version.clone(),
            ..object(names::ABOVE, "html", above.html.clone().into_bytes())
        },
    ];
    if let Some(w) = weather {
        let doc = serde_json::to_vec(&weather::place_doc(w)).expect("plain data serializes");
        objects.push(object(names::WEATHER_PLACE, "json", doc));
    }
    for (s, html) in sources.iter().zip(fragments) {
        objects.push(Object {
            label: Some(s.title.clone()),
            ..object(&names::fragment(&s.id), "html", html.into_bytes())
        });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_times_read_as_the_hour_on_the_day_and_the_date_before_it() {
        let env = environment(&[]);
        let render = |t: &str| env.render_str(t, minijinja::context! {}).unwrap();
        let short = "{{ '2026-11-23T09:05:00Z'|short('2026-11-23') }} \
                     {{ '2026-11-22T23:59:00Z'|short('2026-11-23') }} \
                     {{ '2026-01-05T23:59:30Z'|short('2026-11-23') }}";
        assert_eq!(render(short), "09:05 Nov 22 Jan 5");
        assert_eq!(
            render("{{ '2026-01-05T23:59:30Z'|iso }}"),
            "2026-01-05T23:59Z"
        );
        assert_eq!(
            render("{{ 'soon'|iso }} {{ 'soon'|short('2026-11-23') }}"),
            "soon soon"
        );
        // A fraction of a second, and forms dates here do not serialize to (an offset, no
        // seconds' fraction digits), read through chrono alike.
        assert_eq!(
            render(
                "{{ '2026-11-23T09:05:00.25Z'|iso }} {{ '2026-11-23T09:05:00.25Z'|short('2026-11-23') }}"
            ),
            "2026-11-23T09:05Z 09:05"
        );
        assert_eq!(
            render(
                "{{ '2026-11-23T01:05:00+02:00'|iso }} {{ '2026-11-23T01:05:00+02:00'|short('2026-11-23') }}"
            ),
            "2026-11-22T23:05Z Nov 22"
        );
        assert_eq!(utc_parts("2026-11-23T09:05:00.Z"), None);
        assert_eq!(utc_parts("2026-11-23T09:05:00"), None);
        // What serializing a time gives is what the filters cut.
        let t: DateTime<Utc> = "2026-03-04T05:06:07.891Z".parse().unwrap();
        let serialized = serde_json::to_value(t).unwrap();
        assert_eq!(
            utc_parts(serialized.as_str().unwrap()),
            Some(("2026-03-04", "05:06"))
        );
    }

    fn site() -> SiteConfig {
        crate::config::parse(
            "[[sites]]\nname = \"t\"\ntitle = \"Test <Report>\"\nhosts = [\"news.example\"]\n",
            "t",
        )
        .unwrap()
        .sites
        .remove(0)
    }

    /// A generation made of `sources` alone.
    fn of(sources: &[SourceView]) -> Publication {
        publication(
            &site(),
            &Inputs {
                sources,
                ..Default::default()
            },
        )
        .unwrap()
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
            link: Some("https://e.org/".into()),
            logo: None,
            last_success: Some("2026-11-23T10:00:00Z".parse().unwrap()),
            error: None,
            error_reason: None,
            error_kind: None,
            entries: (0..n_entries)
                .map(|i| EntryView {
                    title: format!("<script>alert({i})</script> & story"),
                    link: Some(format!("https://e.org/{i}?a=1&b=2")),
                    published: Some("2026-11-23T09:30:00Z".parse().unwrap()),
                    ..Default::default()
                })
                .collect(),
        }
    }

    #[test]
    fn feed_text_is_escaped() {
        let html = text(&of(&[source(3)]), names::INDEX);
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(0)&lt;/script&gt; &amp; story"),
            "{html}"
        );
        assert!(html.contains("Evil &lt;b&gt;source&lt;/b&gt;"));
        assert!(html.contains("<title>Test &lt;Report&gt;</title>"));
        assert!(html.contains("href=\"https://e.org/0?a=1&amp;b=2\""));
    }

    #[test]
    fn the_pages_served_by_path_are_the_ones_named() {
        let p = of(&[source(3)]);
        let mut by_path: Vec<&str> = p
            .objects
            .iter()
            .map(|o| o.name.as_str())
            .filter(|n| n.starts_with('/') && *n != names::INDEX)
            .collect();
        by_path.sort_unstable();
        let mut named = names::PAGES.to_vec();
        named.sort_unstable();
        assert_eq!(by_path, named, "frontends label requests by names::PAGES");
    }

    #[test]
    fn entries_are_paged_by_eight_with_anchors_that_do_not_scroll() {
        let p = of(&[source(20)]);
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
        assert_eq!(html.matches("<div class=\"page\">").count(), 3);
        assert_eq!(html.matches("<li>").count(), 20);
        for n in 1..=3 {
            assert!(html.contains(&format!("<span class=\"anchor\" id=\"src-abc-p{n}\">")));
        }
        assert!(html.contains("<a rel=\"next\" href=\"#src-abc-p2\">older ›</a>"));
        assert!(html.contains("<a rel=\"prev\" href=\"#src-abc-p2\">‹ newer</a>"));
        assert!(html.contains("<time datetime=\"2026-11-23T09:30Z\">09:30</time>"));
    }

    #[test]
    fn broken_source_gives_a_short_reason_and_keeps_entries() {
        let mut s = source(2);
        s.error = Some("error sending request for url (http://10.0.0.1/): tcp connect".into());
        let html = text(&of(&[s.clone()]), names::INDEX);
        assert!(html.contains(
            "<p class=\"error\">Could not be loaded. Last success <time datetime=\"2026-11-23T10:00Z\">Nov 23, 10:00 UTC</time>.</p>"
        ), "{html}");
        assert!(
            !html.contains("tcp connect"),
            "the raw error is for the API"
        );
        assert!(
            text(&of(&[s.clone()]), names::HEADLINES).contains("tcp connect"),
            "the JSON keeps the full error"
        );
        assert_eq!(html.matches("<li>").count(), 2);
        // With the short reason the model gives (`SourceView::error_reason`).
        let mut v = serde_json::to_value(&s).unwrap();
        v["error_reason"] = "the site did not answer".into();
        let html = render(
            "source.html",
            context! { s => Value::from(Serde(&v)), per_page => PER_PAGE, today => "2026-11-23" },
        )
        .unwrap();
        assert!(html.contains("Could not be loaded: the site did not answer. Last success"));
    }

    #[test]
    fn logos_are_reserved_boxes_and_absent_without_one() {
        let mut s = source(1);
        let html = text(&of(&[s.clone()]), names::INDEX);
        assert!(!html.contains("<img"), "no logo, no image");
        s.logo = Some("/assets/logo-abc.0123456789abcdef.png".into());
        let html = text(&of(&[s]), names::INDEX);
        assert!(html.contains(
            "<img src=\"/assets/logo-abc.0123456789abcdef.png\" alt=\"\" width=\"24\" height=\"24\">"
        ));
    }

    #[test]
    fn summaries_and_thumbnails_are_escaped_and_sized() {
        let mut s = source(2);
        s.entries[0].summary = Some("<script>alert(1)</script> & \"more\"".into());
        s.entries[0].image = Some(view::ImageView {
            url: "/assets/thumb.0123456789abcdef.jpg".into(),
            width: 640,
            height: 360,
        });
        s.entries[1].link = None;
        s.entries[1].summary = Some("Reachable by keyboard".into());
        let p = of(&[s]);
        let html = text(&p, names::INDEX);
        assert!(html.contains(
            "<li><img src=\"/assets/thumb.0123456789abcdef.jpg\" width=\"640\" height=\"360\" loading=\"lazy\" alt=\"\"><a href="
        ));
        assert!(html.contains(
            "<span class=\"sum\">&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;more&quot;</span></li>"
        ), "{html}");
        assert!(
            html.contains("<span class=\"nolink\" tabindex=\"0\">"),
            "a headline without a link can still take focus to show its summary"
        );
        let api: serde_json::Value = serde_json::from_str(&text(&p, names::HEADLINES)).unwrap();
        let entries = &api["sources"][0]["entries"];
        assert_eq!(
            entries[0]["summary"],
            "<script>alert(1)</script> & \"more\""
        );
        assert_eq!(
            entries[0]["image"]["url"],
            "/assets/thumb.0123456789abcdef.jpg"
        );
        assert_eq!(entries[0]["image"]["width"], 640);
        assert!(entries[1].get("image").is_none());
    }

    #[test]
    fn rendering_is_deterministic_and_json_is_shaped() {
        let a = of(&[source(3)]);
        let b = of(&[source(3)]);
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
    fn private_feed_urls_stay_out_of_the_api_and_the_page() {
        let mut s = source(1);
        s.url = "http://192.168.1.10/feed.xml".into();
        s.site_url = None;
        s.link = None;
        let p = of(&[s]);
        let v: serde_json::Value = serde_json::from_str(&text(&p, names::HEADLINES)).unwrap();
        assert_eq!(v["sources"][0]["url"], serde_json::Value::Null);
        assert_eq!(v["sources"][0]["title"], "Evil <b>source</b>");
        for name in [names::INDEX, names::RSS, names::JSON_FEED] {
            assert!(!text(&p, name).contains("192.168"), "{name}");
        }
    }

    #[test]
    fn the_page_links_its_feeds_and_names_its_sources() {
        let p = of(&[source(1)]);
        let html = text(&p, names::INDEX);
        assert!(html.contains(
            "<link rel=\"alternate\" type=\"application/rss+xml\" title=\"Test &lt;Report&gt; (RSS)\" href=\"/rss\">"
        ));
        assert!(html.contains("type=\"application/feed+json\""));
        assert!(html.contains(
            "<meta name=\"description\" content=\"Test &lt;Report&gt;: the latest headlines from Evil &lt;b&gt;source&lt;/b&gt;.\">"
        ));
        assert!(html.contains("<link rel=\"canonical\" href=\"https://news.example/\">"));
        assert!(html.starts_with(&format!("<!doctype html>\n{}", choices::HTML_OPEN)));
        assert!(text(&p, names::ROBOTS).contains("https://news.example/sitemap.xml"));
    }

    #[test]
    fn the_headline_block_is_its_own_part_between_masthead_and_sources() {
        let above = Above {
            version: Some("20261123T101500.123Z-0a1b2c3d".into()),
            html: "<section class=\"headlines\">TOP STORY</section>".into(),
        };
        let p = publication(
            &site(),
            &Inputs {
                sources: &[source(2)],
                above: above.clone(),
                ..Default::default()
            },
        )
        .unwrap();
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
        let none = text(&of(&[source(2)]), names::INDEX);
        assert!(
            !none.contains("class=\"headlines\"") && !none.contains(names::ABOVE_SLOT),
            "{none}"
        );
    }

    /// Two sources telling one story under other titles and links, then another story each.
    fn two_on_one_story() -> Vec<SourceView> {
        let entry = |title: &str, link: &str, at: &str| EntryView {
            title: title.into(),
            link: Some(link.into()),
            published: Some(at.parse().unwrap()),
            ..Default::default()
        };
        let mut first = source(0);
        first.entries = vec![
            entry(
                "Linux 6.18 released with Rust Binder driver",
                "https://e.org/linux-6.18",
                "2026-11-23T08:00:00Z",
            ),
            entry(
                "GIMP 3.2 brings brushes",
                "https://e.org/gimp",
                "2026-11-23T07:00:00Z",
            ),
        ];
        let mut second = source(0);
        second.id = "def".into();
        second.title = "Second <i>source</i>".into();
        second.entries = vec![
            entry(
                "Linus Torvalds releases Linux 6.18",
                "https://www.f.org/618?utm_source=rss&x=<1>",
                "2026-11-23T09:00:00Z",
            ),
            entry(
                "Rust 1.92 ships",
                "https://f.org/rust",
                "2026-11-23T06:00:00Z",
            ),
        ];
        vec![first, second]
    }

    #[test]
    fn a_story_is_shown_once_and_listed_once() {
        let p = of(&two_on_one_story());
        let html = text(&p, names::INDEX);
        let lead = html.find("<li id=\"story-").expect(&html);
        let id = &html[lead + 14..lead + 26];
        assert!(
            html.contains(
                "https://e.org/linux-6.18\">Linux 6.18 released with Rust Binder driver</a>"
            ),
            "{html}"
        );
        assert!(html.contains(
            "<span class=\"also\">also: <a href=\"https://www.f.org/618?utm_source=rss&amp;x=&lt;1&gt;\">Second &lt;i&gt;source&lt;/i&gt;</a></span>"
        ), "{html}");
        assert!(html.contains(
            "<li class=\"covered\"><a href=\"https://www.f.org/618?utm_source=rss&amp;x=&lt;1&gt;\">Linus Torvalds releases Linux 6.18</a>"
        ), "{html}");
        assert!(html.contains(&format!(
            "<a class=\"seen\" href=\"#story-{id}\">first in Evil &lt;b&gt;source&lt;/b&gt;</a></li>"
        )), "{html}");
        assert_eq!(
            html.matches("<li>").count(),
            2,
            "the other stories are plain"
        );

        let rss = text(&p, names::RSS);
        assert_eq!(rss.matches("<item>").count(), 3, "{rss}");
        assert!(!rss.contains("Linus Torvalds"), "{rss}");
        assert!(rss.contains(
            "<description>From Evil &lt;b&gt;source&lt;/b&gt;; also Second &lt;i&gt;source&lt;/i&gt;</description>"
        ));
        let feed: serde_json::Value = serde_json::from_str(&text(&p, names::JSON_FEED)).unwrap();
        let items = feed["items"].as_array().unwrap();
        assert_eq!(items.len(), 3);
        let linux = items
            .iter()
            .find(|i| i["url"] == "https://e.org/linux-6.18")
            .unwrap();
        assert_eq!(linux["_newsdesk"]["story"], id);
        assert_eq!(linux["_newsdesk"]["reports"], 2);
        assert_eq!(linux["_newsdesk"]["also"][0]["source"], "def");

        let api: serde_json::Value = serde_json::from_str(&text(&p, names::HEADLINES)).unwrap();
        let covered = &api["sources"][1]["entries"][0];
        assert_eq!(covered["story"], id);
        assert_eq!(covered["first"]["source"], "abc");
        assert_eq!(covered["first"]["link"], "https://e.org/linux-6.18");
        assert_eq!(api["sources"][0]["entries"][0]["story"], id);
        assert!(api["sources"][0]["entries"][0].get("first").is_none());
        assert_ne!(api["sources"][0]["entries"][1]["story"], id);
    }

    #[test]
    fn a_site_may_show_every_report() {
        let mut site = site();
        site.group_stories = false;
        let p = publication(
            &site,
            &Inputs {
                sources: &two_on_one_story(),
                ..Default::default()
            },
        )
        .unwrap();
        let html = text(&p, names::INDEX);
        assert_eq!(html.matches("<li>").count(), 4, "{html}");
        assert!(!html.contains("also:"));
        assert_eq!(text(&p, names::RSS).matches("<item>").count(), 4);
        assert!(!text(&p, names::HEADLINES).contains("\"story\""));
        assert!(!text(&p, names::JSON_FEED).contains("_newsdesk"));
    }

    #[test]
    fn assets_are_referenced_by_hashed_name() {
        let html = text(&of(&[]), names::INDEX);
        let css = &crate::assets::urls()["style.css"];
        assert!(html.contains(&format!("href=\"{css}\"")), "{html}");
    }
}
