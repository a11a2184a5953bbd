//! The fetcher program: one pass ([`sync`], in `pass.rs`) fetches what is due, merges it into
//! each feed's stored history (`update.rs`) and copies entry thumbnails (`thumbnails.rs`),
//! refreshes logos, weather and the headline block (`logos.rs`, `headlines.rs`), and renders
//! and publishes every site whose inputs changed (`inputs.rs`, `render.rs`), ending with a
//! [`SyncSummary`]. [`run`] repeats passes on a schedule, [`report`] shows a person how a pass
//! went, and [`headlines_cli`] is the `headlines` command that edits the headline files;
//! [`opml_cli`] is the `opml` command that exports the feeds for feed readers and imports
//! theirs ([`opml`]); [`admin_cli`] is the `admin` command (ending every web admin session).

pub mod admin_cli;
pub mod cli;
mod headlines;
pub mod headlines_cli;
mod inputs;
mod logos;
pub mod opml;
pub mod opml_cli;
mod pass;
mod progress;
mod render;
pub mod report;
pub mod run;
mod summary;
mod thumbnails;
mod update;

pub use crate::store::fetch_state::Shard;
pub use pass::{SyncOptions, render_only, sync};
pub use progress::{FeedDone, FeedOutcome, Progress};
pub use summary::{SyncError, SyncSummary};
