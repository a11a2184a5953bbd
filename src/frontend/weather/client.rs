//! Who the reader is and where: their address (the peer, or `X-Forwarded-For` when the peer
//! is a trusted proxy) and, with a MaxMind-format database (`--geoip`), their country and
//! approximate position.

use std::net::IpAddr;
use std::path::Path;

use axum::http::HeaderMap;
use ipnetwork::IpNetwork;
use maxminddb::geoip2;

/// The reader's address. Only a trusted peer's `X-Forwarded-For` counts, read from the right:
/// each trusted proxy appends the address it got the request from, so the right-most address
/// that is not a trusted proxy is the first one nobody we trust vouches for beyond. A malformed
/// entry on the way makes the address unknown rather than a guess.
pub fn client_ip(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &[IpNetwork],
) -> Option<IpAddr> {
    let peer = peer?.to_canonical();
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return Some(peer);
    }
    let mut nearest = peer;
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|v| v.to_str().ok())
        .collect::<Option<Vec<&str>>>()?;
    for hop in hops.iter().flat_map(|v| v.split(',')).rev() {
        let ip = hop.trim().parse::<IpAddr>().ok()?.to_canonical();
        if !is_trusted(ip) {
            return Some(ip);
        }
        nearest = ip;
    }
    // Every hop is a trusted proxy: the left-most is the closest we know to the reader.
    Some(nearest)
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn nets(list: &[&str]) -> Vec<IpNetwork> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn an_untrusted_peers_forwarded_for_is_ignored() {
        let h = xff(&["198.51.100.9"]);
        assert_eq!(client_ip(ip("203.0.113.5"), &h, &[]), ip("203.0.113.5"));
        assert_eq!(
            client_ip(ip("203.0.113.5"), &h, &nets(&["10.0.0.0/8"])),
            ip("203.0.113.5")
        );
        assert_eq!(client_ip(None, &h, &nets(&["0.0.0.0/0"])), None);
    }

    #[test]
    fn a_trusted_peer_yields_the_right_most_untrusted_hop() {
        let trusted = nets(&["10.0.0.0/8", "127.0.0.1/32"]);
        // The reader spoofs a first hop; the real chain is appended after it.
        let h = xff(&["1.2.3.4, 198.51.100.9", "10.1.1.1"]);
        assert_eq!(client_ip(ip("127.0.0.1"), &h, &trusted), ip("198.51.100.9"));
        // Only trusted hops: the left-most.
        let h = xff(&["10.2.2.2, 10.1.1.1"]);
        assert_eq!(client_ip(ip("127.0.0.1"), &h, &trusted), ip("10.2.2.2"));
        // No header: the proxy itself.
        assert_eq!(
            client_ip(ip("127.0.0.1"), &HeaderMap::new(), &trusted),
            ip("127.0.0.1")
        );
        // A malformed hop before any untrusted one: unknown.
        let h = xff(&["198.51.100.9, garbage"]);
        assert_eq!(client_ip(ip("127.0.0.1"), &h, &trusted), None);
    }

    #[test]
    fn ipv4_mapped_addresses_count_as_ipv4() {
        let trusted = nets(&["127.0.0.1/32"]);
        let h = xff(&["::ffff:198.51.100.9"]);
        assert_eq!(
            client_ip(ip("::ffff:127.0.0.1"), &h, &trusted),
            ip("198.51.100.9")
        );
    }
}
