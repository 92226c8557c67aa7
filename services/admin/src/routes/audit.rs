//! The audit trail: listed with filters and cursor pagination, and exported as CSV. There is
//! deliberately no route that changes or removes an entry.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use wayfare_chassis::{ApiError, Json, NewestFirst, Page};

use super::{AdminState, Staff};
use crate::domain::{audit_csv, AuditEntry, AuditEntryView, AuditFilter};
use crate::store;

pub fn router() -> Router<AdminState> {
    Router::new()
        .route("/api/admin/audit", get(list))
        .route("/api/admin/audit.csv", get(export))
}

/// Audit filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// The admin who acted: user id or e-mail.
    #[param(max_length = 254)]
    actor: Option<String>,
    /// e.g. `product.update`.
    #[param(max_length = 254)]
    action: Option<String>,
    /// The target: `type:id` (e.g. `product:0192…`) or an id.
    #[param(max_length = 254)]
    target: Option<String>,
    /// The target's type: product, category, flight, schedule, order, booking, user.
    #[param(max_length = 254)]
    target_type: Option<String>,
    /// At or after: RFC 3339, a date, or Unix ms.
    from: Option<String>,
    /// Before (a date includes that day).
    to: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    cursor: Option<String>,
}

impl AuditParams {
    fn filter(&self) -> Result<AuditFilter, ApiError> {
        AuditFilter::parse(
            self.actor.clone(),
            self.action.clone(),
            self.target.clone(),
            self.target_type.clone(),
            self.from.as_deref(),
            self.to.as_deref(),
        )
    }
}

#[utoipa::path(get, operation_id = "admin_list", path = "/api/admin/audit", tag = "admin", security(("bearer" = [])), params(AuditParams), responses((status = 200, description = "Audit entries, newest first", body = Page<AuditEntryView>)))]
pub async fn list(
    State(state): State<AdminState>,
    _staff: Staff,
    Query(params): Query<AuditParams>,
) -> Result<Json<Page<AuditEntryView>>, ApiError> {
    let filter = params.filter()?;
    let page = NewestFirst::parse(params.limit, params.cursor.as_deref())?;
    let entries = store::list(&state.db, &filter, page.after.clone(), page.fetch()).await?;
    Ok(Json(page.page(
        entries,
        |e: &AuditEntry| (e.at, e.id.as_str()),
        |e| AuditEntryView::from(e),
    )))
}

#[utoipa::path(get, operation_id = "admin_export", path = "/api/admin/audit.csv", tag = "admin", security(("bearer" = [])), params(AuditParams), responses((status = 200, description = "The filtered audit log as CSV, newest first (at most the configured number of rows)", content_type = "text/csv", body = String)))]
pub async fn export(
    State(state): State<AdminState>,
    _staff: Staff,
    Query(params): Query<AuditParams>,
) -> Result<Response, ApiError> {
    let filter = params.filter()?;
    // Read in pages so one export never holds a huge result set in the driver at once.
    let mut entries: Vec<AuditEntry> = Vec::new();
    let mut after = None;
    let max = state.config.export_max_rows as usize;
    loop {
        let want = (max - entries.len()).min(1_000) as u32;
        let batch = store::list(&state.db, &filter, after.clone(), want).await?;
        let done = batch.len() < want as usize;
        after = batch.last().map(|e| (e.at, e.id.clone()));
        entries.extend(batch);
        if done || entries.len() >= max {
            break;
        }
    }
    let csv = audit_csv(&entries)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"wayfare-audit.csv\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        csv,
    )
        .into_response())
}
