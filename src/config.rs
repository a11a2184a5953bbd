//! The one TOML config file: `[fetch]` settings and `[[sites]]` with their feeds.
//!
//! [`parse`] is pure (tests call it with a string); [`from_file`] only adds the read.
//! Unknown keys and bad values are errors that name the key and the line.

use std::path::Path;

use serde::Deserialize;
use url::Url;

/// The embedded default config: real feeds, used when no `--config` is given.
pub const DEFAULT_CONFIG: &str = include_str!("../sites/default.toml");

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("config {origin}: {message}")]
    Invalid { origin: String, message: String },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub fetch: FetchConfig,
    /// Weather provider and limits; `None`: no weather at all.
    pub weather: Option<crate::weather::config::WeatherConfig>,
    pub sites: Vec<SiteConfig>,
}

/// How the fetcher talks to feed servers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FetchConfig {
    /// Lets feeds live on loopback/private/link-local addresses (tests, intranets).
    pub allow_private_networks: bool,
    pub user_agent: String,
    pub connect_timeout_secs: u64,
    pub timeout_secs: u64,
    /// Cap on a feed body, counted after decompression.
    pub max_body_bytes: u64,
    pub max_redirects: usize,
    /// Feeds fetched at once, over all hosts.
    pub concurrency: usize,
    /// Feeds fetched at once from one host.
    pub per_host: usize,
    /// Bounds of the adaptive per-feed interval.
    pub min_interval_secs: u64,
    pub max_interval_secs: u64,
    /// Entries kept per feed unless the feed says otherwise.
    pub history: usize,
    /// When `newsdesk-fetcher run` starts a pass (cron: sec min hour day month weekday [year]).
    pub schedule: CronSchedule,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            allow_private_networks: false,
            user_agent: concat!("newsdesk/", env!("CARGO_PKG_VERSION"), " (feed aggregator)")
                .into(),
            connect_timeout_secs: 10,
            timeout_secs: 30,
            max_body_bytes: 10 * 1024 * 1024,
            max_redirects: 5,
            concurrency: 32,
            per_host: 2,
            min_interval_secs: 15 * 60,
            max_interval_secs: 12 * 3600,
            history: 40,
            schedule: CronSchedule::parse("0 */5 * * * *").expect("valid default"),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    pub name: SiteName,
    pub title: String,
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Generations kept for rollback before garbage collection may remove them.
    #[serde(default = "default_keep_generations")]
    pub keep_generations: usize,
    /// Objects no kept generation names are deleted only once they are this old.
    #[serde(default = "default_gc_grace_secs")]
    pub gc_grace_secs: u64,
    #[serde(default)]
    pub feeds: Vec<FeedConfig>,
    /// The site's default place for the weather strip; `None`: no strip.
    pub weather: Option<crate::weather::config::Place>,
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

/// An absolute `http` or `https` URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HttpUrl(Url);

impl HttpUrl {
    pub fn parse(s: &str) -> Result<Self, String> {
        let url = Url::parse(s).map_err(|e| format!("{s:?} is not a URL: {e}"))?;
        match url.scheme() {
            "http" | "https" if url.host().is_some() => Ok(HttpUrl(url)),
            _ => Err(format!("{s:?} must be an http:// or https:// URL")),
        }
    }
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
    pub fn url(&self) -> &Url {
        &self.0
    }
}

impl<'de> Deserialize<'de> for HttpUrl {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        HttpUrl::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A cron schedule in the `cron` crate's syntax (6 or 7 fields, seconds first).
#[derive(Debug, Clone)]
pub struct CronSchedule(pub cron::Schedule);

impl CronSchedule {
    pub fn parse(s: &str) -> Result<Self, String> {
        use std::str::FromStr;
        cron::Schedule::from_str(s).map(CronSchedule).map_err(|e| {
            format!("{s:?} is not a cron schedule ({e}); use 6 or 7 fields: sec min hour day month weekday [year]")
        })
    }
}

impl<'de> Deserialize<'de> for CronSchedule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        CronSchedule::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// Parses and validates a config; `origin` names the file in messages.
pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
    let invalid = |message: String| ConfigError::Invalid {
        origin: origin.to_string(),
        message,
    };
    let config: Config = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
    validate(&config, text).map_err(invalid)?;
    Ok(config)
}

/// Reads and parses a config file.
pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
        path: path.display().to_string(),
        source,
    })?;
    parse(&text, &path.display().to_string())
}

