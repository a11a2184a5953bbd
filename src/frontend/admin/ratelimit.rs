//! Logins per client network, and for everyone at once.
//!
//! Per network: a token bucket of [`BURST`] tries, one more every [`REFILL`], all back after a
//! success; a network out of tries gets 429 until one comes back. Only that network: an
//! attacker cannot lock the admin out from elsewhere. Clients count per IPv4 /24 and IPv6 /48
//! (what one customer of a provider is usually given), so hopping addresses in one's own
//! range buys nothing.
//!
//! Everyone: a budget of [`GLOBAL_BURST`] failed logins, one more every [`GLOBAL_REFILL`],
//! taken by every try and given back by a success. Past it, guesses from many networks at once
//! are paced: each waits its turn and [`SLOW`] more ([`Pace::Slow`], applied by the login
//! route), so the admin still gets in, just slowly, and guessing is held to one try per
//! [`SLOW`] per frontend.
//!
//! Memory is bounded: past [`MAX_ADDRESSES`] networks, buckets that are full again are
//! forgotten first, then the least recently used (forgetting one only gives back tries the
//! global budget still counts).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::frontend::client::network;

/// Failed logins in a row a network may make.
pub const BURST: f64 = 5.0;
/// One more try after this long (so 5 failures per 5 minutes).
pub const REFILL: Duration = Duration::from_secs(60);
/// Failed logins from everyone before guessing is paced.
pub const GLOBAL_BURST: f64 = 50.0;
/// One more failure for everyone after this long (360 an hour).
pub const GLOBAL_REFILL: Duration = Duration::from_secs(10);
/// Past the global budget, tries go one at a time, this far apart.
pub const SLOW: Duration = Duration::from_secs(1);
/// Networks remembered at most.
pub const MAX_ADDRESSES: usize = 10_000;
/// Prefix lengths a client network is counted under.
pub const V4_PREFIX: u8 = 24;
pub const V6_PREFIX: u8 = 48;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl Bucket {
    fn full(burst: f64, now: Instant) -> Bucket {
        Bucket {
            tokens: burst,
            updated: now,
        }
    }

    fn at(&self, now: Instant, burst: f64, refill: Duration) -> f64 {
        let refilled =
            now.saturating_duration_since(self.updated).as_secs_f64() / refill.as_secs_f64();
        (self.tokens + refilled).min(burst)
    }
}

/// How a permitted try goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    Now,
    /// The global budget is spent: wait for the slow lane.
    Slow,
}

/// The key a client is counted under: its /24 or /48, an unknown address as one.
fn key(addr: Option<IpAddr>) -> Option<IpAddr> {
    network(addr, V4_PREFIX, V6_PREFIX)
}

pub struct Limiter {
    buckets: Mutex<HashMap<Option<IpAddr>, Bucket>>,
    global: Mutex<Bucket>,
    /// Taken by each paced try for [`SLOW`].
    pub slow_lane: tokio::sync::Mutex<()>,
}

impl Default for Limiter {
    fn default() -> Self {
        Limiter {
            buckets: Mutex::default(),
            global: Mutex::new(Bucket::full(GLOBAL_BURST, Instant::now())),
            slow_lane: tokio::sync::Mutex::new(()),
        }
    }
}

impl Limiter {
    /// Takes one try for a login from `addr`, before the password is checked (so attempts
    /// racing each other cannot pass the limit together); `Err(wait)` while its network has
    /// none left, else how the try is paced.
    pub fn attempt(&self, addr: Option<IpAddr>, now: Instant) -> Result<Pace, Duration> {
        let mut buckets = self.buckets.lock().expect("limiter lock");
        let k = key(addr);
        if let Some(b) = buckets.get(&k) {
            let left = b.at(now, BURST, REFILL);
            if left < 1.0 {
                return Err(REFILL.mul_f64(1.0 - left).max(Duration::from_secs(1)));
            }
        } else if buckets.len() >= MAX_ADDRESSES {
            buckets.retain(|_, b| b.at(now, BURST, REFILL) < BURST);
            if buckets.len() >= MAX_ADDRESSES
                && let Some(oldest) = buckets
                    .iter()
                    .min_by_key(|(_, b)| b.updated)
                    .map(|(k, _)| *k)
            {
                buckets.remove(&oldest);
            }
        }
        let b = buckets.entry(k).or_insert(Bucket::full(BURST, now));
        b.tokens = b.at(now, BURST, REFILL) - 1.0;
        b.updated = now;
        drop(buckets);
        let mut global = self.global.lock().expect("limiter lock");
        let left = global.at(now, GLOBAL_BURST, GLOBAL_REFILL);
        global.updated = now;
        if left < 1.0 {
            global.tokens = left;
            return Ok(Pace::Slow);
        }
        global.tokens = left - 1.0;
        Ok(Pace::Now)
    }

