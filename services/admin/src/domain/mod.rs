//! admin's domain: audit entries and their filters, the time ranges staff type, and the CSV
//! export. Checked inputs are parsed here, once.

use serde::Serialize;
use wayfare_chassis::db::rfc3339;
use wayfare_chassis::ApiError;

/// One line of the audit trail: who did what to which thing, with the state before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub id: String,
    /// Unix ms.
    pub at: i64,
    pub actor_id: String,
    pub actor_email: String,
    /// What was done, `<target type>.<verb>`, e.g. `product.update`.
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    /// A JSON summary of the target before the change (none for a creation).
    pub before: Option<serde_json::Value>,
    /// …and after it.
    pub after: Option<serde_json::Value>,
    pub request_id: String,
    pub client_ip: String,
}

/// An audit entry on the wire.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditEntryView {
    pub id: String,
    pub at: String,
    pub actor: ActorView,
    pub action: String,
    pub target: TargetView,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    pub request_id: String,
    pub client_ip: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActorView {
    pub id: String,
    pub email: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TargetView {
    #[serde(rename = "type")]
    pub type_: String,
    pub id: String,
}

impl From<&AuditEntry> for AuditEntryView {
    fn from(e: &AuditEntry) -> Self {
        Self {
            id: e.id.clone(),
            at: rfc3339(e.at),
            actor: ActorView {
                id: e.actor_id.clone(),
                email: e.actor_email.clone(),
            },
            action: e.action.clone(),
            target: TargetView {
                type_: e.target_type.clone(),
                id: e.target_id.clone(),
            },
            before: e.before.clone(),
            after: e.after.clone(),
            request_id: e.request_id.clone(),
            client_ip: e.client_ip.clone(),
        }
    }
}

/// What the audit log can be filtered by.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    /// The actor's user id or e-mail.
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

/// Most characters of one filter value (ids, e-mails and action names are all shorter).
const MAX_FILTER_LEN: usize = 254;

impl AuditFilter {
    /// From the query's raw values. `target` is `type:id`, or just an id.
    pub fn parse(
        actor: Option<String>,
        action: Option<String>,
        target: Option<String>,
        target_type: Option<String>,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Self, ApiError> {
        let clean =
            |field: &'static str, value: Option<String>| -> Result<Option<String>, ApiError> {
                let Some(value) = value
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
                else {
                    return Ok(None);
                };
                if value.chars().count() > MAX_FILTER_LEN {
                    return Err(ApiError::validation(field, "at most 254 characters"));
                }
                Ok(Some(value))
            };
        let (mut target_type, mut target_id) = (clean("target_type", target_type)?, None);
        if let Some(target) = clean("target", target)? {
            match target.split_once(':') {
                Some((kind, id)) if !kind.is_empty() && !id.is_empty() => {
                    target_type = Some(kind.to_string());
                    target_id = Some(id.to_string());
                }
                _ => target_id = Some(target),
            }
        }
        let range = TimeRange::parse_optional(from, to)?;
        Ok(Self {
            actor: clean("actor", actor)?,
            action: clean("action", action)?,
            target_type,
            target_id,
            from_ms: range.from_ms,
            to_ms: range.to_ms,
        })
    }
}

/// A time range from the query: `from` inclusive, `to` exclusive, each an RFC 3339 instant, a
/// date (`2026-11-22`: the day in UTC; as `to` it includes that whole day) or Unix ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

const DAY_MS: i64 = 86_400_000;

impl TimeRange {
    pub fn parse_optional(from: Option<&str>, to: Option<&str>) -> Result<Self, ApiError> {
        let from_ms = from
            .filter(|v| !v.trim().is_empty())
            .map(|v| parse_instant("from", v, false))
            .transpose()?;
        let to_ms = to
            .filter(|v| !v.trim().is_empty())
            .map(|v| parse_instant("to", v, true))
            .transpose()?;
        if let (Some(from), Some(to)) = (from_ms, to_ms) {
            if to <= from {
                return Err(ApiError::validation("to", "must be after from"));
            }
        }
        Ok(Self { from_ms, to_ms })
    }

    /// Both ends, defaulting to the 30 days up to now (the dashboard's default).
    pub fn parse_or_last_30_days(
        from: Option<&str>,
        to: Option<&str>,
        now_ms: i64,
    ) -> Result<(i64, i64), ApiError> {
        let range = Self::parse_optional(from, to)?;
        let to_ms = range.to_ms.unwrap_or(now_ms + 1);
        let from_ms = range.from_ms.unwrap_or(to_ms - 30 * DAY_MS);
        if to_ms <= from_ms {
            return Err(ApiError::validation("from", "must be before to"));
        }
        if to_ms - from_ms > 366 * DAY_MS {
            return Err(ApiError::validation("to", "a range is at most 366 days"));
        }
        Ok((from_ms, to_ms))
    }
}

fn parse_instant(field: &'static str, raw: &str, end: bool) -> Result<i64, ApiError> {
    use time::format_description::well_known::Rfc3339;
    let raw = raw.trim();
    let bad = || {
        ApiError::validation(
            field,
            "an RFC 3339 time (2026-11-22T09:00:00Z), a date (2026-11-22) or Unix milliseconds",
        )
    };
    if let Ok(at) = time::OffsetDateTime::parse(raw, &Rfc3339) {
        return i64::try_from(at.unix_timestamp_nanos() / 1_000_000).map_err(|_| bad());
    }
    let date_format = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(date) = time::Date::parse(raw, &date_format) {
        let start = date.midnight().assume_utc().unix_timestamp() * 1000;
        return Ok(if end { start + DAY_MS } else { start });
    }
    if raw.len() <= 15 && !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
        return raw.parse::<i64>().map_err(|_| bad());
    }
    Err(bad())
}

