//! A typed client for catalog, used by services that show or reserve products.

use wayfare_chassis::client::{ClientError, ServiceClient};

use crate::domain::Product;

#[derive(Clone)]
pub struct CatalogClient {
    http: ServiceClient,
}

impl CatalogClient {
    pub fn new(http: ServiceClient) -> Self {
        Self { http }
    }

    pub async fn product(&self, id: &str) -> Result<Product, ClientError> {
        self.http
            .get_json(&format!("/api/catalog/products/{id}"))
            .await
    }
}
