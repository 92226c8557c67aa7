//! auth's HTTP API (paths as the gateway exposes them).

use std::sync::Arc;

use axum::extract::{FromRef, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;
use wayfare_chassis::db::{now_ms, rfc3339, Db};
use wayfare_chassis::error::Problem;
use wayfare_chassis::identity::{revoked_user_key, AuthUser, Role, TokenVerifier};
use wayfare_chassis::openapi::{BearerAuth, CommonResponses};
use wayfare_chassis::Json;

use crate::config::AuthConfig;
use crate::domain::keys::SigningKeys;
use crate::domain::tokens::{self, AccessTokenSpec, TokenPair};
use crate::domain::{DisplayName, Email, Hasher, LoginThrottle, Password};
use crate::error::AuthError;
use crate::store::{self, User};
use wayfare_chassis::cache::Cache;
use wayfare_chassis::identity::InternalGuard;

pub mod admin;
pub mod session_cookie;

use session_cookie::SessionMode;

/// The handlers' state; extractors take the parts they need (`FromRef` derived).
#[derive(Clone, FromRef)]
pub struct AuthState {
    pub db: Db,
    pub keys: Arc<SigningKeys>,
    pub verifier: TokenVerifier,
    pub config: Arc<AuthConfig>,
    pub hasher: Arc<Hasher>,
    pub throttle: LoginThrottle,
    /// Where ended sessions are recorded for every verifier to see.
    pub cache: Cache,
    /// Who may call `/internal/**` (the admin service).
    pub internal: InternalGuard,
}

pub fn router(state: AuthState) -> Router {
    Router::new()
        .route("/api/auth/signup", post(signup))
        .route("/api/auth/login", post(login))
        .route("/api/auth/refresh", post(refresh))
        .route("/api/auth/logout", post(logout))
        .route("/api/auth/me", get(me))
        .route("/.well-known/jwks.json", get(jwks))
        .with_state(state.clone())
        .merge(admin::router(state))
        .merge(wayfare_chassis::openapi::router(ApiDoc::openapi()))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SignupRequest {
    /// Normalised to lower case.
    #[schema(
        pattern = r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$",
        max_length = 254
    )]
    pub email: String,
    #[schema(min_length = 10, max_length = 256)]
    pub password: String,
    #[schema(pattern = r"\S", max_length = 200)]
    pub name: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub created_at: String,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.clone(),
            email: user.email.clone(),
            name: user.name.clone(),
            role: user.role,
            created_at: rfc3339(user.created_at),
        }
    }
}

#[tracing::instrument(skip_all)]
#[utoipa::path(post, path = "/api/auth/signup", tag = "auth", request_body = SignupRequest, responses((status = 201, description = "Account created", body = UserView), (status = 409, description = "E-mail taken", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json")))]
async fn signup(
    State(state): State<AuthState>,
    Json(body): Json<SignupRequest>,
) -> Result<(StatusCode, Json<UserView>), AuthError> {
    let email = Email::parse(&body.email)?;
    let password = Password::parse(&body.password)?;
    let name = DisplayName::parse(&body.name)?;
    let user = create_user(
        &state.db,
        &state.hasher,
        &email,
        &name,
        password,
        Role::Customer,
    )
    .await?;
    metrics::counter!("auth_signups_total").increment(1);
    tracing::info!(user_id = %user.id, "account created");
    Ok((StatusCode::CREATED, Json(UserView::from(&user))))
}

/// Creates an account (used by signup and by the admin bootstrap). The password is hashed
/// whether or not the e-mail is taken, so the answer takes the same time either way and the
/// timing reveals nothing the status does not.
pub async fn create_user(
    db: &Db,
    hasher: &Hasher,
    email: &Email,
    name: &DisplayName,
    password: Password,
    role: Role,
) -> Result<User, AuthError> {
    let taken = store::find_user_by_email(db, email.as_str())
        .await?
        .is_some();
    let hash = hasher.hash(password).await?;
    if taken {
        return Err(AuthError::EmailTaken);
    }
    store::insert_user(db, email.as_str(), name.as_str(), &hash, role).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// `cookie` (the web app): the refresh token is set as an HttpOnly cookie, with a
    /// `wayfare_csrf` cookie to echo in `X-CSRF-Token` on refresh and logout; default `body`.
    #[serde(default)]
    pub session: SessionMode,
}

