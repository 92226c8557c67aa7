//! The search index: an embedded tantivy index of the active products on each catalog
//! replica. A search finds its page with a top-k over the matches in the requested order, read
//! from the index's columns, so a word in 60,000 products costs milliseconds on both backends
//! (InnoDB's full-text index computes every match and then MariaDB sorts them: seconds).
//!
//! It follows the `products` table through the `product_changes` outbox (migration 0006,
//! filled by triggers in the writing transaction):
//! - at start a replica notes the outbox's last sequence number, indexes every active product
//!   from the table in the background, then applies the changes after that number;
//! - a worker applies new changes every second, and a search first applies any change newer
//!   than the index (one primary-key lookup), so a replica's searches see every write
//!   committed before them, whichever replica wrote it;
//! - until the first build is done, searches go to the database ([`super::list_products`]).
//!
//! A change is applied by reading the product's current row, so applying it twice is
//! harmless; each read looks back [`OVERLAP`] sequence numbers for changes whose transaction
//! committed after a later one's.

use std::collections::BTreeSet;
use std::ops::Bound;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use sqlx::Row;
use tantivy::collector::sort_key::{SortByStaticFastValue, SortByString};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, RangeQuery, RegexQuery, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STRING,
};
use tantivy::tokenizer::{LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer};
use tantivy::{Index, IndexReader, IndexWriter, Order, ReloadPolicy, TantivyDocument, Term};
use wayfare_chassis::db::{now_ms, placeholders, Db};

use crate::domain::{Cursor, CursorKey, ListQuery, Product, Sort};
use crate::error::CatalogError;

/// Sequence numbers each read of the outbox looks back (see the module docs).
const OVERLAP: i64 = 256;
/// Outbox rows read per step, and products read from the table per step of a build.
const BATCH: i64 = 5_000;
/// How long outbox rows are kept: a replica that could not read the outbox for longer
/// rebuilds its index (see [`SearchIndex::catch_up`]).
const KEEP_CHANGES_MS: i64 = 10 * 60 * 1000;
/// The writer's memory per thread (tantivy's minimum): changes come a few at a time.
const FOLLOW_WRITER_BYTES: usize = 15_000_000;
/// The build's writer at most (200 bytes per product): bigger segments, fewer merges.
const BUILD_WRITER_BYTES: usize = 64_000_000;
const TOKENIZER: &str = "product_words";

/// The columns the index keeps of a product.
const INDEXED_COLUMNS: &str = "id, name, description, price, category_id, created_at, active";

/// A build's batch: the next products by primary key. Public, as [`products_by_id_sql`], so a
/// test can `EXPLAIN` them: the index reads products by primary key only. (Inactive products
/// are skipped in code: with `active = 1` in the statement, SQLite without statistics walked
/// an index on `active` instead, every product for every batch: minutes at a million.)
pub const BUILD_BATCH_SQL: &str = "SELECT id, name, description, price, category_id, created_at, active FROM products WHERE id > ? ORDER BY id LIMIT ?";

/// `columns` of the products with `count` ids (`?` each), by primary key (see
/// [`BUILD_BATCH_SQL`]).
pub fn products_by_id_sql(columns: &str, count: usize) -> String {
    format!(
        "SELECT {columns} FROM products WHERE id IN ({})",
        placeholders(count)
    )
}

/// One replica's search index; cheap to clone.
#[derive(Clone)]
pub struct SearchIndex {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    fields: Fields,
    index: Index,
    reader: IndexReader,
    /// The follower's writer, opened when the first build is done.
    writer: Mutex<Option<IndexWriter>>,
    /// Where the index stands in the outbox; held while changes are applied.
    progress: tokio::sync::Mutex<Progress>,
    /// The first build is done: searches may use the index.
    ready: AtomicBool,
    /// A build is running (the worker starts one when none is).
    building: AtomicBool,
    /// The directory the index lives in, removed with it.
    _dir: tempfile::TempDir,
}

#[derive(Default)]
struct Progress {
    /// The highest outbox sequence number applied.
    applied: i64,
    /// Sequence numbers applied within [`OVERLAP`] of `applied`.
    recent: BTreeSet<i64>,
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    words: Field,
    name: Field,
    price: Field,
    created_at: Field,
    category: Field,
}

/// A product as the index holds it.
struct IndexedProduct {
    id: String,
    name: String,
    description: String,
    price: i64,
    category: String,
    created_at: i64,
}

