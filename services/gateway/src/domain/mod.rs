//! The gateway's domain: which upstream serves which public path, and who a client is.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

/// Public path prefixes and the service behind each, from the service registry. Anything else
/// under `/api` is a 404, and `/internal/**` is never routed.
#[derive(Debug, Clone)]
pub struct RouteTable {
    routes: Vec<(&'static str, &'static str)>,
}

impl RouteTable {
    pub fn new(routes: Vec<(&'static str, &'static str)>) -> Self {
        Self { routes }
    }

    /// The route prefix a path falls under (matching whole segments only), if any.
    pub fn route_for(&self, path: &str) -> Option<(&'static str, &'static str)> {
        self.routes.iter().copied().find(|(prefix, _)| {
            path == *prefix
                || (path.starts_with(prefix) && path.as_bytes().get(prefix.len()) == Some(&b'/'))
        })
    }

    /// Where a request may go: its normalised path and the route it falls under. A path
    /// whose dot-segments change which route (or whether any route) applies is refused.
    pub fn route_request(
        &self,
        path: &str,
    ) -> Result<(String, &'static str, &'static str), PathError> {
        let normalized = normalize_path(path)?;
        let routed = self.route_for(&normalized);
        if normalized != path && self.route_for(path).map(|(p, _)| p) != routed.map(|(p, _)| p) {
            return Err(PathError::Climbs);
        }
        let (prefix, service) = routed.ok_or(PathError::Unknown)?;
        Ok((normalized, prefix, service))
    }
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
    // Fewer entries than trusted proxies means the request did not come through all of them:
    // every entry it carries may be the client's own invention, so only the peer counts.
    if forwarded.len() >= trusted_hops {
        forwarded[forwarded.len() - trusted_hops]
    } else {
        peer.ip()
    }
}

/// Why a request path cannot be routed.
#[derive(Debug, PartialEq, Eq)]
pub enum PathError {
    /// Dot-segments would take it above the root, or out of the route it names.
    Climbs,
    /// Not valid percent-encoding of UTF-8.
    Malformed,
    /// No API lives there.
    Unknown,
}

/// The path with dot-segments removed (RFC 3986 §5.2.4), treating `%2e`/`%2E` as `.` so that
/// encoded dots cannot smuggle a climb past routing. Other percent-encodings are kept as
/// sent. A path that climbs above the root is refused, never clamped.
pub fn normalize_path(path: &str) -> Result<String, PathError> {
    if !path.starts_with('/') {
        return Err(PathError::Malformed);
    }
    // The common case, on every request: nothing encoded and no dot-segment.
    if !path.contains('%') && !path.split('/').any(|s| s == "." || s == "..") {
        return Ok(path.to_string());
    }
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path[1..].split('/').collect();
    let last = segments.len() - 1;
    let mut trailing_slash = false;
    for (i, segment) in segments.iter().enumerate() {
        let decoded_dots = segment.replace("%2e", ".").replace("%2E", ".");
        match decoded_dots.as_str() {
            "." => trailing_slash = i == last,
            ".." => {
                if out.pop().is_none() {
                    return Err(PathError::Climbs);
                }
                trailing_slash = i == last;
            }
            _ => {
                if segment.contains('%')
                    && percent_encoding::percent_decode_str(segment)
                        .decode_utf8()
                        .is_err()
                {
                    return Err(PathError::Malformed);
                }
                out.push(segment);
                trailing_slash = false;
            }
        }
    }
    let mut normalized = format!("/{}", out.join("/"));
    if trailing_slash && !normalized.ends_with('/') {
        normalized.push('/');
    }
    Ok(normalized)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> RouteTable {
        RouteTable::new(vec![
            ("/api/auth", "auth"),
            ("/.well-known/jwks.json", "auth"),
            ("/api/catalog", "catalog"),
            ("/api/cart", "order"),
            ("/api/orders", "order"),
        ])
    }

    fn route_for(path: &str) -> Option<(&'static str, &'static str)> {
        table().route_for(path)
    }

    fn route_request(path: &str) -> Result<(String, &'static str, &'static str), PathError> {
        table().route_request(path)
    }

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
    fn dot_segments_are_removed_and_climbing_out_is_refused() {
        assert_eq!(
            normalize_path("/api/catalog/./products").unwrap(),
            "/api/catalog/products"
        );
        assert_eq!(
            normalize_path("/api/catalog/products/x/../y").unwrap(),
            "/api/catalog/products/y"
        );
        assert_eq!(normalize_path("/a/b/..").unwrap(), "/a/");
        assert_eq!(normalize_path("/../x"), Err(PathError::Climbs));
        for climbing in [
            "/api/catalog/../../internal/reservations",
            "/api/catalog/%2e%2e/%2e%2e/metrics",
            "/api/catalog/%2E%2E/%2E%2E/metrics",
            "/api/orders/../../readyz",
            "/api/orders/../catalog/products",
            "/api/catalog/.%2e/.%2E/internal/x",
        ] {
            assert_eq!(
                route_request(climbing),
                Err(PathError::Climbs),
                "{climbing}"
            );
        }
        assert_eq!(
            route_request("/api/catalog/products/a/../b").unwrap().0,
            "/api/catalog/products/b"
        );
        assert_eq!(route_request("/api/catalog/%ff"), Err(PathError::Malformed));
    }

    #[test]
    fn fewer_forwarded_entries_than_hops_trusts_only_the_peer() {
        let peer: SocketAddr = "10.0.0.9:1234".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "6.6.6.6".parse().unwrap());
        assert_eq!(client_ip(peer, &headers, 2).to_string(), "10.0.0.9");
        assert_eq!(
            client_ip(peer, &HeaderMap::new(), 1).to_string(),
            "10.0.0.9"
        );
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
