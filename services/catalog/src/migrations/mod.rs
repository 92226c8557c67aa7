//! catalog's schema, one entry per version; each has a SQLite and a MySQL/MariaDB text.
//! Names sort with a binary collation on both, so keyset pagination orders identically.

use wayfare_chassis::db::Migration;

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "catalog",
        sqlite: include_str!("0001_catalog.sqlite.sql"),
        mysql: include_str!("0001_catalog.mysql.sql"),
    },
    Migration {
        version: 2,
        name: "stock_reservations",
        sqlite: include_str!("0002_stock_reservations.sqlite.sql"),
        mysql: include_str!("0002_stock_reservations.mysql.sql"),
    },
    Migration {
        version: 3,
        name: "product_search",
        sqlite: include_str!("0003_product_search.sqlite.sql"),
        mysql: include_str!("0003_product_search.mysql.sql"),
    },
    Migration {
        version: 4,
        name: "listing_indexes",
        sqlite: include_str!("0004_listing_indexes.sqlite.sql"),
        mysql: include_str!("0004_listing_indexes.mysql.sql"),
    },
    Migration {
        version: 5,
        name: "admin_versions",
        sqlite: include_str!("0005_admin_versions.sqlite.sql"),
        mysql: include_str!("0005_admin_versions.mysql.sql"),
    },
    Migration {
        version: 6,
        name: "product_changes",
        sqlite: include_str!("0006_product_changes.sqlite.sql"),
        mysql: include_str!("0006_product_changes.mysql.sql"),
    },
];
