//! The tools tier: checks by independent tools, each of which fails the test with how to
//! install it when it is missing (never skips): `systemd-analyze` on the systemd units as
//! written and as installed, Python feedparser on the site's feeds, the Nu Html Checker
//! (Java) on its pages.
//!
//! Not run by a plain `cargo test` (`test = false` in Cargo.toml): `cargo test --test tools`,
//! or scripts/test.sh, which installs the tools.

#[path = "../support/mod.rs"]
mod support;

mod feed_formats;
mod install;
mod outputs;
mod systemd_units;
