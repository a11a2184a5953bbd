//! Search without a search server: the fetcher keeps an index of everything a site has shown
//! (entries of its source boxes, also once pushed out of a feed's `history`, for
//! `archive_days`) as immutable segments in the bucket; frontends load the segments a query
//! needs into their bounded cache and answer from memory ([`run`]). The headline archive is
//! small and editable, so frontends index it themselves ([`Segment::build`]).
//!
//! **Segments** ([`segment`]) are batches of documents with an `fst` term dictionary, stored
//! as a terms part and a documents part under `sites/<site>/search/` (content-addressed). A
//! site's segments are listed in its generation's `search.json` object ([`SearchManifest`]),
//! so a frontend sees a new index exactly when it sees the new pages.
//!
//! **Cost grows with change.** New documents go to a small head segment, rewritten when it
//! changes; at [`HEAD_DOCS`] it is sealed and never rewritten. [`FANOUT`] sealed segments of
//! one level are merged into one of the next (up to [`MAX_LEVEL`]), so a year of entries is a
//! few dozen segments, and each document is written about once per level. A sealed segment
//! whose newest document is older than `archive_days` is dropped.
//!
//! **Retention.** Segments live outside `blobs/`, so the generations' garbage collection
//! (`store::publish::gc`) does not see them; [`sweep`] deletes those the newest `search.json`
//! no longer names, once older than the site's grace period.

pub mod fold;
pub mod segment;

use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use segment::{DOCS_PER_CHUNK, Doc, Query, Segment, Terms, decode_docs};

use crate::model::Entry;
use crate::store::publish::{self, PublishStats};
use crate::store::{Key, Store, StoreError};

/// The name of the index's list of segments in a site's generation manifest.
pub const MANIFEST_NAME: &str = "search.json";
/// Documents in a head segment before it is sealed.
pub const HEAD_DOCS: usize = 256;
/// Sealed segments of one level merged into one of the next.
pub const FANOUT: usize = 8;
/// The highest level: segments of up to `HEAD_DOCS * FANOUT^MAX_LEVEL` documents.
pub const MAX_LEVEL: u8 = 3;

/// A query's text, at most, in bytes.
pub const MAX_QUERY_BYTES: usize = 200;
/// Words in a query, at most.
pub const MAX_WORDS: usize = 8;
/// Postings one query may decode over all segments; past it the results found so far are
/// served, marked partial.
pub const POSTINGS_BUDGET: usize = 500_000;

/// A site's index: its segments and how far each feed is indexed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchManifest {
    /// The segment new documents go to, rewritten when they come.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<SegmentRef>,
    /// Segments never rewritten, in the order they were sealed or merged.
    #[serde(default)]
    pub sealed: Vec<SegmentRef>,
    /// Per feed id, the newest `first_seen` indexed: its entries seen after it are new.
    #[serde(default)]
    pub feeds: BTreeMap<String, DateTime<Utc>>,
}

/// One stored segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentRef {
    /// The store keys of its terms part and its documents part.
    pub terms: String,
    pub docs: String,
    pub count: usize,
    pub level: u8,
    pub newest: DateTime<Utc>,
    pub oldest: DateTime<Utc>,
    /// Both parts, in bytes.
    pub bytes: u64,
}

impl SearchManifest {
    /// Every segment, head first.
    pub fn segments(&self) -> impl Iterator<Item = &SegmentRef> {
        self.head.iter().chain(&self.sealed)
    }

    fn keys(&self) -> HashSet<&str> {
        self.segments()
            .flat_map(|s| [s.terms.as_str(), s.docs.as_str()])
            .collect()
    }

    pub fn parse(bytes: &[u8]) -> Result<SearchManifest, serde_json::Error> {
        serde_json::from_slice(bytes)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("plain data serializes")
    }
}

/// A source box's shown entries, as the index takes them.
pub struct Source<'a> {
    pub feed_id: String,
    pub title: &'a str,
    pub entries: Vec<&'a Entry>,
}

/// What an update wrote, and the index it leads to.
#[derive(Debug)]
pub struct Update {
    pub manifest: SearchManifest,
    pub stats: PublishStats,
}

