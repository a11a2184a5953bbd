//! Headline files as HTML: the block (the page part `part/above`, which the fetcher renders
//! into every generation and a frontend renders when it holds a newer block than its page),
//! and the pages of `/old_headlines`. Pure: the same input gives the same bytes.

use std::sync::LazyLock;

use chrono::NaiveDate;
use minijinja::value::Serde;
use minijinja::{Environment, Value, context};
use serde::Serialize;

use crate::headlines::HeadlinesError;
use crate::headlines::archive::Entry;
use crate::headlines::block::{Block, BlockVersion};
use crate::headlines::sanitize::{self, Images};

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    crate::render::environment(&[
        crate::render::READER_PAGE,
        (
            "headlines_block.html",
            include_str!("../../templates/headlines_block.html"),
        ),
        (
            "old_headlines.html",
            include_str!("../../templates/old_headlines.html"),
        ),
    ])
});

fn render(template: &'static str, ctx: Value) -> Result<String, HeadlinesError> {
    ENV.get_template(template)
        .and_then(|t| t.render(ctx))
        .map_err(|e| HeadlinesError::Render(format!("{template}: {e}")))
}

#[derive(Serialize)]
struct ItemView<'a> {
    title: &'a str,
    url: &'a str,
    image: Option<&'a String>,
}

/// The block's HTML for a page: empty for an empty block. Images are the copies in `images`
/// (source URL → path in the bucket); one without a copy is left out.
pub fn block_html(block: &Block, images: &Images) -> Result<String, HeadlinesError> {
    let view = match block {
        Block::Html { html } => context! {
            kind => "html",
            html => Value::from_safe_string(sanitize::with_images(html, images)),
        },
        Block::Items { items } => {
            let items: Vec<ItemView> = items
                .iter()
                .map(|i| ItemView {
                    title: &i.title,
                    url: &i.url,
                    image: i.image.as_ref().and_then(|src| images.get(src)),
                })
                .collect();
            context! { kind => "items", items => Value::from(Serde(&items)) }
        }
    };
    render("headlines_block.html", context! { block => view })
}

/// The page part for `current` (the site's current block version, if any): its HTML and the
/// version that labels it.
pub fn above(
    current: Option<&BlockVersion>,
    images: &Images,
) -> Result<crate::render::Above, HeadlinesError> {
    Ok(match current {
        None => crate::render::Above::default(),
        Some(v) => crate::render::Above {
            version: Some(v.version.clone()),
            html: block_html(&v.block, images)?,
        },
    })
}

/// The stories of `current` (a block of headlines; an HTML block has none) as entries for the
/// site's feeds, dated when the block was made so rendering stays deterministic.
pub fn as_source(current: Option<&BlockVersion>) -> Option<crate::render::SourceView> {
    let Block::Items { items } = &current?.block else {
        return None;
    };
    let when = current?.created_at;
    Some(crate::render::SourceView {
        id: "headlines".into(),
        title: "Headlines".into(),
        url: String::new(),
        site_url: None,
        link: None,
        logo: None,
        last_success: Some(when),
        error: None,
        error_reason: None,
        error_kind: None,
        entries: items
            .iter()
            .map(|i| crate::render::EntryView {
                title: i.title.clone(),
                link: Some(i.url.clone()),
                published: Some(when),
                ..Default::default()
            })
            .collect(),
    })
}

/// Archived headlines shown per page of `/old_headlines`.
pub const OLD_PER_PAGE: usize = 60;

#[derive(Serialize)]
struct EntryView<'a> {
    title: &'a str,
    url: &'a str,
    when: String,
    time: String,
}

#[derive(Serialize)]
struct Day<'a> {
    date: String,
    label: String,
    entries: Vec<EntryView<'a>>,
}

