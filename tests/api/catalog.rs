use std::collections::HashSet;

use reqwest::Method;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn demo_catalog_lists_with_categories() {
    let app = spawn_app().await;
    let categories = app.get("/api/catalog/categories", None).await;
    assert_eq!(categories.status, 200);
    assert!(categories.body["items"].as_array().unwrap().len() >= 6);
    let page = app.get("/api/catalog/products", None).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.body["items"].as_array().unwrap().len(),
        20,
        "default limit"
    );
    assert!(page.body["next_cursor"].is_string());
    let first = &page.body["items"][0];
    for field in [
        "id",
        "sku",
        "name",
        "description",
        "price",
        "currency",
        "stock",
        "category",
        "active",
        "created_at",
    ] {
        assert!(first.get(field).is_some(), "product has {field}");
    }
}

#[tokio::test]
async fn pagination_reaches_the_end_without_duplicates_or_gaps_in_every_sort() {
    let app = spawn_app().await;
    let everything = app.all_pages("", 100).await;
    assert!(
        everything.len() >= 60,
        "demo catalog has at least 60 products"
    );
    let all_ids: HashSet<String> = everything
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    for sort in ["name", "price_asc", "price_desc", "newest"] {
        let items = app.all_pages(&format!("&sort={sort}"), 7).await;
        let ids: Vec<String> = items
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_string())
            .collect();
        let unique: HashSet<String> = ids.iter().cloned().collect();
        assert_eq!(ids.len(), unique.len(), "{sort}: no duplicates");
        assert_eq!(unique, all_ids, "{sort}: no gaps");
        let prices: Vec<i64> = items.iter().map(|p| p["price"].as_i64().unwrap()).collect();
        match sort {
            "price_asc" => assert!(prices.windows(2).all(|w| w[0] <= w[1])),
            "price_desc" => assert!(prices.windows(2).all(|w| w[0] >= w[1])),
            "name" => {
                let names: Vec<&str> = items.iter().map(|p| p["name"].as_str().unwrap()).collect();
                assert!(names.windows(2).all(|w| w[0] <= w[1]), "sorted by name");
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn search_and_category_filter() {
    let app = spawn_app().await;
    let hits = app.all_pages("&q=headphones", 10).await;
    assert!(!hits.is_empty());
    for p in &hits {
        let text = format!("{} {}", p["name"], p["description"]).to_lowercase();
        assert!(text.contains("headphones"), "{text}");
    }
    let books = app.all_pages("&category=books", 3).await;
    assert!(books.len() >= 6);
    assert!(books.iter().all(|p| p["category"] == "books"));
    // Wildcards are not words: nothing searchable is a 422 naming q.
    let r = app.get("/api/catalog/products?q=%25%25%25", None).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["field"], "q");
    app.get("/api/catalog/products?q=tv", None)
        .await
        .assert_problem(422, "validation_failed");
    assert!(app.all_pages("&q=zzzz-no-such-thing", 10).await.is_empty());
}

#[tokio::test]
async fn search_matches_words_by_prefix_in_any_case_and_follows_edits() {
    let app = spawn_app().await;
    let names = |items: Vec<serde_json::Value>| -> Vec<String> {
        items
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names(app.all_pages("&q=HEADPHONES", 10).await),
        ["Aurora Noise-Cancelling Headphones"]
    );
    assert_eq!(
        names(app.all_pages("&q=noise%20headph", 10).await),
        ["Aurora Noise-Cancelling Headphones"]
    );
    assert_eq!(
        names(app.all_pages("&q=2%20person%20tent", 10).await),
        ["Ultralight 2-Person Tent"]
    );
    // Words are all required, in the name or the description.
    assert_eq!(
        names(app.all_pages("&q=espresso%20grinder", 10).await),
        ["Barista Pro Espresso Machine"]
    );
    assert!(app
        .all_pages("&q=espresso%20headphones", 10)
        .await
        .is_empty());

    let admin = app.admin().await;
    let kettle = app.all_pages("&q=espresso", 10).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let renamed = app
        .send_json(
            reqwest::Method::PATCH,
            &format!("/api/catalog/products/{kettle}"),
            &json!({"name": "Moka Pot Deluxe", "description": "Stovetop coffee."}),
            Some(&admin.access),
        )
        .await;
    assert_eq!(renamed.status, 200);
    assert_eq!(
        names(app.all_pages("&q=moka", 10).await),
        ["Moka Pot Deluxe"]
    );
    assert!(
        app.all_pages("&q=barista", 10).await.is_empty(),
        "the old words are gone from the index"
    );
}

#[tokio::test]
async fn product_by_id_and_404_for_missing() {
    let app = spawn_app().await;
    let product = app.first_product().await;
    let id = product["id"].as_str().unwrap();
    let by_id = app.get(&format!("/api/catalog/products/{id}"), None).await;
    assert_eq!(by_id.status, 200);
    assert_eq!(by_id.body, product);
    // Served again (from the cache this time), identical.
    assert_eq!(
        app.get(&format!("/api/catalog/products/{id}"), None)
            .await
            .body,
        product
    );
    app.get("/api/catalog/products/does-not-exist", None)
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn bad_listing_parameters_are_rejected() {
    let app = spawn_app().await;
    let r = app.get("/api/catalog/products?limit=0", None).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["field"], "limit");
    app.get("/api/catalog/products?limit=101", None)
        .await
        .assert_problem(422, "validation_failed");
    let r = app.get("/api/catalog/products?sort=random", None).await;
    assert_eq!(r.body["field"], "sort");
    app.get("/api/catalog/products?cursor=not-a-cursor", None)
        .await
        .assert_problem(400, "bad_request");
    // A cursor issued for one sort is refused for another.
    let page = app
        .get("/api/catalog/products?limit=2&sort=price_asc", None)
        .await;
    let cursor = page.body["next_cursor"].as_str().unwrap();
    app.get(
        &format!("/api/catalog/products?sort=name&cursor={cursor}"),
        None,
    )
    .await
    .assert_problem(400, "bad_request");
}

#[tokio::test]
async fn customers_get_403_on_admin_routes_and_nothing_changes() {
    let app = spawn_app().await;
    let customer = app.customer().await;
    let product = app.first_product().await;
    let id = product["id"].as_str().unwrap();
    let create = app
        .post("/api/catalog/products", &json!({"sku": "X-1", "name": "Xylophone", "price": 1, "currency": "USD", "stock": 1, "category": "books"}), Some(&customer.access))
        .await;
    create.assert_problem(403, "forbidden");
    let patch = app
        .send_json(
            Method::PATCH,
            &format!("/api/catalog/products/{id}"),
            &json!({"price": 1}),
            Some(&customer.access),
        )
        .await;
    patch.assert_problem(403, "forbidden");
    let stock = app
        .send_json(
            Method::PUT,
            &format!("/api/catalog/products/{id}/stock"),
            &json!({"stock": 0}),
            Some(&customer.access),
        )
        .await;
    stock.assert_problem(403, "forbidden");
    let anonymous = app
        .send_json(
            Method::PUT,
            &format!("/api/catalog/products/{id}/stock"),
            &json!({"stock": 0}),
            None,
        )
        .await;
    anonymous.assert_problem(401, "unauthorized");
    assert_eq!(
        app.get(&format!("/api/catalog/products/{id}"), None)
            .await
            .body,
        product,
        "unchanged"
    );
    assert!(app
        .all_pages("&q=xylophone", 100)
        .await
        .iter()
        .all(|p| p["sku"] != "X-1"));
}

#[tokio::test]
async fn admins_create_update_and_restock_products_and_reads_see_it() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let created = app
        .post(
            "/api/catalog/products",
            &json!({"sku": "WF-NEW-1", "name": "Brand New Kettle", "description": "Boils.", "price": 4599, "currency": "EUR", "stock": 3, "category": "home-kitchen"}),
            Some(&admin.access),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_string();
    let path = format!("/api/catalog/products/{id}");
    assert_eq!(
        app.get(&path, None).await.body["price"],
        4599,
        "read fills the cache"
    );

    let patched = app
        .send_json(
            Method::PATCH,
            &path,
            &json!({"price": 3999, "name": "Kettle"}),
            Some(&admin.access),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    let read = app.get(&path, None).await;
    assert_eq!(
        read.body["price"], 3999,
        "the write invalidated the cached read"
    );
    assert_eq!(read.body["name"], "Kettle");

    let stock = app
        .send_json(
            Method::PUT,
            &format!("{path}/stock"),
            &json!({"stock": 42}),
            Some(&admin.access),
        )
        .await;
    assert_eq!(stock.status, 200);
    assert_eq!(app.get(&path, None).await.body["stock"], 42);

    let dup = app
        .post("/api/catalog/products", &json!({"sku": "WF-NEW-1", "name": "Again", "price": 1, "currency": "EUR", "stock": 1, "category": "books"}), Some(&admin.access))
        .await;
    dup.assert_problem(409, "duplicate_sku");

    let hidden = app
        .send_json(
            Method::PATCH,
            &path,
            &json!({"active": false}),
            Some(&admin.access),
        )
        .await;
    assert_eq!(hidden.status, 200);
    app.get(&path, None).await.assert_problem(404, "not_found");
}

#[tokio::test]
async fn invalid_product_writes_are_422_and_change_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let product = app.first_product().await;
    let id = product["id"].as_str().unwrap();
    let base = json!({"sku": "OK-1", "name": "Fine", "price": 100, "currency": "USD", "stock": 1, "category": "books"});
    let bad = [
        ("price", json!(-1)),
        ("currency", json!("usd")),
        ("stock", json!(-5)),
        ("category", json!("no-such-category")),
        ("sku", json!("has spaces")),
        ("name", json!("")),
    ];
    for (field, value) in bad {
        let mut body = base.clone();
        body[field] = value;
        let reply = app
            .post("/api/catalog/products", &body, Some(&admin.access))
            .await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.body["field"], field, "{}", reply.body);
    }
    let stock = app
        .send_json(
            Method::PUT,
            &format!("/api/catalog/products/{id}/stock"),
            &json!({"stock": -1}),
            Some(&admin.access),
        )
        .await;
    stock.assert_problem(422, "validation_failed");
    let missing = app
        .send_json(
            Method::PUT,
            &format!("/api/catalog/products/{id}/stock"),
            &json!({}),
            Some(&admin.access),
        )
        .await;
    assert_eq!(missing.body["field"], "stock");
    assert_eq!(
        app.get(&format!("/api/catalog/products/{id}"), None)
            .await
            .body,
        product,
        "unchanged"
    );
    assert!(app
        .all_pages("&q=Fine", 100)
        .await
        .iter()
        .all(|p| p["sku"] != "OK-1"));
}
