//! Logins per client address: a token bucket of [`BURST`] tries per address, one more every
//! [`REFILL`], all back after a success; an address out of tries gets 429 until one comes back. Only that address:
//! an attacker cannot lock the admin out from elsewhere. IPv6 clients count per /64 (what one
//! host usually holds). Memory is bounded: past [`MAX_ADDRESSES`] addresses, buckets that are
//! full again are forgotten first, then the least recently used.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed logins in a row an address may make.
pub const BURST: f64 = 5.0;
/// One more try after this long (so 5 failures per 5 minutes).
pub const REFILL: Duration = Duration::from_secs(60);
/// Addresses remembered at most.
pub const MAX_ADDRESSES: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl Bucket {
    fn at(&self, now: Instant) -> f64 {
        let refilled =
            now.saturating_duration_since(self.updated).as_secs_f64() / REFILL.as_secs_f64();
        (self.tokens + refilled).min(BURST)
    }
}

/// The key an address is counted under: IPv6 by its /64, an unknown address as one.
fn key(addr: Option<IpAddr>) -> Option<IpAddr> {
    addr.map(|a| match a {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & (u128::MAX << 64);
            IpAddr::V6(bits.into())
        }
        v4 => v4,
    })
}

#[derive(Default)]
pub struct Limiter {
    buckets: Mutex<HashMap<Option<IpAddr>, Bucket>>,
}

impl Limiter {
    /// Takes one try for a login from `addr`, before the password is checked (so attempts
    /// racing each other cannot pass the limit together); `Err(wait)` while it has none left.
    pub fn attempt(&self, addr: Option<IpAddr>, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().expect("limiter lock");
        let k = key(addr);
        if let Some(b) = buckets.get(&k) {
            let left = b.at(now);
            if left < 1.0 {
                return Err(REFILL.mul_f64(1.0 - left).max(Duration::from_secs(1)));
            }
        } else if buckets.len() >= MAX_ADDRESSES {
            buckets.retain(|_, b| b.at(now) < BURST);
            if buckets.len() >= MAX_ADDRESSES
                && let Some(oldest) = buckets
                    .iter()
                    .min_by_key(|(_, b)| b.updated)
                    .map(|(k, _)| *k)
            {
                buckets.remove(&oldest);
            }
        }
        let b = buckets.entry(k).or_insert(Bucket {
            tokens: BURST,
            updated: now,
        });
        b.tokens = b.at(now) - 1.0;
        b.updated = now;
        Ok(())
    }

    /// A login from `addr` succeeded: its tries are all back.
    pub fn succeeded(&self, addr: Option<IpAddr>) {
        self.buckets
            .lock()
            .expect("limiter lock")
            .remove(&key(addr));
    }

    /// Addresses remembered now.
    pub fn len(&self) -> usize {
        self.buckets.lock().expect("limiter lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn five_tries_then_429_for_that_address_only_until_a_try_comes_back() {
        let l = Limiter::default();
        let t0 = Instant::now();
        for _ in 0..5 {
            assert!(l.attempt(ip("192.0.2.1"), t0).is_ok());
        }
        let wait = l.attempt(ip("192.0.2.1"), t0).unwrap_err();
        assert_eq!(wait, REFILL);
        assert!(
            l.attempt(ip("192.0.2.2"), t0).is_ok(),
            "another address is not affected"
        );
        assert!(
            l.attempt(ip("192.0.2.1"), t0 + REFILL).is_ok(),
            "one try back after a minute"
        );
        assert!(l.attempt(ip("192.0.2.1"), t0 + REFILL).is_err());
    }

    #[test]
    fn ipv6_counts_per_64_and_success_gives_the_tries_back() {
        let l = Limiter::default();
        let t0 = Instant::now();
        for i in 0..5 {
            l.attempt(ip(&format!("2001:db8::{i}")), t0).unwrap();
        }
        assert!(l.attempt(ip("2001:db8::ffff"), t0).is_err(), "same /64");
        assert!(l.attempt(ip("2001:db8:0:1::1"), t0).is_ok(), "another /64");
        l.succeeded(ip("2001:db8::1"));
        assert!(l.attempt(ip("2001:db8::2"), t0).is_ok());
    }

    #[test]
    fn memory_stays_bounded_under_a_flood_of_addresses() {
        let l = Limiter::default();
        let t0 = Instant::now();
        for i in 0..(MAX_ADDRESSES as u32 + 500) {
            let _ = l.attempt(Some(IpAddr::V4((0x0a00_0000 + i).into())), t0);
        }
        assert_eq!(l.len(), MAX_ADDRESSES);
    }
}
