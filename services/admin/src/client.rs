//! admin's calls to the services it manages. Admin changes nothing itself: every read and
//! write goes to the owning service's `/internal/admin/**` API, signed with admin's service
//! identity. The services' answers are passed through as they are (status, problem+json,
//! `ETag`), so the back office sees exactly what the owner said; admin only records them.

use std::collections::HashMap;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use wayfare_chassis::client::{Outbound, ServiceClient};
use wayfare_chassis::{ApiError, ServiceContext};

/// The services admin manages, in the order the dashboard reads them.
pub const MANAGED: &[&str] = &["auth", "catalog", "payment", "flight", "booking", "order"];

/// One client per managed service.
pub struct Services {
    clients: HashMap<&'static str, ServiceClient>,
}

impl Services {
    pub fn connect(
        ctx: &ServiceContext,
        caller: &'static str,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        let mut clients = HashMap::new();
        for service in MANAGED {
            clients.insert(*service, ctx.internal_client(caller, service, timeout)?);
        }
        Ok(Self { clients })
    }

    /// Sends `request` to `service` and reads the whole answer.
    pub async fn call(&self, service: &'static str, request: Outbound) -> Result<Answer, ApiError> {
        let client = self.clients.get(service).ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!("admin has no client for {service}"))
        })?;
        let response = client.send(request).await?;
        let status =
            StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
        let etag = response.headers().get(reqwest::header::ETAG).cloned();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .cloned();
        let body = response.bytes().await.map_err(|err| {
            tracing::warn!(error = %err, service, "reading an answer failed");
            ApiError::BadGateway(format!("{service} stopped answering mid-way"))
        })?;
        Ok(Answer {
            status,
            etag: etag.and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok()),
            content_type: content_type.and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok()),
            body,
        })
    }

    /// GETs `path` from `service` and returns its JSON, or the service's own error.
    pub async fn get_json(
        &self,
        service: &'static str,
        path: String,
    ) -> Result<serde_json::Value, Answer> {
        match self.call(service, Outbound::get(path)).await {
            Ok(answer) if answer.status.is_success() => answer.json().ok_or(answer),
            Ok(answer) => Err(answer),
            Err(err) => Err(Answer::from_error(err)),
        }
    }
}

/// A managed service's answer, whole.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub etag: Option<HeaderValue>,
    pub content_type: Option<HeaderValue>,
    pub body: Bytes,
}

impl Answer {
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// admin's own failure (the service could not be reached), as an answer.
    pub fn from_error(err: ApiError) -> Self {
        let response = err.into_response();
        let status = response.status();
        let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
        // The problem body is small and already serialised; re-render it to keep it.
        let body = Bytes::from(
            serde_json::to_vec(&wayfare_chassis::error::Problem::new(
                status,
                match status {
                    StatusCode::GATEWAY_TIMEOUT => "gateway_timeout",
                    StatusCode::BAD_GATEWAY => "bad_gateway",
                    StatusCode::SERVICE_UNAVAILABLE => "service_unavailable",
                    _ => "internal_error",
                },
                "a service this request needs did not answer; try again shortly",
            ))
            .unwrap_or_default(),
        );
        Self {
            status,
            etag: None,
            content_type,
            body,
        }
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut response = Response::new(Body::from(self.body));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            self.content_type
                .unwrap_or_else(|| HeaderValue::from_static("application/json")),
        );
        if let Some(etag) = self.etag {
            headers.insert(header::ETAG, etag);
        }
        response
    }
}
