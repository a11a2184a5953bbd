//! `newsdesk-fetcher`: fetch feeds, render, publish to the bucket. Wiring only.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use newsdesk::config::{self, Config};
use newsdesk::store::{Role, Store};
use newsdesk::sync::{self, Shard, SyncOptions};

/// Parsing feeds allocates many small strings; mimalloc takes ~18% off the CPU per feed
/// (scripts/bench-parse.sh, SCALING.md).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    version,
    about = "Fetch feeds, render the news pages and publish them to the bucket"
)]
struct Cli {
    /// The TOML config (default: the embedded example with real feeds).
    #[arg(long, env = "NEWSDESK_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Where to publish: file:///abs/path, s3://BUCKET[/PREFIX]?endpoint=..&region=.., memory://
    /// [default: file://$PWD/data/bucket]
    #[arg(long, env = "NEWSDESK_STORE", global = true)]
    store: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// One pass: fetch the feeds that are due, render, publish (what the systemd timer runs).
    Sync {
        /// Only this site's feeds and pages.
        #[arg(long)]
        site: Option<String>,
        /// Fetch every feed now, not only those due (requests stay conditional).
        #[arg(long)]
        force: bool,
        /// Fetch only this share of the feeds, e.g. 0/2 and 1/2 on two machines.
        #[arg(long, default_value = "0/1")]
        shard: Shard,
    },
    /// Long-running: a sync pass now and at every tick of `[fetch] schedule`, until SIGINT/SIGTERM.
    Run {
        /// Only this site's feeds and pages.
        #[arg(long)]
        site: Option<String>,
        /// Fetch only this share of the feeds, e.g. 0/2 and 1/2 on two machines.
        #[arg(long, default_value = "0/1")]
        shard: Shard,
    },
    /// Re-render and publish from the stored state, fetching nothing.
    Render {
        /// Only this site.
        #[arg(long)]
        site: Option<String>,
    },
    /// Make an older generation of a site live again (as a new generation).
    Rollback {
        #[arg(long)]
        site: String,
        /// The generation to restore [default: the one before the live one].
        #[arg(long)]
        to: Option<u64>,
    },
}

fn load_config(path: Option<&PathBuf>) -> Result<Config, config::ConfigError> {
    match path {
        Some(p) => config::from_file(p),
        None => config::parse(config::DEFAULT_CONFIG, "(embedded default)"),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    newsdesk::cli::init_logging();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Our errors already carry their causes in their message; `{e:#}` would repeat them.
            eprintln!("newsdesk-fetcher: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let store_url = cli
        .store
        .clone()
        .unwrap_or_else(newsdesk::cli::default_store_url);
    let store = Store::open(&store_url, Role::Fetcher)?;
    match cli.command {
        Command::Sync { site, force, shard } => {
            let config = load_config(cli.config.as_ref())?;
            let summary = sync::sync(&config, &store, &SyncOptions { site, force, shard }).await?;
            println!("sync: {summary}");
        }
        Command::Run { site, shard } => {
            let config = load_config(cli.config.as_ref())?;
            let opts = SyncOptions {
                site,
                force: false,
                shard,
            };
            newsdesk::run::run(&config, &store, &opts, newsdesk::cli::shutdown_signal()).await;
        }
        Command::Render { site } => {
            let config = load_config(cli.config.as_ref())?;
            let (sites, stats) = sync::render_only(&config, &store, site.as_deref()).await?;
            println!(
                "render: {sites} sites published; {} objects written ({} bytes)",
                stats.objects_written, stats.bytes_written
            );
        }
        Command::Rollback { site, to } => {
            let generation =
                newsdesk::store::publish::rollback(&store, &site, to, chrono::Utc::now()).await?;
            println!("rollback: site {site} now live at generation {generation}");
        }
    }
    Ok(())
}
