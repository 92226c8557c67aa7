//! The gateway's HTTP surface: `/api/**` proxied to the owning service after rate limiting and
//! token verification, `/internal/**` refused, and the web app for everything else.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};
use wayfare_chassis::client::{Outbound, ServiceClient};
use wayfare_chassis::identity::{Role, TokenVerifier};
use wayfare_chassis::server::RouteLabel;
use wayfare_chassis::ApiError;

use crate::domain::{client_ip, PathError, RouteTable};
use crate::store::RateLimiter;

#[derive(Clone)]
pub struct GatewayState {
    pub upstreams: Arc<HashMap<&'static str, ServiceClient>>,
    pub routes: Arc<RouteTable>,
    /// The role a service's public routes need (from the registry), checked here first.
    pub required_roles: Arc<HashMap<&'static str, Role>>,
    pub verifier: Option<TokenVerifier>,
    pub limiter: RateLimiter,
    pub trusted_proxy_hops: usize,
    pub body_limit_bytes: usize,
}

pub struct WebSettings {
    pub web_dir: Option<std::path::PathBuf>,
    pub cors_origins: Vec<String>,
}

pub fn router(state: GatewayState, web: WebSettings) -> Router {
    let api = Router::new()
        .route("/api", any(proxy))
        .route("/api/{*rest}", any(proxy))
        .route("/.well-known/jwks.json", any(proxy))
        .route("/openapi.json", axum::routing::get(merged_openapi))
        .route("/internal", any(not_routed))
        .route("/internal/{*rest}", any(not_routed))
        // Operational endpoints live on the operational port only; here they are a 404, not
        // the web app's page.
        .route("/metrics", any(not_routed))
        .route("/healthz", any(not_routed))
        .route("/readyz", any(not_routed))
        .with_state(state);
    let site = match web.web_dir {
        Some(dir) => {
            let index = dir.join("index.html");
            Router::new().fallback_service(ServeDir::new(dir).fallback(ServeFile::new(index)))
        }
        None => Router::new().fallback(placeholder_page),
    };
    let mut router = api.merge(site);
    if !web.cors_origins.is_empty() {
        router = router.layer(cors(&web.cors_origins));
    }
    // Security headers are set by the chassis on every service's answers.
    router
}

fn cors(origins: &[String]) -> CorsLayer {
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([HeaderName::from_static("x-request-id"), header::RETRY_AFTER])
        .max_age(std::time::Duration::from_secs(600))
}

/// The whole public API: every reachable service's `/openapi.json`, merged. Services that do
/// not answer are listed under `info.x-unavailable-services` rather than failing the request.
async fn merged_openapi(State(state): State<GatewayState>) -> axum::Json<serde_json::Value> {
    let mut upstreams: Vec<_> = state.upstreams.iter().collect();
    upstreams.sort_by_key(|(name, _)| **name);
    let fetches = upstreams.into_iter().map(|(name, client)| async move {
        (
            *name,
            client.get_json::<serde_json::Value>("/openapi.json").await,
        )
    });
    let mut parts = Vec::new();
    let mut unavailable = Vec::new();
    for (name, result) in futures::future::join_all(fetches).await {
        match result {
            Ok(doc) => parts.push(doc),
            Err(err) => {
                tracing::warn!(upstream = name, error = %err, "OpenAPI document unavailable");
                unavailable.push(name);
            }
        }
    }
    let base = wayfare_chassis::openapi::base_document("Wayfare API", env!("CARGO_PKG_VERSION"));
    let mut doc = wayfare_chassis::openapi::merge(base, parts);
    if !unavailable.is_empty() {
        doc["info"]["x-unavailable-services"] = serde_json::json!(unavailable);
    }
    axum::Json(doc)
}

async fn not_routed() -> ApiError {
    ApiError::NotFound("no such resource".into())
}

async fn placeholder_page() -> Html<&'static str> {
    Html(include_str!("placeholder.html"))
}

/// Headers that describe one hop and must not be forwarded (RFC 9110 §7.6.1), plus `host`.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
];

