//! WMO weather interpretation codes (WMO 4677, as Open-Meteo reports them) to the words and
//! icon a reader sees. Pure. The icons are our own SVG assets (`assets/weather/`), so showing
//! the weather makes no request to anyone else.

/// What a day's code means on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Condition {
    pub text: &'static str,
    /// The icon's asset stem: `wx-<icon>.svg`.
    pub icon: &'static str,
}

/// Every icon a [`Condition`] can name.
pub const ICONS: &[&str] = &[
    "clear", "partly", "cloudy", "fog", "drizzle", "rain", "sleet", "snow", "showers", "thunder",
];

/// The condition of a WMO code; an unknown code says so rather than guessing.
pub fn condition(code: u8) -> Condition {
    let (text, icon) = match code {
        0 => ("Clear sky", "clear"),
        1 => ("Mainly clear", "partly"),
        2 => ("Partly cloudy", "partly"),
        3 => ("Overcast", "cloudy"),
        45 => ("Fog", "fog"),
        48 => ("Freezing fog", "fog"),
        51 => ("Light drizzle", "drizzle"),
        53 => ("Drizzle", "drizzle"),
        55 => ("Dense drizzle", "drizzle"),
        56 => ("Light freezing drizzle", "sleet"),
        57 => ("Freezing drizzle", "sleet"),
        61 => ("Light rain", "rain"),
        63 => ("Rain", "rain"),
        65 => ("Heavy rain", "rain"),
        66 => ("Light freezing rain", "sleet"),
        67 => ("Freezing rain", "sleet"),
        71 => ("Light snow", "snow"),
        73 => ("Snow", "snow"),
        75 => ("Heavy snow", "snow"),
        77 => ("Snow grains", "snow"),
        80 => ("Light showers", "showers"),
        81 => ("Showers", "showers"),
        82 => ("Violent showers", "showers"),
        85 => ("Snow showers", "snow"),
        86 => ("Heavy snow showers", "snow"),
        95 => ("Thunderstorm", "thunder"),
        96 => ("Thunderstorm with hail", "thunder"),
        99 => ("Thunderstorm with heavy hail", "thunder"),
        _ => ("Unknown conditions", "cloudy"),
    };
    Condition { text, icon }
}

/// The asset name of an icon.
pub fn icon_asset(icon: &str) -> String {
    format!("wx-{icon}.svg")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_words_and_known_icons() {
        assert_eq!(condition(0).text, "Clear sky");
        assert_eq!(condition(63).icon, "rain");
        assert_eq!(condition(75).icon, "snow");
        assert_eq!(condition(99).icon, "thunder");
        assert_eq!(condition(200).text, "Unknown conditions");
        for code in 0..=255u8 {
            assert!(ICONS.contains(&condition(code).icon), "code {code}");
        }
    }

    #[test]
    fn every_icon_is_a_published_asset() {
        let urls = crate::assets::urls();
        for icon in ICONS {
            assert!(urls.contains_key(icon_asset(icon).as_str()), "{icon}");
        }
    }
}
