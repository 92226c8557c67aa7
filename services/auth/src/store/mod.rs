//! auth's tables: users and refresh tokens. Plain SQL that runs unchanged on SQLite and
//! MySQL/MariaDB.

use sqlx::{FromRow, Row};
use wayfare_chassis::db::{now_ms, Db};
use wayfare_chassis::error::is_unique_violation;
use wayfare_chassis::identity::Role;

use crate::error::AuthError;

#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub role: Role,
    pub disabled: bool,
    /// Bumped by every change an admin makes (the resource's `ETag`).
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A `users` row as stored (role as text).
#[derive(sqlx::FromRow)]
struct UserRow {
    id: String,
    email: String,
    name: String,
    password_hash: String,
    role: String,
    disabled: i64,
    version: i64,
    created_at: i64,
    updated_at: i64,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        User {
            id: row.id,
            email: row.email,
            name: row.name,
            password_hash: row.password_hash,
            role: Role::parse(&row.role).unwrap_or(Role::Customer),
            disabled: row.disabled != 0,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

fn user_from_row(row: &sqlx::any::AnyRow) -> Result<User, sqlx::Error> {
    UserRow::from_row(row).map(User::from)
}

const USER_COLUMNS: &str =
    "id, email, name, password_hash, role, disabled, version, created_at, updated_at";

#[tracing::instrument(level = "debug", skip(db, password_hash))]
pub async fn insert_user(
    db: &Db,
    email: &str,
    name: &str,
    password_hash: &str,
    role: Role,
) -> Result<User, AuthError> {
    let user = User {
        id: uuid::Uuid::now_v7().to_string(),
        email: email.to_string(),
        name: name.to_string(),
        password_hash: password_hash.to_string(),
        role,
        disabled: false,
        version: 1,
        created_at: now_ms(),
        updated_at: now_ms(),
    };
    let result = sqlx::query("INSERT INTO users (id, email, name, password_hash, role, disabled, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, 1, ?, ?)")
        .bind(&user.id)
        .bind(&user.email)
        .bind(&user.name)
        .bind(&user.password_hash)
        .bind(user.role.as_str())
        .bind(user.created_at)
        .bind(user.updated_at)
        .execute(&db.pool)
        .await;
    match result {
        Ok(_) => Ok(user),
        Err(err) if is_unique_violation(&err) => Err(AuthError::EmailTaken),
        Err(err) => Err(err.into()),
    }
}

#[tracing::instrument(level = "debug", skip(db))]
pub async fn find_user_by_email(db: &Db, email: &str) -> Result<Option<User>, AuthError> {
    let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE email = ?"))
        .bind(email)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|r| user_from_row(&r)).transpose()?)
}

#[tracing::instrument(level = "debug", skip(db))]
pub async fn find_user_by_id(db: &Db, id: &str) -> Result<Option<User>, AuthError> {
    let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|r| user_from_row(&r)).transpose()?)
}

#[derive(Debug)]
pub struct RefreshToken {
    pub id: String,
    pub user_id: String,
    pub family_id: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

#[tracing::instrument(level = "debug", skip(db, token_hash))]
pub async fn insert_refresh_token(
    db: &Db,
    user_id: &str,
    family_id: &str,
    token_hash: &str,
    expires_at: i64,
) -> Result<(), AuthError> {
    sqlx::query("INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at, used_at, revoked_at, created_at) VALUES (?, ?, ?, ?, ?, NULL, NULL, ?)")
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(user_id)
        .bind(family_id)
        .bind(token_hash)
        .bind(expires_at)
        .bind(now_ms())
        .execute(&db.pool)
        .await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip(db, token_hash))]
pub async fn find_refresh_token(
    db: &Db,
    token_hash: &str,
) -> Result<Option<RefreshToken>, AuthError> {
    let row = sqlx::query("SELECT id, user_id, family_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = ?")
        .bind(token_hash)
        .fetch_optional(&db.pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(RefreshToken {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        family_id: row.try_get("family_id")?,
        expires_at: row.try_get("expires_at")?,
        used_at: row.try_get("used_at")?,
        revoked_at: row.try_get("revoked_at")?,
    }))
}

/// Marks a token used if nobody did before; false means it was already used or revoked
/// (a replay, or a race with another refresh of the same token).
#[tracing::instrument(level = "debug", skip(db))]
pub async fn mark_refresh_token_used(db: &Db, id: &str) -> Result<bool, AuthError> {
    let done = sqlx::query("UPDATE refresh_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL")
        .bind(now_ms())
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// What the session a refresh token belongs to has come to.
pub struct FamilyState {
    /// When the session began (its first token, minted at login), Unix ms.
    pub started_at: i64,
    /// Whether any token of the family was revoked (logout, or a detected reuse).
    pub revoked: bool,
}

#[tracing::instrument(level = "debug", skip(db))]
pub async fn family_state(db: &Db, family_id: &str) -> Result<FamilyState, AuthError> {
    // Two plain queries: aggregates over CASE come back as DECIMAL on MySQL, which the
    // portable driver does not read.
    let started_at: Option<i64> = sqlx::query_scalar(
        "SELECT created_at FROM refresh_tokens WHERE family_id = ? ORDER BY created_at LIMIT 1",
    )
    .bind(family_id)
    .fetch_optional(&db.pool)
    .await?;
    let revoked: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM refresh_tokens WHERE family_id = ? AND revoked_at IS NOT NULL",
    )
    .bind(family_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(FamilyState {
        started_at: started_at.unwrap_or(0),
        revoked: revoked > 0,
    })
}

/// Spends `old` and stores its successor in one transaction. False (and nothing stored)
/// when `old` was spent or revoked already: a reuse, or a concurrent refresh that won.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn rotate_refresh_token(
    db: &Db,
    old: &RefreshToken,
    new_token_hash: &str,
    expires_at: i64,
) -> Result<bool, AuthError> {
    let mut tx = db.pool.begin().await?;
    let now = now_ms();
    let spent = sqlx::query(
        "UPDATE refresh_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(&old.id)
    .execute(&mut *tx)
    .await?;
    if spent.rows_affected() != 1 {
        tx.rollback().await?;
        return Ok(false);
    }
    sqlx::query("INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at, used_at, revoked_at, created_at) VALUES (?, ?, ?, ?, ?, NULL, NULL, ?)")
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(&old.user_id)
        .bind(&old.family_id)
        .bind(new_token_hash)
        .bind(expires_at)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

#[tracing::instrument(level = "debug", skip(db))]
pub async fn revoke_family(db: &Db, family_id: &str) -> Result<u64, AuthError> {
    let done = sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL",
    )
    .bind(now_ms())
    .bind(family_id)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected())
}

