//! Every object key newsdesk reads or writes, with its content type and cache policy.
//!
//! ```text
//! sites.json                                  the site index: names and hosts (frontends read it)
//! sites/<site>/manifest.json                  the live generation: the only object rewritten in place
//! sites/<site>/generations/<gen>.json         every published manifest, kept for rollback
//! sites/<site>/blobs/<sha256>.<ext>[.br|.gz]  pages, fragments, JSON: immutable, content-addressed
//! sites/<site>/timeline.json                  when each kept generation was published (GC keeps it)
//! assets/<name>.<sha256>.<ext>[.br|.gz]       CSS/JS/images: immutable, shared by all sites
//! sites/<site>/search/<sha256>.terms|.json   search segments (terms part, documents part):
//!                                             immutable, named by the generation's search.json,
//!                                             kept by their own retention (crate::search)
//! state/feeds/<feed-id>.json                  one feed's entries: rewritten only when they change
//! state/fetch/<deployment>/<shard>.json       validators, schedule and health of one deployment's
//!                                             share of the feeds, and the digest each site was
//!                                             last published from (what a pass reads first)
//! state/headlines.json                       when each site last picked its headlines, image copies
//! removed/<site>.json                         a site taken out of the index, deleted after its grace
//! weather/index.json                          the fetcher's weather cells: fetch times, backoff
//! weather/cells/<cell>.json                   one grid cell's forecast, fetch time and last error
//! weather/wanted/<cell>                       a cell a reader asked for (the only key frontends write)
//! admin/index.json                            every site's current headline block and archive
//!                                             version, and the admin sessions' not-before time:
//!                                             the one admin object frontends poll
//! admin/_session-key.json                     the secret admin sessions are signed with (unless
//!                                             NEWSDESK_SESSION_KEY is set); never served
//! admin/<site>/headlines/<version>.json       one immutable version of the headline block
//! admin/<site>/archive/<version>.json         one immutable batch of archive additions/deletions
//! admin/<site>/archive/snapshots/<through>.json  the archive folded up to a batch (a shortcut)
//! admin/_refresh/<site>/<feed-id>.json        an admin's request to fetch a feed on the next pass
//!                                             (one prefix for every site: one listing a pass)
//! ```
//!
//! Everything admins write is below `admin/`: a frontend with the web admin on needs write
//! access there and nowhere else.

use object_store::path::Path;

pub const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";
pub const CACHE_MUTABLE: &str = "no-cache";

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    SiteIndex,
    Manifest(String),
    Generation(String, u64),
    /// A site's timeline ([`crate::store::timeline`]).
    Timeline(String),
    /// `name` is `<hash>.<ext>` with an optional `.br`/`.gz` suffix.
    Blob {
        site: String,
        name: String,
    },
    /// `name` is the hashed file name, with an optional `.br`/`.gz` suffix.
    Asset(String),
    /// A search segment's part: `name` is `<hash>.terms` or `<hash>.json`.
    SearchPart {
        site: String,
        name: String,
    },
    FeedContent(String),
    /// `deployment/shard`, e.g. `3f2a9c1d/0-of-1`.
    FetchState(String),
    Tombstone(String),
    /// `state/headlines.json`: the fetcher's scheduled picks and headline image copies.
    HeadlineState,
    /// The weather cells the fetcher keeps, read by frontends to know which cells exist.
    WeatherIndex,
    /// A cell id (see `crate::weather::Cell`).
    WeatherCell(String),
    /// A cell a frontend asked the fetcher for.
    WeatherWanted(String),
    /// `admin/index.json`.
    AdminIndex,
    /// `admin/_session-key.json`.
    AdminSessionKey,
    /// A version of a site's headline block.
    BlockVersion {
        site: String,
        version: String,
    },
    /// A batch of changes to a site's headline archive.
    ArchiveBatch {
        site: String,
        version: String,
    },
    /// A site's archive folded up to and including batch `through`.
    ArchiveSnapshot {
        site: String,
        through: String,
    },
    /// A request to fetch a feed of a site on the next pass.
    RefreshRequest {
        site: String,
        feed: String,
    },
}

