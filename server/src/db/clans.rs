//! Clans (dòng họ) and units (đơn vị học tập): admin writes, what batch intake looks up and
//! stores, and the scope-filtered reads behind `GET /sync`.
//!
//! Scope: a device receives (and may assess) a clan only when its hamlets cover the hamlet of
//! every household of the clan the server holds (the clan's derived indicators need every
//! member); a hamlet-level unit goes to the devices of its hamlet; a commune-level unit (no
//! hamlet) to the devices whose hamlets cover every hamlet of the commune (every hamlet this
//! server holds: a server serves one commune).

use super::{in_list, next_seq, now, Db, MAX_BINDS};
use hoctap_domain::model::SubjectKind;
use hoctap_domain::protocol::{ClanRecord, UnitKind, UnitRecord};
use hoctap_domain::text;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use std::collections::{BTreeMap, HashMap};

/// Key under which clan and unit names are compared (case and diacritics ignored).
pub fn name_key(name: &str) -> String {
    text::fold(&text::clean(name))
}

/// The households of clans, by clan id (ids as stored, including households the server has
/// not received yet), in a stable order.
async fn clan_links(
    conn: &mut AnyConnection,
    clan_ids: &[&str],
) -> Result<HashMap<String, Vec<String>>, sqlx::Error> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for chunk in clan_ids.chunks(MAX_BINDS) {
        let sql = format!(
            "SELECT clan_id, household_id FROM clan_households WHERE clan_id IN ({})
             ORDER BY clan_id, household_id",
            in_list(chunk.len())
        );
        // Only numbered placeholders are formatted into the SQL.
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(*id);
        }
        for r in query.fetch_all(&mut *conn).await? {
            out.entry(r.try_get(0)?).or_default().push(r.try_get(1)?);
        }
    }
    Ok(out)
}

/// A clan as the server holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldClan {
    pub name: String,
    pub origin: String,
    /// Every linked household id (some may not be held yet).
    pub households: Vec<String>,
}

/// The held clans among `ids`.
pub async fn held_clans(
    conn: &mut AnyConnection,
    ids: &[&str],
) -> Result<HashMap<String, HeldClan>, sqlx::Error> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(MAX_BINDS) {
        let sql = format!(
            "SELECT id, name, origin FROM clans WHERE id IN ({})",
            in_list(chunk.len())
        );
        // Only numbered placeholders are formatted into the SQL.
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(*id);
        }
        for r in query.fetch_all(&mut *conn).await? {
            out.insert(
                r.try_get::<String, _>(0)?,
                HeldClan {
                    name: r.try_get(1)?,
                    origin: r.try_get(2)?,
                    households: Vec::new(),
                },
            );
        }
    }
    let found: Vec<String> = out.keys().cloned().collect();
    let found: Vec<&str> = found.iter().map(String::as_str).collect();
    let mut links = clan_links(conn, &found).await?;
    for (id, clan) in out.iter_mut() {
        clan.households = links.remove(id).unwrap_or_default();
    }
    Ok(out)
}

/// A clan to store: inserted when new; otherwise its households are added (never removed) and
/// its name changed only when `rename`.
#[derive(Debug, Clone)]
pub struct ClanWrite {
    pub id: String,
    pub name: String,
    pub origin: String,
    pub new: bool,
    pub rename: bool,
    /// Households to link (already linked ones are kept as they are).
    pub households: Vec<String>,
}

