//! `[[sites]]` and their `[[sites.feeds]]`: what each site shows and where it is served.

use std::collections::HashMap;

use serde::Deserialize;
use url::Url;

use crate::config::error::{KeyPath, Violation};
use crate::config::{HttpUrl, picker, weather};

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
    #[serde(default)]
    pub feeds: Vec<FeedConfig>,
    /// Automatic headlines on a schedule; none without the table.
    pub headlines: Option<picker::HeadlinesConfig>,
    /// The site's default place for the weather strip; `None`: no strip.
    pub weather: Option<weather::Place>,
}

impl SiteConfig {
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

    /// Rules within one site that serde cannot express; `at` is the site's path
    /// (`sites[i]`). Rules between sites are [`crate::config`]'s.
    pub fn check(&self, at: &KeyPath) -> Result<(), Violation> {
        if self.keep_generations == 0 {
            return Err(Violation::new(
                at.key("keep_generations"),
                "must be at least 1",
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
}

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
        Ok(())
    }
}
