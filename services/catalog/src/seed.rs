//! Loading data: the demo catalog on first start, and `wayfare seed --products N`, a large
//! synthetic catalog for scale tests (batched multi-row inserts in transactions).

use rand::seq::SliceRandom;
use rand::Rng;
use wayfare_chassis::db::{now_ms, Db};

use crate::domain::demo;
use crate::error::CatalogError;
use crate::store::{self, NewProduct};

/// Seeds the demo catalog if the products table is empty. Returns how many were added.
pub async fn seed_demo(db: &Db) -> Result<usize, CatalogError> {
    store::ensure_categories(db, demo::CATEGORIES).await?;
    if store::count_products(db).await? > 0 {
        return Ok(0);
    }
    let products: Vec<NewProduct> = demo::PRODUCTS
        .iter()
        .enumerate()
        .map(
            |(i, (category, name, description, price, stock))| NewProduct {
                sku: format!(
                    "WF-{}-{:03}",
                    category
                        .split('-')
                        .next()
                        .unwrap_or(category)
                        .to_uppercase(),
                    i + 1
                ),
                name: (*name).to_string(),
                description: (*description).to_string(),
                price: *price,
                currency: "USD".into(),
                stock: *stock,
                category: (*category).to_string(),
                active: true,
                image_url: Some(format!("/images/{category}.svg")),
            },
        )
        .collect();
    let mut tx = db.pool.begin().await?;
    store::insert_products_batch(&mut tx, &products, now_ms()).await?;
    tx.commit().await?;
    tracing::info!(
        products = products.len(),
        categories = demo::CATEGORIES.len(),
        "demo catalog seeded"
    );
    Ok(products.len())
}

/// Rows per INSERT statement and statements per transaction: large enough to amortise
/// round trips, small enough for SQLite's bound-parameter limit and MySQL's packet size.
const ROWS_PER_STATEMENT: usize = 500;
const STATEMENTS_PER_TRANSACTION: usize = 20;

const ADJECTIVES: &[&str] = &[
    "Classic",
    "Compact",
    "Deluxe",
    "Eco",
    "Everyday",
    "Featherweight",
    "Heritage",
    "Modern",
    "Nordic",
    "Pro",
    "Rugged",
    "Signature",
    "Smart",
    "Studio",
    "Urban",
    "Vintage",
];
const NOUNS: &[&str] = &[
    "Backpack",
    "Blender",
    "Candle",
    "Chair",
    "Desk Lamp",
    "Headphones",
    "Jacket",
    "Kettle",
    "Notebook",
    "Pan",
    "Scarf",
    "Speaker",
    "Sneakers",
    "Tent",
    "Watch",
    "Wallet",
];

/// Inserts `count` synthetic products, calling `progress` with the number inserted so far.
pub async fn seed_synthetic(
    db: &Db,
    count: u64,
    progress: impl Fn(u64),
) -> Result<u64, CatalogError> {
    store::ensure_categories(db, demo::CATEGORIES).await?;
    let run = format!("{:06x}", rand::thread_rng().gen::<u32>() & 0xff_ffff);
    let started = now_ms();
    let mut done = 0u64;
    while done < count {
        let mut tx = db.pool.begin().await?;
        for _ in 0..STATEMENTS_PER_TRANSACTION {
            if done >= count {
                break;
            }
            let n = (count - done).min(ROWS_PER_STATEMENT as u64);
            let batch: Vec<NewProduct> =
                (0..n).map(|i| synthetic_product(&run, done + i)).collect();
            store::insert_products_batch(&mut tx, &batch, started + done as i64).await?;
            done += n;
        }
        tx.commit().await?;
        progress(done);
    }
    Ok(done)
}

fn synthetic_product(run: &str, n: u64) -> NewProduct {
    let mut rng = rand::thread_rng();
    let adjective = ADJECTIVES.choose(&mut rng).expect("non-empty");
    let noun = NOUNS.choose(&mut rng).expect("non-empty");
    let (category, _) = demo::CATEGORIES.choose(&mut rng).expect("non-empty");
    NewProduct {
        sku: format!("SYN-{run}-{n:09}"),
        name: format!("{adjective} {noun} {n}"),
        description: format!(
            "A {} {} from the synthetic scale-test catalog.",
            adjective.to_lowercase(),
            noun.to_lowercase()
        ),
        price: rng.gen_range(199..=99_999),
        currency: "USD".into(),
        stock: rng.gen_range(0..=500),
        category: (*category).to_string(),
        active: true,
        image_url: None,
    }
}
