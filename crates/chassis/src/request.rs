//! The request being handled by this task: its id and the caller's trace context, carried
//! in a task-local so that errors (which tag problems with the request id), the client (which
//! passes both on) and the server middleware (which sets them) share it without depending on
//! each other.

use std::future::Future;

use axum::http::{HeaderName, HeaderValue};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What outgoing calls made while handling a request carry on.
#[derive(Clone, Debug, Default)]
pub struct RequestContext {
    pub request_id: String,
    /// The caller's W3C trace context, passed on as is when spans are not recorded here.
    pub traceparent: Option<HeaderValue>,
    pub tracestate: Option<HeaderValue>,
}

tokio::task_local! {
    pub(crate) static CURRENT_REQUEST: RequestContext;
}

/// The context of the request being handled by this task, if any.
pub fn current_request() -> Option<RequestContext> {
    CURRENT_REQUEST.try_with(Clone::clone).ok()
}

/// The request id of the request being handled by this task, if any.
pub fn current_request_id() -> Option<String> {
    CURRENT_REQUEST.try_with(|r| r.request_id.clone()).ok()
}

/// Runs `fut` with `id` as the current request id (for background work done on behalf of a
/// request, and for tests).
pub async fn with_request_id<F: Future>(id: String, fut: F) -> F::Output {
    CURRENT_REQUEST
        .scope(
            RequestContext {
                request_id: id,
                ..Default::default()
            },
            fut,
        )
        .await
}

/// Runs `fut` as part of the request described by `context` (background work on behalf of a
/// request, and tests).
pub async fn with_request_context<F: Future>(context: RequestContext, fut: F) -> F::Output {
    CURRENT_REQUEST.scope(context, fut).await
}

/// The trace id of a `traceparent` header (`00-<trace id>-<parent id>-<flags>`).
pub fn trace_id_of(traceparent: &HeaderValue) -> Option<&str> {
    let id = traceparent.to_str().ok()?.split('-').nth(1)?;
    (id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())).then_some(id)
}

/// The configured body limit, put in request extensions for extractors that report it.
#[derive(Clone, Copy, Debug)]
pub struct BodyLimit(pub usize);
