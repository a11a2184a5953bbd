//! `[[sites]]` and their `[[sites.feeds]]`: what each site shows and where it is served.

use std::collections::{BTreeMap, HashMap};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;
use url::Url;

use crate::config::error::{KeyPath, Violation};
use crate::config::{HttpUrl, Pattern, picker, weather};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    pub name: SiteName,
    pub title: String,
    #[serde(default)]
    pub hosts: Vec<String>,
    /// The site's canonical base URL (scheme and host, no path), for the absolute links of
    /// `/rss`, `/feed.json` and `/sitemap.xml`; defaults to `https://<first host>/`.
    pub url: Option<HttpUrl>,
    /// Generations kept for rollback before garbage collection may remove them.
    #[serde(default = "default_keep_generations")]
    pub keep_generations: usize,
    /// Objects no kept generation names are deleted only once they are this old.
    #[serde(default = "default_gc_grace_secs")]
    pub gc_grace_secs: u64,
    /// Days of the past a reader can go back to: one generation per day is kept that long for
    /// `/at/<date>`, and search covers the entries shown in that time. At least 1 (today).
    #[serde(default = "default_archive_days")]
    pub archive_days: u32,
    /// Show a story its sources share once: in the box of the source that had it first, the
    /// others marked as covered (see `crate::render::stories`).
    #[serde(default = "default_group_stories")]
    pub group_stories: bool,
    #[serde(default)]
    pub feeds: Vec<FeedConfig>,
    /// Automatic headlines on a schedule; none without the table.
    pub headlines: Option<picker::HeadlinesConfig>,
    /// The site's default place for the weather strip; `None`: no strip.
    pub weather: Option<weather::Place>,
    /// Entries of any of the site's feeds whose title or link this matches are not shown
    /// (see [`SiteConfig::shows`]).
    pub drop: Option<Pattern>,
    /// Thumbnails for the entries of every feed of the site whose own `images` says nothing.
    #[serde(default)]
    pub images: bool,
}

impl SiteConfig {
    /// Whether the site shows thumbnails for `feed`'s entries: the feed's `images`, else the
    /// site's. A feed listed by several sites is copied from when any of them wants images.
    pub fn images(&self, feed: &FeedConfig) -> bool {
        feed.images.unwrap_or(self.images)
    }

    /// The canonical base URL, ending in `/`: `url`, else `https://<first host>/`, else
    /// `http://localhost/` (a site without hosts is only reached as the default site).
    pub fn base_url(&self) -> Url {
        if let Some(url) = &self.url {
            return url.url().clone();
        }
        self.hosts
            .first()
            .and_then(|h| Url::parse(&format!("https://{h}/")).ok())
            .unwrap_or_else(|| Url::parse("http://localhost/").expect("valid URL"))
    }

    /// Whether this site shows an entry of `feed` with this `title` and `link`: when the feed
    /// has a `keep` rule it matches the title or the link, and neither the feed's `drop` nor
    /// the site's matches either. Patterns match anywhere in the text, case-sensitively unless
    /// they start with `(?i)`.
    ///
    /// Rules apply where a site is made from its feeds — its pages, `/rss`, `/feed.json`,
    /// `/api/headlines` and the candidates of its headline picker — and not when a feed is
    /// fetched: a feed's stored history is shared by every site (and every config sharing the
    /// bucket) that lists it, so two sites can filter one feed differently, and a rule changed
    /// or removed applies at the next pass to the entries already stored, without a fetch.
    /// The site's inputs digest covers the rules (its config's debug form), so a changed rule
    /// renders the site again.
    pub fn shows(&self, feed: &FeedConfig, title: &str, link: Option<&str>) -> bool {
        let matches = |p: &Pattern| p.is_match(title) || link.is_some_and(|l| p.is_match(l));
        feed.keep.as_ref().is_none_or(matches)
            && !feed.drop.as_ref().is_some_and(matches)
            && !self.drop.as_ref().is_some_and(matches)
    }