impl SearchIndex {
    /// An empty index in a directory of its own under the temporary directory (an `emptyDir`
    /// in the cloud); [`SearchIndex::build`] fills it.
    pub fn open(db: Db) -> Result<Self, CatalogError> {
        let mut builder = Schema::builder();
        let words_options = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::Basic),
        );
        let fields = Fields {
            id: builder.add_text_field("id", STRING | FAST),
            words: builder.add_text_field("words", words_options),
            name: builder.add_text_field("name", STRING | FAST),
            price: builder.add_i64_field("price", INDEXED | FAST),
            created_at: builder.add_i64_field("created_at", INDEXED | FAST),
            category: builder.add_text_field("category", STRING),
        };
        static CLEANED: std::sync::Once = std::sync::Once::new();
        CLEANED.call_once(remove_abandoned_directories);
        let dir = tempfile::Builder::new()
            .prefix(&format!("{DIR_PREFIX}{}-", std::process::id()))
            .tempdir()
            .map_err(|e| internal(format!("its directory: {e}")))?;
        let index = Index::create_in_dir(dir.path(), builder.build()).map_err(internal)?;
        // The text is folded before it is indexed (super::fold, as the query words are), so
        // the tokenizer only splits it where matches_words does.
        index.tokenizers().register(
            TOKENIZER,
            TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(RemoveLongFilter::limit(64))
                .filter(LowerCaser)
                .build(),
        );
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(internal)?;
        Ok(Self {
            inner: Arc::new(Inner {
                db,
                fields,
                index,
                reader,
                writer: Mutex::new(None),
                progress: tokio::sync::Mutex::new(Progress::default()),
                ready: AtomicBool::new(false),
                building: AtomicBool::new(false),
                _dir: dir,
            }),
        })
    }

    /// Whether searches are answered by the index yet.
    pub fn is_ready(&self) -> bool {
        self.inner.ready.load(Ordering::Acquire)
    }

    /// The worker's run: the first build (started in the background, so that a drain does not
    /// wait for it), then the changes since the last run. Returns the changes applied.
    pub async fn follow(&self) -> Result<usize, CatalogError> {
        if !self.is_ready() {
            if !self.inner.building.swap(true, Ordering::AcqRel) {
                let index = self.clone();
                tokio::spawn(async move {
                    let started = std::time::Instant::now();
                    match index.build().await {
                        Ok(products) => tracing::info!(
                            products,
                            took_ms = started.elapsed().as_millis() as u64,
                            "search index built"
                        ),
                        Err(err) => {
                            tracing::warn!(error = %err, "building the search index failed; searches use the database")
                        }
                    }
                    index.inner.building.store(false, Ordering::Release);
                });
            }
            return Ok(0);
        }
        self.catch_up().await
    }

    /// Indexes every active product from the table (replacing what the index held), then the
    /// changes made meanwhile. Returns the products indexed.
    pub async fn build(&self) -> Result<usize, CatalogError> {
        let db = &self.inner.db;
        let mut progress = self.inner.progress.lock().await;
        // Noted first: a change committed after this number is applied after the build, one
        // committed before it is in the rows read below.
        let start: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM product_changes")
            .fetch_one(&db.pool)
            .await?;
        // A big writer only for a big catalogue: its hash table and arena are sized from its
        // budget, and freed memory stays with the allocator for seconds after the build.
        let products: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM products")
            .fetch_one(&db.pool)
            .await?;
        let budget = (products.max(0) as usize)
            .saturating_mul(200)
            .clamp(FOLLOW_WRITER_BYTES, BUILD_WRITER_BYTES);
        let inner = self.inner.clone();
        let mut writer = blocking(move || {
            // One writer at a time may hold the index: a rebuild retires the follower's.
            let follower = inner.writer.lock().expect("search writer lock").take();
            if let Some(follower) = follower {
                follower.wait_merging_threads().map_err(internal)?;
            }
            let writer: IndexWriter = inner
                .index
                .writer_with_num_threads(1, budget)
                .map_err(internal)?;
            writer.delete_all_documents().map_err(internal)?;
            Ok(writer)
        })
        .await?;
        let mut after = String::new();
        let mut indexed = 0;
        loop {
            let rows = sqlx::query(BUILD_BATCH_SQL)
                .bind(&after)
                .bind(BATCH)
                .fetch_all(&db.pool)
                .await?;
            let Some(last) = rows.last() else { break };
            after = last.try_get("id")?;
            let full = rows.len() as i64 == BATCH;
            let mut batch = Vec::with_capacity(rows.len());
            for row in &rows {
                if row.try_get::<i64, _>("active")? != 0 {
                    batch.push(indexed_product(row)?);
                }
            }
            indexed += batch.len();
            let inner = self.inner.clone();
            writer = blocking(move || {
                for product in &batch {
                    writer
                        .add_document(inner.fields.document(product))
                        .map_err(internal)?;
                }
                Ok(writer)
            })
            .await?;
            if !full {
                break;
            }
        }
        let inner = self.inner.clone();
        blocking(move || {
            writer.commit().map_err(internal)?;
            writer.wait_merging_threads().map_err(internal)?;
            inner.reader.reload().map_err(internal)?;
            let follower = inner
                .index
                .writer_with_num_threads(1, FOLLOW_WRITER_BYTES)
                .map_err(internal)?;
            *inner.writer.lock().expect("search writer lock") = Some(follower);
            Ok(())
        })
        .await?;
        *progress = Progress {
            applied: start,
            recent: BTreeSet::new(),
        };
        self.apply_changes(&mut progress).await?;
        self.inner.ready.store(true, Ordering::Release);
        metrics::gauge!("catalog_search_index_products").set(indexed as f64);
        Ok(indexed)
    }

    /// Applies the outbox's changes past the index. When the outbox no longer holds what
    /// follows the index (pruned while this replica could not read it), the index is rebuilt.
    pub async fn catch_up(&self) -> Result<usize, CatalogError> {
        let mut progress = self.inner.progress.lock().await;
        let oldest: Option<i64> = sqlx::query_scalar("SELECT MIN(seq) FROM product_changes")
            .fetch_one(&self.inner.db.pool)
            .await?;
        if oldest.is_some_and(|oldest| oldest > progress.applied + 1) {
            tracing::warn!(
                applied = progress.applied,
                oldest,
                "the outbox was pruned past the search index; rebuilding it"
            );
            // Searches go to the database until the worker's next run has rebuilt it.
            self.inner.ready.store(false, Ordering::Release);
            return Ok(0);
        }
        self.apply_changes(&mut progress).await
    }

    /// Brings the index up to the outbox's newest change, if it is behind it: a search calls
    /// this first, so it sees every write committed before it. `false` when the index is more
    /// than a batch behind (a bulk import): the search then asks the database rather than
    /// wait while the worker catches up.
    async fn refresh(&self) -> Result<bool, CatalogError> {
        let newest: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM product_changes")
            .fetch_one(&self.inner.db.pool)
            .await?;
        let newest = newest.unwrap_or(0);
        let applied = self.inner.progress.lock().await.applied;
        if newest > applied + BATCH {
            return Ok(false);
        }
        if newest > applied {
            let mut progress = self.inner.progress.lock().await;
            if newest > progress.applied {
                self.apply_changes(&mut progress).await?;
            }
        }
        Ok(true)
    }

    async fn apply_changes(&self, progress: &mut Progress) -> Result<usize, CatalogError> {
        let db = &self.inner.db;
        let mut applied = 0;
        loop {
            let rows = sqlx::query(
                "SELECT seq, product_id FROM product_changes WHERE seq > ? ORDER BY seq LIMIT ?",
            )
            .bind(progress.applied - OVERLAP)
            .bind(BATCH)
            .fetch_all(&db.pool)
            .await?;
            let full = rows.len() as i64 == BATCH;
            let mut changed: Vec<String> = Vec::new();
            let mut seqs = Vec::new();
            for row in &rows {
                let seq: i64 = row.try_get("seq")?;
                if !progress.recent.contains(&seq) {
                    seqs.push(seq);
                    changed.push(row.try_get("product_id")?);
                }
            }
            // A product changed several times in the batch is read and indexed once.
            changed.sort_unstable();
            changed.dedup();
            if !seqs.is_empty() {
                let mut current = Vec::with_capacity(changed.len());
                for row in rows_by_id(db, INDEXED_COLUMNS, &changed).await? {
                    if row.try_get::<i64, _>("active")? != 0 {
                        current.push(indexed_product(&row)?);
                    }
                }
                let inner = self.inner.clone();
                blocking(move || {
                    let mut guard = inner.writer.lock().expect("search writer lock");
                    let writer = guard.as_mut().ok_or_else(|| internal("not built"))?;
                    for id in &changed {
                        writer.delete_term(Term::from_field_text(inner.fields.id, id));
                    }
                    for product in &current {
                        writer
                            .add_document(inner.fields.document(product))
                            .map_err(internal)?;
                    }
                    writer.commit().map_err(internal)?;
                    inner.reader.reload().map_err(internal)
                })
                .await?;
                applied += seqs.len();
                for seq in seqs {
                    progress.recent.insert(seq);
                    progress.applied = progress.applied.max(seq);
                }
                let floor = progress.applied - OVERLAP;
                progress.recent = progress.recent.split_off(&(floor + 1));
            }
            // A full batch always moves `applied` on: at most OVERLAP of its rows were applied
            // before, and OVERLAP < BATCH.
            if !full {
                break;
            }
        }
        Ok(applied)
    }

    /// The ids of the page of `query` (a search: `query.words` is not empty) and the cursor
    /// of the next page; `None` while the first build is still running, or while the index is
    /// far behind the table.
    pub async fn search(
        &self,
        query: &ListQuery,
    ) -> Result<Option<(Vec<String>, Option<Cursor>)>, CatalogError> {
        if !self.is_ready() || !self.refresh().await? {
            return Ok(None);
        }
        let (inner, query) = (self.inner.clone(), query.clone());
        blocking(move || inner.search(&query)).await.map(Some)
    }
}

