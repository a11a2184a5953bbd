//! Open-Meteo (<https://open-meteo.com/en/docs>): free, no key, data under CC BY 4.0, so the
//! page credits it. One `GET /v1/forecast` per cell asks for the daily values we show.

use chrono::NaiveDate;
use serde::Deserialize;
use url::Url;

use super::units::{f_to_c, inch_to_mm};
use super::{Attribution, DAYS, Day, Forecast, Provider, WeatherError, error_reason};

pub const DEFAULT_BASE: &str = "https://api.open-meteo.com";

pub const ATTRIBUTION: Attribution = Attribution {
    text: "Weather data by Open-Meteo.com",
    url: "https://open-meteo.com/",
};

/// The daily variables asked for, in the order the answer is read.
const DAILY: &str = "weather_code,temperature_2m_max,temperature_2m_min,precipitation_probability_max,precipitation_sum";

pub struct OpenMeteo {
    base: Url,
}

impl OpenMeteo {
    /// `base`: scheme, host and optional path prefix; default [`DEFAULT_BASE`].
    pub fn new(base: Option<Url>) -> Self {
        OpenMeteo {
            base: base.unwrap_or_else(|| Url::parse(DEFAULT_BASE).expect("valid default URL")),
        }
    }
}

impl Provider for OpenMeteo {
    fn name(&self) -> &'static str {
        "open-meteo"
    }

    fn forecast_url(&self, lat: f64, lon: f64) -> Url {
        let mut url = self.base.clone();
        let path = format!("{}/v1/forecast", self.base.path().trim_end_matches('/'));
        url.set_path(&path);
        url.query_pairs_mut()
            .clear()
            .append_pair("latitude", &format!("{lat:.4}"))
            .append_pair("longitude", &format!("{lon:.4}"))
            .append_pair("daily", DAILY)
            .append_pair("timezone", "auto")
            .append_pair("forecast_days", &DAYS.to_string())
            .append_pair("temperature_unit", "celsius")
            .append_pair("precipitation_unit", "mm");
        url
    }

    fn parse(&self, status: u16, body: &[u8]) -> Result<Forecast, WeatherError> {
        parse(status, body)
    }
}

#[derive(Deserialize)]
struct Wire {
    #[serde(default)]
    error: bool,
    reason: Option<String>,
    timezone: Option<String>,
    daily: Option<Daily>,
    #[serde(default)]
    daily_units: Units,
}

#[derive(Deserialize)]
struct Daily {
    time: Vec<String>,
    #[serde(default, alias = "weathercode")]
    weather_code: Vec<Option<f64>>,
    #[serde(default)]
    temperature_2m_max: Vec<Option<f64>>,
    #[serde(default)]
    temperature_2m_min: Vec<Option<f64>>,
    #[serde(default)]
    precipitation_probability_max: Vec<Option<f64>>,
    #[serde(default)]
    precipitation_sum: Vec<Option<f64>>,
}

#[derive(Deserialize, Default)]
struct Units {
    temperature_2m_max: Option<String>,
    precipitation_sum: Option<String>,
}

