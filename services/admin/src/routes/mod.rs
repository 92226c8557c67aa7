//! admin's HTTP API, `/api/admin/**`: the back office. Every route needs the `admin` role
//! (the gateway checks it first; [`Staff`] checks it again here). Reads are passed through
//! from the owning service; every write goes through [`audited`], which records who changed
//! what, with the state before and after, in admin's own database before answering.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use axum::Router;
use utoipa::OpenApi;
use wayfare_chassis::client::Outbound;
use wayfare_chassis::db::{now_ms, Db};
use wayfare_chassis::error::Problem;
use wayfare_chassis::identity::{AdminUser, TokenVerifier};
use wayfare_chassis::openapi::{BearerAuth, CommonResponses};
use wayfare_chassis::ApiError;

use crate::client::{Answer, Services};
use crate::config::AdminConfig;
use crate::domain::AuditEntry;
use crate::store;

mod airline;
mod audit;
mod people;
mod shop;
mod summary;

/// The handlers' state; extractors take the parts they need (`FromRef` derived).
#[derive(Clone, FromRef)]
pub struct AdminState {
    pub db: Db,
    pub services: Arc<Services>,
    pub verifier: TokenVerifier,
    pub config: Arc<AdminConfig>,
}

pub fn router(state: AdminState) -> Router {
    Router::new()
        .merge(summary::router())
        .merge(shop::router())
        .merge(airline::router())
        .merge(people::router())
        .merge(audit::router())
        .with_state(state)
        .merge(wayfare_chassis::openapi::router(ApiDoc::openapi()))
}

/// The member of staff making a request: a verified admin, with where the request came from.
#[derive(Debug, Clone)]
pub struct Staff {
    pub user_id: String,
    pub email: String,
    pub request_id: String,
    pub client_ip: String,
}

impl<S> FromRequestParts<S> for Staff
where
    TokenVerifier: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let AdminUser(claims) = AdminUser::from_request_parts(parts, state).await?;
        let request_id = wayfare_chassis::request::current_request_id()
            .or_else(|| header_text(&parts.headers, "x-request-id"))
            .unwrap_or_default();
        // The gateway appends the address it saw to X-Forwarded-For; that last entry is the
        // client as far as the platform can tell. Without it (a direct call), the peer.
        let client_ip = header_text(&parts.headers, "x-forwarded-for")
            .and_then(|list| list.rsplit(',').next().map(|ip| ip.trim().to_string()))
            .filter(|ip| !ip.is_empty() && ip.len() <= 64)
            .or_else(|| {
                parts
                    .extensions
                    .get::<ConnectInfo<SocketAddr>>()
                    .map(|ConnectInfo(peer)| peer.ip().to_string())
            })
            .unwrap_or_default();
        Ok(Staff {
            user_id: claims.sub,
            email: claims.email,
            request_id,
            client_ip,
        })
    }
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// What a write changes, for the audit trail.
pub struct Change {
    /// The service that owns the target.
    pub service: &'static str,
    /// `<target type>.<verb>`, e.g. `product.update`.
    pub action: &'static str,
    pub target_type: &'static str,
    /// The target's id; for a creation, read from the answer's `id`.
    pub target_id: Option<String>,
    /// Where the target's current state is read from first (none for a creation).
    pub before: Option<String>,
}

/// Performs a write through the owning service and records it. The service's answer is
/// passed through; only a successful write is recorded (a refused one changed nothing), and
/// the answer is sent only once its entry is stored.
pub async fn audited(
    state: &AdminState,
    staff: &Staff,
    change: Change,
    request: Outbound,
) -> Result<Response, ApiError> {
    let before = match &change.before {
        Some(path) => match state.services.get_json(change.service, path.clone()).await {
            Ok(json) => Some(json),
            Err(answer) => return Ok(answer.into_response()),
        },
        None => None,
    };
    let answer = state.services.call(change.service, request).await?;
    if !answer.status.is_success() {
        return Ok(answer.into_response());
    }
    let after = answer.json();
    let target_id = change
        .target_id
        .clone()
        .or_else(|| {
            after
                .as_ref()
                .and_then(|a| a.get("id"))
                .and_then(|id| id.as_str())
                .map(str::to_owned)
        })
        .unwrap_or_default();
    record(state, staff, &change, target_id, before, after).await?;
    Ok(answer.into_response())
}

