//! newsdesk: a static-site news aggregator published through object storage.
//!
//! The fetcher ([`sync`]) fetches feeds ([`fetch`]), normalizes and merges them ([`feed`]),
//! renders pages and JSON ([`render`], [`assets`]) and publishes them to a bucket ([`store`]):
//! immutable content-addressed objects first, a small per-site manifest last. Stateless
//! frontends ([`frontend`]) poll those manifests and serve the objects from memory.
//! The bucket is the single source of truth: all fetcher state lives there too. Admins edit
//! the headline files ([`headlines`]) in the bucket through the frontend's web admin
//! ([`admin`]) or the fetcher's CLI.

pub mod address;
pub mod assets;
pub mod cli;
pub mod compress;
pub mod config;
pub mod feed;
pub mod fetch;
pub mod fetcher;
pub mod frontend;
pub mod headlines;
pub mod model;
pub mod picker;
pub mod render;
pub mod store;
pub mod weather;
