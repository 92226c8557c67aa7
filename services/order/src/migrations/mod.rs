//! order's schema: orders (with their idempotency key) and order lines (name and unit price
//! snapshotted at checkout).

use wayfare_chassis::db::Migration;

pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "orders",
    sqlite: include_str!("0001_orders.sqlite.sql"),
    mysql: include_str!("0001_orders.mysql.sql"),
}];
