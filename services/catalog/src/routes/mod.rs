//! catalog's HTTP API (paths as the gateway exposes them). Product reads are cached; every
//! write invalidates the product's entry. `internal` holds the reservation API.

pub mod internal;

use std::time::Duration;

use axum::extract::{FromRef, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::Router;
use serde::{Deserialize, Serialize};
use wayfare_chassis::cache::Cache;
use wayfare_chassis::db::Db;
use wayfare_chassis::identity::{AdminUser, InternalGuard, TokenVerifier};
use wayfare_chassis::Json;

use crate::domain::{self, Category, ListQuery, Product};
use crate::error::CatalogError;
use crate::store::{self, NewProduct, ProductChanges};

#[derive(Clone)]
pub struct CatalogState {
    pub db: Db,
    pub cache: Cache,
    pub verifier: TokenVerifier,
    pub internal: InternalGuard,
}

impl FromRef<CatalogState> for InternalGuard {
    fn from_ref(state: &CatalogState) -> Self {
        state.internal.clone()
    }
}

impl FromRef<CatalogState> for TokenVerifier {
    fn from_ref(state: &CatalogState) -> Self {
        state.verifier.clone()
    }
}

const PRODUCT_TTL: Duration = Duration::from_secs(60);
const CATEGORIES_TTL: Duration = Duration::from_secs(300);

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
        .merge(internal::router(state))
}

#[derive(Debug, Deserialize)]
pub struct ListParams {
    q: Option<String>,
    category: Option<String>,
    sort: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

#[tracing::instrument(skip(state))]
async fn list_products(
    State(state): State<CatalogState>,
    Query(p): Query<ListParams>,
) -> Result<Json<Page<Product>>, CatalogError> {
    let query = ListQuery::parse(
        p.q.as_deref(),
        p.category.as_deref(),
        p.sort.as_deref(),
        p.limit.as_deref(),
        p.cursor.as_deref(),
    )?;
    let (items, next) = store::list_products(&state.db, &query).await?;
    Ok(Json(Page {
        items,
        next_cursor: next.map(|c| c.encode()),
    }))
}

pub(crate) fn product_key(id: &str) -> String {
    format!("catalog:product:{id}")
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
    let product = store::get_product(&state.db, id).await?;
    if let Some(product) = &product {
        let json = serde_json::to_string(product).map_err(anyhow::Error::from)?;
        state.cache.set(&key, &json, PRODUCT_TTL).await;
    }
    Ok(product)
}

#[tracing::instrument(skip(state))]
async fn get_product(
    State(state): State<CatalogState>,
    Path(id): Path<String>,
) -> Result<Json<Product>, CatalogError> {
    match load_product(&state, &id).await? {
        Some(product) if product.active => Ok(Json(product)),
        _ => Err(CatalogError::ProductNotFound(id)),
    }
}

#[tracing::instrument(skip(state))]
async fn list_categories(
    State(state): State<CatalogState>,
) -> Result<Json<Page<Category>>, CatalogError> {
    const KEY: &str = "catalog:categories";
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateProduct {
    sku: String,
    name: String,
    #[serde(default)]
    description: String,
    price: i64,
    currency: String,
    stock: i64,
    category: String,
    #[serde(default = "default_true")]
    active: bool,
    image_url: Option<String>,
}

fn default_true() -> bool {
    true
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
async fn create_product(
    State(state): State<CatalogState>,
    AdminUser(admin): AdminUser,
    Json(body): Json<CreateProduct>,
) -> Result<(StatusCode, Json<Product>), CatalogError> {
    let new = NewProduct {
        sku: domain::parse_sku(&body.sku)?,
        name: domain::parse_name(&body.name)?,
        description: domain::parse_description(&body.description)?,
        price: domain::parse_price(body.price)?,
        currency: domain::parse_currency(&body.currency)?,
        stock: domain::parse_stock(body.stock)?,
        category: checked_category(&state.db, &body.category).await?,
        active: body.active,
        image_url: body
            .image_url
            .as_deref()
            .map(domain::parse_image_url)
            .transpose()?,
    };
    let product = store::insert_product(&state.db, &new).await?;
    tracing::info!(product_id = %product.id, sku = %product.sku, "product created");
    Ok((StatusCode::CREATED, Json(product)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateProduct {
    name: Option<String>,
    description: Option<String>,
    price: Option<i64>,
    currency: Option<String>,
    category: Option<String>,
    active: Option<bool>,
    #[serde(default, with = "double_option")]
    image_url: Option<Option<String>>,
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
async fn update_product(
    State(state): State<CatalogState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<String>,
    Json(body): Json<UpdateProduct>,
) -> Result<Json<Product>, CatalogError> {
    let category = match &body.category {
        Some(c) => Some(checked_category(&state.db, c).await?),
        None => None,
    };
    let changes = ProductChanges {
        name: body.name.as_deref().map(domain::parse_name).transpose()?,
        description: body
            .description
            .as_deref()
            .map(domain::parse_description)
            .transpose()?,
        price: body.price.map(domain::parse_price).transpose()?,
        currency: body
            .currency
            .as_deref()
            .map(domain::parse_currency)
            .transpose()?,
        category,
        active: body.active,
        image_url: match body.image_url {
            Some(Some(url)) => Some(Some(domain::parse_image_url(&url)?)),
            Some(None) => Some(None),
            None => None,
        },
        stock: None,
    };
    let product = store::update_product(&state.db, &id, &changes)
        .await?
        .ok_or(CatalogError::ProductNotFound(id.clone()))?;
    state.cache.delete(&product_key(&id)).await;
    Ok(Json(product))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetStock {
    stock: i64,
}

#[tracing::instrument(skip(state, body), fields(admin = %admin.sub))]
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
    state.cache.delete(&product_key(&id)).await;
    Ok(Json(product))
}
