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
use wayfare_chassis::config::SectionSpec;
use wayfare_chassis::identity::{Role, TokenVerifier};
use wayfare_chassis::metrics::{MetricHelp, MetricKind};
use wayfare_chassis::module::Module;
use wayfare_chassis::{BuiltService, ServiceContext};

pub use routes::{router, AuthState};

pub const NAME: &str = "auth";

/// auth in the service registry.
pub const MODULE: Module = Module {
    name: NAME,
    description:
        "accounts, password login (argon2id), EdDSA access tokens and JWKS, rotating refresh tokens",
    depends_on: &[],
    edge: false,
    issues_tokens: true,
    routes: &["/api/auth", "/.well-known/jwks.json"],
    required_role: None,
    internal_callers: routes::admin::ALLOWED_CALLERS,
    settings: Some(SectionSpec::of::<config::AuthSettings>()),
    migrations: migrations::MIGRATIONS,
    metrics: METRICS,
    fault_points: &[],
    build: |ctx| Box::pin(build(ctx)),
};

/// Connects, migrates, bootstraps the admin account and returns the service's router.
/// The metric families auth records, with their `# HELP` text.
const METRICS: &[MetricHelp] = &[
    MetricHelp {
        name: "auth_signups_total",
        kind: MetricKind::Counter,
        help: "Accounts created.",
    },
    MetricHelp {
        name: "auth_logins_total",
        kind: MetricKind::Counter,
        help: "Login attempts, by result (success or failure).",
    },
    MetricHelp {
        name: "auth_hash_rejected_total",
        kind: MetricKind::Counter,
        help: "Password hashing requests refused with 503 because the hashing queue was full.",
    },
    MetricHelp {
        name: "auth_login_throttled_total",
        kind: MetricKind::Counter,
        help: "Login attempts refused because the account is in its failed-login backoff.",
    },
    MetricHelp {
        name: "auth_refresh_reuse_total",
        kind: MetricKind::Counter,
        help: "Refresh tokens presented again after rotation (possible token theft; the family is revoked).",
    },
];

pub async fn build(ctx: &ServiceContext) -> anyhow::Result<BuiltService> {
    let db = ctx.database(NAME, migrations::MIGRATIONS).await?;
    let keys = domain::keys::SigningKeys::load(&ctx.settings)?;
    let config = config::AuthConfig::from_settings(&ctx.settings);
    let jwks = serde_json::from_value(keys.jwks.clone())?;
    let verifier = TokenVerifier::fixed(&jwks, &config.issuer, &config.audience)?
        .with_revocations(ctx.cache.clone());
    let auth: config::AuthSettings = ctx.section();
    let hasher = Arc::new(domain::Hasher::new(
        auth.hash_concurrency,
        auth.hash_queue,
        std::time::Duration::from_millis(auth.hash_queue_wait_ms),
    ));
    bootstrap_admin(&auth, &db, &hasher).await?;
    let state = AuthState {
        db: db.clone(),
        keys: Arc::new(keys),
        verifier,
        config: Arc::new(config),
        hasher,
        throttle: domain::LoginThrottle {
            cache: ctx.cache.clone(),
            free_failures: auth.login_free_failures,
            max_backoff: std::time::Duration::from_secs(auth.login_backoff_max_seconds),
        },
        cache: ctx.cache.clone(),
        internal: wayfare_chassis::identity::InternalGuard {
            identity: ctx.identity(NAME)?,
            allowed_callers: routes::admin::ALLOWED_CALLERS,
        },
    };
    Ok(BuiltService {
        name: NAME,
        api: router(state),
        checks: vec![db.readiness()],
        workers: Vec::new(),
    })
}

/// Creates the configured admin account on first start. If the e-mail already belongs to a
/// customer (someone registered it first), auth refuses to start: promoting that account would
/// hand the back office to whoever registered it.
async fn bootstrap_admin(
    auth: &config::AuthSettings,
    db: &wayfare_chassis::db::Db,
    hasher: &domain::Hasher,
) -> anyhow::Result<()> {
    let (Some(email), Some(password)) = (&auth.admin_email, &auth.admin_password) else {
        return Ok(());
    };
    let email =
        domain::Email::parse(email).map_err(|e| anyhow::anyhow!("WAYFARE_ADMIN_EMAIL: {e}"))?;
    let password = domain::Password::parse(password.expose_secret())
        .map_err(|e| anyhow::anyhow!("WAYFARE_ADMIN_PASSWORD: {e}"))?;
    let name = domain::DisplayName::parse("Administrator").expect("static name is valid");
    if let Some(existing) = store::find_user_by_email(db, email.as_str()).await? {
        // An admin account, or one an admin has since changed (demoted on purpose): leave it.
        if existing.role == Role::Admin || existing.version > 1 {
            return Ok(());
        }
        tracing::error!(
            user_id = %existing.id,
            "WAYFARE_ADMIN_EMAIL belongs to a customer account; refusing to start"
        );
        anyhow::bail!(
            "WAYFARE_ADMIN_EMAIL {} is already registered by a customer account ({}); it is not promoted. Choose another admin e-mail, or promote that account by hand after checking who owns it",
            email.as_str(),
            existing.id
        );
    }
    match routes::create_user(db, hasher, &email, &name, password, Role::Admin).await {
        Ok(user) => tracing::info!(user_id = %user.id, "admin account created"),
        // Another replica created it at the same moment.
        Err(error::AuthError::EmailTaken) => {}
        Err(err) => return Err(anyhow::anyhow!("creating the admin account: {err}")),
    }
    Ok(())
}
