//! The systemd units in `systemd/` as written in the repository: the services are hardened and
//! every setting of the services and the timer says why. `systemd-analyze` checks them in the
//! tools tier (tests/tools/systemd_units.rs).

use crate::support::systemd::{UNITS, unit_text};

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