impl Inner {
    fn search(&self, query: &ListQuery) -> Result<(Vec<String>, Option<Cursor>), CatalogError> {
        let f = self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for word in &query.words {
            // Words are letters and digits only (domain::search_words): nothing to escape.
            let prefix = format!("{}.*", super::fold(word));
            clauses.push((
                Occur::Must,
                Box::new(RegexQuery::from_pattern(&prefix, f.words).map_err(internal)?),
            ));
        }
        if let Some(category) = &query.category {
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.category, category),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        if let Some(after) = &query.after {
            clauses.push((Occur::Must, f.after(query.sort, after)?));
        }
        let query_all = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let limit = query.limit as usize + 1;
        let top = TopDocs::with_limit(limit);
        let by_id = (SortByString::for_field("id"), Order::Asc);
        // Each hit: its sort key and its id, in the listing's order (ties by id).
        let hits: Vec<(CursorKey, String)> = match query.sort {
            Sort::Name => searcher
                .search(
                    &query_all,
                    &top.order_by(((SortByString::for_field("name"), Order::Asc), by_id)),
                )
                .map_err(internal)?
                .into_iter()
                .map(|((name, id), _)| {
                    (
                        CursorKey::Text(name.unwrap_or_default()),
                        id.unwrap_or_default(),
                    )
                })
                .collect(),
            Sort::PriceAsc | Sort::PriceDesc | Sort::Newest => {
                let (field, order) = match query.sort {
                    Sort::PriceAsc => ("price", Order::Asc),
                    Sort::PriceDesc => ("price", Order::Desc),
                    _ => ("created_at", Order::Desc),
                };
                searcher
                    .search(
                        &query_all,
                        &top.order_by((
                            (SortByStaticFastValue::<i64>::for_field(field), order),
                            by_id,
                        )),
                    )
                    .map_err(internal)?
                    .into_iter()
                    .map(|((key, id), _)| {
                        (
                            CursorKey::Int(key.unwrap_or_default()),
                            id.unwrap_or_default(),
                        )
                    })
                    .collect()
            }
        };
        let next = (hits.len() == limit).then(|| {
            let (key, id) = hits[limit - 2].clone();
            Cursor {
                sort: query.sort,
                key,
                id,
            }
        });
        Ok((
            hits.into_iter()
                .take(query.limit as usize)
                .map(|(_, id)| id)
                .collect(),
            next,
        ))
    }
}

