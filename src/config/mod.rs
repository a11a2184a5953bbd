//! The one TOML config file: `[fetch]` settings, `[weather]`, and `[[sites]]` with their feeds,
//! headline picker and weather place, one module per section.
//!
//! [`parse_with_env`] is pure (tests call it with a string and an environment); [`parse`]
//! reads the process environment for the `env:` values of feed headers, and [`from_file`]
//! adds the read. Unknown
//! keys, bad values and broken rules are [`ConfigError`]s naming the file, the key path and the
//! line and column of its value: single-key rules live in the deserializers (toml locates
//! them), rules spanning keys in each section's `check` and, between sites, here; those name
//! a [`KeyPath`] that the parsed document locates.
//!
//! `mod.rs` and the section files use each other on purpose: it holds [`Config`] and calls
//! each section's `check`, and the sections take the [`KeyPath`] and location types it
//! re-exports. A folder's root and its parts, not two concepts in a knot.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use crate::address;

mod document;
mod error;
mod fetch;
pub mod picker;
mod scrape;
mod site;
mod values;
pub mod weather;

pub use error::{ConfigError, KeyPath, Location, Segment, Violation};
pub use fetch::FetchConfig;
pub use scrape::{CssSelector, ScrapeConfig};
pub use site::{FeedConfig, FeedRequest, HeaderSpecs, SiteConfig, SiteName};
pub use values::{CronSchedule, HttpUrl, Pattern};

/// The embedded default config: real feeds, used when no `--config` is given.
pub const DEFAULT_CONFIG: &str = include_str!("../../sites/default.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub fetch: FetchConfig,
    /// Weather provider and limits; `None`: no weather at all.
    pub weather: Option<weather::WeatherConfig>,
    pub sites: Vec<SiteConfig>,
}

/// Parses and validates a config; `origin` names the file in messages. Feed headers written
/// `env:NAME` are read from the process environment.
pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
    parse_with_env(text, origin, &|name| std::env::var(name).ok())
}

/// [`parse`] with the environment `env:` header values are read from.
pub fn parse_with_env(
    text: &str,
    origin: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let doc = document::Document::parse(text, origin)?;
    let mut config: Config = doc.deserialize()?;
    validate(&config).map_err(|v| doc.violation(v))?;
    resolve_requests(&mut config, env).map_err(|v| doc.violation(v))?;
    config.fetch.configured_hosts = config.configured_hosts();
    Ok(config)
}

impl Config {
    /// The hosts of the URLs the operator configured for the fetcher to poll: every feed's and
    /// the weather provider's (`[fetch] allow_private_networks` lets these be private).
    fn configured_hosts(&self) -> Vec<String> {
        let feeds = self
            .sites
            .iter()
            .flat_map(|s| &s.feeds)
            .map(|f| f.url.url());
        let weather = self
            .weather
            .iter()
            .filter_map(|w| w.base_url.as_ref())
            .map(|u| u.url());
        let mut hosts: Vec<String> = feeds
            .chain(weather)
            .filter_map(|u| u.host_str())
            .map(str::to_string)
            .collect();
        hosts.sort();
        hosts.dedup();
        hosts
    }
}

/// Reads and parses a config file (with the process environment).
pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
        path: path.display().to_string(),
        source,
    })?;
    parse(&text, &path.display().to_string())
}

/// The rules of a parsed config that serde cannot express: each section's own, and those
/// between sites. The first broken one is returned.
fn validate(config: &Config) -> Result<(), Violation> {
    let root = KeyPath::root();
    let sites = root.key("sites");
    if config.sites.is_empty() {
        return Err(Violation::new(
            sites,
            "at least one [[sites]] table is required",
        ));
    }
    config.fetch.check(&root.key("fetch"))?;
    // Site name -> its site; lowercase host -> the site serving it and the host's index there
    // (the frontend picks the site by Host header, ignoring case).
    let mut names: HashMap<&str, usize> = HashMap::new();
    let mut hosts: HashMap<String, (usize, usize)> = HashMap::new();
    for (i, site) in config.sites.iter().enumerate() {
        let at = sites.index(i);
        if let Some(first) = names.insert(site.name.as_str(), i) {
            return Err(Violation::new(
                at.key("name"),
                format!(
                    "duplicate site name {:?} ({} has it)",
                    site.name.as_str(),
                    sites.index(first).key("name")
                ),
            ));
        }
        site.check(&at)?;
        for (k, host) in site.hosts.iter().enumerate() {
            let (owner, first) = *hosts.entry(host.to_ascii_lowercase()).or_insert((i, k));
            // A host repeated within one site is harmless.
            if owner != i {
                return Err(Violation::new(
                    at.key("hosts").index(k),
                    format!(
                        "host {host:?} is already served by site {:?} ({})",
                        config.sites[owner].name.as_str(),
                        sites.index(owner).key("hosts").index(first)
                    ),
                ));
            }
        }
    }
    scrape::check_shared(&config.sites)?;
    if let Some(w) = &config.weather {
        w.check(&root.key("weather"))?;
    }
    Ok(())
}

