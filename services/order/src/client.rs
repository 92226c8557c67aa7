//! A typed client for order, for services that read orders (admin).

use wayfare_chassis::client::{ClientError, ServiceClient};

use crate::domain::OrderView;

#[derive(Clone)]
pub struct OrderClient {
    http: ServiceClient,
}

impl OrderClient {
    pub fn new(http: ServiceClient) -> Self {
        Self { http }
    }

    /// An order as its owner sees it; the call must carry the owner's bearer token.
    pub async fn order(&self, id: &str) -> Result<OrderView, ClientError> {
        self.http.get_json(&format!("/api/orders/{id}")).await
    }
}
