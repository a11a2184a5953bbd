//! One exponential backoff with jitter for everything the fetcher retries: feeds, logos,
//! headline images and weather cells. Pure but for [`jitter`], which callers pass in.

use std::time::Duration;

/// The longest `Retry-After` honoured: a server cannot park a retry for longer than a day.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// Retries after failures in a row: the first after `first`, each further one twice as late,
/// never later than `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

impl Backoff {
    /// The wait after the `failures`-th failure in a row (from 1), spread by `jitter` in
    /// [0, 1) into [0.8, 1.2) of the doubling so that things failing together drift apart, and
    /// at least what the server asked for with `Retry-After` (up to [`MAX_RETRY_AFTER`]).
    pub fn wait(&self, failures: u32, jitter: f64, retry_after: Option<Duration>) -> Duration {
        let exp = failures.saturating_sub(1).min(20);
        let doubled = self.first.saturating_mul(1u32 << exp).min(self.max);
        spread(doubled, jitter).max(retry_after.unwrap_or_default().min(MAX_RETRY_AFTER))
    }
}

/// `d` scaled into [0.8, 1.2) by `jitter` in [0, 1).
pub fn spread(d: Duration, jitter: f64) -> Duration {
    d.mul_f64(0.8 + 0.4 * jitter.clamp(0.0, 1.0))
}

/// A number in [0, 1) that differs between `what`s (a URL, a cell) and between calls.
pub fn jitter(what: &str) -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write(what.as_bytes());
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: Backoff = Backoff {
        first: Duration::from_secs(60),
        max: Duration::from_secs(3600),
    };

    #[test]
    fn doubles_from_the_first_wait_up_to_the_cap() {
        let mins = |n| B.wait(n, 0.5, None).as_secs() / 60;
        assert_eq!(
            (1..=8).map(mins).collect::<Vec<_>>(),
            [1, 2, 4, 8, 16, 32, 60, 60]
        );
        assert_eq!(B.wait(u32::MAX, 0.5, None), B.max);
    }

    #[test]
    fn jitter_spreads_within_twenty_percent() {
        assert_eq!(B.wait(1, 0.0, None), Duration::from_secs(48));
        assert_eq!(B.wait(1, 0.999_999, None).as_secs(), 71);
        let j = jitter("https://example.org/feed");
        assert!((0.0..1.0).contains(&j));
    }

    #[test]
    fn retry_after_is_honoured_up_to_a_day() {
        let hour = Duration::from_secs(3600);
        assert_eq!(B.wait(1, 0.5, Some(hour)), hour);
        assert_eq!(
            B.wait(1, 0.5, Some(Duration::from_secs(9_999_999))),
            MAX_RETRY_AFTER
        );
    }
}
