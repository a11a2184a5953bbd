//! The weather step of one `sync`: decide which cells are due ([`super::plan`]), ask the
//! provider for them politely (a few at a time; three failures in a row end the pass's
//! requests), store each forecast (a failure keeps the last good one and records the error),
//! and keep the index of cells bounded. Bucket reads: the index, one listing of markers, and
//! one read per cell whose refresh failed.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::StreamExt;

use super::plan::{Limits, Marker, plan};
use super::state::{BACKOFF, CellState};
use super::{Cell, CellRecord, Failed, Forecast, Index, WeatherConfig, WeatherError};
use crate::config::{Config, SiteConfig};
use crate::fetch::HttpClient;
use crate::fetch::backoff::{MAX_RETRY_AFTER, jitter};
use crate::store::{Key, Store, StoreError};

/// Failures in a row after which a pass stops asking the provider.
const FAILURES_TO_STOP: usize = 3;

/// What the weather step did, for the pass summary and tests.
#[derive(Debug, Clone, Default)]
pub struct PassSummary {
    pub requests: usize,
    pub fetched: usize,
    pub failed: usize,
    pub new_cells: usize,
    /// Cells dropped to stay within `max_cells`.
    pub dropped: usize,
    /// Markers left waiting for a later pass.
    pub wanted_left: usize,
    pub blocked_until: Option<DateTime<Utc>>,
    /// `(cell, error)` of each failed refresh.
    pub failures: Vec<(String, WeatherError)>,
    /// Trouble that did not stop the pass (store, config), one line each.
    pub warnings: Vec<String>,
}

impl std::fmt::Display for PassSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "weather: {} requests ({} ok, {} failed), {} new cells, {} dropped, {} wanted left",
            self.requests,
            self.fetched,
            self.failed,
            self.new_cells,
            self.dropped,
            self.wanted_left
        )?;
        if let Some(t) = self.blocked_until {
            write!(
                f,
                ", provider asked to wait until {}",
                t.format("%H:%M:%S UTC")
            )?;
        }
        Ok(())
    }
}

/// The weather step of a pass for `sites`' places and every wanted cell. Never fails the
/// pass: trouble is logged and returned as warnings, and the last good forecasts stay.
pub async fn refresh(
    config: &Config,
    sites: &[&SiteConfig],
    store: &Store,
    now: DateTime<Utc>,
) -> PassSummary {
    let mut summary = PassSummary::default();
    let Some(weather) = &config.weather else {
        return summary;
    };
    if let Err(e) = run(config, weather, sites, store, now, &mut summary).await {
        tracing::warn!(error = %e, "weather step failed; the last good forecasts stay");
        summary.warnings.push(format!(
            "weather: {e}; the last good forecasts stay and the next pass tries again"
        ));
    }
    summary
}

#[derive(Debug, thiserror::Error)]
enum StepError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Setup(String),
}