/// The audit log as CSV (RFC 4180), one row per entry. A cell that a spreadsheet would run as
/// a formula (`=`, `+`, `-`, `@`, tab, CR) is prefixed with `'`, so an export opened in a
/// spreadsheet cannot execute what a user typed into a product name.
pub fn audit_csv(entries: &[AuditEntry]) -> Result<Vec<u8>, ApiError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let internal = |e: csv::Error| ApiError::Internal(e.into());
    writer
        .write_record([
            "at",
            "actor_id",
            "actor_email",
            "action",
            "target_type",
            "target_id",
            "before",
            "after",
            "request_id",
            "client_ip",
        ])
        .map_err(internal)?;
    let json =
        |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string()).unwrap_or_default();
    for e in entries {
        let cells = [
            rfc3339(e.at),
            e.actor_id.clone(),
            e.actor_email.clone(),
            e.action.clone(),
            e.target_type.clone(),
            e.target_id.clone(),
            json(&e.before),
            json(&e.after),
            e.request_id.clone(),
            e.client_ip.clone(),
        ];
        writer
            .write_record(cells.iter().map(|c| defuse_formula(c).into_owned()))
            .map_err(internal)?;
    }
    writer
        .into_inner()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("writing CSV: {e}")))
}

fn defuse_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_ranges_read_dates_instants_and_milliseconds() {
        let range = TimeRange::parse_optional(Some("2026-11-01"), Some("2026-11-01")).unwrap();
        assert_eq!(range.to_ms.unwrap() - range.from_ms.unwrap(), DAY_MS);
        let range =
            TimeRange::parse_optional(Some("2026-11-01T09:00:00+09:00"), Some("1893456000000"))
                .unwrap();
        let midnight = TimeRange::parse_optional(Some("2026-11-01"), None).unwrap();
        assert_eq!(range.from_ms, midnight.from_ms);
        assert_eq!(range.to_ms, Some(1_893_456_000_000));
        assert!(TimeRange::parse_optional(Some("yesterday"), None).is_err());
        assert!(TimeRange::parse_optional(Some("2026-11-02"), Some("2026-11-01")).is_err());
    }

    #[test]
    fn targets_read_type_and_id() {
        let f =
            AuditFilter::parse(None, None, Some("product:p-1".into()), None, None, None).unwrap();
        assert_eq!(f.target_type.as_deref(), Some("product"));
        assert_eq!(f.target_id.as_deref(), Some("p-1"));
        let f = AuditFilter::parse(None, None, Some("p-1".into()), None, None, None).unwrap();
        assert_eq!((f.target_type, f.target_id.as_deref()), (None, Some("p-1")));
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let entry = AuditEntry {
            id: "1".into(),
            at: 0,
            actor_id: "u".into(),
            actor_email: "a@example.com".into(),
            action: "product.update".into(),
            target_type: "product".into(),
            target_id: "p".into(),
            before: Some(serde_json::json!({"name": "a, \"b\""})),
            after: Some(serde_json::json!("=HYPERLINK(\"x\")")),
            request_id: "r".into(),
            client_ip: "127.0.0.1".into(),
        };
        let text = String::from_utf8(audit_csv(&[entry]).unwrap()).unwrap();
        let mut lines = text.lines();
        assert!(lines.next().unwrap().starts_with("at,actor_id"));
        let row = lines.next().unwrap();
        assert!(row.contains(r#""{""name"":""a, \""b\""""}""#), "{row}");
        assert!(!row.contains(",=") && !row.contains(",\"="), "{row}");
    }
}
