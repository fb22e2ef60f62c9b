//! Hamlets, households and members: roster writes (admin imports, device-created households,
//! members added from a device's copy — inserts only: nothing held is overwritten or deleted here,
//! see `roster_changes`) and the incremental, scope-filtered reads behind `GET /sync` (removed
//! members are not sent).

use super::{flag, in_list, next_seq, next_seqs, now, opt_flag, placeholders, Db, MAX_BINDS};
use hoctap_domain::model::{Schooling, Sex};

use hoctap_domain::protocol::{CriteriaRecord, HamletRecord, HouseholdRecord, MemberRecord};
use hoctap_domain::text;
use hoctap_domain::units::HamletKind;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use std::collections::HashMap;

/// Key under which hamlet names are unique within their commune (case and diacritics ignored):
/// `COMMUNE|folded name` (two communes of a province may both have "Thôn 1").
pub fn hamlet_key(commune_code: Option<&str>, name: &str) -> String {
    format!(
        "{}|{}",
        commune_code.unwrap_or(""),
        text::fold(&text::clean(name))
    )
}

/// What a hamlet name given on the command line or by a device may mean.
#[derive(Debug, Clone, PartialEq)]
pub enum HamletMatch {
    One(HamletRecord),
    None,
    /// Several communes of the province have a hamlet of this name: use its id.
    Ambiguous(Vec<HamletRecord>),
}

fn hamlet_from(r: &AnyRow) -> Result<HamletRecord, sqlx::Error> {
    Ok(HamletRecord {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        kind: super::code(r, "kind")?,
        commune_code: r.try_get("commune_code")?,
        place: super::places::place_from(r)?,
    })
}

/// Add a hamlet; `None` when one with the same name (ignoring case and diacritics) exists.
pub async fn add_hamlet(
    db: &Db,
    name: &str,
    kind: HamletKind,
    commune_code: Option<&str>,
) -> Result<Option<HamletRecord>, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let name = text::clean(name);
    let key = hamlet_key(commune_code, &name);
    let exists = sqlx::query("SELECT 1 FROM hamlets WHERE name_key = $1")
        .bind(&key)
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_some() {
        return Ok(None);
    }
    let seq = next_seq(&mut tx).await?;
    let rec = HamletRecord {
        id: uuid::Uuid::now_v7().to_string(),
        name,
        kind,
        commune_code: commune_code.map(str::to_string),
        place: None,
    };
    sqlx::query(
        "INSERT INTO hamlets (id, name, name_key, kind, commune_code, created_at, seq)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&rec.id)
    .bind(&rec.name)
    .bind(&key)
    .bind(rec.kind.code())
    .bind(&rec.commune_code)
    .bind(now())
    .bind(seq)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(rec))
}

/// A hamlet by id, or by name (ignoring case and diacritics): in `commune` when given, else in
/// any commune of the server (ambiguous when several have it).
pub async fn find_hamlet_in(
    db: &Db,
    commune: Option<&str>,
    name_or_id: &str,
) -> Result<HamletMatch, sqlx::Error> {
    const COLUMNS: &str = "id, name, kind, commune_code, center_lat, center_lon, radius_km";
    let by_id = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM hamlets WHERE id = $1"
    )))
    .bind(name_or_id.trim())
    .fetch_optional(&db.pool)
    .await?;
    if let Some(r) = by_id {
        return Ok(HamletMatch::One(hamlet_from(&r)?));
    }
    let rows = match commune {
        Some(c) => {
            sqlx::query(AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM hamlets WHERE name_key = $1"
            )))
            .bind(hamlet_key(Some(c), name_or_id))
            .fetch_all(&db.pool)
            .await?
        }
        None => {
            // Any commune: the key's part after the commune code.
            let suffix = hamlet_key(None, name_or_id);
            let len = i32::try_from(suffix.chars().count()).unwrap_or(i32::MAX);
            sqlx::query(AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM hamlets
                 WHERE substr(name_key, length(name_key) - $1 + 1) = $2 ORDER BY commune_code"
            )))
            .bind(len)
            .bind(&suffix)
            .fetch_all(&db.pool)
            .await?
        }
    };
    let mut found: Vec<HamletRecord> = rows.iter().map(hamlet_from).collect::<Result<_, _>>()?;
    Ok(match found.len() {
        0 => HamletMatch::None,
        1 => HamletMatch::One(found.remove(0)),
        _ => HamletMatch::Ambiguous(found),
    })
}

