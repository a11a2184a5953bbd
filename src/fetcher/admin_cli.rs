//! `newsdesk-fetcher admin ...`: the web admin's shared state in the bucket, from a terminal.
//! `logout-everywhere` ends every admin session on every frontend within one poll (for a
//! lost laptop, a departed admin, or after changing who may log in).

use std::io::Write;

use chrono::{DateTime, Utc};
use clap::Subcommand;

use crate::headlines::index::log_out_everywhere;
use crate::store::{Store, StoreError};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// End every admin session now: frontends refuse sessions issued before now from their
    /// next poll of the bucket (5 s by default); admins log in again.
    LogoutEverywhere,
}

/// Runs an `admin` command, saying what it did on `out`.
pub async fn run(
    args: Args,
    store: &Store,
    now: DateTime<Utc>,
    out: &mut impl Write,
) -> Result<(), StoreError> {
    match args.command {
        Command::LogoutEverywhere => {
            let not_before = log_out_everywhere(store, now).await?;
            let at = DateTime::from_timestamp(not_before, 0).unwrap_or(now);
            let _ = writeln!(
                out,
                "admin: every admin session issued before {} has ended; frontends refuse them from \
                 their next poll of the bucket (5 s by default)",
                at.format("%Y-%m-%d %H:%M:%S UTC")
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::headlines::AdminIndex;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(subcommand)]
        admin: Top,
    }

    #[derive(clap::Subcommand)]
    enum Top {
        Admin(Args),
    }

    #[tokio::test]
    async fn logout_everywhere_writes_the_not_before_time() {
        let store = Store::open("memory://", crate::store::Role::Fetcher).unwrap();
        let Top::Admin(args) = Cli::parse_from(["x", "admin", "logout-everywhere"]).admin;
        let now: DateTime<Utc> = "2026-11-23T10:00:00Z".parse().unwrap();
        let mut out = vec![];
        run(args, &store, now, &mut out).await.unwrap();
        let said = String::from_utf8(out).unwrap();
        assert!(said.contains("2026-11-23 10:00:01 UTC"), "{said}");
        let (index, _) = AdminIndex::read(&store).await.unwrap();
        assert_eq!(index.sessions_not_before, Some(now.timestamp() + 1));
    }
}
