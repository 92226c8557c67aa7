//! catalog's tables: categories, products and (in `reservations`) stock reservations. Plain SQL that runs unchanged on SQLite and
//! MySQL/MariaDB (`?` placeholders, integers for booleans and times).

pub mod admin;
pub mod reservations;
pub mod search_index;

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
    // A SQLite search must start from the full-text index and look products up by rowid:
    // without `ANALYZE` statistics (a fresh database) its planner rather walks the listing's
    // own index and probes each row against the matches, which reads nearly the whole table
    // when the matches lie far down the order (`sort=name&q=vintage`: 490 ms at a million
    // products, against 20-40 ms this way). A unary `+` keeps a column's indexes out of the
    // plan. The statement is only used for searches with few matches (see list_products).
    let no_index = if dialect == Dialect::Sqlite && !query.words.is_empty() {
        "+"
    } else {
        ""
    };
    let mut sql = format!("SELECT {PRODUCT_COLUMNS} FROM products WHERE {no_index}active = 1");
    let mut binds: Vec<Bind> = Vec::new();
    if let Some(category) = &query.category {
        sql.push_str(&format!(" AND {no_index}category_id = ?"));
        binds.push(Bind::Text(category.clone()));
    }
    if !query.words.is_empty() {
        // Every word is a required prefix match in the name or the description.
        match dialect {
            Dialect::Sqlite => {
                // FTS5 with each word quoted (words are alphanumeric, so quoting is safe).
                sql.push_str(" AND rowid IN (SELECT rowid FROM products_search WHERE products_search MATCH ?)");
                binds.push(Bind::Text(fts5_expression(&query.words)));
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
            " AND {no_index}{column} {op}= ? AND ({column} {op} ? OR id > ?)"
        ));
        binds.push(key.clone());
        binds.push(key);
        binds.push(Bind::Text(after.id.clone()));
    }
    let direction = if descending { "DESC" } else { "ASC" };
    sql.push_str(&format!(
        " ORDER BY {no_index}{column} {direction}, id ASC LIMIT ?"
    ));
    binds.push(Bind::Int(i64::from(query.limit) + 1));
    (sql, binds)
}

/// One page of active products plus the cursor of the next page.
///
/// A search whose words are in most products (a word every product of a shop has) fills its
/// page within the first chunk of the listing (four pages' worth of rows): those are read in
/// order and checked word by word, which costs the same at any catalog size. Any other search
/// is answered by this replica's search index ([`search_index`]): a top-k over the matches,
/// which grows with their number (a word in every one of a million products cost 20-40 ms
/// that way; one in 1 of 16, about 10 ms). A longer read in order costs more than the index
/// on MariaDB at a million products (two chunks: p99 30-46 ms for words in 1 of 16 or 1 of
/// 256, against 7-12 ms from the index), since the rows far down a listing are not in the
/// buffer pool. Until the index is built, or if it fails, the database answers
/// ([`list_products`]).
pub async fn list_or_search(
    db: &Db,
    index: &search_index::SearchIndex,
    query: &ListQuery,
) -> Result<(Vec<Product>, Option<Cursor>), CatalogError> {
    if !query.words.is_empty() && index.is_ready() {
        let mut scan = OrderedScan::new(query);
        let first_chunk = scan.scan.limit as usize;
        if let Some(page) = scan.advance(db, first_chunk).await? {
            metrics::counter!("catalog_search_total", "plan" => "ordered_scan").increment(1);
            return Ok(page);
        }
        match index.search(query).await {
            Ok(Some((ids, next))) => {
                metrics::counter!("catalog_search_total", "plan" => "search_index").increment(1);
                return Ok((search_index::products_in_order(db, &ids).await?, next));
            }
            Ok(None) => {}
            Err(err) => {
                tracing::warn!(error = %err, "the search index failed; asking the database")
            }
        }
    }
    list_products(db, query).await
}

