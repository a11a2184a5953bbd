//! The bucket: store URLs to an object store, and the few operations newsdesk needs on it.
//!
//! `file:///abs/path` (default), `s3://BUCKET[/PREFIX]?endpoint=..&region=..` and `memory://`.
//! Every key is made in [`keys`]; the publish protocol lives in [`publish`], and [`timeline`]
//! is what its garbage collection keeps of each site's generations (for `/at/<when>`).

pub mod fetch_state;
pub mod keys;
pub mod manifest;
pub mod publish;
pub mod timeline;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::aws::{AmazonS3Builder, S3ConditionalPut};
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{
    Attribute, Attributes, BackoffConfig, ClientOptions, GetOptions, ObjectMeta, ObjectStore,
    ObjectStoreExt, PutMode, PutOptions, PutPayload, RetryConfig, UpdateVersion,
};

pub use keys::Key;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("bad store URL {url:?}: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("store {op} {key}: {source}")]
    Backend {
        op: &'static str,
        key: String,
        source: object_store::Error,
    },
    #[error("object {key} is not valid JSON: {source}")]
    Corrupt {
        key: String,
        source: serde_json::Error,
    },
    #[error("{key} is not in the store")]
    Missing { key: String },
    /// A whole operation failed on every attempt.
    #[error(
        "{what} failed {attempts} times; the live site is unchanged and the next run will finish the work: {source}"
    )]
    GaveUp {
        what: String,
        attempts: usize,
        source: Box<StoreError>,
    },
    /// A conditional write lost to a concurrent writer.
    #[error("{key} was changed concurrently")]
    Conflict { key: String },
}

/// Who is opening the store: a fetcher may wait for a slow bucket, a frontend must not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Fetcher,
    Frontend,
}

/// Requests made to the bucket, by kind: what a pass or a poll costs, for logs and benchmarks.
#[derive(Debug, Default)]
pub struct Ops {
    /// GET and HEAD.
    pub reads: AtomicU64,
    pub writes: AtomicU64,
    pub lists: AtomicU64,
    pub deletes: AtomicU64,
}

/// A snapshot of [`Ops`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpCounts {
    pub reads: u64,
    pub writes: u64,
    pub lists: u64,
    pub deletes: u64,
}

impl std::ops::Sub for OpCounts {
    type Output = OpCounts;
    fn sub(self, o: OpCounts) -> OpCounts {
        OpCounts {
            reads: self.reads - o.reads,
            writes: self.writes - o.writes,
            lists: self.lists - o.lists,
            deletes: self.deletes - o.deletes,
        }
    }
}

impl std::fmt::Display for OpCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} reads, {} writes, {} lists, {} deletes",
            self.reads, self.writes, self.lists, self.deletes
        )
    }
}

/// An open bucket. Clones share the connection and the request counters.
#[derive(Clone)]
pub struct Store {
    inner: Arc<dyn ObjectStore>,
    ops: Arc<Ops>,
    /// Whether the store honours `PutMode::Create`/`Update` (S3 with conditional puts, memory).
    conditional: bool,
    /// Whether the store keeps put attributes (LocalFileSystem rejects them).
    attributes: bool,
    url: String,
}

/// What a conditional GET found.
#[derive(Debug)]
pub enum Fetch {
    NotModified,
    NotFound,
    Found { bytes: Bytes, etag: Option<String> },
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({})", self.url)
    }
}

