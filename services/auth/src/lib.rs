//! auth: accounts, password login (argon2id), EdDSA access tokens published as JWKS, and
//! rotating refresh tokens. Owns the `users` and `refresh_tokens` tables.

pub mod client;
pub mod config;
pub mod domain;
pub mod error;
pub mod migrations;
pub mod routes;
pub mod store;

use std::sync::Arc;

use secrecy::ExposeSecret;
use wayfare_chassis::identity::{Role, TokenVerifier};
use wayfare_chassis::{BuiltService, ServiceContext};

pub use routes::{router, AuthState};

pub const NAME: &str = "auth";

/// Connects, migrates, bootstraps the admin account and returns the service's router.
pub async fn build(ctx: &ServiceContext) -> anyhow::Result<BuiltService> {
    let db = ctx.database(NAME, migrations::MIGRATIONS).await?;
    let keys = domain::keys::SigningKeys::load(&ctx.settings)?;
    let config = config::AuthConfig::from_settings(&ctx.settings);
    let jwks = serde_json::from_value(keys.jwks.clone())?;
    let verifier = TokenVerifier::fixed(&jwks, &config.issuer, &config.audience)?;
    bootstrap_admin(ctx, &db).await?;
    let state = AuthState {
        db: db.clone(),
        keys: Arc::new(keys),
        verifier,
        config: Arc::new(config),
    };
    Ok(BuiltService {
        name: NAME,
        api: router(state),
        checks: vec![db.readiness()],
    })
}

async fn bootstrap_admin(ctx: &ServiceContext, db: &wayfare_chassis::db::Db) -> anyhow::Result<()> {
    let (Some(email), Some(password)) = (
        &ctx.settings.auth.admin_email,
        &ctx.settings.auth.admin_password,
    ) else {
        return Ok(());
    };
    let email =
        domain::Email::parse(email).map_err(|e| anyhow::anyhow!("WAYFARE_ADMIN_EMAIL: {e}"))?;
    let password = domain::Password::parse(password.expose_secret())
        .map_err(|e| anyhow::anyhow!("WAYFARE_ADMIN_PASSWORD: {e}"))?;
    let name = domain::DisplayName::parse("Administrator").expect("static name is valid");
    match routes::create_user(db, &email, &name, password, Role::Admin).await {
        Ok(user) => tracing::info!(user_id = %user.id, "admin account created"),
        Err(error::AuthError::EmailTaken) => {}
        Err(err) => return Err(anyhow::anyhow!("creating the admin account: {err}")),
    }
    Ok(())
}
