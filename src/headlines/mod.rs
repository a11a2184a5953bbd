//! Headline files: the headline block on top of each site's page and the archive of past
//! headlines, kept in the bucket below `admin/<site>/` where nothing is ever overwritten.
//!
//! - [`block`]: what a block is and the checks every input passes (the web editor, the CLI
//!   and the scheduled pick alike); [`sanitize`]: the HTML allow-list.
//! - [`blocks`]: immutable block versions and the compare-and-set that makes one current;
//!   [`archive`]: immutable archive batches with tombstones; [`index`]: `admin/index.json`,
//!   the one object frontends poll to learn of edits to any site; [`refresh`]: forced feed
//!   refreshes for the fetcher's next pass.
//! - Elsewhere, by program: `render::headlines` draws the block and `/old_headlines`;
//!   `frontend::headlines` is what a frontend holds of them and `frontend::old_headlines`
//!   the route; `fetcher::headlines_cli` is `newsdesk-fetcher headlines`.
//!
//! How an edit reaches readers within seconds: the fetcher renders the current block into each
//! generation as the part `part/above`, labelled with its version; a frontend that sees a newer
//! version in the admin index composes `/` from the generation's other parts and that block
//! (see SCALING.md).
//!
//! `mod.rs` holds [`HeadlinesError`] and re-exports each file's main type; the files use that
//! error and each other only downwards (`blocks` and `archive` → `block` → `sanitize`).

pub mod archive;
pub mod block;
pub mod blocks;
pub mod index;
pub mod refresh;
pub mod sanitize;
pub mod version;

use std::collections::BTreeMap;

pub use archive::{Archive, Entry};
pub use block::{Block, BlockVersion, InputError, Item};
pub use blocks::{SaveOutcome, Saved};
pub use index::AdminIndex;

use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum HeadlinesError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("site {site} has no headline block version {version:?}")]
    NoVersion { site: String, version: String },
    #[error("the headline archive of site {site} has no entry {id:?}")]
    NoEntry { site: String, id: String },
    #[error("rendering {0}")]
    Render(String),
}

/// The current block version of each of `sites` that has one: one GET of the admin index and
/// one per such site. What the fetcher renders into its pages.
pub async fn current_blocks(
    store: &Store,
    sites: &[&str],
) -> Result<BTreeMap<String, BlockVersion>, StoreError> {
    let (index, _) = AdminIndex::read(store).await?;
    let mut out = BTreeMap::new();
    for site in sites {
        if let Some(v) = index.block(site)
            && let Some(doc) = blocks::get(store, site, v).await?
        {
            out.insert(site.to_string(), doc);
        }
    }
    Ok(out)
}