impl Fields {
    fn document(&self, product: &IndexedProduct) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_text(self.id, &product.id);
        doc.add_text(
            self.words,
            super::fold(&format!("{} {}", product.name, product.description)),
        );
        doc.add_text(self.name, &product.name);
        doc.add_i64(self.price, product.price);
        doc.add_i64(self.created_at, product.created_at);
        doc.add_text(self.category, &product.category);
        doc
    }

    /// The products after `cursor` in `sort`'s order: a greater key (smaller, descending), or
    /// the same key and a greater id.
    fn after(&self, sort: Sort, cursor: &Cursor) -> Result<Box<dyn Query>, CatalogError> {
        let key_term = match (sort, &cursor.key) {
            (Sort::Name, CursorKey::Text(name)) => Term::from_field_text(self.name, name),
            (Sort::PriceAsc | Sort::PriceDesc, CursorKey::Int(price)) => {
                Term::from_field_i64(self.price, *price)
            }
            (Sort::Newest, CursorKey::Int(created)) => {
                Term::from_field_i64(self.created_at, *created)
            }
            _ => return Err(CatalogError::BadCursor),
        };
        let beyond: Box<dyn Query> = match sort {
            Sort::PriceDesc | Sort::Newest => Box::new(RangeQuery::new(
                Bound::Unbounded,
                Bound::Excluded(key_term.clone()),
            )),
            Sort::Name | Sort::PriceAsc => Box::new(RangeQuery::new(
                Bound::Excluded(key_term.clone()),
                Bound::Unbounded,
            )),
        };
        let same_key_later_id = BooleanQuery::new(vec![
            (
                Occur::Must,
                Box::new(TermQuery::new(key_term, IndexRecordOption::Basic)) as Box<dyn Query>,
            ),
            (
                Occur::Must,
                Box::new(RangeQuery::new(
                    Bound::Excluded(Term::from_field_text(self.id, &cursor.id)),
                    Bound::Unbounded,
                )),
            ),
        ]);
        Ok(Box::new(BooleanQuery::new(vec![
            (Occur::Should, beyond),
            (Occur::Should, Box::new(same_key_later_id)),
        ])))
    }
}

