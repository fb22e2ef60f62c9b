//! Households and members as batch intake sees them: held ones with their hamlet and origin,
//! and the aliases that resolve a device's own id for a household (or member) to the one the
//! server already held (see `intake`: a device that worked before enrolling sends households it
//! made itself, some of them already on the roster).

use super::{in_list, next_seq, now, MAX_BINDS};
use hoctap_domain::protocol::HouseholdRecord;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use std::collections::{HashMap, HashSet};

/// Where a held household is and who made it (`roster`, `device:<id>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldHousehold {
    pub hamlet: String,
    pub origin: String,
}

impl HeldHousehold {
    /// Whether a device made it (`device:<id>`), not the roster.
    pub fn made_by_device(&self) -> bool {
        self.origin.starts_with("device:")
    }
}

/// The held households among `ids`.
pub async fn held_households(
    conn: &mut AnyConnection,
    ids: &[&str],
) -> Result<HashMap<String, HeldHousehold>, sqlx::Error> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(MAX_BINDS) {
        let sql = format!(
            "SELECT id, hamlet_id, origin FROM households WHERE id IN ({})",
            in_list(chunk.len())
        );
        // Only numbered placeholders are formatted into the SQL.
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(*id);
        }
        for r in query.fetch_all(&mut *conn).await? {
            out.insert(
                r.try_get(0)?,
                HeldHousehold {
                    hamlet: r.try_get(1)?,
                    origin: r.try_get(2)?,
                },
            );
        }
    }
    Ok(out)
}

async fn aliases(
    conn: &mut AnyConnection,
    table_and_target: &str,
    ids: &[&str],
) -> Result<HashMap<String, String>, sqlx::Error> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(MAX_BINDS) {
        let sql = format!(
            "SELECT alias_id, {table_and_target} WHERE alias_id IN ({})",
            in_list(chunk.len())
        );
        // Only a fixed column/table pair and numbered placeholders are formatted into the SQL.
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

/// The household aliases among `ids`: alias → the held household it resolves to.
pub async fn household_aliases(
    conn: &mut AnyConnection,
    ids: &[&str],
) -> Result<HashMap<String, String>, sqlx::Error> {
    aliases(conn, "household_id FROM household_aliases", ids).await
}

/// The member aliases among `ids`: alias → the held member it resolves to.
pub async fn member_aliases(
    conn: &mut AnyConnection,
    ids: &[&str],
) -> Result<HashMap<String, String>, sqlx::Error> {
    aliases(conn, "member_id FROM member_aliases", ids).await
}

/// A household of a hamlet, for finding the one a device-created household duplicates.
#[derive(Debug, Clone)]
pub struct HamletHousehold {
    pub id: String,
    pub head: String,
    pub roster_code: Option<String>,
    pub origin: String,
}

/// Every household of a hamlet.
pub async fn hamlet_households(
    conn: &mut AnyConnection,
    hamlet_id: &str,
) -> Result<Vec<HamletHousehold>, sqlx::Error> {
    sqlx::query("SELECT id, head, roster_code, origin FROM households WHERE hamlet_id = $1")
        .bind(hamlet_id)
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| {
            Ok(HamletHousehold {
                id: r.try_get(0)?,
                head: r.try_get(1)?,
                roster_code: r.try_get(2)?,
                origin: r.try_get(3)?,
            })
        })
        .collect()
}

/// A held household with every member (removed ones too), and which members are removed.
#[derive(Debug, Clone)]
pub struct HeldRecord {
    pub record: HouseholdRecord,
    pub removed: HashSet<String>,
}

/// A held household with its members (removed ones too), as a record.
pub async fn household_record(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<HeldRecord>, sqlx::Error> {
    let Some(r) = sqlx::query(
        "SELECT id, hamlet_id, head, address, phone, roster_code FROM households WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let all = super::roster::all_members_of(&mut *conn, id).await?;
    let removed = all
        .iter()
        .filter(|(_, removed)| *removed)
        .map(|(m, _)| m.id.clone())
        .collect();
    Ok(Some(HeldRecord {
        record: HouseholdRecord {
            id: r.try_get("id")?,
            hamlet_id: r.try_get("hamlet_id")?,
            head: r.try_get("head")?,
            address: r.try_get("address")?,
            phone: r.try_get("phone")?,
            roster_code: r.try_get("roster_code")?,
            members: all.into_iter().map(|(m, _)| m).collect(),
        },
        removed,
    }))
}

/// Record aliases made by a device: (alias, target) households and members. A clan that named
/// an aliased household by the device's id now names the held one, and takes a new change
/// number so devices in scope receive it.
pub async fn write_aliases(
    conn: &mut AnyConnection,
    device_id: &str,
    households: &[(String, String)],
    members: &[(String, String)],
) -> Result<(), sqlx::Error> {
    let stamp = now();
    for (alias, target) in households {
        sqlx::query(
            "INSERT INTO household_aliases (alias_id, household_id, device_id, created_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT (alias_id) DO NOTHING",
        )
        .bind(alias)
        .bind(target)
        .bind(device_id)
        .bind(&stamp)
        .execute(&mut *conn)
        .await?;
        let clans = sqlx::query("SELECT clan_id FROM clan_households WHERE household_id = $1")
            .bind(alias)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<Result<Vec<_>, _>>()?;
        for clan in clans {
            sqlx::query(
                "INSERT INTO clan_households (clan_id, household_id) VALUES ($1, $2)
                 ON CONFLICT (clan_id, household_id) DO NOTHING",
            )
            .bind(&clan)
            .bind(target)
            .execute(&mut *conn)
            .await?;
            sqlx::query("DELETE FROM clan_households WHERE clan_id = $1 AND household_id = $2")
                .bind(&clan)
                .bind(alias)
                .execute(&mut *conn)
                .await?;
            let seq = next_seq(&mut *conn).await?;
            sqlx::query("UPDATE clans SET seq = $1, updated_at = $2 WHERE id = $3")
                .bind(seq)
                .bind(&stamp)
                .bind(&clan)
                .execute(&mut *conn)
                .await?;
        }
    }
    for (alias, target) in members {
        sqlx::query(
            "INSERT INTO member_aliases (alias_id, member_id, device_id, created_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT (alias_id) DO NOTHING",
        )
        .bind(alias)
        .bind(target)
        .bind(device_id)
        .bind(&stamp)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
