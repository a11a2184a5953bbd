//! The hook a caller of [`super::sync`] may set to watch a pass feed by feed (the fetcher's
//! progress bar and failure table). The pass works the same with or without one.

use chrono::{DateTime, Utc};

use crate::model::FeedError;

/// Told about a pass as it goes. Called from the pass's own tasks: keep each call short.
pub trait Progress: Send + Sync + std::fmt::Debug {
    /// The pass is about to fetch this many due feeds (called once, also with 0).
    fn fetching(&self, due: usize);
    /// One due feed is done (fetched, not modified or failed); called `due` times.
    fn feed_done(&self, feed: &FeedDone);
}

/// What became of one feed in a pass.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedDone {
    /// The feed's URL as the config has it, secrets included: show it through
    /// [`crate::address::shown_url`].
    pub url: String,
    pub outcome: FeedOutcome,
    /// When it is fetched next: after a failure, the retry.
    pub next_fetch: Option<DateTime<Utc>>,
    /// Failures in a row, this one included (0 after a success).
    pub consecutive_failures: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FeedOutcome {
    Fetched { new_entries: usize },
    NotModified,
    Failed(FeedError),
}

impl super::update::FeedResult {
    /// What the pass tells its [`Progress`] about this feed.
    pub(super) fn done(&self) -> FeedDone {
        use super::update::Outcome;
        FeedDone {
            url: self.record.url.clone(),
            outcome: match &self.outcome {
                Outcome::Fetched(n) => FeedOutcome::Fetched { new_entries: *n },
                Outcome::NotModified => FeedOutcome::NotModified,
                Outcome::Failed(e) => FeedOutcome::Failed(e.clone()),
            },
            next_fetch: self.record.next_fetch,
            consecutive_failures: self.record.consecutive_failures,
        }
    }
}
