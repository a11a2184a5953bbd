//! The systemd units in `systemd/` as written in the repository: they pass
//! `systemd-analyze verify` (pointed at the built binaries), the timer really fires every 5
//! minutes, and every setting of the services and the timer says why. `tests/install.rs`
//! verifies the units as `scripts/install.sh` installs them.

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
        let text = unit_text(unit);
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

fn unit_text(unit: &str) -> String {
    std::fs::read_to_string(format!("{}/systemd/{unit}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The value of `Key=` in a unit, if set once or more (the last one).
fn setting(text: &str, key: &str) -> Option<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix(key)?.strip_prefix('='))
        .next_back()
        .map(str::to_string)
}

#[test]
fn timer_fires_every_five_minutes_on_the_calendar_with_catch_up_and_spread() {
    let text = unit_text("newsdesk-fetcher.timer");
    // `Persistent=` only acts on `OnCalendar=`: monotonic timers (OnActiveSec=, OnBootSec=,
    // OnUnitActiveSec=, OnUnitInactiveSec=) would make it a no-op.
    for monotonic in [
        "OnActiveSec",
        "OnBootSec",
        "OnUnitActiveSec",
        "OnUnitInactiveSec",
    ] {
        assert!(
            setting(&text, monotonic).is_none(),
            "timer uses {monotonic}="
        );
    }
    assert_eq!(setting(&text, "Persistent").as_deref(), Some("true"));
    let delay = setting(&text, "RandomizedDelaySec").expect("RandomizedDelaySec= is set");
    assert!(delay != "0" && delay != "0s", "RandomizedDelaySec={delay}");
    assert!(
        setting(&text, "AccuracySec").is_some(),
        "AccuracySec= is set"
    );

    let calendar = setting(&text, "OnCalendar").expect("OnCalendar= is set");
    let out = Command::new("systemd-analyze")
        .args(["calendar", "--iterations=4", "--base-time=2026-01-01 00:02:00 UTC"])
        .arg(&calendar)
        .env("TZ", "UTC")
        .output()
        .expect("systemd-analyze is missing: install it with `apt-get install systemd` (scripts/test.sh does)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{calendar:?}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // "    Next elapse: Thu 2026-01-01 00:05:00 UTC", "       Iter. #2: Thu 2026-01-01 00:10:00 UTC"
    let elapses: Vec<chrono::NaiveDateTime> = stdout
        .lines()
        .filter(|l| l.contains("Next elapse:") || l.contains("Iter. #"))
        .map(|l| {
            let when = l.split_once(": ").unwrap().1.trim();
            chrono::NaiveDateTime::parse_from_str(when, "%a %Y-%m-%d %H:%M:%S UTC")
                .unwrap_or_else(|e| panic!("{when:?}: {e}"))
        })
        .collect();
    assert_eq!(elapses.len(), 4, "{stdout}");
    assert_eq!(elapses[0].to_string(), "2026-01-01 00:05:00", "{stdout}");
    for pair in elapses.windows(2) {
        assert_eq!((pair[1] - pair[0]).num_seconds(), 300, "{stdout}");
    }
}

#[test]
fn every_setting_of_the_services_and_the_timer_has_a_comment_above_it() {
    for unit in UNITS {
        let text = unit_text(unit);
        let mut section = "";
        let mut previous = "";
        for line in text.lines() {
            if line.starts_with('[') {
                section = line;
            } else if matches!(section, "[Service]" | "[Timer]")
                && !line.is_empty()
                && !line.starts_with('#')
            {
                assert!(
                    previous.starts_with('#'),
                    "{unit}: `{line}` has no comment saying why"
                );
            }
            previous = line;
        }
    }
}
