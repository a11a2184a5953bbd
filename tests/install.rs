//! `scripts/install.sh`, run for real into a temporary root (`--destdir`): what it installs,
//! that a second run changes nothing and says so, that a dry run changes nothing, that the
//! operator's config is never overwritten, and that the INSTALLED units pass
//! `systemd-analyze verify` against the installed binaries.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Where cargo built the binaries under test: install.sh takes them with `--bin-dir`.
fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_newsdesk-fetcher"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Runs install.sh with `args`; panics with its output when it fails.
fn install(args: &[&str]) -> String {
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
fn tree(root: &Path) -> BTreeMap<String, (u32, Vec<u8>)> {
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
fn actions(output: &str) -> Vec<&str> {
    output
        .lines()
        .filter(|l| {
            ["install ", "update ", "would install ", "would update "]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .collect()
}

#[test]
fn installs_everything_once_and_a_second_run_changes_nothing_and_says_so() {
    let root = tempfile::tempdir().unwrap();
    let dest = root.path().to_str().unwrap();
    let first = install(&["--destdir", dest]);
    let installed = tree(root.path());
    let expected = [
        ("/usr/local/bin/newsdesk-fetcher", 0o755),
        ("/usr/local/bin/newsdesk-frontend", 0o755),
        ("/etc/systemd/system/newsdesk-fetcher.service", 0o644),
        ("/etc/systemd/system/newsdesk-fetcher.timer", 0o644),
        ("/etc/systemd/system/newsdesk-frontend.service", 0o644),
        ("/usr/local/share/doc/newsdesk/README.md", 0o644),
        ("/usr/local/share/doc/newsdesk/newsdesk.example.toml", 0o644),
        ("/usr/local/share/doc/newsdesk/newsdesk.example.env", 0o644),
        ("/etc/newsdesk/newsdesk.toml", 0o644),
        // It may hold S3 keys.
        ("/etc/newsdesk/newsdesk.env", 0o600),
    ];
    let names: Vec<&str> = installed.keys().map(String::as_str).collect();
    let mut want: Vec<&str> = expected.iter().map(|(p, _)| *p).collect();
    want.sort_unstable();
    assert_eq!(names, want, "{first}");
    for (path, mode) in expected {
        assert_eq!(installed[path].0, mode, "mode of {path}");
    }
    assert_eq!(actions(&first).len(), expected.len(), "{first}");
    assert!(
        first.contains("Next steps:")
            && first.contains(
                "systemctl enable --now newsdesk-fetcher.timer newsdesk-frontend.service"
            ),
        "{first}"
    );
    // The example config is a valid config.
    let toml = String::from_utf8(installed["/etc/newsdesk/newsdesk.toml"].1.clone()).unwrap();
    newsdesk::config::parse(&toml, "installed").unwrap();

    let second = install(&["--destdir", dest]);
    assert!(
        actions(&second).is_empty(),
        "the second run wrote files:\n{second}"
    );
    assert!(second.contains("nothing to do"), "{second}");
    assert!(
        tree(root.path()) == installed,
        "the second run changed the tree"
    );
}

#[test]
fn the_operators_config_and_environment_are_never_overwritten_but_units_are_updated() {
    let root = tempfile::tempdir().unwrap();
    let dest = root.path().to_str().unwrap();
    install(&["--destdir", dest]);
    let config = root.path().join("etc/newsdesk/newsdesk.toml");
    let env = root.path().join("etc/newsdesk/newsdesk.env");
    let unit = root
        .path()
        .join("etc/systemd/system/newsdesk-frontend.service");
    std::fs::write(&config, "# mine\n").unwrap();
    std::fs::write(&env, "AWS_ACCESS_KEY_ID=mine\n").unwrap();
    std::fs::write(&unit, "stale\n").unwrap();

    let again = install(&["--destdir", dest]);
    assert_eq!(std::fs::read_to_string(&config).unwrap(), "# mine\n");
    assert_eq!(
        std::fs::read_to_string(&env).unwrap(),
        "AWS_ACCESS_KEY_ID=mine\n"
    );
    assert!(
        again.contains("keep /etc/newsdesk/newsdesk.toml"),
        "{again}"
    );
    // Units are ours: a stale one is replaced (changes belong in drop-ins).
    assert_eq!(
        actions(&again),
        ["update /etc/systemd/system/newsdesk-frontend.service"]
    );
    assert!(
        std::fs::read_to_string(&unit)
            .unwrap()
            .contains("ExecStart=")
    );
}

#[test]
fn a_dry_run_prints_every_action_and_changes_nothing() {
    let root = tempfile::tempdir().unwrap();
    let dest = root.path().join("staging");
    let out = install(&["--destdir", dest.to_str().unwrap(), "--dry-run"]);
    assert!(!dest.exists(), "a dry run created {}", dest.display());
    let would = actions(&out);
    assert_eq!(would.len(), 10, "{out}");
    assert!(
        would.contains(&"would install /etc/newsdesk/newsdesk.env (mode 0600)"),
        "{out}"
    );
    assert!(out.contains("nothing was changed"), "{out}");
}

#[test]
fn prefix_moves_the_binaries_and_the_units_follow() {
    let root = tempfile::tempdir().unwrap();
    install(&[
        "--destdir",
        root.path().to_str().unwrap(),
        "--prefix",
        "/opt/newsdesk",
    ]);
    assert!(
        root.path()
            .join("opt/newsdesk/bin/newsdesk-fetcher")
            .exists()
    );
    let unit = std::fs::read_to_string(
        root.path()
            .join("etc/systemd/system/newsdesk-fetcher.service"),
    )
    .unwrap();
    assert!(
        unit.lines()
            .any(|l| l.starts_with("ExecStart=/opt/newsdesk/bin/newsdesk-fetcher ")),
        "{unit}"
    );
    assert!(
        !unit
            .lines()
            .any(|l| !l.starts_with('#') && l.contains("/usr/local")),
        "{unit}"
    );
    verify_installed(root.path());
}

#[test]
fn installed_units_pass_systemd_analyze_verify_and_their_documentation_exists() {
    let root = tempfile::tempdir().unwrap();
    install(&["--destdir", root.path().to_str().unwrap()]);
    verify_installed(root.path());
}

const UNITS: &[&str] = &[
    "newsdesk-fetcher.service",
    "newsdesk-fetcher.timer",
    "newsdesk-frontend.service",
];

/// `systemd-analyze verify --root` on the units installed under `root`: ExecStart= must name
/// an executable there, so this checks the paths install.sh wrote into them. Also checks that
/// each `Documentation=file://` names an installed file.
fn verify_installed(root: &Path) {
    let tool = Command::new("systemd-analyze").arg("--version").output();
    assert!(
        tool.is_ok_and(|o| o.status.success()),
        "systemd-analyze is missing: install it with `apt-get install systemd` (scripts/test.sh does)"
    );
    // Under --root, verify resolves every unit there, also systemd's own (sysinit.target, ...):
    // give the root a copy of the host's.
    let host = ["/usr/lib/systemd/system", "/lib/systemd/system"]
        .into_iter()
        .map(Path::new)
        .find(|d| d.join("sysinit.target").exists())
        .expect(
            "systemd's unit directory (with sysinit.target) is missing: apt-get install systemd",
        );
    std::fs::create_dir_all(root.join("usr/lib/systemd")).unwrap();
    let copy = Command::new("cp")
        .arg("-a")
        .arg(host)
        .arg(root.join("usr/lib/systemd/"))
        .status()
        .is_ok_and(|s| s.success());
    assert!(copy, "cannot copy {} into the test root", host.display());

    let installed: Vec<PathBuf> = UNITS
        .iter()
        .map(|u| root.join("etc/systemd/system").join(u))
        .collect();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(format!("--root={}", root.display()))
        .args(&installed)
        .env("SYSTEMD_LOG_LEVEL", "warning")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "systemd-analyze verify of the installed units failed:\n{stderr}"
    );
    let ours: Vec<&str> = stderr.lines().filter(|l| l.contains("newsdesk")).collect();
    assert!(
        ours.is_empty(),
        "warnings about our units:\n{}",
        ours.join("\n")
    );

    for unit in &installed {
        let text = std::fs::read_to_string(unit).unwrap();
        let docs: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("Documentation=file://"))
            .collect();
        assert!(
            !docs.is_empty(),
            "{} has no Documentation=file://",
            unit.display()
        );
        for doc in docs {
            let path = root.join(doc.trim_start_matches('/'));
            assert!(
                path.is_file(),
                "{} documents {doc}, which was not installed",
                unit.display()
            );
        }
    }
}