/// One page of active products plus the cursor of the next page, if there is one, from the
/// database alone.
///
/// A listing without search words reads its page straight off the index of its order. A
/// search has two ways to find its page, and picks by how many products match:
/// - few (a rare word): the full-text index names them all and the database sorts them;
/// - many (a common word, such as a product type): that sort would cover a large part of the
///   table (seconds at a million products), so the listing is read in index order instead and
///   each product is checked against the words ([`matches_words`]) until the page is full.
///
/// SQLite tells which case it is cheaply (FTS5 stops at a LIMIT). InnoDB's full-text search
/// computes every match before it returns the first (seconds for a word in 60,000 products),
/// so on MySQL a short ordered read comes first, then the index with a deadline, then a longer
/// ordered read; only when all of these fail (words rare together but common apart, or
/// matches that all lie far down the order) does the index answer without a deadline.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn list_products(
    db: &Db,
    query: &ListQuery,
) -> Result<(Vec<Product>, Option<Cursor>), CatalogError> {
    list_products_tuned(db, query, SearchTuning::default()).await
}

/// Where a search switches between its ways (see [`list_products`]).
#[derive(Debug, Clone, Copy)]
pub struct SearchTuning {
    /// Matches up to which a search lets the database sort them (SQLite).
    pub few_matches: i64,
    /// Rows a search reads in listing order before it tries the full-text index (MySQL).
    pub first_scan_rows: usize,
    /// How long that try may take before the search goes back to reading in order (MySQL).
    pub full_text_try: std::time::Duration,
    /// Rows a search reads in listing order, in all, before the full-text index decides.
    pub ordered_scan_rows: usize,
}

impl Default for SearchTuning {
    fn default() -> Self {
        Self {
            few_matches: 5_000,
            first_scan_rows: 600,
            full_text_try: std::time::Duration::from_millis(100),
            ordered_scan_rows: 5_000,
        }
    }
}

/// [`list_products`] with other thresholds (tests use small ones to take every path).
pub async fn list_products_tuned(
    db: &Db,
    query: &ListQuery,
    tuning: SearchTuning,
) -> Result<(Vec<Product>, Option<Cursor>), CatalogError> {
    if query.words.is_empty() {
        return Ok(page_of(fetch_listing(db, query).await?, query));
    }
    let full_text = || metrics::counter!("catalog_search_total", "plan" => "full_text");
    let in_order = || metrics::counter!("catalog_search_total", "plan" => "ordered_scan");
    let mut scan = OrderedScan::new(query);
    match db.dialect {
        Dialect::Sqlite => {
            if count_matches(db, query, tuning.few_matches + 1).await? <= tuning.few_matches {
                full_text().increment(1);
                return list_products_via_full_text(db, query).await;
            }
        }
        Dialect::MySql => {
            // Common words fill the page within a few hundred rows; rare ones are quick for
            // InnoDB's index, which is only slow when a word has many matches: tried with a
            // deadline, the server stops it.
            if let Some(page) = scan.advance(db, tuning.first_scan_rows).await? {
                in_order().increment(1);
                return Ok(page);
            }
            if let Some(rows) = fetch_listing_within(db, query, tuning.full_text_try).await? {
                full_text().increment(1);
                return Ok(page_of(rows, query));
            }
        }
    }
    if let Some(page) = scan.advance(db, tuning.ordered_scan_rows).await? {
        in_order().increment(1);
        return Ok(page);
    }
    full_text().increment(1);
    list_products_via_full_text(db, query).await
}

/// A search answered by the full-text index: every match is found, then sorted. Fast when
/// few products match; public so tests can compare it with [`list_products`].
pub async fn list_products_via_full_text(
    db: &Db,
    query: &ListQuery,
) -> Result<(Vec<Product>, Option<Cursor>), CatalogError> {
    Ok(page_of(fetch_listing(db, query).await?, query))
}

/// Counts a search's matches on SQLite, at most `?` of them: FTS5 yields matches in rowid
/// order and stops at the LIMIT, so this reads at most that many postings per word.
pub const COUNT_MATCHES_SQLITE: &str =
    "SELECT COUNT(*) FROM (SELECT rowid FROM products_search WHERE products_search MATCH ? LIMIT ?) AS m";

