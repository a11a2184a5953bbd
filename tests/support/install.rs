//! `scripts/install.sh`, run for real into a temporary root (`--destdir`), and what it wrote.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Where cargo built the binaries under test: install.sh takes them with `--bin-dir`.
pub fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_newsdesk-fetcher"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Runs install.sh with `args`; panics with its output when it fails.
pub fn install(args: &[&str]) -> String {
    let out: Output = Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/install.sh"))
        .arg("--bin-dir")
        .arg(bin_dir())
        .args(args)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "install.sh {args:?} failed:\n{text}");
    text
}

/// Every file under `root`: its path, mode and content.
pub fn tree(root: &Path) -> BTreeMap<String, (u32, Vec<u8>)> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, (u32, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                walk(&path, root, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().display().to_string();
                let mode = meta.permissions().mode() & 0o7777;
                out.insert(format!("/{rel}"), (mode, std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    if root.exists() {
        walk(root, root, &mut out);
    }
    out
}

/// Lines that say a file was (or would be) written.
pub fn actions(output: &str) -> Vec<&str> {
    output
        .lines()
        .filter(|l| {
            ["install ", "update ", "would install ", "would update "]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .collect()
}
