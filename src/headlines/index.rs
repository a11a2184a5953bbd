//! `admin/index.json`: every site's current headline block and archive version in one small
//! object, so a frontend learns of an edit to any site with one conditional GET per poll
//! (a 304 while nothing changed), however many sites the bucket holds.
//!
//! The block entry is the pointer that makes a version current: a save moves it only from the
//! version the editor started from (a compare-and-set, merged with `If-Match` where the store
//! can and by read-back elsewhere, see [`crate::store::publish::index::update_json`]). The
//! archive entry only says "the archive changed": frontends then list the site's batches.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::store::publish::index::read_json;
use crate::store::{Key, Store, StoreError};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminIndex {
    #[serde(default)]
    pub sites: BTreeMap<String, SiteFiles>,
}

/// One site's current headline files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteFiles {
    /// The current version of the block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block: Option<String>,
    /// The newest archive batch a writer announced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive: Option<String>,
}

impl AdminIndex {
    pub async fn read(store: &Store) -> Result<(AdminIndex, Option<String>), StoreError> {
        read_json(store, &Key::AdminIndex).await
    }

    pub fn block(&self, site: &str) -> Option<&str> {
        self.sites.get(site).and_then(|s| s.block.as_deref())
    }

    pub fn archive(&self, site: &str) -> Option<&str> {
        self.sites.get(site).and_then(|s| s.archive.as_deref())
    }

    /// This index with `site`'s block pointing at `version`.
    pub fn with_block(&self, site: &str, version: &str) -> AdminIndex {
        let mut out = self.clone();
        out.sites.entry(site.to_string()).or_default().block = Some(version.to_string());
        out
    }

    /// This index with `site`'s archive marked as changed by batch `version`.
    pub fn with_archive(&self, site: &str, version: &str) -> AdminIndex {
        let mut out = self.clone();
        out.sites.entry(site.to_string()).or_default().archive = Some(version.to_string());
        out
    }
}
