//! auth's schema, one entry per version; each has a SQLite and a MySQL/MariaDB text.

use wayfare_chassis::db::Migration;

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "users_and_tokens",
        sqlite: include_str!("0001_users_and_tokens.sqlite.sql"),
        mysql: include_str!("0001_users_and_tokens.mysql.sql"),
    },
    Migration {
        version: 2,
        name: "user_admin",
        sqlite: include_str!("0002_user_admin.sqlite.sql"),
        mysql: include_str!("0002_user_admin.mysql.sql"),
    },
];