impl Key {
    pub fn path(&self) -> Path {
        Path::from(self.to_string())
    }

    pub fn generations_prefix(site: &str) -> String {
        format!("sites/{site}/generations/")
    }

    pub fn blobs_prefix(site: &str) -> String {
        format!("sites/{site}/blobs/")
    }

    /// A site's search segments (see `crate::search`): outside `blobs/`, so the generations'
    /// garbage collection leaves them to the search index's own retention.
    pub fn search_prefix(site: &str) -> String {
        format!("sites/{site}/search/")
    }

    /// Everything a site has in the bucket.
    pub fn site_prefix(site: &str) -> String {
        format!("sites/{site}/")
    }

    pub const FETCH_STATE_PREFIX: &'static str = "state/fetch/";
    pub const TOMBSTONES_PREFIX: &'static str = "removed/";
    pub const WEATHER_CELLS_PREFIX: &'static str = "weather/cells/";
    /// Frontends need write access here and nowhere else.
    pub const WEATHER_WANTED_PREFIX: &'static str = "weather/wanted/";

    pub const ADMIN_PREFIX: &'static str = "admin/";

    /// The versions of a site's headline block.
    pub fn block_versions_prefix(site: &str) -> String {
        format!("admin/{site}/headlines/")
    }

    /// The batches of a site's headline archive, snapshots included (under `snapshots/`).
    pub fn archive_prefix(site: &str) -> String {
        format!("admin/{site}/archive/")
    }

    pub fn archive_snapshots_prefix(site: &str) -> String {
        format!("admin/{site}/archive/snapshots/")
    }

    /// Every site's refresh requests (`_` cannot start a site name, so no site's files are
    /// under it).
    pub const REFRESH_PREFIX: &'static str = "admin/_refresh/";

    pub fn refresh_prefix(site: &str) -> String {
        format!("{}{site}/", Key::REFRESH_PREFIX)
    }

    /// The generation number of a `generations/` key, if it is one.
    pub fn parse_generation(path: &str) -> Option<u64> {
        path.rsplit('/').next()?.strip_suffix(".json")?.parse().ok()
    }

    fn file_name(&self) -> &str {
        match self {
            Key::Blob { name, .. } | Key::Asset(name) | Key::SearchPart { name, .. } => name,
            _ => "x.json",
        }
    }

    pub fn content_encoding(&self) -> Option<&'static str> {
        let name = self.file_name();
        if name.ends_with(".br") {
            Some("br")
        } else if name.ends_with(".gz") {
            Some("gzip")
        } else {
            None
        }
    }

    pub fn content_type(&self) -> &'static str {
        let name = self.file_name();
        let name = name
            .strip_suffix(".br")
            .or_else(|| name.strip_suffix(".gz"))
            .unwrap_or(name);
        content_type_for(name)
    }

    pub fn cache_control(&self) -> &'static str {
        match self {
            Key::Blob { .. }
            | Key::Asset(_)
            | Key::SearchPart { .. }
            | Key::Generation(..)
            | Key::BlockVersion { .. }
            | Key::ArchiveBatch { .. }
            | Key::ArchiveSnapshot { .. } => CACHE_IMMUTABLE,
            _ => CACHE_MUTABLE,
        }
    }
}

