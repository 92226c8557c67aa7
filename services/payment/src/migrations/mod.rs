//! payment's schema. The payments table doubles as the idempotency store: one row per
//! idempotency key, holding the request's hash and its final result, kept indefinitely.

use wayfare_chassis::db::Migration;

pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "payments",
    sqlite: include_str!("0001_payments.sqlite.sql"),
    mysql: include_str!("0001_payments.mysql.sql"),
}];
