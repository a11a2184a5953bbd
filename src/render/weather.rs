//! The weather strip's views: the site's place as the page shows it (`templates/weather.html`),
//! the days as both the page and `/api/weather` show them, and the small published object
//! (`weather/place`) that tells frontends the site's place, icons and attribution.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::weather::units::Unit;
use crate::weather::{Forecast, SiteWeather, wmo};

/// The strip of a site's page.
#[derive(Debug, Clone, Serialize)]
pub struct WeatherView {
    pub place: String,
    /// The unit shown before the script knows the reader: the place's.
    pub unit: Unit,
    pub symbol: &'static str,
    pub days: Vec<DayView>,
    pub fetched_at: Option<DateTime<Utc>>,
    pub attribution: AttributionView,
}

/// One day, for the page and `/api/weather` alike (°C and mm; `high`/`low` in the view's unit).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayView {
    pub date: String,
    /// `Mon`, ...
    pub weekday: String,
    pub high: Option<i64>,
    pub low: Option<i64>,
    pub high_c: Option<f64>,
    pub low_c: Option<f64>,
    pub precipitation_probability: Option<u8>,
    pub precipitation_mm: Option<f64>,
    pub code: Option<u8>,
    pub condition: &'static str,
    /// The icon's URL: a hashed asset.
    pub icon: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributionView {
    pub text: String,
    pub url: String,
}

/// `weather/place`: what a frontend needs to answer `/api/weather` for this site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceDoc {
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub cell: String,
    pub unit: Unit,
    /// Icon name (`rain`) to its asset URL, as published with this generation.
    pub icons: BTreeMap<String, String>,
    pub attribution: AttributionView,
}

/// Every weather icon's URL, by icon name.
pub fn icon_urls() -> BTreeMap<String, String> {
    let urls = crate::assets::urls();
    wmo::ICONS
        .iter()
        .filter_map(|icon| {
            let url = urls.get(wmo::icon_asset(icon).as_str())?;
            Some((icon.to_string(), url.clone()))
        })
        .collect()
}

/// The days of `forecast` as readers see them, temperatures shown in `unit`.
pub fn day_views(
    forecast: &Forecast,
    icons: &BTreeMap<String, String>,
    unit: Unit,
) -> Vec<DayView> {
    let one_decimal = |v: f64| (v * 10.0).round() / 10.0;
    forecast
        .days
        .iter()
        .map(|d| {
            let condition = d.code.map(wmo::condition);
            DayView {
                date: d.date.format("%Y-%m-%d").to_string(),
                weekday: d.date.format("%a").to_string(),
                high: d.high_c.map(|c| unit.show(c)),
                low: d.low_c.map(|c| unit.show(c)),
                high_c: d.high_c.map(one_decimal),
                low_c: d.low_c.map(one_decimal),
                precipitation_probability: d
                    .precipitation_probability
                    .map(|p| p.round().clamp(0.0, 100.0) as u8),
                precipitation_mm: d.precipitation_mm.map(one_decimal),
                code: d.code,
                condition: condition.map_or("Unknown conditions", |c| c.text),
                icon: condition.and_then(|c| icons.get(c.icon).cloned()),
            }
        })
        .collect()
}

fn attribution(w: &SiteWeather) -> AttributionView {
    let a = w.provider.attribution();
    AttributionView {
        text: a.text.into(),
        url: a.url.into(),
    }
}

/// The strip of a site's page.
pub fn view(w: &SiteWeather) -> WeatherView {
    let icons = icon_urls();
    let forecast = w.record.as_ref().and_then(|r| r.forecast.as_ref());
    WeatherView {
        place: w.place.name.clone(),
        unit: w.place.unit,
        symbol: w.place.unit.symbol(),
        days: forecast
            .map(|f| day_views(f, &icons, w.place.unit))
            .unwrap_or_default(),
        fetched_at: w.record.as_ref().and_then(|r| r.fetched_at),
        attribution: attribution(w),
    }
}