    /// Rules within one site that serde cannot express; `at` is the site's path
    /// (`sites[i]`). Rules between sites are [`crate::config`]'s.
    pub fn check(&self, at: &KeyPath) -> Result<(), Violation> {
        if self.keep_generations == 0 {
            return Err(Violation::new(
                at.key("keep_generations"),
                "must be at least 1",
            ));
        }
        if self.archive_days == 0 {
            return Err(Violation::new(
                at.key("archive_days"),
                "must be at least 1 (1 keeps only today's page)",
            ));
        }
        if let Some(url) = &self.url {
            let u = url.url();
            if u.path() != "/" || u.query().is_some() || u.fragment().is_some() {
                return Err(Violation::new(
                    at.key("url"),
                    "must be a scheme and host only, like \"https://news.example\" (the frontend serves the site at the root)",
                ));
            }
        }
        // Two boxes for one feed would share their HTML ids (made from the URL). Sharing a feed
        // with other sites is fine.
        let mut urls: HashMap<&str, usize> = HashMap::new();
        for (j, feed) in self.feeds.iter().enumerate() {
            let here = at.key("feeds").index(j);
            if let Some(first) = urls.insert(feed.url.as_str(), j) {
                return Err(Violation::new(
                    here.key("url"),
                    format!(
                        "{:?} is already a feed of this site ({})",
                        crate::address::shown_url(feed.url.as_str()),
                        at.key("feeds").index(first).key("url")
                    ),
                ));
            }
            feed.check(&here)?;
        }
        if let Some(headlines) = &self.headlines {
            headlines.check(&at.key("headlines"))?;
        }
        if let Some(place) = &self.weather {
            place.check(&at.key("weather"))?;
        }
        Ok(())
    }
}

fn default_keep_generations() -> usize {
    10
}

fn default_archive_days() -> u32 {
    365
}

fn default_group_stories() -> bool {
    true
}

fn default_gc_grace_secs() -> u64 {
    86_400
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    pub url: HttpUrl,
    /// Shown instead of the feed's own title.
    pub title: Option<String>,
    /// Where the box title links; defaults to the feed's own link.
    pub site_url: Option<HttpUrl>,
    pub logo: Option<HttpUrl>,
    /// Entries kept for this feed (default: `[fetch] history`).
    pub history: Option<usize>,
    /// The `User-Agent` of this feed's requests, instead of `[fetch] user_agent`.
    pub user_agent: Option<String>,
    /// Headers added to this feed's requests, as written; a value `env:NAME` is read from the
    /// environment when the config is loaded. What they resolve to is [`FeedConfig::request`].
    #[serde(default)]
    pub headers: HeaderSpecs,
    /// Only entries whose title or link this matches are shown (see [`SiteConfig::shows`]).
    pub keep: Option<Pattern>,
    /// Entries whose title or link this matches are not shown (see [`SiteConfig::shows`]).
    pub drop: Option<Pattern>,
    /// The URL is an HTML page, read with these selectors instead of as a feed.
    pub scrape: Option<super::scrape::ScrapeConfig>,
    /// Thumbnails for this feed's entries (copied by the fetcher); default: the site's `images`.
    pub images: Option<bool>,
    /// `user_agent` and `headers` resolved: filled in by [`crate::config::parse`], which
    /// refuses a feed that several sites ask for differently (it is fetched once).
    #[serde(skip)]
    pub request: FeedRequest,
}

/// The `headers` table of a feed as written: header name → value or `env:NAME`. Its debug form
/// names the headers only (a value may be a secret).
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct HeaderSpecs(pub BTreeMap<String, String>);

impl std::fmt::Debug for HeaderSpecs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// What a feed's requests carry besides the fetcher's own headers (`Accept`, the conditional
/// GET's validators): its `User-Agent`, if it has its own, and its extra headers, their values
/// marked sensitive. The debug form names the headers only.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct FeedRequest {
    pub user_agent: Option<HeaderValue>,
    pub headers: HeaderMap,
}

impl std::fmt::Debug for FeedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeedRequest")
            .field("user_agent", &self.user_agent)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Headers a feed may not set: the fetcher's own (`User-Agent` has its key), those of the
