//! Units: forecasts are stored in °C and mm; a reader sees °C or °F by their country. Pure.
//! The page's script (`assets/weather.js`) applies the same formulas.

pub use crate::config::weather::Unit;

impl Unit {
    /// `celsius` in this unit, rounded to a whole degree as the strip shows it.
    pub fn show(self, celsius: f64) -> i64 {
        match self {
            Unit::C => celsius.round() as i64,
            Unit::F => c_to_f(celsius).round() as i64,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Unit::C => "°C",
            Unit::F => "°F",
        }
    }
}

pub fn c_to_f(c: f64) -> f64 {
    c * 9.0 / 5.0 + 32.0
}

pub fn f_to_c(f: f64) -> f64 {
    (f - 32.0) * 5.0 / 9.0
}

pub fn inch_to_mm(inch: f64) -> f64 {
    inch * 25.4
}

/// Countries (ISO 3166-1 alpha-2) that read temperatures in °F: the United States with its
/// territories, Liberia, the Bahamas, Belize, the Cayman Islands, Palau, Micronesia and the
/// Marshall Islands.
const FAHRENHEIT: &[&str] = &[
    "US", "PR", "GU", "VI", "AS", "MP", "UM", "LR", "BS", "BZ", "KY", "PW", "FM", "MH",
];

/// The unit readers in `country` expect.
pub fn unit_for_country(country: &str) -> Unit {
    if FAHRENHEIT.iter().any(|c| c.eq_ignore_ascii_case(country)) {
        Unit::F
    } else {
        Unit::C
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_between_celsius_and_fahrenheit() {
        assert_eq!(c_to_f(0.0), 32.0);
        assert_eq!(c_to_f(100.0), 212.0);
        assert_eq!(c_to_f(-40.0), -40.0);
        assert!((f_to_c(c_to_f(21.7)) - 21.7).abs() < 1e-9);
        assert_eq!(inch_to_mm(1.0), 25.4);
        assert_eq!(Unit::F.show(21.7), 71);
        assert_eq!(Unit::C.show(-0.4), 0);
        assert_eq!(Unit::F.show(-17.8), 0);
        assert_eq!(Unit::F.symbol(), "°F");
    }

    #[test]
    fn fahrenheit_countries_are_few() {
        assert_eq!(unit_for_country("US"), Unit::F);
        assert_eq!(unit_for_country("lr"), Unit::F);
        assert_eq!(unit_for_country("KY"), Unit::F);
        for c in ["DE", "CA", "GB", "FR", "JP", "MX", "AU", ""] {
            assert_eq!(unit_for_country(c), Unit::C, "{c}");
        }
    }
}
