//! `scripts/install.sh`, run for real into a temporary root (`--destdir`): the INSTALLED units
//! pass `systemd-analyze verify` against the installed binaries, also with `--prefix`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::install::install;
use crate::support::systemd::{UNITS, verify};

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

/// `systemd-analyze verify --root` on the units installed under `root`: ExecStart= must name
/// an executable there, so this checks the paths install.sh wrote into them. Also checks that
/// each `Documentation=file://` names an installed file.
fn verify_installed(root: &Path) {
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
    verify(&installed, Some(root));

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
