//! gateway: the only public port. Routes `/api/**` to the owning service, verifies access
//! tokens, rate-limits per client and per user, sets security headers and CORS, refuses
//! `/internal/**`, and serves the web app.

pub mod client;
pub mod config;
pub mod domain;
pub mod error;
pub mod migrations;
pub mod routes;
pub mod store;

use std::sync::Arc;

use wayfare_chassis::{BuiltService, ServiceContext};

pub use routes::{router, GatewayState};

pub const NAME: &str = "gateway";

pub async fn build(ctx: &ServiceContext) -> anyhow::Result<BuiltService> {
    let settings = &ctx.settings;
    let upstreams = client::upstream_clients(settings);
    let verifier = upstreams
        .contains_key("auth")
        .then(|| ctx.token_verifier())
        .transpose()?;
    let state = GatewayState {
        upstreams: Arc::new(upstreams),
        verifier,
        limiter: store::RateLimiter::new(ctx.cache.clone(), settings.gateway.rate_limit.clone()),
        trusted_proxy_hops: settings.gateway.trusted_proxy_hops,
        body_limit_bytes: settings.http.body_limit_bytes,
    };
    let web = routes::WebSettings {
        web_dir: config::web_dir(settings),
        cors_origins: settings.gateway.cors_origins.clone(),
    };
    Ok(BuiltService {
        name: NAME,
        api: router(state, web),
        checks: Vec::new(),
    })
}
