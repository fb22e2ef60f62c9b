//! Staff accounts of the back office: who they are, their role and the place it covers
//! (`Scope`), argon2id passwords, browser sessions (the cookie's token is kept only as its
//! SHA-256, each session with its own CSRF token) and the audit trail of every write.

use super::{now, Db};
use hoctap_domain::assessment::sha256_hex;
use rand::RngCore;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

hoctap_domain::coded_enum! {
    /// What a staff member may do, and at which level.
    pub enum Role("staff role") {
        /// Everything in the province: users, targets, review of every commune.
        ProvinceAdmin = "province_admin",
        /// Reads everything in the province; changes nothing.
        ProvinceViewer = "province_viewer",
        /// Everything in one commune, users of that commune included.
        CommuneAdmin = "commune_admin",
        /// Reviews (approves, returns) the commune's assessments.
        CommuneReviewer = "commune_reviewer",
    }
}

impl Role {
    /// What a person reads.
    pub fn label_vi(self) -> &'static str {
        match self {
            Role::ProvinceAdmin => "Quản trị tỉnh",
            Role::ProvinceViewer => "Xem báo cáo tỉnh",
            Role::CommuneAdmin => "Quản trị xã",
            Role::CommuneReviewer => "Cán bộ duyệt xã",
        }
    }

    /// Whether the role belongs to a commune (else to the whole province).
    pub fn is_commune(self) -> bool {
        matches!(self, Role::CommuneAdmin | Role::CommuneReviewer)
    }

    /// May approve and return assessments.
    pub fn may_review(self) -> bool {
        !matches!(self, Role::ProvinceViewer)
    }

    /// May manage staff accounts of its place.
    pub fn may_admin(self) -> bool {
        matches!(self, Role::ProvinceAdmin | Role::CommuneAdmin)
    }
}

/// The place a staff member sees: a whole province, or one commune of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Scope {
    pub province: String,
    /// `None`: every commune of the province.
    pub commune: Option<String>,
}

impl Scope {
    /// Whether a row of `commune` is inside the scope.
    pub fn covers(&self, commune: Option<&str>) -> bool {
        match (&self.commune, commune) {
            (None, _) => true,
            (Some(mine), Some(theirs)) => mine == theirs,
            (Some(_), None) => false,
        }
    }

    /// Narrow to one commune, when that commune is inside the scope.
    pub fn narrowed(&self, commune: Option<&str>) -> Option<Scope> {
        match commune {
            None => Some(self.clone()),
            Some(c) if self.covers(Some(c)) => Some(Scope {
                province: self.province.clone(),
                commune: Some(c.to_string()),
            }),
            Some(_) => None,
        }
    }
}

/// A staff member.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Staff {
    pub id: String,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub province_code: String,
    pub commune_code: Option<String>,
    pub disabled: bool,
    pub has_password: bool,
}

impl Staff {
    pub fn scope(&self) -> Scope {
        Scope {
            province: self.province_code.clone(),
            commune: self.commune_code.clone(),
        }
    }
}

const STAFF_COLUMNS: &str = "id, login, display_name, role, province_code, commune_code, \
     disabled_at, password_hash";

fn staff_from(r: &AnyRow) -> Result<Staff, sqlx::Error> {
    Ok(Staff {
        id: r.try_get("id")?,
        login: r.try_get("login")?,
        display_name: r.try_get("display_name")?,
        role: super::code(r, "role")?,
        province_code: r.try_get("province_code")?,
        commune_code: r.try_get("commune_code")?,
        disabled: r.try_get::<Option<String>, _>("disabled_at")?.is_some(),
        has_password: r.try_get::<Option<String>, _>("password_hash")?.is_some(),
    })
}

/// Why a password cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PasswordError {
    #[error("password shorter than {MIN_PASSWORD} characters")]
    TooShort,
    #[error("password hashing failed: {0}")]
    Hash(String),
}

impl PasswordError {
    pub fn message_vi(&self) -> String {
        match self {
            PasswordError::TooShort => format!("Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự"),
            PasswordError::Hash(_) => "Lỗi nội bộ khi lưu mật khẩu".to_string(),
        }
    }
}

/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 10;

/// An argon2id PHC string of `password` (a random salt each time).
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    use argon2::password_hash::PasswordHasher;
    if password.chars().count() < MIN_PASSWORD {
        return Err(PasswordError::TooShort);
    }
    let mut salt = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut salt);
    argon2::Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Whether `password` matches the PHC string `hash` (false for an unreadable hash).
pub fn verify_password(password: &str, hash: &str) -> bool {
    use argon2::password_hash::PasswordVerifier;
    argon2::Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// A login: 3–64 characters of letters, digits, `.`, `_`, `-`, `@`.
pub fn valid_login(login: &str) -> bool {
    (3..=64).contains(&login.chars().count())
        && login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

/// A new staff member.
#[derive(Debug, Clone)]
pub struct NewStaff<'a> {
    pub login: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub province_code: &'a str,
    pub commune_code: Option<&'a str>,
    pub password_hash: Option<String>,
    pub created_by: Option<&'a str>,
}

/// Add a staff member; `None` when the login is taken.
pub async fn add(db: &Db, new: &NewStaff<'_>) -> Result<Option<Staff>, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    // Logins differ by more than letter case (sign-in ignores it).
    let taken = sqlx::query("SELECT 1 FROM staff WHERE lower(login) = lower($1)")
        .bind(new.login)
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        return Ok(None);
    }
    let id = crate::clock::new_id();
    sqlx::query(
        "INSERT INTO staff (id, login, display_name, password_hash, role, province_code,
             commune_code, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&id)
    .bind(new.login)
    .bind(new.display_name)
    .bind(new.password_hash.as_deref())
    .bind(new.role.code())
    .bind(new.province_code)
    .bind(new.commune_code)
    .bind(now())
    .bind(new.created_by)
    .execute(&mut *tx)
    .await?;
    audit(
        &mut tx,
        new.created_by,
        AuditAction::StaffAdded,
        Some(&id),
        Some(&format!("{} ({})", new.login, new.role)),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(Staff {
        id,
        login: new.login.to_string(),
        display_name: new.display_name.to_string(),
        role: new.role,
        province_code: new.province_code.to_string(),
        commune_code: new.commune_code.map(str::to_string),
        disabled: false,
        has_password: new.password_hash.is_some(),
    }))
}

