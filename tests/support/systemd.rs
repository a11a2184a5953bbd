//! The systemd units in `systemd/` and `systemd-analyze`, which fails the test with how to
//! install it when it is missing.

use std::path::{Path, PathBuf};
use std::process::Command;

pub const UNITS: &[&str] = &[
    "newsdesk-fetcher.service",
    "newsdesk-fetcher.timer",
    "newsdesk-frontend.service",
];

/// A unit as written in the repository.
pub fn unit_text(unit: &str) -> String {
    std::fs::read_to_string(format!("{}/systemd/{unit}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The value of `Key=` in a unit, if set once or more (the last one).
pub fn setting(text: &str, key: &str) -> Option<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix(key)?.strip_prefix('='))
        .next_back()
        .map(str::to_string)
}

/// `systemd-analyze`; fails (never skips) when it is not installed.
pub fn analyze() -> Command {
    let tool = Command::new("systemd-analyze").arg("--version").output();
    assert!(
        tool.is_ok_and(|o| o.status.success()),
        "systemd-analyze is missing: install it with `apt-get install systemd` (scripts/test.sh does)"
    );
    Command::new("systemd-analyze")
}

/// `systemd-analyze verify` of `units` (under `root` when given): it passes, and says nothing
/// about our units.
pub fn verify(units: &[PathBuf], root: Option<&Path>) {
    let mut cmd = analyze();
    cmd.arg("verify");
    if let Some(root) = root {
        cmd.arg(format!("--root={}", root.display()));
    }
    let out = cmd
        .args(units)
        .env("SYSTEMD_LOG_LEVEL", "warning")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "systemd-analyze verify of {units:?} failed:\n{stderr}"
    );
    let ours: Vec<&str> = stderr.lines().filter(|l| l.contains("newsdesk")).collect();
    assert!(
        ours.is_empty(),
        "warnings about our units:\n{}",
        ours.join("\n")
    );
}