#[tracing::instrument(skip_all)]
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest, responses((status = 200, description = "Tokens", body = TokenPair), (status = 401, description = "Wrong e-mail or password", body = Problem, content_type = "application/problem+json"), (status = 429, description = "Too many attempts", body = Problem, content_type = "application/problem+json")))]
async fn login(
    State(state): State<AuthState>,
    Json(body): Json<LoginRequest>,
) -> Result<impl IntoResponse, AuthError> {
    // A malformed e-mail cannot belong to anyone: same answer as a wrong password.
    let email = Email::parse(&body.email).ok();
    let account_key = email.as_ref().map_or_else(
        || body.email.trim().to_lowercase(),
        |e| e.as_str().to_string(),
    );
    // An account under attack waits before any hashing is done for it.
    state.throttle.check(&account_key).await?;
    let user = match &email {
        Some(email) => store::find_user_by_email(&state.db, email.as_str()).await?,
        None => None,
    };
    let ok = state
        .hasher
        .verify(
            body.password,
            user.as_ref().map(|u| u.password_hash.clone()),
        )
        .await?;
    let user = match (ok, user) {
        (true, Some(user)) => user,
        _ => {
            metrics::counter!("auth_logins_total", "result" => "failure").increment(1);
            state.throttle.failed(&account_key).await;
            return Err(AuthError::BadCredentials);
        }
    };
    state.throttle.succeeded(&account_key).await;
    if user.disabled {
        metrics::counter!("auth_logins_total", "result" => "disabled").increment(1);
        return Err(AuthError::Disabled);
    }
    metrics::counter!("auth_logins_total", "result" => "success").increment(1);
    let family = uuid::Uuid::now_v7().to_string();
    let session_ends = now_ms() + state.config.session_max_seconds as i64 * 1000;
    let minted = issue_pair(&state, &user, &family, session_ends).await?;
    Ok(token_answer(minted, body.session))
}

