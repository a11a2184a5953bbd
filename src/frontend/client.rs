//! Who is asking: the client's address and whether the request came over https. Forwarding
//! headers (`X-Forwarded-For`, `X-Forwarded-Proto`) are believed only from the proxies the
//! operator names (`--trusted-proxy`); from anyone else they are the client's own words. Used
//! for the reader's area (GeoIP weather), the admin's login rate limit and the session
//! cookie's `Secure` flag, and to give each client its own share of shared budgets
//! ([`Shares`]).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

/// The network `addr` is counted under: its first `v4_bits` or `v6_bits` (an IPv4-mapped IPv6
/// address as IPv4); an unknown address stays unknown (all such clients count as one).
pub fn network(addr: Option<IpAddr>, v4_bits: u8, v6_bits: u8) -> Option<IpAddr> {
    addr.map(|a| match a.to_canonical() {
        IpAddr::V4(v4) => {
            let mask = u32::MAX
                .checked_shl(32 - u32::from(v4_bits.min(32)))
                .unwrap_or(0);
            IpAddr::V4((u32::from(v4) & mask).into())
        }
        IpAddr::V6(v6) => {
            let mask = u128::MAX
                .checked_shl(128 - u32::from(v6_bits.min(128)))
                .unwrap_or(0);
            IpAddr::V6((u128::from(v6) & mask).into())
        }
    })
}

/// The network a reader counts under for shared budgets: an IPv4 /24 or IPv6 /64.
pub fn reader_network(addr: Option<IpAddr>) -> Option<IpAddr> {
    network(addr, 24, 64)
}

/// Networks a [`Shares`] remembers at most.
pub const MAX_CLIENTS: usize = 10_000;

/// Each client network's share of a budget: a token bucket of `per_minute` per network
/// ([`reader_network`]), refilled at that rate, so no one client can spend what all share.
/// Memory is bounded by [`MAX_CLIENTS`]: full buckets are forgotten first, then the least
/// recently used (a forgotten client gets a full share again, which the budget they share
/// still bounds).
pub struct Shares {
    per_minute: f64,
    buckets: Mutex<HashMap<Option<IpAddr>, (f64, Instant)>>,
}

impl Shares {
    pub fn new(per_minute: u32) -> Shares {
        Shares {
            per_minute: f64::from(per_minute.max(1)),
            buckets: Mutex::default(),
        }
    }

    fn level(&self, (tokens, at): (f64, Instant), now: Instant) -> f64 {
        let refilled = now.saturating_duration_since(at).as_secs_f64() * self.per_minute / 60.0;
        (tokens + refilled).min(self.per_minute)
    }

    /// Takes one of `addr`'s network's tokens, if it has one left at `now`.
    pub fn take(&self, addr: Option<IpAddr>, now: Instant) -> bool {
        let key = reader_network(addr);
        let mut buckets = self.buckets.lock().expect("shares lock");
        if !buckets.contains_key(&key) && buckets.len() >= MAX_CLIENTS {
            buckets.retain(|_, b| self.level(*b, now) < self.per_minute);
            if buckets.len() >= MAX_CLIENTS
                && let Some(oldest) = buckets.iter().min_by_key(|(_, b)| b.1).map(|(k, _)| *k)
            {
                buckets.remove(&oldest);
            }
        }
        let bucket = buckets.entry(key).or_insert((self.per_minute, now));
        let level = self.level(*bucket, now);
        if level < 1.0 {
            return false;
        }
        *bucket = (level - 1.0, now);
        true
    }

    /// How long until `addr`'s network has a token again (zero if it has one).
    pub fn wait(&self, addr: Option<IpAddr>, now: Instant) -> Duration {
        let buckets = self.buckets.lock().expect("shares lock");
        let level = buckets
            .get(&reader_network(addr))
            .map_or(self.per_minute, |b| self.level(*b, now));
        Duration::from_secs_f64(((1.0 - level).max(0.0)) * 60.0 / self.per_minute)
    }

    /// Networks remembered now.
    pub fn len(&self) -> usize {
        self.buckets.lock().expect("shares lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_are_prefixes() {
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        assert_eq!(network(ip("192.0.2.77"), 24, 48), ip("192.0.2.0"));
        assert_eq!(network(ip("::ffff:192.0.2.77"), 24, 48), ip("192.0.2.0"));
        assert_eq!(network(ip("2001:db8:1:2:3::9"), 24, 48), ip("2001:db8:1::"));
        assert_eq!(
            reader_network(ip("2001:db8:1:2:3::9")),
            ip("2001:db8:1:2::")
        );
        assert_eq!(network(ip("192.0.2.77"), 0, 0), ip("0.0.0.0"));
        assert_eq!(network(None, 24, 48), None);
    }

    #[test]
    fn each_network_has_its_own_share() {
        let shares = Shares::new(3);
        let t0 = Instant::now();
        let a = Some("198.51.100.1".parse().unwrap());
        let a_neighbour = Some("198.51.100.200".parse().unwrap());
        let b = Some("203.0.113.1".parse().unwrap());
        assert_eq!((0..10).filter(|_| shares.take(a, t0)).count(), 3);
        assert!(!shares.take(a_neighbour, t0), "the same /24");
        assert!(shares.take(b, t0), "another network is not affected");
        assert_eq!(shares.wait(a, t0), Duration::from_secs(20));
        assert!(shares.take(a, t0 + Duration::from_secs(20)));
        for i in 0..(MAX_CLIENTS as u32 + 10) {
            shares.take(Some(IpAddr::V4((0x0a00_0000 + (i << 8)).into())), t0);
        }
        assert_eq!(shares.len(), MAX_CLIENTS, "bounded");
    }
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
