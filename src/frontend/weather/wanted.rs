//! Asking the fetcher for a cell: a frontend writes `weather/wanted/<cell>` (the only key it
//! ever writes) when a reader's cell has no forecast or a stale one. Cheap and bounded whatever
//! readers send: a cell is written at most once per [`REMEMBER`] by this frontend (a bounded
//! set), and at most `per_minute` markers a minute (a token bucket), so a flood of random
//! coordinates costs at most that many small PUTs. Writing the same marker twice is harmless.
//! Each client network (IPv4 /24, IPv6 /64) has its own share of that budget
//! ([`client_share`] a minute), so one client sending random coordinates cannot spend what
//! every reader's new cell needs.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::Utc;

use crate::cli::Throttle;
use crate::frontend::client::Shares;
use crate::store::{Key, Store};
use crate::weather::Cell;

/// How long a written cell is not written again by this frontend.
pub const REMEMBER: Duration = Duration::from_secs(15 * 60);
/// Cells remembered at most.
pub const REMEMBER_MAX: u64 = 10_000;

/// One client network's share of `per_minute` markers a minute: a sixth, at least one.
pub fn client_share(per_minute: u32) -> u32 {
    (per_minute / 6).max(1)
}

/// A token bucket: up to `capacity` at once, refilled at `capacity` per minute. Pure: the
/// clock is an argument.
#[derive(Debug)]
pub struct TokenBucket {
    capacity: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    pub fn new(per_minute: u32, now: Instant) -> Self {
        let capacity = f64::from(per_minute.max(1));
        TokenBucket {
            capacity,
            tokens: capacity,
            last: now,
        }
    }

    /// Takes a token if one is left at `now`.
    pub fn take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.capacity / 60.0).min(self.capacity);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// What became of a request to record a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Written,
    /// This frontend wrote it recently.
    AlreadyAsked,
    /// Over the per-minute budget: a later request asks again.
    Limited,
    /// The bucket refused (a read-only frontend) or failed.
    Failed,
}

#[derive(Debug, Default)]
pub struct Counters {
    pub written: AtomicU64,
    pub limited: AtomicU64,
    pub failed: AtomicU64,
}

pub struct Recorder {
    store: Store,
    asked: moka::future::Cache<String, ()>,
    budget: Mutex<TokenBucket>,
    shares: Shares,
    warned: Mutex<Throttle>,
    pub counters: Counters,
}

impl Recorder {
    pub fn new(store: Store, per_minute: u32) -> Self {
        Recorder {
            store,
            asked: moka::future::Cache::builder()
                .max_capacity(REMEMBER_MAX)
                .time_to_live(REMEMBER)
                .build(),
            budget: Mutex::new(TokenBucket::new(per_minute, Instant::now())),
            shares: Shares::new(client_share(per_minute)),
            warned: Mutex::default(),
            counters: Counters::default(),
        }
    }

    /// Asks the fetcher for `cell` for a reader at `client`, unless recently asked or over
    /// the client's share or everyone's budget.
    pub async fn record(&self, cell: Cell, client: Option<std::net::IpAddr>) -> Recorded {
        let id = cell.id();
        if self.asked.contains_key(&id) {
            return Recorded::AlreadyAsked;
        }
        if !self.shares.take(client, Instant::now()) {
            self.counters.limited.fetch_add(1, Relaxed);
            return Recorded::Limited;
        }
        if !self
            .budget
            .lock()
            .expect("budget lock")
            .take(Instant::now())
        {
            self.counters.limited.fetch_add(1, Relaxed);
            return Recorded::Limited;
        }
        // Remembered before the write: a refused write is not retried on every request.
        self.asked.insert(id.clone(), ()).await;
        let body = serde_json::json!({ "cell": &id, "requested_at": Utc::now() });
        match self
            .store
            .put(&Key::WeatherWanted(id), Bytes::from(body.to_string()))
            .await
        {
            Ok(()) => {
                self.counters.written.fetch_add(1, Relaxed);
                Recorded::Written
            }
            Err(e) => {
                self.counters.failed.fetch_add(1, Relaxed);
                if self.warned.lock().expect("throttle lock").due() {
                    tracing::warn!(error = %e, prefix = Key::WEATHER_WANTED_PREFIX,
                        "cannot record wanted weather cells (a frontend needs write access to this prefix); readers get the site's place meanwhile");
                } else {
                    tracing::debug!(error = %e, "recording a wanted weather cell failed");
                }
                Recorded::Failed
            }
        }
    }

    /// Cells this frontend remembers asking for (bounded by [`REMEMBER_MAX`]).
    pub async fn remembered(&self) -> u64 {
        self.asked.run_pending_tasks().await;
        self.asked.entry_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_allows_a_burst_then_refills_per_minute() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(60, t0);
        assert_eq!((0..100).filter(|_| b.take(t0)).count(), 60);
        assert!(!b.take(t0 + Duration::from_millis(500)));
        assert!(b.take(t0 + Duration::from_millis(1500)));
        // A long pause refills to the burst, not beyond.
        let later = t0 + Duration::from_secs(3600);
        assert_eq!((0..100).filter(|_| b.take(later)).count(), 60);
    }

    #[tokio::test]
    async fn a_cell_is_written_once_and_a_refused_write_is_not_retried() {
        let store = Store::open("memory://", crate::store::Role::Frontend).unwrap();
        let r = Recorder::new(store.clone(), 60);
        let cell = Cell::of(42.33, -83.05).unwrap();
        assert_eq!(r.record(cell, None).await, Recorded::Written);
        assert_eq!(r.record(cell, None).await, Recorded::AlreadyAsked);
        assert!(
            store
                .get(&Key::WeatherWanted(cell.id()))
                .await
                .unwrap()
                .is_some()
        );

        // A store that refuses every write: a file:// store whose folder became a file.
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("bucket");
        let ro = Store::open(
            &format!("file://{}", root.display()),
            crate::store::Role::Frontend,
        )
        .unwrap();
        std::fs::create_dir_all(root.join("weather")).unwrap();
        std::fs::write(root.join("weather/wanted"), b"not a folder").unwrap();
        let r = Recorder::new(ro, 60);
        assert_eq!(r.record(cell, None).await, Recorded::Failed);
        assert_eq!(r.record(cell, None).await, Recorded::AlreadyAsked);
        assert_eq!(r.counters.failed.load(Relaxed), 1);
    }

    /// One client sending random coordinates spends its share, not the budget every reader's
    /// new cell needs.
    #[tokio::test]
    async fn one_client_spends_only_its_share() {
        let store = Store::open("memory://", crate::store::Role::Frontend).unwrap();
        let r = Recorder::new(store, 60);
        let flood = Some("203.0.113.9".parse().unwrap());
        let cells = (0..100).map(|i| Cell::of(10.0 + f64::from(i) * 0.5, 20.0).unwrap());
        let mut written = 0;
        for cell in cells {
            if r.record(cell, flood).await == Recorded::Written {
                written += 1;
            }
        }
        assert_eq!(written, client_share(60));
        let reader = Some("2001:db8::1".parse().unwrap());
        assert_eq!(
            r.record(Cell::of(42.33, -83.05).unwrap(), reader).await,
            Recorded::Written,
            "another reader's cell is still recorded"
        );
    }
}
