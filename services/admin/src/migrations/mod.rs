//! admin's schema: the audit log, the only data admin owns (everything else it changes
//! through the owning service's internal API).

use wayfare_chassis::db::Migration;

pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "audit_log",
    sqlite: include_str!("0001_audit_log.sqlite.sql"),
    mysql: include_str!("0001_audit_log.mysql.sql"),
}];
