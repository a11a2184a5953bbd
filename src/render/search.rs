//! `/search` and `/api/search` as the reader gets them: the page (HTML, works without
//! JavaScript) and the JSON. Pure: the same results give the same bytes.

use std::sync::LazyLock;

use minijinja::value::Serde;
use minijinja::{Environment, Value, context};
use serde::Serialize;

use super::RenderError;
use crate::search::{Doc, MAX_QUERY_BYTES};

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    super::environment(&[
        super::READER_PAGE,
        ("search.html", include_str!("../../templates/search.html")),
    ])
});

/// One page of results, as both forms show it.
#[derive(Debug, Serialize)]
pub struct Results<'a> {
    pub query: &'a str,
    pub page: usize,
    pub results: Vec<Hit<'a>>,
    /// The next (older) page's number, if there are more.
    pub next_page: Option<usize>,
    /// Whether the search stopped at its work limit, so some matches may be missing.
    pub partial: bool,
}

/// One result.
#[derive(Debug, Serialize)]
pub struct Hit<'a> {
    pub title: &'a str,
    /// Only http(s) links.
    pub link: Option<&'a str>,
    pub source: &'a str,
    pub at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<&'a str>,
    /// `headline` for the headline archive, `entry` for a source box's.
    pub kind: &'static str,
}

impl<'a> Hit<'a> {
    pub fn of(doc: &'a Doc) -> Hit<'a> {
        let link = doc
            .link
            .as_deref()
            .filter(|l| l.starts_with("https://") || l.starts_with("http://"));
        Hit {
            title: &doc.title,
            link,
            source: &doc.source,
            at: doc.at.to_rfc3339(),
            summary: doc.summary.as_deref(),
            kind: if doc.headline { "headline" } else { "entry" },
        }
    }
}

/// `/search?q=..&page=..` for `query` at `page`.
fn href(query: &str, page: usize) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("q", query);
    if page > 1 {
        s.append_pair("page", &page.to_string());
    }
    format!("/search?{}", s.finish())
}

/// The search page; `results` is `None` before a query was typed.
pub fn page(
    site_title: &str,
    stylesheet: Option<&str>,
    results: Option<&Results>,
) -> Result<String, RenderError> {
    #[derive(Serialize)]
    struct Row<'a> {
        #[serde(flatten)]
        hit: &'a Hit<'a>,
        when: String,
    }
    let rows: Vec<Row> = results
        .iter()
        .flat_map(|r| &r.results)
        .map(|hit| Row {
            hit,
            when: chrono::DateTime::parse_from_rfc3339(&hit.at)
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_default(),
        })
        .collect();
    let q = results.map(|r| r.query).unwrap_or("");
    let page = results.map_or(1, |r| r.page);
    ENV.get_template("search.html")
        .and_then(|t| {
            t.render(context! {
                site => context! { title => site_title },
                stylesheet => stylesheet,
                q => q,
                max_len => MAX_QUERY_BYTES,
                results => Value::from(Serde(&rows)),
                partial => results.is_some_and(|r| r.partial),
                page => page,
                newer => (page > 1).then(|| href(q, page - 1)),
                older => results.and_then(|r| r.next_page).map(|p| href(q, p)),
            })
        })
        .map_err(|source| RenderError {
            template: "search.html",
            source,
        })
}

/// `/api/search`.
pub fn json(results: &Results) -> Vec<u8> {
    serde_json::to_vec(results).expect("plain data serializes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    #[test]
    fn results_are_escaped_only_web_links_kept_and_paged_with_the_query() {
        let doc = Doc {
            title: "<script>alert(1)</script> & more".into(),
            link: Some("javascript:alert(1)".into()),
            source: "Feed \"A\"".into(),
            at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            summary: Some("<b>bold</b>".into()),
            headline: false,
        };
        let results = Results {
            query: "a&b <x>",
            page: 2,
            results: vec![Hit::of(&doc)],
            next_page: Some(3),
            partial: false,
        };
        let html = page("Site", Some("/assets/style.x.css"), Some(&results)).unwrap();
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt; &amp; more")
                || html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"),
            "{html}"
        );
        assert!(!html.contains("javascript:"), "{html}");
        assert!(
            html.contains("href=\"/search?q=a%26b+%3Cx%3E&amp;page=3\""),
            "{html}"
        );
        assert!(
            html.contains("href=\"/search?q=a%26b+%3Cx%3E\""),
            "page 1 has no page=: {html}"
        );
        assert!(html.contains("value=\"a&amp;b &lt;x&gt;\""), "{html}");
        let json: serde_json::Value = serde_json::from_slice(&json(&results)).unwrap();
        assert_eq!(json["results"][0]["link"], serde_json::Value::Null);
        assert_eq!(json["next_page"], 3);
        let empty = page("Site", None, None).unwrap();
        assert!(empty.contains("name=\"q\" value=\"\""), "{empty}");
    }
}
