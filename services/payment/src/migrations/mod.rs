//! payment's schema. The payments table doubles as the idempotency store: one row per
//! idempotency key, holding the request's hash and its final result, kept indefinitely.

use wayfare_chassis::db::Migration;

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "payments",
        sqlite: include_str!("0001_payments.sqlite.sql"),
        mysql: include_str!("0001_payments.mysql.sql"),
    },
    Migration {
        version: 2,
        name: "payments_created",
        sqlite: include_str!("0002_payments_created.sqlite.sql"),
        mysql: include_str!("0002_payments_created.mysql.sql"),
    },
];