/// Store clans, each with a new change number (devices in scope receive it again).
pub async fn write_clans(
    conn: &mut AnyConnection,
    writes: &[ClanWrite],
) -> Result<(), sqlx::Error> {
    for w in writes {
        let seq = next_seq(&mut *conn).await?;
        let stamp = now();
        let name = text::clean(&w.name);
        if w.new {
            sqlx::query(
                "INSERT INTO clans (id, name, name_key, origin, created_at, updated_at, seq)
                 VALUES ($1, $2, $3, $4, $5, $5, $6)",
            )
            .bind(&w.id)
            .bind(&name)
            .bind(name_key(&name))
            .bind(&w.origin)
            .bind(&stamp)
            .bind(seq)
            .execute(&mut *conn)
            .await?;
        } else if w.rename {
            sqlx::query(
                "UPDATE clans SET name = $1, name_key = $2, updated_at = $3, seq = $4
                 WHERE id = $5",
            )
            .bind(&name)
            .bind(name_key(&name))
            .bind(&stamp)
            .bind(seq)
            .bind(&w.id)
            .execute(&mut *conn)
            .await?;
            super::review::reindex_subject(&mut *conn, SubjectKind::Clan, &w.id).await?;
        } else {
            sqlx::query("UPDATE clans SET updated_at = $1, seq = $2 WHERE id = $3")
                .bind(&stamp)
                .bind(seq)
                .bind(&w.id)
                .execute(&mut *conn)
                .await?;
        }
        for household in &w.households {
            link(&mut *conn, &w.id, household).await?;
        }
        // A clan belongs to the commune of its households (the first one's, when a clan
        // spans communes): every staff query is scoped by it.
        sqlx::query(
            "UPDATE clans SET commune_code = (SELECT MIN(t.commune_code) FROM clan_households ch
                 JOIN households h ON h.id = ch.household_id
                 JOIN hamlets t ON t.id = h.hamlet_id WHERE ch.clan_id = $1)
             WHERE id = $1 AND commune_code IS NULL",
        )
        .bind(&w.id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn link(
    conn: &mut AnyConnection,
    clan_id: &str,
    household_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO clan_households (clan_id, household_id) VALUES ($1, $2)
         ON CONFLICT (clan_id, household_id) DO NOTHING",
    )
    .bind(clan_id)
    .bind(household_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Add a clan with its households (ids the caller checked); `None` when a clan of that name
/// (ignoring case and diacritics) exists.
pub async fn add_clan(
    db: &Db,
    name: &str,
    household_ids: &[String],
) -> Result<Option<ClanRecord>, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let name = text::clean(name);
    if sqlx::query("SELECT 1 FROM clans WHERE name_key = $1")
        .bind(name_key(&name))
        .fetch_optional(&mut *tx)
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let rec = ClanRecord {
        id: crate::clock::new_id(),
        name: name.clone(),
        household_ids: household_ids.to_vec(),
    };
    write_clans(
        &mut tx,
        &[ClanWrite {
            id: rec.id.clone(),
            name,
            origin: "admin".into(),
            new: true,
            rename: false,
            households: household_ids.to_vec(),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(Some(rec))
}

/// Link a household to the clan of this name (ignoring case and diacritics), creating the clan
/// when there is none; the clan takes a new change number. For the roster import.
pub async fn link_by_name(
    conn: &mut AnyConnection,
    clan_name: &str,
    household_id: &str,
    origin: &str,
) -> Result<(), sqlx::Error> {
    let name = text::clean(clan_name);
    let held = sqlx::query("SELECT id FROM clans WHERE name_key = $1 ORDER BY created_at, id")
        .bind(name_key(&name))
        .fetch_optional(&mut *conn)
        .await?;
    let (id, new) = match held {
        Some(r) => (r.try_get::<String, _>(0)?, false),
        None => (crate::clock::new_id(), true),
    };
    write_clans(
        conn,
        &[ClanWrite {
            id,
            name,
            origin: origin.to_string(),
            new,
            rename: false,
            households: vec![household_id.to_string()],
        }],
    )
    .await
}

/// The roster import's clan column (`clan` / `dong_ho`): link the roster household with this
/// code in this hamlet — just imported or already held — to the clan of this name, created when
/// there is none, inside the import's transaction. Whether a link was added (`false` when it
/// existed, or when the hamlet does not hold the household).
pub async fn link_roster_household(
    conn: &mut AnyConnection,
    hamlet_id: &str,
    roster_code: &str,
    clan_name: &str,
) -> Result<bool, sqlx::Error> {
    let clan_name = text::clean(clan_name);
    if clan_name.is_empty() {
        return Ok(false);
    }
    let Some(row) =
        sqlx::query("SELECT id FROM households WHERE hamlet_id = $1 AND roster_code = $2")
            .bind(hamlet_id)
            .bind(roster_code)
            .fetch_optional(&mut *conn)
            .await?
    else {
        return Ok(false);
    };
    let household: String = row.try_get(0)?;
    let linked = sqlx::query(
        "SELECT 1 FROM clan_households ch JOIN clans c ON c.id = ch.clan_id
         WHERE ch.household_id = $1 AND c.name_key = $2",
    )
    .bind(&household)
    .bind(name_key(&clan_name))
    .fetch_optional(&mut *conn)
    .await?;
    if linked.is_some() {
        return Ok(false);
    }
    link_by_name(conn, &clan_name, &household, "roster").await?;
    Ok(true)
}

/// A household of a clan as `admin clan list` shows it (`None` fields: not held yet).
#[derive(Debug, Clone, Serialize)]
pub struct ClanHousehold {
    pub id: String,
    pub head: Option<String>,
    pub roster_code: Option<String>,
    pub hamlet: Option<String>,
}

/// A clan as `admin clan list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ClanInfo {
    pub id: String,
    pub name: String,
    pub origin: String,
    pub households: Vec<ClanHousehold>,
    /// Hamlets of its held households, by name: a device must cover all of them.
    pub hamlets: Vec<String>,
}

/// Every clan, by name.
pub async fn clans(db: &Db) -> Result<Vec<ClanInfo>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, name, origin FROM clans ORDER BY name_key, id")
        .fetch_all(&db.pool)
        .await?;
    let links = sqlx::query(
        "SELECT ch.clan_id, ch.household_id, h.head, h.roster_code, t.name AS hamlet
         FROM clan_households ch
         LEFT JOIN households h ON h.id = ch.household_id
         LEFT JOIN hamlets t ON t.id = h.hamlet_id
         ORDER BY t.name_key, h.roster_code, h.head, ch.household_id",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut by_clan: HashMap<String, Vec<ClanHousehold>> = HashMap::new();
    for r in &links {
        by_clan
            .entry(r.try_get("clan_id")?)
            .or_default()
            .push(ClanHousehold {
                id: r.try_get("household_id")?,
                head: r.try_get("head")?,
                roster_code: r.try_get("roster_code")?,
                hamlet: r.try_get("hamlet")?,
            });
    }
    rows.iter()
        .map(|r| {
            let id: String = r.try_get("id")?;
            let households = by_clan.remove(&id).unwrap_or_default();
            let mut hamlets: Vec<String> =
                households.iter().filter_map(|h| h.hamlet.clone()).collect();
            hamlets.dedup();
            Ok(ClanInfo {
                id,
                name: r.try_get("name")?,
                origin: r.try_get("origin")?,
                households,
                hamlets,
            })
        })
        .collect()
}

/// The hamlet names of the held households of clans, by clan id (for listings).
pub async fn clan_hamlet_names(db: &Db) -> Result<BTreeMap<String, Vec<String>>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT DISTINCT ch.clan_id, t.name, t.name_key FROM clan_households ch
         JOIN households h ON h.id = ch.household_id
         JOIN hamlets t ON t.id = h.hamlet_id
         ORDER BY ch.clan_id, t.name_key",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &rows {
        out.entry(r.try_get(0)?).or_default().push(r.try_get(1)?);
    }
    Ok(out)
}

/// The clans visible to a device changed after `cursor`, in change order, at most `limit`:
/// those with at least one held household and every held household in the device's hamlets.
pub async fn clan_changes(
    conn: &mut AnyConnection,
    device_id: &str,
    cursor: i64,
    limit: i64,
) -> Result<Vec<(i64, ClanRecord)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT c.id, c.name, c.seq FROM clans c
         WHERE c.seq > $2
           AND EXISTS (SELECT 1 FROM clan_households ch
                       JOIN households h ON h.id = ch.household_id
                       WHERE ch.clan_id = c.id)
           AND NOT EXISTS (
               SELECT 1 FROM clan_households ch
               JOIN households h ON h.id = ch.household_id
               WHERE ch.clan_id = c.id AND NOT EXISTS (
                   SELECT 1 FROM device_hamlets d
                   WHERE d.device_id = $1 AND d.hamlet_id = h.hamlet_id))
         ORDER BY c.seq LIMIT $3",
    )
    .bind(device_id)
    .bind(cursor)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let ids: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String, _>("id"))
        .collect::<Result<_, _>>()?;
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let mut links = clan_links(conn, &id_refs).await?;
    rows.iter()
        .map(|r| {
            let id: String = r.try_get("id")?;
            let household_ids = links.remove(&id).unwrap_or_default();
            Ok((
                r.try_get("seq")?,
                ClanRecord {
                    id,
                    name: r.try_get("name")?,
                    household_ids,
                },
            ))
        })
        .collect()
}

