//! The systemd units in `systemd/` under `systemd-analyze`: they pass `verify` (pointed at the
//! built binaries) and the timer really fires every 5 minutes. tests/tools/install.rs verifies
//! the units as `scripts/install.sh` installs them.

use std::path::PathBuf;

use crate::support::systemd::{UNITS, analyze, setting, unit_text, verify};

#[test]
fn units_pass_systemd_analyze_verify() {
    let dir = tempfile::tempdir().unwrap();
    for unit in UNITS {
        // verify checks that ExecStart= binaries exist: point them at the ones cargo built.
        let text = unit_text(unit)
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
    let units: Vec<PathBuf> = UNITS.iter().map(|u| dir.path().join(u)).collect();
    verify(&units, None);
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
    let out = analyze()
        .args([
            "calendar",
            "--iterations=4",
            "--base-time=2026-01-01 00:02:00 UTC",
        ])
        .arg(&calendar)
        .env("TZ", "UTC")
        .output()
        .unwrap();
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
