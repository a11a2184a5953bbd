//! Where a reader is: with a MaxMind-format database (`--geoip`), the country and approximate
//! position of an address (see [`crate::frontend::client`] for which address).

use std::net::IpAddr;
use std::path::Path;

use maxminddb::geoip2;

/// What a GeoIP database says about an address.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Located {
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    pub city: Option<String>,
    /// Only when the database is sure to within [`MAX_ACCURACY_KM`].
    pub position: Option<(f64, f64)>,
}

/// A position less precise than this is a country's or region's centre, where nobody lives:
/// such readers get the site's place instead.
pub const MAX_ACCURACY_KM: u16 = 500;

/// A MaxMind DB (GeoLite2/GeoIP2 City or Country), held in memory.
pub struct GeoIp {
    reader: maxminddb::Reader<Vec<u8>>,
}

impl std::fmt::Debug for GeoIp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GeoIp({})", self.reader.metadata().database_type)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("cannot read the GeoIP database {path}: {source}")]
pub struct GeoIpError {
    path: String,
    source: maxminddb::MaxMindDbError,
}

impl GeoIp {
    pub fn open(path: &Path) -> Result<GeoIp, GeoIpError> {
        maxminddb::Reader::open_readfile(path)
            .map(|reader| GeoIp { reader })
            .map_err(|source| GeoIpError {
                path: path.display().to_string(),
                source,
            })
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Result<GeoIp, GeoIpError> {
        maxminddb::Reader::from_source(bytes)
            .map(|reader| GeoIp { reader })
            .map_err(|source| GeoIpError {
                path: "(in memory)".into(),
                source,
            })
    }

    /// What the database knows of `ip`; `None` when nothing (or an IPv6 address in an IPv4
    /// database).
    pub fn lookup(&self, ip: IpAddr) -> Option<Located> {
        let record = self
            .reader
            .lookup(ip)
            .ok()?
            .decode::<geoip2::City>()
            .ok()??;
        let loc = &record.location;
        let precise = loc.accuracy_radius.is_none_or(|r| r <= MAX_ACCURACY_KM);
        let position = match (loc.latitude, loc.longitude) {
            (Some(lat), Some(lon)) if precise => Some((lat, lon)),
            _ => None,
        };
        let located = Located {
            country: record.country.iso_code.map(str::to_string),
            city: record.city.names.english.map(str::to_string),
            position,
        };
        (located != Located::default()).then_some(located)
    }
}