fn unit_from(r: &AnyRow) -> Result<UnitRecord, sqlx::Error> {
    Ok(UnitRecord {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        kind: super::code(r, "kind")?,
        hamlet_id: r.try_get("hamlet_id")?,
        commune_code: r.try_get("commune_code")?,
    })
}

/// A unit as the server holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldUnit {
    pub unit: UnitRecord,
    pub origin: String,
}

/// The held units among `ids`.
pub async fn held_units(
    conn: &mut AnyConnection,
    ids: &[&str],
) -> Result<HashMap<String, HeldUnit>, sqlx::Error> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(MAX_BINDS) {
        let sql = format!(
            "SELECT id, name, kind, hamlet_id, commune_code, origin FROM units WHERE id IN ({})",
            in_list(chunk.len())
        );
        // Only numbered placeholders are formatted into the SQL.
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(*id);
        }
        for r in query.fetch_all(&mut *conn).await? {
            let unit = unit_from(&r)?;
            out.insert(
                unit.id.clone(),
                HeldUnit {
                    unit,
                    origin: r.try_get("origin")?,
                },
            );
        }
    }
    Ok(out)
}

/// A unit to store: inserted when new; otherwise its name and kind are changed only when
/// `rename` (a unit is never moved to another hamlet by a device).
#[derive(Debug, Clone)]
pub struct UnitWrite {
    pub unit: UnitRecord,
    pub origin: String,
    pub new: bool,
    pub rename: bool,
}

