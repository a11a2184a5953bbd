//! `newsdesk-frontend`: serve every site in the bucket. Wiring only.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use newsdesk::frontend::weather::{GeoIp, WeatherOptions};
use newsdesk::frontend::{self, Options};
use newsdesk::store::{Role, Store};

#[derive(Parser)]
#[command(version, about = "Serve the news sites published in the bucket")]
struct Cli {
    /// Where the fetcher publishes: file:///abs/path, s3://BUCKET[/PREFIX]?endpoint=..&region=..
    /// [default: file://$PWD/data/bucket]
    #[arg(long, env = "NEWSDESK_STORE")]
    store: Option<String>,
    /// Address to listen on.
    #[arg(long, env = "NEWSDESK_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Seconds between checks for a new generation.
    #[arg(long, default_value_t = 5)]
    poll: u64,
    /// Memory for cached objects, in MiB.
    #[arg(long, default_value_t = 256)]
    cache_mb: u64,
    /// Report not ready when the bucket could not be read for this many seconds.
    #[arg(long, default_value_t = 300)]
    stale_after: u64,
    /// MaxMind-format database (GeoLite2/GeoIP2 City) to show readers their own area's weather.
    #[arg(long, env = "NEWSDESK_GEOIP")]
    geoip: Option<std::path::PathBuf>,
    /// Proxies (CIDR, repeat or comma-separate) whose X-Forwarded-For names the reader.
    #[arg(
        long = "trusted-proxy",
        env = "NEWSDESK_TRUSTED_PROXY",
        value_delimiter = ','
    )]
    trusted_proxy: Vec<ipnetwork::IpNetwork>,
}

// Serving runs on one runtime per core (see `frontend::run`); this one only polls the bucket.
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    newsdesk::cli::init_logging();
    let cli = Cli::parse();
    let result = async {
        let url = cli
            .store
            .clone()
            .unwrap_or_else(newsdesk::cli::default_store_url);
        let store = Store::open(&url, Role::Frontend)?;
        let geoip = cli.geoip.as_deref().map(GeoIp::open).transpose()?;
        let options = Options {
            poll: Duration::from_secs(cli.poll.max(1)),
            cache_bytes: cli.cache_mb << 20,
            stale_after: Duration::from_secs(cli.stale_after),
            weather: WeatherOptions {
                geoip: geoip.map(std::sync::Arc::new),
                trusted_proxies: cli.trusted_proxy.clone(),
                ..WeatherOptions::default()
            },
            ..Options::default()
        };
        frontend::run(store, cli.listen, options).await
    };
    match result.await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("newsdesk-frontend: {e:#}");
            ExitCode::FAILURE
        }
    }
}
