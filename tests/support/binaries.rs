//! The real fetcher binary, as an operator runs it.

use std::path::Path;
use std::process::{Command, Output};

/// `newsdesk-fetcher --config CONFIG --store STORE`, logging as it does by default: the test's
/// own `NEWSDESK_LOG_FORMAT` and `RUST_LOG` are not passed on.
pub fn fetcher_command(config: &Path, store: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_newsdesk-fetcher"));
    cmd.arg("--config")
        .arg(config)
        .args(["--store", store])
        .env_remove("NEWSDESK_LOG_FORMAT")
        .env_remove("RUST_LOG");
    cmd
}

/// Runs the fetcher with `config` (TOML text) written to a file, on `store` (a fresh local
/// bucket when `None`), with `args` and extra `env`; returns its exit status and output.
pub fn fetcher(config: &str, store: Option<&str>, args: &[&str], env: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newsdesk.toml");
    std::fs::write(&path, config).unwrap();
    let local = format!("file://{}/bucket", dir.path().display());
    fetcher_command(&path, store.unwrap_or(&local))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap()
}
