//! The back office's reads and writes of the catalog: every product (inactive included) with
//! its version, products low on stock, and categories with theirs. Versions make the back
//! office's edits conditional (`If-Match`), so two admins never overwrite each other.

use sqlx::Row;
use wayfare_chassis::db::Db;
use wayfare_chassis::error::is_unique_violation;

use super::{get_product, PRODUCT_COLUMNS};
use crate::domain::Product;
use crate::error::CatalogError;

/// A product with its version (sent as its `ETag`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct VersionedProduct {
    #[serde(flatten)]
    pub product: Product,
    pub version: i64,
    /// Unix ms, for the newest-first cursor (not sent).
    #[serde(skip)]
    pub created_ms: i64,
}

/// A category with its version.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct VersionedCategory {
    pub id: String,
    pub name: String,
    pub position: i64,
    pub version: i64,
}

/// What the back office filters products by.
#[derive(Debug, Default)]
pub struct ProductFilter {
    /// Part of the name or the SKU (case-insensitive on both backends' collations of SKU).
    pub text: Option<String>,
    pub category: Option<String>,
    pub active: Option<bool>,
}

fn versioned(row: &sqlx::any::AnyRow) -> Result<VersionedProduct, sqlx::Error> {
    Ok(VersionedProduct {
        product: super::product_from_row(row)?,
        version: row.try_get("version")?,
        created_ms: row.try_get("created_at")?,
    })
}

pub async fn product(db: &Db, id: &str) -> Result<Option<VersionedProduct>, CatalogError> {
    let row = sqlx::query(&format!(
        "SELECT {PRODUCT_COLUMNS}, version FROM products WHERE id = ?"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.as_ref().map(versioned).transpose()?)
}

/// Every product matching `filter`, newest first, after the cursor `(created_at, id)`.
pub async fn products(
    db: &Db,
    filter: &ProductFilter,
    after: Option<(i64, String)>,
    limit: u32,
) -> Result<Vec<VersionedProduct>, CatalogError> {
    let mut sql = format!("SELECT {PRODUCT_COLUMNS}, version FROM products WHERE 1 = 1");
    let mut texts: Vec<String> = Vec::new();
    let mut ints: Vec<i64> = Vec::new();
    if let Some(text) = &filter.text {
        // LIKE's wildcards in what staff typed are literal characters.
        let escaped = text
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        sql.push_str(" AND (LOWER(name) LIKE ? ESCAPE '\\' OR LOWER(sku) LIKE ? ESCAPE '\\')");
        texts.push(format!("%{escaped}%"));
        texts.push(format!("%{escaped}%"));
    }
    if let Some(category) = &filter.category {
        sql.push_str(" AND category_id = ?");
        texts.push(category.clone());
    }
    if let Some(active) = filter.active {
        sql.push_str(" AND active = ?");
        ints.push(i64::from(active));
    }
    if after.is_some() {
        sql.push_str(" AND (created_at < ? OR (created_at = ? AND id < ?))");
    }
    sql.push_str(" ORDER BY created_at DESC, id DESC LIMIT ?");
    let mut query = sqlx::query(&sql);
    for text in texts {
        query = query.bind(text);
    }
    for int in ints {
        query = query.bind(int);
    }
    if let Some((created_at, id)) = after {
        query = query.bind(created_at).bind(created_at).bind(id);
    }
    let rows = query.bind(i64::from(limit)).fetch_all(&db.pool).await?;
    Ok(rows.iter().map(versioned).collect::<Result<_, _>>()?)
}

/// Active products with at most `threshold` in stock, the emptiest first.
pub async fn low_stock(db: &Db, threshold: i64, limit: u32) -> Result<Vec<Product>, CatalogError> {
    let rows = sqlx::query(&format!(
        "SELECT {PRODUCT_COLUMNS} FROM products WHERE active = 1 AND stock <= ? ORDER BY stock, id LIMIT ?"
    ))
    .bind(threshold)
    .bind(i64::from(limit))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(super::product_from_row)
        .collect::<Result<_, _>>()?)
}

pub async fn categories(db: &Db) -> Result<Vec<VersionedCategory>, CatalogError> {
    let rows = sqlx::query_as::<_, VersionedCategory>(
        "SELECT id, name, position, version FROM categories ORDER BY position, id",
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(rows)
}

async fn category(db: &Db, id: &str) -> Result<Option<VersionedCategory>, CatalogError> {
    Ok(sqlx::query_as::<_, VersionedCategory>(
        "SELECT id, name, position, version FROM categories WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?)
}

/// A new category, listed after the others.
pub async fn create_category(
    db: &Db,
    id: &str,
    name: &str,
) -> Result<VersionedCategory, CatalogError> {
    let next: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(position), -1) + 1 FROM categories")
        .fetch_one(&db.pool)
        .await?;
    let inserted =
        sqlx::query("INSERT INTO categories (id, name, position, version) VALUES (?, ?, ?, 1)")
            .bind(id)
            .bind(name)
            .bind(next)
            .execute(&db.pool)
            .await;
    match inserted {
        Ok(_) => category(db, id)
            .await?
            .ok_or_else(|| CatalogError::invalid("id", "the category vanished")),
        Err(err) if is_unique_violation(&err) => Err(CatalogError::CategoryExists(id.to_string())),
        Err(err) => Err(err.into()),
    }
}

/// What a conditional write found.
pub enum Edit<T> {
    Done(T),
    NotFound,
    /// Someone changed it since the version the edit was based on.
    Stale,
}

pub async fn rename_category(
    db: &Db,
    id: &str,
    name: &str,
    expected_version: Option<i64>,
) -> Result<Edit<VersionedCategory>, CatalogError> {
    let done = match expected_version {
        Some(version) => sqlx::query(
            "UPDATE categories SET name = ?, version = version + 1 WHERE id = ? AND version = ?",
        )
        .bind(name)
        .bind(id)
        .bind(version)
        .execute(&db.pool)
        .await?,
        None => {
            sqlx::query("UPDATE categories SET name = ?, version = version + 1 WHERE id = ?")
                .bind(name)
                .bind(id)
                .execute(&db.pool)
                .await?
        }
    };
    match (done.rows_affected(), category(db, id).await?) {
        (0, None) => Ok(Edit::NotFound),
        (0, Some(_)) => Ok(Edit::Stale),
        (_, Some(category)) => Ok(Edit::Done(category)),
        (_, None) => Ok(Edit::NotFound),
    }
}

/// Whether a product exists at all (to tell a stale version from a missing product).
pub async fn product_exists(db: &Db, id: &str) -> Result<bool, CatalogError> {
    Ok(get_product(db, id).await?.is_some())
}