/// A hamlet by id or name, in the server's default commune (`admin init --commune`) or, on a
/// province server, the one commune that has it; `None` when unknown or ambiguous.
pub async fn find_hamlet(db: &Db, name_or_id: &str) -> Result<Option<HamletRecord>, sqlx::Error> {
    let commune = db.setting("commune").await?;
    Ok(
        match find_hamlet_in(db, commune.as_deref(), name_or_id).await? {
            HamletMatch::One(h) => Some(h),
            HamletMatch::None | HamletMatch::Ambiguous(_) => None,
        },
    )
}

/// Every hamlet, by name.
pub async fn hamlets(db: &Db) -> Result<Vec<HamletRecord>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, name, kind, commune_code, center_lat, center_lon, radius_km FROM hamlets
         ORDER BY name_key",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(hamlet_from).collect()
}

/// The hamlets of the known households among `ids`, by household id.
pub async fn household_hamlets(
    conn: &mut AnyConnection,
    ids: &[&str],
) -> Result<HashMap<String, String>, sqlx::Error> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(MAX_BINDS) {
        let sql = format!(
            "SELECT id, hamlet_id FROM households WHERE id IN ({})",
            in_list(chunk.len())
        );
        // Only numbered placeholders are formatted into the SQL.
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(*id);
        }
        for r in query.fetch_all(&mut *conn).await? {
            out.insert(r.try_get(0)?, r.try_get(1)?);
        }
    }
    Ok(out)
}

/// Where the known members among `ids` live: member id → (household id, hamlet id).
pub async fn member_households(
    conn: &mut AnyConnection,
    ids: &[&str],
) -> Result<HashMap<String, (String, String)>, sqlx::Error> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(MAX_BINDS) {
        let sql = format!(
            "SELECT m.id, m.household_id, h.hamlet_id FROM members m
             JOIN households h ON h.id = m.household_id WHERE m.id IN ({})",
            in_list(chunk.len())
        );
        // Only numbered placeholders are formatted into the SQL.
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(*id);
        }
        for r in query.fetch_all(&mut *conn).await? {
            out.insert(r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?));
        }
    }
    Ok(out)
}

/// The id of the hamlet of `commune` named `name` (ignoring case and diacritics), if any.
pub async fn hamlet_named(
    conn: &mut AnyConnection,
    commune: Option<&str>,
    name: &str,
) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query("SELECT id FROM hamlets WHERE name_key = $1")
        .bind(hamlet_key(commune, name))
        .fetch_optional(conn)
        .await?;
    row.map(|r| r.try_get::<String, _>(0)).transpose()
}

/// Whether a hamlet exists.
pub async fn hamlet_exists(conn: &mut AnyConnection, id: &str) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("SELECT 1 FROM hamlets WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .is_some())
}

/// Whether a roster code is already used in a hamlet.
pub async fn roster_code_exists(
    conn: &mut AnyConnection,
    hamlet_id: &str,
    code: &str,
) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("SELECT 1 FROM households WHERE hamlet_id = $1 AND roster_code = $2")
            .bind(hamlet_id)
            .bind(code)
            .fetch_optional(conn)
            .await?
            .is_some(),
    )
}

fn sex_code(s: Sex) -> &'static str {
    match s {
        Sex::Male => "male",
        Sex::Female => "female",
        Sex::Other => "other",
    }
}

/// Insert a new household with its members. Every row written takes a new change number so
/// devices in the hamlet receive it. Nothing held is changed: a household or member id the
/// server already holds is left as it is (a device's data never overwrites the roster).
pub async fn insert_household(
    conn: &mut AnyConnection,
    rec: &HouseholdRecord,
    origin: &str,
) -> Result<(), sqlx::Error> {
    insert_households(conn, std::slice::from_ref(rec), origin).await
}

