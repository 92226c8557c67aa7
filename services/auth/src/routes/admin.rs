//! `/internal/admin/users`: the back office's view of accounts (only the admin service may
//! call it, with its service identity). Role and disabled changes are versioned (`If-Match`),
//! keep at least one enabled admin, and void the account's existing access tokens at once:
//! every verifier checks the user's revocation mark in the shared cache.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};
use wayfare_chassis::db::rfc3339;
use wayfare_chassis::etag::{self, Tagged};
use wayfare_chassis::identity::{Role, ServiceCaller};
use wayfare_chassis::{ApiError, Json, NewestFirst, Page};

use super::AuthState;
use crate::store::{self, User, UserChange, UserChangeRefused, UserFilter};

/// Who may call auth's internal API.
pub const ALLOWED_CALLERS: &[&str] = &["admin"];

pub fn router(state: AuthState) -> Router {
    Router::new()
        .route("/internal/admin/users", get(list))
        .route("/internal/admin/users/{id}", get(show).patch(change))
        .with_state(state)
}

/// An account as the back office sees it.
#[derive(Debug, Serialize)]
pub struct AdminUserView {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&User> for AdminUserView {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.clone(),
            email: user.email.clone(),
            name: user.name.clone(),
            role: user.role,
            disabled: user.disabled,
            version: user.version,
            created_at: rfc3339(user.created_at),
            updated_at: rfc3339(user.updated_at.max(user.created_at)),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ListParams {
    /// Part of the e-mail or name.
    q: Option<String>,
    role: Option<String>,
    disabled: Option<bool>,
    limit: Option<u32>,
    cursor: Option<String>,
}

async fn list(
    State(state): State<AuthState>,
    _caller: ServiceCaller,
    Query(params): Query<ListParams>,
) -> Result<Json<Page<AdminUserView>>, ApiError> {
    let page = NewestFirst::parse(params.limit, params.cursor.as_deref())?;
    let role = params
        .role
        .as_deref()
        .map(|r| Role::parse(r).ok_or_else(|| ApiError::validation("role", "customer or admin")))
        .transpose()?;
    let query = params
        .q
        .map(|q| q.trim().to_string())
        .filter(|q| !q.is_empty());
    if query.as_ref().is_some_and(|q| q.chars().count() > 254) {
        return Err(ApiError::validation("q", "at most 254 characters"));
    }
    let filter = UserFilter {
        query,
        role,
        disabled: params.disabled,
    };
    let users = store::list_users(&state.db, &filter, page.after.clone(), page.fetch()).await?;
    Ok(Json(page.page(
        users,
        |u: &User| (u.created_at, u.id.as_str()),
        |u| AdminUserView::from(u),
    )))
}

async fn show(
    State(state): State<AuthState>,
    _caller: ServiceCaller,
    Path(id): Path<String>,
) -> Result<Tagged<AdminUserView>, ApiError> {
    let user = store::find_user_by_id(&state.db, &id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no user {id}")))?;
    Ok(Tagged(user.version, AdminUserView::from(&user)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeRequest {
    role: Option<String>,
    disabled: Option<bool>,
}

async fn change(
    State(state): State<AuthState>,
    _caller: ServiceCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<ChangeRequest>,
) -> Result<Tagged<AdminUserView>, ApiError> {
    let expected = etag::if_match(&headers)?;
    let change = UserChange {
        role: body
            .role
            .as_deref()
            .map(|r| {
                Role::parse(r).ok_or_else(|| ApiError::validation("role", "customer or admin"))
            })
            .transpose()?,
        disabled: body.disabled,
    };
    if change.role.is_none() && change.disabled.is_none() {
        return Err(ApiError::validation("role", "give role or disabled"));
    }
    let before = store::find_user_by_id(&state.db, &id).await?;
    let user = match store::change_user(&state.db, &id, &change, expected).await? {
        Ok(user) => user,
        Err(UserChangeRefused::NotFound) => {
            return Err(ApiError::NotFound(format!("no user {id}")))
        }
        Err(UserChangeRefused::Stale) => return Err(etag::stale("this user")),
        Err(UserChangeRefused::LastAdmin) => {
            return Err(ApiError::conflict(
                "last_admin",
                "this is the last enabled admin; promote another account first",
            ))
        }
    };
    // Tokens carry the role, so a role change or a disable voids the tokens already out.
    let changed = before.is_some_and(|b| b.role != user.role || b.disabled != user.disabled);
    if changed {
        super::revoke_user_tokens(&state, &user.id).await;
    }
    tracing::info!(user_id = %user.id, role = user.role.as_str(), disabled = user.disabled, "account changed by an admin");
    Ok(Tagged(user.version, AdminUserView::from(&user)))
}