/// A token pair as answered: in the body, or (cookie mode) the refresh token as cookies. Token
/// answers must never be cached by a browser or a proxy (RFC 6749 §5.1).
fn token_answer(minted: MintedPair, mode: SessionMode) -> Response {
    let MintedPair {
        mut pair,
        refresh_expires_at,
        ..
    } = minted;
    let cookies = match (mode, pair.refresh_token.take()) {
        (SessionMode::Cookie, Some(refresh)) => {
            session_cookie::set_cookies(&refresh, (refresh_expires_at - now_ms()) / 1000)
        }
        (_, refresh) => {
            pair.refresh_token = refresh;
            Vec::new()
        }
    };
    let mut response = (
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::PRAGMA, "no-cache"),
        ],
        Json(pair),
    )
        .into_response();
    for cookie in cookies {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// A new token pair for `user` in session `family_id`, which ends for good at `session_ends`
/// (Unix ms) however often it is refreshed.
async fn issue_pair(
    state: &AuthState,
    user: &User,
    family_id: &str,
    session_ends: i64,
) -> Result<MintedPair, AuthError> {
    let minted = mint_pair(state, user, family_id, session_ends).await?;
    store::insert_refresh_token(
        &state.db,
        &user.id,
        family_id,
        &minted.refresh_hash,
        minted.refresh_expires_at,
    )
    .await?;
    Ok(minted)
}

/// A token pair, not stored yet: the caller stores the refresh token (login inserts it,
/// refresh rotates it in one transaction).
struct MintedPair {
    pair: TokenPair,
    refresh_hash: String,
    refresh_expires_at: i64,
}

async fn mint_pair(
    state: &AuthState,
    user: &User,
    family_id: &str,
    session_ends: i64,
) -> Result<MintedPair, AuthError> {
    let now = now_ms();
    // Tokens issued up to the account's revocation mark (a disable or role change) are void;
    // one issued now must come after it, even within the same millisecond.
    let issued_at = match state.cache.get(&revoked_user_key(&user.id)).await {
        Some(mark) => mark.parse::<i64>().map_or(now, |mark| now.max(mark + 1)),
        None => now,
    };
    let spec = AccessTokenSpec {
        issuer: &state.config.issuer,
        audience: &state.config.audience,
        ttl_seconds: state.config.access_token_ttl_seconds,
    };
    let access = tokens::issue_access_token(
        &state.keys,
        &spec,
        &user.id,
        &user.email,
        user.role,
        Some(family_id),
        issued_at,
    )?;
    let refresh = tokens::new_refresh_token();
    Ok(MintedPair {
        refresh_hash: tokens::hash_refresh_token(&refresh),
        refresh_expires_at: (now + (state.config.refresh_token_ttl_seconds as i64) * 1000)
            .min(session_ends),
        pair: TokenPair {
            access_token: access,
            refresh_token: Some(refresh),
            token_type: "Bearer",
            expires_in: state.config.access_token_ttl_seconds,
        },
    })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RefreshRequest {
    /// The refresh token; omitted in cookie mode, where the `wayfare_refresh` cookie carries
    /// it and the `X-CSRF-Token` header must match the `wayfare_csrf` cookie.
    #[serde(default)]
    pub refresh_token: Option<String>,
}

impl RefreshRequest {
    /// The presented token and the mode it came in.
    fn token(self, headers: &HeaderMap) -> Result<(String, SessionMode), AuthError> {
        match self.refresh_token {
            Some(token) => Ok((token, SessionMode::Body)),
            None => Ok((
                session_cookie::refresh_token_from_cookies(headers)?,
                SessionMode::Cookie,
            )),
        }
    }
}

/// Rotates a refresh token. Presenting a token that was already rotated means it leaked (or a
/// client misbehaves): the whole family is revoked, so the thief's copy dies too.
#[tracing::instrument(skip_all)]
#[utoipa::path(post, path = "/api/auth/refresh", tag = "auth", request_body = RefreshRequest, responses((status = 200, description = "A new token pair; the presented refresh token is spent", body = TokenPair), (status = 401, description = "Unknown, expired, revoked or reused token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "Cookie mode: missing or wrong X-CSRF-Token (csrf_failed)", body = Problem, content_type = "application/problem+json")))]
async fn refresh(
    State(state): State<AuthState>,
    headers: HeaderMap,
    Json(body): Json<RefreshRequest>,
) -> Result<Response, AuthError> {
    let (presented, mode) = body.token(&headers)?;
    let hash = tokens::hash_refresh_token(&presented);
    let token = store::find_refresh_token(&state.db, &hash)
        .await?
        .ok_or(AuthError::BadRefreshToken)?;
    if token.revoked_at.is_some() {
        return Err(AuthError::BadRefreshToken);
    }
    let family = store::family_state(&state.db, &token.family_id).await?;
    // A family revoked after this token was minted (a concurrent reuse lost the race to it)
    // is over for every token in it.
    if family.revoked {
        return Err(AuthError::BadRefreshToken);
    }
    let now = now_ms();
    let session_ends = family.started_at + state.config.session_max_seconds as i64 * 1000;
    if token.expires_at <= now || session_ends <= now {
        return Err(AuthError::BadRefreshToken);
    }
    let user = store::find_user_by_id(&state.db, &token.user_id)
        .await?
        .filter(|user| !user.disabled)
        .ok_or(AuthError::BadRefreshToken)?;
    let minted = mint_pair(&state, &user, &token.family_id, session_ends).await?;
    // Spending the old token and minting the new one is one transaction: either both happen
    // or (the token was already spent: reuse) neither does and the family is revoked.
    let rotated = store::rotate_refresh_token(
        &state.db,
        &token,
        &minted.refresh_hash,
        minted.refresh_expires_at,
    )
    .await?;
    if !rotated {
        let revoked = store::revoke_family(&state.db, &token.family_id).await?;
        end_session(&state, &token.family_id).await;
        metrics::counter!("auth_refresh_reuse_total").increment(1);
        tracing::warn!(family_id = %token.family_id, revoked, "refresh token reused; family revoked");
        return Err(AuthError::BadRefreshToken);
    }
    Ok(token_answer(minted, mode))
}

/// Makes every access token of the session void at once, everywhere (verifiers look the
/// session up in the shared cache), for as long as such a token could still be valid.
async fn end_session(state: &AuthState, family_id: &str) {
    state
        .cache
        .set(
            &wayfare_chassis::identity::revoked_session_key(family_id),
            "1",
            std::time::Duration::from_secs(state.config.access_token_ttl_seconds + 60),
        )
        .await;
}

/// Voids every access token of `user_id` issued so far, everywhere, for as long as such a
/// token could still be valid (verifiers compare a token's `iat` with this mark).
pub(crate) async fn revoke_user_tokens(state: &AuthState, user_id: &str) {
    state
        .cache
        .set(
            &revoked_user_key(user_id),
            &now_ms().to_string(),
            std::time::Duration::from_secs(state.config.access_token_ttl_seconds + 60),
        )
        .await;
}

/// Ends the session the refresh token belongs to. Always 204, so it reveals nothing.
#[tracing::instrument(skip_all)]
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", request_body = RefreshRequest, responses((status = 204, description = "Session ended"), (status = 403, description = "Cookie mode: missing or wrong X-CSRF-Token (csrf_failed)", body = Problem, content_type = "application/problem+json")))]
async fn logout(
    State(state): State<AuthState>,
    headers: HeaderMap,
    Json(body): Json<RefreshRequest>,
) -> Result<Response, AuthError> {
    let presented = match body.token(&headers) {
        Ok((token, _)) => Some(token),
        // A cookie session whose refresh cookie is already gone: nothing left to end.
        Err(AuthError::BadRefreshToken) => None,
        Err(err) => return Err(err),
    };
    if let Some(presented) = presented {
        let hash = tokens::hash_refresh_token(&presented);
        if let Some(token) = store::find_refresh_token(&state.db, &hash).await? {
            store::revoke_family(&state.db, &token.family_id).await?;
            end_session(&state, &token.family_id).await;
        }
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    if session_cookie::cookie(&headers, session_cookie::CSRF_COOKIE).is_some() {
        for cookie in session_cookie::clear_cookies() {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
    }
    Ok(response)
}

#[tracing::instrument(skip_all, fields(user_id = %claims.sub))]
#[utoipa::path(get, path = "/api/auth/me", tag = "auth", security(("bearer" = [])), responses((status = 200, description = "The caller", body = UserView), (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json")))]
async fn me(
    State(state): State<AuthState>,
    AuthUser(claims): AuthUser,
) -> Result<Json<UserView>, AuthError> {
    let user = store::find_user_by_id(&state.db, &claims.sub)
        .await?
        .ok_or_else(|| {
            AuthError::Api(wayfare_chassis::ApiError::Unauthorized(
                "account no longer exists".into(),
            ))
        })?;
    Ok(Json(UserView::from(&user)))
}

#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "auth", responses((status = 200, description = "Public signing keys (JWKS)", body = Object)))]
async fn jwks(State(state): State<AuthState>) -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, "public, max-age=300")],
        axum::Json(state.keys.jwks.clone()),
    )
}

/// auth's public API, served at `/openapi.json`.
#[derive(OpenApi)]
#[openapi(
    info(title = "Wayfare auth", description = "Accounts, login and tokens."),
    paths(signup, login, refresh, logout, me, jwks),
    modifiers(&BearerAuth, &CommonResponses),
    tags((name = "auth", description = "Accounts and tokens"))
)]
pub struct ApiDoc;
