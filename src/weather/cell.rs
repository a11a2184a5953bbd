//! The grid forecasts are shared on: nearby readers fall in one cell and share one forecast, so
//! the provider is asked once per cell, never once per reader. Pure.
//!
//! Rows are 0.15° of latitude (about 16.7 km). Columns are 0.15° of longitude at the equator and
//! widen towards the poles (`round(2400 · cos(latitude))` columns per row), so every cell is
//! about 16.7 km wide: with a fixed 0.15° of longitude a cell next to a pole would be a few
//! metres wide and every reader there would need a forecast of their own. The two rows touching
//! a pole are single cells (a cap of ~17 km radius), so every longitude at a pole is one place.
//! Columns start at the antimeridian: longitude 180 and -180 are the same column 0.
//!
//! Positions are reduced to whole micro-degrees before bucketing, so a coordinate sits in the
//! same cell on every machine whatever the last bits of its float.

use std::fmt;

/// Cell height in degrees of latitude.
pub const SIZE_DEG: f64 = 0.15;
const MICRO: f64 = 1_000_000.0;
const STEP_MICRO: i64 = 150_000;
/// Rows from the south pole to the north pole.
pub const ROWS: u32 = 1200;
/// Columns of a row at the equator (360° / 0.15°).
const EQUATOR_COLS: f64 = 2400.0;
const LON_SPAN_MICRO: i64 = 360_000_000;

/// A cell of the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cell {
    row: u32,
    col: u32,
}

/// Why a point has no cell: a reader typed it, so the message says what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PointError {
    #[error("lat must be a number between -90 and 90")]
    Latitude,
    #[error("lon must be a number between -180 and 180")]
    Longitude,
}

impl Cell {
    /// The cell holding the point `lat`, `lon` (degrees; -90..=90, -180..=180).
    pub fn of(lat: f64, lon: f64) -> Result<Cell, PointError> {
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(PointError::Latitude);
        }
        if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            return Err(PointError::Longitude);
        }
        let lat_micro = ((lat + 90.0) * MICRO).round() as i64;
        let row = ((lat_micro / STEP_MICRO) as u32).min(ROWS - 1);
        let cols = i64::from(cols(row));
        // 180 and -180 are one meridian: column 0.
        let lon_micro = ((lon + 180.0) * MICRO).round() as i64 % LON_SPAN_MICRO;
        let col = (lon_micro * cols / LON_SPAN_MICRO) as u32;
        Ok(Cell { row, col })
    }

    /// The cell's centre (`lat`, `lon`), where its forecast is asked for, to 4 decimals.
    pub fn center(&self) -> (f64, f64) {
        let lat = -90.0 + (f64::from(self.row) + 0.5) * SIZE_DEG;
        let width = 360.0 / f64::from(cols(self.row));
        let lon = -180.0 + (f64::from(self.col) + 0.5) * width;
        (round4(lat), round4(lon))
    }

    /// `RRRR-CCCC`: names the cell in store keys and URLs.
    pub fn id(&self) -> String {
        self.to_string()
    }

    /// The cell an [`id`](Cell::id) names; only the exact form it writes is accepted, so one
    /// cell has one name (and one marker, one object) whoever writes it.
    pub fn parse(id: &str) -> Option<Cell> {
        let (r, c) = id.split_once('-')?;
        if r.len() != 4 || c.len() != 4 || !(r.bytes().chain(c.bytes())).all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let (row, col): (u32, u32) = (r.parse().ok()?, c.parse().ok()?);
        (row < ROWS && col < cols(row)).then_some(Cell { row, col })
    }
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:04}", self.row, self.col)
    }
}