impl Store {
    /// Opens a store URL (see the module docs).
    pub fn open(url: &str, role: Role) -> Result<Store, StoreError> {
        let bad = |reason: &str| StoreError::BadUrl {
            url: url.to_string(),
            reason: reason.to_string(),
        };
        let parsed = url::Url::parse(url).map_err(|e| {
            if url.starts_with('/') {
                bad(&format!("a store is a URL: for a local folder use file://{url}"))
            } else if !url.contains("://") {
                bad(&format!(
                    "{e}: a store is a URL such as file:///abs/path, s3://BUCKET?endpoint=... or memory://"
                ))
            } else {
                bad(&e.to_string())
            }
        })?;
        let (inner, conditional, attributes): (Arc<dyn ObjectStore>, bool, bool) =
            match parsed.scheme() {
                "memory" => (Arc::new(InMemory::new()), true, true),
                "file" => {
                    let path = parsed
                        .to_file_path()
                        .map_err(|_| bad("file:// needs an absolute path"))?;
                    std::fs::create_dir_all(&path)
                        .map_err(|e| bad(&format!("cannot create {}: {e}", path.display())))?;
                    let fs =
                        LocalFileSystem::new_with_prefix(&path).map_err(|e| bad(&e.to_string()))?;
                    (Arc::new(fs.with_automatic_cleanup(true)), false, false)
                }
                "s3" => {
                    let (store, conditional) = open_s3(&parsed, role).map_err(|r| bad(&r))?;
                    (store, conditional, true)
                }
                other => {
                    return Err(bad(&format!(
                        "unsupported scheme {other:?}: use file://, s3:// or memory://"
                    )));
                }
            };
        Ok(Store {
            inner,
            ops: Arc::default(),
            conditional,
            attributes,
            url: url.to_string(),
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Requests made through this store (and its clones) so far.
    pub fn ops(&self) -> OpCounts {
        OpCounts {
            reads: self.ops.reads.load(Relaxed),
            writes: self.ops.writes.load(Relaxed),
            lists: self.ops.lists.load(Relaxed),
            deletes: self.ops.deletes.load(Relaxed),
        }
    }

    fn count(&self, counter: &AtomicU64) {
        counter.fetch_add(1, Relaxed);
    }

    /// Whether writes can be made conditional on what is there (see SCALING.md).
    pub fn supports_conditional_writes(&self) -> bool {
        self.conditional
    }

    /// GET, with `If-None-Match` when an etag is given.
    pub async fn fetch(&self, key: &Key, if_none_match: Option<&str>) -> Result<Fetch, StoreError> {
        let path = key.path();
        let opts = GetOptions {
            if_none_match: if_none_match.map(str::to_string),
            ..Default::default()
        };
        self.count(&self.ops.reads);
        match self.inner.get_opts(&path, opts).await {
            Ok(res) => {
                let etag = res.meta.e_tag.clone();
                let bytes = res.bytes().await.map_err(|e| backend("get", &path, e))?;
                Ok(Fetch::Found { bytes, etag })
            }
            Err(object_store::Error::NotFound { .. }) => Ok(Fetch::NotFound),
            Err(object_store::Error::NotModified { .. }) => Ok(Fetch::NotModified),
            Err(e) => Err(backend("get", &path, e)),
        }
    }

    /// GET of an object by its full key (as named in a manifest); `None` if missing.
    pub async fn fetch_path(&self, key: &str) -> Result<Option<Bytes>, StoreError> {
        let path = Path::from(key);
        self.count(&self.ops.reads);
        match self.inner.get(&path).await {
            Ok(res) => res
                .bytes()
                .await
                .map(Some)
                .map_err(|e| backend("get", &path, e)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(backend("get", &path, e)),
        }
    }

    /// GET of the bytes `range` of an object by its full key; `None` if missing.
    pub async fn fetch_range(
        &self,
        key: &str,
        range: std::ops::Range<u64>,
    ) -> Result<Option<Bytes>, StoreError> {
        let path = Path::from(key);
        self.count(&self.ops.reads);
        match self.inner.get_range(&path, range).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(backend("get", &path, e)),
        }
    }

    /// GET of an object that may be missing.
    pub async fn get(&self, key: &Key) -> Result<Option<Bytes>, StoreError> {
        Ok(self.get_with_etag(key).await?.map(|(b, _)| b))
    }

    pub async fn get_with_etag(
        &self,
        key: &Key,
    ) -> Result<Option<(Bytes, Option<String>)>, StoreError> {
        match self.fetch(key, None).await? {
            Fetch::Found { bytes, etag } => Ok(Some((bytes, etag))),
            _ => Ok(None),
        }
    }

    /// GET and decode a JSON object that may be missing.
    pub async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        key: &Key,
    ) -> Result<Option<T>, StoreError> {
        match self.get(key).await? {
            None => Ok(None),
            Some(bytes) => {
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|source| StoreError::Corrupt {
                        key: key.path().to_string(),
                        source,
                    })
            }
        }
    }

    /// PUT that replaces whatever is there.
    pub async fn put(&self, key: &Key, bytes: Bytes) -> Result<(), StoreError> {
        self.put_mode(key, bytes, PutMode::Overwrite)
            .await
            .map(|_| ())
    }

    /// PUT only if the object does not exist yet; on stores without conditional writes this is
    /// a plain PUT. Returns `Conflict` if someone else created it first.
    pub async fn put_new(&self, key: &Key, bytes: Bytes) -> Result<(), StoreError> {
        let mode = if self.conditional {
            PutMode::Create
        } else {
            PutMode::Overwrite
        };
        self.put_mode(key, bytes, mode).await.map(|_| ())
    }

    /// PUT only if the object still has `etag` (or, with `None`, does not exist); on stores
    /// without conditional writes this is a plain PUT.
    pub async fn put_if(
        &self,
        key: &Key,
        bytes: Bytes,
        etag: Option<&str>,
    ) -> Result<Option<String>, StoreError> {
        let mode = match (self.conditional, etag) {
            (false, _) => PutMode::Overwrite,
            (true, None) => PutMode::Create,
            (true, Some(e)) => PutMode::Update(UpdateVersion {
                e_tag: Some(e.to_string()),
                version: None,
            }),
        };
        self.put_mode(key, bytes, mode).await
    }

    async fn put_mode(
        &self,
        key: &Key,
        bytes: Bytes,
        mode: PutMode,
    ) -> Result<Option<String>, StoreError> {
        let path = key.path();
        let mut attributes = Attributes::new();
        if self.attributes {
            attributes.insert(Attribute::ContentType, key.content_type().into());
            attributes.insert(Attribute::CacheControl, key.cache_control().into());
            if let Some(enc) = key.content_encoding() {
                attributes.insert(Attribute::ContentEncoding, enc.into());
            }
        }
        let opts = PutOptions {
            mode,
            attributes,
            ..Default::default()
        };
        self.count(&self.ops.writes);
        match self
            .inner
            .put_opts(&path, PutPayload::from_bytes(bytes), opts)
            .await
        {
            Ok(r) => Ok(r.e_tag),
            Err(
                object_store::Error::AlreadyExists { .. }
                | object_store::Error::Precondition { .. },
            ) => Err(StoreError::Conflict {
                key: path.to_string(),
            }),
            Err(e) => Err(backend("put", &path, e)),
        }
    }

    pub async fn delete(&self, path: &Path) -> Result<(), StoreError> {
        self.count(&self.ops.deletes);
        match self.inner.delete(path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(backend("delete", path, e)),
        }
    }

    /// When an object was last written, `None` if it is missing.
    pub async fn modified(
        &self,
        path: &Path,
    ) -> Result<Option<chrono::DateTime<chrono::Utc>>, StoreError> {
        self.count(&self.ops.reads);
        match self.inner.head(path).await {
            Ok(meta) => Ok(Some(meta.last_modified)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(backend("head", path, e)),
        }
    }

    pub async fn exists(&self, key: &str) -> Result<bool, StoreError> {
        let path = Path::from(key);
        self.count(&self.ops.reads);
        match self.inner.head(&path).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(backend("head", &path, e)),
        }
    }

    /// Every object under a key prefix (a folder, ending in `/` or not).
    pub async fn list(&self, prefix: &str) -> Result<Vec<ObjectMeta>, StoreError> {
        let path = Path::from(prefix.trim_end_matches('/'));
        self.count(&self.ops.lists);
        self.inner
            .list(Some(&path))
            .try_collect()
            .await
            .map_err(|e| backend("list", &path, e))
    }

    /// The objects below `prefix` whose names end in `suffix`, each with its name between the
    /// two (one listing); any other object below the prefix is left out.
    pub async fn list_names(
        &self,
        prefix: &str,
        suffix: &str,
    ) -> Result<Vec<(String, ObjectMeta)>, StoreError> {
        Ok(self
            .list(prefix)
            .await?
            .into_iter()
            .filter_map(|m| {
                let name = m
                    .location
                    .as_ref()
                    .strip_prefix(prefix)?
                    .strip_suffix(suffix)?
                    .to_string();
                Some((name, m))
            })
            .collect())
    }
}

fn backend(op: &'static str, path: &Path, source: object_store::Error) -> StoreError {
    StoreError::Backend {
        op,
        key: path.to_string(),
        source,
    }
}

/// `s3://BUCKET[/PREFIX]?endpoint=URL&region=R[&conditional_put=disabled]`; credentials from
/// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`.
fn open_s3(url: &url::Url, role: Role) -> Result<(Arc<dyn ObjectStore>, bool), String> {
    let bucket = url
        .host_str()
        .filter(|b| !b.is_empty())
        .ok_or("s3:// needs a bucket name")?;
    // A frontend answers readers: it must give up on a dead bucket in seconds and serve what it
    // has; a fetcher can afford to wait and retry.
    let (timeout, retries, retry_timeout) = match role {
        Role::Frontend => (Duration::from_secs(5), 1, Duration::from_secs(8)),
        Role::Fetcher => (Duration::from_secs(30), 4, Duration::from_secs(90)),
    };
    // Client options first: `with_client_options` replaces them whole, `allow_http` included.
    let options = ClientOptions::new()
        .with_timeout(timeout)
        .with_connect_timeout(Duration::from_secs(3));
    let retry = RetryConfig {
        max_retries: retries,
        retry_timeout,
        backoff: BackoffConfig::default(),
    };
    let mut builder = AmazonS3Builder::from_env()
        .with_client_options(options)
        .with_retry(retry)
        .with_bucket_name(bucket)
        .with_virtual_hosted_style_request(false);
    let mut conditional = true;
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "endpoint" => {
                builder = builder
                    .with_endpoint(v.as_ref())
                    .with_allow_http(v.starts_with("http://"));
            }
            "region" => builder = builder.with_region(v.as_ref()),
            "conditional_put" => match v.as_ref() {
                "etag" => conditional = true,
                "disabled" => conditional = false,
                other => return Err(format!("conditional_put={other:?}: use etag or disabled")),
            },
            other => {
                return Err(format!(
                    "unknown parameter {other:?} (known: endpoint, region, conditional_put)"
                ));
            }
        }
    }
    if !conditional {
        builder = builder.with_conditional_put(S3ConditionalPut::Disabled);
    }
    let s3 = builder.build().map_err(|e| e.to_string())?;
    let prefix = url.path().trim_matches('/');
    let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
        Arc::new(s3)
    } else {
        Arc::new(PrefixStore::new(s3, prefix))
    };
    Ok((store, conditional))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_unknown_schemes_and_params() {
        assert!(
            Store::open("ftp://x", Role::Fetcher)
                .unwrap_err()
                .to_string()
                .contains("unsupported scheme")
        );
        let e = Store::open("s3://b?endpont=http://x", Role::Fetcher)
            .unwrap_err()
            .to_string();
        assert!(e.contains("endpont"), "{e}");
        assert!(Store::open("file://relative/path", Role::Fetcher).is_err());
        let e = Store::open("/srv/bucket", Role::Fetcher)
            .unwrap_err()
            .to_string();
        assert!(e.contains("use file:///srv/bucket"), "{e}");
    }

    #[test]
    fn parses_s3_urls_with_prefix() {
        let s = Store::open(
            "s3://news/prod?endpoint=http://127.0.0.1:3900&region=garage&conditional_put=disabled",
            Role::Frontend,
        )
        .unwrap();
        assert!(!s.supports_conditional_writes());
    }

    #[tokio::test]
    async fn memory_store_honours_conditional_writes() {
        let s = Store::open("memory://", Role::Fetcher).unwrap();
        let k = Key::SiteIndex;
        s.put_new(&k, Bytes::from_static(b"1")).await.unwrap();
        assert!(matches!(
            s.put_new(&k, Bytes::from_static(b"2")).await,
            Err(StoreError::Conflict { .. })
        ));
    }

    #[tokio::test]
    async fn file_store_is_created_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("file://{}/bucket", dir.path().display());
        let s = Store::open(&url, Role::Fetcher).unwrap();
        s.put(&Key::SiteIndex, Bytes::from_static(b"[]"))
            .await
            .unwrap();
        assert_eq!(
            s.get(&Key::SiteIndex).await.unwrap().unwrap(),
            Bytes::from_static(b"[]")
        );
        assert!(s.get(&Key::Manifest("x".into())).await.unwrap().is_none());
    }
}