/// Reads an Open-Meteo answer: a forecast, or why there is none (`http` with the provider's
/// `reason`, or `parse`).
pub fn parse(status: u16, body: &[u8]) -> Result<Forecast, WeatherError> {
    if !(200..300).contains(&status) {
        return Err(error_reason(status, body));
    }
    let wire: Wire = serde_json::from_slice(body)
        .map_err(|e| WeatherError::new("parse", format!("not an Open-Meteo answer: {e}")))?;
    if wire.error {
        let reason = wire.reason.unwrap_or_else(|| "no reason given".into());
        return Err(WeatherError::new(
            "http",
            format!("HTTP {status}: {}", super::clip(&reason, 300)),
        ));
    }
    let daily = wire
        .daily
        .ok_or_else(|| WeatherError::new("parse", "the answer has no daily forecast"))?;
    // We ask for °C and mm; should a proxy or a newer API answer otherwise, convert.
    let fahrenheit = wire
        .daily_units
        .temperature_2m_max
        .is_some_and(|u| u.contains('F'));
    let inches = wire
        .daily_units
        .precipitation_sum
        .is_some_and(|u| u.starts_with("inch"));
    let temp = |v: Option<f64>| v.map(|t| if fahrenheit { f_to_c(t) } else { t });
    let at = |values: &[Option<f64>], i: usize| values.get(i).copied().flatten();
    let mut days = Vec::with_capacity(DAYS);
    for (i, time) in daily.time.iter().take(DAYS).enumerate() {
        let date = NaiveDate::parse_from_str(time, "%Y-%m-%d").map_err(|_| {
            WeatherError::new("parse", format!("bad date {:?}", super::clip(time, 40)))
        })?;
        days.push(Day {
            date,
            high_c: temp(at(&daily.temperature_2m_max, i)),
            low_c: temp(at(&daily.temperature_2m_min, i)),
            precipitation_probability: at(&daily.precipitation_probability_max, i)
                .map(|p| p.clamp(0.0, 100.0)),
            precipitation_mm: at(&daily.precipitation_sum, i)
                .map(|p| if inches { inch_to_mm(p) } else { p }.max(0.0)),
            code: at(&daily.weather_code, i)
                .filter(|c| (0.0..=255.0).contains(c))
                .map(|c| c as u8),
        });
    }
    if days.is_empty() {
        return Err(WeatherError::new("parse", "the answer has no days"));
    }
    Ok(Forecast {
        days,
        timezone: wire.timezone,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DETROIT: &str = include_str!("../../tests/fixtures/weather/open-meteo-detroit.json");

    #[test]
    fn reads_a_real_answer() {
        let f = parse(200, DETROIT.as_bytes()).unwrap();
        assert_eq!(f.timezone.as_deref(), Some("America/Detroit"));
        assert_eq!(f.days.len(), 5);
        let d = &f.days[1];
        assert_eq!(d.date.to_string(), "2026-11-24");
        assert_eq!((d.high_c, d.low_c), (Some(8.1), Some(2.5)));
        assert_eq!(d.precipitation_probability, Some(87.0));
        assert_eq!(d.precipitation_mm, Some(6.3));
        assert_eq!(d.code, Some(61));
        // A null in the answer is a missing value, not a zero.
        assert_eq!(f.days[4].precipitation_probability, None);
        assert_eq!(f.days[4].code, Some(95));
    }

    #[test]
    fn a_400_gives_the_providers_reason() {
        let body = br#"{"error":true,"reason":"Latitude must be in range of -90 to 90\u00b0. Given: 95.0."}"#;
        let e = parse(400, body).unwrap_err();
        assert_eq!(e.kind, "http");
        assert_eq!(
            e.message,
            "HTTP 400: Latitude must be in range of -90 to 90°. Given: 95.0."
        );
    }

    #[test]
    fn malformed_or_empty_answers_are_parse_errors() {
        for body in [
            &b"{\"daily\": {\"time\": [\"2026-11-23\"]"[..],
            b"<html>rate limited</html>",
            b"{}",
            b"{\"daily\":{\"time\":[]}}",
            b"{\"daily\":{\"time\":[\"23/11/2026\"]}}",
        ] {
            let e = parse(200, body).unwrap_err();
            assert_eq!(e.kind, "parse", "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn fahrenheit_and_inches_are_converted_to_celsius_and_mm() {
        let body = r#"{"daily_units":{"temperature_2m_max":"°F","precipitation_sum":"inch"},
            "daily":{"time":["2026-11-23"],"temperature_2m_max":[212],"temperature_2m_min":[32],"precipitation_sum":[1]}}"#;
        let d = &parse(200, body.as_bytes()).unwrap().days[0];
        assert_eq!((d.high_c, d.low_c), (Some(100.0), Some(0.0)));
        assert_eq!(d.precipitation_mm, Some(25.4));
        assert_eq!(d.code, None);
    }

    #[test]
    fn the_url_asks_for_five_metric_days_under_the_base_path() {
        let p = OpenMeteo::new(Some(Url::parse("http://127.0.0.1:9999/proxy/").unwrap()));
        let url = p.forecast_url(42.325, -83.025);
        assert_eq!(url.path(), "/proxy/v1/forecast");
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["latitude"], "42.3250");
        assert_eq!(q["longitude"], "-83.0250");
        assert_eq!(q["forecast_days"], "5");
        assert!(q["daily"].contains("weather_code"));
        assert_eq!(
            OpenMeteo::new(None).forecast_url(0.0, 0.0).host_str(),
            Some("api.open-meteo.com")
        );
    }
}
