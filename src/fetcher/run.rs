//! `newsdesk-fetcher run`: a sync pass at start, then one at every tick of `[fetch] schedule`,
//! until asked to stop. A failed pass is logged and the next tick tries again.

use std::future::Future;

use chrono::Utc;

use crate::config::Config;
use crate::fetcher::{SyncOptions, sync};
use crate::store::Store;

/// Runs passes until `shutdown` resolves; a pass in progress is finished first.
pub async fn run(
    config: &Config,
    store: &Store,
    opts: &SyncOptions,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        match sync(config, store, opts).await {
            Ok(summary) => tracing::info!(%summary, "pass done"),
            Err(e) => tracing::error!(error = %e, "pass failed; retrying at the next tick"),
        }
        let now = Utc::now();
        let Some(next) = config.fetch.schedule.0.after(&now).next() else {
            tracing::warn!("the schedule has no future tick; stopping");
            return;
        };
        let wait = (next - now).to_std().unwrap_or_default();
        tracing::debug!(next = %next, "waiting for the next tick");
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = &mut shutdown => return,
        }
    }
}