/// Appends an audit entry for a change that was made.
pub async fn record(
    state: &AdminState,
    staff: &Staff,
    change: &Change,
    target_id: String,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), ApiError> {
    let entry = AuditEntry {
        id: uuid::Uuid::now_v7().to_string(),
        at: now_ms(),
        actor_id: staff.user_id.clone(),
        actor_email: staff.email.clone(),
        action: change.action.to_string(),
        target_type: change.target_type.to_string(),
        target_id,
        before,
        after,
        request_id: staff.request_id.clone(),
        client_ip: staff.client_ip.clone(),
    };
    if let Err(err) = store::append(&state.db, &entry).await {
        // The change itself was made; say so, so nobody repeats it blindly.
        tracing::error!(error = %err, action = change.action, target_id = %entry.target_id, "the change was made but its audit entry could not be stored");
        return Err(ApiError::Unavailable(
            "the change was made, but the audit log is unavailable; check the target before retrying".into(),
        ));
    }
    metrics::counter!("admin_actions_total", "action" => change.action).increment(1);
    metrics::counter!("admin_audit_entries_total").increment(1);
    Ok(())
}

/// Passes a read through to its owner.
pub async fn read(state: &AdminState, service: &'static str, path: String) -> Response {
    match state.services.call(service, Outbound::get(path)).await {
        Ok(answer) => answer.into_response(),
        Err(err) => err.into_response(),
    }
}

/// A JSON write to `path`, carrying the client's `If-Match` on to the owner.
pub fn write_request(
    method: Method,
    path: String,
    body: &serde_json::Value,
    headers: &HeaderMap,
) -> Outbound {
    let mut request = Outbound::json(method, path, body);
    if let Some(if_match) = headers.get(header::IF_MATCH) {
        request.headers.insert(header::IF_MATCH, if_match.clone());
    }
    request
}

/// A query string passed on to an owner, with `from`/`to` (as staff type them) turned into
/// the owners' `from_ms`/`to_ms`.
pub fn forward_query(raw: Option<&str>) -> Result<String, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|_| ApiError::BadRequest("the query string does not parse".into()))?;
    let mut from = None;
    let mut to = None;
    let mut out: Vec<(String, String)> = Vec::new();
    for (key, value) in pairs {
        match key.as_str() {
            "from" => from = Some(value),
            "to" => to = Some(value),
            _ => out.push((key, value)),
        }
    }
    let range = crate::domain::TimeRange::parse_optional(from.as_deref(), to.as_deref())?;
    if let Some(from) = range.from_ms {
        out.push(("from_ms".into(), from.to_string()));
    }
    if let Some(to) = range.to_ms {
        out.push(("to_ms".into(), to.to_string()));
    }
    let encoded = serde_urlencoded::to_string(&out)
        .map_err(|_| ApiError::BadRequest("the query string does not parse".into()))?;
    Ok(if encoded.is_empty() {
        String::new()
    } else {
        format!("?{encoded}")
    })
}

/// The service's error, as admin's.
pub fn passed_through(answer: Answer) -> Response {
    answer.into_response()
}

/// Adds the answers every admin operation can give besides the common ones: 403 for a
/// signed-in user who is not an admin, and the owners' 404, 409 and 412.
pub struct AdminResponses;

impl utoipa::Modify for AdminResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    wayfare_chassis::error::PROBLEM_JSON,
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            let writes = [item.put.as_mut(), item.post.as_mut(), item.patch.as_mut()];
            for operation in writes.into_iter().flatten() {
                for (status, description) in [
                    ("404", "No such target"),
                    ("409", "The target's state does not allow it"),
                    (
                        "412",
                        "If-Match names an old version (`version_mismatch`); nothing changed",
                    ),
                ] {
                    operation
                        .responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| problem(description).into());
                }
            }
            let all = [
                item.get.as_mut(),
                item.put.as_mut(),
                item.post.as_mut(),
                item.patch.as_mut(),
            ];
            for operation in all.into_iter().flatten() {
                for (status, description) in [
                    ("403", "The caller is not an admin"),
                    ("404", "No such resource"),
                    // Filters are free text: a long enough query string outgrows the limit.
                    ("414", "The request target is too long"),
                    ("502", "A managed service answered unexpectedly"),
                    ("504", "A managed service did not answer in time"),
                ] {
                    operation
                        .responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| problem(description).into());
                }
            }
        }
    }
}

/// admin's public API, served at `/openapi.json`.
#[derive(OpenApi)]
#[openapi(
    info(title = "Wayfare admin", description = "The back office: sales, catalog, flights, orders, bookings, users, and the audit trail. Every operation needs the admin role."),
    paths(
        summary::summary,
        shop::list_products, shop::create_product, shop::show_product, shop::update_product, shop::set_stock,
        shop::list_categories, shop::create_category, shop::rename_category,
        shop::list_orders, shop::show_order, shop::refund_order,
        airline::list_flights, airline::create_flight, airline::show_flight, airline::update_flight,
        airline::cancel_flight, airline::create_schedule,
        airline::list_bookings, airline::show_booking, airline::cancel_booking,
        people::list_users, people::show_user, people::change_user,
        audit::list, audit::export,
    ),
    components(schemas(Problem, crate::domain::AuditEntryView)),
    modifiers(&BearerAuth, &AdminResponses, &CommonResponses),
    tags((name = "admin", description = "The back office (admin role)"))
)]
pub struct ApiDoc;
