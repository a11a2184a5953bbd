//! The `[weather]` table (provider and politeness limits) and a site's `[sites.weather]` place.
//! Out-of-range coordinates are refused while parsing, so toml locates them at their key.

use serde::{Deserialize, Serialize};

use crate::config::HttpUrl;
use crate::config::error::{KeyPath, Violation};

/// `[weather]`: without it there is no weather at all.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeatherConfig {
    #[serde(default)]
    pub provider: ProviderKind,
    /// Default: the provider's public API.
    pub base_url: Option<HttpUrl>,
    /// A forecast older than this is refreshed by the next `sync`.
    #[serde(default = "default_ttl_secs")]
    pub ttl_secs: u64,
    /// Cells readers asked for that are fetched for the first time in one pass.
    #[serde(default = "default_max_new_cells_per_pass")]
    pub max_new_cells_per_pass: usize,
    /// Requests to the provider in one pass, all cells together.
    #[serde(default = "default_max_requests_per_pass")]
    pub max_requests_per_pass: usize,
    /// Cells kept in the bucket; past it, the least recently requested are dropped.
    #[serde(default = "default_max_cells")]
    pub max_cells: usize,
}

fn default_ttl_secs() -> u64 {
    3 * 3600
}
fn default_max_new_cells_per_pass() -> usize {
    20
}
fn default_max_requests_per_pass() -> usize {
    60
}
fn default_max_cells() -> usize {
    1000
}

/// The shortest TTL accepted: the providers' models update hourly at best, and polling faster
/// only spends their free quota.
pub const MIN_TTL_SECS: u64 = 900;

/// Which weather API the fetcher polls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum ProviderKind {
    /// Open-Meteo: no key; data under CC BY 4.0 (the page names it).
    #[default]
    #[serde(rename = "open-meteo")]
    OpenMeteo,
    /// OpenWeather's 5 day / 3 hour forecast; the key is read from the environment.
    #[serde(rename = "openweather")]
    OpenWeather,
}

/// `[sites.weather]`: the site's default place, shown on the page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Place {
    pub name: String,
    pub lat: Latitude,
    pub lon: Longitude,
    /// The unit of the strip before the page's script knows the reader (and without it).
    #[serde(default)]
    pub unit: Unit,
}

/// Degrees north, -90..=90.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Latitude(pub f64);

/// Degrees east, -180..=180.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Longitude(pub f64);

impl<'de> Deserialize<'de> for Latitude {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        if v.is_finite() && (-90.0..=90.0).contains(&v) {
            Ok(Latitude(v))
        } else {
            Err(serde::de::Error::custom(format!(
                "latitude {v} is outside -90..90"
            )))
        }
    }
}

impl<'de> Deserialize<'de> for Longitude {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        if v.is_finite() && (-180.0..=180.0).contains(&v) {
            Ok(Longitude(v))
        } else {
            Err(serde::de::Error::custom(format!(
                "longitude {v} is outside -180..180"
            )))
        }
    }
}

impl WeatherConfig {
    /// Politeness limits serde cannot express; `at` is this table's path (`weather`).
    pub fn check(&self, at: &KeyPath) -> Result<(), Violation> {
        if self.ttl_secs < MIN_TTL_SECS {
            return Err(Violation::new(
                at.key("ttl_secs"),
                format!("must be at least {MIN_TTL_SECS} (15 minutes)"),
            ));
        }
        for (key, value) in [
            ("max_new_cells_per_pass", self.max_new_cells_per_pass),
            ("max_requests_per_pass", self.max_requests_per_pass),
            ("max_cells", self.max_cells),
        ] {
            if value == 0 {
                return Err(Violation::new(at.key(key), "must be greater than 0"));
            }
        }
        Ok(())
    }
}

impl Place {
    /// `at` is this table's path (`sites[i].weather`).
    pub fn check(&self, at: &KeyPath) -> Result<(), Violation> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Violation::new(at.key("name"), "must be 1-100 characters"));
        }
        Ok(())
    }
}

/// A temperature unit as a reader chooses it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unit {
    #[default]
    C,
    F,
}

#[cfg(test)]
mod tests {
    use crate::config::parse;

    const SITE: &str = "[[sites]]\nname = \"t\"\ntitle = \"T\"\n";