/// The `weather/place` object of a site.
pub fn place_doc(w: &SiteWeather) -> PlaceDoc {
    PlaceDoc {
        name: w.place.name.clone(),
        lat: w.place.lat.0,
        lon: w.place.lon.0,
        cell: w.cell.id(),
        unit: w.place.unit,
        icons: icon_urls(),
        attribution: attribution(w),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::names;
    use crate::weather::{CellRecord, Day, ProviderKind};

    fn site_weather(
        name: &str,
        forecast: Option<Forecast>,
    ) -> (crate::config::SiteConfig, SiteWeather) {
        let text = format!(
            "[weather]\n[[sites]]\nname = \"t\"\ntitle = \"T\"\n[sites.weather]\nname = {name:?}\nlat = 42.33\nlon = -83.05\nunit = \"F\"\n"
        );
        let mut config = crate::config::parse(&text, "t").unwrap();
        let site = config.sites.remove(0);
        let place = site.weather.clone().unwrap();
        let cell = crate::weather::Cell::of(place.lat.0, place.lon.0).unwrap();
        let record = forecast.map(|f| CellRecord {
            fetched_at: Some("2026-11-23T10:00:00Z".parse().unwrap()),
            forecast: Some(f),
            ..CellRecord::empty(cell, "open-meteo")
        });
        let w = SiteWeather {
            place,
            cell,
            provider: ProviderKind::OpenMeteo,
            record,
        };
        (site, w)
    }

    fn day(high: Option<f64>, code: Option<u8>) -> Day {
        Day {
            date: "2026-11-23".parse().unwrap(),
            high_c: high,
            low_c: Some(-3.26),
            precipitation_probability: Some(87.4),
            precipitation_mm: Some(0.0),
            code,
        }
    }

    fn text(p: &crate::store::publish::Publication, name: &str) -> String {
        let o = p.objects.iter().find(|o| o.name == name).unwrap();
        String::from_utf8(o.bytes.to_vec()).unwrap()
    }

    #[test]
    fn the_strip_is_escaped_and_shows_the_place_unit_with_celsius_beside() {
        let forecast = Forecast {
            days: vec![day(Some(21.7), Some(63)), day(None, None)],
            timezone: None,
        };
        let (site, w) = site_weather("<b>Detroit</b>", Some(forecast));
        let p = crate::render::publication(
            &site,
            &crate::render::Inputs {
                weather: Some(&w),
                ..Default::default()
            },
        )
        .unwrap();
        let html = text(&p, names::INDEX);
        assert!(
            html.contains("<p class=\"weather-place\">&lt;b&gt;Detroit&lt;/b&gt;</p>"),
            "{html}"
        );
        assert!(
            html.contains("<span class=\"weather-high\" data-c=\"21.7\">71°</span>"),
            "{html}"
        );
        assert!(html.contains("data-c=\"-3.3\">26°</span>"), "{html}");
        assert!(
            html.contains("<span class=\"weather-precip\">87% 0.0 mm</span>"),
            "{html}"
        );
        assert!(html.contains("alt=\"Rain\""));
        // A missing value is a dash, not a zero; an unknown code has words and no icon.
        assert!(
            html.contains("<span class=\"weather-high\">–</span>"),
            "{html}"
        );
        assert_eq!(
            html.matches("<img class=\"weather-icon\"").count(),
            1,
            "{html}"
        );
        // Reader layouts are assembled from the same top: the strip is in the part too.
        assert!(text(&p, names::TOP).contains("class=\"weather\""));
        let doc: PlaceDoc = serde_json::from_str(&text(&p, names::WEATHER_PLACE)).unwrap();
        assert_eq!(
            (doc.cell.as_str(), doc.unit),
            (w.cell.id().as_str(), Unit::F)
        );
        assert_eq!(doc.icons.len(), wmo::ICONS.len());
        assert_eq!(doc.attribution.text, "Weather data by Open-Meteo.com");
    }

    #[test]
    fn a_place_without_a_forecast_yet_says_so_and_no_place_means_no_strip() {
        let (site, w) = site_weather("Detroit", None);
        let p = crate::render::publication(
            &site,
            &crate::render::Inputs {
                weather: Some(&w),
                ..Default::default()
            },
        )
        .unwrap();
        let html = text(&p, names::INDEX);
        assert!(html.contains("No forecast yet."), "{html}");
        assert!(html.contains("Weather data by Open-Meteo.com"));
        let p = crate::render::publication(&site, &Default::default()).unwrap();
        assert!(!text(&p, names::INDEX).contains("weather"));
        assert!(p.objects.iter().all(|o| o.name != names::WEATHER_PLACE));
    }
}
