//! What a frontend holds for search ([`super::search`]): the index's parts as read from the
//! bucket (segment lists, terms, documents, and each site's headline archive indexed here) and
//! the answers made, each in a byte-bounded cache, and each client network's share of queries
//! that no answer covers. Its bound is part of `--cache-mb` (see [`super::live::Live::new`]).

use std::sync::Arc;

use super::client::Shares;
use super::page::Page;
use crate::search::{Doc, SearchManifest, Terms};
use crate::store::{Store, StoreError};

/// Queries one client network may run a minute that no cached answer covers.
pub const SEARCHES_PER_CLIENT: u32 = 60;

/// A loaded part of the index.
#[derive(Clone)]
pub enum Part {
    List(Arc<SearchManifest>),
    Terms(Arc<Terms>),
    Docs(Arc<Vec<Doc>>),
    /// The headline archive, indexed here: it is small and admins edit it.
    Archive(Arc<Terms>, Arc<Vec<Doc>>),
}

impl Part {
    fn weight(&self) -> usize {
        let docs = |d: &Vec<Doc>| {
            d.iter()
                .map(|d| {
                    96 + d.title.len()
                        + d.source.len()
                        + d.link.as_ref().map_or(0, String::len)
                        + d.summary.as_ref().map_or(0, String::len)
                })
                .sum::<usize>()
        };
        match self {
            Part::List(m) => 256 * (m.sealed.len() + 1) + 64 * m.feeds.len(),
            Part::Terms(t) => t.weight(),
            Part::Docs(d) => docs(d),
            Part::Archive(t, d) => t.weight() + docs(d),
        }
    }
}

/// An answer: site, generation, archive version, query as typed, page, JSON or the look.
pub type AnswerKey = (String, u64, Option<String>, String, usize, Option<String>);

/// The search side of a frontend: the index's parts and the answers, each bounded by weight.
pub struct Search {
    parts: moka::future::Cache<String, Part>,
    pub answers: moka::future::Cache<AnswerKey, Arc<Page>>,
    pub shares: Shares,
}

impl Search {
    /// Holds at most `bytes`: seven eighths for the index, the rest for answers.
    pub fn new(bytes: u64) -> Search {
        Search {
            parts: moka::future::Cache::builder()
                .max_capacity(bytes / 8 * 7)
                .weigher(|k: &String, p: &Part| weight(k.len() + p.weight()))
                .build(),
            answers: moka::future::Cache::builder()
                .max_capacity(bytes / 8)
                .weigher(|k: &AnswerKey, p: &Arc<Page>| weight(k.3.len() + p.weight()))
                .build(),
            shares: Shares::new(SEARCHES_PER_CLIENT),
        }
    }

    /// Bytes held now (index parts, answers).
    pub async fn held(&self) -> (u64, u64) {
        self.parts.run_pending_tasks().await;
        self.answers.run_pending_tasks().await;
        (self.parts.weighted_size(), self.answers.weighted_size())
    }

    pub async fn part(
        &self,
        key: String,
        load: impl Future<Output = Result<Part, StoreError>>,
    ) -> Result<Part, Arc<StoreError>> {
        self.parts.try_get_with(key, load).await
    }
}

fn weight(bytes: usize) -> u32 {
    bytes.try_into().unwrap_or(u32::MAX)
}

async fn fetch(store: &Store, key: &str) -> Result<bytes::Bytes, StoreError> {
    store
        .fetch_path(key)
        .await?
        .ok_or_else(|| StoreError::Missing {
            key: key.to_string(),
        })
}

pub async fn load_list(store: &Store, key: String) -> Result<Part, StoreError> {
    let bytes = fetch(store, &key).await?;
    let list =
        SearchManifest::parse(&bytes).map_err(|source| StoreError::Corrupt { key, source })?;
    Ok(Part::List(Arc::new(list)))
}

pub async fn load_terms(store: &Store, key: String) -> Result<Part, StoreError> {
    let bytes = fetch(store, &key).await?;
    let terms = Terms::decode(&bytes).map_err(|e| StoreError::Corrupt {
        key,
        source: <serde_json::Error as serde::de::Error>::custom(e.to_string()),
    })?;
    Ok(Part::Terms(Arc::new(terms)))
}

/// A whole docs part (a segment written before chunks).
pub async fn load_docs(store: &Store, key: String) -> Result<Part, StoreError> {
    let bytes = fetch(store, &key).await?;
    let docs =
        crate::search::decode_docs(&bytes).map_err(|source| StoreError::Corrupt { key, source })?;
    Ok(Part::Docs(Arc::new(docs)))
}

/// The chunk of the docs part `key` at `range`.
pub async fn load_chunk(
    store: &Store,
    key: String,
    range: std::ops::Range<u64>,
) -> Result<Part, StoreError> {
    let bytes = store
        .fetch_range(&key, range)
        .await?
        .ok_or_else(|| StoreError::Missing { key: key.clone() })?;
    let docs =
        serde_json::from_slice(&bytes).map_err(|source| StoreError::Corrupt { key, source })?;
    Ok(Part::Docs(Arc::new(docs)))
}