/// A staff member by login.
pub async fn by_login(
    db: &Db,
    login: &str,
) -> Result<Option<(Staff, Option<String>)>, sqlx::Error> {
    // Letter case is ignored (ASCII logins); the exact spelling first (older accounts may
    // differ only by case).
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {STAFF_COLUMNS} FROM staff WHERE lower(login) = lower($1)
         ORDER BY CASE WHEN login = $1 THEN 0 ELSE 1 END LIMIT 1"
    )))
    .bind(login)
    .fetch_optional(&db.pool)
    .await?;
    row.map(|r| Ok((staff_from(&r)?, r.try_get("password_hash")?)))
        .transpose()
}

/// Every staff member inside `scope`, by login.
pub async fn list(db: &Db, scope: &Scope) -> Result<Vec<Staff>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {STAFF_COLUMNS} FROM staff
         WHERE province_code = $1 AND ($2 IS NULL OR commune_code = $2) ORDER BY login"
    )))
    .bind(&scope.province)
    .bind(scope.commune.as_deref())
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(staff_from).collect()
}

/// Set a staff member's password (and end their other sessions); `false` when unknown.
pub async fn set_password(
    db: &Db,
    staff_id: &str,
    hash: &str,
    by: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let done = sqlx::query("UPDATE staff SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(staff_id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query("DELETE FROM staff_sessions WHERE staff_id = $1")
        .bind(staff_id)
        .execute(&mut *tx)
        .await?;
    audit(&mut tx, by, AuditAction::PasswordSet, Some(staff_id), None).await?;
    tx.commit().await?;
    Ok(true)
}

/// How long a session lasts without a new login.
pub const SESSION_HOURS: i64 = 12;

/// A new session: the cookie's token (returned once, kept only hashed) and its CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf: String,
}

fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Start a session for a staff member.
pub async fn start_session(db: &Db, staff_id: &str) -> Result<NewSession, sqlx::Error> {
    let session = NewSession {
        token: random_hex(),
        csrf: random_hex(),
    };
    let created = chrono::Utc::now();
    let expires = created + chrono::Duration::hours(SESSION_HOURS);
    let mut tx = db.begin_write().await?;
    // Expired sessions of anyone are forgotten as new ones start.
    sqlx::query("DELETE FROM staff_sessions WHERE expires_at < $1")
        .bind(now())
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO staff_sessions (token_sha256, staff_id, csrf_token, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(sha256_hex(session.token.as_bytes()))
    .bind(staff_id)
    .bind(&session.csrf)
    .bind(super::stamp(created))
    .bind(super::stamp(expires))
    .execute(&mut *tx)
    .await?;
    audit(&mut tx, Some(staff_id), AuditAction::Login, None, None).await?;
    tx.commit().await?;
    Ok(session)
}

/// The staff member and CSRF token of a live session (an enabled account with a password).
pub async fn session(db: &Db, token: &str) -> Result<Option<(Staff, String)>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT s.id, s.login, s.display_name, s.role, s.province_code, s.commune_code,
             s.disabled_at, s.password_hash, x.csrf_token
         FROM staff_sessions x JOIN staff s ON s.id = x.staff_id
         WHERE x.token_sha256 = $1 AND x.expires_at > $2",
    )
    .bind(sha256_hex(token.as_bytes()))
    .bind(now())
    .fetch_optional(&db.pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let staff = staff_from(&r)?;
    if staff.disabled || !staff.has_password {
        return Ok(None);
    }
    Ok(Some((staff, r.try_get("csrf_token")?)))
}

/// End a session of `staff_id` (a signed-out browser), with its audit line.
pub async fn end_session(db: &Db, token: &str, staff_id: &str) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM staff_sessions WHERE token_sha256 = $1 AND staff_id = $2")
        .bind(sha256_hex(token.as_bytes()))
        .bind(staff_id)
        .execute(&mut *tx)
        .await?;
    audit(&mut tx, Some(staff_id), AuditAction::Logout, None, None).await?;
    tx.commit().await?;
    Ok(())
}

hoctap_domain::coded_enum! {
    /// What the audit trail records.
    pub enum AuditAction("audit action") {
        Login = "login",
        Logout = "logout",
        StaffAdded = "staff_added",
        PasswordSet = "password_set",
        Approved = "approved",
        Returned = "returned",
        BulkApproved = "bulk_approved",
        BulkReturned = "bulk_returned",
        Exported = "exported",
        TargetsLoaded = "targets_loaded",
    }
}

/// Record who did what (inside the transaction that did it).
pub async fn audit(
    conn: &mut sqlx::AnyConnection,
    staff_id: Option<&str>,
    action: AuditAction,
    object_id: Option<&str>,
    detail: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (id, at, staff_id, action, object_id, detail)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(crate::clock::new_id())
    .bind(now())
    .bind(staff_id)
    .bind(action.code())
    .bind(object_id)
    .bind(detail)
    .execute(conn)
    .await?;
    Ok(())
}
