//! `/internal/admin/**`: the back office's catalog. Every product (inactive ones too) with its
//! version as the `ETag`; creating, editing, deactivating and restocking with `If-Match`
//! (a stale version is 412 and changes nothing); categories; products low on stock. Only the
//! admin service may call it (catalog's `ALLOWED_CALLERS`).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::Router;
use serde::Deserialize;
use wayfare_chassis::etag::{if_match, Tagged};
use wayfare_chassis::identity::ServiceCaller;
use wayfare_chassis::{Json, NewestFirst, Page};

use super::{CatalogState, CreateProduct, SetStock, UpdateProduct, CATEGORIES_KEY};
use crate::domain::{self, forget_cached_product, Product};
use crate::error::CatalogError;
use crate::store::admin::{self as admin_store, Edit, ProductFilter, VersionedProduct};
use crate::store::{self, ProductChanges};

pub fn router(state: CatalogState) -> Router {
    Router::new()
        .route(
            "/internal/admin/products",
            get(list_products).post(create_product),
        )
        .route(
            "/internal/admin/products/{id}",
            get(show_product).patch(update_product),
        )
        .route("/internal/admin/products/{id}/stock", put(set_stock))
        .route("/internal/admin/low-stock", get(low_stock))
        .route(
            "/internal/admin/categories",
            get(list_categories).post(create_category),
        )
        .route(
            "/internal/admin/categories/{id}",
            axum::routing::patch(rename_category),
        )
        .with_state(state)
}

#[derive(Debug, Deserialize)]
pub struct ProductParams {
    q: Option<String>,
    category: Option<String>,
    active: Option<bool>,
    limit: Option<u32>,
    cursor: Option<String>,
}

async fn list_products(
    State(state): State<CatalogState>,
    _caller: ServiceCaller,
    Query(params): Query<ProductParams>,
) -> Result<Json<Page<VersionedProduct>>, CatalogError> {
    let page = NewestFirst::parse(params.limit, params.cursor.as_deref())?;
    let text = params
        .q
        .map(|q| q.trim().to_string())
        .filter(|q| !q.is_empty());
    if text.as_ref().is_some_and(|q| q.chars().count() > 100) {
        return Err(CatalogError::invalid("q", "at most 100 characters"));
    }
    let filter = ProductFilter {
        text,
        category: params.category.filter(|c| !c.is_empty()),
        active: params.active,
    };
    let rows = admin_store::products(&state.db, &filter, page.after.clone(), page.fetch()).await?;
    Ok(Json(page.page(
        rows,
        |p: &VersionedProduct| (p.created_ms, p.product.id.as_str()),
        |p| p.clone(),
    )))
}

async fn versioned(state: &CatalogState, id: &str) -> Result<VersionedProduct, CatalogError> {
    admin_store::product(&state.db, id)
        .await?
        .ok_or_else(|| CatalogError::ProductNotFound(id.to_string()))
}

fn tagged(product: VersionedProduct) -> Tagged<VersionedProduct> {
    Tagged(product.version, product)
}

async fn show_product(
    State(state): State<CatalogState>,
    _caller: ServiceCaller,
    Path(id): Path<String>,
) -> Result<Tagged<VersionedProduct>, CatalogError> {
    Ok(tagged(versioned(&state, &id).await?))
}

async fn create_product(
    State(state): State<CatalogState>,
    caller: ServiceCaller,
    Json(body): Json<CreateProduct>,
) -> Result<Response, CatalogError> {
    let new = body.parse(&state.db).await?;
    let product = store::insert_product(&state.db, &new).await?;
    tracing::info!(product_id = %product.id, caller = %caller.0, "product created by the back office");
    let created = versioned(&state, &product.id).await?;
    Ok((StatusCode::CREATED, tagged(created)).into_response())
}

/// Applies `changes` at the version `If-Match` names (any when absent), then forgets the
/// cached copy so the shop sees the change at once.
async fn edit(
    state: &CatalogState,
    id: &str,
    headers: &HeaderMap,
    changes: &ProductChanges,
) -> Result<Tagged<VersionedProduct>, CatalogError> {
    let expected = if_match(headers)?;
    let changed = store::update_product_if(&state.db, id, changes, expected).await?;
    if changed.is_none() {
        return Err(if admin_store::product_exists(&state.db, id).await? {
            CatalogError::Stale("the product")
        } else {
            CatalogError::ProductNotFound(id.to_string())
        });
    }
    forget_cached_product(&state.cache, id).await;
    Ok(tagged(versioned(state, id).await?))
}

