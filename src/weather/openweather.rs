//! OpenWeather's "5 day / 3 hour forecast" (<https://openweathermap.org/forecast5>): needs an
//! API key (from the environment). Its 3-hourly steps are folded into local days: highest
//! high, lowest low, highest chance and summed amount of precipitation, most severe condition.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate};
use serde::Deserialize;
use url::Url;

use super::{Attribution, DAYS, Day, Forecast, Provider, WeatherError, error_reason};

pub const DEFAULT_BASE: &str = "https://api.openweathermap.org";

pub const ATTRIBUTION: Attribution = Attribution {
    text: "Weather data by OpenWeather",
    url: "https://openweathermap.org/",
};

pub struct OpenWeather {
    base: Url,
    key: String,
}

impl OpenWeather {
    pub fn new(base: Option<Url>, key: String) -> Self {
        OpenWeather {
            base: base.unwrap_or_else(|| Url::parse(DEFAULT_BASE).expect("valid default URL")),
            key,
        }
    }
}

impl Provider for OpenWeather {
    fn name(&self) -> &'static str {
        "openweather"
    }

    fn forecast_url(&self, lat: f64, lon: f64) -> Url {
        let mut url = self.base.clone();
        let path = format!(
            "{}/data/2.5/forecast",
            self.base.path().trim_end_matches('/')
        );
        url.set_path(&path);
        url.query_pairs_mut()
            .clear()
            .append_pair("lat", &format!("{lat:.4}"))
            .append_pair("lon", &format!("{lon:.4}"))
            .append_pair("units", "metric")
            .append_pair("appid", &self.key);
        url
    }

    fn parse(&self, status: u16, body: &[u8]) -> Result<Forecast, WeatherError> {
        parse(status, body)
    }
}

#[derive(Deserialize)]
struct Wire {
    list: Vec<Step>,
    #[serde(default)]
    city: City,
}

#[derive(Deserialize, Default)]
struct City {
    /// Offset from UTC in seconds.
    #[serde(default)]
    timezone: i64,
}

#[derive(Deserialize)]
struct Step {
    dt: i64,
    main: Main,
    #[serde(default)]
    weather: Vec<Condition>,
    /// Chance of precipitation, 0-1.
    pop: Option<f64>,
    rain: Option<Amount>,
    snow: Option<Amount>,
}

#[derive(Deserialize)]
struct Main {
    temp_min: Option<f64>,
    temp_max: Option<f64>,
}

#[derive(Deserialize)]
struct Condition {
    id: u16,
}

#[derive(Deserialize)]
struct Amount {
    #[serde(rename = "3h")]
    three_hours: Option<f64>,
}

/// Reads an OpenWeather answer (metric units asked for).
pub fn parse(status: u16, body: &[u8]) -> Result<Forecast, WeatherError> {
    if !(200..300).contains(&status) {
        return Err(error_reason(status, body));
    }
    let wire: Wire = serde_json::from_slice(body)
        .map_err(|e| WeatherError::new("parse", format!("not an OpenWeather answer: {e}")))?;
    let mut days: BTreeMap<NaiveDate, Day> = BTreeMap::new();
    for step in &wire.list {
        let local = DateTime::from_timestamp(step.dt.saturating_add(wire.city.timezone), 0)
            .ok_or_else(|| WeatherError::new("parse", format!("bad time {}", step.dt)))?;
        let date = local.date_naive();
        let day = days.entry(date).or_insert(Day {
            date,
            high_c: None,
            low_c: None,
            precipitation_probability: None,
            precipitation_mm: None,
            code: None,
        });
        let amount = [&step.rain, &step.snow]
            .iter()
            .filter_map(|a| a.as_ref()?.three_hours)
            .sum::<f64>();
        day.high_c = max(day.high_c, step.main.temp_max);
        day.low_c = min(day.low_c, step.main.temp_min);
        day.precipitation_probability = max(
            day.precipitation_probability,
            step.pop.map(|p| (p * 100.0).clamp(0.0, 100.0)),
        );
        day.precipitation_mm = Some(day.precipitation_mm.unwrap_or(0.0) + amount.max(0.0));
        let code = step.weather.first().map(|c| wmo_code(c.id));
        day.code = day.code.max(code);
    }
    if days.is_empty() {
        return Err(WeatherError::new(
            "parse",
            "the answer has no forecast steps",
        ));
    }
    Ok(Forecast {
        days: days.into_values().take(DAYS).collect(),
        timezone: None,
    })
}

fn max(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn min(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// OpenWeather's condition id (<https://openweathermap.org/weather-conditions>) as the WMO
/// code of the same weather, so both providers share words and icons. WMO codes grow with
/// severity, so the largest of a day is its most severe.
pub fn wmo_code(id: u16) -> u8 {
    match id {
        200..=299 => 95,
        300..=301 => 51,
        302..=399 => 53,
        500 => 61,
        501 => 63,
        502..=504 => 65,
        511 => 66,
        520 => 80,
        521 => 81,
        522..=599 => 82,
        600 => 71,
        601 => 73,
        602 => 75,
        611..=616 => 67,
        620 => 85,
        621..=699 => 86,
        700..=799 => 45,
        800 => 0,
        801 => 1,
        802 => 2,
        _ => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BERLIN: &str = include_str!("../../tests/fixtures/weather/openweather-berlin.json");

    #[test]
    fn three_hour_steps_fold_into_local_days() {
        let f = parse(200, BERLIN.as_bytes()).unwrap();
        let dates: Vec<String> = f.days.iter().map(|d| d.date.to_string()).collect();
        // UTC+1: 21:00 UTC is still the 23rd, 00:00 UTC is the 24th.
        assert_eq!(dates, ["2026-11-23", "2026-11-24", "2026-11-25"]);
        let d = &f.days[1];
        assert_eq!((d.high_c, d.low_c), (Some(6.0), Some(1.5)));
        assert_eq!(d.precipitation_probability, Some(80.0));
        assert!((d.precipitation_mm.unwrap() - 1.77).abs() < 1e-9);
        assert_eq!(d.code, Some(73), "snow is the most severe of the day");
        assert_eq!(f.days[2].code, Some(95));
        assert_eq!(f.days[0].precipitation_mm, Some(0.0));
    }

    #[test]
    fn errors_carry_the_message_and_never_the_key() {
        let e = parse(401, br#"{"cod":401,"message":"Invalid API key. Please see https://openweathermap.org/faq#error401 for more info."}"#).unwrap_err();
        assert_eq!(e.kind, "http");
        assert!(e.message.starts_with("HTTP 401: Invalid API key"), "{e}");
        assert_eq!(parse(200, b"{\"list\":[]}").unwrap_err().kind, "parse");
        assert_eq!(parse(200, b"not json").unwrap_err().kind, "parse");
    }

    #[test]
    fn the_url_is_metric_with_the_key() {
        let p = OpenWeather::new(None, "s3cret".into());
        let url = p.forecast_url(52.5, 13.4);
        assert_eq!(url.path(), "/data/2.5/forecast");
        assert!(url.as_str().contains("units=metric") && url.as_str().contains("appid=s3cret"));
    }

    #[test]
    fn condition_ids_map_to_wmo_codes() {
        assert_eq!(wmo_code(800), 0);
        assert_eq!(wmo_code(804), 3);
        assert_eq!(wmo_code(741), 45);
        assert_eq!(wmo_code(502), 65);
        assert_eq!(wmo_code(622), 86);
    }
}
