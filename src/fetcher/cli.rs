//! `newsdesk-fetcher`'s commands: their flags and what each runs. The binary only parses the
//! global flags and calls [`Command::run`].

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use super::report::{self, SyncReport};
use super::{Shard, SyncOptions, SyncSummary, admin_cli, headlines_cli, opml_cli};
use crate::cli::{LogFormat, Logging};
use crate::config::{self, Config};
use crate::store::Store;
use crate::store::publish::{index, pin};

#[derive(Subcommand)]
pub enum Command {
    /// One pass: fetch the feeds that are due, render, publish (what the systemd timer runs);
    /// ends with a table of the feeds that failed and why.
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
    /// Put an older generation of a site back live and pin it there: later passes keep
    /// fetching and recording, but leave the live site alone until `release`.
    Rollback {
        #[arg(long)]
        site: String,
        /// The generation to restore [default: the one live before the current one].
        #[arg(long)]
        to: Option<u64>,
    },
    /// End a rollback's pin: make the site's newest content live now.
    Release {
        #[arg(long)]
        site: String,
    },
    /// Take a site out of the bucket's site index (frontends stop serving it at their next
    /// poll); its objects are deleted by a later sync once the grace period is over.
    RemoveSite {
        #[arg(long)]
        site: String,
        /// Seconds before its objects may be deleted.
        #[arg(long, default_value_t = 86_400)]
        grace_secs: u64,
    },
    /// The headline block and its archive: show, set, edit, history, restore, archive.
    Headlines(headlines_cli::Args),
    /// The web admin's shared state: logout-everywhere.
    Admin(admin_cli::Args),
    /// The feeds as OPML for feed readers (export), and a reader's OPML into a site (import).
    Opml(opml_cli::Args),
}

/// Exit codes (also in the README): systemd shows any but 0 as a failed run.
mod exit {
    /// A site's feeds all failed: its pages were published with the last good headlines.
    pub const FEEDS_FAILING: u8 = 3;
    /// A headline edit was saved but is not current: another one was saved at the same time.
    pub const NOT_CURRENT: u8 = 4;
}

pub fn load_config(path: Option<&PathBuf>) -> Result<Config, config::ConfigError> {
    match path {
        Some(p) => config::from_file(p),
        None => config::parse(config::DEFAULT_CONFIG, "(embedded default)"),
    }
}

impl Command {
    /// Runs the command on `store`, with the config at `config` (the embedded default when
    /// `None`); the exit code, or the error to report.
    pub async fn run(
        self,
        config: Option<&PathBuf>,
        store: &Store,
        log: &Logging,
    ) -> anyhow::Result<ExitCode> {
        let now = chrono::Utc::now();
        match self {
            Command::Sync { site, force, shard } => {
                let config = load_config(config)?;
                // A bar for people at a terminal; JSON logs are for machines.
                let progress = SyncReport::new(log.console.clone(), log.format == LogFormat::Text);
                let opts = SyncOptions {
                    site,
                    force,
                    shard,
                    progress: Some(progress.clone()),
                };
                let result = super::sync(&config, store, &opts).await;
                progress.clear();
                let summary = result?;
                print!(
                    "{}",
                    report::failure_table(&progress.failures(), chrono::Utc::now())
                );
                println!("sync: {summary}");
                if log.format == LogFormat::Json {
                    tracing::info!(
                        feeds = summary.feeds,
                        fetched = summary.fetched,
                        not_modified = summary.not_modified,
                        failed = summary.failed,
                        not_due = summary.not_due,
                        new_entries = summary.new_entries,
                        sites_published = summary.sites_published,
                        "sync done"
                    );
                }
                return Ok(finished(&summary, log));
            }
            Command::Run { site, shard } => {
                let config = load_config(config)?;
                let opts = SyncOptions {
                    site,
                    force: false,
                    shard,
                    progress: None,
                };
                super::run::run(&config, store, &opts, crate::cli::shutdown_signal()).await;
            }
            Command::Render { site } => {
                let config = load_config(config)?;
                let summary = super::render_only(&config, store, site.as_deref()).await?;
                println!(
                    "render: {} sites published; {} objects written ({} bytes)",
                    summary.sites_published,
                    summary.publish.objects_written,
                    summary.publish.bytes_written
                );
                return Ok(finished(&summary, log));
            }
            Command::Rollback { site, to } => {
                let moved = pin::rollback(store, &site, to, now).await?;
                println!(
                    "rollback: site {site} shows generation {}'s content again, live as generation {} (was {}); \
                 it stays there until `newsdesk-fetcher release --site {site}`",
                    moved.content_of, moved.live, moved.replaced
                );
            }
            Command::Release { site } => {
                let moved = pin::release(store, &site, now).await?;
                println!(
                    "release: site {site} is live at generation {} with the newest content (generation {}); no longer pinned",
                    moved.live, moved.content_of
                );
            }
            Command::Headlines(args) => {
                let config_sites: Vec<String> = match config {
                    Some(path) => config::from_file(path)?
                        .sites
                        .iter()
                        .map(|s| s.name.to_string())
                        .collect(),
                    None => vec![],
                };
                let done =
                    headlines_cli::run(args, store, &config_sites, &mut std::io::stdout()).await?;
                if done == headlines_cli::Done::NotCurrent {
                    return Ok(ExitCode::from(exit::NOT_CURRENT));
                }
            }
            Command::Opml(args) => {
                let loaded = load_config(config)?;
                let path = config.map(PathBuf::as_path);
                let warn = |m: &str| log.warn(m);
                opml_cli::run(args, &loaded, path, store, &mut std::io::stdout(), &warn).await?;
            }
            Command::Admin(args) => {
                admin_cli::run(args, store, now, &mut std::io::stdout()).await?;
            }
            Command::RemoveSite { site, grace_secs } => {
                let grace = std::time::Duration::from_secs(grace_secs);
                if index::remove(store, &site, grace, now).await? {
                    println!(
                        "remove-site: site {site} is out of the site index; its objects are deleted by a sync after {grace_secs} s. \
                     Take it out of its config too, or that config's next sync adds it back"
                    );
                } else {
                    anyhow::bail!("site {site:?} is not in the site index of {}", store.url());
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// The exit code of a pass: warnings are printed, failing feeds make it non-zero.
fn finished(summary: &SyncSummary, log: &Logging) -> ExitCode {
    for w in &summary.warnings {
        log.warn(w);
    }
    if summary.sites_failing.is_empty() {
        ExitCode::SUCCESS
    } else {
        log.error(&format!(
            "every feed of site(s) {} is failing; see the failed feeds above and README.md, Troubleshooting",
            summary.sites_failing.join(", ")
        ));
        ExitCode::from(exit::FEEDS_FAILING)
    }
}
