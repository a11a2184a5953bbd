//! The small JSON documents that make a generation live: the per-site manifest, which names
//! every object a frontend needs, and the site index, which lists the sites and their hosts.
//!
//! The store gives object names no meaning: a publisher chooses them (the renderer's are in
//! `render::names`) and a frontend looks them up.

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

/// An object of a generation under the name its publisher gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Named {
    pub name: String,
    /// A human name for the object, if the publisher gave one (e.g. a source box's title).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(flatten)]
    pub object: ObjectRef,
}

/// Set on a manifest that a rollback made live: later passes leave the site there until it is
/// released.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pin {
    /// The generation whose content was put back.
    pub to: u64,
    pub at: DateTime<Utc>,
}

/// What a site serves in one generation. Written last, so a reader sees a whole generation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub site: String,
    pub generation: u64,
    pub published_at: DateTime<Utc>,
    /// The generation this one replaced as the live one, if any.
    #[serde(default)]
    pub previous: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned: Option<Pin>,
    /// Recorded while the site was pinned: not made live (until `release` copies it), so not
    /// what readers saw at its time.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub held: bool,
    /// The site's objects, in the publisher's order.
    pub objects: Vec<Named>,
    /// Shared objects (assets): source name → stored name.
    pub assets: BTreeMap<String, String>,
}

impl Manifest {
    /// Whether two manifests serve the same bytes (generation, time and pin aside).
    pub fn same_content(&self, other: &Manifest) -> bool {
        self.objects == other.objects && self.assets == other.assets
    }

    /// The object named `name`.
    pub fn object(&self, name: &str) -> Option<&ObjectRef> {
        self.objects
            .iter()
            .find(|n| n.name == name)
            .map(|n| &n.object)
    }

    /// The objects whose names start with `prefix`, in order.
    pub fn named_with<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a Named> + 'a {
        self.objects
            .iter()
            .filter(move |n| n.name.starts_with(prefix))
    }

    /// Every object key the generation needs.
    pub fn object_keys(&self) -> Vec<String> {
        self.objects
            .iter()
            .flat_map(|n| n.object.all_keys())
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
    /// The site's live generation, so a frontend reads a manifest only when it moved: one
    /// conditional GET of this index per poll, whatever the number of sites. Absent from
    /// indexes written before it existed (their frontends read every manifest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<u64>,
}

/// A site taken out of the index, waiting for its grace period to end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tombstone {
    pub site: String,
    pub removed_at: DateTime<Utc>,
    pub grace_secs: u64,
}
