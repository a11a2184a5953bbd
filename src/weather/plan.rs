//! Which cells a pass asks the provider for: a pure decision from the index, the sites'
//! places and the wanted markers, within the per-pass limits.
//!
//! Due are each site's own place once its forecast is older than the TTL, and the cells
//! frontends marked as wanted (new cells, or cells whose forecast a reader found stale).
//! At most `max_requests_per_pass` requests, of which at most `max_new_cells_per_pass` for new
//! cells readers asked for; none before a cell's backoff ends or while the provider's
//! `Retry-After` holds. Markers beyond 10 x `max_new_cells_per_pass` are a flood's oldest and
//! are deleted unserved.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Cell, Index, WeatherConfig};

/// The per-pass limits, from `[weather]`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub ttl: Duration,
    pub max_new: usize,
    pub max_requests: usize,
    pub max_cells: usize,
}

impl Limits {
    pub fn from_config(w: &WeatherConfig) -> Self {
        Limits {
            ttl: Duration::from_secs(w.ttl_secs),
            max_new: w.max_new_cells_per_pass,
            max_requests: w.max_requests_per_pass,
            max_cells: w.max_cells,
        }
    }

    /// Markers kept waiting at most: beyond, the oldest of a flood are deleted unserved (a
    /// reader still there gets their cell marked again by a frontend later).
    fn backlog(&self) -> usize {
        self.max_new.saturating_mul(10)
    }
}

/// A `weather/wanted/<name>` marker, as listed.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub name: String,
    pub at: DateTime<Utc>,
}

/// What a pass will do.
#[derive(Debug, Default, PartialEq)]
pub struct Plan {
    /// Cells to ask the provider for, in this order: the sites' places, then markers oldest first.
    pub fetch: Vec<Cell>,
    /// How many of `fetch` are new cells.
    pub new_cells: usize,
    /// Markers deleted now: names that are no cell, cells already fresh, the flood's oldest.
    pub delete: Vec<String>,
    /// The marker of a cell in `fetch`, deleted once it was asked for.
    pub served: BTreeMap<Cell, String>,
    /// Cells readers asked for, and when.
    pub requested: Vec<(Cell, DateTime<Utc>)>,
}

