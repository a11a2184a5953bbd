//! The SSRF guard: which addresses a feed may make us connect to.
//!
//! Checked on the addresses a name resolves to (the only ones the connector may use, so the
//! check covers the address actually connected to) and on IP-literal hosts before every request
//! and redirect hop.
//!
//! Private addresses are allowed only for the hosts the operator named ([`PrivateHosts`]): the
//! hosts of the configured feed (and weather) URLs when `[fetch] allow_private_networks` is on,
//! and those in `[fetch] allow_private_hosts`. URLs found in what those servers send (og:image
//! pages, logos, headline images, redirects) are guarded like any other unless they are on one
//! of those hosts too.

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::address::is_forbidden;

/// The error a refused address produces, found again in the error chain to classify it.
#[derive(Debug, thiserror::Error)]
#[error(
    "{0} is a private or reserved address (only the hosts of configured feed URLs may be, with [fetch] allow_private_networks = true, or hosts listed in [fetch] allow_private_hosts)"
)]
pub struct Blocked(pub IpAddr);

/// Hosts (names or IP literals, lowercase, without port or brackets) allowed to be on private
/// addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrivateHosts(Arc<BTreeSet<String>>);

impl PrivateHosts {
    pub fn new(hosts: impl IntoIterator<Item = impl AsRef<str>>) -> PrivateHosts {
        PrivateHosts(Arc::new(
            hosts.into_iter().map(|h| normalize(h.as_ref())).collect(),
        ))
    }

    pub fn allows(&self, host: &str) -> bool {
        !self.0.is_empty() && self.0.contains(&normalize(host))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn normalize(host: &str) -> String {
    host.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// A resolver that refuses names resolving to a forbidden address, except the allowed hosts.
pub struct GuardedResolver {
    pub allowed: PrivateHosts,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        let allowed = self.allowed.allows(&host);
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            // Refuse the name if any address is forbidden: a public answer beside a private one
            // is how DNS rebinding tricks a guard that picks the first safe address.
            if !allowed && let Some(bad) = addrs.iter().find(|a| is_forbidden(a.ip())) {
                return Err(Box::new(Blocked(bad.ip())) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// Checks a URL whose host is an IP literal (the resolver never sees those); an allowed
/// literal host passes.
pub fn check_literal(url: &url::Url, allowed: &PrivateHosts) -> Result<(), Blocked> {
    let ip = match url.host() {
        Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
        _ => return Ok(()),
    };
    if is_forbidden(ip) && !allowed.allows(&ip.to_string()) {
        Err(Blocked(ip))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_hosts_are_checked() {
        let none = PrivateHosts::default();
        assert!(check_literal(&"http://127.0.0.1:8080/x".parse().unwrap(), &none).is_err());
        assert!(check_literal(&"http://[::ffff:192.168.0.1]/".parse().unwrap(), &none).is_err());
        assert!(check_literal(&"http://[64:ff9b:1::a00:1]/".parse().unwrap(), &none).is_err());
        assert!(check_literal(&"http://[2001::1]/".parse().unwrap(), &none).is_err());
        assert!(check_literal(&"http://example.org/".parse().unwrap(), &none).is_ok());
    }

    #[test]
    fn only_the_allowed_hosts_may_be_private() {
        let feeds = PrivateHosts::new(["127.0.0.1", "[::1]", "Intranet.Example."]);
        assert!(check_literal(&"http://127.0.0.1:8080/feed".parse().unwrap(), &feeds).is_ok());
        assert!(check_literal(&"http://[::1]:8080/feed".parse().unwrap(), &feeds).is_ok());
        // An og:image, logo or redirect elsewhere in private space keeps the guard.
        for derived in [
            "http://127.0.0.2/",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1/logo.png",
        ] {
            assert!(
                check_literal(&derived.parse().unwrap(), &feeds).is_err(),
                "{derived}"
            );
        }
        assert!(feeds.allows("intranet.example"));
        assert!(!feeds.allows("other.example"));
    }

    #[tokio::test]
    async fn resolver_refuses_localhost_unless_it_is_allowed() {
        let guarded = GuardedResolver {
            allowed: PrivateHosts::new(["intranet.example"]),
        };
        let err = guarded
            .resolve("localhost".parse().unwrap())
            .await
            .err()
            .unwrap();
        assert!(err.to_string().contains("private or reserved"), "{err}");
        let allowed = GuardedResolver {
            allowed: PrivateHosts::new(["localhost"]),
        };
        assert!(allowed.resolve("localhost".parse().unwrap()).await.is_ok());
    }
}
