//! What the test targets share, one copy each: every tier includes this module with
//! `#[path = "../support/mod.rs"] mod support;` (tests/quick, tests/garage, tests/browser,
//! tests/tools). Each target uses only part of it.
#![allow(dead_code, unused_imports)]

pub mod admin;
pub mod binaries;
pub mod bucket;
pub mod chromium;
pub mod conformance;
pub mod feeds;
pub mod formats;
pub mod http;
pub mod install;
pub mod rng;
pub mod search;
pub mod site;
pub mod systemd;
pub mod time_travel;
pub mod weather;

pub use binaries::{fetcher, fetcher_command};
pub use feeds::{
    Behavior, FeedServer, generated, generated_rss, generated_rss_with_summaries, resetting_server,
    rss,
};
pub use http::{Reply, get, get_on, get_request, send};
pub use site::{
    api_headlines, app_on, config_for, config_toml, force, memory_store, public_site, published,
    serve_config, source_ids, spawn_server, synced,
};
