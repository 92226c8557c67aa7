//! catalog's HTTP API (paths as the gateway exposes them). Product reads are cached; every
//! write invalidates the product's entry. `internal` holds the reservation API.

pub mod admin;
pub mod internal;

use std::time::Duration;

use axum::extract::{FromRef, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::Router;
use serde::Deserialize;
use utoipa::OpenApi;
use wayfare_chassis::cache::Cache;
use wayfare_chassis::db::Db;
use wayfare_chassis::error::Problem;
use wayfare_chassis::identity::{AdminUser, InternalGuard, TokenVerifier};
use wayfare_chassis::openapi::{BearerAuth, CommonResponses};
use wayfare_chassis::{Json, Page};

use crate::domain::{self, Category, ListQuery, Product};
use crate::error::CatalogError;
use crate::store::{self, NewProduct, ProductChanges};

/// The handlers' state; extractors take the parts they need (`FromRef` derived).
#[derive(Clone, FromRef)]
pub struct CatalogState {
    pub db: Db,
    /// This replica's search index (store::search_index).
    pub search: crate::store::search_index::SearchIndex,
    pub cache: Cache,
    pub verifier: TokenVerifier,
    pub internal: InternalGuard,
}

const PRODUCT_TTL: Duration = Duration::from_secs(60);
const CATEGORIES_TTL: Duration = Duration::from_secs(300);
/// The cached category list (the back office drops it when it changes a category).
pub(crate) const CATEGORIES_KEY: &str = "catalog:categories";

pub fn router(state: CatalogState) -> Router {
    Router::new()
        .route(
            "/api/catalog/products",
            get(list_products).post(create_product),
        )
        .route(
            "/api/catalog/products/{id}",
            get(get_product).patch(update_product),
        )
        .route("/api/catalog/products/{id}/stock", put(set_stock))
        .route("/api/catalog/categories", get(list_categories))
        .with_state(state.clone())
        .merge(internal::router(state.clone()))
        .merge(admin::router(state))
        .merge(wayfare_chassis::openapi::router(ApiDoc::openapi()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Search words (3+ letters each, all required, prefix match).
    #[param(pattern = "[A-Za-z0-9]{3}", max_length = 100)]
    q: Option<String>,
    /// Category id, e.g. `books`.
    category: Option<String>,
    /// `name` (default), `price_asc`, `price_desc` or `newest`.
    #[param(inline, value_type = Option<crate::domain::Sort>)]
    sort: Option<String>,
    /// 1 to 100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Comma-separated product ids (at most 100): exactly those of them that are for sale, in
    /// the order asked, on one page; the other parameters are then ignored.
    #[param(max_length = 6500)]
    ids: Option<String>,
}

#[tracing::instrument(skip(state))]
#[utoipa::path(get, path = "/api/catalog/products", tag = "catalog", params(ListParams), responses((status = 200, description = "A page of active products", body = Page<Product>), (status = 400, description = "Bad cursor", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid parameter", body = Problem, content_type = "application/problem+json")))]
async fn list_products(
    State(state): State<CatalogState>,
    Query(p): Query<ListParams>,
) -> Result<Json<Page<Product>>, CatalogError> {
    if let Some(ids) = p.ids.as_deref() {
        let ids: Vec<&str> = ids.split(',').filter(|id| !id.is_empty()).collect();
        if ids.len() > wayfare_catalog_api::MAX_BATCH {
            return Err(CatalogError::Api(wayfare_chassis::ApiError::validation(
                "ids",
                format!("at most {} ids", wayfare_catalog_api::MAX_BATCH),
            )));
        }
        let mut items = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(product) = load_product(&state, id).await? {
                if product.active {
                    items.push(product);
                }
            }
        }
        return Ok(Json(Page {
            items,
            next_cursor: None,
        }));
    }
    let query = ListQuery::parse(
        p.q.as_deref(),
        p.category.as_deref(),
        p.sort.as_deref(),
        p.limit.as_deref(),
        p.cursor.as_deref(),
    )?;
    let (items, next) = store::list_or_search(&state.db, &state.search, &query).await?;
    Ok(Json(Page {
        items,
        next_cursor: next.map(|c| c.encode()),
    }))
}

pub(crate) fn product_key(id: &str) -> String {
    crate::domain::product_cache_key(id)
}

/// Cache first; the database decides on a miss (or when the cache is down).
async fn load_product(state: &CatalogState, id: &str) -> Result<Option<Product>, CatalogError> {
    let key = product_key(id);
    if let Some(cached) = state.cache.get(&key).await {
        if let Ok(product) = serde_json::from_str::<Product>(&cached) {
            metrics::counter!("catalog_product_cache_total", "result" => "hit").increment(1);
            return Ok(Some(product));
        }
    }
    metrics::counter!("catalog_product_cache_total", "result" => "miss").increment(1);
    let epoch_key = crate::domain::product_epoch_key(id);
    let epoch = state.cache.get(&epoch_key).await;
    let product = store::get_product(&state.db, id).await?;
    // Changed while we read it: our copy may be stale, so leave the cache empty.
    let unchanged = state.cache.get(&epoch_key).await == epoch;
    if let Some(product) = product.as_ref().filter(|_| unchanged) {
        let json = serde_json::to_string(product).map_err(anyhow::Error::from)?;
        state.cache.set(&key, &json, PRODUCT_TTL).await;
    }
    Ok(product)
}

#[tracing::instrument(skip(state))]
#[utoipa::path(get, path = "/api/catalog/products/{id}", tag = "catalog", params(("id" = String, Path, description = "Product id")), responses((status = 200, description = "The product", body = Product), (status = 404, description = "No such product for sale", body = Problem, content_type = "application/problem+json")))]
async fn get_product(
    State(state): State<CatalogState>,
    Path(id): Path<String>,
) -> Result<Response, CatalogError> {
    // The cached copy is the very JSON this answers with: sent as stored, not parsed and
    // serialised again (the hottest read of the shop).
    if let Some(cached) = state.cache.get(&product_key(&id)).await {
        if is_active_product_json(&cached) {
            metrics::counter!("catalog_product_cache_total", "result" => "hit").increment(1);
            return Ok(([(header::CONTENT_TYPE, "application/json")], cached).into_response());
        }
    }
    match load_product(&state, &id).await? {
        Some(product) if product.active => Ok(Json(product).into_response()),
        _ => Err(CatalogError::ProductNotFound(id)),
    }
}

/// Whether `json` is a product as [`load_product`] caches it (`serde_json` of [`Product`]) and
/// for sale. Inside a JSON string every `"` is escaped, so no name or description can fake
/// the `"active":true` member.
fn is_active_product_json(json: &str) -> bool {
    json.starts_with("{\"id\":") && json.ends_with('}') && json.contains(",\"active\":true,")
}

#[tracing::instrument(skip(state))]
#[utoipa::path(get, path = "/api/catalog/categories", tag = "catalog", responses((status = 200, description = "Every category", body = Page<Category>)))]
async fn list_categories(
    State(state): State<CatalogState>,
) -> Result<Json<Page<Category>>, CatalogError> {
    const KEY: &str = CATEGORIES_KEY;
    if let Some(items) = state
        .cache
        .get(KEY)
        .await
        .and_then(|c| serde_json::from_str(&c).ok())
    {
        return Ok(Json(Page {
            items,
            next_cursor: None,
        }));
    }
    let items = store::list_categories(&state.db).await?;
    if let Ok(json) = serde_json::to_string(&items) {
        state.cache.set(KEY, &json, CATEGORIES_TTL).await;
    }
    Ok(Json(Page {
        items,
        next_cursor: None,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProduct {
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    sku: String,
    #[schema(pattern = r"\S", max_length = 200)]
    name: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    description: String,
    /// Minor units (cents).
    #[schema(minimum = 0, maximum = 10_000_000_000_i64)]
    price: i64,
    #[schema(pattern = "^[A-Z]{3}$")]
    currency: String,
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    stock: i64,
    /// A category id (GET /api/catalog/categories).
    category: String,
    #[serde(default = "default_true")]
    active: bool,
    #[schema(pattern = "^(https?://|/)", max_length = 500)]
    image_url: Option<String>,
}

fn default_true() -> bool {
    true
}

impl CreateProduct {
    /// The product to create, every field checked (the category must exist).
    pub(crate) async fn parse(self, db: &Db) -> Result<NewProduct, CatalogError> {
        Ok(NewProduct {
            sku: domain::parse_sku(&self.sku)?,
            name: domain::parse_name(&self.name)?,
            description: domain::parse_description(&self.description)?,
            price: domain::parse_price(self.price)?,
            currency: domain::parse_currency(&self.currency)?,
            stock: domain::parse_stock(self.stock)?,
            category: checked_category(db, &self.category).await?,
            active: self.active,
            image_url: self
                .image_url
                .as_deref()
                .map(domain::parse_image_url)
                .transpose()?,
        })
    }
}

async fn checked_category(db: &Db, category: &str) -> Result<String, CatalogError> {
    if !store::category_exists(db, category).await? {
        return Err(CatalogError::invalid(
            "category",
            format!("unknown category '{category}'"),
        ));
    }
    Ok(category.to_string())
}

#[tracing::instrument(skip(state, body), fields(admin = %admin.sub))]
#[utoipa::path(post, path = "/api/catalog/products", tag = "catalog", security(("bearer" = [])), request_body = CreateProduct, responses((status = 201, description = "Created", body = Product), (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"), (status = 409, description = "Duplicate SKU", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json")))]
async fn create_product(
    State(state): State<CatalogState>,
    AdminUser(admin): AdminUser,
    Json(body): Json<CreateProduct>,
) -> Result<(StatusCode, Json<Product>), CatalogError> {
    let new = body.parse(&state.db).await?;
    let product = store::insert_product(&state.db, &new).await?;
    tracing::info!(product_id = %product.id, sku = %product.sku, "product created");
    Ok((StatusCode::CREATED, Json(product)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProduct {
    #[schema(pattern = r"\S", max_length = 200)]
    name: Option<String>,
    #[schema(max_length = 5000)]
    description: Option<String>,
    #[schema(minimum = 0, maximum = 10_000_000_000_i64)]
    price: Option<i64>,
    #[schema(pattern = "^[A-Z]{3}$")]
    currency: Option<String>,
    category: Option<String>,
    active: Option<bool>,
    /// `null` removes the image; absent leaves it.
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>, pattern = "^(https?://|/)", max_length = 500)]
    image_url: Option<Option<String>>,
}

impl UpdateProduct {
    /// The changes, every field given checked (a new category must exist).
    pub(crate) async fn parse(self, db: &Db) -> Result<ProductChanges, CatalogError> {
        let category = match &self.category {
            Some(c) => Some(checked_category(db, c).await?),
            None => None,
        };
        Ok(ProductChanges {
            name: self.name.as_deref().map(domain::parse_name).transpose()?,
            description: self
                .description
                .as_deref()
                .map(domain::parse_description)
                .transpose()?,
            price: self.price.map(domain::parse_price).transpose()?,
            currency: self
                .currency
                .as_deref()
                .map(domain::parse_currency)
                .transpose()?,
            category,
            active: self.active,
            image_url: match self.image_url {
                Some(Some(url)) => Some(Some(domain::parse_image_url(&url)?)),
                Some(None) => Some(None),
                None => None,
            },
            stock: None,
        })
    }
}

/// Tells an absent field (leave as is) from `null` (clear it).
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(d).map(Some)
    }
}

#[tracing::instrument(skip(state, body), fields(admin = %admin.sub))]
#[utoipa::path(patch, path = "/api/catalog/products/{id}", tag = "catalog", security(("bearer" = [])), params(("id" = String, Path, description = "Product id")), request_body = UpdateProduct, responses((status = 200, description = "Updated", body = Product), (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"), (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json")))]
async fn update_product(
    State(state): State<CatalogState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<String>,
    Json(body): Json<UpdateProduct>,
) -> Result<Json<Product>, CatalogError> {
    let changes = body.parse(&state.db).await?;
    let product = store::update_product(&state.db, &id, &changes)
        .await?
        .ok_or(CatalogError::ProductNotFound(id.clone()))?;
    crate::domain::forget_cached_product(&state.cache, &id).await;
    Ok(Json(product))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetStock {
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub(crate) stock: i64,
}

#[tracing::instrument(skip(state, body), fields(admin = %admin.sub))]
#[utoipa::path(put, path = "/api/catalog/products/{id}/stock", tag = "catalog", security(("bearer" = [])), params(("id" = String, Path, description = "Product id")), request_body = SetStock, responses((status = 200, description = "Updated", body = Product), (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"), (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid stock", body = Problem, content_type = "application/problem+json")))]
async fn set_stock(
    State(state): State<CatalogState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<String>,
    Json(body): Json<SetStock>,
) -> Result<Json<Product>, CatalogError> {
    let changes = ProductChanges {
        stock: Some(domain::parse_stock(body.stock)?),
        ..Default::default()
    };
    let product = store::update_product(&state.db, &id, &changes)
        .await?
        .ok_or(CatalogError::ProductNotFound(id.clone()))?;
    crate::domain::forget_cached_product(&state.cache, &id).await;
    Ok(Json(product))
}

/// catalog's public API, served at `/openapi.json` (the internal reservation API is not part
/// of it).
#[derive(OpenApi)]
#[openapi(
    info(title = "Wayfare catalog", description = "Products, categories and stock."),
    paths(list_products, get_product, list_categories, create_product, update_product, set_stock),
    modifiers(&BearerAuth, &CommonResponses),
    tags((name = "catalog", description = "Products and categories"))
)]
pub struct ApiDoc;

#[cfg(test)]
mod tests {
    use super::*;

    fn product(name: &str, description: &str, active: bool) -> String {
        serde_json::to_string(&Product {
            id: "p1".into(),
            sku: "S".into(),
            name: name.into(),
            description: description.into(),
            price: 1,
            currency: "USD".into(),
            stock: 1,
            category: "books".into(),
            active,
            image_url: None,
            created_at: "2026-01-01T00:00:00Z".into(),
            updated_at: "2026-01-01T00:00:00Z".into(),
        })
        .unwrap()
    }

    #[test]
    fn only_a_cached_product_for_sale_is_answered_as_stored() {
        assert!(is_active_product_json(&product("Tent", "", true)));
        assert!(!is_active_product_json(&product("Tent", "", false)));
        // Text cannot pass for the flag: its quotes are escaped.
        let forged = product("x\",\"active\":true,\"y", ",\"active\":true,", false);
        assert!(!is_active_product_json(&forged), "{forged}");
        assert!(!is_active_product_json("not json"));
    }
}
