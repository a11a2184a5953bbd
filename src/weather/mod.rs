//! Weather: the fetcher polls a weather API and stores one forecast per grid cell in the
//! bucket; frontends serve those and never call the provider themselves, so however many
//! frontends and readers there are, the provider sees one request per cell per TTL.
//!
//! [`Provider`]s are pure (build the request URL, parse the answer) so parsing is tested with
//! strings; the one request per cell goes through the fetcher's [`HttpClient`] (SSRF guard,
//! timeouts, body cap). [`cell`] is the grid, [`wmo`] the conditions, [`units`] °C/°F,
//! [`state`] what is stored, [`plan`] and [`pass`] what one `sync` does.
//!
//! `mod.rs` holds the types every file shares (the forecast, the error, the [`Provider`]
//! trait) and re-exports the files' entry points; the files use those types and each other
//! only downwards (`pass` → `plan` → `state` → `cell`).

pub mod cell;
pub mod open_meteo;
pub mod openweather;
pub mod pass;
pub mod plan;
pub mod state;
pub mod units;
pub mod wmo;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use url::Url;

pub use crate::config::weather::{Place, ProviderKind, WeatherConfig};
use crate::fetch::{FetchFailure, HttpClient};
pub use cell::Cell;
pub use pass::{PassSummary, refresh};
pub use state::{CellRecord, Index};

/// Days in a forecast.
pub const DAYS: usize = 5;

/// Where the OpenWeather key is read from (never from the config file, which is often shared).
pub const OPENWEATHER_KEY_ENV: &str = "NEWSDESK_OPENWEATHER_KEY";

/// A few days of weather at one place, in °C and mm whatever the provider sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    pub days: Vec<Day>,
    /// The provider's time zone of the dates, when it says.
    pub timezone: Option<String>,
}

/// One day of a forecast. A provider may leave any value out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Day {
    /// The local date at the place.
    pub date: NaiveDate,
    pub high_c: Option<f64>,
    pub low_c: Option<f64>,
    /// Chance of precipitation, 0-100 %.
    pub precipitation_probability: Option<f64>,
    pub precipitation_mm: Option<f64>,
    /// WMO weather code, the day's most severe condition (see [`wmo`]).
    pub code: Option<u8>,
}

/// Why a forecast could not be had, for the reader (`/api/weather`) and the log alike.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct WeatherError {
    /// `http` (the provider refused), `parse` (not a forecast), or a fetch class: `timeout`,
    /// `connect`, `network`, `too-large`, `blocked`.
    pub kind: String,
    pub message: String,
}

impl WeatherError {
    pub fn new(kind: &str, message: impl Into<String>) -> Self {
        WeatherError {
            kind: kind.into(),
            message: message.into(),
        }
    }
}

/// Who must be credited on the page, as the provider's terms ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Attribution {
    pub text: &'static str,
    pub url: &'static str,
}

/// A weather API, without I/O: the request for a place and the reading of the answer.
pub trait Provider: Send + Sync {
    /// Short name, stored with each forecast.
    fn name(&self) -> &'static str;
    /// The URL asking for [`DAYS`] days at `lat`, `lon`; may carry a key, so never logged.
    fn forecast_url(&self, lat: f64, lon: f64) -> Url;
    /// Reads an answer of any status: errors are explained in the body by both providers.
    fn parse(&self, status: u16, body: &[u8]) -> Result<Forecast, WeatherError>;
}

impl ProviderKind {
    pub fn name(self) -> &'static str {
        match self {
            ProviderKind::OpenMeteo => "open-meteo",
            ProviderKind::OpenWeather => "openweather",
        }
    }

    pub fn attribution(self) -> Attribution {
        match self {
            ProviderKind::OpenMeteo => open_meteo::ATTRIBUTION,
            ProviderKind::OpenWeather => openweather::ATTRIBUTION,
        }
    }
}

/// The provider `config` names; `api_key` is the environment's [`OPENWEATHER_KEY_ENV`].
pub fn provider(
    config: &WeatherConfig,
    api_key: Option<String>,
) -> Result<Box<dyn Provider>, WeatherError> {
    let base = config.base_url.as_ref().map(|u| u.url().clone());
    match config.provider {
        ProviderKind::OpenMeteo => Ok(Box::new(open_meteo::OpenMeteo::new(base))),
        ProviderKind::OpenWeather => {
            let key = api_key.filter(|k| !k.trim().is_empty()).ok_or_else(|| {
                WeatherError::new(
                    "config",
                    format!("provider \"openweather\" needs an API key in {OPENWEATHER_KEY_ENV}"),
                )
            })?;
            Ok(Box::new(openweather::OpenWeather::new(base, key)))
        }
    }
}

