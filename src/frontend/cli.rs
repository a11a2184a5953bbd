//! `newsdesk-frontend`'s flags and commands; the binary only parses them and calls
//! [`Args::serve`] or [`hash_password`].

use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};

use super::admin::{AdminConfig, auth};
use super::weather::{GeoIp, WeatherOptions};
use super::{Options, run};
use crate::store::{Role, Store};

/// The frontend's flags.
#[derive(Parser)]
#[command(version, about = "Serve the news sites published in the bucket")]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Where the fetcher publishes: file:///abs/path, s3://BUCKET[/PREFIX]?endpoint=..&region=..
    /// [default: file://$PWD/data/bucket]
    #[arg(long, env = "NEWSDESK_STORE")]
    pub store: Option<String>,
    /// Address to listen on: IP:PORT ([::1]:8080 for IPv6) or HOST:PORT. A host name that
    /// resolves to several addresses (localhost: 127.0.0.1 and ::1) is listened on at every one;
    /// those that cannot be bound (IPv6 turned off) are skipped with a warning. An address
    /// another process listens on is refused.
    #[arg(long, env = "NEWSDESK_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Seconds between checks for a new generation.
    #[arg(long, default_value_t = 5)]
    pub poll: u64,
    /// Memory for what is held of the bucket, in MiB: half for live pages, the rest for
    /// cached objects and reader layouts (bounded whatever the number of sites).
    #[arg(long, default_value_t = 256)]
    pub cache_mb: u64,
    /// Report not ready when the bucket could not be read for this many seconds.
    #[arg(long, default_value_t = 300)]
    pub stale_after: u64,
    /// Seconds a client has to send a whole request head: from the connection for its first
    /// request, from the head's first byte for later ones. At most 30.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=30))]
    pub header_timeout: u64,
    /// Seconds a kept-alive connection may wait for its next request, or a response go
    /// without a byte moved, before the connection is closed. Keep it above the idle timeout
    /// of the load balancer in front.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout: u64,
    /// Client connections open at once, over all workers; past it new ones wait in the
    /// kernel's accept queue until one closes. Keep it below the descriptor limit.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections: u64,
    #[command(flatten)]
    pub log: crate::cli::LogArgs,
    /// MaxMind-format database (GeoLite2/GeoIP2 City) to show readers their own area's weather.
    #[arg(long, env = "NEWSDESK_GEOIP")]
    pub geoip: Option<std::path::PathBuf>,
    /// A proxy or load balancer in front (an address or network, e.g. 10.0.0.0/8) whose
    /// X-Forwarded-For (the reader's address: GeoIP weather, the admin's login rate limit) and
    /// X-Forwarded-Proto (the admin cookie's Secure flag) are believed. Repeat, or separate
    /// with commas.
    #[arg(
        long = "trusted-proxy",
        env = "NEWSDESK_TRUSTED_PROXY",
        value_delimiter = ','
    )]
    pub trusted_proxy: Vec<ipnetwork::IpNetwork>,
    /// Seconds an admin stays logged in, applied to every session whenever it is used (so
    /// lowering it cuts sessions already issued). The web admin is on when
    /// NEWSDESK_ADMIN_HASH is set; sessions are signed with NEWSDESK_SESSION_KEY if set, else
    /// with a secret the first frontend generates and keeps in the bucket under admin/.
    #[arg(long, env = "NEWSDESK_ADMIN_SESSION_SECS", default_value_t = 43_200, value_parser = clap::value_parser!(u64).range(1..))]
    pub admin_session_secs: u64,
    /// Accept admin logins over plain http, with a cookie that is not Secure. Only for a
    /// frontend reached on a trusted network (tests, loopback): without it, logins need https,
    /// seen on the connection or in a trusted proxy's X-Forwarded-Proto.
    #[arg(long, env = "NEWSDESK_ADMIN_ALLOW_HTTP")]
    pub admin_allow_http: bool,
    /// A second address (IP:PORT) that alone serves /metrics and /readyz in full; the public
    /// listener then answers /metrics with 404 and /readyz with its status only. /healthz
    /// stays on both.
    #[arg(long, env = "NEWSDESK_ADMIN_LISTEN")]
    pub admin_listen: Option<String>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Read the admin password on stdin (one trailing newline is not part of it) and print its
    /// argon2id hash as the last line: the value of NEWSDESK_ADMIN_HASH.
    HashPassword,
}

/// An environment variable that is set and not empty.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

pub fn hash_password() -> anyhow::Result<()> {
    use std::io::{IsTerminal, Read};
    let mut input = Vec::new();
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("Type the admin password and press Enter (it shows as you type; or pipe it in):");
        let mut line = String::new();
        stdin.read_line(&mut line)?;
        input = line.into_bytes();
    } else {
        stdin.lock().read_to_end(&mut input)?;
    }
    let password = auth::password_from_input(&input)?;
    let hash = auth::hash_password(&password)?;
    eprintln!("Set this as NEWSDESK_ADMIN_HASH in the frontends' environment:");
    println!("{hash}");
    Ok(())
}

impl Args {
    /// Serves every site in the bucket until SIGINT/SIGTERM.
    pub async fn serve(&self) -> anyhow::Result<()> {
        let admin = match env("NEWSDESK_ADMIN_HASH") {
            None => None,
            Some(hash) => Some(Arc::new(
                AdminConfig::new(
                    &hash,
                    env("NEWSDESK_SESSION_KEY").as_deref(),
                    Duration::from_secs(self.admin_session_secs),
                )?
                .allowing_http(self.admin_allow_http),
            )),
        };
        tracing::info!(
            admin = admin.is_some(),
            "web admin {}",
            if admin.is_some() {
                "on at /admin/login"
            } else {
                "off (NEWSDESK_ADMIN_HASH is not set)"
            }
        );
        let url = self
            .store
            .clone()
            .unwrap_or_else(crate::cli::default_store_url);
        let store = Store::open(&url, Role::Frontend)?;
        let geoip = self.geoip.as_deref().map(GeoIp::open).transpose()?;
        let options = Options {
            poll: Duration::from_secs(self.poll.max(1)),
            cache_bytes: self.cache_mb << 20,
            stale_after: Duration::from_secs(self.stale_after),
            header_timeout: Duration::from_secs(self.header_timeout),
            idle_timeout: Duration::from_secs(self.idle_timeout),
            max_connections: usize::try_from(self.max_connections).unwrap_or(usize::MAX),
            weather: WeatherOptions {
                geoip: geoip.map(Arc::new),
                ..WeatherOptions::default()
            },
            trusted_proxies: self.trusted_proxy.clone(),
            admin,
            admin_listen: self.admin_listen.clone(),
            ..Options::default()
        };
        for warning in options.warnings() {
            tracing::warn!("{warning}");
        }
        run(store, &self.listen, options).await
    }
}
