//! The gateway talks to upstreams through the chassis `ServiceClient` (timeouts, retries for
//! idempotent requests, circuit breaker per upstream); one client per upstream service.

use std::collections::HashMap;
use std::time::Duration;

use wayfare_chassis::client::{ClientPolicy, ServiceClient};
use wayfare_chassis::config::{Settings, ALL_SERVICE_NAMES};

pub fn upstream_clients(settings: &Settings) -> HashMap<&'static str, ServiceClient> {
    let policy = ClientPolicy {
        timeout: Duration::from_millis(settings.gateway.upstream_timeout_ms),
        retries: 1,
        ..Default::default()
    };
    ALL_SERVICE_NAMES
        .iter()
        .filter_map(|name| {
            settings
                .upstreams
                .get(name)
                .map(|url| (*name, ServiceClient::new(name, url, policy.clone())))
        })
        .collect()
}
