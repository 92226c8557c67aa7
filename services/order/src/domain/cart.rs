//! The cart: one per user, kept in the cache (Redis in production) with an expiry, as
//! ARCHITECTURE §1 says. It holds only product ids and quantities; names and prices are read
//! fresh from catalog each time it is shown, and checkout snapshots them.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use wayfare_chassis::cache::{Cache, CacheUnavailable};

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

    /// The cart to show: empty when there is none, and also while the cache is unreachable
    /// (a read must keep working; nothing is written from it).
    pub async fn show(&self, user_id: &str) -> Cart {
        self.load(user_id).await.unwrap_or_default()
    }

    /// The cart to change or buy. The cache is its only home, so an unreachable cache is an
    /// error (503), never an empty cart that a write would then save over the real one.
    pub async fn load(&self, user_id: &str) -> Result<Cart, CacheUnavailable> {
        Ok(self
            .cache
            .try_get(&Self::key(user_id))
            .await?
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default())
    }

    /// Saves the cart (an empty one is deleted); an error when the cache did not take it.
    pub async fn save(&self, user_id: &str, cart: &Cart) -> Result<(), CacheUnavailable> {
        if cart.items.is_empty() {
            return self.cache.try_delete(&Self::key(user_id)).await;
        }
        let json = serde_json::to_string(cart).expect("a cart serialises");
        self.cache
            .try_set(&Self::key(user_id), &json, self.ttl)
            .await
    }

    pub async fn clear(&self, user_id: &str) -> Result<(), CacheUnavailable> {
        self.cache.try_delete(&Self::key(user_id)).await
    }

    /// After an order from the cart is confirmed: takes the bought quantities out of the
    /// user's cart *as it is now*. The reconciler may confirm an order long after checkout,
    /// when the cart holds things added since; those stay.
    pub async fn remove_bought(
        &self,
        user_id: &str,
        bought: impl IntoIterator<Item = (&str, i64)>,
    ) -> Result<(), CacheUnavailable> {
        let mut cart = self.load(user_id).await?;
        let before = cart.clone();
        for (product_id, quantity) in bought {
            let Some(held) = cart.items.get_mut(product_id) else {
                continue;
            };
            *held -= quantity;
            if *held <= 0 {
                cart.items.remove(product_id);
                cart.seen_prices.remove(product_id);
            }
        }
        if cart == before {
            return Ok(());
        }
        self.save(user_id, &cart).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> CartStore {
        CartStore::new(Cache::in_process("cart-test"), Duration::from_secs(60))
    }

    fn cart(items: &[(&str, i64)]) -> Cart {
        Cart {
            items: items.iter().map(|(id, q)| (id.to_string(), *q)).collect(),
            seen_prices: items.iter().map(|(id, _)| (id.to_string(), 100)).collect(),
        }
    }

    #[tokio::test]
    async fn confirming_an_order_leaves_what_was_added_to_the_cart_since() {
        let carts = store();
        carts
            .save("u", &cart(&[("p1", 2), ("p2", 1), ("p3", 5)]))
            .await
            .unwrap();
        carts
            .remove_bought("u", [("p1", 2), ("p3", 3)])
            .await
            .unwrap();
        assert_eq!(
            carts.load("u").await.unwrap(),
            cart(&[("p2", 1), ("p3", 2)])
        );
        carts
            .remove_bought("u", [("p2", 1), ("p3", 2)])
            .await
            .unwrap();
        assert_eq!(carts.load("u").await.unwrap(), Cart::default());
    }

    #[tokio::test]
    async fn an_unreachable_cache_is_an_error_for_the_cart_not_an_empty_cart() {
        // Nothing listens on port 9 (discard) on a test machine.
        let cache = Cache::redis("cart-test", "redis://127.0.0.1:9").unwrap();
        let carts = CartStore::new(cache, Duration::from_secs(60));
        assert_eq!(carts.load("u").await, Err(CacheUnavailable));
        assert_eq!(
            carts.save("u", &cart(&[("p1", 1)])).await,
            Err(CacheUnavailable)
        );
        assert_eq!(carts.show("u").await, Cart::default());
    }
}