fn forwardable(headers: &HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

async fn proxy(
    State(state): State<GatewayState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    // Routed once: the route's prefix labels the metrics, its service gets the request.
    let routed = state.routes.route_request(req.uri().path());
    let label = routed
        .as_ref()
        .map(|(_, prefix, _)| *prefix)
        .unwrap_or("/api/unknown");
    let mut response = match forward(&state, peer, req, routed).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    };
    response.extensions_mut().insert(RouteLabel(label));
    response
}

async fn forward(
    state: &GatewayState,
    peer: SocketAddr,
    req: Request,
    routed: Result<(String, &'static str, &'static str), PathError>,
) -> Result<Response, ApiError> {
    let (parts, body) = req.into_parts();
    let (normalized, _, service) = routed.map_err(|err| match err {
        PathError::Climbs => ApiError::BadRequest("the path climbs out of the API it names".into()),
        PathError::Malformed => {
            ApiError::BadRequest("the path is not valid UTF-8 percent-encoding".into())
        }
        PathError::Unknown => ApiError::NotFound("no such API".into()),
    })?;
    let upstream = state
        .upstreams
        .get(service)
        .ok_or_else(|| ApiError::NotFound("no such API".into()))?;

    let ip = client_ip(peer, &parts.headers, state.trusted_proxy_hops).to_string();
    state.limiter.per_client(&ip).await?;
    state
        .limiter
        .sensitive(&parts.method, &normalized, &ip)
        .await?;
    // Reject bad tokens here so forged traffic never reaches a service; the service verifies
    // again itself (it trusts no identity it did not check).
    let required_role = state.required_roles.get(service).copied();
    if parts.headers.contains_key(header::AUTHORIZATION) {
        let token = wayfare_chassis::identity::bearer_token(&parts.headers)
            .ok_or_else(|| ApiError::Unauthorized("malformed Authorization header".into()))?;
        let verifier = state
            .verifier
            .as_ref()
            .ok_or_else(|| ApiError::Unavailable("auth is not configured".into()))?;
        let claims = verifier.verify(token).await?;
        state.limiter.per_user(&claims.sub).await?;
        if required_role.is_some_and(|role| claims.role != role) {
            return Err(ApiError::Forbidden(format!(
                "this API needs the {} role",
                required_role.map(Role::as_str).unwrap_or_default()
            )));
        }
    } else if required_role.is_some() {
        return Err(ApiError::Unauthorized(
            "this API needs an access token".into(),
        ));
    }

    let body = axum::body::to_bytes(body, state.body_limit_bytes)
        .await
        .map_err(|_| ApiError::PayloadTooLarge {
            limit: state.body_limit_bytes,
        })?;
    let mut headers = forwardable(&parts.headers);
    let forwarded_for = match parts
        .headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
    {
        Some(prior) => format!("{prior}, {}", peer.ip()),
        None => peer.ip().to_string(),
    };
    if let Ok(value) = HeaderValue::from_str(&forwarded_for) {
        headers.insert("x-forwarded-for", value);
    }
    // The upstream sees the normalised path: what was routed is what is served.
    let path = match parts.uri.query() {
        Some(query) => format!("{normalized}?{query}"),
        None => normalized,
    };
    let outbound = Outbound {
        method: parts.method,
        path,
        headers,
        body: (!body.is_empty()).then_some(body),
    };
    let upstream_response = upstream.send(outbound).await?;

    let status = StatusCode::from_u16(upstream_response.status().as_u16())
        .unwrap_or(StatusCode::BAD_GATEWAY);
    let mut response = Response::builder().status(status);
    if let Some(out) = response.headers_mut() {
        for (name, value) in upstream_response.headers() {
            if !HOP_BY_HOP.contains(&name.as_str()) {
                out.append(name.clone(), value.clone());
            }
        }
    }
    response
        .body(Body::from_stream(upstream_response.bytes_stream()))
        .map_err(|e| ApiError::Internal(e.into()))
}
