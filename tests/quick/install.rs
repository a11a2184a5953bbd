//! `scripts/install.sh`, run for real into a temporary root (`--destdir`): what it installs,
//! that a second run changes nothing and says so, that a dry run changes nothing, and that the
//! operator's config is never overwritten. The installed units under `systemd-analyze verify`
//! are in the tools tier (tests/tools/install.rs).

use crate::support::install::{actions, install, tree};

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
