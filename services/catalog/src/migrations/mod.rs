//! catalog's schema, one entry per version; each has a SQLite and a MySQL/MariaDB text.
//! Names sort with a binary collation on both, so keyset pagination orders identically.

use wayfare_chassis::db::Migration;

pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "catalog",
    sqlite: include_str!("0001_catalog.sqlite.sql"),
    mysql: include_str!("0001_catalog.mysql.sql"),
}];
