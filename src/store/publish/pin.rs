//! Rollback and release. `rollback` makes an older generation's content live again, as a new
//! generation (generations only go forward), and pins the site there: later passes keep
//! fetching and recording new generations but leave the live manifest alone. `release` makes
//! the newest recorded content live and ends the pin. Neither needs the site's config.

use chrono::{DateTime, Utc};

use super::{live_manifest, make_live};
use crate::store::manifest::{Manifest, Pin};
use crate::store::{Key, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum PinError {
    #[error("site {0:?} has never been published in this store")]
    NeverPublished(String),
    #[error(
        "site {site:?} has no generation before the live one ({live}); kept generations: {kept}"
    )]
    NothingBefore { site: String, live: u64, kept: Kept },
    #[error(
        "generation {wanted} of site {site:?} is not kept (see `keep_generations`); kept generations: {kept}"
    )]
    NoSuchGeneration {
        site: String,
        wanted: u64,
        kept: Kept,
    },
    #[error(
        "generation {generation} of site {site:?} cannot be restored: its object {key} was garbage-collected; kept generations: {kept}"
    )]
    Incomplete {
        site: String,
        generation: u64,
        key: String,
        kept: Kept,
    },
    #[error("site {0:?} is not pinned: nothing to release")]
    NotPinned(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The generation numbers a site has records of, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept(pub Vec<u64>);

impl std::fmt::Display for Kept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            return f.write_str("none");
        }
        let list: Vec<String> = self.0.iter().map(u64::to_string).collect();
        f.write_str(&list.join(", "))
    }
}

/// What a rollback or release did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moved {
    /// The generation whose content is now live.
    pub content_of: u64,
    /// The new live generation.
    pub live: u64,
    /// The generation that was live before.
    pub replaced: u64,
}

/// Every generation record of a site, oldest first.
pub async fn generations(store: &Store, site: &str) -> Result<Vec<u64>, StoreError> {
    let mut out: Vec<u64> = store
        .list(&Key::generations_prefix(site))
        .await?
        .iter()
        .filter_map(|m| Key::parse_generation(m.location.as_ref()))
        .collect();
    out.sort_unstable();
    Ok(out)
}

/// The newest generation record that is not itself a rollback: the site's current content,
/// also while it is pinned.
pub async fn newest_record(store: &Store, site: &str) -> Result<Option<Manifest>, StoreError> {
    for g in generations(store, site).await?.into_iter().rev() {
        if let Some(m) = store
            .get_json::<Manifest>(&Key::Generation(site.to_string(), g))
            .await?
            && m.pinned.is_none()
        {
            return Ok(Some(m));
        }
    }
    Ok(None)
}

/// Puts generation `to` (default: the one live before the current one) back live and pins
/// the site there.
pub async fn rollback(
    store: &Store,
    site: &str,
    to: Option<u64>,
    now: DateTime<Utc>,
) -> Result<Moved, PinError> {
    let (live, etag) = live_manifest(store, site)
        .await?
        .ok_or_else(|| PinError::NeverPublished(site.into()))?;
    let kept = || async { generations(store, site).await.map(Kept) };
    let target = match to.or(live.previous) {
        Some(t) => t,
        None => {
            return Err(PinError::NothingBefore {
                site: site.into(),
                live: live.generation,
                kept: kept().await?,
            });
        }
    };
    let Some(mut manifest) = store
        .get_json::<Manifest>(&Key::Generation(site.to_string(), target))
        .await?
    else {
        return Err(PinError::NoSuchGeneration {
            site: site.into(),
            wanted: target,
            kept: kept().await?,
        });
    };
    check_complete(store, &manifest).await?;
    manifest.pinned = Some(Pin {
        to: target,
        at: now,
    });
    make_current(store, manifest, &live, etag.as_deref(), now).await
}

/// Makes the site's newest content live and ends its pin.
pub async fn release(store: &Store, site: &str, now: DateTime<Utc>) -> Result<Moved, PinError> {
    let (live, etag) = live_manifest(store, site)
        .await?
        .ok_or_else(|| PinError::NeverPublished(site.into()))?;
    if live.pinned.is_none() {
        return Err(PinError::NotPinned(site.into()));
    }
    let Some(manifest) = newest_record(store, site).await? else {
        return Err(PinError::NoSuchGeneration {
            site: site.into(),
            wanted: live.previous.unwrap_or(0),
            kept: Kept(generations(store, site).await?),
        });
    };
    check_complete(store, &manifest).await?;
    make_current(store, manifest, &live, etag.as_deref(), now).await
}

/// Makes `manifest`'s content live as a new generation on top of `live`.
async fn make_current(
    store: &Store,
    mut manifest: Manifest,
    live: &Manifest,
    etag: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Moved, PinError> {
    let content_of = manifest.generation;
    manifest.published_at = now;
    manifest.held = false;
    manifest.previous = Some(live.generation);
    make_live(store, &mut manifest, live.generation, etag).await?;
    super::index::set_generation(store, &manifest.site, manifest.generation).await?;
    Ok(Moved {
        content_of,
        live: manifest.generation,
        replaced: live.generation,
    })
}

async fn check_complete(store: &Store, manifest: &Manifest) -> Result<(), PinError> {
    for key in manifest.object_keys() {
        if !store.exists(&key).await? {
            return Err(PinError::Incomplete {
                site: manifest.site.clone(),
                generation: manifest.generation,
                key,
                kept: Kept(generations(store, &manifest.site).await?),
            });
        }
    }
    Ok(())
}
