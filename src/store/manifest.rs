//! The small JSON documents that make a generation live: the per-site manifest, which names
//! every object a frontend needs, and the site index, which lists the sites and their hosts.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One immutable, content-addressed object and its precompressed variants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectRef {
    /// The store key of the identity bytes; variants add `.br` / `.gz`.
    pub key: String,
    /// Hex SHA-256 prefix of the identity bytes: the object's strong ETag.
    pub hash: String,
    pub content_type: String,
    pub size: u64,
    /// Stored encodings besides identity: `br`, `gzip`.
    #[serde(default)]
    pub encodings: Vec<String>,
}

impl ObjectRef {
    /// The key of the variant in `encoding` (`identity`, `br` or `gzip`).
    pub fn variant_key(&self, encoding: &str) -> String {
        match encoding {
            "br" => format!("{}.br", self.key),
            "gzip" => format!("{}.gz", self.key),
            _ => self.key.clone(),
        }
    }

    /// Every key this object occupies.
    pub fn all_keys(&self) -> impl Iterator<Item = String> + '_ {
        std::iter::once(self.key.clone()).chain(self.encodings.iter().map(|e| self.variant_key(e)))
    }
}

/// A source box of the front page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fragment {
    pub id: String,
    pub title: String,
    pub object: ObjectRef,
}

/// What a site serves in one generation. Written last, so a reader sees a whole generation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub site: String,
    pub generation: u64,
    pub published_at: DateTime<Utc>,
    /// `/`
    pub index: ObjectRef,
    /// `/api/headlines`
    pub headlines: ObjectRef,
    /// Page parts around the fragments, for reader layouts.
    pub top: ObjectRef,
    pub bottom: ObjectRef,
    pub fragments: Vec<Fragment>,
    /// Asset source name → hashed name.
    pub assets: BTreeMap<String, String>,
}

impl Manifest {
    /// Whether two manifests serve the same bytes (generation and time aside).
    pub fn same_content(&self, other: &Manifest) -> bool {
        self.index == other.index
            && self.headlines == other.headlines
            && self.top == other.top
            && self.bottom == other.bottom
            && self.fragments == other.fragments
            && self.assets == other.assets
    }

    /// Every object key the generation needs.
    pub fn object_keys(&self) -> Vec<String> {
        [&self.index, &self.headlines, &self.top, &self.bottom]
            .into_iter()
            .chain(self.fragments.iter().map(|f| &f.object))
            .flat_map(|o| o.all_keys().collect::<Vec<_>>())
            .collect()
    }
}

/// The sites in the bucket, the first being the default for unknown hosts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteIndex {
    pub sites: Vec<SiteEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteEntry {
    pub name: String,
    pub title: String,
    pub hosts: Vec<String>,
}
