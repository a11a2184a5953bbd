//! The headline block: what an admin (or the scheduled pick) puts on top of the page, either
//! as HTML (sanitized before it is stored) or as up to three headlines (title, link, image)
//! that render to the same block, the first one big and with its image. Input is checked here,
//! the same for the web editor, the CLI and the picker.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::sanitize;

/// Largest block accepted, as typed (before sanitizing).
pub const MAX_INPUT_BYTES: usize = 64 * 1024;
/// Headlines a structured block holds.
pub const MAX_ITEMS: usize = 3;
const MAX_TITLE_CHARS: usize = 300;
const MAX_URL_BYTES: usize = 2048;

/// The content of one version of the block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    /// Sanitized HTML.
    Html { html: String },
    /// Up to [`MAX_ITEMS`] headlines, the first shown big and with its image.
    Items { items: Vec<Item> },
}

/// One headline of a structured block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub title: String,
    /// An absolute http(s) URL.
    pub url: String,
    /// An absolute http(s) URL of an image; readers get the fetcher's copy of it, never this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

/// Why input was refused; nothing is saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error(
        "the headline block is {size} bytes, more than the limit of {limit} bytes (64 KB); nothing was saved"
    )]
    TooLarge { size: usize, limit: usize },
    #[error("at most {MAX_ITEMS} headlines fit in the block ({got} given); nothing was saved")]
    TooManyItems { got: usize },
    #[error("headline {n}: {what}; nothing was saved")]
    BadItem { n: usize, what: String },
    #[error("not a list of headlines: {0}; nothing was saved")]
    BadJson(String),
}

impl Block {
    /// An empty block: the page shows none.
    pub fn empty() -> Block {
        Block::Html {
            html: String::new(),
        }
    }

    /// Admin HTML, sanitized; refused when larger than [`MAX_INPUT_BYTES`].
    pub fn from_html(input: &str) -> Result<Block, InputError> {
        check_size(input)?;
        Ok(Block::Html {
            html: sanitize::sanitize(input.trim()),
        })
    }

    /// Headlines as typed in a form: rows with neither title nor link are skipped; the rest
    /// need both, with http(s) URLs.
    pub fn from_items(items: Vec<Item>) -> Result<Block, InputError> {
        let items: Vec<Item> = items
            .into_iter()
            .map(|i| Item {
                title: i.title.trim().to_string(),
                url: i.url.trim().to_string(),
                image: i
                    .image
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty()),
            })
            .filter(|i| !(i.title.is_empty() && i.url.is_empty() && i.image.is_none()))
            .collect();
        if items.len() > MAX_ITEMS {
            return Err(InputError::TooManyItems { got: items.len() });
        }
        for (i, item) in items.iter().enumerate() {
            let bad = |what: String| InputError::BadItem { n: i + 1, what };
            if item.title.is_empty() {
                return Err(bad("the title is empty".into()));
            }
            if item.title.chars().count() > MAX_TITLE_CHARS {
                return Err(bad(format!(
                    "the title is longer than {MAX_TITLE_CHARS} characters"
                )));
            }
            check_url(&item.url).map_err(|e| bad(format!("the link {e}")))?;
            if let Some(image) = &item.image {
                check_url(image).map_err(|e| bad(format!("the image {e}")))?;
            }
        }
        Ok(Block::Items { items })
    }

    /// Headlines as JSON: `[{"title", "url", "image"}, ...]` or `{"items": [...]}`.
    pub fn from_json(input: &str) -> Result<Block, InputError> {
        check_size(input)?;
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Doc {
            List(Vec<Item>),
            Wrapped { items: Vec<Item> },
        }
        let items = match serde_json::from_str(input) {
            Ok(Doc::List(items) | Doc::Wrapped { items }) => items,
            Err(e) => return Err(InputError::BadJson(e.to_string())),
        };
        Block::from_items(items)
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Block::Html { html } => html.trim().is_empty(),
            Block::Items { items } => items.is_empty(),
        }
    }

    /// The images the block shows, for the fetcher to copy into the bucket.
    pub fn image_urls(&self) -> Vec<String> {
        match self {
            Block::Html { html } => sanitize::image_sources(html),
            Block::Items { items } => items.iter().filter_map(|i| i.image.clone()).collect(),
        }
    }

    /// The block as text to edit: the HTML, or the headlines as JSON.
    pub fn source(&self) -> String {
        match self {
            Block::Html { html } => html.clone(),
            Block::Items { items } => {
                serde_json::to_string_pretty(items).expect("plain data serializes") + "\n"
            }
        }
    }
}