/// Store units, each with a new change number.
pub async fn write_units(
    conn: &mut AnyConnection,
    writes: &[UnitWrite],
) -> Result<(), sqlx::Error> {
    for w in writes {
        let seq = next_seq(&mut *conn).await?;
        let stamp = now();
        let name = text::clean(&w.unit.name);
        if w.new {
            sqlx::query(
                "INSERT INTO units (id, name, name_key, kind, hamlet_id, commune_code, origin,
                     created_at, updated_at, seq)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)",
            )
            .bind(&w.unit.id)
            .bind(&name)
            .bind(name_key(&name))
            .bind(w.unit.kind.code())
            .bind(&w.unit.hamlet_id)
            .bind(&w.unit.commune_code)
            .bind(&w.origin)
            .bind(&stamp)
            .bind(seq)
            .execute(&mut *conn)
            .await?;
        } else if w.rename {
            sqlx::query(
                "UPDATE units SET name = $1, name_key = $2, kind = $3, updated_at = $4, seq = $5
                 WHERE id = $6",
            )
            .bind(&name)
            .bind(name_key(&name))
            .bind(w.unit.kind.code())
            .bind(&stamp)
            .bind(seq)
            .bind(&w.unit.id)
            .execute(&mut *conn)
            .await?;
            super::review::reindex_subject(&mut *conn, SubjectKind::Unit, &w.unit.id).await?;
        }
    }
    Ok(())
}

/// Add a unit in a hamlet (or at commune level); `None` when one of that name (ignoring case
/// and diacritics) is already in the same place.
pub async fn add_unit(
    db: &Db,
    name: &str,
    kind: UnitKind,
    hamlet_id: Option<&str>,
    commune_code: Option<&str>,
) -> Result<Option<UnitRecord>, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let name = text::clean(name);
    let same = match hamlet_id {
        Some(hamlet) => {
            sqlx::query("SELECT 1 FROM units WHERE name_key = $1 AND hamlet_id = $2")
                .bind(name_key(&name))
                .bind(hamlet)
                .fetch_optional(&mut *tx)
                .await?
        }
        None => {
            sqlx::query(
                "SELECT 1 FROM units WHERE name_key = $1 AND hamlet_id IS NULL
                 AND commune_code IS NOT DISTINCT FROM $2",
            )
            .bind(name_key(&name))
            .bind(commune_code)
            .fetch_optional(&mut *tx)
            .await?
        }
    };
    if same.is_some() {
        return Ok(None);
    }
    let unit = UnitRecord {
        id: crate::clock::new_id(),
        name,
        kind,
        hamlet_id: hamlet_id.map(str::to_string),
        commune_code: commune_code.map(str::to_string),
    };
    write_units(
        &mut tx,
        &[UnitWrite {
            unit: unit.clone(),
            origin: "admin".into(),
            new: true,
            rename: false,
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(Some(unit))
}

/// A unit as `admin unit list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct UnitInfo {
    #[serde(flatten)]
    pub unit: UnitRecord,
    /// The hamlet's name; `None` for a commune-level unit.
    pub hamlet: Option<String>,
    pub origin: String,
}

/// Every unit: commune-level first, then by hamlet, then by name.
pub async fn units(db: &Db) -> Result<Vec<UnitInfo>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT u.id, u.name, u.kind, u.hamlet_id, u.commune_code, u.origin, t.name AS hamlet
         FROM units u LEFT JOIN hamlets t ON t.id = u.hamlet_id
         ORDER BY CASE WHEN u.hamlet_id IS NULL THEN 0 ELSE 1 END, t.name_key, u.name_key, u.id",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(UnitInfo {
                unit: unit_from(r)?,
                hamlet: r.try_get("hamlet")?,
                origin: r.try_get("origin")?,
            })
        })
        .collect()
}

