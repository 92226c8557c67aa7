//! catalog's contract: the wire types other services exchange with catalog (products as the
//! public API shows them, reservation requests of the internal API) and its typed client,
//! split into the [`Catalog`] trait callers hold and the HTTP implementation
//! [`CatalogClient`]. Depends on nothing of the catalog service, so a caller never reaches into
//! catalog's store, routes or domain; catalog itself re-exports these types, so its routes
//! serialize exactly what this crate describes.

pub mod client;

use serde::{Deserialize, Serialize};

pub use client::{Catalog, CatalogClient, CommitResult, ReserveResult, MAX_BATCH};

// A product as `GET /api/catalog/products[/{id}]` shows it. (No doc comment: utoipa would
// turn it into a description and change catalog's published OpenAPI document.)
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Product {
    pub id: String,
    pub sku: String,
    pub name: String,
    pub description: String,
    /// Minor units (cents).
    pub price: i64,
    pub currency: String,
    pub stock: i64,
    pub category: String,
    pub active: bool,
    pub image_url: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// One line of a stock reservation: this many units of this product.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReservationLine {
    pub product_id: String,
    pub quantity: i64,
}

/// The body of `POST /internal/reservations` (idempotent per `order_id`).
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReserveRequest {
    pub order_id: String,
    pub items: Vec<ReservationLine>,
    /// How long the hold lasts before catalog's sweeper returns the units; catalog's default
    /// when absent.
    pub ttl_seconds: Option<u64>,
}