/// Columns in `row`: about 16.7 km wide each; one at the rows touching a pole.
fn cols(row: u32) -> u32 {
    if row == 0 || row == ROWS - 1 {
        return 1;
    }
    let center = (-90.0 + (f64::from(row) + 0.5) * SIZE_DEG).to_radians();
    ((EQUATOR_COLS * center.cos()).round() as u32).max(1)
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(lat: f64, lon: f64) -> Cell {
        Cell::of(lat, lon).unwrap()
    }

    #[test]
    fn nearby_points_share_a_cell_and_distant_ones_do_not() {
        // Detroit downtown and a few streets away.
        assert_eq!(cell(42.3314, -83.0458), cell(42.3400, -83.0500));
        assert_ne!(cell(42.33, -83.05), cell(42.60, -83.05));
        assert_ne!(cell(42.33, -83.05), cell(42.33, -83.40));
    }

    #[test]
    fn every_longitude_at_a_pole_is_one_cell() {
        let north = cell(90.0, 0.0);
        for lon in [-180.0, -120.0, -0.5, 0.0, 45.0, 179.999, 180.0] {
            assert_eq!(cell(90.0, lon), north, "lon {lon}");
            assert_eq!(cell(89.9, lon), north, "lon {lon}");
        }
        let south = cell(-90.0, 0.0);
        for lon in [-180.0, -60.0, 90.0, 180.0] {
            assert_eq!(cell(-90.0, lon), south);
            assert_eq!(cell(-89.86, lon), south);
        }
        assert_ne!(north, south);
        assert_eq!(north.center(), (89.925, 0.0));
        assert_eq!(south.center(), (-89.925, 0.0));
    }

    #[test]
    fn cells_near_the_poles_are_wider_in_longitude_than_at_the_equator() {
        // 1° of longitude: about 7 cells at the equator, one near 85° N where 1° is ~10 km.
        let equator: std::collections::HashSet<_> =
            (0..100).map(|i| cell(0.0, f64::from(i) / 100.0)).collect();
        let north: std::collections::HashSet<_> =
            (0..100).map(|i| cell(85.0, f64::from(i) / 100.0)).collect();
        assert!(equator.len() >= 6, "{}", equator.len());
        assert!(north.len() <= 2, "{}", north.len());
    }

    #[test]
    fn the_antimeridian_is_one_meridian() {
        assert_eq!(cell(10.0, 180.0), cell(10.0, -180.0));
        assert_eq!(cell(-45.0, 180.0), cell(-45.0, -179.99));
        // Just west of it is the last column, just east the first: neighbours, not one cell.
        let west = cell(10.0, 179.95);
        let east = cell(10.0, -179.95);
        assert_ne!(west, east);
        assert_eq!(east.col, 0);
        assert_eq!(west.col, cols(west.row) - 1);
        // Centres stay inside -180..180.
        let (_, lon) = west.center();
        assert!(lon < 180.0 && lon > 179.8, "{lon}");
        let (_, lon) = east.center();
        assert!(lon > -180.0 && lon < -179.8, "{lon}");
    }

    #[test]
    fn a_centre_lies_in_its_own_cell() {
        for (lat, lon) in [
            (42.33, -83.05),
            (-33.87, 151.21),
            (64.15, -21.94),
            (89.5, 100.0),
            (-89.99, -10.0),
            (0.0, 0.0),
            (10.0, 179.99),
        ] {
            let c = cell(lat, lon);
            let (clat, clon) = c.center();
            assert_eq!(
                cell(clat, clon),
                c,
                "{lat},{lon} -> {c} centre {clat},{clon}"
            );
        }
    }

    #[test]
    fn ids_round_trip_and_only_the_canonical_form_parses() {
        let c = cell(42.33, -83.05);
        assert_eq!(Cell::parse(&c.id()), Some(c));
        for bad in [
            "",
            "881-658",
            "0881_0658",
            "0881-06580",
            "1200-0000",
            "0000-0001",
            "-881-0658",
            "0881-9999",
            "+881-0658",
            "../x",
            "0881-065a",
        ] {
            assert_eq!(Cell::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn points_outside_the_globe_are_refused() {
        assert_eq!(Cell::of(90.01, 0.0), Err(PointError::Latitude));
        assert_eq!(Cell::of(f64::NAN, 0.0), Err(PointError::Latitude));
        assert_eq!(Cell::of(0.0, 180.5), Err(PointError::Longitude));
        assert_eq!(Cell::of(0.0, f64::NEG_INFINITY), Err(PointError::Longitude));
    }
}
