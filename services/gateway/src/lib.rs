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

use wayfare_chassis::config::SectionSpec;
use wayfare_chassis::metrics::{MetricHelp, MetricKind};
use wayfare_chassis::module::Module;
use wayfare_chassis::{BuiltService, ServiceContext};

pub use routes::{router, GatewayState};

pub const NAME: &str = "gateway";

/// The gateway in the service registry: the edge, routing to every module's public paths.
pub const MODULE: Module = Module {
    name: NAME,
    description: "the only public port: routing, token check, rate limits, security headers, CORS, the web app",
    depends_on: &[],
    edge: true,
    issues_tokens: false,
    routes: &[],
    required_role: None,
    internal_callers: &[],
    settings: Some(SectionSpec::of::<config::GatewaySettings>()),
    migrations: &[],
    metrics: METRICS,
    fault_points: &[],
    build: |ctx| Box::pin(build(ctx)),
};

/// The metric families gateway records, with their `# HELP` text.
const METRICS: &[MetricHelp] = &[MetricHelp {
    name: "gateway_rate_limited_total",
    kind: MetricKind::Counter,
    help: "Requests the gateway refused with 429, by bucket.",
}];

pub async fn build(ctx: &ServiceContext) -> anyhow::Result<BuiltService> {
    let gateway: config::GatewaySettings = ctx.section();
    // The route table is the registry's: every module's public prefixes.
    let routes = domain::RouteTable::new(ctx.registry.routes());
    let upstreams = client::upstream_clients(&ctx.settings, &ctx.registry, &gateway);
    let verifier = ctx
        .registry
        .token_issuer()
        .filter(|issuer| upstreams.contains_key(issuer.name))
        .map(|_| ctx.token_verifier())
        .transpose()?;
    let state = GatewayState {
        upstreams: Arc::new(upstreams),
        routes: Arc::new(routes),
        required_roles: Arc::new(ctx.registry.required_roles().into_iter().collect()),
        verifier,
        limiter: store::RateLimiter::new(ctx.cache.clone(), gateway.rate_limit.clone()),
        trusted_proxy_hops: gateway.trusted_proxy_hops,
        body_limit_bytes: ctx.settings.http.body_limit_bytes,
    };
    let web = routes::WebSettings {
        web_dir: config::web_dir(&gateway),
        cors_origins: gateway.cors_origins.clone(),
    };
    Ok(BuiltService {
        name: NAME,
        api: router(state, web),
        checks: Vec::new(),
        workers: Vec::new(),
    })
}