/// Checks that span several keys; each message names the key and its line.
fn validate(config: &Config, text: &str) -> Result<(), String> {
    if config.sites.is_empty() {
        return Err("`sites`: at least one [[sites]] table is required".into());
    }
    let f = &config.fetch;
    let positive = [
        ("fetch.timeout_secs", f.timeout_secs),
        ("fetch.connect_timeout_secs", f.connect_timeout_secs),
        ("fetch.max_body_bytes", f.max_body_bytes),
        ("fetch.concurrency", f.concurrency as u64),
        ("fetch.per_host", f.per_host as u64),
        ("fetch.history", f.history as u64),
        ("fetch.min_interval_secs", f.min_interval_secs),
    ];
    for (key, value) in positive {
        if value == 0 {
            let leaf = key.rsplit('.').next().unwrap_or(key);
            return Err(format!(
                "`{key}` must be greater than 0{}",
                line_of(text, leaf)
            ));
        }
    }
    if f.max_interval_secs < f.min_interval_secs {
        return Err(format!(
            "`fetch.max_interval_secs` must not be below `fetch.min_interval_secs`{}",
            line_of(text, "max_interval_secs")
        ));
    }
    let mut names = std::collections::HashSet::new();
    for (i, site) in config.sites.iter().enumerate() {
        if !names.insert(site.name.as_str()) {
            let needle = format!("\"{}\"", site.name);
            return Err(format!(
                "`sites[{i}].name`: duplicate site name {:?}{}",
                site.name.as_str(),
                line_of(text, &needle)
            ));
        }
        if site.keep_generations == 0 {
            return Err(format!(
                "`sites[{i}].keep_generations` must be at least 1{}",
                line_of(text, "keep_generations")
            ));
        }
        for (j, feed) in site.feeds.iter().enumerate() {
            if feed.history == Some(0) {
                return Err(format!(
                    "`sites[{i}].feeds[{j}].history` must be at least 1{}",
                    line_of(text, "history")
                ));
            }
        }
    }
    crate::weather::config::validate(config, |needle| line_of(text, needle))?;
    Ok(())
}

/// " at line N" for the first line containing `needle`, for errors found after parsing.
fn line_of(text: &str, needle: &str) -> String {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|n| format!(" (line {})", n + 1))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
[[sites]]
name = "linux"
title = "Linux Report"
hosts = ["linuxreport.example"]

[[sites.feeds]]
url = "https://lwn.net/headlines/rss"
title = "LWN"
"#;

    fn err(text: &str) -> String {
        parse(text, "test.toml").unwrap_err().to_string()
    }

    #[test]
    fn parses_minimal_config_with_defaults() {
        let c = parse(MINIMAL, "test.toml").unwrap();
        assert!(!c.fetch.allow_private_networks);
        assert_eq!(c.fetch.max_redirects, 5);
        assert_eq!(c.sites[0].name.as_str(), "linux");
        assert_eq!(
            c.sites[0].feeds[0].url.as_str(),
            "https://lwn.net/headlines/rss"
        );
        assert_eq!(c.sites[0].feeds[0].title.as_deref(), Some("LWN"));
    }

    #[test]
    fn embedded_default_config_is_valid() {
        let c = parse(DEFAULT_CONFIG, "default").unwrap();
        assert!(c.sites[0].feeds.len() >= 6);
    }

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let e = err(&MINIMAL.replace("title = \"LWN\"", "titel = \"LWN\""));
        assert!(e.contains("titel"), "{e}");
        assert!(e.contains("line 9"), "{e}");
    }

    #[test]
    fn unknown_fetch_key_is_named() {
        let e = err(&format!("[fetch]\nallow_private = true\n{MINIMAL}"));
        assert!(e.contains("allow_private") && e.contains("line 2"), "{e}");
    }

    #[test]
    fn non_http_feed_url_is_refused_with_line() {
        let e = err(&MINIMAL.replace("https://lwn.net/headlines/rss", "file:///etc/passwd"));
        assert!(e.contains("http:// or https://"), "{e}");
        assert!(e.contains("line 8"), "{e}");
    }

    #[test]
    fn bad_value_type_names_key() {
        let e = err(&format!("[fetch]\ntimeout_secs = \"soon\"\n{MINIMAL}"));
        assert!(e.contains("timeout_secs") && e.contains("line 2"), "{e}");
    }

    #[test]
    fn duplicate_site_names_are_refused() {
        let e = err(&format!(
            "{MINIMAL}\n[[sites]]\nname = \"linux\"\ntitle = \"Again\"\n"
        ));
        assert!(e.contains("duplicate site name"), "{e}");
    }

    #[test]
    fn bad_site_name_is_refused() {
        let e = err(&MINIMAL.replace("name = \"linux\"", "name = \"../etc\""));
        assert!(e.contains("site name") && e.contains("line 3"), "{e}");
    }

    #[test]
    fn zero_timeout_is_refused_with_line() {
        let e = err(&format!("[fetch]\ntimeout_secs = 0\n{MINIMAL}"));
        assert!(
            e.contains("fetch.timeout_secs") && e.contains("line 2"),
            "{e}"
        );
    }

    #[test]
    fn bad_cron_schedule_is_named_with_line() {
        let e = err(&format!("[fetch]\nschedule = \"*/5 * * * *\"\n{MINIMAL}"));
        assert!(e.contains("cron schedule") && e.contains("line 2"), "{e}");
        let ok = parse(
            &format!("[fetch]\nschedule = \"0 */10 * * * *\"\n{MINIMAL}"),
            "t",
        )
        .unwrap();
        assert!(ok.fetch.schedule.0.upcoming(chrono::Utc).next().is_some());
    }

    #[test]
    fn no_sites_is_an_error() {
        assert!(err("[fetch]\n").contains("sites"));
    }
}
