//! booking's schema; each version has a SQLite and a MySQL/MariaDB text.

use wayfare_chassis::db::Migration;

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "bookings",
        sqlite: include_str!("0001_bookings.sqlite.sql"),
        mysql: include_str!("0001_bookings.mysql.sql"),
    },
    Migration {
        version: 2,
        name: "booking_charges",
        sqlite: include_str!("0002_booking_charges.sqlite.sql"),
        mysql: include_str!("0002_booking_charges.mysql.sql"),
    },
];
