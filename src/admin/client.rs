//! Who is asking: the client's address (for the login rate limit) and whether the request
//! came over https (for the cookie's `Secure` flag). `X-Forwarded-For` and `X-Forwarded-Proto`
//! are believed only from the proxies the operator names (`--trusted-proxy`); from anyone else
//! they are the client's own words.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::request::Parts;

/// An address or network (`10.0.0.0/8`, `::1`) whose forwarding headers are believed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proxy {
    net: IpAddr,
    prefix: u8,
}

impl std::str::FromStr for Proxy {
    type Err = String;
    fn from_str(s: &str) -> Result<Proxy, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let net: IpAddr = addr.trim().parse().map_err(|_| {
            format!("trusted proxy {s:?}: not an IP address or network (e.g. 10.0.0.0/8)")
        })?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("trusted proxy {s:?}: the prefix must be 0-{max}"))?,
        };
        Ok(Proxy { net, prefix })
    }
}

impl Proxy {
    fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// IPv4 addresses mapped into IPv6 (a dual-stack socket) compare as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// What is known of the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    /// `None` when the connection's address is unknown (a request made in-process).
    pub addr: Option<IpAddr>,
    pub https: bool,
}

/// The client of a request: the peer, or for a trusted proxy the address it forwards for (the
/// nearest one in `X-Forwarded-For` that is not itself a trusted proxy).
pub fn client(parts: &Parts, proxies: &[Proxy]) -> Client {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| canonical(c.0.ip()));
    let trusted = |ip: IpAddr| proxies.iter().any(|p| p.contains(ip));
    let https_scheme = parts.uri.scheme_str() == Some("https");
    let Some(peer) = peer.filter(|p| trusted(*p)) else {
        return Client {
            addr: peer,
            https: https_scheme,
        };
    };
    let header = |name: &str| {
        parts
            .headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>()
    };
    let forwarded_for = header("x-forwarded-for");
    let addr = forwarded_for
        .iter()
        .rev()
        .map_while(|a| a.parse::<IpAddr>().ok().map(canonical))
        .find(|a| !trusted(*a))
        .unwrap_or(peer);
    let https = header("x-forwarded-proto")
        .first()
        .is_some_and(|p| p.eq_ignore_ascii_case("https"))
        || https_scheme;
    Client {
        addr: Some(addr),
        https,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(peer: &str, headers: &[(&str, &str)]) -> Parts {
        let mut req = Request::get("/admin/login");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let (mut parts, ()) = req.body(()).unwrap().into_parts();
        parts
            .extensions
            .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        parts
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_proxies() {
        let proxies: Vec<Proxy> = vec!["10.0.0.0/8".parse().unwrap()];
        let fwd = [
            ("x-forwarded-for", "203.0.113.9, 198.51.100.7"),
            ("x-forwarded-proto", "https"),
        ];
        let direct = client(&parts("198.51.100.1:5000", &fwd), &proxies);
        assert_eq!(direct.addr, Some("198.51.100.1".parse().unwrap()));
        assert!(
            !direct.https,
            "a client's own X-Forwarded-Proto is not believed"
        );
        let via = client(&parts("10.1.2.3:5000", &fwd), &proxies);
        assert_eq!(
            via.addr,
            Some("198.51.100.7".parse().unwrap()),
            "the nearest untrusted hop"
        );
        assert!(via.https);
        let mapped = client(&parts("[::ffff:10.0.0.1]:1", &fwd), &proxies);
        assert!(mapped.https, "an IPv4-mapped proxy address is the proxy");
    }

    #[test]
    fn proxies_parse_with_or_without_a_prefix() {
        let p: Proxy = "192.168.1.0/24".parse().unwrap();
        assert!(p.contains("192.168.1.77".parse().unwrap()));
        assert!(!p.contains("192.168.2.1".parse().unwrap()));
        let one: Proxy = "::1".parse().unwrap();
        assert!(one.contains("::1".parse().unwrap()));
        assert!("10.0.0.0/33".parse::<Proxy>().is_err());
        assert!("proxy.example".parse::<Proxy>().is_err());
        let all: Proxy = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
    }
}
