//! Who is asking: the client's address and whether the request came over https. Forwarding
//! headers (`X-Forwarded-For`, `X-Forwarded-Proto`) are believed only from the proxies the
//! operator names (`--trusted-proxy`); from anyone else they are the client's own words. Used
//! for the reader's area (GeoIP weather), the admin's login rate limit and the session
//! cookie's `Secure` flag.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use ipnetwork::IpNetwork;

/// Whether the page a browser posts from is on this host: its `Origin`, when it sends one,
/// must name the request's `Host`. A request without `Origin` (curl, older browsers) passes;
/// callers decide what else they require (a token, `Sec-Fetch-Site`).
pub fn origin_is_host(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, h)| h);
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

/// What is known of the client of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    /// `None` when the connection's address is unknown (a request made in-process).
    pub addr: Option<IpAddr>,
    pub https: bool,
}

/// The client of a request: the peer (from the serving loop's `ConnectInfo`), or for a trusted
/// proxy the address it forwards for.
pub fn client(parts: &Parts, trusted: &[IpNetwork]) -> Client {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_canonical());
    let via_proxy = peer.is_some_and(|p| trusted.iter().any(|n| n.contains(p)));
    let forwarded_https = || {
        parts
            .headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
    };
    Client {
        addr: client_ip(peer, &parts.headers, trusted),
        https: parts.uri.scheme_str() == Some("https") || (via_proxy && forwarded_https()),
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderValue, Request};

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

    #[test]
    fn forwarded_proto_counts_only_from_a_trusted_proxy() {
        let parts = |peer: &str| {
            let (mut parts, ()) = Request::get("/admin/login")
                .header("x-forwarded-for", "203.0.113.9, 198.51.100.7")
                .header("x-forwarded-proto", "https")
                .body(())
                .unwrap()
                .into_parts();
            parts
                .extensions
                .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
            parts
        };
        let trusted = nets(&["10.0.0.0/8"]);
        let direct = client(&parts("198.51.100.1:5000"), &trusted);
        assert_eq!(direct.addr, ip("198.51.100.1"));
        assert!(
            !direct.https,
            "a client's own X-Forwarded-Proto is not believed"
        );
        let via = client(&parts("10.1.2.3:5000"), &trusted);
        assert_eq!(via.addr, ip("198.51.100.7"), "the nearest untrusted hop");
        assert!(via.https);
        let mapped = client(&parts("[::ffff:10.0.0.1]:1"), &trusted);
        assert!(mapped.https, "an IPv4-mapped proxy address is the proxy");
    }
}