    /// A login from `addr` succeeded: its network's tries are all back, and its try is given
    /// back to everyone's budget.
    pub fn succeeded(&self, addr: Option<IpAddr>) {
        self.buckets
            .lock()
            .expect("limiter lock")
            .remove(&key(addr));
        let mut global = self.global.lock().expect("limiter lock");
        global.tokens = (global.tokens + 1.0).min(GLOBAL_BURST);
    }

    /// Networks remembered now.
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
    fn five_tries_then_429_for_that_network_only_until_a_try_comes_back() {
        let l = Limiter::default();
        let t0 = Instant::now();
        for _ in 0..5 {
            assert_eq!(l.attempt(ip("192.0.2.1"), t0), Ok(Pace::Now));
        }
        let wait = l.attempt(ip("192.0.2.1"), t0).unwrap_err();
        assert_eq!(wait, REFILL);
        assert!(
            l.attempt(ip("198.51.100.2"), t0).is_ok(),
            "another network is not affected"
        );
        assert!(
            l.attempt(ip("192.0.2.1"), t0 + REFILL).is_ok(),
            "one try back after a minute"
        );
        assert!(l.attempt(ip("192.0.2.1"), t0 + REFILL).is_err());
    }

    #[test]
    fn ipv4_counts_per_24_and_ipv6_per_48_and_success_gives_the_tries_back() {
        let l = Limiter::default();
        let t0 = Instant::now();
        for i in 0..5 {
            l.attempt(ip(&format!("192.0.2.{i}")), t0).unwrap();
        }
        assert!(l.attempt(ip("192.0.2.200"), t0).is_err(), "same /24");
        assert!(l.attempt(ip("192.0.3.1"), t0).is_ok(), "another /24");
        for i in 0..5 {
            l.attempt(ip(&format!("2001:db8:0:{i}::1")), t0).unwrap();
        }
        assert!(
            l.attempt(ip("2001:db8:0:ffff::1"), t0).is_err(),
            "another /64 of the same /48"
        );
        assert!(l.attempt(ip("2001:db8:1::1"), t0).is_ok(), "another /48");
        l.succeeded(ip("2001:db8::1"));
        assert!(l.attempt(ip("2001:db8::2"), t0).is_ok());
    }

    #[test]
    fn guesses_from_many_networks_are_paced_past_the_global_budget() {
        let l = Limiter::default();
        let t0 = Instant::now();
        let net = |i: u32| Some(IpAddr::V4((0x0a00_0000 + (i << 8)).into()));
        for i in 0..GLOBAL_BURST as u32 {
            assert_eq!(l.attempt(net(i), t0), Ok(Pace::Now), "try {i}");
        }
        assert_eq!(l.attempt(net(1000), t0), Ok(Pace::Slow));
        assert_eq!(l.attempt(net(1001), t0), Ok(Pace::Slow));
        // A success gives its try back; so does time.
        l.succeeded(net(1001));
        assert_eq!(l.attempt(net(1002), t0), Ok(Pace::Now));
        assert_eq!(l.attempt(net(1003), t0), Ok(Pace::Slow));
        assert_eq!(l.attempt(net(1004), t0 + GLOBAL_REFILL), Ok(Pace::Now));
    }

    #[test]
    fn memory_stays_bounded_under_a_flood_of_networks() {
        let l = Limiter::default();
        let t0 = Instant::now();
        for i in 0..(MAX_ADDRESSES as u32 + 500) {
            let _ = l.attempt(Some(IpAddr::V4((0x0a00_0000 + (i << 8)).into())), t0);
        }
        assert_eq!(l.len(), MAX_ADDRESSES);
    }
}