/// Deletes outbox rows older than [`KEEP_CHANGES_MS`], a batch at a time, never the newest
/// (see migration 0006). Every replica may run it. Returns the rows deleted.
pub async fn prune_changes(db: &Db) -> Result<usize, CatalogError> {
    let cutoff: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(seq) FROM product_changes WHERE changed_at < ? AND seq < (SELECT MAX(seq) FROM product_changes)",
    )
    .bind(now_ms() - KEEP_CHANGES_MS)
    .fetch_one(&db.pool)
    .await?;
    let Some(cutoff) = cutoff else { return Ok(0) };
    let mut deleted = 0;
    loop {
        let oldest: Option<i64> = sqlx::query_scalar("SELECT MIN(seq) FROM product_changes")
            .fetch_one(&db.pool)
            .await?;
        let Some(oldest) = oldest.filter(|oldest| *oldest <= cutoff) else {
            break;
        };
        let result = sqlx::query("DELETE FROM product_changes WHERE seq <= ?")
            .bind(cutoff.min(oldest + BATCH))
            .execute(&db.pool)
            .await?;
        deleted += result.rows_affected() as usize;
    }
    Ok(deleted)
}

fn indexed_product(row: &sqlx::any::AnyRow) -> Result<IndexedProduct, sqlx::Error> {
    Ok(IndexedProduct {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        price: row.try_get("price")?,
        category: row.try_get("category_id")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Index directories are named `wayfare-search-<pid>-…`.
const DIR_PREFIX: &str = "wayfare-search-";

/// Removes the index directories of processes that are gone (killed before they could remove
/// theirs), and any left under this process's own id (a container restarted in the same pod
/// gets the same pid and the same `emptyDir`): once per process, before its first index.
/// Only where `/proc` tells which pids are alive.
fn remove_abandoned_directories() {
    let proc = std::path::Path::new("/proc/self");
    if !proc.exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    let own = std::process::id().to_string();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(DIR_PREFIX)) else {
            continue;
        };
        let pid = rest.split('-').next().unwrap_or_default();
        let alive = std::path::Path::new("/proc").join(pid).exists();
        if pid == own || !alive {
            if let Err(err) = std::fs::remove_dir_all(entry.path()) {
                tracing::debug!(error = %err, dir = ?entry.path(), "could not remove an old search index");
            }
        }
    }
}

/// Index work off the async threads (a commit writes files; a search over many matches
/// takes milliseconds).
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, CatalogError> + Send + 'static,
) -> Result<T, CatalogError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| internal(format!("its task: {e}")))?
}

fn internal(err: impl std::fmt::Display) -> CatalogError {
    anyhow::anyhow!("search index: {err}").into()
}

/// Loads the products of `ids` from the table, in that order, leaving out any that is gone or
/// inactive since the index last saw it.
pub async fn products_in_order(db: &Db, ids: &[String]) -> Result<Vec<Product>, CatalogError> {
    let mut found: std::collections::HashMap<String, Product> =
        rows_by_id(db, super::PRODUCT_COLUMNS, ids)
            .await?
            .iter()
            .map(super::product_from_row)
            .filter(|product| product.as_ref().map_or(true, |p| p.active))
            .map(|product| product.map(|p| (p.id.clone(), p)))
            .collect::<Result<_, _>>()?;
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// `columns` of the products with these ids, by primary key, 500 ids per statement.
async fn rows_by_id(
    db: &Db,
    columns: &str,
    ids: &[String],
) -> Result<Vec<sqlx::any::AnyRow>, sqlx::Error> {
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let sql = products_by_id_sql(columns, chunk.len());
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(id.clone());
        }
        rows.extend(q.fetch_all(&db.pool).await?);
    }
    Ok(rows)
}
