//! When to fetch a feed next. Pure: the clock and the jitter are arguments.
//!
//! A feed that often has news is fetched often, a quiet one rarely, always within
//! `[min, max]`. The estimate is half the mean gap between the recent times new entries
//! appeared (LinuxReport keeps the same per-feed history), so a feed posting hourly is polled
//! every ~30 minutes. Servers' wishes (`Cache-Control: max-age`, RSS `<ttl>`) only lengthen the
//! interval; failures back off exponentially with jitter, and `Retry-After` is honoured up to a day.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::backoff::{Backoff, spread};
use crate::model::FetchRecord;

/// How many times of news are remembered per feed.
pub const NEWS_HISTORY: usize = 16;

#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub min: Duration,
    pub max: Duration,
}

/// What a fetch told us about the feed's pace.
#[derive(Debug, Clone, Copy, Default)]
pub struct Success {
    pub new_entries: usize,
    /// `Cache-Control: max-age` or `<ttl>`, whichever is longer.
    pub server_hint: Option<Duration>,
}

/// Updates `rec` after a successful fetch (including 304) at `now`.
pub fn on_success(
    rec: &mut FetchRecord,
    s: Success,
    bounds: Bounds,
    now: DateTime<Utc>,
    jitter: f64,
) {
    if s.new_entries > 0 {
        rec.news_times.push(now);
        let excess = rec.news_times.len().saturating_sub(NEWS_HISTORY);
        rec.news_times.drain(..excess);
    }
    let estimate = news_gap_estimate(&rec.news_times, now)
        .unwrap_or_else(|| Duration::from_secs(rec.interval_secs.max(1)).mul_f64(1.5));
    let wanted = estimate.max(s.server_hint.unwrap_or(Duration::ZERO));
    let interval = wanted.clamp(bounds.min, bounds.max);
    rec.interval_secs = interval.as_secs();
    rec.consecutive_failures = 0;
    rec.next_fetch =
        Some(now + chrono::Duration::from_std(spread(interval, jitter)).unwrap_or_default());
}

/// Updates `rec` after a failed fetch: exponential backoff from `min`, capped at `max`, unless
/// the server asked for longer with `Retry-After`.
pub fn on_failure(
    rec: &mut FetchRecord,
    retry_after: Option<Duration>,
    bounds: Bounds,
    now: DateTime<Utc>,
    jitter: f64,
) {
    rec.consecutive_failures = rec.consecutive_failures.saturating_add(1);
    let backoff = Backoff {
        first: bounds.min,
        max: bounds.max,
    };
    let delay = backoff.wait(rec.consecutive_failures, jitter, retry_after);
    rec.next_fetch = Some(now + chrono::Duration::from_std(delay).unwrap_or_default());
}

/// Whether the feed should be fetched at `now`.
pub fn is_due(rec: &FetchRecord, now: DateTime<Utc>) -> bool {
    rec.next_fetch.is_none_or(|t| t <= now)
}

/// Half the mean gap between recent news (counting the silence since the last one when it is
/// already longer), or `None` with too little history.
fn news_gap_estimate(times: &[DateTime<Utc>], now: DateTime<Utc>) -> Option<Duration> {
    if times.len() < 2 {
        return None;
    }
    let span = (times[times.len() - 1] - times[0]).to_std().ok()?;
    let mean = span / (times.len() as u32 - 1);
    let silence = (now - times[times.len() - 1]).to_std().unwrap_or_default();
    Some(mean.max(silence) / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: Bounds = Bounds {
        min: Duration::from_secs(900),
        max: Duration::from_secs(43_200),
    };

    fn now() -> DateTime<Utc> {
        "2026-11-23T12:00:00Z".parse().unwrap()
    }

    fn mins(m: i64) -> chrono::Duration {
        chrono::Duration::minutes(m)
    }

    #[test]
    fn frequent_news_polls_at_half_the_gap() {
        let mut rec = FetchRecord {
            news_times: (1..=4).map(|h| now() - mins(60 * (5 - h))).collect(),
            ..Default::default()
        };
        // news every hour; a new entry arrives now
        on_success(
            &mut rec,
            Success {
                new_entries: 1,
                server_hint: None,
            },
            B,
            now(),
            0.5,
        );
        assert_eq!(rec.interval_secs, 1800);
        assert_eq!(rec.next_fetch, Some(now() + mins(30)));
    }

    #[test]
    fn quiet_feed_slows_down_to_the_bound() {
        let mut rec = FetchRecord {
            interval_secs: 900,
            ..Default::default()
        };
        let mut intervals = vec![];
        for _ in 0..20 {
            on_success(&mut rec, Success::default(), B, now(), 0.5);
            intervals.push(rec.interval_secs);
        }
        assert!(intervals.windows(2).all(|w| w[1] >= w[0]), "{intervals:?}");
        assert_eq!(*intervals.last().unwrap(), 43_200);
    }

    #[test]
    fn server_hint_lengthens_but_stays_bounded() {
        let mut rec = FetchRecord::default();
        on_success(
            &mut rec,
            Success {
                new_entries: 0,
                server_hint: Some(Duration::from_secs(7200)),
            },
            B,
            now(),
            0.5,
        );
        assert_eq!(rec.interval_secs, 7200);
        on_success(
            &mut rec,
            Success {
                new_entries: 0,
                server_hint: Some(Duration::from_secs(999_999)),
            },
            B,
            now(),
            0.5,
        );
        assert_eq!(rec.interval_secs, 43_200);
    }

    #[test]
    fn failures_back_off_exponentially_with_cap() {
        let mut rec = FetchRecord::default();
        let mut delays = vec![];
        for _ in 0..8 {
            on_failure(&mut rec, None, B, now(), 0.5);
            delays.push((rec.next_fetch.unwrap() - now()).num_seconds());
        }
        assert_eq!(&delays[..4], &[900, 1800, 3600, 7200]);
        assert_eq!(*delays.last().unwrap(), 43_200);
    }

    #[test]
    fn retry_after_is_honoured_up_to_a_day() {
        let mut rec = FetchRecord::default();
        on_failure(&mut rec, Some(Duration::from_secs(5 * 3600)), B, now(), 0.5);
        assert_eq!(rec.next_fetch, Some(now() + mins(300)));
        on_failure(
            &mut rec,
            Some(Duration::from_secs(10 * 86_400)),
            B,
            now(),
            0.5,
        );
        assert_eq!(rec.next_fetch, Some(now() + mins(24 * 60)));
    }

    #[test]
    fn jitter_spreads_within_twenty_percent() {
        let mut a = FetchRecord::default();
        let mut b = FetchRecord::default();
        on_failure(&mut a, None, B, now(), 0.0);
        on_failure(&mut b, None, B, now(), 0.999);
        assert_eq!((a.next_fetch.unwrap() - now()).num_seconds(), 720);
        assert_eq!((b.next_fetch.unwrap() - now()).num_seconds(), 1079);
    }

    #[test]
    fn due_when_never_fetched_or_time_passed() {
        let mut rec = FetchRecord::default();
        assert!(is_due(&rec, now()));
        rec.next_fetch = Some(now() + mins(1));
        assert!(!is_due(&rec, now()));
        assert!(is_due(&rec, now() + mins(2)));
    }
}