/// conditional GET, the connection's, and `Accept-Encoding` (the client decompresses what it
/// asked for).
const RESERVED_HEADERS: [&str; 15] = [
    "user-agent",
    "host",
    "if-none-match",
    "if-modified-since",
    "if-match",
    "if-unmodified-since",
    "if-range",
    "accept-encoding",
    "connection",
    "content-length",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "keep-alive",
];

/// A site name: lowercase letters, digits and `-`, used in store keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct SiteName(String);

impl SiteName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for SiteName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SiteName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(SiteName(s))
        } else {
            Err(serde::de::Error::custom(format!(
                "site name {s:?} must be 1-64 characters of a-z, 0-9 and -"
            )))
        }
    }
}

impl FeedConfig {
    /// `at` is the feed's path (`sites[i].feeds[j]`).
    pub fn check(&self, at: &KeyPath) -> Result<(), Violation> {
        if self.history == Some(0) {
            return Err(Violation::new(at.key("history"), "must be at least 1"));
        }
        if let Some(scrape) = &self.scrape {
            scrape.check(&at.key("scrape"))?;
        }
        Ok(())
    }

    /// Resolves `user_agent` and `headers` into [`FeedConfig::request`], reading `env:` values
    /// through `env`. A bad name or value, or a variable that is not set, is a violation at
    /// its key; no message quotes a header's value.
    pub fn resolve(
        &mut self,
        at: &KeyPath,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(), Violation> {
        let mut request = FeedRequest::default();
        if let Some(agent) = &self.user_agent {
            let value = HeaderValue::from_str(agent.trim())
                .ok()
                .filter(|v| !v.is_empty())
                .ok_or_else(|| {
                    Violation::new(
                        at.key("user_agent"),
                        "must be a non-empty header value: visible ASCII and spaces",
                    )
                })?;
            request.user_agent = Some(value);
        }
        // Header name (lowercase) -> how it is written, for two spellings of one header.
        let mut seen: HashMap<HeaderName, &str> = HashMap::new();
        for (name, written) in &self.headers.0 {
            let here = at.key("headers").key(name);
            let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                Violation::new(
                    here.clone(),
                    format!("{name:?} is not a header name (letters, digits and !#$%&'*+-.^_`|~)"),
                )
            })?;
            if RESERVED_HEADERS.contains(&header.as_str()) {
                let why = if header == reqwest::header::USER_AGENT {
                    "set it with the feed's user_agent key"
                } else {
                    "the fetcher sets it itself"
                };
                return Err(Violation::new(
                    here,
                    format!("{name:?} cannot be set: {why}"),
                ));
            }
            if let Some(first) = seen.insert(header.clone(), name) {
                return Err(Violation::new(
                    here,
                    format!("{name:?} is the same header as {first:?} (names ignore case)"),
                ));
            }
            let mut value = match written.strip_prefix("env:") {
                Some(var) => env_header(var, env).map_err(|m| Violation::new(here.clone(), m))?,
                None => HeaderValue::from_str(written).map_err(|_| {
                    Violation::new(
                        here.clone(),
                        "is not a valid header value: visible ASCII, spaces and tabs only",
                    )
                })?,
            };
            value.set_sensitive(true);
            request.headers.insert(header, value);
        }
        self.request = request;
        Ok(())
    }
}

/// The header value in environment variable `var` (`env:` stripped); the error says why not,
/// never with the value.
fn env_header(var: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<HeaderValue, String> {
    let valid_name = !var.is_empty()
        && !var.starts_with(|c: char| c.is_ascii_digit())
        && var.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !valid_name {
        return Err(format!(
            "env:{var} does not name an environment variable (letters, digits and _)"
        ));
    }
    let value = env(var).ok_or_else(|| format!("environment variable {var} is not set"))?;
    if value.trim().is_empty() {
        return Err(format!("environment variable {var} is empty"));
    }
    HeaderValue::from_str(value.trim()).map_err(|_| {
        format!("environment variable {var} does not hold a valid header value (visible ASCII, spaces and tabs only)")
    })
}
