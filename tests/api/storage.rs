//! The repositories directly, on the backend under test: the same code and the same
//! assertions on SQLite and MariaDB.

use std::time::Duration;

use wayfare_chassis::db::Db;
use wayfare_chassis::identity::Role;

use crate::helpers::{backend, Backend, TestDatabase};

async fn database(service: &'static str) -> (Db, TestDatabase, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let test_db = TestDatabase::create().await;
    let url = match backend() {
        Backend::Sqlite => format!("sqlite://{}/{service}.db?mode=rwc", dir.path().display()),
        Backend::MySql => test_db.url.clone().unwrap(),
    };
    let db = Db::connect(service, &url, Duration::from_secs(5))
        .await
        .unwrap();
    (db, test_db, dir)
}

#[tokio::test]
async fn migrations_apply_once_and_are_idempotent() {
    let (db, _guard, _dir) = database("catalog").await;
    let catalog = wayfare_catalog::migrations::MIGRATIONS;
    assert_eq!(db.migrate(catalog).await.unwrap(), catalog.len());
    assert_eq!(db.migrate(catalog).await.unwrap(), 0);
    // Other services in the same database keep their own versions.
    for (service, migrations) in [
        ("auth", wayfare_auth::migrations::MIGRATIONS),
        ("payment", wayfare_payment::migrations::MIGRATIONS),
        ("order", wayfare_order::migrations::MIGRATIONS),
    ] {
        let other = db.for_service(service);
        assert_eq!(
            other.migrate(migrations).await.unwrap(),
            migrations.len(),
            "{service}"
        );
        assert_eq!(other.migrate(migrations).await.unwrap(), 0, "{service}");
    }
}