async fn count_matches(db: &Db, query: &ListQuery, cap: i64) -> Result<i64, CatalogError> {
    Ok(sqlx::query_scalar(COUNT_MATCHES_SQLITE)
        .bind(fts5_expression(&query.words))
        .bind(cap)
        .fetch_one(&db.pool)
        .await?)
}

/// A search read off the listing without its words, in index order and in growing chunks,
/// keeping the products that match the words, until the page (and one more, for the cursor)
/// is full or the listing ends. It can stop at a budget of rows and go on later.
struct OrderedScan<'q> {
    query: &'q ListQuery,
    words: Vec<String>,
    scan: ListQuery,
    found: Vec<(Product, CursorKey)>,
    read: usize,
}

impl<'q> OrderedScan<'q> {
    fn new(query: &'q ListQuery) -> Self {
        Self {
            query,
            words: fold_words(&query.words),
            scan: ListQuery {
                words: Vec::new(),
                limit: (query.limit * 4).max(32),
                ..query.clone()
            },
            found: Vec::with_capacity(query.limit as usize + 1),
            read: 0,
        }
    }

    /// Reads on until the page is complete (`Some`) or `budget` rows have been read in all
    /// (`None`).
    async fn advance(
        &mut self,
        db: &Db,
        budget: usize,
    ) -> Result<Option<(Vec<Product>, Option<Cursor>)>, CatalogError> {
        let wanted = self.query.limit as usize + 1;
        while self.read < budget {
            let chunk = self.scan.limit as usize;
            let rows = fetch_listing(db, &self.scan).await?;
            let complete = rows.len() <= chunk;
            self.read += rows.len().min(chunk);
            let last = rows
                .get(chunk - 1)
                .map(|(p, key)| (p.id.clone(), key.clone()));
            for (product, key) in rows.into_iter().take(chunk) {
                if matches_words(&self.words, &product) {
                    self.found.push((product, key));
                    if self.found.len() == wanted {
                        return Ok(Some(page_of(std::mem::take(&mut self.found), self.query)));
                    }
                }
            }
            match last {
                Some((id, key)) if !complete => {
                    self.scan.after = Some(Cursor {
                        sort: self.query.sort,
                        key,
                        id,
                    })
                }
                _ => return Ok(Some(page_of(std::mem::take(&mut self.found), self.query))),
            }
            self.scan.limit = (self.scan.limit * 4).min(1_000);
        }
        Ok(None)
    }
}

/// The full-text statement of `query` (MySQL), stopped by the server after `deadline`:
/// `None` when it was.
async fn fetch_listing_within(
    db: &Db,
    query: &ListQuery,
    deadline: std::time::Duration,
) -> Result<Option<Vec<(Product, CursorKey)>>, CatalogError> {
    let (sql, binds) = listing_sql(db.dialect, query);
    let sql = if is_mariadb(db).await? {
        format!(
            "SET STATEMENT max_statement_time = {:.3} FOR {sql}",
            deadline.as_secs_f64().max(0.001)
        )
    } else {
        sql.replacen(
            "SELECT ",
            &format!(
                "SELECT /*+ MAX_EXECUTION_TIME({}) */ ",
                deadline.as_millis().max(1)
            ),
            1,
        )
    };
    match fetch_rows(db, &sql, binds, query.sort).await {
        Ok(rows) => Ok(Some(rows)),
        // Interrupted (MariaDB 1969, MySQL 3024, or InnoDB's full-text search aborted).
        Err(sqlx::Error::Database(err)) => {
            tracing::debug!(error = %err, "full-text search stopped at its deadline");
            Ok(None)
        }
        Err(err) => Err(err.into()),
    }
}

/// Whether the MySQL-dialect server is MariaDB (asked once per process).
async fn is_mariadb(db: &Db) -> Result<bool, CatalogError> {
    static MARIADB: tokio::sync::OnceCell<bool> = tokio::sync::OnceCell::const_new();
    MARIADB
        .get_or_try_init(|| async {
            let version: String = sqlx::query_scalar("SELECT VERSION()")
                .fetch_one(&db.pool)
                .await?;
            Ok::<_, CatalogError>(version.to_ascii_lowercase().contains("mariadb"))
        })
        .await
        .copied()
}