async fn run(
    config: &Config,
    weather: &WeatherConfig,
    sites: &[&SiteConfig],
    store: &Store,
    now: DateTime<Utc>,
    summary: &mut PassSummary,
) -> Result<(), StepError> {
    let limits = Limits::from_config(weather);
    let (mut index, etag) = load_index(store, summary).await?;
    let before = index.clone();
    let markers: Vec<Marker> = store
        .list_names(Key::WEATHER_WANTED_PREFIX, "")
        .await?
        .into_iter()
        .map(|(name, m)| Marker {
            name,
            at: m.last_modified,
        })
        .collect();
    let defaults: Vec<Cell> = sites
        .iter()
        .filter_map(|s| s.weather.as_ref())
        .filter_map(|p| Cell::of(p.lat.0, p.lon.0).ok())
        .collect();
    let plan = plan(&index, &defaults, &markers, &limits, now);
    for name in &plan.delete {
        store
            .delete(&Key::WeatherWanted(name.clone()).path())
            .await?;
    }
    let results = if plan.fetch.is_empty() {
        vec![]
    } else {
        let api_key = std::env::var(super::OPENWEATHER_KEY_ENV).ok();
        let provider =
            super::provider(weather, api_key).map_err(|e| StepError::Setup(e.to_string()))?;
        let client = HttpClient::new(&config.fetch).map_err(|e| StepError::Setup(e.to_string()))?;
        let concurrency = config.fetch.per_host.clamp(1, 4);
        fetch_all(&client, &*provider, &plan.fetch, concurrency).await
    };
    let provider_name = weather.provider.name();
    for (cell, result) in results {
        let Some(result) = result else { continue };
        summary.requests += 1;
        let id = cell.id();
        let state = index.cells.entry(id.clone()).or_insert(CellState {
            fetched_at: None,
            requested_at: now,
            failures: 0,
            next_attempt: None,
        });
        match result {
            Ok(forecast) => {
                summary.fetched += 1;
                store_success(store, cell, provider_name, forecast, now).await?;
                state.fetched_at = Some(now);
                state.failures = 0;
                state.next_attempt = None;
            }
            Err(failed) => {
                summary.failed += 1;
                state.failures = state.failures.saturating_add(1);
                let wait =
                    BACKOFF.wait(state.failures, jitter(&id.to_string()), failed.retry_after);
                state.next_attempt =
                    Some(now + chrono::Duration::from_std(wait).unwrap_or_default());
                if let Some(ra) = failed.retry_after {
                    let until = now
                        + chrono::Duration::from_std(ra.min(MAX_RETRY_AFTER)).unwrap_or_default();
                    index.blocked_until = index.blocked_until.max(Some(until));
                }
                tracing::warn!(cell = %id, kind = %failed.error.kind, error = %failed.error.message,
                    failures = state.failures, next_attempt = ?state.next_attempt,
                    "weather refresh failed; keeping the last good forecast");
                store_failure(store, cell, provider_name, &failed.error, now).await?;
                summary.failures.push((id.clone(), failed.error));
            }
        }
        if let Some(marker) = plan.served.get(&cell) {
            store
                .delete(&Key::WeatherWanted(marker.clone()).path())
                .await?;
        }
    }
    summary.new_cells = plan
        .fetch
        .iter()
        .filter(|c| !before.cells.contains_key(&c.id()) && index.cells.contains_key(&c.id()))
        .count();
    for (cell, at) in plan.requested {
        if let Some(s) = index.cells.get_mut(&cell.id()) {
            s.requested_at = s.requested_at.max(at);
        }
    }
    // A site's place counts as requested whenever it is refreshed (every TTL), not on every
    // pass: a pass with nothing due leaves the index as it was and writes nothing.
    for cell in defaults.iter().filter(|c| plan.fetch.contains(c)) {
        if let Some(s) = index.cells.get_mut(&cell.id()) {
            s.requested_at = now;
        }
    }
    summary.dropped = drop_least_requested(store, &mut index, &defaults, limits.max_cells).await?;
    let deleted: BTreeSet<&String> = plan.delete.iter().chain(plan.served.values()).collect();
    summary.wanted_left = markers
        .iter()
        .filter(|m| !deleted.contains(&m.name))
        .count();
    summary.blocked_until = index.blocked_until.filter(|t| *t > now);
    index.ttl_secs = weather.ttl_secs;
    if index != before {
        save_index(store, &index, etag.as_deref(), summary).await?;
    }
    Ok(())
}