/// A failed request: what went wrong, and how long the provider asked us to stay away.
#[derive(Debug, Clone, PartialEq)]
pub struct Failed {
    pub error: WeatherError,
    pub retry_after: Option<std::time::Duration>,
}

/// Asks `provider` for the forecast of `cell` (at its centre): one request.
pub async fn fetch(
    client: &HttpClient,
    provider: &dyn Provider,
    cell: Cell,
) -> Result<Forecast, Failed> {
    let (lat, lon) = cell.center();
    let url = provider.forecast_url(lat, lon);
    let answer = client
        .get_api(&url)
        .await
        .map_err(|f: FetchFailure| Failed {
            error: WeatherError::new(&f.error.kind, f.error.message),
            retry_after: f.retry_after,
        })?;
    provider
        .parse(answer.status.as_u16(), &answer.body)
        .map_err(|error| Failed {
            error,
            retry_after: answer.retry_after,
        })
}

/// What a site's page shows of the weather: its place and that cell's stored forecast.
#[derive(Debug, Clone)]
pub struct SiteWeather {
    pub place: Place,
    pub cell: Cell,
    pub provider: ProviderKind,
    /// `None` until the cell was first fetched.
    pub record: Option<CellRecord>,
}

/// The weather of `site`'s page, if `[weather]` and the site's place are configured: one read.
pub async fn site_weather(
    config: &crate::config::Config,
    store: &crate::store::Store,
    site: &crate::config::SiteConfig,
) -> Result<Option<SiteWeather>, crate::store::StoreError> {
    use crate::store::{Key, StoreError};
    let (Some(weather), Some(place)) = (&config.weather, &site.weather) else {
        return Ok(None);
    };
    let Ok(cell) = Cell::of(place.lat.0, place.lon.0) else {
        return Ok(None);
    };
    let record = match store
        .get_json::<CellRecord>(&Key::WeatherCell(cell.id()))
        .await
    {
        Ok(r) => r,
        Err(StoreError::Corrupt { key, source }) => {
            tracing::warn!(%key, error = %source, "weather cell is not valid; the next refresh rewrites it");
            None
        }
        Err(e) => return Err(e),
    };
    Ok(Some(SiteWeather {
        place: place.clone(),
        cell,
        provider: weather.provider,
        record,
    }))
}

/// The reason a JSON error body gives (`{"reason": ...}` from Open-Meteo, `{"message": ...}`
/// from OpenWeather), cut to a length a log line and a page can hold.
pub(crate) fn error_reason(status: u16, body: &[u8]) -> WeatherError {
    let reason = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            ["reason", "message"]
                .iter()
                .find_map(|k| v.get(k).and_then(|r| r.as_str()).map(str::to_string))
        });
    let message = match reason {
        Some(r) => format!("HTTP {status}: {}", clip(&r, 300)),
        None => format!("HTTP {status}"),
    };
    WeatherError::new("http", message)
}

/// `s` cut to at most `max` characters.
pub(crate) fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openweather_without_a_key_says_where_the_key_goes() {
        let cfg: WeatherConfig = toml::from_str("provider = \"openweather\"").unwrap();
        let e = provider(&cfg, None).err().unwrap();
        assert!(e.message.contains(OPENWEATHER_KEY_ENV), "{e}");
        assert!(provider(&cfg, Some("  ".into())).is_err());
        let p = provider(&cfg, Some("k".into())).unwrap();
        assert_eq!(p.name(), "openweather");
    }

    #[test]
    fn error_reasons_are_read_and_clipped() {
        let e = error_reason(
            400,
            br#"{"error":true,"reason":"Latitude must be in range"}"#,
        );
        assert_eq!(e.message, "HTTP 400: Latitude must be in range");
        assert_eq!(error_reason(502, b"<html>").message, "HTTP 502");
        let long = format!(r#"{{"reason":"{}"}}"#, "é".repeat(500));
        assert_eq!(
            error_reason(400, long.as_bytes()).message.chars().count(),
            "HTTP 400: ".len() + 301
        );
    }
}
