//! Enrollment codes (stored as hashes, one-time, expiring), devices with their token hash and
//! hamlet scope, revocation and heartbeats.

use super::{now, Db};
use hoctap_domain::assessment::sha256_hex;
use hoctap_domain::protocol::{HamletRecord, Heartbeat};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

/// Normalise a typed enrollment code: upper case, without spaces or dashes.
pub fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Store a new code's hash with the hamlets it grants.
pub async fn add_enroll_code(
    db: &Db,
    code: &str,
    hamlet_ids: &[String],
    expires_at: &str,
) -> Result<(), sqlx::Error> {
    let hash = sha256_hex(normalize_code(code).as_bytes());
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO enroll_codes (code_sha256, created_at, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(&hash)
    .bind(now())
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    for id in hamlet_ids {
        sqlx::query("INSERT INTO enroll_code_hamlets (code_sha256, hamlet_id) VALUES ($1, $2)")
            .bind(&hash)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

/// A device enrolled with a code.
pub struct Enrolled {
    pub device_id: String,
    pub hamlets: Vec<HamletRecord>,
}

/// Use a code: `None` when it is unknown, used or expired. The device gets the code's hamlets.
pub async fn enroll(
    db: &Db,
    code: &str,
    token_sha256: &str,
    name: Option<&str>,
    app_version: Option<&str>,
) -> Result<Option<Enrolled>, sqlx::Error> {
    let hash = sha256_hex(normalize_code(code).as_bytes());
    let device_id = uuid::Uuid::now_v7().to_string();
    let stamp = now();
    let mut tx = db.begin_write().await?;
    let used = sqlx::query(
        "UPDATE enroll_codes SET used_at = $1, device_id = $2
         WHERE code_sha256 = $3 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(&stamp)
    .bind(&device_id)
    .bind(&hash)
    .execute(&mut *tx)
    .await?;
    if used.rows_affected() != 1 {
        return Ok(None);
    }
    sqlx::query(
        "INSERT INTO devices (id, token_sha256, name, app_version, enrolled_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&device_id)
    .bind(token_sha256)
    .bind(name)
    .bind(app_version)
    .bind(&stamp)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO device_hamlets (device_id, hamlet_id)
         SELECT $1, hamlet_id FROM enroll_code_hamlets WHERE code_sha256 = $2",
    )
    .bind(&device_id)
    .bind(&hash)
    .execute(&mut *tx)
    .await?;
    // The device belongs to the commune of its hamlets (an enrollment code never spans two).
    sqlx::query(
        "UPDATE devices SET commune_code = (SELECT MIN(t.commune_code) FROM hamlets t
             JOIN device_hamlets d ON d.hamlet_id = t.id WHERE d.device_id = $1)
         WHERE id = $1",
    )
    .bind(&device_id)
    .execute(&mut *tx)
    .await?;
    let rows = sqlx::query(
        "SELECT t.id, t.name, t.kind, t.commune_code, t.center_lat, t.center_lon, t.radius_km
         FROM hamlets t
         JOIN device_hamlets d ON d.hamlet_id = t.id WHERE d.device_id = $1 ORDER BY t.name_key",
    )
    .bind(&device_id)
    .fetch_all(&mut *tx)
    .await?;
    let hamlets = rows
        .iter()
        .map(|r| {
            Ok(HamletRecord {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                kind: super::code(r, "kind")?,
                commune_code: r.try_get("commune_code")?,
                place: super::places::place_from(r)?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    tx.commit().await?;
    Ok(Some(Enrolled { device_id, hamlets }))
}

/// The commune a device belongs to (its hamlets').
pub async fn commune_of(
    conn: &mut AnyConnection,
    device_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query("SELECT commune_code FROM devices WHERE id = $1")
        .bind(device_id)
        .fetch_optional(conn)
        .await?;
    Ok(match row {
        Some(r) => r.try_get("commune_code")?,
        None => None,
    })
}

/// An authenticated device: its id and the hamlets it may act in.
#[derive(Debug, Clone)]
pub struct DeviceAuth {
    pub id: String,
    pub hamlets: Vec<String>,
}

impl DeviceAuth {
    /// Whether the device may act in a hamlet.
    pub fn may_act_in(&self, hamlet_id: &str) -> bool {
        self.hamlets.iter().any(|h| h == hamlet_id)
    }
}

/// Look a device up by its token hash; `None` for unknown or revoked tokens.
pub async fn authenticate(db: &Db, token_sha256: &str) -> Result<Option<DeviceAuth>, sqlx::Error> {
    let Some(row) =
        sqlx::query("SELECT id FROM devices WHERE token_sha256 = $1 AND revoked_at IS NULL")
            .bind(token_sha256)
            .fetch_optional(&db.pool)
            .await?
    else {
        return Ok(None);
    };
    let id: String = row.try_get(0)?;
    let hamlets = sqlx::query("SELECT hamlet_id FROM device_hamlets WHERE device_id = $1")
        .bind(&id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(DeviceAuth { id, hamlets }))
}

/// Record a heartbeat.
pub async fn heartbeat(db: &Db, device_id: &str, hb: &Heartbeat) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE devices SET last_heartbeat_at = $1, last_seen_at = $1, device_time = $2,
             queue_length = $3, free_bytes = $4, app_version = $5, last_sync = $6
         WHERE id = $7",
    )
    .bind(now())
    .bind(&hb.device_time)
    .bind(i64::try_from(hb.queue_length).unwrap_or(i64::MAX))
    .bind(hb.free_bytes.map(|b| i64::try_from(b).unwrap_or(i64::MAX)))
    .bind(&hb.app_version)
    .bind(&hb.last_sync)
    .bind(device_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// A device as `admin device list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceInfo {
    pub id: String,
    pub name: Option<String>,
    pub app_version: Option<String>,
    pub enrolled_at: String,
    pub revoked: bool,
    pub revoked_at: Option<String>,
    pub hamlets: Vec<String>,
    pub last_heartbeat_at: Option<String>,
    pub device_time: Option<String>,
    pub queue_length: Option<i64>,
    pub free_bytes: Option<i64>,
    pub last_sync: Option<String>,
}

/// Every device, oldest enrollment first.
pub async fn list(db: &Db) -> Result<Vec<DeviceInfo>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, name, app_version, enrolled_at, revoked_at, last_heartbeat_at, device_time,
             queue_length, free_bytes, last_sync FROM devices ORDER BY enrolled_at, id",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let id: String = r.try_get("id")?;
        let hamlets = sqlx::query(
            "SELECT t.name FROM device_hamlets d JOIN hamlets t ON t.id = d.hamlet_id
             WHERE d.device_id = $1 ORDER BY t.name_key",
        )
        .bind(&id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect::<Result<Vec<_>, _>>()?;
        let revoked_at: Option<String> = r.try_get("revoked_at")?;
        out.push(DeviceInfo {
            id,
            name: r.try_get("name")?,
            app_version: r.try_get("app_version")?,
            enrolled_at: r.try_get("enrolled_at")?,
            revoked: revoked_at.is_some(),
            revoked_at,
            hamlets,
            last_heartbeat_at: r.try_get("last_heartbeat_at")?,
            device_time: r.try_get("device_time")?,
            queue_length: r.try_get("queue_length")?,
            free_bytes: r.try_get("free_bytes")?,
            last_sync: r.try_get("last_sync")?,
        });
    }
    Ok(out)
}

/// Revoke a device; `false` when no such device.
pub async fn revoke(db: &Db, id: &str) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE devices SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2")
            .bind(now())
            .bind(id)
            .execute(&db.pool)
            .await?;
    Ok(done.rows_affected() == 1)
}