/// The Content-Type for a file name, by extension.
pub fn content_type_for(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        // JSON Feed (https://www.jsonfeed.org/version/1.1/): `/feed.json` is published as `.jsonfeed`.
        "jsonfeed" => "application/feed+json",
        "rss" => "application/rss+xml; charset=utf-8",
        "xml" => "application/xml; charset=utf-8",
        "webp" => "image/webp",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Key::SiteIndex => write!(f, "sites.json"),
            Key::Manifest(site) => write!(f, "sites/{site}/manifest.json"),
            Key::Generation(site, g) => write!(f, "sites/{site}/generations/{g:012}.json"),
            Key::Timeline(site) => write!(f, "sites/{site}/timeline.json"),
            Key::Blob { site, name } => write!(f, "sites/{site}/blobs/{name}"),
            Key::Asset(name) => write!(f, "assets/{name}"),
            Key::SearchPart { site, name } => write!(f, "sites/{site}/search/{name}"),
            Key::FeedContent(id) => write!(f, "state/feeds/{id}.json"),
            Key::FetchState(label) => write!(f, "state/fetch/{label}.json"),
            Key::Tombstone(site) => write!(f, "removed/{site}.json"),
            Key::HeadlineState => write!(f, "state/headlines.json"),
            Key::WeatherIndex => write!(f, "weather/index.json"),
            Key::WeatherCell(cell) => write!(f, "weather/cells/{cell}.json"),
            Key::WeatherWanted(cell) => write!(f, "weather/wanted/{cell}"),
            Key::AdminIndex => write!(f, "admin/index.json"),
            Key::AdminSessionKey => write!(f, "admin/_session-key.json"),
            Key::BlockVersion { site, version } => {
                write!(f, "admin/{site}/headlines/{version}.json")
            }
            Key::ArchiveBatch { site, version } => write!(f, "admin/{site}/archive/{version}.json"),
            Key::ArchiveSnapshot { site, through } => {
                write!(f, "admin/{site}/archive/snapshots/{through}.json")
            }
            Key::RefreshRequest { site, feed } => {
                write!(f, "{}{site}/{feed}.json", Key::REFRESH_PREFIX)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_know_their_type_and_policy() {
        let page = Key::Blob {
            site: "linux".into(),
            name: "ab12.html.br".into(),
        };
        assert_eq!(page.to_string(), "sites/linux/blobs/ab12.html.br");
        assert_eq!(page.content_type(), "text/html; charset=utf-8");
        assert_eq!(page.content_encoding(), Some("br"));
        assert_eq!(page.cache_control(), CACHE_IMMUTABLE);
        assert_eq!(Key::Manifest("linux".into()).cache_control(), CACHE_MUTABLE);
        assert_eq!(
            Key::Asset("style.0123456789.css".into()).content_type(),
            "text/css; charset=utf-8"
        );
        assert_eq!(content_type_for("ab.jsonfeed"), "application/feed+json");
        assert_eq!(
            content_type_for("ab.rss"),
            "application/rss+xml; charset=utf-8"
        );
    }

    #[test]
    fn generation_keys_sort_and_parse() {
        let a = Key::Generation("s".into(), 9).to_string();
        let b = Key::Generation("s".into(), 10).to_string();
        assert!(a < b, "zero-padded so listing order is generation order");
        assert_eq!(Key::parse_generation(&b), Some(10));
        assert_eq!(Key::parse_generation("sites/s/generations/junk"), None);
    }

    #[test]
    fn admin_keys_live_below_admin_and_versions_are_immutable() {
        let v = Key::BlockVersion {
            site: "linux".into(),
            version: "20261123T101500.123Z-0a1b2c3d".into(),
        };
        assert_eq!(
            v.to_string(),
            "admin/linux/headlines/20261123T101500.123Z-0a1b2c3d.json"
        );
        assert_eq!(v.content_type(), "application/json");
        assert_eq!(v.cache_control(), CACHE_IMMUTABLE);
        assert!(
            v.to_string()
                .starts_with(&Key::block_versions_prefix("linux"))
        );
        assert_eq!(Key::AdminIndex.cache_control(), CACHE_MUTABLE);
        for k in [
            Key::AdminIndex,
            v,
            Key::ArchiveSnapshot {
                site: "linux".into(),
                through: "x".into(),
            },
            Key::RefreshRequest {
                site: "linux".into(),
                feed: "0123456789abcdef".into(),
            },
        ] {
            assert!(k.to_string().starts_with(Key::ADMIN_PREFIX), "{k}");
        }
    }
}
