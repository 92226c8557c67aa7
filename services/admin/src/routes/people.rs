//! Users: list and search accounts, change a role, disable and enable. An admin cannot
//! disable or demote themselves (auth itself refuses to leave no enabled admin), and a
//! change voids the account's existing tokens within seconds.

use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use wayfare_chassis::client::path;
use wayfare_chassis::{ApiError, Json};

use super::{audited, forward_query, read, write_request, AdminState, Change, Staff};

pub fn router() -> Router<AdminState> {
    Router::new()
        .route("/api/admin/users", get(list_users))
        .route("/api/admin/users/{id}", get(show_user).patch(change_user))
}

/// User list filters.
// Parsed to check the query's types and to document it; the raw query is what is forwarded.
#[allow(dead_code)]
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserParams {
    /// Part of the e-mail or name.
    #[param(max_length = 254)]
    q: Option<String>,
    /// customer or admin.
    role: Option<String>,
    disabled: Option<bool>,
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    cursor: Option<String>,
}

#[utoipa::path(get, operation_id = "admin_list_users", path = "/api/admin/users", tag = "admin", security(("bearer" = [])), params(UserParams), responses((status = 200, description = "Accounts, newest first", body = Object)))]
pub async fn list_users(
    State(state): State<AdminState>,
    _staff: Staff,
    Query(_params): Query<UserParams>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = forward_query(query.as_deref())?;
    Ok(read(&state, "auth", format!("/internal/admin/users{query}")).await)
}

#[utoipa::path(get, operation_id = "admin_show_user", path = "/api/admin/users/{id}", tag = "admin", security(("bearer" = [])), params(("id" = String, Path, description = "User id")), responses((status = 200, description = "The account; its version is the ETag", body = Object)))]
pub async fn show_user(
    State(state): State<AdminState>,
    _staff: Staff,
    Path(id): Path<String>,
) -> Response {
    read(&state, "auth", path(&["internal", "admin", "users", &id])).await
}

/// The change asked for (checked here so a mistake is a clear 422 before anything is sent).
#[derive(Debug, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChange {
    /// customer or admin.
    #[schema(pattern = "^(customer|admin)$")]
    role: Option<String>,
    disabled: Option<bool>,
}

#[utoipa::path(patch, operation_id = "admin_change_user", path = "/api/admin/users/{id}", tag = "admin", security(("bearer" = [])), params(("id" = String, Path, description = "User id"), ("If-Match" = Option<String>, Header, description = "The version the edit is based on")), request_body = UserChange, responses((status = 200, description = "Changed; the account's existing tokens are void", body = Object)))]
pub async fn change_user(
    State(state): State<AdminState>,
    staff: Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<UserChange>,
) -> Result<Response, ApiError> {
    if body.role.is_none() && body.disabled.is_none() {
        return Err(ApiError::validation("role", "give role or disabled"));
    }
    if let Some(role) = &body.role {
        if role != "customer" && role != "admin" {
            return Err(ApiError::validation("role", "customer or admin"));
        }
    }
    let demotes = body.role.as_deref() == Some("customer");
    if id == staff.user_id && (demotes || body.disabled == Some(true)) {
        return Err(ApiError::conflict(
            "cannot_change_self",
            "an admin cannot disable or demote their own account; ask another admin",
        ));
    }
    let at = path(&["internal", "admin", "users", &id]);
    let change = Change {
        service: "auth",
        action: if body.disabled.is_some() && body.role.is_none() {
            if body.disabled == Some(true) {
                "user.disable"
            } else {
                "user.enable"
            }
        } else {
            "user.update"
        },
        target_type: "user",
        target_id: Some(id),
        before: Some(at.clone()),
    };
    let body = serde_json::to_value(&body)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("encoding a change: {e}")))?;
    audited(
        &state,
        &staff,
        change,
        write_request(Method::PATCH, at, &body, &headers),
    )
    .await
}

/// The user id of a customer given as an id or an e-mail (None: no such e-mail).
pub async fn user_id_for(state: &AdminState, customer: &str) -> Result<Option<String>, ApiError> {
    if !customer.contains('@') {
        return Ok(Some(customer.to_string()));
    }
    let email = customer.to_lowercase();
    let query = serde_urlencoded::to_string([("q", email.as_str()), ("limit", "100")])
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("encoding a query: {e}")))?;
    let found = match state
        .services
        .get_json("auth", format!("/internal/admin/users?{query}"))
        .await
    {
        Ok(found) => found,
        // Auth refused the text as a search (not an e-mail it could hold): nobody has it.
        Err(answer) if answer.status.is_client_error() => return Ok(None),
        Err(answer) => {
            return Err(ApiError::Unavailable(format!(
                "cannot look the customer up right now (auth answered {})",
                answer.status
            )))
        }
    };
    Ok(found
        .get("items")
        .and_then(|items| items.as_array())
        .and_then(|items| {
            items
                .iter()
                .find(|u| u.get("email").and_then(|e| e.as_str()) == Some(email.as_str()))
        })
        .and_then(|u| u.get("id").and_then(|id| id.as_str()).map(str::to_owned)))
}
