//! Forced refreshes: an admin asks for a feed to be fetched on the fetcher's next pass,
//! whatever its schedule, by writing `admin/_refresh/<site>/<feed id>.json`. The fetcher lists
//! every site's requests at once (one listing a pass, whatever the number of sites), fetches
//! those feeds and deletes the requests.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::store::{Key, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub requested_at: DateTime<Utc>,
    pub by: String,
}

/// Whether `id` has the form of a feed id (see [`crate::model::feed_id`]).
pub fn is_feed_id(id: &str) -> bool {
    id.len() == 16
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Asks for feed `feed` of `site` to be fetched on the next pass.
pub async fn request(
    store: &Store,
    site: &str,
    feed: &str,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let req = Request {
        requested_at: now,
        by: by.to_string(),
    };
    store
        .put(
            &Key::RefreshRequest {
                site: site.to_string(),
                feed: feed.to_string(),
            },
            Bytes::from(serde_json::to_vec(&req).expect("plain data serializes")),
        )
        .await
}

/// The feed ids `site` has refresh requests for, with when each was asked: one listing.
pub async fn pending(
    store: &Store,
    site: &str,
) -> Result<Vec<(String, DateTime<Utc>)>, StoreError> {
    let prefix = Key::refresh_prefix(site);
    Ok(store
        .list_names(&prefix, ".json")
        .await?
        .into_iter()
        .filter(|(id, _)| is_feed_id(id))
        .map(|(id, m)| (id, m.last_modified))
        .collect())
}

/// The request for `feed` of `site` is honoured (or moot): deletes it.
pub async fn done(store: &Store, site: &str, feed: &str) -> Result<(), StoreError> {
    store
        .delete(
            &Key::RefreshRequest {
                site: site.to_string(),
                feed: feed.to_string(),
            }
            .path(),
        )
        .await
}

/// The refresh requests of the sites a pass covers, by feed URL.
#[derive(Debug, Default)]
pub struct Requested {
    by_url: std::collections::HashMap<String, Vec<(String, String)>>,
}

impl Requested {
    pub fn contains(&self, url: &str) -> bool {
        self.by_url.contains_key(url)
    }

    /// Deletes the requests for the feeds `fetched` says were fetched.
    pub async fn done(
        &self,
        store: &Store,
        fetched: impl Fn(&str) -> bool,
    ) -> Result<(), StoreError> {
        for (url, requests) in &self.by_url {
            if fetched(url) {
                for (site, feed) in requests {
                    tracing::info!(site, feed_url = %crate::address::shown_url(url), "fetched on an admin's request");
                    done(store, site, feed).await?;
                }
            }
        }
        Ok(())
    }
}

/// The refresh requests of `sites`, from one listing; a request naming no feed of its site
/// (one removed from the config since) is deleted. Requests for other deployments' sites are
/// left to them.
pub async fn requested(
    store: &Store,
    sites: &[&crate::config::SiteConfig],
) -> Result<Requested, StoreError> {
    let mut out = Requested::default();
    for (path, _) in store.list_names(Key::REFRESH_PREFIX, ".json").await? {
        let Some((name, feed)) = path.split_once('/') else {
            continue;
        };
        let Some(site) = sites.iter().find(|s| s.name.as_str() == name) else {
            continue;
        };
        if !is_feed_id(feed) {
            continue;
        }
        match site
            .feeds
            .iter()
            .find(|f| crate::model::feed_id(f.url.as_str()) == feed)
        {
            Some(f) => out
                .by_url
                .entry(f.url.as_str().to_string())
                .or_default()
                .push((name.to_string(), feed.to_string())),
            None => done(store, name, feed).await?,
        }
    }
    Ok(out)
}