fn check_size(input: &str) -> Result<(), InputError> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(InputError::TooLarge {
            size: input.len(),
            limit: MAX_INPUT_BYTES,
        });
    }
    Ok(())
}

fn check_url(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("is empty".into());
    }
    if s.len() > MAX_URL_BYTES {
        return Err(format!("is longer than {MAX_URL_BYTES} bytes"));
    }
    match url::Url::parse(s) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        Ok(_) => Err(format!("{s:?} is not an http:// or https:// URL")),
        Err(e) => Err(format!("{s:?} is not a URL ({e})")),
    }
}

/// One stored version of a site's block: immutable once written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockVersion {
    pub version: String,
    pub site: String,
    /// `web:<session>`, `cli:<user>` or `auto` (the scheduled pick).
    pub author: String,
    pub created_at: DateTime<Utc>,
    /// The version that was current when the editor started from it.
    #[serde(default)]
    pub base: Option<String>,
    /// Set on a version that puts an older one's content back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restored_from: Option<String>,
    pub block: Block,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(title: &str, url: &str, image: Option<&str>) -> Item {
        Item {
            title: title.into(),
            url: url.into(),
            image: image.map(str::to_string),
        }
    }

    #[test]
    fn oversized_input_is_refused_with_its_size() {
        let big = "x".repeat(MAX_INPUT_BYTES + 1);
        let e = Block::from_html(&big).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the headline block is 65537 bytes, more than the limit of 65536 bytes (64 KB); nothing was saved"
        );
        assert!(Block::from_html(&"x".repeat(MAX_INPUT_BYTES)).is_ok());
    }

    #[test]
    fn items_are_checked_and_empty_rows_skipped() {
        let b = Block::from_items(vec![
            item(
                " Big story ",
                "https://e.org/1",
                Some("https://e.org/1.jpg"),
            ),
            item("", "", None),
            item("Second", "http://e.org/2", Some(" ")),
        ])
        .unwrap();
        assert_eq!(
            b,
            Block::Items {
                items: vec![
                    item("Big story", "https://e.org/1", Some("https://e.org/1.jpg")),
                    item("Second", "http://e.org/2", None),
                ]
            }
        );
        assert_eq!(b.image_urls(), ["https://e.org/1.jpg"]);
        let e = Block::from_items(vec![item("x", "javascript:alert(1)", None)]).unwrap_err();
        assert!(e.to_string().contains("headline 1: the link"), "{e}");
        let e = Block::from_items(vec![item("", "https://e.org/", None)]).unwrap_err();
        assert!(e.to_string().contains("title is empty"), "{e}");
        let e = Block::from_items(vec![item("a", "https://e.org/", None); 4]).unwrap_err();
        assert_eq!(e, InputError::TooManyItems { got: 4 });
    }

    #[test]
    fn json_items_round_trip_through_the_editable_source() {
        let b = Block::from_json(r#"[{"title":"A","url":"https://e.org/a"}]"#).unwrap();
        assert_eq!(Block::from_json(&b.source()).unwrap(), b);
        assert_eq!(
            Block::from_json(r#"{"items":[{"title":"A","url":"https://e.org/a"}]}"#).unwrap(),
            b
        );
        assert!(matches!(
            Block::from_json("<p>not json</p>"),
            Err(InputError::BadJson(_))
        ));
    }
}
