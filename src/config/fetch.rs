//! The `[fetch]` table: how the fetcher talks to feed servers, and when it runs.

use serde::Deserialize;

use crate::config::CronSchedule;
use crate::config::error::{KeyPath, Violation};

/// How the fetcher talks to feed servers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FetchConfig {
    /// Lets the hosts of the configured feed URLs (and the weather `base_url`) be on
    /// loopback/private/link-local addresses (tests, intranets). URLs found in what they send
    /// (og:image pages, logos, headline images, redirects to other hosts) keep the guard.
    pub allow_private_networks: bool,
    /// More hosts (names or IP addresses) that may be on private addresses, whether
    /// `allow_private_networks` is on or not: an intranet image host, say.
    pub allow_private_hosts: Vec<String>,
    /// The hosts of the configured feed and weather URLs, filled in by `config::parse` (not a
    /// setting).
    #[serde(skip)]
    pub configured_hosts: Vec<String>,
    pub user_agent: String,
    pub connect_timeout_secs: u64,
    pub timeout_secs: u64,
    /// Cap on a feed body, counted after decompression.
    pub max_body_bytes: u64,
    pub max_redirects: usize,
    /// Feeds fetched at once, over all hosts.
    pub concurrency: usize,
    /// Feeds fetched at once from one host.
    pub per_host: usize,
    /// Bounds of the adaptive per-feed interval.
    pub min_interval_secs: u64,
    pub max_interval_secs: u64,
    /// Entries kept per feed unless the feed says otherwise.
    pub history: usize,
    /// When `newsdesk-fetcher run` starts a pass (cron: sec min hour day month weekday `[year]`).
    pub schedule: CronSchedule,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            allow_private_networks: false,
            allow_private_hosts: vec![],
            configured_hosts: vec![],
            user_agent: concat!("newsdesk/", env!("CARGO_PKG_VERSION"), " (feed aggregator)")
                .into(),
            connect_timeout_secs: 10,
            timeout_secs: 30,
            max_body_bytes: 10 * 1024 * 1024,
            max_redirects: 5,
            concurrency: 32,
            per_host: 2,
            min_interval_secs: 15 * 60,
            max_interval_secs: 12 * 3600,
            history: 40,
            schedule: CronSchedule::parse("0 */5 * * * *").expect("valid default"),
        }
    }
}

impl FetchConfig {
    /// The hosts that may be on private addresses: those of the configured URLs while
    /// `allow_private_networks` is on, and `allow_private_hosts`.
    pub fn private_hosts(&self) -> Vec<String> {
        let configured = self
            .allow_private_networks
            .then_some(&self.configured_hosts)
            .into_iter()
            .flatten();
        configured
            .chain(&self.allow_private_hosts)
            .cloned()
            .collect()
    }

    /// Rules serde cannot express; `at` is this table's path (`fetch`).
    pub fn check(&self, at: &KeyPath) -> Result<(), Violation> {
        let positive = [
            ("timeout_secs", self.timeout_secs),
            ("connect_timeout_secs", self.connect_timeout_secs),
            ("max_body_bytes", self.max_body_bytes),
            ("concurrency", self.concurrency as u64),
            ("per_host", self.per_host as u64),
            ("history", self.history as u64),
            ("min_interval_secs", self.min_interval_secs),
        ];
        for (key, value) in positive {
            if value == 0 {
                return Err(Violation::new(at.key(key), "must be greater than 0"));
            }
        }
        if self.max_interval_secs < self.min_interval_secs {
            return Err(Violation::new(
                at.key("max_interval_secs"),
                format!(
                    "must not be below {} ({} < {})",
                    at.key("min_interval_secs"),
                    self.max_interval_secs,
                    self.min_interval_secs
                ),
            ));
        }
        Ok(())
    }
}