/// The index the site's newest generation names (for a site pinned by a rollback, the newest
/// recorded one, so indexing goes on while it is held); empty for a site without one.
pub async fn previous(store: &Store, site: &str) -> Result<SearchManifest, StoreError> {
    let manifest = match publish::live_manifest(store, site).await? {
        Some((m, _)) if m.pinned.is_some() => {
            publish::pin::newest_record(store, site).await?.unwrap_or(m)
        }
        Some((m, _)) => m,
        None => return Ok(SearchManifest::default()),
    };
    let Some(object) = manifest.object(MANIFEST_NAME) else {
        return Ok(SearchManifest::default());
    };
    let Some(bytes) = store.fetch_path(&object.key).await? else {
        return Ok(SearchManifest::default());
    };
    // A broken list starts the index again rather than stopping the site's publishing.
    Ok(SearchManifest::parse(&bytes).unwrap_or_else(|e| {
        tracing::warn!(site, error = %e, "search index list unreadable; indexing starts again");
        SearchManifest::default()
    }))
}

/// The index after this pass: `previous` with the entries of `sources` seen since it was
/// updated, sealed and merged as they fill, without segments past `archive_days`. Writes only
/// the segments that changed; nothing when nothing did.
pub async fn update(
    store: &Store,
    site: &str,
    previous: &SearchManifest,
    sources: &[Source<'_>],
    archive_days: u32,
    now: DateTime<Utc>,
) -> Result<Update, StoreError> {
    let cutoff = now - chrono::Duration::days(i64::from(archive_days));
    let mut manifest = previous.clone();
    manifest.feeds = BTreeMap::new();
    let mut new = vec![];
    for source in sources {
        let seen = previous.feeds.get(&source.feed_id).copied();
        for e in &source.entries {
            if seen.is_some_and(|s| e.first_seen <= s) {
                continue;
            }
            let at = e.published.unwrap_or(e.first_seen).min(now);
            if at >= cutoff {
                new.push(Doc {
                    title: e.title.clone(),
                    link: e.link.clone(),
                    source: source.title.to_string(),
                    at,
                    summary: e.summary.clone(),
                    headline: false,
                });
            }
        }
        if let Some(newest) = source
            .entries
            .iter()
            .map(|e| e.first_seen)
            .chain(seen)
            .max()
        {
            manifest.feeds.insert(source.feed_id.clone(), newest);
        }
    }
    manifest.sealed.retain(|s| s.newest >= cutoff);
    let mut stats = PublishStats::default();
    if !new.is_empty() || previous.head.as_ref().is_some_and(|h| h.oldest < cutoff) {
        let mut docs = match &previous.head {
            Some(head) => load_docs(store, head).await?,
            None => vec![],
        };
        docs.retain(|d| d.at >= cutoff);
        docs.extend(new);
        // The oldest documents are sealed, so sealed segments cover spans of time.
        docs.sort_by_key(|d| std::cmp::Reverse(d.at));
        while docs.len() >= HEAD_DOCS {
            let sealed = docs.split_off(docs.len() - HEAD_DOCS);
            let seg = write(store, site, sealed, 0, &mut stats).await?;
            manifest.sealed.push(seg);
            merge(store, site, &mut manifest, &mut stats).await?;
        }
        manifest.head = match docs.is_empty() {
            true => None,
            false => Some(write(store, site, docs, 0, &mut stats).await?),
        };
    }
    Ok(Update { manifest, stats })
}

/// Merges [`FANOUT`] segments of a level into one of the next, while some level has as many.
async fn merge(
    store: &Store,
    site: &str,
    manifest: &mut SearchManifest,
    stats: &mut PublishStats,
) -> Result<(), StoreError> {
    for level in 0..MAX_LEVEL {
        let of_level: Vec<usize> = (0..manifest.sealed.len())
            .filter(|&i| manifest.sealed[i].level == level)
            .collect();
        if of_level.len() < FANOUT {
            continue;
        }
        let mut docs = vec![];
        for &i in &of_level {
            docs.extend(load_docs(store, &manifest.sealed[i]).await?);
        }
        let merged = write(store, site, docs, level + 1, stats).await?;
        let mut i = 0;
        manifest.sealed.retain(|_| {
            i += 1;
            !of_level.contains(&(i - 1))
        });
        manifest.sealed.push(merged);
    }
    Ok(())
}

async fn load_docs(store: &Store, seg: &SegmentRef) -> Result<Vec<Doc>, StoreError> {
    let bytes = store
        .fetch_path(&seg.docs)
        .await?
        .ok_or_else(|| StoreError::Missing {
            key: seg.docs.clone(),
        })?;
    segment::decode_docs(&bytes).map_err(|source| StoreError::Corrupt {
        key: seg.docs.clone(),
        source,
    })
}

/// Builds and stores a segment of `docs` (not empty).
async fn write(
    store: &Store,
    site: &str,
    docs: Vec<Doc>,
    level: u8,
    stats: &mut PublishStats,
) -> Result<SegmentRef, StoreError> {
    let seg = Segment::build(docs);
    let (terms, docs) = seg.encode();
    let mut keys = vec![];
    let mut size = 0;
    for (bytes, ext) in [(terms, "terms"), (docs, "json")] {
        let hash = hex::encode(&Sha256::digest(&bytes)[..16]);
        let key = Key::SearchPart {
            site: site.to_string(),
            name: format!("{hash}.{ext}"),
        };
        stats.objects_written += 1;
        stats.bytes_written += bytes.len() as u64;
        size += bytes.len() as u64;
        store.put(&key, Bytes::from(bytes)).await?;
        keys.push(key.to_string());
    }
    let [terms_key, docs_key]: [String; 2] = keys.try_into().expect("two parts");
    Ok(SegmentRef {
        terms: terms_key,
        docs: docs_key,
        count: seg.docs.len(),
        level,
        newest: seg.docs.first().map(|d| d.at).unwrap_or_default(),
        oldest: seg.docs.last().map(|d| d.at).unwrap_or_default(),
        bytes: size,
    })
}

/// Deletes the site's segment objects that `current` does not name, once older than `grace`
/// (a frontend or a generation kept for rollback may still name them until then). Returns how
/// many it deleted.
pub async fn sweep(
    store: &Store,
    site: &str,
    current: &SearchManifest,
    grace: Duration,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let cutoff = now - chrono::Duration::from_std(grace).unwrap_or(chrono::Duration::MAX);
    let named = current.keys();
    let mut deleted = 0;
    for meta in store.list(&Key::search_prefix(site)).await? {
        if meta.last_modified < cutoff && !named.contains(meta.location.as_ref()) {
            store.delete(&meta.location).await?;
            deleted += 1;
        }
    }
    Ok(deleted)
}

/// Why a query is refused (a 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the query has no words")]
    Empty,
    #[error("the query is longer than {MAX_QUERY_BYTES} bytes")]
    TooLong,
    #[error("the query has more than {MAX_WORDS} words")]
    TooManyWords,
}