/// The units visible to a device changed after `cursor`, in change order, at most `limit`:
/// units of its hamlets, and commune-level units when its hamlets are every hamlet.
pub async fn unit_changes(
    conn: &mut AnyConnection,
    device_id: &str,
    cursor: i64,
    limit: i64,
) -> Result<Vec<(i64, UnitRecord)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT u.id, u.name, u.kind, u.hamlet_id, u.commune_code, u.seq FROM units u
         WHERE u.seq > $2 AND (
             EXISTS (SELECT 1 FROM device_hamlets d
                     WHERE d.device_id = $1 AND d.hamlet_id = u.hamlet_id)
             OR (u.hamlet_id IS NULL AND NOT EXISTS (
                 SELECT 1 FROM hamlets t WHERE NOT EXISTS (
                     SELECT 1 FROM device_hamlets d
                     WHERE d.device_id = $1 AND d.hamlet_id = t.id))))
         ORDER BY u.seq LIMIT $3",
    )
    .bind(device_id)
    .bind(cursor)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("seq")?, unit_from(r)?)))
        .collect()
}

/// Every hamlet id of a commune (a commune-level unit needs all of them).
pub async fn all_hamlets(
    conn: &mut AnyConnection,
    commune: Option<&str>,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query("SELECT id FROM hamlets WHERE commune_code = $1 OR $1 IS NULL ORDER BY id")
        .bind(commune)
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect()
}

/// A household an admin names (`admin clan add --household`).
#[derive(Debug, Clone, Serialize)]
pub struct NamedHousehold {
    pub id: String,
    pub head: String,
    pub roster_code: Option<String>,
    pub hamlet: String,
}

/// The households a name given on the command line may mean: by id, or by roster code (in
/// `hamlet_id` only, when given).
pub async fn households_named(
    db: &Db,
    id_or_code: &str,
    hamlet_id: Option<&str>,
) -> Result<Vec<NamedHousehold>, sqlx::Error> {
    let rows = match hamlet_id {
        Some(hamlet) => {
            sqlx::query(
                "SELECT h.id, h.head, h.roster_code, t.name AS hamlet FROM households h
                 JOIN hamlets t ON t.id = h.hamlet_id
                 WHERE h.hamlet_id = $1 AND (h.roster_code = $2 OR h.id = $2)",
            )
            .bind(hamlet)
            .bind(id_or_code)
            .fetch_all(&db.pool)
            .await?
        }
        None => {
            sqlx::query(
                "SELECT h.id, h.head, h.roster_code, t.name AS hamlet FROM households h
                 JOIN hamlets t ON t.id = h.hamlet_id
                 WHERE h.id = $1 OR h.roster_code = $1
                 ORDER BY t.name_key, h.id",
            )
            .bind(id_or_code)
            .fetch_all(&db.pool)
            .await?
        }
    };
    rows.iter()
        .map(|r| {
            Ok(NamedHousehold {
                id: r.try_get("id")?,
                head: r.try_get("head")?,
                roster_code: r.try_get("roster_code")?,
                hamlet: r.try_get("hamlet")?,
            })
        })
        .collect()
}