async fn update_product(
    State(state): State<CatalogState>,
    _caller: ServiceCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<UpdateProduct>,
) -> Result<Tagged<VersionedProduct>, CatalogError> {
    let changes = body.parse(&state.db).await?;
    edit(&state, &id, &headers, &changes).await
}

async fn set_stock(
    State(state): State<CatalogState>,
    _caller: ServiceCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<SetStock>,
) -> Result<Tagged<VersionedProduct>, CatalogError> {
    let changes = ProductChanges {
        stock: Some(domain::parse_stock(body.stock)?),
        ..Default::default()
    };
    edit(&state, &id, &headers, &changes).await
}

#[derive(Debug, Deserialize)]
pub struct LowStockParams {
    threshold: Option<i64>,
    limit: Option<u32>,
}

async fn low_stock(
    State(state): State<CatalogState>,
    _caller: ServiceCaller,
    Query(params): Query<LowStockParams>,
) -> Result<Json<Page<Product>>, CatalogError> {
    let threshold = params.threshold.unwrap_or(5).clamp(0, 1_000_000);
    let limit = params.limit.unwrap_or(10).clamp(1, 100);
    let items = admin_store::low_stock(&state.db, threshold, limit).await?;
    Ok(Json(Page {
        items,
        next_cursor: None,
    }))
}

async fn list_categories(
    State(state): State<CatalogState>,
    _caller: ServiceCaller,
) -> Result<Json<Page<admin_store::VersionedCategory>>, CatalogError> {
    Ok(Json(Page {
        items: admin_store::categories(&state.db).await?,
        next_cursor: None,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCategory {
    /// A slug (`a-z`, `0-9`, `-`); derived from the name when absent.
    id: Option<String>,
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryRename {
    name: String,
}

fn category_name(raw: &str) -> Result<String, CatalogError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
        return Err(CatalogError::invalid(
            "name",
            "1 to 80 printable characters",
        ));
    }
    Ok(name.to_string())
}

/// A category id: lower-case letters, digits and dashes, 1 to 64 long.
fn category_slug(raw: &str) -> Result<String, CatalogError> {
    let ok = !raw.is_empty()
        && raw.len() <= 64
        && raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !ok {
        return Err(CatalogError::invalid(
            "id",
            "1 to 64 lower-case letters, digits or dashes",
        ));
    }
    Ok(raw.to_string())
}

fn slug_of(name: &str) -> String {
    let mut slug = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').chars().take(64).collect()
}

async fn create_category(
    State(state): State<CatalogState>,
    _caller: ServiceCaller,
    Json(body): Json<NewCategory>,
) -> Result<Response, CatalogError> {
    let name = category_name(&body.name)?;
    let id = match body.id {
        Some(id) => category_slug(&id)?,
        None => category_slug(&slug_of(&name))?,
    };
    let created = admin_store::create_category(&state.db, &id, &name).await?;
    state.cache.delete(CATEGORIES_KEY).await;
    Ok((StatusCode::CREATED, Tagged(created.version, created)).into_response())
}

async fn rename_category(
    State(state): State<CatalogState>,
    _caller: ServiceCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<CategoryRename>,
) -> Result<Response, CatalogError> {
    let name = category_name(&body.name)?;
    let expected = if_match(&headers)?;
    match admin_store::rename_category(&state.db, &id, &name, expected).await? {
        Edit::Done(category) => {
            state.cache.delete(CATEGORIES_KEY).await;
            Ok(Tagged(category.version, category).into_response())
        }
        Edit::NotFound => Err(CatalogError::CategoryNotFound(id)),
        Edit::Stale => Err(CatalogError::Stale("the category")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_ids_are_slugs_derived_from_names_when_absent() {
        assert_eq!(slug_of("Maps & Charts"), "maps-charts");
        assert_eq!(slug_of("  Books "), "books");
        assert!(category_slug("Bad Slug").is_err());
        assert!(category_slug("").is_err());
        assert_eq!(category_slug("maps-2").unwrap(), "maps-2");
    }
}