impl Query {
    /// The words of a reader's query, folded like the index's.
    pub fn parse(text: &str) -> Result<Query, QueryError> {
        if text.len() > MAX_QUERY_BYTES {
            return Err(QueryError::TooLong);
        }
        let words = fold::words(text);
        match words.len() {
            0 => Err(QueryError::Empty),
            n if n > MAX_WORDS => Err(QueryError::TooManyWords),
            _ => Ok(Query { words }),
        }
    }
}

/// A document a query found: which part (as given to [`run`]), its number there, its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub part: usize,
    pub doc: u32,
    pub at: i64,
}

/// What a query found for one page.
#[derive(Debug, Default)]
pub struct Found {
    /// The page's documents, newest first.
    pub hits: Vec<Hit>,
    /// Whether there are more after them.
    pub more: bool,
    /// Whether the postings budget ran out, so some matches may be missing.
    pub partial: bool,
}

/// Runs `query` over parts whose newest documents are at `newest` (seconds), loading each
/// part's terms with `load` only when it may still hold a document of the page: parts are
/// read newest first and the scan stops once `skip + take` documents newer than every unread
/// part are found. Documents older than `not_before` are left out.
pub async fn run<L, F, E>(
    newest: &[i64],
    query: &Query,
    skip: usize,
    take: usize,
    not_before: i64,
    mut load: L,
) -> Result<Found, E>
where
    L: FnMut(usize) -> F,
    F: Future<Output = Result<std::sync::Arc<Terms>, E>>,
{
    let want = skip + take + 1;
    let mut order: Vec<usize> = (0..newest.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(newest[i]));
    let mut hits: Vec<Hit> = vec![];
    let mut budget = POSTINGS_BUDGET;
    for part in order {
        if newest[part] < not_before || (hits.len() >= want && hits[want - 1].at >= newest[part]) {
            break;
        }
        if budget == 0 {
            break;
        }
        let terms = load(part).await?;
        // A part's documents are newest first: its first `want` matches are all it can add.
        for doc in terms.matches(query, want, &mut budget) {
            let at = terms.at[doc as usize];
            if at >= not_before {
                hits.push(Hit { part, doc, at });
            }
        }
        hits.sort_by(|a, b| {
            b.at.cmp(&a.at)
                .then(a.part.cmp(&b.part))
                .then(a.doc.cmp(&b.doc))
        });
        hits.truncate(want);
    }
    let more = hits.len() > skip + take;
    let hits = hits.into_iter().skip(skip).take(take).collect();
    Ok(Found {
        hits,
        more,
        partial: budget == 0,
    })
}

#[cfg(test)]
mod tests;
