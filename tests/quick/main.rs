//! The quick tier: every test that needs no tool beyond the Rust toolchain and what every
//! machine has (bash, `kill`, `script`): in-process `memory://` and `file://` stores, loopback
//! servers written in Rust, the real binaries, and the feed corpus in `../shared/corpus`.
//! `cargo test` runs it (with the unit tests); the tiers that need Garage, Chromium or other
//! tools are run by scripts/test.sh (see README.md, "Run the tests").

#[path = "../support/mod.rs"]
mod support;

mod admin;
mod archive_cost;
mod corpus;
mod feed_formats;
mod feed_properties;
mod feed_rules;
mod fetch_hostile;
mod fetch_polite;
mod frontend;
mod headlines;
mod install;
mod layers;
mod logos;
mod outputs;
mod picker;
mod pipeline;
mod reader_prefs;
mod scale;
mod scrape;
mod search;
mod security;
mod shared_bucket;
mod store_conformance;
mod stories;
mod sync_report;
mod systemd_units;
mod thumbnails;
mod weather;