/// Decides a pass from the index, the sites' places and the markers. Pure.
pub fn plan(
    index: &Index,
    defaults: &[Cell],
    markers: &[Marker],
    limits: &Limits,
    now: DateTime<Utc>,
) -> Plan {
    let ttl = chrono::Duration::from_std(limits.ttl).unwrap_or(chrono::Duration::MAX);
    let blocked = index.blocked_until.is_some_and(|t| t > now);
    let backing_off = |id: &str| {
        index
            .cells
            .get(id)
            .and_then(|s| s.next_attempt)
            .is_some_and(|t| t > now)
    };
    let fresh = |id: &str| {
        index
            .cells
            .get(id)
            .and_then(|s| s.fetched_at)
            .is_some_and(|t| now - t < ttl)
    };
    let mut p = Plan::default();
    let mut planned = BTreeSet::new();
    // The sites' own places do not count against `max_new`: it bounds what readers can cost.
    let mut new_for_readers = 0;
    for &cell in defaults {
        let id = cell.id();
        if !blocked
            && p.fetch.len() < limits.max_requests
            && !fresh(&id)
            && !backing_off(&id)
            && planned.insert(cell)
        {
            p.fetch.push(cell);
            p.new_cells += usize::from(!index.cells.contains_key(&id));
        }
    }
    let mut markers: Vec<&Marker> = markers.iter().collect();
    markers.sort_by(|a, b| (a.at, &a.name).cmp(&(b.at, &b.name)));
    let excess = markers.len().saturating_sub(limits.backlog());
    p.delete
        .extend(markers.drain(..excess).map(|m| m.name.clone()));
    for m in markers {
        let Some(cell) = Cell::parse(&m.name) else {
            p.delete.push(m.name.clone());
            continue;
        };
        p.requested.push((cell, m.at));
        let id = cell.id();
        if planned.contains(&cell) {
            p.served.insert(cell, m.name.clone());
        } else if fresh(&id) {
            p.delete.push(m.name.clone());
        } else if blocked || backing_off(&id) || p.fetch.len() >= limits.max_requests {
            // Kept for a later pass.
        } else if !index.cells.contains_key(&id) {
            if new_for_readers < limits.max_new {
                new_for_readers += 1;
                p.new_cells += 1;
                planned.insert(cell);
                p.fetch.push(cell);
                p.served.insert(cell, m.name.clone());
            }
        } else {
            planned.insert(cell);
            p.fetch.push(cell);
            p.served.insert(cell, m.name.clone());
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::weather::state::CellState;

    fn now() -> DateTime<Utc> {
        "2026-11-23T12:00:00Z".parse().unwrap()
    }

    const LIMITS: Limits = Limits {
        ttl: Duration::from_secs(3 * 3600),
        max_new: 2,
        max_requests: 4,
        max_cells: 100,
    };

    fn cell(lat: f64) -> Cell {
        Cell::of(lat, 10.0).unwrap()
    }

    fn marker(c: Cell, mins_ago: i64) -> Marker {
        Marker {
            name: c.id(),
            at: now() - chrono::Duration::minutes(mins_ago),
        }
    }

    fn known(index: &mut Index, c: Cell, fetched_mins_ago: Option<i64>, next: Option<i64>) {
        index.cells.insert(
            c.id(),
            CellState {
                fetched_at: fetched_mins_ago.map(|m| now() - chrono::Duration::minutes(m)),
                requested_at: now(),
                failures: u32::from(next.is_some()),
                next_attempt: next.map(|m| now() + chrono::Duration::minutes(m)),
            },
        );
    }

    #[test]
    fn the_sites_places_come_first_then_markers_oldest_first_within_the_caps() {
        let home = cell(1.0);
        let markers: Vec<Marker> = (0..5)
            .map(|i| marker(cell(20.0 + f64::from(i)), 10 - i64::from(i)))
            .collect();
        let p = plan(&Index::default(), &[home], &markers, &LIMITS, now());
        // The place and two new cells (max_new = 2), the rest wait.
        assert_eq!(p.fetch, vec![home, cell(20.0), cell(21.0)]);
        assert_eq!(p.new_cells, 3);
        assert_eq!(p.served.len(), 2);
        assert!(p.delete.is_empty());
        assert_eq!(p.requested.len(), 5);
    }

    #[test]
    fn fresh_cells_are_not_fetched_and_their_markers_go() {
        let mut index = Index::default();
        let (fresh, stale, failing) = (cell(1.0), cell(2.0), cell(3.0));
        known(&mut index, fresh, Some(60), None);
        known(&mut index, stale, Some(200), None);
        known(&mut index, failing, Some(200), Some(30));
        let markers = [marker(fresh, 5), marker(stale, 4), marker(failing, 3)];
        let p = plan(&index, &[fresh], &markers, &LIMITS, now());
        assert_eq!(
            p.fetch,
            vec![stale],
            "stale and wanted: refreshed; failing: backing off"
        );
        assert_eq!(p.new_cells, 0);
        assert_eq!(p.delete, vec![fresh.id()]);
        assert_eq!(p.served.get(&stale), Some(&stale.id()));
        assert!(
            !p.served.contains_key(&failing),
            "its marker waits for the backoff to end"
        );
    }

    #[test]
    fn nothing_is_fetched_while_the_provider_asked_to_wait() {
        let index = Index {
            blocked_until: Some(now() + chrono::Duration::minutes(5)),
            ..Default::default()
        };
        let p = plan(
            &index,
            &[cell(1.0)],
            &[marker(cell(2.0), 1)],
            &LIMITS,
            now(),
        );
        assert!(p.fetch.is_empty() && p.delete.is_empty());
    }

    #[test]
    fn junk_markers_and_a_floods_oldest_are_deleted() {
        let mut markers: Vec<Marker> = (0..30)
            .map(|i| marker(cell(-60.0 + f64::from(i)), 100 - i64::from(i)))
            .collect();
        markers.push(Marker {
            name: "../../sites.json".into(),
            at: now(),
        });
        let p = plan(&Index::default(), &[], &markers, &LIMITS, now());
        // backlog = 10 x max_new = 20 of 31: the 11 oldest go, then the junk name.
        assert_eq!(p.delete.len(), 12, "{:?}", p.delete);
        assert!(p.delete.contains(&"../../sites.json".to_string()));
        assert_eq!(p.fetch.len(), 2);
        assert!(p.fetch.len() <= LIMITS.max_requests);
    }

    #[test]
    fn requests_per_pass_are_capped_even_for_refreshes() {
        let mut index = Index::default();
        let cells: Vec<Cell> = (0..10).map(|i| cell(f64::from(i) * 2.0)).collect();
        for c in &cells {
            known(&mut index, *c, Some(500), None);
        }
        let markers: Vec<Marker> = cells.iter().map(|c| marker(*c, 1)).collect();
        let p = plan(&index, &[], &markers, &LIMITS, now());
        assert_eq!(p.fetch.len(), LIMITS.max_requests);
        assert_eq!(p.served.len(), LIMITS.max_requests);
    }
}
