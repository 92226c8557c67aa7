//! The cart: one per user, kept in the cache (Redis in production) with an expiry, as
//! ARCHITECTURE §1 says. It holds only product ids and quantities; names and prices are read
//! fresh from catalog each time it is shown, and checkout snapshots them.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use wayfare_chassis::cache::Cache;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Cart {
    /// product id → quantity, in a stable order.
    pub items: BTreeMap<String, i64>,
    /// product id → the unit price the customer saw when adding it: checkout refuses to
    /// charge a different one without asking (409 `price_changed`).
    #[serde(default)]
    pub seen_prices: BTreeMap<String, i64>,
}

#[derive(Clone)]
pub struct CartStore {
    cache: Cache,
    ttl: Duration,
}

impl CartStore {
    pub fn new(cache: Cache, ttl: Duration) -> Self {
        Self { cache, ttl }
    }

    fn key(user_id: &str) -> String {
        format!("order:cart:{user_id}")
    }

    pub async fn load(&self, user_id: &str) -> Cart {
        self.cache
            .get(&Self::key(user_id))
            .await
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default()
    }

    pub async fn save(&self, user_id: &str, cart: &Cart) {
        if cart.items.is_empty() {
            self.cache.delete(&Self::key(user_id)).await;
        } else if let Ok(json) = serde_json::to_string(cart) {
            self.cache.set(&Self::key(user_id), &json, self.ttl).await;
        }
    }

    pub async fn clear(&self, user_id: &str) {
        self.cache.delete(&Self::key(user_id)).await;
    }
}