/// The rows of `query` (at most `limit + 1`), each with its sort key.
async fn fetch_listing(
    db: &Db,
    query: &ListQuery,
) -> Result<Vec<(Product, CursorKey)>, CatalogError> {
    let (sql, binds) = listing_sql(db.dialect, query);
    Ok(fetch_rows(db, &sql, binds, query.sort).await?)
}

async fn fetch_rows(
    db: &Db,
    sql: &str,
    binds: Vec<Bind>,
    sort: Sort,
) -> Result<Vec<(Product, CursorKey)>, sqlx::Error> {
    let mut q = sqlx::query(sql);
    for bind in binds {
        q = match bind {
            Bind::Int(v) => q.bind(v),
            Bind::Text(v) => q.bind(v),
        };
    }
    let rows = q.fetch_all(&db.pool).await?;
    rows.iter()
        .map(|row| {
            let product = product_from_row(row)?;
            let key = match sort {
                Sort::Name => CursorKey::Text(product.name.clone()),
                Sort::PriceAsc | Sort::PriceDesc => CursorKey::Int(product.price),
                Sort::Newest => CursorKey::Int(row.try_get("created_at")?),
            };
            Ok((product, key))
        })
        .collect()
}

/// The first `limit` rows and, when there are more, the cursor after the last of them.
fn page_of(
    mut rows: Vec<(Product, CursorKey)>,
    query: &ListQuery,
) -> (Vec<Product>, Option<Cursor>) {
    let next = if rows.len() > query.limit as usize {
        rows.truncate(query.limit as usize);
        rows.last().map(|(product, key)| Cursor {
            sort: query.sort,
            key: key.clone(),
            id: product.id.clone(),
        })
    } else {
        None
    };
    (rows.into_iter().map(|(product, _)| product).collect(), next)
}

/// Text as both full-text indexes compare it: lower case, without diacritics (SQLite's
/// `remove_diacritics`, MySQL's accent-insensitive collation).
fn fold(text: &str) -> String {
    use unicode_normalization::char::is_combining_mark;
    use unicode_normalization::UnicodeNormalization;
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

fn fold_words(words: &[String]) -> Vec<String> {
    words.iter().map(|w| fold(w)).collect()
}

/// Whether every (folded) word starts a word of the product's name or description: the
/// full-text indexes' prefix match, for a product already read.
pub fn matches_words(words: &[String], product: &Product) -> bool {
    let name = fold(&product.name);
    let description = fold(&product.description);
    let tokens = || {
        name.split(|c: char| !c.is_alphanumeric())
            .chain(description.split(|c: char| !c.is_alphanumeric()))
    };
    words
        .iter()
        .all(|word| tokens().any(|token| token.starts_with(word.as_str())))
}

/// An FTS5 expression requiring every word as a prefix (words are alphanumeric, so quoting
/// them is safe).
fn fts5_expression(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("\"{w}\"*"))
        .collect::<Vec<_>>()
        .join(" AND ")
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
    update_product_if(db, id, changes, None).await
}

/// Applies `changes` if the product is still at `expected_version` (any version when `None`),
/// in one conditional statement, and moves it to the next version. `None` when nothing
/// matched: no such product, or (with a version) someone changed it first.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn update_product_if(
    db: &Db,
    id: &str,
    changes: &ProductChanges,
    expected_version: Option<i64>,
) -> Result<Option<Product>, CatalogError> {
    let mut sets = vec![
        "updated_at = ?".to_string(),
        "version = version + 1".to_string(),
    ];
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
    let condition = if expected_version.is_some() {
        "id = ? AND version = ?"
    } else {
        "id = ?"
    };
    let sql = format!("UPDATE products SET {} WHERE {condition}", sets.join(", "));
    let mut q = sqlx::query(&sql);
    for bind in binds {
        q = match bind {
            Some(Bind::Int(v)) => q.bind(v),
            Some(Bind::Text(v)) => q.bind(v),
            None => q.bind(Option::<String>::None),
        };
    }
    q = q.bind(id);
    if let Some(version) = expected_version {
        q = q.bind(version);
    }
    let done = q.execute(&db.pool).await?;
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