#[tokio::test]
async fn users_are_unique_by_email_and_refresh_tokens_are_single_use() {
    use wayfare_auth::error::AuthError;
    use wayfare_auth::store;
    let (db, _guard, _dir) = database("auth").await;
    db.migrate(wayfare_auth::migrations::MIGRATIONS)
        .await
        .unwrap();
    let user = store::insert_user(&db, "a@example.com", "A", "hash", Role::Customer)
        .await
        .unwrap();
    let dup = store::insert_user(&db, "a@example.com", "B", "hash", Role::Admin).await;
    assert!(matches!(dup, Err(AuthError::EmailTaken)), "{dup:?}");
    let found = store::find_user_by_email(&db, "a@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, user.id);
    assert_eq!(found.role, Role::Customer);

    let far = wayfare_chassis::db::now_ms() + 60_000;
    store::insert_refresh_token(&db, &user.id, "fam-1", "h1", far)
        .await
        .unwrap();
    store::insert_refresh_token(&db, &user.id, "fam-1", "h2", far)
        .await
        .unwrap();
    let token = store::find_refresh_token(&db, "h1").await.unwrap().unwrap();
    assert!(store::mark_refresh_token_used(&db, &token.id)
        .await
        .unwrap());
    assert!(
        !store::mark_refresh_token_used(&db, &token.id)
            .await
            .unwrap(),
        "only once"
    );
    assert_eq!(store::revoke_family(&db, "fam-1").await.unwrap(), 2);
    let other = store::find_refresh_token(&db, "h2").await.unwrap().unwrap();
    assert!(other.revoked_at.is_some());
}

#[tokio::test]
async fn products_insert_update_and_page_identically() {
    use wayfare_catalog::domain::{ListQuery, Sort};
    use wayfare_catalog::error::CatalogError;
    use wayfare_catalog::store::{self, NewProduct, ProductChanges};
    let (db, _guard, _dir) = database("catalog").await;
    db.migrate(wayfare_catalog::migrations::MIGRATIONS)
        .await
        .unwrap();
    store::ensure_categories(&db, &[("books", "Books")])
        .await
        .unwrap();
    let new = |sku: &str, name: &str, price: i64| NewProduct {
        sku: sku.into(),
        name: name.into(),
        description: "d".into(),
        price,
        currency: "USD".into(),
        stock: 5,
        category: "books".into(),
        active: true,
        image_url: None,
    };
    // Same names and prices on purpose: ties must be broken by id.
    for i in 0..9 {
        store::insert_product(
            &db,
            &new(
                &format!("S-{i}"),
                if i % 2 == 0 { "Same" } else { "Other" },
                100 * (i % 3),
            ),
        )
        .await
        .unwrap();
    }
    let dup = store::insert_product(&db, &new("S-1", "x", 1)).await;
    assert!(matches!(dup, Err(CatalogError::DuplicateSku(_))), "{dup:?}");

    for sort in [Sort::Name, Sort::PriceAsc, Sort::PriceDesc, Sort::Newest] {
        let mut seen = Vec::new();
        let mut query = ListQuery {
            words: Vec::new(),
            category: None,
            sort,
            limit: 2,
            after: None,
        };
        loop {
            let (page, next) = store::list_products(&db, &query).await.unwrap();
            seen.extend(page.into_iter().map(|p| p.sku));
            match next {
                Some(cursor) => query.after = Some(cursor),
                None => break,
            }
        }
        seen.sort();
        assert_eq!(
            seen,
            (0..9).map(|i| format!("S-{i}")).collect::<Vec<_>>(),
            "{sort:?}"
        );
    }

    let (page, _) = store::list_products(
        &db,
        &ListQuery {
            words: vec!["oth".into()],
            category: None,
            sort: Sort::Name,
            limit: 50,
            after: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(page.len(), 4);
    let id = page[0].id.clone();
    let changed = store::update_product(
        &db,
        &id,
        &ProductChanges {
            price: Some(777),
            image_url: Some(Some("/x.png".into())),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(changed.price, 777);
    assert_eq!(changed.image_url.as_deref(), Some("/x.png"));
    assert!(store::update_product(
        &db,
        "missing",
        &ProductChanges {
            price: Some(1),
            ..Default::default()
        }
    )
    .await
    .unwrap()
    .is_none());
}

#[tokio::test]
async fn bulk_seeding_inserts_every_row() {
    let (db, _guard, _dir) = database("catalog").await;
    db.migrate(wayfare_catalog::migrations::MIGRATIONS)
        .await
        .unwrap();
    let progress = std::sync::atomic::AtomicU64::new(0);
    let done = wayfare_catalog::seed::seed_synthetic(&db, 2_345, |n| {
        progress.store(n, std::sync::atomic::Ordering::Relaxed)
    })
    .await
    .unwrap();
    assert_eq!(done, 2_345);
    assert_eq!(progress.into_inner(), 2_345);
    assert_eq!(
        wayfare_catalog::store::count_products(&db).await.unwrap(),
        2_345
    );
}

#[tokio::test]
async fn only_duplicate_keys_count_as_unique_violations() {
    let (db, _guard, _dir) = database("auth").await;
    db.migrate(wayfare_auth::migrations::MIGRATIONS)
        .await
        .unwrap();
    let insert = |id: &'static str, email: Option<&'static str>| {
        sqlx::query("INSERT INTO users (id, email, name, password_hash, role, created_at) VALUES (?, ?, 'n', 'h', 'customer', 0)")
            .bind(id)
            .bind(email)
            .execute(&db.pool)
    };
    insert("u1", Some("x@example.com")).await.unwrap();
    let duplicate = insert("u2", Some("x@example.com")).await.unwrap_err();
    assert!(
        wayfare_chassis::error::is_unique_violation(&duplicate),
        "{duplicate}"
    );
    // SQLSTATE 23000 on MySQL too, but a NOT NULL violation is a bug, not a duplicate.
    let not_null = insert("u3", None).await.unwrap_err();
    assert!(
        !wayfare_chassis::error::is_unique_violation(&not_null),
        "{not_null}"
    );
}

/// No listing order may make the database sort the whole table (the `newest` and
/// `price_desc` listings did on MySQL: 503 after 10 s at a million products). Each listing
/// query, with and without a category and with a cursor, is EXPLAINed on the backend under
/// test over a few thousand products; so is each search's full-text statement, which must be
/// driven by the full-text index (it sorts only the matches; searches with many matches read
/// the listing statements above in order instead).
/// The plan of `sql` with `binds` on the backend under test (`EXPLAIN QUERY PLAN` on SQLite,
/// `EXPLAIN` on MySQL): a line per row, its columns joined by ` | `.
async fn explain_plan(db: &Db, sql: &str, binds: Vec<wayfare_catalog::store::Bind>) -> String {
    use sqlx::Row;
    use wayfare_catalog::store::Bind;
    use wayfare_chassis::db::Dialect;

    let explain = match db.dialect {
        Dialect::Sqlite => format!("EXPLAIN QUERY PLAN {sql}"),
        Dialect::MySql => format!("EXPLAIN {sql}"),
    };
    let mut q = sqlx::query(&explain);
    for bind in binds {
        q = match bind {
            Bind::Int(v) => q.bind(v),
            Bind::Text(v) => q.bind(v),
        };
    }
    let rows = q.fetch_all(&db.pool).await.unwrap();
    rows.iter()
        .map(|row| {
            (0..row.len())
                .map(|i| {
                    row.try_get::<Option<String>, _>(i)
                        .ok()
                        .flatten()
                        .or_else(|| {
                            row.try_get::<Option<i64>, _>(i)
                                .ok()
                                .flatten()
                                .map(|v| v.to_string())
                        })
                        .unwrap_or_default()
                })
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn no_listing_query_sorts_the_whole_table() {
    use wayfare_catalog::domain::{Cursor, CursorKey, ListQuery, Sort};
    use wayfare_catalog::store::listing_sql;
    use wayfare_chassis::db::Dialect;

    let (db, _guard, _dir) = database("catalog").await;
    db.migrate(wayfare_catalog::migrations::MIGRATIONS)
        .await
        .unwrap();
    wayfare_catalog::seed::seed_synthetic(&db, 3_000, |_| {})
        .await
        .unwrap();
    // Once without statistics (a fresh or never-analysed database, as the benchmarks and most
    // installations run: SQLite then walked the listing index for a search), once with them.
    for analysed in [false, true] {
        if analysed {
            let analyze = match db.dialect {
                Dialect::Sqlite => "ANALYZE",
                Dialect::MySql => "ANALYZE TABLE products",
            };
            sqlx::query(analyze).execute(&db.pool).await.unwrap();
        }
        for sort in [Sort::Name, Sort::PriceAsc, Sort::PriceDesc, Sort::Newest] {
            for category in [None, Some("books".to_string())] {
                for after in [None, Some(())] {
                    for words in [Vec::new(), vec!["vintage".to_string(), "tent".to_string()]] {
                        let searching = !words.is_empty();
                        let query = ListQuery {
                            words,
                            category: category.clone(),
                            sort,
                            limit: 20,
                            after: after.map(|_| Cursor {
                                sort,
                                key: match sort {
                                    Sort::Name => CursorKey::Text("M".into()),
                                    _ => CursorKey::Int(5_000),
                                },
                                id: "0".into(),
                            }),
                        };
                        let (sql, binds) = listing_sql(db.dialect, &query);
                        let plan = explain_plan(&db, &sql, binds).await;
                        if searching {
                            // A search's full-text statement sorts its matches (few: common words
                            // are read in listing order instead, see store::list_products), but
                            // the full-text index must drive it: products is only looked up by key.
                            let scans_products = match db.dialect {
                                // Or walking one of products' own indexes: `SEARCH products
                                // USING COVERING INDEX products_name (active=?)` is every
                                // active row.
                                Dialect::Sqlite => plan.lines().any(|l| {
                                    (l.contains("SCAN products") && !l.contains("products_search"))
                                        || (l.contains("products USING")
                                            && !l.contains("INTEGER PRIMARY KEY"))
                                }),
                                Dialect::MySql => plan.lines().any(|l| {
                                    l.contains("| products |")
                                        && (l.contains("| ALL |")
                                            || l.contains("| index |")
                                            || l.contains("| range |"))
                                }),
                            };
                            let uses_full_text = match db.dialect {
                                Dialect::Sqlite => plan.contains("products_search VIRTUAL TABLE"),
                                Dialect::MySql => plan.contains("fulltext"),
                            };
                            assert!(
                        uses_full_text && !scans_products,
                        "{sort:?} category={category:?} cursor={} analysed={analysed}: the search does not start from the full-text index\n{sql}\n{plan}",
                        after.is_some()
                    );
                        } else {
                            assert!(
                        !plan.contains("filesort") && !plan.contains("TEMP B-TREE"),
                        "{sort:?} category={category:?} cursor={} analysed={analysed}: the database sorts the table\n{sql}\n{plan}",
                        after.is_some()
                    );
                        }
                    }
                }
            }
        }
    }
}

/// The search index reads products by primary key only: its build's batches and the
/// products of a page or of applied changes. (With `active = 1` in the statement, SQLite
/// without statistics walked an index on `active`: the build of a million products took
/// minutes, and each search page read every product.)
#[tokio::test]
async fn the_search_index_reads_products_by_primary_key() {
    use wayfare_catalog::store::search_index::{products_by_id_sql, BUILD_BATCH_SQL};
    use wayfare_catalog::store::Bind;
    use wayfare_chassis::db::Dialect;

    let (db, _guard, _dir) = database("catalog").await;
    db.migrate(wayfare_catalog::migrations::MIGRATIONS)
        .await
        .unwrap();
    wayfare_catalog::seed::seed_synthetic(&db, 2_000, |_| {})
        .await
        .unwrap();
    let build = BUILD_BATCH_SQL.replacen("LIMIT ?", "LIMIT 5000", 1);
    let statements = [
        (build, vec![Bind::Text("0".into())]),
        (
            products_by_id_sql("id, name, active", 3),
            ["a", "b", "c"].map(|id| Bind::Text(id.into())).to_vec(),
        ),
    ];
    for (sql, binds) in statements {
        let plan = explain_plan(&db, &sql, binds).await;
        let by_key = match db.dialect {
            Dialect::Sqlite => {
                plan.contains("sqlite_autoindex_products_1") && !plan.contains("TEMP B-TREE")
            }
            Dialect::MySql => plan.contains("PRIMARY") && !plan.contains("filesort"),
        };
        assert!(by_key, "not by primary key:\n{sql}\n{plan}");
    }
}

/// A search finds the same products, in the same order and across the same pages, whether
/// the full-text index answers it or the listing is read in order and checked word by word
/// (how common words are searched at scale), and when a scan gives up half way.
#[tokio::test]
async fn searches_answer_alike_by_full_text_or_in_listing_order() {
    use wayfare_catalog::domain::{ListQuery, Sort};
    use wayfare_catalog::store::{self, NewProduct, SearchTuning};

    let (db, _guard, _dir) = database("catalog").await;
    db.migrate(wayfare_catalog::migrations::MIGRATIONS)
        .await
        .unwrap();
    wayfare_catalog::seed::seed_synthetic(&db, 600, |_| {})
        .await
        .unwrap();
    // Accents, case and punctuation the indexes fold or split on.
    for (i, (name, description)) in [
        ("Crème Brûlée Torch", "Caramelises sugar."),
        ("TENT-POLE spare", "Aluminium; fits the Rugged tent."),
        ("Über Kettle", "A kettle, über fast."),
        ("Notebook 123456", "Dotted pages (tent-shaped stand)."),
    ]
    .into_iter()
    .enumerate()
    {
        store::insert_product(
            &db,
            &NewProduct {
                sku: format!("EDGE-{i}"),
                name: name.into(),
                description: description.into(),
                price: 1_000 + i as i64,
                currency: "USD".into(),
                stock: 1,
                category: "books".into(),
                active: true,
                image_url: None,
            },
        )
        .await
        .unwrap();
    }
    let all_pages = |query: ListQuery, tuning: Option<SearchTuning>| {
        let db = &db;
        every_page(query, move |query| async move {
            ids_of(
                match tuning {
                    Some(tuning) => store::list_products_tuned(db, &query, tuning).await,
                    None => store::list_products_via_full_text(db, &query).await,
                }
                .unwrap(),
            )
        })
    };
    let tunings = [
        SearchTuning::default(),
        // Every search by an ordered scan (SQLite's count never says "few")...
        SearchTuning {
            few_matches: 0,
            first_scan_rows: usize::MAX,
            full_text_try: Duration::from_secs(5),
            ordered_scan_rows: usize::MAX,
        },
        // ...scans that give up early, so the full-text index answers (with its deadline on
        // MySQL)...
        SearchTuning {
            few_matches: 0,
            first_scan_rows: 40,
            full_text_try: Duration::from_secs(5),
            ordered_scan_rows: 40,
        },
        // ...and a deadline that may stop it, so the scan goes on, then the index finishes.
        SearchTuning {
            few_matches: 0,
            first_scan_rows: 40,
            full_text_try: Duration::from_millis(1),
            ordered_scan_rows: 100,
        },
    ];
    for q in [
        "catalog",
        "tent",
        "vintage tent",
        "123",
        "creme brul",
        "uber",
        "zzqx",
    ] {
        for sort in [Sort::Name, Sort::PriceAsc, Sort::PriceDesc, Sort::Newest] {
            for category in [None, Some("books")] {
                let query =
                    ListQuery::parse(Some(q), category, Some(sort_name(sort)), Some("25"), None)
                        .unwrap();
                let expected = all_pages(query.clone(), None).await;
                if q == "creme brul" || q == "uber" {
                    assert_eq!(expected.len(), 1, "{q}: accents are folded");
                }
                for tuning in tunings {
                    let got = all_pages(query.clone(), Some(tuning)).await;
                    assert_eq!(got, expected, "{q} {sort:?} {category:?} {tuning:?}");
                }
            }
        }
    }

    fn sort_name(sort: Sort) -> &'static str {
        match sort {
            Sort::Name => "name",
            Sort::PriceAsc => "price_asc",
            Sort::PriceDesc => "price_desc",
            Sort::Newest => "newest",
        }
    }
}

/// Every page of `query`, following the cursors, as product ids; `page` fetches one page (its
/// products' ids and the next cursor).
async fn every_page<F, Fut>(
    mut query: wayfare_catalog::domain::ListQuery,
    mut page: F,
) -> Vec<String>
where
    F: FnMut(wayfare_catalog::domain::ListQuery) -> Fut,
    Fut: std::future::Future<Output = (Vec<String>, Option<wayfare_catalog::domain::Cursor>)>,
{
    let mut ids = Vec::new();
    loop {
        let limit = query.limit as usize;
        let (found, next) = page(query.clone()).await;
        assert!(found.len() <= limit);
        ids.extend(found);
        match next {
            Some(cursor) => query.after = Some(cursor),
            None => return ids,
        }
    }
}

fn ids_of(
    (products, next): (
        Vec<wayfare_catalog::domain::Product>,
        Option<wayfare_catalog::domain::Cursor>,
    ),
) -> (Vec<String>, Option<wayfare_catalog::domain::Cursor>) {
    (products.into_iter().map(|p| p.id).collect(), next)
}

/// Every page of `query` from the search index alone, as product ids.
async fn all_index_pages(
    db: &Db,
    index: &wayfare_catalog::store::search_index::SearchIndex,
    query: wayfare_catalog::domain::ListQuery,
) -> Vec<String> {
    every_page(query, |query| async move {
        assert!(index.is_ready());
        let (ids, next) = index
            .search(&query)
            .await
            .unwrap()
            .expect("the index answers");
        // As the service shows them: by the table's current rows.
        let shown = wayfare_catalog::store::search_index::products_in_order(db, &ids)
            .await
            .unwrap();
        assert_eq!(shown.len(), ids.len(), "every product found is for sale");
        (ids, next)
    })
    .await
}

/// Every page of `query` as the service answers it (store::list_or_search), as product ids.
async fn all_served_pages(
    db: &Db,
    index: &wayfare_catalog::store::search_index::SearchIndex,
    query: wayfare_catalog::domain::ListQuery,
) -> Vec<String> {
    every_page(query, |query| async move {
        ids_of(
            wayfare_catalog::store::list_or_search(db, index, &query)
                .await
                .unwrap(),
        )
    })
    .await
}

/// Every page of `query` from the database's own indexes, as product ids.
async fn all_database_pages(db: &Db, query: wayfare_catalog::domain::ListQuery) -> Vec<String> {
    every_page(query, |query| async move {
        ids_of(
            wayfare_catalog::store::list_products_via_full_text(db, &query)
                .await
                .unwrap(),
        )
    })
    .await
}

#[tokio::test]
async fn the_search_index_answers_like_the_database_and_follows_every_write() {
    use wayfare_catalog::domain::ListQuery;
    use wayfare_catalog::store::search_index::{prune_changes, SearchIndex};
    use wayfare_catalog::store::{self, NewProduct, ProductChanges};

    let (db, _guard, _dir) = database("catalog").await;
    db.migrate(wayfare_catalog::migrations::MIGRATIONS)
        .await
        .unwrap();
    wayfare_catalog::seed::seed_synthetic(&db, 500, |_| {})
        .await
        .unwrap();
    let new_product = |sku: &str, name: &str, description: &str, price: i64| NewProduct {
        sku: sku.into(),
        name: name.into(),
        description: description.into(),
        price,
        currency: "USD".into(),
        stock: 1,
        category: "books".into(),
        active: true,
        image_url: None,
    };
    // Accents, case, punctuation, and products that tie on name and on price.
    for (sku, name, description, price) in [
        ("EDGE-1", "Crème Brûlée Torch", "Caramelises sugar.", 1_000),
        (
            "EDGE-2",
            "TENT-POLE spare",
            "Aluminium; fits the Rugged tent.",
            1_000,
        ),
        ("EDGE-3", "Über Kettle", "A kettle, über fast.", 1_000),
        ("EDGE-4", "Über Kettle", "Its twin: the same name.", 2_000),
        (
            "EDGE-5",
            "Notebook 123456",
            "Dotted pages (tent-shaped stand).",
            2_000,
        ),
    ] {
        store::insert_product(&db, &new_product(sku, name, description, price))
            .await
            .unwrap();
    }
    let replica = SearchIndex::open(db.clone()).unwrap();
    assert!(!replica.is_ready());
    // Until it is built the index declines, and searches go to the database.
    let query = ListQuery::parse(Some("tent"), None, None, Some("5"), None).unwrap();
    assert!(replica.search(&query).await.unwrap().is_none());
    assert!(replica.build().await.unwrap() > 400);
    assert!(replica.is_ready());

    let sorts = ["name", "price_asc", "price_desc", "newest"];
    let compare = |replica: SearchIndex, queries: Vec<&'static str>| {
        let db = db.clone();
        async move {
            for q in queries {
                for sort in sorts {
                    for category in [None, Some("books")] {
                        for limit in ["7", "100"] {
                            let query =
                                ListQuery::parse(Some(q), category, Some(sort), Some(limit), None)
                                    .unwrap();
                            let expected = all_database_pages(&db, query.clone()).await;
                            let got = all_index_pages(&db, &replica, query.clone()).await;
                            assert_eq!(
                                got, expected,
                                "q={q} sort={sort} {category:?} limit={limit}"
                            );
                            // As served: common words read in listing order, others the index.
                            let served = all_served_pages(&db, &replica, query).await;
                            assert_eq!(
                                served, expected,
                                "served: q={q} sort={sort} {category:?} limit={limit}"
                            );
                        }
                    }
                }
            }
        }
    };
    compare(
        replica.clone(),
        vec![
            "catalog",
            "tent",
            "vintage tent",
            "123",
            "creme brul",
            "uber",
            "kettle",
            "zzqx",
        ],
    )
    .await;
    let uber = ListQuery::parse(Some("uber"), None, Some("name"), None, None).unwrap();
    assert_eq!(
        all_index_pages(&db, &replica, uber.clone()).await.len(),
        2,
        "accents are folded"
    );

    // Writes through any replica: a search on this one sees them at once.
    let other_replica = SearchIndex::open(db.clone()).unwrap();
    other_replica.build().await.unwrap();
    let added = store::insert_product(&db, &new_product("NEW-1", "Zeppelin Tent", "Floats.", 5))
        .await
        .unwrap();
    let tents = ListQuery::parse(Some("zeppelin"), None, None, None, None).unwrap();
    for index in [&replica, &other_replica] {
        assert_eq!(
            all_index_pages(&db, index, tents.clone()).await,
            std::slice::from_ref(&added.id)
        );
    }
    let renamed = ProductChanges {
        name: Some("Blimp Shelter".into()),
        price: Some(7),
        ..Default::default()
    };
    store::update_product(&db, &added.id, &renamed)
        .await
        .unwrap();
    let blimps = ListQuery::parse(Some("blimp"), None, Some("price_asc"), None, None).unwrap();
    for index in [&replica, &other_replica] {
        assert!(
            all_index_pages(&db, index, tents.clone()).await.is_empty(),
            "old words gone"
        );
        assert_eq!(
            all_index_pages(&db, index, blimps.clone()).await,
            std::slice::from_ref(&added.id)
        );
    }
    let hidden = ProductChanges {
        active: Some(false),
        ..Default::default()
    };
    store::update_product(&db, &added.id, &hidden)
        .await
        .unwrap();
    for index in [&replica, &other_replica] {
        assert!(
            all_index_pages(&db, index, blimps.clone()).await.is_empty(),
            "inactive products are not found"
        );
    }
    // Stock changes are no change for the index: no outbox row.
    let changes_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM product_changes")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let stock = ProductChanges {
        stock: Some(99),
        ..Default::default()
    };
    let first = store::get_product(&db, &all_index_pages(&db, &replica, uber).await[0])
        .await
        .unwrap()
        .unwrap();
    store::update_product(&db, &first.id, &stock).await.unwrap();
    let changes_after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM product_changes")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(changes_after, changes_before);
    compare(other_replica.clone(), vec!["tent", "uber", "123"]).await;

    // A bulk import (more changes than a batch) is not applied inside a search: the search asks
    // the database until the worker has caught up.
    for _ in 0..11 {
        sqlx::query(
            "INSERT INTO product_changes (product_id, changed_at) SELECT id, 0 FROM products",
        )
        .execute(&db.pool)
        .await
        .unwrap();
    }
    let tent = ListQuery::parse(Some("tent"), None, None, None, None).unwrap();
    assert!(replica.search(&tent).await.unwrap().is_none());
    assert!(replica.catch_up().await.unwrap() > 5_000);
    assert!(replica.search(&tent).await.unwrap().is_some());

    // Pruning keeps the newest row; a replica the pruning passed rebuilds, then answers alike.
    sqlx::query("UPDATE product_changes SET changed_at = 0")
        .execute(&db.pool)
        .await
        .unwrap();
    assert!(prune_changes(&db).await.unwrap() > 500);
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM product_changes")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(left, 1, "the newest change is kept");
    let stale = SearchIndex::open(db.clone()).unwrap();
    stale.build().await.unwrap();
    sqlx::query("INSERT INTO product_changes (product_id, changed_at) VALUES ('x', 0)")
        .execute(&db.pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO product_changes (product_id, changed_at) VALUES ('y', 0)")
        .execute(&db.pool)
        .await
        .unwrap();
    prune_changes(&db).await.unwrap();
    stale.catch_up().await.unwrap();
    assert!(
        !stale.is_ready(),
        "a replica the pruning passed stops answering from its index"
    );
    stale.follow().await.unwrap();
    wayfare_chassis::worker::poll_until(Duration::from_secs(20), || {
        let stale = stale.clone();
        async move { Ok::<_, ()>(stale.is_ready().then_some(())) }
    })
    .await
    .unwrap()
    .expect("rebuilt");
    compare(stale, vec!["tent"]).await;
}

/// The load-factor job reads the next 48 hours' flights on either backend (the flights
/// dashboard's load factor rests on it).
#[tokio::test]
async fn the_flight_load_factor_job_runs_on_both_backends() {
    let (db, _guard, _dir) = database("flight").await;
    db.migrate(wayfare_flight::migrations::MIGRATIONS)
        .await
        .unwrap();
    wayfare_flight::seed::seed_demo(&db, 3).await.unwrap();
    let flights = wayfare_flight::domain::jobs::publish_load_factor(&db)
        .await
        .unwrap();
    assert!(flights > 0, "demo flights depart within 48 hours");
}
