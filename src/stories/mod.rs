//! Entries telling the same story, across a site's sources: links compared after
//! normalizing ([`normalize_link`]), titles as word sets and their likeness ([`tokens`]), and
//! the grouping of entries into stories ([`group`]). Pure and deterministic: the headline
//! picker ranks the stories it finds, the renderer shows each story once.

mod group;
mod link;
pub mod tokens;

pub use group::{Report, WINDOW_HOURS, group, names};
pub use link::{http_key, normalize_link};
