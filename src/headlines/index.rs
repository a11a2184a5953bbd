//! `admin/index.json`: every site's current headline block and archive version in one small
//! object, so a frontend learns of an edit to any site with one conditional GET per poll
//! (a 304 while nothing changed), however many sites the bucket holds.
//!
//! The block entry is the pointer that makes a version current: a save moves it only from the
//! version the editor started from (a compare-and-set, merged with `If-Match` where the store
//! can and by read-back elsewhere, see [`crate::store::publish::index::update_json`]). The
//! archive entry only says "the archive changed": frontends then list the site's batches.
//!
//! It also carries the admin sessions' not-before time ("log out everywhere"): written by the
//! web admin or `newsdesk-fetcher admin logout-everywhere`, picked up by every frontend at its
//! next poll.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::store::publish::index::read_json;
use crate::store::{Key, Store, StoreError};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminIndex {
    #[serde(default)]
    pub sites: BTreeMap<String, SiteFiles>,
    /// Admin sessions issued before this (Unix seconds) are no longer valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sessions_not_before: Option<i64>,
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

    /// This index with every admin session issued before `at` ended: from the second after
    /// it, so a session issued in that same second, before the logout, ends too.
    pub fn with_sessions_ended(&self, at: chrono::DateTime<chrono::Utc>) -> AdminIndex {
        let mut out = self.clone();
        let nb = at.timestamp() + 1;
        out.sessions_not_before = Some(out.sessions_not_before.map_or(nb, |old| old.max(nb)));
        out
    }

    /// This index with `site`'s archive marked as changed by batch `version`.
    pub fn with_archive(&self, site: &str, version: &str) -> AdminIndex {
        let mut out = self.clone();
        out.sites.entry(site.to_string()).or_default().archive = Some(version.to_string());
        out
    }
}

/// Ends every admin session issued until `now`, on every frontend within one poll: the
/// not-before time they read from this index. Returns it.
pub async fn log_out_everywhere(
    store: &Store,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<i64, StoreError> {
    let (index, _) = crate::store::publish::index::update_json(
        store,
        &Key::AdminIndex,
        "the admin index",
        |index: &AdminIndex| {
            let wanted = index.with_sessions_ended(now);
            (wanted != *index).then_some(wanted)
        },
    )
    .await?;
    Ok(index.sessions_not_before.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn logging_out_everywhere_keeps_the_sites_and_never_goes_back() {
        let store = Store::open("memory://", crate::store::Role::Fetcher).unwrap();
        let t: chrono::DateTime<chrono::Utc> = "2026-11-23T10:00:00Z".parse().unwrap();
        crate::store::publish::index::update_json(
            &store,
            &Key::AdminIndex,
            "the admin index",
            |i: &AdminIndex| Some(i.with_block("s", "v1")),
        )
        .await
        .unwrap();
        let nb = log_out_everywhere(&store, t).await.unwrap();
        assert_eq!(nb, t.timestamp() + 1);
        let (index, _) = AdminIndex::read(&store).await.unwrap();
        assert_eq!(index.block("s"), Some("v1"));
        assert_eq!(index.sessions_not_before, Some(nb));
        let earlier = t - chrono::Duration::seconds(60);
        assert_eq!(log_out_everywhere(&store, earlier).await.unwrap(), nb);
    }
}
