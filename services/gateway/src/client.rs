//! The gateway talks to upstreams through the chassis `ServiceClient` (timeouts, retries for
//! idempotent requests, circuit breaker per upstream); one client per upstream service.

use std::collections::HashMap;
use std::time::Duration;

use wayfare_chassis::client::{ClientPolicy, ServiceClient};
use wayfare_chassis::config::{Settings, ALL_SERVICE_NAMES};

pub fn upstream_clients(settings: &Settings) -> HashMap<&'static str, ServiceClient> {
    // One budget for the whole call: a quick failure (refused connection, a proxy's 503) is
    // retried once; a slow upstream uses the whole budget and is a 504.
    let budget = Duration::from_millis(settings.gateway.upstream_timeout_ms);
    let policy = ClientPolicy {
        timeout: budget,
        budget,
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
