//! `newsdesk-fetcher`: fetch feeds, render, publish to the bucket. Flags and dispatch only;
//! the commands are `newsdesk::fetcher::cli`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use newsdesk::cli::LogArgs;
use newsdesk::fetcher::cli::Command;
use newsdesk::store::{Role, Store};

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
    #[command(flatten)]
    log: LogArgs,
    #[command(subcommand)]
    command: Command,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let log = newsdesk::cli::init_logging("newsdesk-fetcher", cli.log.log_format);
    let store_url = cli.store.unwrap_or_else(newsdesk::cli::default_store_url);
    let result = match Store::open(&store_url, Role::Fetcher) {
        Ok(store) => cli.command.run(cli.config.as_ref(), &store, &log).await,
        Err(e) => Err(e.into()),
    };
    result.unwrap_or_else(|e| {
        // Our errors already carry their causes in their message; `{e:#}` would repeat them.
        log.error(&e.to_string());
        ExitCode::FAILURE
    })
}