/// Columns bound per household row and per member row.
const HOUSEHOLD_COLUMNS: usize = 9;
const MEMBER_COLUMNS: usize = 13;

/// Insert new households with their members, with multi-row statements: the change numbers are
/// taken together (in record order). Ids the server already holds are skipped, never updated.
pub async fn insert_households(
    conn: &mut AnyConnection,
    recs: &[HouseholdRecord],
    origin: &str,
) -> Result<(), sqlx::Error> {
    let Ok(count) = i64::try_from(recs.len()) else {
        return Err(sqlx::Error::Protocol("too many households".into()));
    };
    if count == 0 {
        return Ok(());
    }
    let first = next_seqs(&mut *conn, count).await? - count + 1;
    let stamped: Vec<(i64, &HouseholdRecord)> = (first..).zip(recs).collect();
    let updated_at = now();
    for chunk in stamped.chunks(MAX_BINDS / HOUSEHOLD_COLUMNS) {
        let sql = format!(
            "INSERT INTO households (id, hamlet_id, head, address, phone, roster_code, origin,
                 updated_at, seq)
             VALUES {}
             ON CONFLICT (id) DO NOTHING",
            placeholders(chunk.len(), HOUSEHOLD_COLUMNS)
        );
        // Only numbered placeholders are formatted into the SQL.
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (seq, rec) in chunk {
            query = query
                .bind(rec.id.as_str())
                .bind(rec.hamlet_id.as_str())
                .bind(text::clean(&rec.head))
                .bind(rec.address.as_deref().map(text::clean))
                .bind(rec.phone.as_deref().map(text::clean))
                .bind(rec.roster_code.as_deref())
                .bind(origin)
                .bind(updated_at.as_str())
                .bind(*seq);
        }
        query.execute(&mut *conn).await?;
    }
    let members: Vec<(i64, &str, usize, &MemberRecord)> = stamped
        .iter()
        .flat_map(|(seq, rec)| {
            rec.members
                .iter()
                .enumerate()
                .map(move |(position, m)| (*seq, rec.id.as_str(), position, m))
        })
        .collect();
    for chunk in members.chunks(MAX_BINDS / MEMBER_COLUMNS) {
        insert_members(&mut *conn, chunk).await?;
    }
    Ok(())
}

