//! What the fetcher remembers between passes, in the bucket: per deployment and shard one
//! object, `state/fetch/<deployment>/<I>-of-<N>.json`, holding the fetch record (validators,
//! schedule, health) of every feed the shard owns and, per site, the digest of the inputs of
//! the generation it last published (`fetcher::inputs`). A pass reads every such object once
//! (a feed's most recently checked record wins, so changing shards or configs loses nothing)
//! and writes its own only when something in it changed.

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::model::FetchRecord;
use crate::model::feed_id;
use crate::store::{Key, Store, StoreError};

/// Which part of the feeds this fetcher owns: feeds are split by a stable hash of their URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Default for Shard {
    fn default() -> Self {
        Shard { index: 0, count: 1 }
    }
}

impl std::str::FromStr for Shard {
    type Err = String;
    /// `I/N` with `0 <= I < N`.
    fn from_str(s: &str) -> Result<Self, String> {
        let (i, n) = s.split_once('/').ok_or("shard must be I/N, e.g. 0/2")?;
        let index: u32 = i
            .trim()
            .parse()
            .map_err(|_| format!("shard index {i:?} is not a number"))?;
        let count: u32 = n
            .trim()
            .parse()
            .map_err(|_| format!("shard count {n:?} is not a number"))?;
        if count == 0 || index >= count {
            return Err(format!("shard {s:?}: need 0 <= I < N"));
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    pub fn owns(&self, url: &str) -> bool {
        let id = feed_id(url);
        let h = u64::from_str_radix(&id, 16).unwrap_or(0);
        h % u64::from(self.count) == u64::from(self.index)
    }

    pub(crate) fn label(&self) -> String {
        format!("{}-of-{}", self.index, self.count)
    }
}

/// One deployment's shard's state, as stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardState {
    /// Feed URL → its fetch record.
    #[serde(default)]
    pub feeds: BTreeMap<String, FetchRecord>,
    /// Site → the digest of the inputs of the generation this shard last published (or found
    /// already published).
    #[serde(default)]
    pub rendered: BTreeMap<String, String>,
}

/// The stored form, also as written before sites had digests (a bare map of records).
#[derive(Deserialize)]
#[serde(untagged)]
enum Stored {
    Now(ShardState),
    Before(BTreeMap<String, FetchRecord>),
}

/// Every record in the bucket, and this shard's own digests.
#[derive(Debug, Default)]
pub struct Loaded {
    pub records: HashMap<String, FetchRecord>,
    pub rendered: BTreeMap<String, String>,
}

/// The key of a deployment's share of the state: named after the config's sites, so two
/// configs publishing to one bucket never write over each other's validators, schedule and
/// health.
pub fn key(config: &Config, shard: Shard) -> Key {
    use sha2::{Digest, Sha256};
    let mut names: Vec<&str> = config.sites.iter().map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    let deployment = hex::encode(&Sha256::digest(names.join("\n").as_bytes())[..4]);
    Key::FetchState(format!("{deployment}/{}", shard.label()))
}

/// Reads every shard's state; `mine` says whose digests to keep.
pub async fn load(store: &Store, mine: Option<&Key>) -> Result<Loaded, StoreError> {
    let mut out = Loaded::default();
    // `state/fetch/<deployment>/<shard>.json` (and the older `state/fetch/<shard>.json`).
    for (label, _) in store.list_names(Key::FETCH_STATE_PREFIX, ".json").await? {
        let key = Key::FetchState(label);
        let state = match store.get_json::<Stored>(&key).await? {
            Some(Stored::Now(s)) => s,
            Some(Stored::Before(feeds)) => ShardState {
                feeds,
                ..Default::default()
            },
            None => continue,
        };
        if mine == Some(&key) {
            out.rendered = state.rendered;
        }
        for (url, rec) in state.feeds {
            let newer = out
                .records
                .get(&url)
                .is_none_or(|old| rec.last_checked > old.last_checked);
            if newer {
                out.records.insert(url, rec);
            }
        }
    }
    Ok(out)
}

/// Every feed's fetch record in the bucket (what the admin's feed health page shows).
pub async fn load_fetch_records(store: &Store) -> Result<HashMap<String, FetchRecord>, StoreError> {
    Ok(load(store, None).await?.records)
}

/// Writes this shard's state.
pub async fn save(store: &Store, key: &Key, state: &ShardState) -> Result<(), StoreError> {
    let bytes = serde_json::to_vec(state).expect("plain data serializes");
    store.put(key, Bytes::from(bytes)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn state_written_before_digests_still_reads() {
        let store = Store::open("memory://", crate::store::Role::Fetcher).unwrap();
        let old: BTreeMap<String, FetchRecord> = [(
            "https://e.org/feed".to_string(),
            FetchRecord {
                url: "https://e.org/feed".into(),
                etag: Some("\"v1\"".into()),
                ..Default::default()
            },
        )]
        .into();
        let key = Key::FetchState("0-of-1".into());
        store
            .put(&key, serde_json::to_vec(&old).unwrap().into())
            .await
            .unwrap();
        let loaded = load(&store, Some(&key)).await.unwrap();
        assert_eq!(
            loaded.records["https://e.org/feed"].etag.as_deref(),
            Some("\"v1\"")
        );
        assert!(loaded.rendered.is_empty());
    }
}