/// Resolves every feed's `user_agent` and `headers` ([`FeedConfig::resolve`]). A feed is
/// fetched once per pass whichever sites list it, with one request: a site listing it with
/// other settings than an earlier site is refused at its key, naming the earlier listing.
fn resolve_requests(
    config: &mut Config,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(), Violation> {
    let sites = KeyPath::root().key("sites");
    // Feed URL -> its first listing (site index, feed index).
    let mut first: HashMap<String, (usize, usize)> = HashMap::new();
    for i in 0..config.sites.len() {
        for j in 0..config.sites[i].feeds.len() {
            let at = sites.index(i).key("feeds").index(j);
            config.sites[i].feeds[j].resolve(&at, env)?;
            let feed = &config.sites[i].feeds[j];
            let (fi, fj) = *first.entry(feed.url.as_str().to_string()).or_insert((i, j));
            let earlier = &config.sites[fi].feeds[fj].request;
            if *earlier == feed.request {
                continue;
            }
            let (key, other) = if earlier.user_agent != feed.request.user_agent {
                ("user_agent", "another user_agent")
            } else {
                ("headers", "other headers")
            };
            return Err(Violation::new(
                at.key(key),
                format!(
                    "{:?} is also a feed of site {:?} ({}) with {other}: a feed is fetched once for all sites, so every site must list it with the same user_agent and headers",
                    address::shown_url(feed.url.as_str()),
                    config.sites[fi].name.as_str(),
                    sites.index(fi).key("feeds").index(fj),
                ),
            ));
        }
    }
    Ok(())
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

    #[test]
    fn only_configured_hosts_may_be_private() {
        let c = parse(MINIMAL, "test").unwrap();
        assert!(c.fetch.private_hosts().is_empty(), "off by default");
        let on = parse(
            &format!(
                "[fetch]\nallow_private_networks = true\nallow_private_hosts = [\"img.intranet\"]\n\
                 [weather]\nbase_url = \"http://10.0.0.9:8080\"\n{MINIMAL}"
            ),
            "test",
        )
        .unwrap();
        assert_eq!(
            on.fetch.private_hosts(),
            ["10.0.0.9", "lwn.net", "img.intranet"]
        );
        let listed = parse(
            &format!("[fetch]\nallow_private_hosts = [\"img.intranet\"]\n{MINIMAL}"),
            "test",
        )
        .unwrap();
        assert_eq!(listed.fetch.private_hosts(), ["img.intranet"]);
    }

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
        assert_eq!(
            e,
            "config test.toml:9:1: sites[0].feeds[0].titel: unknown field `titel`, expected one of `url`, `title`, `site_url`, `logo`, `history`, `user_agent`, `headers`, `keep`, `drop`, `scrape`, `images`"
        );
    }

    /// An environment with only `LWN_TOKEN` in it.
    fn lwn_env(name: &str) -> Option<String> {
        (name == "LWN_TOKEN").then(|| "Bearer s3cr3t".to_string())
    }

    fn with_env(text: &str) -> Result<Config, String> {
        parse_with_env(text, "test.toml", &lwn_env).map_err(|e| e.to_string())
    }

    /// MINIMAL with `extra` lines in its feed (after line 9, `title = "LWN"`).
    fn feed_with(extra: &str) -> String {
        MINIMAL.replace("title = \"LWN\"\n", &format!("title = \"LWN\"\n{extra}"))
    }

    #[test]
    fn a_feed_has_its_own_user_agent_and_headers_with_values_from_the_environment() {
        let c = with_env(&feed_with(
            "user_agent = \"lwn-reader/1\"\nheaders = { Authorization = \"env:LWN_TOKEN\", X-Edition = \"weekly\" }\n",
        ))
        .unwrap();
        let request = &c.sites[0].feeds[0].request;
        assert_eq!(request.user_agent.as_ref().unwrap(), "lwn-reader/1");
        assert_eq!(request.headers["authorization"], "Bearer s3cr3t");
        assert!(request.headers["authorization"].is_sensitive());
        assert_eq!(request.headers["x-edition"], "weekly");
        // What is printed of the config (the site digest hashes it) names headers, not values.
        let debug = format!("{:?}", c.sites[0]);
        assert!(
            debug.contains("authorization") && debug.contains("Authorization"),
            "{debug}"
        );
        assert!(
            !debug.contains("s3cr3t") && !debug.contains("weekly"),
            "{debug}"
        );
        let plain = with_env(MINIMAL).unwrap();
        assert_eq!(plain.sites[0].feeds[0].request, FeedRequest::default());
    }

    #[test]
    fn a_missing_variable_or_a_bad_header_is_named_at_its_key() {
        let cases = [
            (
                "headers = { Authorization = \"env:NOPE\" }\n",
                "config test.toml:10:29: sites[0].feeds[0].headers.Authorization: environment variable NOPE is not set",
            ),
            (
                "headers = { Authorization = \"env:\" }\n",
                "config test.toml:10:29: sites[0].feeds[0].headers.Authorization: env: does not name an environment variable (letters, digits and _)",
            ),
            (
                "[sites.feeds.headers]\n\"X Bad\" = \"1\"\n",
                "config test.toml:11:11: sites[0].feeds[0].headers.\"X Bad\": \"X Bad\" is not a header name (letters, digits and !#$%&'*+-.^_`|~)",
            ),
            (
                "headers = { X-Token = \"line\\nbreak\" }\n",
                "config test.toml:10:23: sites[0].feeds[0].headers.X-Token: is not a valid header value: visible ASCII, spaces and tabs only",
            ),
            (
                "headers = { If-None-Match = \"x\" }\n",
                "config test.toml:10:29: sites[0].feeds[0].headers.If-None-Match: \"If-None-Match\" cannot be set: the fetcher sets it itself",
            ),
            (
                "headers = { User-Agent = \"x\" }\n",
                "config test.toml:10:26: sites[0].feeds[0].headers.User-Agent: \"User-Agent\" cannot be set: set it with the feed's user_agent key",
            ),
            (
                "headers = { x-key = \"1\", X-Key = \"2\" }\n",
                "config test.toml:10:21: sites[0].feeds[0].headers.x-key: \"x-key\" is the same header as \"X-Key\" (names ignore case)",
            ),
            (
                "user_agent = \"\"\n",
                "config test.toml:10:14: sites[0].feeds[0].user_agent: must be a non-empty header value: visible ASCII and spaces",
            ),
        ];
        for (extra, expected) in cases {
            assert_eq!(
                with_env(&feed_with(extra)).unwrap_err(),
                expected,
                "{extra}"
            );
        }
    }

    #[test]
    fn a_variable_holding_a_bad_value_is_refused_without_quoting_it() {
        let env = |_: &str| Some("Bearer s3cr3t\u{7f}".to_string());
        let e = parse_with_env(
            &feed_with("headers = { Authorization = \"env:LWN_TOKEN\" }\n"),
            "test.toml",
            &env,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "config test.toml:10:29: sites[0].feeds[0].headers.Authorization: environment variable LWN_TOKEN does not hold a valid header value (visible ASCII, spaces and tabs only)"
        );
        let empty = |_: &str| Some(" ".to_string());
        let e = parse_with_env(
            &feed_with("headers = { Authorization = \"env:LWN_TOKEN\" }\n"),
            "test.toml",
            &empty,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.ends_with("environment variable LWN_TOKEN is empty"),
            "{e}"
        );
    }

    #[test]
    fn keep_and_drop_rules_filter_on_title_or_link() {
        let c = parse(
            &feed_with("keep = \"[Kk]ernel|/kernel/\"\ndrop = \"^\\\\[\\\\$\\\\]\"\n")
                .replace("hosts = [", "drop = \"(?i)sponsored\"\nhosts = ["),
            "t",
        )
        .unwrap();
        let (site, feed) = (&c.sites[0], &c.sites[0].feeds[0]);
        assert!(site.shows(feed, "Kernel 7.0 released", None));
        assert!(
            site.shows(feed, "Released", Some("https://lwn.net/kernel/1")),
            "keep on the link"
        );
        assert!(
            !site.shows(feed, "GNOME 50", Some("https://lwn.net/gnome/1")),
            "keep misses"
        );
        assert!(
            !site.shows(feed, "[$] Kernel internals", None),
            "the feed's drop"
        );
        assert!(
            !site.shows(feed, "Kernel news (SPONSORED)", None),
            "the site's drop"
        );
        let other = FeedConfig {
            keep: None,
            drop: None,
            ..feed.clone()
        };
        assert!(site.shows(&other, "GNOME 50", None));
        assert!(
            !site.shows(&other, "GNOME", Some("https://x.example/sponsored/1")),
            "the site's drop applies to every feed, on the link too"
        );
    }

    #[test]
    fn images_are_off_unless_the_feed_or_its_site_says_so() {
        let c = parse(MINIMAL, "test.toml").unwrap();
        assert!(!c.sites[0].images(&c.sites[0].feeds[0]), "off by default");
        let c = parse(&feed_with("images = true\n"), "test.toml").unwrap();
        assert!(c.sites[0].images(&c.sites[0].feeds[0]));
        let site_on = feed_with("images = false\n").replacen(
            "[[sites.feeds]]",
            "images = true\n\n[[sites.feeds]]",
            1,
        );
        let c = parse(&site_on, "test.toml").unwrap();
        assert!(c.sites[0].images, "the site's key");
        assert!(
            !c.sites[0].images(&c.sites[0].feeds[0]),
            "the feed's setting wins"
        );
        let e = err(&feed_with("images = \"yes\"\n"));
        assert!(
            e.starts_with("config test.toml:")
                && e.contains("sites[0].feeds[0].images: invalid type"),
            "{e}"
        );
    }

    #[test]
    fn a_bad_pattern_is_named_at_its_key() {
        assert_eq!(
            err(&feed_with("keep = \"(unclosed\"\n")),
            "config test.toml:10:8: sites[0].feeds[0].keep: \"(unclosed\" is not a regular expression: unclosed group"
        );
        assert_eq!(
            err(&feed_with("drop = \"\"\n")),
            "config test.toml:10:8: sites[0].feeds[0].drop: must not be empty: it would match every entry"
        );
        assert_eq!(
            err(&MINIMAL.replace("hosts = [", "drop = \"a{99999999}\"\nhosts = [")),
            "config test.toml:5:8: sites[0].drop: \"a{99999999}\" is too large once compiled (over 1048576 bytes)"
        );
    }

    #[test]
    fn a_feed_shared_by_two_sites_must_be_asked_for_alike() {
        let first = feed_with("headers = { Authorization = \"env:LWN_TOKEN\" }\n");
        let second = |extra: &str| {
            format!(
                "{first}\n[[sites]]\nname = \"other\"\ntitle = \"Other\"\n\n[[sites.feeds]]\nurl = \"https://lwn.net/headlines/rss\"\n{extra}"
            )
        };
        // The same value, however it is written: one request.
        with_env(&second("headers = { authorization = \"Bearer s3cr3t\" }\n")).unwrap();
        assert_eq!(
            with_env(&second("")).unwrap_err(),
            "config test.toml:16:1: sites[1].feeds[0].headers: \"https://lwn.net/headlines/rss\" is also a feed of site \"linux\" (sites[0].feeds[0]) with other headers: a feed is fetched once for all sites, so every site must list it with the same user_agent and headers"
        );
        let e = with_env(&second(
            "headers = { Authorization = \"env:LWN_TOKEN\" }\nuser_agent = \"other/1\"\n",
        ))
        .unwrap_err();
        assert!(
            e.starts_with("config test.toml:19:14: sites[1].feeds[0].user_agent: "),
            "{e}"
        );
    }

    #[test]
    fn unknown_fetch_key_is_named() {
        let e = err(&format!("[fetch]\nallow_private = true\n{MINIMAL}"));
        assert!(
            e.starts_with(
                "config test.toml:2:1: fetch.allow_private: unknown field `allow_private`, expected one of `allow_private_networks`, "
            ),
            "{e}"
        );
    }

    #[test]
    fn non_http_feed_url_is_refused_with_line() {
        let e = err(&MINIMAL.replace("https://lwn.net/headlines/rss", "file:///etc/passwd"));
        assert_eq!(
            e,
            "config test.toml:8:7: sites[0].feeds[0].url: \"file:///etc/passwd\" must be an http:// or https:// URL"
        );
    }

    #[test]
    fn bad_value_type_names_key() {
        let e = err(&format!("[fetch]\ntimeout_secs = \"soon\"\n{MINIMAL}"));
        assert_eq!(
            e,
            "config test.toml:2:16: fetch.timeout_secs: invalid type: string \"soon\", expected u64"
        );
    }

    #[test]
    fn duplicate_site_names_are_refused() {
        let e = err(&format!(
            "{MINIMAL}\n[[sites]]\nname = \"linux\"\ntitle = \"Again\"\n"
        ));
        assert!(e.contains("duplicate site name"), "{e}");
    }

    #[test]
    fn duplicate_site_name_is_reported_at_the_second_site() {
        let e = err(&format!(
            "{MINIMAL}\n[[sites]]\nname = \"linux\"\ntitle = \"Again\"\n"
        ));
        assert_eq!(
            e,
            "config test.toml:12:8: sites[1].name: duplicate site name \"linux\" (sites[0].name has it)"
        );
    }

    #[test]
    fn the_same_feed_twice_in_one_site_is_refused_at_the_second() {
        let e = err(&format!(
            "{MINIMAL}\n[[sites.feeds]]\nurl = \"https://lwn.net/headlines/rss\"\n"
        ));
        assert_eq!(
            e,
            "config test.toml:12:7: sites[0].feeds[1].url: \"https://lwn.net/headlines/rss\" is already a feed of this site (sites[0].feeds[0].url)"
        );
    }

    #[test]
    fn a_feed_repeated_in_a_later_site_is_located_past_the_shared_one() {
        let second = "
[[sites]]
name = \"other\"
title = \"Other\"

[[sites.feeds]]
url = \"https://lwn.net/headlines/rss\"

[[sites.feeds]]
url = \"https://example.org/feed\"

[[sites.feeds]]
url = \"https://lwn.net/headlines/rss\"
";
        let e = err(&format!("{MINIMAL}{second}"));
        assert_eq!(
            e,
            "config test.toml:22:7: sites[1].feeds[2].url: \"https://lwn.net/headlines/rss\" is already a feed of this site (sites[1].feeds[0].url)"
        );
    }

    #[test]
    fn errors_quote_feed_urls_without_their_secrets() {
        let secret = "https://u:pass@lwn.net/headlines/rss?token=SECRET";
        let e = err(&format!(
            "{}\n[[sites.feeds]]\nurl = \"{secret}\"\n",
            MINIMAL.replace("https://lwn.net/headlines/rss", secret)
        ));
        assert_eq!(
            e,
            "config test.toml:12:7: sites[0].feeds[1].url: \"https://lwn.net/headlines/rss\" is already a feed of this site (sites[0].feeds[0].url)"
        );
        let e = err(&MINIMAL.replace(
            "https://lwn.net/headlines/rss",
            "ftp://u:pass@x.example/?k=SECRET",
        ));
        assert_eq!(
            e,
            "config test.toml:8:7: sites[0].feeds[0].url: \"ftp://x.example/\" must be an http:// or https:// URL"
        );
    }

    #[test]
    fn a_feed_shared_by_two_sites_is_fine() {
        let second = "\n[[sites]]\nname = \"other\"\ntitle = \"Other\"\n\n[[sites.feeds]]\nurl = \"https://lwn.net/headlines/rss\"\n";
        let c = parse(&format!("{MINIMAL}{second}"), "test.toml").unwrap();
        assert_eq!(c.sites[0].feeds[0].url, c.sites[1].feeds[0].url);
    }

    #[test]
    fn a_host_claimed_by_two_sites_is_refused_at_the_second() {
        let second = "\n[[sites]]\nname = \"other\"\ntitle = \"Other\"\nhosts = [\n  \"other.example\",\n  \"LinuxReport.Example\",\n]\n";
        let e = err(&format!("{MINIMAL}{second}"));
        assert_eq!(
            e,
            "config test.toml:16:3: sites[1].hosts[1]: host \"LinuxReport.Example\" is already served by site \"linux\" (sites[0].hosts[0])"
        );
    }

    #[test]
    fn a_host_repeated_within_one_site_is_fine() {
        let c = parse(
            &MINIMAL.replace(
                "hosts = [\"linuxreport.example\"]",
                "hosts = [\"linuxreport.example\", \"LINUXREPORT.example\"]",
            ),
            "test.toml",
        )
        .unwrap();
        assert_eq!(c.sites[0].hosts.len(), 2);
    }

    #[test]
    fn bad_site_name_is_refused() {
        let e = err(&MINIMAL.replace("name = \"linux\"", "name = \"../etc\""));
        assert_eq!(
            e,
            "config test.toml:3:8: sites[0].name: site name \"../etc\" must be 1-64 characters of a-z, 0-9 and -"
        );
    }

    #[test]
    fn zero_timeout_is_refused_with_line() {
        let e = err(&format!("[fetch]\ntimeout_secs = 0\n{MINIMAL}"));
        assert_eq!(
            e,
            "config test.toml:2:16: fetch.timeout_secs: must be greater than 0"
        );
    }

    #[test]
    fn bad_cron_schedule_is_named_with_line() {
        let e = err(&format!("[fetch]\nschedule = \"*/5 * * * *\"\n{MINIMAL}"));
        assert_eq!(
            e,
            "config test.toml:2:12: fetch.schedule: \"*/5 * * * *\" is not a cron schedule; use 6 or 7 fields: sec min hour day month weekday [year]"
        );
        let ok = parse(
            &format!("[fetch]\nschedule = \"0 */10 * * * *\"\n{MINIMAL}"),
            "t",
        )
        .unwrap();
        assert!(ok.fetch.schedule.0.upcoming(chrono::Utc).next().is_some());
    }

    #[test]
    fn site_url_defaults_to_the_first_host_and_must_be_an_origin() {
        let c = parse(MINIMAL, "t").unwrap();
        assert_eq!(
            c.sites[0].base_url().as_str(),
            "https://linuxreport.example/"
        );
        let with = MINIMAL.replace("hosts = [", "url = \"http://news.example:8080\"\nhosts = [");
        let c = parse(&with, "t").unwrap();
        assert_eq!(c.sites[0].base_url().as_str(), "http://news.example:8080/");
        let e = err(&MINIMAL.replace(
            "hosts = [",
            "url = \"https://news.example/news\"\nhosts = [",
        ));
        assert_eq!(
            e,
            "config test.toml:5:7: sites[0].url: must be a scheme and host only, like \"https://news.example\" (the frontend serves the site at the root)"
        );
        let e = err(&MINIMAL.replace("hosts = [", "url = \"ftp://x\"\nhosts = ["));
        assert_eq!(
            e,
            "config test.toml:5:7: sites[0].url: \"ftp://x\" must be an http:// or https:// URL"
        );
        let bare = parse("[[sites]]\nname = \"t\"\ntitle = \"T\"\n", "t").unwrap();
        assert_eq!(bare.sites[0].base_url().as_str(), "http://localhost/");
    }

    #[test]
    fn headlines_are_off_unless_their_table_is_there() {
        let c = parse(MINIMAL, "t").unwrap();
        assert!(c.sites[0].headlines.is_none());
        let c = parse(&format!("{MINIMAL}\n[sites.headlines]\n"), "t").unwrap();
        assert!(c.sites[0].headlines.is_some());
    }

    #[test]
    fn an_llm_picker_without_its_table_is_named_at_the_right_site() {
        let site = |name: &str, picker: &str| {
            format!(
                "\n[[sites]]\nname = \"{name}\"\ntitle = \"T\"\n\n[sites.headlines]\npicker = \"{picker}\"\n"
            )
        };
        let llm_ok =
            "\n[sites.headlines.llm]\nbase_url = \"http://127.0.0.1:11434\"\nmodel = \"m\"\n";
        let text = format!("{MINIMAL}{}{llm_ok}{}", site("a", "llm"), site("b", "llm"));
        let e = err(&text);
        assert_eq!(
            e,
            "config test.toml:27:10: sites[2].headlines.picker: `picker = \"llm\"` needs a [sites.headlines.llm] table with base_url and model"
        );
    }

    #[test]
    fn a_bad_headline_schedule_is_named_with_its_line() {
        let e = err(&format!(
            "{MINIMAL}\n[sites.headlines]\nschedule = \"0 6 * * *\"\n"
        ));
        assert_eq!(
            e,
            "config test.toml:12:12: sites[0].headlines.schedule: \"0 6 * * *\" is not a cron schedule; use 6 or 7 fields: sec min hour day month weekday [year]"
        );
    }

    #[test]
    fn no_sites_is_an_error() {
        // Nowhere to point at: the key is missing from the whole file.
        assert_eq!(err("[fetch]\n"), "config test.toml: missing field `sites`");
        assert_eq!(
            err("sites = []\n"),
            "config test.toml:1:9: sites: at least one [[sites]] table is required"
        );
    }

    /// The error as a `(key path, line, column)` triple, for texts where the message is beside
    /// the point.
    fn located(text: &str) -> (String, usize, usize) {
        match parse(text, "test.toml").unwrap_err() {
            ConfigError::Invalid {
                key, at: Some(at), ..
            } => (key.to_string(), at.line, at.column),
            other => panic!("not located: {other}"),
        }
    }

    #[test]
    fn a_feed_history_is_located_at_its_own_feed_not_at_the_first_history_key() {
        let text = "\
[fetch]
history = 40

[[sites]]
name = \"linux\"
title = \"Linux Report\"

[[sites.feeds]]
url = \"https://a.example/feed\"
history = 10

[[sites.feeds]]
url = \"https://b.example/feed\"

[[sites.feeds]]
url = \"https://c.example/feed\"
history = 0
";
        assert_eq!(
            err(text),
            "config test.toml:17:11: sites[0].feeds[2].history: must be at least 1"
        );
    }

    #[test]
    fn group_stories_is_on_by_default_and_must_be_a_boolean() {
        let site = |extra: &str| format!("[[sites]]\nname = \"a\"\ntitle = \"A\"\n{extra}");
        assert!(parse(&site(""), "test.toml").unwrap().sites[0].group_stories);
        let off = parse(&site("group_stories = false\n"), "test.toml").unwrap();
        assert!(!off.sites[0].group_stories);
        let e = err(&site("group_stories = \"no\"\n"));
        assert!(
            e.starts_with("config test.toml:4:17: sites[0].group_stories: "),
            "{e}"
        );
    }

    #[test]
    fn keep_generations_is_located_at_the_second_site() {
        let text = "\
[[sites]]
name = \"a\"
title = \"A\"
keep_generations = 5

[[sites]]
name = \"b\"
title = \"B\"
keep_generations = 0
";
        assert_eq!(
            err(text),
            "config test.toml:9:20: sites[1].keep_generations: must be at least 1"
        );
    }

    #[test]
    fn archive_days_must_keep_at_least_today() {
        let text = "\
[[sites]]
name = \"a\"
title = \"A\"
archive_days = 0
";
        assert_eq!(
            err(text),
            "config test.toml:4:16: sites[0].archive_days: must be at least 1 (1 keeps only today's page)"
        );
    }

    #[test]
    fn a_duplicate_feed_is_located_at_its_second_url_not_at_a_comment_quoting_it() {
        let text = "\
[[sites]]
name = \"linux\"
title = \"Linux Report\"
# \"https://lwn.net/headlines/rss\" is LWN's own feed.

[[sites.feeds]]
url = \"https://lwn.net/headlines/rss\"

[[sites.feeds]]
url = \"https://example.org/feed\"

[[sites.feeds]]
url = \"https://lwn.net/headlines/rss\"
";
        assert_eq!(
            err(text),
            "config test.toml:13:7: sites[0].feeds[2].url: \"https://lwn.net/headlines/rss\" is already a feed of this site (sites[0].feeds[0].url)"
        );
    }

    #[test]
    fn a_duplicate_host_is_located_at_the_claiming_site_past_other_mentions() {
        // The host's spelling appears first in a comment, then in the first site's url.
        let text = "\
# \"news.example\" moved from the old server.
[[sites]]
name = \"a\"
title = \"A\"
url = \"https://news.example\"
hosts = [\"news.example\"]

[[sites]]
name = \"b\"
title = \"B\"
hosts = [\"b.example\", \"news.example\"]
";
        assert_eq!(
            err(text),
            "config test.toml:11:23: sites[1].hosts[1]: host \"news.example\" is already served by site \"a\" (sites[0].hosts[0])"
        );
    }

    #[test]
    fn a_bad_headlines_key_is_located_at_its_site() {
        // Both sites have a headlines table; the second one's picker needs the llm table.
        let text = "\
[[sites]]
name = \"a\"
title = \"A\"
headlines.picker = \"llm\"
headlines.llm = { base_url = \"http://127.0.0.1:11434\", model = \"m\" }

[[sites]]
name = \"b\"
title = \"B\"
[sites.headlines]
audience = \"people who set picker = \\\"llm\\\"\"
picker = \"llm\"
";
        assert_eq!(
            located(text),
            ("sites[1].headlines.picker".to_string(), 12, 10)
        );
        // A misspelt key in the second site's table, the first having the right one.
        let text = text.replace("\npicker = \"llm\"\n", "\npickr = \"similar\"\n");
        let e = err(&text);
        assert!(
            e.starts_with(
                "config test.toml:12:1: sites[1].headlines.pickr: unknown field `pickr`, expected "
            ),
            "{e}"
        );
    }

    #[test]
    fn a_bad_weather_key_is_located_at_its_site() {
        let text = "\
[weather]
# max_cells = 0 would refuse all cells
ttl_secs = 3600

[[sites]]
name = \"a\"
title = \"A\"
weather = { name = \"Detroit\", lat = 42.33, lon = -83 }

[[sites]]
name = \"b\"
title = \"B\"
weather = { name = \"\", lat = 42.33, lon = -83 }
";
        assert_eq!(
            err(text),
            "config test.toml:13:20: sites[1].weather.name: must be 1-100 characters"
        );
        let text = text
            .replace("name = \"\"", "name = \"Windsor\"")
            .replace("ttl_secs = 3600", "ttl_secs = 3600\nmax_cells = 0");
        assert_eq!(
            err(&text),
            "config test.toml:4:13: weather.max_cells: must be greater than 0"
        );
        let text = text
            .replace("max_cells = 0", "max_cells = 10")
            .replace("42.33, lon = -83 }\n\n", "91, lon = -83 }\n\n");
        assert_eq!(
            err(&text),
            "config test.toml:9:37: sites[0].weather.lat: latitude 91 is outside -90..90"
        );
    }

    #[test]
    fn serde_errors_name_the_key_path_within_arrays_and_inline_tables() {
        let text = format!(
            "{MINIMAL}\n[[sites.feeds]]\nurl = \"https://example.org/feed\"\nhistory = \"all\"\n"
        );
        assert_eq!(
            err(&text),
            "config test.toml:13:11: sites[0].feeds[1].history: invalid type: string \"all\", expected usize"
        );
        let text = format!(
            "{MINIMAL}\n[[sites]]\nname = \"b\"\ntitle = \"B\"\nfeeds = [\n  {{ url = \"https://example.org/feed\" }},\n  {{ url = \"https://example.org/other\", titel = \"X\" }},\n]\n"
        );
        let e = err(&text);
        assert!(
            e.starts_with(
                "config test.toml:16:40: sites[1].feeds[1].titel: unknown field `titel`, expected one of `url`, "
            ),
            "{e}"
        );
    }

    #[test]
    fn a_missing_key_is_located_at_its_table() {
        let e = err(&format!("{MINIMAL}\n[[sites]]\nname = \"b\"\n"));
        assert_eq!(e, "config test.toml:11:1: sites[1]: missing field `title`");
    }

    #[test]
    fn syntax_errors_are_located_like_the_rest() {
        assert_eq!(
            err(&format!("[fetch]\ntimeout_secs = \n{MINIMAL}")),
            "config test.toml:2:16: fetch.timeout_secs: string values must be quoted, expected literal string"
        );
        let e = err(&MINIMAL.replace("title = \"LWN\"", "title = \"LWN\"\ntitle = \"LWN\""));
        assert_eq!(e, "config test.toml:10:1: duplicate key `title`");
    }

    #[test]
    fn a_rule_on_a_defaulted_key_is_located_at_its_table() {
        let e = err(&format!("[fetch]\nmin_interval_secs = 86400\n{MINIMAL}"));
        assert_eq!(
            e,
            "config test.toml:1:1: fetch.max_interval_secs: must not be below fetch.min_interval_secs (43200 < 86400)"
        );
    }

    #[test]
    fn from_file_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("newsdesk.toml");
        std::fs::write(&path, format!("[fetch]\ntimeout_secs = 0\n{MINIMAL}")).unwrap();
        let e = from_file(&path).unwrap_err().to_string();
        assert_eq!(
            e,
            format!(
                "config {}:2:16: fetch.timeout_secs: must be greater than 0",
                path.display()
            )
        );
        let missing = dir.path().join("missing.toml");
        let e = from_file(&missing).unwrap_err();
        assert!(matches!(e, ConfigError::Io { .. }), "{e}");
        assert!(
            e.to_string()
                .starts_with(&format!("cannot read config {}: ", missing.display())),
            "{e}"
        );
    }
}
