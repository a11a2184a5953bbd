//! The stateless frontend: serves every site in the bucket from memory with axum. It never
//! talks to a feed; anything it holds can be re-read from the bucket.
//!
//! [`app`] is the state ([`App`], [`Options`]) and [`routes`] the router over it. [`live`]
//! keeps the bucket's current generation in memory and [`sites`] what is known of each site;
//! [`page`] and [`respond`] turn it into responses, [`layout`] and [`settings`] handle reader
//! layouts, [`weather`] serves forecasts, [`metrics`] counts, [`mod@serve`] listens and
//! [`conn`] bounds each connection. [`headlines`] holds the newest headline block a page is
//! composed with, [`old_headlines`] is `/old_headlines`, [`at`] is `/at/<when>` (the front page
//! as it was), and [`admin`] the web admin (`/admin/...`, off unless configured).

pub mod admin;
pub mod app;
pub mod at;
pub mod cli;
pub mod client;
pub mod conn;
pub mod headlines;
pub mod layout;
pub mod live;
pub mod metrics;
pub mod old_headlines;
pub mod page;
pub mod respond;
pub mod routes;
pub mod search;
pub mod search_cache;
pub mod serve;
pub mod settings;
pub mod sites;
pub mod weather;

pub use app::{App, Options};
pub use routes::router;
pub use serve::{run, serve};
