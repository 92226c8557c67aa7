//! The gateway talks to upstreams through the chassis `ServiceClient` (timeouts, retries for
//! idempotent requests, circuit breaker per upstream); one client per upstream service.

use std::collections::HashMap;
use std::time::Duration;

use wayfare_chassis::client::{ClientPolicy, ServiceClient};
use wayfare_chassis::config::Settings;
use wayfare_chassis::module::Registry;

use crate::config::GatewaySettings;

/// A client for every module with public routes whose URL is known.
pub fn upstream_clients(
    settings: &Settings,
    registry: &Registry,
    gateway: &GatewaySettings,
) -> HashMap<&'static str, ServiceClient> {
    // One budget for the whole call: a quick failure (refused connection, a proxy's 503) is
    // retried once; a slow upstream uses the whole budget and is a 504.
    let budget = Duration::from_millis(gateway.upstream_timeout_ms);
    let policy = ClientPolicy {
        timeout: budget,
        budget,
        retries: 1,
        ..Default::default()
    };
    registry
        .modules
        .iter()
        .filter(|m| !m.routes.is_empty())
        .filter_map(|m| {
            settings
                .upstreams
                .get(m.name)
                .map(|url| (m.name, ServiceClient::new(m.name, url, policy.clone())))
        })
        .collect()
}
