//! The stateless frontend: serves every site in the bucket from memory with axum. It never
//! talks to a feed; anything it holds can be re-read from the bucket.
//!
//! [`live`] keeps the bucket's current generation in memory and [`sites`] what is known of each
//! site, [`page`] and [`respond`] turn it into responses, [`layout`] and [`settings`] handle
//! reader layouts, [`metrics`] counts, [`serve`] listens and [`conn`] bounds each connection.
//! The web admin (`/admin/...`, off unless configured) is [`crate::frontend::admin`]; `/old_headlines`
//! and the headline block a page is composed with come from [`crate::headlines`].

pub mod admin;
pub mod app;
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
pub mod serve;
pub mod settings;
pub mod sites;
pub mod weather;

pub use app::{App, Options};
pub use routes::router;
pub use serve::{run, serve};
