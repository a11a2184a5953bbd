//! newsdesk: a static-site news aggregator published through object storage.
//!
//! Two programs share one bucket. The fetcher ([`fetcher`]) polls feeds, renders every site
//! and publishes it: immutable content-addressed objects first, a small per-site manifest
//! last. Stateless frontends ([`frontend`]) poll the manifests and serve the objects from
//! memory. The bucket is the single source of truth: the fetcher's own state lives there too.
//!
//! The modules in pipeline order; each imports only from those above it:
//!
//! 1. Shared ground: first [`address`] (which IPs are public, and how a URL is shown without
//!    its secrets), then [`config`] (the TOML file, by section), [`model`] (what is stored of
//!    a feed), [`compress`], [`assets`] (hashed static files) and [`cli`] (logging and
//!    signals, for both binaries).
//! 2. [`store`]: the bucket, its keys, the publish protocol and the fetch state.
//! 3. [`fetch`]: HTTP to feed servers (SSRF guard, politeness, size caps, backoff).
//! 4. [`feed`]: feed documents to normalized entries, and merging them into history.
//! 5. [`stories`]: entries telling the same story across sources (links, title likeness,
//!    grouping), which the picker ranks and the page shows once.
//! 6. The domain: [`headlines`] (the headline block and archive), [`picker`] (choosing
//!    headlines), [`search`] (the search index in the bucket), [`weather`] (forecasts per
//!    grid cell).
//! 7. [`render`]: pages and JSON with minijinja.
//! 8. The programs: [`fetcher`] (a pass, its steps, `run`, the report, the `headlines`
//!    command) and [`frontend`] (axum: pages, reader layouts, weather API, metrics and the
//!    web admin).

pub mod address;

pub mod assets;
pub mod cli;
pub mod compress;
pub mod config;
pub mod model;

pub mod store;

pub mod fetch;

pub mod feed;

pub mod stories;

pub mod headlines;
pub mod picker;
pub mod search;
pub mod weather;

pub mod render;

pub mod fetcher;
pub mod frontend;
