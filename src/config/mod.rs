//! The one TOML config file: `[fetch]` settings and `[[sites]]` with their feeds.
//!
//! [`parse`] is pure (tests call it with a string); [`from_file`] only adds the read.
//! Unknown keys and bad values are errors that name the key and the line.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::Deserialize;

mod error;
mod fetch;
pub mod picker;
mod site;
mod values;
pub mod weather;

pub use error::ConfigError;
pub use fetch::FetchConfig;
pub use site::{FeedConfig, SiteConfig, SiteName};
pub use values::{CronSchedule, HttpUrl};

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
                line_of(text, leaf, 0)
            ));
        }
    }
    if f.max_interval_secs < f.min_interval_secs {
        return Err(format!(
            "`fetch.max_interval_secs` must not be below `fetch.min_interval_secs`{}",
            line_of(text, "max_interval_secs", 0)
        ));
    }
    let mut llm_pickers = 0;
    for (i, site) in config.sites.iter().enumerate() {
        let Some(headlines) = &site.headlines else {
            continue;
        };
        if let Err(bad) = headlines.check() {
            return Err(format!(
                "`sites[{i}].headlines.{}`: {}{}",
                bad.key,
                bad.message,
                line_of(text, bad.needle, llm_pickers)
            ));
        }
        llm_pickers += usize::from(headlines.picker == picker::PickerKind::Llm);
    }
    let mut names = HashSet::new();
    // A repeated value is reported where it repeats: these count how often each exact spelling
    // was seen before, to find that occurrence in the text.
    let mut seen_urls: HashMap<&str, usize> = HashMap::new();
    let mut seen_hosts: HashMap<&str, usize> = HashMap::new();
    // Lowercase host -> the site serving it: the frontend picks the site by Host header.
    let mut host_sites: HashMap<String, usize> = HashMap::new();
    for (i, site) in config.sites.iter().enumerate() {
        if !names.insert(site.name.as_str()) {
            let needle = format!("\"{}\"", site.name);
            return Err(format!(
                "`sites[{i}].name`: duplicate site name {:?}{}",
                site.name.as_str(),
                line_of(text, &needle, 1)
            ));
        }
        if site.keep_generations == 0 {
            return Err(format!(
                "`sites[{i}].keep_generations` must be at least 1{}",
                line_of(text, "keep_generations", 0)
            ));
        }
        if let Some(url) = &site.url {
            let u = url.url();
            if u.path() != "/" || u.query().is_some() || u.fragment().is_some() {
                return Err(format!(
                    "`sites[{i}].url` must be a scheme and host only, like \"https://news.example\" (the frontend serves the site at the root){}",
                    line_of(text, u.as_str(), 0)
                ));
            }
        }
        for host in &site.hosts {
            let occurrence = next_occurrence(&mut seen_hosts, host);
            let owner = *host_sites.entry(host.to_ascii_lowercase()).or_insert(i);
            if owner != i {
                return Err(format!(
                    "`sites[{i}].hosts`: host {host:?} is already served by site {:?}{}",
                    config.sites[owner].name.as_str(),
                    line_of(text, &format!("\"{host}\""), occurrence)
                ));
            }
        }
        // Two boxes for one feed would share their HTML ids (made from the URL). Sharing a feed
        // with other sites is fine.
        let mut urls = HashSet::new();
        for (j, feed) in site.feeds.iter().enumerate() {
            let url = feed.url.as_str();
            let occurrence = next_occurrence(&mut seen_urls, url);
            if !urls.insert(url) {
                return Err(format!(
                    "`sites[{i}].feeds[{j}].url`: {url:?} is already a feed of this site{}",
                    line_of(text, &format!("\"{url}\""), occurrence)
                ));
            }
            if feed.history == Some(0) {
                return Err(format!(
                    "`sites[{i}].feeds[{j}].history` must be at least 1{}",
                    line_of(text, "history", 0)
                ));
            }
        }
    }
    weather::validate(config, |needle| line_of(text, needle, 0))?;
    Ok(())
}

/// Which occurrence of `value` this is (from 0), counting it.
fn next_occurrence<'a>(seen: &mut HashMap<&'a str, usize>, value: &'a str) -> usize {
    let n = seen.entry(value).or_default();
    *n += 1;
    *n - 1
}

/// " (line N)" for the `nth` occurrence (from 0) of `needle` in the text, for errors found
/// after parsing; empty when there is no such occurrence (the value was spelled differently).
fn line_of(text: &str, needle: &str, nth: usize) -> String {
    text.match_indices(needle)
        .nth(nth)
        .map(|(at, _)| format!(" (line {})", text[..at].matches('\n').count() + 1))
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
    fn duplicate_site_name_is_reported_at_the_second_site() {
        let e = err(&format!(
            "{MINIMAL}\n[[sites]]\nname = \"linux\"\ntitle = \"Again\"\n"
        ));
        assert!(
            e.contains("`sites[1].name`") && e.contains("line 12"),
            "{e}"
        );
    }

    #[test]
    fn the_same_feed_twice_in_one_site_is_refused_at_the_second() {
        let e = err(&format!(
            "{MINIMAL}\n[[sites.feeds]]\nurl = \"https://lwn.net/headlines/rss\"\n"
        ));
        assert!(e.contains("`sites[0].feeds[1].url`"), "{e}");
        assert!(
            e.contains("https://lwn.net/headlines/rss") && e.contains("line 12"),
            "{e}"
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
        assert!(
            e.contains("`sites[1].feeds[2].url`") && e.contains("line 22"),
            "{e}"
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
        assert!(
            e.contains("`sites[1].hosts`") && e.contains("LinuxReport.Example"),
            "{e}"
        );
        assert!(e.contains("\"linux\"") && e.contains("line 16"), "{e}");
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
        assert!(e.contains("sites[0].url") && e.contains("line 5"), "{e}");
        let e = err(&MINIMAL.replace("hosts = [", "url = \"ftp://x\"\nhosts = ["));
        assert!(e.contains("http:// or https://"), "{e}");
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
        assert!(e.contains("`sites[2].headlines.picker`"), "{e}");
        assert!(
            e.contains("[sites.headlines.llm]") && e.contains("line 27"),
            "{e}"
        );
    }

    #[test]
    fn a_bad_headline_schedule_is_named_with_its_line() {
        let e = err(&format!(
            "{MINIMAL}\n[sites.headlines]\nschedule = \"0 6 * * *\"\n"
        ));
        assert!(e.contains("cron schedule") && e.contains("line 12"), "{e}");
    }

    #[test]
    fn no_sites_is_an_error() {
        assert!(err("[fetch]\n").contains("sites"));
    }
}