/// Add members to held households: `(household id, [(position, member)])`. Members whose id
/// the server holds (in any household) are skipped, never moved or overwritten; each household
/// then takes a new change number (with its members) so devices receive it.
pub async fn add_members(
    conn: &mut AnyConnection,
    additions: &[(String, Vec<(usize, MemberRecord)>)],
) -> Result<(), sqlx::Error> {
    for (household, members) in additions {
        if members.is_empty() {
            continue;
        }
        let seq = next_seq(&mut *conn).await?;
        let rows: Vec<(i64, &str, usize, &MemberRecord)> = members
            .iter()
            .map(|(position, m)| (seq, household.as_str(), *position, m))
            .collect();
        for chunk in rows.chunks(MAX_BINDS / MEMBER_COLUMNS) {
            insert_members(&mut *conn, chunk).await?;
        }
        sqlx::query("UPDATE households SET seq = $1, updated_at = $2 WHERE id = $3")
            .bind(seq)
            .bind(now())
            .bind(household)
            .execute(&mut *conn)
            .await?;
        sqlx::query("UPDATE members SET seq = $1 WHERE household_id = $2")
            .bind(seq)
            .bind(household)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Insert members: (change number, household id, position, member) each; an id the server
/// holds already is skipped.
async fn insert_members(
    conn: &mut AnyConnection,
    rows: &[(i64, &str, usize, &MemberRecord)],
) -> Result<(), sqlx::Error> {
    let sql = format!(
        "INSERT INTO members (id, household_id, position, name, birth_year, sex, relation,
             schooling, literate, cdht, cdht_group, unable_to_learn, seq)
         VALUES {}
         ON CONFLICT (id) DO NOTHING",
        placeholders(rows.len(), MEMBER_COLUMNS)
    );
    // Only numbered placeholders are formatted into the SQL.
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for (seq, household_id, position, m) in rows {
        query = query
            .bind(m.id.as_str())
            .bind(*household_id)
            .bind(i64::try_from(*position).unwrap_or(i64::MAX))
            .bind(text::clean(&m.name))
            .bind(m.birth_year.map(i64::from))
            .bind(m.sex.map(sex_code))
            .bind(m.relation.as_deref().map(text::clean))
            .bind(m.schooling.map(Schooling::code))
            .bind(opt_flag(m.literate))
            .bind(opt_flag(m.cdht))
            .bind(m.cdht_group.as_deref().map(text::clean))
            .bind(flag(m.unable_to_learn))
            .bind(*seq);
    }
    query.execute(conn).await?;
    Ok(())
}

/// The members of a household that are not removed, in roster order (what devices receive).
pub(crate) async fn members_of(
    conn: &mut AnyConnection,
    household_id: &str,
) -> Result<Vec<MemberRecord>, sqlx::Error> {
    Ok(all_members_of(conn, household_id)
        .await?
        .into_iter()
        .filter(|(_, removed)| !removed)
        .map(|(m, _)| m)
        .collect())
}

/// Every member of a household, removed ones too (`true`), in roster order.
pub(crate) async fn all_members_of(
    conn: &mut AnyConnection,
    household_id: &str,
) -> Result<Vec<(MemberRecord, bool)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, name, birth_year, sex, relation, schooling, literate, cdht, cdht_group,
             unable_to_learn, removed_at
         FROM members WHERE household_id = $1 ORDER BY position, id",
    )
    .bind(household_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let removed = r.try_get::<Option<String>, _>("removed_at")?.is_some();
            let member = MemberRecord {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                birth_year: r
                    .try_get::<Option<i64>, _>("birth_year")?
                    .and_then(|y| i32::try_from(y).ok()),
                sex: r
                    .try_get::<Option<String>, _>("sex")?
                    .as_deref()
                    .and_then(Sex::from_code),
                relation: r.try_get("relation")?,
                schooling: r
                    .try_get::<Option<String>, _>("schooling")?
                    .as_deref()
                    .and_then(Schooling::from_code),
                literate: r.try_get::<Option<i64>, _>("literate")?.map(|v| v != 0),
                cdht: r.try_get::<Option<i64>, _>("cdht")?.map(|v| v != 0),
                cdht_group: r.try_get("cdht_group")?,
                unable_to_learn: r.try_get::<i64, _>("unable_to_learn")? != 0,
            };
            Ok((member, removed))
        })
        .collect()
}

/// One change page for a device: everything in its hamlets (and every published criteria set,
/// and its own returned assessments) whose change number is above `cursor`.
pub struct ChangePage {
    pub cursor: i64,
    pub more: bool,
    pub hamlets: Vec<HamletRecord>,
    pub households: Vec<HouseholdRecord>,
    pub criteria: Vec<CriteriaRecord>,
    pub returned: Vec<hoctap_domain::protocol::ReturnedRecord>,
    pub clans: Vec<hoctap_domain::protocol::ClanRecord>,
    pub units: Vec<hoctap_domain::protocol::UnitRecord>,
}

enum Change {
    Hamlet(HamletRecord),
    Household(HouseholdRecord),
    Criteria(CriteriaRecord),
    Returned(hoctap_domain::protocol::ReturnedRecord),
    Clan(hoctap_domain::protocol::ClanRecord),
    Unit(hoctap_domain::protocol::UnitRecord),
}

