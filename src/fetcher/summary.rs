//! What a pass ends with: its summary, or the error that stopped it.

use chrono::{DateTime, Utc};

use crate::model::FeedError;
use crate::store::StoreError;
use crate::store::publish::PublishStats;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("no site named {0:?} in the config")]
    UnknownSite(String),
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    #[error("rendering failed: {0}")]
    Render(#[from] crate::render::RenderError),
    #[error("rendering the headline block failed: {0}")]
    Headlines(String),
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// What a pass did, for the one-line summary and for tests.
#[derive(Debug, Clone, Default)]
pub struct SyncSummary {
    pub feeds: usize,
    pub not_due: usize,
    pub fetched: usize,
    pub not_modified: usize,
    pub failed: usize,
    pub new_entries: usize,
    pub state_objects_written: usize,
    /// Source logos stored (new or changed images).
    pub logos_written: usize,
    pub sites_published: usize,
    pub publish: PublishStats,
    /// Sites whose every feed is failing after this pass (their pages keep the last good
    /// entries): `sync` exits non-zero for them.
    pub sites_failing: Vec<String>,
    /// Sites made live at a new generation: `(site, generation)`.
    pub live: Vec<(String, u64)>,
    /// Sites held at an older generation by a rollback: `(site, live generation)`.
    pub sites_pinned: Vec<(String, u64)>,
    /// The weather step (`None` without `[weather]`, or on a shard other than 0).
    pub weather: Option<crate::weather::PassSummary>,
    /// Warnings that did not stop the pass (garbage collection), one line each.
    pub warnings: Vec<String>,
    /// Requests this pass made to the bucket.
    pub store_ops: crate::store::OpCounts,
    /// `(feed url, error)` of each failure, for the log. The URL is the config's, in full:
    /// show it through [`crate::address::shown_url`].
    pub failures: Vec<(String, FeedError)>,
    /// The earliest next fetch of this shard's feeds: when a pass next has work.
    pub next_fetch: Option<DateTime<Utc>>,
}
