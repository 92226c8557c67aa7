//! The gateway owns no tables, so it has no migrations; the module exists so every service
//! crate has the same shape.

use wayfare_chassis::db::Migration;

pub const MIGRATIONS: &[Migration] = &[];
