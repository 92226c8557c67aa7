//! The gateway's domain: which upstream serves which public path, and who a client is.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

/// Public path prefixes and the service behind each. Anything else under `/api` is a 404, and
/// `/internal/**` is never routed.
pub const ROUTES: &[(&str, &str)] = &[
    ("/api/auth", "auth"),
    ("/.well-known/jwks.json", "auth"),
    ("/api/catalog", "catalog"),
    ("/api/cart", "order"),
    ("/api/orders", "order"),
    ("/api/payments", "payment"),
    ("/api/flights", "flight"),
    ("/api/bookings", "booking"),
    ("/api/admin", "admin"),
];

/// The route prefix a path falls under (matching whole segments only), if any.
pub fn route_for(path: &str) -> Option<(&'static str, &'static str)> {
    ROUTES.iter().copied().find(|(prefix, _)| {
        path == *prefix
            || (path.starts_with(prefix) && path.as_bytes().get(prefix.len()) == Some(&b'/'))
    })
}

/// The client's address: the peer, or, behind `trusted_hops` proxies that each append to
/// `X-Forwarded-For`, the address the outermost trusted proxy saw. Untrusted entries are
/// ignored, so a client cannot pick its own rate-limit bucket.
pub fn client_ip(peer: SocketAddr, headers: &HeaderMap, trusted_hops: usize) -> IpAddr {
    if trusted_hops == 0 {
        return peer.ip();
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    if forwarded.len() >= trusted_hops {
        forwarded[forwarded.len() - trusted_hops]
    } else {
        forwarded.first().copied().unwrap_or_else(|| peer.ip())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_match_whole_segments() {
        assert_eq!(
            route_for("/api/catalog/products"),
            Some(("/api/catalog", "catalog"))
        );
        assert_eq!(route_for("/api/catalog"), Some(("/api/catalog", "catalog")));
        assert_eq!(route_for("/api/catalogue"), None);
        assert_eq!(route_for("/internal/stock"), None);
        assert_eq!(route_for("/api/cart/items/1"), Some(("/api/cart", "order")));
    }

    #[test]
    fn forwarded_for_is_trusted_only_as_far_as_configured() {
        let peer: SocketAddr = "10.0.0.9:1234".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "6.6.6.6, 1.2.3.4".parse().unwrap());
        assert_eq!(client_ip(peer, &headers, 0).to_string(), "10.0.0.9");
        assert_eq!(client_ip(peer, &headers, 1).to_string(), "1.2.3.4");
        assert_eq!(client_ip(peer, &headers, 2).to_string(), "6.6.6.6");
    }
}