/// Entries (newest first) in runs of one UTC day each.
pub fn by_day<'a>(entries: &[&'a Entry]) -> Vec<(NaiveDate, Vec<&'a Entry>)> {
    let mut out: Vec<(NaiveDate, Vec<&Entry>)> = vec![];
    for e in entries {
        let day = e.when.date_naive();
        match out.last_mut() {
            Some((d, list)) if *d == day => list.push(e),
            _ => out.push((day, vec![e])),
        }
    }
    out
}

/// How many pages `n` archived headlines fill (at least one, saying there are none).
pub fn old_pages(n: usize) -> usize {
    n.div_ceil(OLD_PER_PAGE).max(1)
}

/// Page `page` (from 1) of `/old_headlines` for `entries` (newest first); `None` past the last.
pub fn old_headlines_page(
    site_title: &str,
    stylesheet: Option<&str>,
    entries: &[&Entry],
    page: usize,
) -> Result<Option<String>, HeadlinesError> {
    let pages = old_pages(entries.len());
    if page == 0 || page > pages {
        return Ok(None);
    }
    let shown: Vec<&Entry> = entries
        .iter()
        .skip((page - 1) * OLD_PER_PAGE)
        .take(OLD_PER_PAGE)
        .copied()
        .collect();
    let days: Vec<Day> = by_day(&shown)
        .into_iter()
        .map(|(date, list)| Day {
            date: date.format("%Y-%m-%d").to_string(),
            label: date.format("%A, %B %-d, %Y").to_string(),
            entries: list
                .into_iter()
                .map(|e| EntryView {
                    title: &e.title,
                    url: &e.url,
                    when: e.when.to_rfc3339(),
                    time: e.when.format("%H:%M UTC").to_string(),
                })
                .collect(),
        })
        .collect();
    render(
        "old_headlines.html",
        context! {
            site => context! { title => site_title },
            stylesheet => stylesheet,
            days => Value::from(Serde(&days)),
            page => page,
            pages => pages,
        },
    )
    .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::headlines::block::Item;

    fn items() -> Block {
        Block::from_items(vec![
            Item {
                title: "Big <story>".into(),
                url: "https://e.org/1?a=1&b=2".into(),
                image: Some("https://e.org/1.jpg".into()),
            },
            Item {
                title: "Second".into(),
                url: "https://e.org/2".into(),
                image: Some("https://e.org/2.jpg".into()),
            },
        ])
        .unwrap()
    }

    #[test]
    fn items_render_big_and_escaped_the_first_with_its_copied_image() {
        let none = block_html(&items(), &Images::new()).unwrap();
        assert!(!none.contains("<img"), "no copy yet, no image: {none}");
        assert!(none.contains("Big &lt;story&gt;"), "{none}");
        assert!(
            none.contains(r#"<article class="headline lead">"#),
            "{none}"
        );
        let images = Images::from([
            ("https://e.org/1.jpg".into(), "/assets/h1.0123.jpg".into()),
            ("https://e.org/2.jpg".into(), "/assets/h2.0123.jpg".into()),
        ]);
        let html = block_html(&items(), &images).unwrap();
        assert!(html.contains(r#"<img src="/assets/h1.0123.jpg""#), "{html}");
        assert!(
            !html.contains("h2.0123"),
            "only the first headline has a picture: {html}"
        );
        assert!(
            !html.contains("e.org/1.jpg"),
            "never the source's own image: {html}"
        );
    }

    #[test]
    fn an_empty_block_renders_nothing() {
        assert_eq!(block_html(&Block::empty(), &Images::new()).unwrap(), "");
        assert_eq!(
            block_html(&Block::Items { items: vec![] }, &Images::new()).unwrap(),
            ""
        );
    }

    #[test]
    fn html_blocks_are_sanitized_again_on_the_way_out() {
        let b = Block::Html {
            html: r#"<p>ok</p><script>alert(1)</script>"#.into(),
        };
        let html = block_html(&b, &Images::new()).unwrap();
        assert!(
            html.contains("<p>ok</p>") && !html.contains("script"),
            "{html}"
        );
    }
}
