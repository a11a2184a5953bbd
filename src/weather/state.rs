//! What weather keeps in the bucket: one [`CellRecord`] per cell (`weather/cells/<cell>.json`,
//! what frontends serve) and one [`Index`] of every cell (`weather/index.json`), so a pass
//! decides what is due from one read, and a frontend knows which cells have a forecast without
//! asking the bucket about each one a reader names.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Cell, Forecast, WeatherError};
use crate::fetch::backoff::Backoff;

/// One cell's forecast as the frontends serve it. A failed refresh keeps `forecast` and
/// `fetched_at` and records `last_error`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellRecord {
    pub cell: String,
    /// The cell's centre, where the forecast was asked for.
    pub lat: f64,
    pub lon: f64,
    pub provider: String,
    /// When `forecast` was fetched.
    pub fetched_at: Option<DateTime<Utc>>,
    pub forecast: Option<Forecast>,
    /// The last refresh's failure, cleared by the next success.
    pub last_error: Option<WeatherError>,
    pub last_error_at: Option<DateTime<Utc>>,
}

impl CellRecord {
    pub fn empty(cell: Cell, provider: &str) -> Self {
        let (lat, lon) = cell.center();
        CellRecord {
            cell: cell.id(),
            lat,
            lon,
            provider: provider.to_string(),
            fetched_at: None,
            forecast: None,
            last_error: None,
            last_error_at: None,
        }
    }
}

/// Every cell the fetcher keeps.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Index {
    /// The fetcher's TTL: a frontend asks again for a cell whose forecast is older.
    pub ttl_secs: u64,
    /// The provider asked us to stay away until then (429/503 with `Retry-After`).
    pub blocked_until: Option<DateTime<Utc>>,
    pub cells: BTreeMap<String, CellState>,
}

/// What the fetcher knows of one cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellState {
    /// When its forecast was last fetched; `None` until one was.
    pub fetched_at: Option<DateTime<Utc>>,
    /// When a reader (or a site's page) last asked for it: the least recent go first.
    pub requested_at: DateTime<Utc>,
    /// Failures since the last success.
    #[serde(default)]
    pub failures: u32,
    /// No request before this (backoff after failures).
    pub next_attempt: Option<DateTime<Utc>>,
}

impl Index {
    /// Whether `cell` has a forecast to serve.
    pub fn has_forecast(&self, cell: &str) -> bool {
        self.cells.get(cell).is_some_and(|s| s.fetched_at.is_some())
    }

    /// Whether `cell`'s forecast is missing or older than the TTL at `now`.
    pub fn is_stale(&self, cell: &str, now: DateTime<Utc>) -> bool {
        let ttl = chrono::Duration::seconds(self.ttl_secs.min(i64::MAX as u64) as i64);
        self.cells
            .get(cell)
            .and_then(|s| s.fetched_at)
            .is_none_or(|t| now - t >= ttl)
    }
}

/// The first retry after a failure; each further failure doubles it, up to [`MAX_BACKOFF`].
pub const MIN_BACKOFF: Duration = Duration::from_secs(15 * 60);
pub const MAX_BACKOFF: Duration = Duration::from_secs(12 * 3600);
/// When to try a cell again after failures in a row (or later if the provider asked for it).
pub const BACKOFF: Backoff = Backoff {
    first: MIN_BACKOFF,
    max: MAX_BACKOFF,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_back_off_from_a_quarter_hour_to_half_a_day() {
        let mins = |d: Duration| d.as_secs() / 60;
        assert_eq!(
            (1..=4)
                .map(|n| mins(BACKOFF.wait(n, 0.5, None)))
                .collect::<Vec<_>>(),
            [15, 30, 60, 120]
        );
        assert_eq!(BACKOFF.wait(30, 0.5, None), MAX_BACKOFF);
    }

    #[test]
    fn staleness_follows_the_ttl() {
        let now: DateTime<Utc> = "2026-11-23T12:00:00Z".parse().unwrap();
        let mut index = Index {
            ttl_secs: 3600,
            ..Default::default()
        };
        let state = |fetched: Option<DateTime<Utc>>| CellState {
            fetched_at: fetched,
            requested_at: now,
            failures: 0,
            next_attempt: None,
        };
        index
            .cells
            .insert("a".into(), state(Some(now - chrono::Duration::minutes(59))));
        index
            .cells
            .insert("b".into(), state(Some(now - chrono::Duration::minutes(61))));
        index.cells.insert("c".into(), state(None));
        assert!(!index.is_stale("a", now));
        assert!(index.is_stale("b", now) && index.is_stale("c", now) && index.is_stale("x", now));
        assert!(index.has_forecast("b") && !index.has_forecast("c") && !index.has_forecast("x"));
    }
}
