//! The Garage tier: tests against real Garage nodes. The store conformance suite and the kill
//! test use the node scripts/test.sh starts (NEWSDESK_STORE, AWS_ACCESS_KEY_ID and
//! AWS_SECRET_ACCESS_KEY; they fail, never skip, without it); the cluster tests start their own
//! nodes with scripts/garage.sh, which installs Garage on first use.
//!
//! Not run by a plain `cargo test` (`test = false` in Cargo.toml): scripts/test.sh runs it, or
//! `cargo test --test garage` with a node started by hand (see tests/support/bucket.rs).

#[path = "../support/mod.rs"]
mod support;

mod cluster;
mod publish_kill;
mod search;
mod store_conformance;