/// What an admin may filter the user list by.
#[derive(Debug, Default)]
pub struct UserFilter {
    /// A part of the e-mail or the name (case-insensitive).
    pub query: Option<String>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
}

/// Users newest first, after the cursor `(created_at, id)`, filtered.
pub async fn list_users(
    db: &Db,
    filter: &UserFilter,
    after: Option<(i64, String)>,
    limit: u32,
) -> Result<Vec<User>, AuthError> {
    let mut sql = format!("SELECT {USER_COLUMNS} FROM users WHERE 1 = 1");
    let pattern = filter
        .query
        .as_ref()
        .map(|q| format!("%{}%", escape_like(&q.to_lowercase())));
    if pattern.is_some() {
        sql.push_str(" AND (LOWER(email) LIKE ? ESCAPE '!' OR LOWER(name) LIKE ? ESCAPE '!')");
    }
    if filter.role.is_some() {
        sql.push_str(" AND role = ?");
    }
    if filter.disabled.is_some() {
        sql.push_str(" AND disabled = ?");
    }
    if after.is_some() {
        sql.push_str(" AND (created_at < ? OR (created_at = ? AND id < ?))");
    }
    sql.push_str(" ORDER BY created_at DESC, id DESC LIMIT ?");
    let mut query = sqlx::query(&sql);
    if let Some(pattern) = &pattern {
        query = query.bind(pattern.clone()).bind(pattern.clone());
    }
    if let Some(role) = filter.role {
        query = query.bind(role.as_str());
    }
    if let Some(disabled) = filter.disabled {
        query = query.bind(i64::from(disabled));
    }
    if let Some((created_at, id)) = &after {
        query = query.bind(*created_at).bind(*created_at).bind(id.clone());
    }
    let rows = query.bind(i64::from(limit)).fetch_all(&db.pool).await?;
    Ok(rows.iter().map(user_from_row).collect::<Result<_, _>>()?)
}

/// `LIKE` wildcards in user input match themselves (`!` is the escape character).
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '!' | '%' | '_') {
            out.push('!');
        }
        out.push(c);
    }
    out
}

/// A change an admin asks for.
#[derive(Debug, Default)]
pub struct UserChange {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
}

/// Why an admin's change was not made.
#[derive(Debug, PartialEq, Eq)]
pub enum UserChangeRefused {
    NotFound,
    /// The `If-Match` version is not the current one.
    Stale,
    /// It would leave no enabled admin.
    LastAdmin,
}

/// Applies `change` if the user is still at `expected_version` (when given) and it leaves at
/// least one enabled admin. One write transaction: on MySQL the enabled admins' rows are
/// locked while counting, so two admins demoting each other cannot both succeed.
pub async fn change_user(
    db: &Db,
    id: &str,
    change: &UserChange,
    expected_version: Option<i64>,
) -> Result<Result<User, UserChangeRefused>, AuthError> {
    let (_guard, mut tx) = db.begin_write().await?;
    let lock = match db.dialect {
        wayfare_chassis::db::Dialect::MySql => " FOR UPDATE",
        wayfare_chassis::db::Dialect::Sqlite => "",
    };
    let current = sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE id = ?{lock}"
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(current) = current.map(|r| user_from_row(&r)).transpose()? else {
        return Ok(Err(UserChangeRefused::NotFound));
    };
    if expected_version.is_some_and(|v| v != current.version) {
        return Ok(Err(UserChangeRefused::Stale));
    }
    let role = change.role.unwrap_or(current.role);
    let disabled = change.disabled.unwrap_or(current.disabled);
    let stays_admin = role == Role::Admin && !disabled;
    if current.role == Role::Admin && !current.disabled && !stays_admin {
        let admins: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT id FROM users WHERE role = 'admin' AND disabled = 0{lock}"
        ))
        .fetch_all(&mut *tx)
        .await?;
        if !admins.iter().any(|other| other != id) {
            return Ok(Err(UserChangeRefused::LastAdmin));
        }
    }
    let now = now_ms();
    let done = sqlx::query(
        "UPDATE users SET role = ?, disabled = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
    )
    .bind(role.as_str())
    .bind(i64::from(disabled))
    .bind(now)
    .bind(id)
    .bind(current.version)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(Err(UserChangeRefused::Stale));
    }
    if disabled && !current.disabled {
        // A disabled account keeps no session: every refresh token it holds dies now.
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(Ok(User {
        role,
        disabled,
        version: current.version + 1,
        updated_at: now,
        ..current
    }))
}
