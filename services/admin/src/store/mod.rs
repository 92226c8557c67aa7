//! admin's table: the audit log. Append-only: this module inserts and reads; nothing in the
//! service updates or deletes an entry. Plain SQL that runs unchanged on SQLite and MySQL.

use sqlx::FromRow;
use wayfare_chassis::db::Db;

use crate::domain::{AuditEntry, AuditFilter};

#[derive(FromRow)]
struct EntryRow {
    id: String,
    at: i64,
    actor_id: String,
    actor_email: String,
    action: String,
    target_type: String,
    target_id: String,
    before_state: Option<String>,
    after_state: Option<String>,
    request_id: String,
    client_ip: String,
}

impl From<EntryRow> for AuditEntry {
    fn from(row: EntryRow) -> Self {
        let json = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
        AuditEntry {
            id: row.id,
            at: row.at,
            actor_id: row.actor_id,
            actor_email: row.actor_email,
            action: row.action,
            target_type: row.target_type,
            target_id: row.target_id,
            before: json(row.before_state),
            after: json(row.after_state),
            request_id: row.request_id,
            client_ip: row.client_ip,
        }
    }
}

const COLUMNS: &str = "id, at, actor_id, actor_email, action, target_type, target_id, before_state, after_state, request_id, client_ip";

/// The most characters a stored state may have (the column's size on MySQL).
pub const MAX_STATE_CHARS: usize = 7_500;

/// A state as stored: its JSON, or, when that is longer than the column holds, its top-level
/// scalar fields (ids, names, statuses, amounts) marked `"_truncated": true`.
pub fn state_text(value: &serde_json::Value) -> String {
    let full = value.to_string();
    if full.chars().count() <= MAX_STATE_CHARS {
        return full;
    }
    let mut kept = serde_json::Map::new();
    if let Some(object) = value.as_object() {
        for (key, field) in object {
            let small = !field.is_object() && !field.is_array() && field.to_string().len() <= 200;
            if small {
                kept.insert(key.clone(), field.clone());
            }
        }
    }
    kept.insert("_truncated".into(), serde_json::Value::Bool(true));
    let summary = serde_json::Value::Object(kept).to_string();
    if summary.chars().count() <= MAX_STATE_CHARS {
        summary
    } else {
        r#"{"_truncated":true}"#.to_string()
    }
}

/// Appends one entry.
#[tracing::instrument(level = "debug", skip_all, fields(action = %entry.action))]
pub async fn append(db: &Db, entry: &AuditEntry) -> Result<(), sqlx::Error> {
    let text = |value: &Option<serde_json::Value>| value.as_ref().map(state_text);
    sqlx::query(&format!(
        "INSERT INTO admin_audit_log ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ))
    .bind(&entry.id)
    .bind(entry.at)
    .bind(&entry.actor_id)
    .bind(&entry.actor_email)
    .bind(&entry.action)
    .bind(&entry.target_type)
    .bind(&entry.target_id)
    .bind(text(&entry.before))
    .bind(text(&entry.after))
    .bind(&entry.request_id)
    .bind(&entry.client_ip)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Entries newest first, after the cursor `(at, id)`, filtered; at most `limit`.
pub async fn list(
    db: &Db,
    filter: &AuditFilter,
    after: Option<(i64, String)>,
    limit: u32,
) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let mut sql = format!("SELECT {COLUMNS} FROM admin_audit_log WHERE 1 = 1");
    let mut binds: Vec<Bind> = Vec::new();
    if let Some(actor) = &filter.actor {
        sql.push_str(" AND (actor_id = ? OR actor_email = ?)");
        binds.push(Bind::Text(actor.clone()));
        binds.push(Bind::Text(actor.to_lowercase()));
    }
    if let Some(action) = &filter.action {
        sql.push_str(" AND action = ?");
        binds.push(Bind::Text(action.clone()));
    }
    if let Some(target_type) = &filter.target_type {
        sql.push_str(" AND target_type = ?");
        binds.push(Bind::Text(target_type.clone()));
    }
    if let Some(target_id) = &filter.target_id {
        sql.push_str(" AND target_id = ?");
        binds.push(Bind::Text(target_id.clone()));
    }
    if let Some(from) = filter.from_ms {
        sql.push_str(" AND at >= ?");
        binds.push(Bind::Int(from));
    }
    if let Some(to) = filter.to_ms {
        sql.push_str(" AND at < ?");
        binds.push(Bind::Int(to));
    }
    if let Some((at, id)) = after {
        sql.push_str(" AND (at < ? OR (at = ? AND id < ?))");
        binds.push(Bind::Int(at));
        binds.push(Bind::Int(at));
        binds.push(Bind::Text(id));
    }
    sql.push_str(" ORDER BY at DESC, id DESC LIMIT ?");
    binds.push(Bind::Int(i64::from(limit)));
    let mut query = sqlx::query(&sql);
    for bind in binds {
        query = match bind {
            Bind::Text(text) => query.bind(text),
            Bind::Int(n) => query.bind(n),
        };
    }
    let rows = query.fetch_all(&db.pool).await?;
    rows.iter()
        .map(|row| EntryRow::from_row(row).map(AuditEntry::from))
        .collect()
}

enum Bind {
    Text(String),
    Int(i64),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_too_big_for_its_column_keeps_its_scalar_fields() {
        let small = serde_json::json!({"id": "p1", "price": 10});
        assert_eq!(state_text(&small), small.to_string());
        let big = serde_json::json!({"id": "p1", "status": "confirmed", "items": vec!["x".repeat(100); 200]});
        let stored: serde_json::Value = serde_json::from_str(&state_text(&big)).unwrap();
        assert_eq!(stored["id"], "p1");
        assert_eq!(stored["status"], "confirmed");
        assert_eq!(stored["_truncated"], true);
        assert!(stored.get("items").is_none());
    }
}