/// Asks for each cell, at most `concurrency` at a time; `None` for cells not asked because
/// the provider asked us to wait or failed too often in a row.
async fn fetch_all(
    client: &HttpClient,
    provider: &dyn super::Provider,
    cells: &[Cell],
    concurrency: usize,
) -> Vec<(Cell, Option<Result<Forecast, Failed>>)> {
    let stop = AtomicBool::new(false);
    let failures_in_a_row = AtomicUsize::new(0);
    futures::stream::iter(cells.iter().copied())
        .map(|cell| {
            let (stop, failures_in_a_row) = (&stop, &failures_in_a_row);
            async move {
                if stop.load(Ordering::Relaxed) {
                    return (cell, None);
                }
                let result = super::fetch(client, provider, cell).await;
                match &result {
                    Ok(_) => failures_in_a_row.store(0, Ordering::Relaxed),
                    Err(f) => {
                        let n = failures_in_a_row.fetch_add(1, Ordering::Relaxed) + 1;
                        if f.retry_after.is_some() || n >= FAILURES_TO_STOP {
                            stop.store(true, Ordering::Relaxed);
                        }
                    }
                }
                (cell, Some(result))
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await
}

async fn load_index(
    store: &Store,
    summary: &mut PassSummary,
) -> Result<(Index, Option<String>), StoreError> {
    match store.get_with_etag(&Key::WeatherIndex).await? {
        None => Ok((Index::default(), None)),
        Some((bytes, etag)) => match serde_json::from_slice(&bytes) {
            Ok(index) => Ok((index, etag)),
            Err(e) => {
                // The cells are still there: they are re-fetched as they are asked for.
                summary.warnings.push(format!(
                    "weather: {} was not valid ({e}); starting a new one",
                    Key::WeatherIndex
                ));
                Ok((Index::default(), etag))
            }
        },
    }
}

/// Writes the index, conditionally where the store allows: a concurrent writer's index wins
/// and this pass's bookkeeping is lost (its forecasts are stored; at worst a cell is fetched
/// once more).
async fn save_index(
    store: &Store,
    index: &Index,
    etag: Option<&str>,
    summary: &mut PassSummary,
) -> Result<(), StoreError> {
    let bytes = Bytes::from(serde_json::to_vec(index).expect("plain data serializes"));
    match store.put_if(&Key::WeatherIndex, bytes, etag).await {
        Ok(_) => Ok(()),
        Err(StoreError::Conflict { key }) => {
            summary.warnings.push(format!(
                "weather: {key} was changed by another fetcher; its version stays"
            ));
            Ok(())
        }
        Err(e) => Err(e),
    }
}

async fn store_success(
    store: &Store,
    cell: Cell,
    provider: &str,
    forecast: Forecast,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let record = CellRecord {
        fetched_at: Some(now),
        forecast: Some(forecast),
        ..CellRecord::empty(cell, provider)
    };
    put_record(store, &record).await
}

/// Records `error` on the cell, keeping its last good forecast.
async fn store_failure(
    store: &Store,
    cell: Cell,
    provider: &str,
    error: &WeatherError,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let key = Key::WeatherCell(cell.id());
    let mut record = match store.get_json::<CellRecord>(&key).await {
        Ok(Some(r)) => r,
        Ok(None) | Err(StoreError::Corrupt { .. }) => CellRecord::empty(cell, provider),
        Err(e) => return Err(e),
    };
    record.last_error = Some(error.clone());
    record.last_error_at = Some(now);
    put_record(store, &record).await
}

async fn put_record(store: &Store, record: &CellRecord) -> Result<(), StoreError> {
    let bytes = serde_json::to_vec(record).expect("plain data serializes");
    store
        .put(&Key::WeatherCell(record.cell.clone()), Bytes::from(bytes))
        .await
}

/// Drops the least recently requested cells (never a site's place) beyond `max_cells`.
async fn drop_least_requested(
    store: &Store,
    index: &mut Index,
    keep: &[Cell],
    max_cells: usize,
) -> Result<usize, StoreError> {
    let excess = index.cells.len().saturating_sub(max_cells);
    if excess == 0 {
        return Ok(0);
    }
    let keep: BTreeSet<String> = keep.iter().map(Cell::id).collect();
    let mut candidates: Vec<(DateTime<Utc>, String)> = index
        .cells
        .iter()
        .filter(|(id, _)| !keep.contains(*id))
        .map(|(id, s)| (s.requested_at, id.clone()))
        .collect();
    candidates.sort();
    let mut dropped = 0;
    for (_, id) in candidates.into_iter().take(excess) {
        store.delete(&Key::WeatherCell(id.clone()).path()).await?;
        index.cells.remove(&id);
        dropped += 1;
    }
    Ok(dropped)
}
