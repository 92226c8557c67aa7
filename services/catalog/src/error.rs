//! catalog's errors and the status each maps to.

use wayfare_chassis::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// 404: no such (active) product.
    #[error("no product with id {0}")]
    ProductNotFound(String),
    /// 409: another product has this SKU.
    #[error("a product with SKU {0} already exists")]
    DuplicateSku(String),
    /// 409: a category with this id exists.
    #[error("a category with id {0} already exists")]
    CategoryExists(String),
    /// 404: no such category.
    #[error("no category with id {0}")]
    CategoryNotFound(String),
    /// 412: changed by someone else since the version the edit was based on.
    #[error("{0} was changed by someone else since you read it; reload it and try again")]
    Stale(&'static str),
    /// 422: a field failed validation.
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// 400: the cursor is not one this service issued for this sort.
    #[error("invalid cursor")]
    BadCursor,
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl CatalogError {
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason: reason.into(),
        }
    }
}

impl From<sqlx::Error> for CatalogError {
    fn from(err: sqlx::Error) -> Self {
        CatalogError::Api(err.into())
    }
}

impl From<anyhow::Error> for CatalogError {
    fn from(err: anyhow::Error) -> Self {
        CatalogError::Api(ApiError::Internal(err))
    }
}

impl From<CatalogError> for ApiError {
    fn from(err: CatalogError) -> Self {
        match err {
            CatalogError::ProductNotFound(_) => ApiError::NotFound(err.to_string()),
            CatalogError::DuplicateSku(_) => ApiError::conflict("duplicate_sku", err.to_string()),
            CatalogError::CategoryExists(_) => {
                ApiError::conflict("duplicate_category", err.to_string())
            }
            CatalogError::CategoryNotFound(_) => ApiError::NotFound(err.to_string()),
            CatalogError::Stale(_) => ApiError::PreconditionFailed(err.to_string()),
            CatalogError::Invalid { field, reason } => ApiError::validation(field, reason),
            CatalogError::BadCursor => ApiError::BadRequest(err.to_string()),
            CatalogError::Api(api) => api,
        }
    }
}

impl axum::response::IntoResponse for CatalogError {
    fn into_response(self) -> axum::response::Response {
        ApiError::from(self).into_response()
    }
}