    fn err(text: &str) -> String {
        parse(text, "test.toml").unwrap_err().to_string()
    }

    #[test]
    fn parses_weather_and_a_site_place_with_defaults() {
        let c = parse(
            &format!(
                "[weather]\nbase_url = \"http://127.0.0.1:9999\"\n{SITE}\n[sites.weather]\nname = \"Detroit\"\nlat = 42.33\nlon = -83\nunit = \"F\"\n"
            ),
            "t",
        )
        .unwrap();
        let w = c.weather.unwrap();
        assert_eq!(w.provider, super::ProviderKind::OpenMeteo);
        assert_eq!(w.base_url.unwrap().as_str(), "http://127.0.0.1:9999/");
        assert_eq!(
            (w.ttl_secs, w.max_new_cells_per_pass, w.max_cells),
            (10_800, 20, 1000)
        );
        let p = c.sites[0].weather.as_ref().unwrap();
        assert_eq!(
            (p.name.as_str(), p.lat.0, p.lon.0),
            ("Detroit", 42.33, -83.0)
        );
        assert_eq!(p.unit, super::Unit::F);
    }

    #[test]
    fn no_weather_table_means_no_weather() {
        let c = parse(SITE, "t").unwrap();
        assert!(c.weather.is_none() && c.sites[0].weather.is_none());
    }

    #[test]
    fn latitude_outside_the_globe_names_key_and_line() {
        let e = err(&format!(
            "[weather]\n{SITE}\n[sites.weather]\nname = \"X\"\nlat = 95.5\nlon = 0\n"
        ));
        assert_eq!(
            e,
            "config test.toml:8:7: sites[0].weather.lat: latitude 95.5 is outside -90..90"
        );
        let e = err(&format!(
            "[weather]\n{SITE}\n[sites.weather]\nname = \"X\"\nlat = 0\nlon = -181\n"
        ));
        assert_eq!(
            e,
            "config test.toml:9:7: sites[0].weather.lon: longitude -181 is outside -180..180"
        );
        let e = err(&format!(
            "[weather]\n{SITE}\n[sites.weather]\nname = \"X\"\nlat = nan\nlon = 0\n"
        ));
        assert!(e.contains("outside -90..90"), "{e}");
    }

    #[test]
    fn unknown_provider_and_keys_are_named() {
        let e = err(&format!("[weather]\nprovider = \"darksky\"\n{SITE}"));
        assert_eq!(
            e,
            "config test.toml:2:12: weather.provider: unknown variant `darksky`, expected `open-meteo` or `openweather`"
        );
        let e = err(&format!("[weather]\nttl = 60\n{SITE}"));
        assert!(
            e.starts_with("config test.toml:2:1: weather.ttl: unknown field `ttl`, expected one of `provider`, "),
            "{e}"
        );
        let e = err(&format!(
            "[weather]\n{SITE}\n[sites.weather]\nname = \"X\"\nlat = 1\nlon = 1\nzoom = 3\n"
        ));
        assert_eq!(
            e,
            "config test.toml:10:1: sites[0].weather.zoom: unknown field `zoom`, expected one of `name`, `lat`, `lon`, `unit`"
        );
    }

    #[test]
    fn impolite_or_zero_limits_are_refused_with_line() {
        let e = err(&format!("[weather]\nttl_secs = 60\n{SITE}"));
        assert_eq!(
            e,
            "config test.toml:2:12: weather.ttl_secs: must be at least 900 (15 minutes)"
        );
        let e = err(&format!("[weather]\nmax_cells = 0\n{SITE}"));
        assert_eq!(
            e,
            "config test.toml:2:13: weather.max_cells: must be greater than 0"
        );
        let e = err(&format!("[weather]\nbase_url = \"ftp://x\"\n{SITE}"));
        assert_eq!(
            e,
            "config test.toml:2:12: weather.base_url: \"ftp://x\" must be an http:// or https:// URL"
        );
        let e = err(&format!(
            "[weather]\n{SITE}\n[sites.weather]\nname = \" \"\nlat = 1\nlon = 1\n"
        ));
        assert_eq!(
            e,
            "config test.toml:7:8: sites[0].weather.name: must be 1-100 characters"
        );
    }
}
