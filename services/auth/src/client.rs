//! A typed client for auth, for services that need more than token verification.

use wayfare_chassis::client::{ClientError, ServiceClient};

#[derive(Clone)]
pub struct AuthClient {
    http: ServiceClient,
}

impl AuthClient {
    pub fn new(http: ServiceClient) -> Self {
        Self { http }
    }

    /// The published key set (what [`wayfare_chassis::identity::TokenVerifier`] fetches).
    pub async fn jwks(&self) -> Result<serde_json::Value, ClientError> {
        self.http.get_json("/.well-known/jwks.json").await
    }
}
