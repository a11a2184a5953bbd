//! The SSRF guard: which addresses a feed may make us connect to.
//!
//! Checked on the addresses a name resolves to (the only ones the connector may use, so the
//! check covers the address actually connected to) and on IP-literal hosts before every request
//! and redirect hop.

use std::net::{IpAddr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::address::is_forbidden;

/// The error a refused address produces, found again in the error chain to classify it.
#[derive(Debug, thiserror::Error)]
#[error(
    "{0} is a private or reserved address (set [fetch] allow_private_networks = true to allow)"
)]
pub struct Blocked(pub IpAddr);

/// A resolver that refuses names resolving to a forbidden address.
pub struct GuardedResolver;

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            // Refuse the name if any address is forbidden: a public answer beside a private one
            // is how DNS rebinding tricks a guard that picks the first safe address.
            if let Some(bad) = addrs.iter().find(|a| is_forbidden(a.ip())) {
                return Err(Box::new(Blocked(bad.ip())) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// Checks a URL whose host is an IP literal (the resolver never sees those).
pub fn check_literal(url: &url::Url) -> Result<(), Blocked> {
    let ip = match url.host() {
        Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
        _ => return Ok(()),
    };
    if is_forbidden(ip) {
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
        assert!(check_literal(&"http://127.0.0.1:8080/x".parse().unwrap()).is_err());
        assert!(check_literal(&"http://[::ffff:192.168.0.1]/".parse().unwrap()).is_err());
        assert!(check_literal(&"http://example.org/".parse().unwrap()).is_ok());
    }

    #[tokio::test]
    async fn resolver_refuses_localhost() {
        let err = GuardedResolver
            .resolve("localhost".parse().unwrap())
            .await
            .err()
            .unwrap();
        assert!(err.to_string().contains("private or reserved"), "{err}");
    }
}
