//! flight's schema; each version has a SQLite and a MySQL/MariaDB text. A seat is held or
//! sold at most once because `seat_holds` has one row per (flight, seat): the primary key is
//! the constraint, not an application check. A released seat's row is deleted.

use wayfare_chassis::db::Migration;

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "flights",
        sqlite: include_str!("0001_flights.sqlite.sql"),
        mysql: include_str!("0001_flights.mysql.sql"),
    },
    // The connecting flight of a one-stop search is found by (hub, destination, departure
    // window): with only (origin, departure_at) MySQL scanned every flight into the
    // destination for each first leg.
    Migration {
        version: 2,
        name: "flights_route",
        sqlite: include_str!("0002_flights_route.sqlite.sql"),
        mysql: include_str!("0002_flights_route.mysql.sql"),
    },
    // A version per flight for the back office's conditional edits (ETag / If-Match), and
    // flights by departure for its schedule list.
    Migration {
        version: 3,
        name: "admin_versions",
        sqlite: include_str!("0003_admin_versions.sqlite.sql"),
        mysql: include_str!("0003_admin_versions.mysql.sql"),
    },
];