/// Read the changes after `cursor` visible to `device_id`, at most `limit` records.
/// Each kind is read in change order with `limit + 1` rows; merged, the first `limit` are the
/// page, so the new cursor never skips a change.
pub async fn changes(
    db: &Db,
    device_id: &str,
    cursor: i64,
    limit: i64,
) -> Result<ChangePage, sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    let mut all: Vec<(i64, Change)> = Vec::new();
    let rows = sqlx::query(
        "SELECT t.id, t.name, t.kind, t.commune_code, t.center_lat, t.center_lon, t.radius_km,
                t.seq FROM hamlets t
         JOIN device_hamlets d ON d.hamlet_id = t.id AND d.device_id = $1
         WHERE t.seq > $2 ORDER BY t.seq LIMIT $3",
    )
    .bind(device_id)
    .bind(cursor)
    .bind(limit + 1)
    .fetch_all(&mut *conn)
    .await?;
    for r in &rows {
        all.push((r.try_get("seq")?, Change::Hamlet(hamlet_from(r)?)));
    }
    let rows = sqlx::query(
        "SELECT h.id, h.hamlet_id, h.head, h.address, h.phone, h.roster_code, h.seq
         FROM households h
         JOIN device_hamlets d ON d.hamlet_id = h.hamlet_id AND d.device_id = $1
         WHERE h.seq > $2 ORDER BY h.seq LIMIT $3",
    )
    .bind(device_id)
    .bind(cursor)
    .bind(limit + 1)
    .fetch_all(&mut *conn)
    .await?;
    for r in &rows {
        let id: String = r.try_get("id")?;
        let members = members_of(&mut conn, &id).await?;
        all.push((
            r.try_get("seq")?,
            Change::Household(HouseholdRecord {
                id,
                hamlet_id: r.try_get("hamlet_id")?,
                head: r.try_get("head")?,
                address: r.try_get("address")?,
                phone: r.try_get("phone")?,
                roster_code: r.try_get("roster_code")?,
                members,
            }),
        ));
    }
    let rows = sqlx::query(
        "SELECT id, version, sha256, source, seq FROM criteria_sets
         WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(cursor)
    .bind(limit + 1)
    .fetch_all(&mut *conn)
    .await?;
    for r in &rows {
        all.push((
            r.try_get("seq")?,
            Change::Criteria(CriteriaRecord {
                id: r.try_get("id")?,
                version: u32::try_from(r.try_get::<i64, _>("version")?).unwrap_or(0),
                sha256: r.try_get("sha256")?,
                source: r.try_get("source")?,
            }),
        ));
    }
    // Each return of a thread is its own record; clans and units in the device's scope
    // (`db::clans` states the rule).
    for (seq, r) in
        super::assessments::returned_changes(&mut conn, device_id, cursor, limit + 1).await?
    {
        all.push((seq, Change::Returned(r)));
    }
    for (seq, c) in super::clans::clan_changes(&mut conn, device_id, cursor, limit + 1).await? {
        all.push((seq, Change::Clan(c)));
    }
    for (seq, u) in super::clans::unit_changes(&mut conn, device_id, cursor, limit + 1).await? {
        all.push((seq, Change::Unit(u)));
    }
    all.sort_by_key(|(seq, _)| *seq);
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let more = all.len() > limit;
    all.truncate(limit);
    let mut page = ChangePage {
        cursor: all.last().map_or(cursor, |(seq, _)| *seq),
        more,
        hamlets: Vec::new(),
        households: Vec::new(),
        criteria: Vec::new(),
        returned: Vec::new(),
        clans: Vec::new(),
        units: Vec::new(),
    };
    for (_, change) in all {
        match change {
            Change::Hamlet(h) => page.hamlets.push(h),
            Change::Household(h) => page.households.push(h),
            Change::Criteria(c) => page.criteria.push(c),
            Change::Returned(r) => page.returned.push(r),
            Change::Clan(c) => page.clans.push(c),
            Change::Unit(u) => page.units.push(u),
        }
    }
    Ok(page)
}

/// Give every row that has no commune yet (made before `admin init --commune`) this commune:
/// hamlets (and their name keys), units, clans, devices and assessments.
pub async fn assign_commune(db: &Db, commune: &str) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    // Keys of hamlets without a commune start with "|".
    sqlx::query(
        "UPDATE hamlets SET commune_code = $1, name_key = $1 || name_key
         WHERE commune_code IS NULL",
    )
    .bind(commune)
    .execute(&mut *tx)
    .await?;
    for table in ["units", "clans", "devices", "assessments"] {
        // Only a fixed table name is formatted into the SQL.
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE {table} SET commune_code = $1 WHERE commune_code IS NULL"
        )))
        .bind(commune)
        .execute(&mut *tx)
        .await?;
    }
    super::touch_figures(&mut tx).await?;
    tx.commit().await
}
