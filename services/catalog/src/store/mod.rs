//! catalog's tables: categories, products and (in `reservations`) stock reservations. Plain SQL that runs unchanged on SQLite and
//! MySQL/MariaDB (`?` placeholders, integers for booleans and times).

pub mod reservations;

use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};
use wayfare_chassis::db::{now_ms, rfc3339, Db, Dialect};
use wayfare_chassis::error::is_unique_violation;

use crate::domain::{Category, Cursor, CursorKey, ListQuery, Product, Sort};
use crate::error::CatalogError;

const PRODUCT_COLUMNS: &str =
    "id, sku, name, description, price, currency, stock, category_id, active, image_url, created_at, updated_at";

/// A `products` row as stored (times as Unix ms, `active` as an integer).
#[derive(sqlx::FromRow)]
struct ProductRow {
    id: String,
    sku: String,
    name: String,
    description: String,
    price: i64,
    currency: String,
    stock: i64,
    category_id: String,
    active: i64,
    image_url: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl From<ProductRow> for Product {
    fn from(row: ProductRow) -> Self {
        Product {
            id: row.id,
            sku: row.sku,
            name: row.name,
            description: row.description,
            price: row.price,
            currency: row.currency,
            stock: row.stock,
            category: row.category_id,
            active: row.active != 0,
            image_url: row.image_url,
            created_at: rfc3339(row.created_at),
            updated_at: rfc3339(row.updated_at),
        }
    }
}

fn product_from_row(row: &AnyRow) -> Result<Product, sqlx::Error> {
    ProductRow::from_row(row).map(Product::from)
}

#[tracing::instrument(level = "debug", skip(db))]
pub async fn list_categories(db: &Db) -> Result<Vec<Category>, CatalogError> {
    let rows = sqlx::query("SELECT id, name FROM categories ORDER BY position, id")
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Category {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

pub async fn category_exists(db: &Db, id: &str) -> Result<bool, CatalogError> {
    let found: Option<String> = sqlx::query_scalar("SELECT id FROM categories WHERE id = ?")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(found.is_some())
}

#[tracing::instrument(level = "debug", skip(db))]
pub async fn get_product(db: &Db, id: &str) -> Result<Option<Product>, CatalogError> {
    let row = sqlx::query(&format!(
        "SELECT {PRODUCT_COLUMNS} FROM products WHERE id = ?"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.as_ref().map(product_from_row).transpose()?)
}

/// The listing statement for `query` on `dialect` and its parameters (public so a test can
/// `EXPLAIN` it: no listing may sort the whole table).
pub fn listing_sql(dialect: Dialect, query: &ListQuery) -> (String, Vec<Bind>) {
    let mut sql = format!("SELECT {PRODUCT_COLUMNS} FROM products WHERE active = 1");
    let mut binds: Vec<Bind> = Vec::new();
    if let Some(category) = &query.category {
        sql.push_str(" AND category_id = ?");
        binds.push(Bind::Text(category.clone()));
    }
    if !query.words.is_empty() {
        // Every word is a required prefix match in the name or the description.
        match dialect {
            Dialect::Sqlite => {
                // FTS5 with each word quoted (words are alphanumeric, so quoting is safe).
                let expression = query
                    .words
                    .iter()
                    .map(|w| format!("\"{w}\"*"))
                    .collect::<Vec<_>>()
                    .join(" AND ");
                sql.push_str(" AND rowid IN (SELECT rowid FROM products_search WHERE products_search MATCH ?)");
                binds.push(Bind::Text(expression));
            }
            Dialect::MySql => {
                let expression = query
                    .words
                    .iter()
                    .map(|w| format!("+{w}*"))
                    .collect::<Vec<_>>()
                    .join(" ");
                sql.push_str(" AND id IN (SELECT product_id FROM products_search WHERE MATCH (body) AGAINST (? IN BOOLEAN MODE))");
                binds.push(Bind::Text(expression));
            }
        }
    }
    let (column, descending) = match query.sort {
        Sort::Name => ("name", false),
        Sort::PriceAsc => ("price", false),
        Sort::PriceDesc => ("price", true),
        Sort::Newest => ("created_at", true),
    };
    if let Some(after) = &query.after {
        let key = match &after.key {
            CursorKey::Int(v) => Bind::Int(*v),
            CursorKey::Text(v) => Bind::Text(v.clone()),
        };
        let op = if descending { "<" } else { ">" };
        // The first term bounds the index range; the second skips the rows of the last page
        // that share its key.
        sql.push_str(&format!(
            " AND {column} {op}= ? AND ({column} {op} ? OR id > ?)"
        ));
        binds.push(key.clone());
        binds.push(key);
        binds.push(Bind::Text(after.id.clone()));
    }
    let direction = if descending { "DESC" } else { "ASC" };
    sql.push_str(&format!(" ORDER BY {column} {direction}, id ASC LIMIT ?"));
    binds.push(Bind::Int(i64::from(query.limit) + 1));
    (sql, binds)
}

/// One page of active products plus the cursor of the next page, if there is one.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn list_products(
    db: &Db,
    query: &ListQuery,
) -> Result<(Vec<Product>, Option<Cursor>), CatalogError> {
    let (sql, binds) = listing_sql(db.dialect, query);

    let mut q = sqlx::query(&sql);
    for bind in binds {
        q = match bind {
            Bind::Int(v) => q.bind(v),
            Bind::Text(v) => q.bind(v),
        };
    }
    let rows = q.fetch_all(&db.pool).await?;
    let mut products = rows
        .iter()
        .map(product_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let next = if products.len() > query.limit as usize {
        products.truncate(query.limit as usize);
        let last = products.last().expect("page is not empty");
        let key = match query.sort {
            Sort::Name => CursorKey::Text(last.name.clone()),
            Sort::PriceAsc | Sort::PriceDesc => CursorKey::Int(last.price),
            Sort::Newest => {
                let created: i64 = rows[query.limit as usize - 1].try_get("created_at")?;
                CursorKey::Int(created)
            }
        };
        Some(Cursor {
            sort: query.sort,
            key,
            id: last.id.clone(),
        })
    } else {
        None
    };
    Ok((products, next))
}

#[derive(Debug, Clone)]
pub enum Bind {
    Int(i64),
    Text(String),
}

/// A product to create, already validated.
#[derive(Debug, Clone)]
pub struct NewProduct {
    pub sku: String,
    pub name: String,
    pub description: String,
    pub price: i64,
    pub currency: String,
    pub stock: i64,
    pub category: String,
    pub active: bool,
    pub image_url: Option<String>,
}

#[tracing::instrument(level = "debug", skip(db))]
pub async fn insert_product(db: &Db, new: &NewProduct) -> Result<Product, CatalogError> {
    let id = uuid::Uuid::now_v7().to_string();
    let now = now_ms();
    let result = sqlx::query(&format!(
        "INSERT INTO products ({PRODUCT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ))
    .bind(&id)
    .bind(&new.sku)
    .bind(&new.name)
    .bind(&new.description)
    .bind(new.price)
    .bind(&new.currency)
    .bind(new.stock)
    .bind(&new.category)
    .bind(i64::from(new.active))
    .bind(new.image_url.clone())
    .bind(now)
    .bind(now)
    .execute(&db.pool)
    .await;
    match result {
        Ok(_) => get_product(db, &id)
            .await?
            .ok_or_else(|| CatalogError::ProductNotFound(id)),
        Err(err) if is_unique_violation(&err) => Err(CatalogError::DuplicateSku(new.sku.clone())),
        Err(err) => Err(err.into()),
    }
}

/// Changes to a product; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ProductChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub price: Option<i64>,
    pub currency: Option<String>,
    pub category: Option<String>,
    pub active: Option<bool>,
    pub image_url: Option<Option<String>>,
    pub stock: Option<i64>,
}

#[tracing::instrument(level = "debug", skip(db))]
pub async fn update_product(
    db: &Db,
    id: &str,
    changes: &ProductChanges,
) -> Result<Option<Product>, CatalogError> {
    let mut sets = vec!["updated_at = ?".to_string()];
    let mut binds: Vec<Option<Bind>> = vec![Some(Bind::Int(now_ms()))];
    let mut text = |column: &str, value: &Option<String>| {
        if let Some(v) = value {
            sets.push(format!("{column} = ?"));
            binds.push(Some(Bind::Text(v.clone())));
        }
    };
    text("name", &changes.name);
    text("description", &changes.description);
    text("currency", &changes.currency);
    text("category_id", &changes.category);
    if let Some(v) = changes.price {
        sets.push("price = ?".into());
        binds.push(Some(Bind::Int(v)));
    }
    if let Some(v) = changes.active {
        sets.push("active = ?".into());
        binds.push(Some(Bind::Int(i64::from(v))));
    }
    if let Some(v) = changes.stock {
        sets.push("stock = ?".into());
        binds.push(Some(Bind::Int(v)));
    }
    if let Some(v) = &changes.image_url {
        sets.push("image_url = ?".into());
        binds.push(v.clone().map(Bind::Text));
    }
    let sql = format!("UPDATE products SET {} WHERE id = ?", sets.join(", "));
    let mut q = sqlx::query(&sql);
    for bind in binds {
        q = match bind {
            Some(Bind::Int(v)) => q.bind(v),
            Some(Bind::Text(v)) => q.bind(v),
            None => q.bind(Option::<String>::None),
        };
    }
    let done = q.bind(id).execute(&db.pool).await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    get_product(db, id).await
}

pub async fn count_products(db: &Db) -> Result<i64, CatalogError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM products")
        .fetch_one(&db.pool)
        .await?)
}

/// Inserts the demo categories that are missing.
pub async fn ensure_categories(db: &Db, categories: &[(&str, &str)]) -> Result<(), CatalogError> {
    for (position, (id, name)) in categories.iter().enumerate() {
        if !category_exists(db, id).await? {
            sqlx::query("INSERT INTO categories (id, name, position) VALUES (?, ?, ?)")
                .bind(*id)
                .bind(*name)
                .bind(position as i64)
                .execute(&db.pool)
                .await?;
        }
    }
    Ok(())
}

/// Inserts many products in one statement (the bulk seeder's unit of work). SQLite allows
/// 32,766 bound values per statement; callers keep batches well under that.
pub async fn insert_products_batch(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    batch: &[NewProduct],
    created_at: i64,
) -> Result<(), CatalogError> {
    if batch.is_empty() {
        return Ok(());
    }
    let row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    let sql = format!(
        "INSERT INTO products ({PRODUCT_COLUMNS}) VALUES {}",
        std::iter::repeat_n(row, batch.len())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut q = sqlx::query(&sql);
    for (i, p) in batch.iter().enumerate() {
        q = q
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(p.sku.clone())
            .bind(p.name.clone())
            .bind(p.description.clone())
            .bind(p.price)
            .bind(p.currency.clone())
            .bind(p.stock)
            .bind(p.category.clone())
            .bind(i64::from(p.active))
            .bind(p.image_url.clone())
            .bind(created_at + i as i64)
            .bind(created_at + i as i64);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}
