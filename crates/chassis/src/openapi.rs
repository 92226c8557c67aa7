//! OpenAPI: every service publishes its public API at `/openapi.json` (generated from the
//! handlers with utoipa); the gateway merges them into one document for the whole API.

use std::sync::Arc;

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi;

/// Adds the bearer-token scheme that `security(("bearer" = []))` on a path refers to.
pub struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// Documents the answers every operation can give (problem+json): 400 and 422 for input that
/// does not parse or validate, 401 where a token is required, 413 for oversized bodies, 429,
/// 500 and 503.
pub struct CommonResponses;

impl utoipa::Modify for CommonResponses {
    fn modify(&self, openapi: &mut OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    crate::error::PROBLEM_JSON,
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                item.get.as_mut(),
                item.put.as_mut(),
                item.post.as_mut(),
                item.delete.as_mut(),
                item.patch.as_mut(),
            ];
            for operation in operations.into_iter().flatten() {
                let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
                let has_body = operation.request_body.is_some();
                let has_parameters = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
                let mut add = |status: &str, description: &str| {
                    operation
                        .responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| problem(description).into());
                };
                if has_body || has_parameters {
                    add("400", "The body or a parameter does not parse");
                    add("422", "A field or parameter is invalid; `field` names it");
                }
                if has_body {
                    add("413", "The body is too large");
                    add("415", "The body is not JSON");
                }
                if secured {
                    add("401", "A valid bearer token is required");
                }
                add("429", "Rate limited; see Retry-After");
                add("500", "An unexpected error (logged with the request id)");
                add("503", "A dependency is unavailable");
            }
        }
    }
}

/// A router serving `doc` at `/openapi.json` (rendered once).
pub fn router(doc: OpenApi) -> Router {
    let json: Arc<str> = Arc::from(doc.to_json().expect("an OpenAPI document serialises"));
    Router::new().route(
        "/openapi.json",
        get(move || {
            let json = json.clone();
            async move {
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    json.to_string(),
                )
                    .into_response()
            }
        }),
    )
}

/// Merges service documents into one: paths and components of each are added to `base`
/// (the first definition of a schema name wins).
pub fn merge(
    mut base: serde_json::Value,
    parts: impl IntoIterator<Item = serde_json::Value>,
) -> serde_json::Value {
    for part in parts {
        for section in ["paths"] {
            if let Some(entries) = part.get(section).and_then(|v| v.as_object()) {
                let target = base[section].as_object_mut().expect("base has the section");
                for (k, v) in entries {
                    target.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
        }
        for kind in ["schemas", "securitySchemes"] {
            if let Some(entries) = part
                .pointer(&format!("/components/{kind}"))
                .and_then(|v| v.as_object())
            {
                let target = base["components"][kind]
                    .as_object_mut()
                    .expect("base has the component kind");
                for (k, v) in entries {
                    target.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
        }
        if let Some(tags) = part.get("tags").and_then(|v| v.as_array()) {
            let target = base["tags"].as_array_mut().expect("base has tags");
            for tag in tags {
                if !target.contains(tag) {
                    target.push(tag.clone());
                }
            }
        }
    }
    base
}

/// The skeleton the gateway merges into.
pub fn base_document(title: &str, version: &str) -> serde_json::Value {
    serde_json::json!({
        "openapi": "3.1.0",
        "info": {"title": title, "version": version,
                 "description": "Errors are application/problem+json (RFC 9457) with a stable `code`."},
        "paths": {},
        "components": {"schemas": {}, "securitySchemes": {}},
        "tags": [],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_keeps_every_path_and_schema_once() {
        let a = serde_json::json!({"paths": {"/a": {}}, "components": {"schemas": {"Problem": {"x": 1}}}, "tags": [{"name": "a"}]});
        let b = serde_json::json!({"paths": {"/b": {}}, "components": {"schemas": {"Problem": {"x": 2}, "B": {}}}, "tags": [{"name": "b"}]});
        let merged = merge(base_document("t", "1"), [a, b]);
        assert_eq!(merged["paths"].as_object().unwrap().len(), 2);
        assert_eq!(merged["components"]["schemas"]["Problem"]["x"], 1);
        assert!(merged["components"]["schemas"].get("B").is_some());
        assert_eq!(merged["tags"].as_array().unwrap().len(), 2);
    }
}
