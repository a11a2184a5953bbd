//! `newsdesk-frontend`: serve every site in the bucket. Flags and dispatch only; the flags are
//! `newsdesk::frontend::cli`.

use std::process::ExitCode;

use clap::Parser;
use newsdesk::frontend::cli::{Args, Command, hash_password};

/// Every request allocates its request, response and futures; mimalloc's per-thread heaps
/// serve them without glibc's locking and bookkeeping (scripts/bench-frontend.sh, SCALING.md).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

// Serving runs on one runtime per core (see `frontend::run`); this one only polls the bucket.
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(Command::HashPassword) = args.command {
        return match hash_password() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("newsdesk-frontend: hash-password: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let log = newsdesk::cli::init_logging("newsdesk-frontend", args.log.log_format);
    match args.serve().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log.error(&format!("{e:#}"));
            ExitCode::FAILURE
        }
    }
}
