//! The systemd units in `systemd/` pass `systemd-analyze verify`, pointed at the built binaries.

use std::process::Command;

const UNITS: &[&str] = &[
    "newsdesk-fetcher.service",
    "newsdesk-fetcher.timer",
    "newsdesk-frontend.service",
];

#[test]
fn units_pass_systemd_analyze_verify() {
    let tool = Command::new("systemd-analyze").arg("--version").output();
    assert!(
        tool.is_ok_and(|o| o.status.success()),
        "systemd-analyze is missing: install it with `apt-get install systemd` (scripts/test.sh does)"
    );
    let dir = tempfile::tempdir().unwrap();
    for unit in UNITS {
        let text =
            std::fs::read_to_string(format!("{}/systemd/{unit}", env!("CARGO_MANIFEST_DIR")))
                .unwrap();
        // verify checks that ExecStart= binaries exist: point them at the ones cargo built.
        let text = text
            .replace(
                "/usr/local/bin/newsdesk-fetcher",
                env!("CARGO_BIN_EXE_newsdesk-fetcher"),
            )
            .replace(
                "/usr/local/bin/newsdesk-frontend",
                env!("CARGO_BIN_EXE_newsdesk-frontend"),
            );
        std::fs::write(dir.path().join(unit), text).unwrap();
    }
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .args(UNITS.iter().map(|u| dir.path().join(u)))
        .env("SYSTEMD_LOG_LEVEL", "warning")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "systemd-analyze verify failed:\n{stderr}"
    );
    let ours: Vec<&str> = stderr.lines().filter(|l| l.contains("newsdesk")).collect();
    assert!(
        ours.is_empty(),
        "warnings about our units:\n{}",
        ours.join("\n")
    );
}

#[test]
fn services_are_hardened() {
    for unit in UNITS.iter().filter(|u| u.ends_with(".service")) {
        let text =
            std::fs::read_to_string(format!("{}/systemd/{unit}", env!("CARGO_MANIFEST_DIR")))
                .unwrap();
        for line in [
            "ProtectSystem=strict",
            "NoNewPrivileges=yes",
            "DynamicUser=yes",
            "CapabilityBoundingSet=",
        ] {
            assert!(text.lines().any(|l| l == line), "{unit} lacks {line}");
        }
    }
}
