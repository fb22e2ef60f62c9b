//! Roster changes: what devices sent that differs from the server's roster, and what staff did
//! about it. Household and member data a device sends never delete or overwrite what the server
//! holds: a member the server lacks is added (recorded as `member_added`, applied at once since
//! it loses nothing); a field with another value, a held member the device's copy no longer
//! lists, and a member listed in another household than the one holding it become *proposals*
//! (`pending`) that staff list (`admin roster changes`), apply or dismiss. Removing a member is
//! always an explicit, recorded action (`admin roster remove-member`, or applying a removal
//! proposal): the member is marked removed, never deleted, so its assessments keep their subject.
//!
//! A proposal is recorded once: its key is the household, member, kind, field, the value held
//! when it was made and the value proposed, so a device sending the same copy again (every
//! entry of a batch carries its household) adds nothing, and a dismissed proposal does not come
//! back until the held value changes.

use super::{next_seq, now, Db};
use hoctap_domain::assessment::sha256_hex;
use hoctap_domain::model::{Schooling, Sex};
use hoctap_domain::protocol::{HouseholdRecord, MemberRecord};
use hoctap_domain::text;
use serde::Serialize;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

hoctap_domain::coded_enum! {
    /// What a roster change is about.
    pub enum ChangeKind("roster change kind") {
        /// A household field sent with another value than the server holds.
        HouseholdField = "household_field",
        /// A member field sent with another value than the server holds.
        MemberField = "member_field",
        /// A member the server did not hold, added from a device's copy (applied at once).
        MemberAdded = "member_added",
        /// A held member a device's copy no longer lists (a proposal), or one staff removed.
        MemberRemoval = "member_removal",
        /// A member a device lists in another household than the one holding it.
        MemberMove = "member_move",
    }
}

hoctap_domain::coded_enum! {
    /// Where a roster change stands.
    pub enum ChangeState("roster change state") {
        /// Waiting for staff.
        Pending = "pending",
        /// Done (by staff, or at once for an added member).
        Applied = "applied",
        /// Refused by staff: the server's value stays.
        Dismissed = "dismissed",
    }
}

hoctap_domain::coded_enum! {
    /// A household or member field a change may be about.
    pub enum RosterField("roster field") {
        Head = "head",
        Address = "address",
        Phone = "phone",
        RosterCode = "roster_code",
        Name = "name",
        BirthYear = "birth_year",
        Sex = "sex",
        Relation = "relation",
        Schooling = "schooling",
        Literate = "literate",
        Cdht = "cdht",
        CdhtGroup = "cdht_group",
        UnableToLearn = "unable_to_learn",
    }
}

impl RosterField {
    /// The column that holds the field (households for the first four, members otherwise).
    fn column(self) -> &'static str {
        self.code()
    }

    fn on_household(self) -> bool {
        matches!(
            self,
            RosterField::Head | RosterField::Address | RosterField::Phone | RosterField::RosterCode
        )
    }
}

/// A change to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewChange {
    pub household_id: String,
    pub member_id: Option<String>,
    pub kind: ChangeKind,
    pub field: Option<RosterField>,
    /// What the server held (JSON), when the change was made.
    pub old_value: Value,
    /// What was sent (JSON).
    pub new_value: Value,
    pub state: ChangeState,
    /// The device that sent it; `None` for staff.
    pub device_id: Option<String>,
}

impl NewChange {
    fn key(&self) -> String {
        sha256_hex(
            serde_json::json!([
                self.household_id,
                self.member_id,
                self.kind,
                self.field,
                self.old_value,
                self.new_value,
            ])
            .to_string()
            .as_bytes(),
        )
    }
}

/// A text as stored: cleaned, `None` when empty.
fn norm(v: Option<&str>) -> Value {
    match v.map(text::clean).filter(|s| !s.is_empty()) {
        Some(s) => Value::String(s),
        None => Value::Null,
    }
}

/// A member's fields as comparable JSON values.
fn member_fields(m: &MemberRecord) -> Vec<(RosterField, Value)> {
    vec![
        (RosterField::Name, norm(Some(&m.name))),
        (RosterField::BirthYear, serde_json::json!(m.birth_year)),
        (RosterField::Sex, serde_json::json!(m.sex)),
        (RosterField::Relation, norm(m.relation.as_deref())),
        (RosterField::Schooling, serde_json::json!(m.schooling)),
        (RosterField::Literate, serde_json::json!(m.literate)),
        (RosterField::Cdht, serde_json::json!(m.cdht)),
        (RosterField::CdhtGroup, norm(m.cdht_group.as_deref())),
        (RosterField::UnableToLearn, Value::Bool(m.unable_to_learn)),
    ]
}

/// A household's own fields as comparable JSON values.
fn household_fields(h: &HouseholdRecord) -> Vec<(RosterField, Value)> {
    vec![
        (RosterField::Head, norm(Some(&h.head))),
        (RosterField::Address, norm(h.address.as_deref())),
        (RosterField::Phone, norm(h.phone.as_deref())),
        (RosterField::RosterCode, norm(h.roster_code.as_deref())),
    ]
}

/// The fields `sent` proposes to change in `held`: (field, held value, sent value).
pub fn household_diffs(
    held: &HouseholdRecord,
    sent: &HouseholdRecord,
) -> Vec<(RosterField, Value, Value)> {
    diffs(household_fields(held), household_fields(sent))
}

/// The fields `sent` proposes to change in member `held`.
pub fn member_diffs(held: &MemberRecord, sent: &MemberRecord) -> Vec<(RosterField, Value, Value)> {
    diffs(member_fields(held), member_fields(sent))
}

fn diffs(
    held: Vec<(RosterField, Value)>,
    sent: Vec<(RosterField, Value)>,
) -> Vec<(RosterField, Value, Value)> {
    held.into_iter()
        .zip(sent)
        .filter(|((_, h), (_, s))| h != s)
        .map(|((f, h), (_, s))| (f, h, s))
        .collect()
}

/// Record changes; one already recorded (same key) is skipped.
pub async fn insert_changes(
    conn: &mut AnyConnection,
    changes: &[NewChange],
) -> Result<(), sqlx::Error> {
    let stamp = now();
    for c in changes {
        sqlx::query(
            "INSERT INTO roster_changes (id, dedup_key, household_id, member_id, kind, field,
                 old_value, new_value, state, device_id, created_at, decided_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (dedup_key) DO NOTHING",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(c.key())
        .bind(&c.household_id)
        .bind(c.member_id.as_deref())
        .bind(c.kind.code())
        .bind(c.field.map(RosterField::code))
        .bind(c.old_value.to_string())
        .bind(c.new_value.to_string())
        .bind(c.state.code())
        .bind(c.device_id.as_deref())
        .bind(&stamp)
        .bind((c.state != ChangeState::Pending).then_some(stamp.as_str()))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A roster change as `admin roster changes` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct RosterChange {
    pub id: String,
    pub kind: ChangeKind,
    pub state: ChangeState,
    pub household_id: String,
    /// The household's head as held now.
    pub household: Option<String>,
    pub hamlet: Option<String>,
    pub member_id: Option<String>,
    /// The member's name as held now.
    pub member: Option<String>,
    pub field: Option<RosterField>,
    pub old_value: Value,
    pub new_value: Value,
    pub device_id: Option<String>,
    pub created_at: String,
    pub decided_at: Option<String>,
    pub decided_by: Option<String>,
    pub note: Option<String>,
}

const SELECT: &str = "SELECT c.id, c.kind, c.state, c.household_id, h.head, t.name AS hamlet,
        c.member_id, m.name AS member, c.field, c.old_value, c.new_value, c.device_id,
        c.created_at, c.decided_at, c.decided_by, c.note
     FROM roster_changes c
     LEFT JOIN households h ON h.id = c.household_id
     LEFT JOIN hamlets t ON t.id = h.hamlet_id
     LEFT JOIN members m ON m.id = c.member_id";

fn json_of(r: &AnyRow, col: &str) -> Result<Value, sqlx::Error> {
    let raw: Option<String> = r.try_get(col)?;
    Ok(raw
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null))
}

fn change_from(r: &AnyRow) -> Result<RosterChange, sqlx::Error> {
    let field: Option<String> = r.try_get("field")?;
    Ok(RosterChange {
        id: r.try_get("id")?,
        kind: super::code(r, "kind")?,
        state: super::code(r, "state")?,
        household_id: r.try_get("household_id")?,
        household: r.try_get("head")?,
        hamlet: r.try_get("hamlet")?,
        member_id: r.try_get("member_id")?,
        member: r.try_get("member")?,
        field: field.as_deref().and_then(RosterField::from_code),
        old_value: json_of(r, "old_value")?,
        new_value: json_of(r, "new_value")?,
        device_id: r.try_get("device_id")?,
        created_at: r.try_get("created_at")?,
        decided_at: r.try_get("decided_at")?,
        decided_by: r.try_get("decided_by")?,
        note: r.try_get("note")?,
    })
}

/// The changes waiting for staff (or every change, `all`), oldest first.
pub async fn list(db: &Db, all: bool) -> Result<Vec<RosterChange>, sqlx::Error> {
    let sql = if all {
        format!("{SELECT} ORDER BY c.created_at, c.id")
    } else {
        format!("{SELECT} WHERE c.state = 'pending' ORDER BY c.created_at, c.id")
    };
    // Only a fixed text is formatted into the SQL.
    let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(&db.pool).await?;
    rows.iter().map(change_from).collect()
}

async fn one(conn: &mut AnyConnection, id: &str) -> Result<Option<RosterChange>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE c.id = $1");
    // Only a fixed text is formatted into the SQL.
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(change_from).transpose()
}

/// Why staff's action on a change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No change, or no member, with that id.
    Unknown,
    /// The change is not pending (applied or dismissed already).
    Decided(ChangeState),
    /// An added member is not a proposal.
    NotAProposal,
    /// The member is removed already.
    Removed,
    /// Applying would give the household a roster code another household of its hamlet has.
    CodeTaken(String),
    /// The household or member the change is about is gone.
    Gone,
}

/// The household a member is in now.
async fn household_of(
    conn: &mut AnyConnection,
    member_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query("SELECT household_id FROM members WHERE id = $1")
        .bind(member_id)
        .fetch_optional(conn)
        .await?
        .map(|r| r.try_get(0))
        .transpose()
}

/// Give a household (and its members) a new change number, so devices pull it again, and
/// index its assessments again.
async fn restamp(conn: &mut AnyConnection, household_id: &str) -> Result<(), sqlx::Error> {
    let seq = next_seq(&mut *conn).await?;
    sqlx::query("UPDATE households SET seq = $1, updated_at = $2 WHERE id = $3")
        .bind(seq)
        .bind(now())
        .bind(household_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE members SET seq = $1 WHERE household_id = $2")
        .bind(seq)
        .bind(household_id)
        .execute(&mut *conn)
        .await?;
    // The queue and exports show the subject's name and roster code kept on each assessment.
    super::review::reindex_household(&mut *conn, household_id).await
}

/// Bind a proposed value to the column of `field` (text, number, 0/1 flag or code).
fn bind_value<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    field: RosterField,
    value: &Value,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    match field {
        RosterField::BirthYear => query.bind(value.as_i64()),
        RosterField::Literate | RosterField::Cdht => query.bind(value.as_bool().map(i64::from)),
        RosterField::UnableToLearn => query.bind(i64::from(value.as_bool().unwrap_or(false))),
        RosterField::Sex => query.bind(
            value
                .as_str()
                .and_then(Sex::from_code)
                .map(|s| s.code().to_string()),
        ),
        RosterField::Schooling => query.bind(
            value
                .as_str()
                .and_then(Schooling::from_code)
                .map(|s| s.code().to_string()),
        ),
        _ => query.bind(value.as_str().map(str::to_string)),
    }
}

/// Mark a member removed (never deleted) and record it; `Err` when it is unknown or removed.
async fn remove(
    conn: &mut AnyConnection,
    member_id: &str,
) -> Result<Result<String, Refusal>, sqlx::Error> {
    let Some(r) = sqlx::query("SELECT household_id, removed_at FROM members WHERE id = $1")
        .bind(member_id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(Err(Refusal::Unknown));
    };
    if r.try_get::<Option<String>, _>(1)?.is_some() {
        return Ok(Err(Refusal::Removed));
    }
    let household: String = r.try_get(0)?;
    sqlx::query("UPDATE members SET removed_at = $1 WHERE id = $2")
        .bind(now())
        .bind(member_id)
        .execute(&mut *conn)
        .await?;
    restamp(&mut *conn, &household).await?;
    Ok(Ok(household))
}

/// Apply a pending proposal (staff's decision); the change as it now reads.
pub async fn apply(
    db: &Db,
    id: &str,
    by: Option<&str>,
) -> Result<Result<RosterChange, Refusal>, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let Some(change) = one(&mut tx, id).await? else {
        return Ok(Err(Refusal::Unknown));
    };
    if change.state != ChangeState::Pending {
        return Ok(Err(Refusal::Decided(change.state)));
    }
    let done = match (change.kind, change.field, change.member_id.as_deref()) {
        (ChangeKind::HouseholdField, Some(field), _) if field.on_household() => {
            if field == RosterField::RosterCode {
                if let Some(code) = change.new_value.as_str() {
                    let taken = sqlx::query(
                        "SELECT 1 FROM households o JOIN households h ON h.hamlet_id = o.hamlet_id
                         WHERE h.id = $1 AND o.id <> $1 AND o.roster_code = $2",
                    )
                    .bind(&change.household_id)
                    .bind(code)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if taken.is_some() {
                        return Ok(Err(Refusal::CodeTaken(code.to_string())));
                    }
                }
            }
            let sql = format!(
                "UPDATE households SET {} = $1 WHERE id = $2",
                field.column()
            );
            // Only a fixed column name (from the field enum) is formatted into the SQL.
            let query = bind_value(sqlx::query(AssertSqlSafe(sql)), field, &change.new_value);
            let n = query
                .bind(&change.household_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 1 {
                restamp(&mut tx, &change.household_id).await?;
            }
            n == 1
        }
        (ChangeKind::MemberField, Some(field), Some(member)) if !field.on_household() => {
            let sql = format!("UPDATE members SET {} = $1 WHERE id = $2", field.column());
            // Only a fixed column name (from the field enum) is formatted into the SQL.
            let query = bind_value(sqlx::query(AssertSqlSafe(sql)), field, &change.new_value);
            let n = query.bind(member).execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                // The member's household now: it may have moved since the proposal.
                let current = household_of(&mut tx, member).await?;
                restamp(&mut tx, current.as_deref().unwrap_or(&change.household_id)).await?;
            }
            n == 1
        }
        (ChangeKind::MemberRemoval, _, Some(member)) => match remove(&mut tx, member).await? {
            Ok(_) => true,
            Err(refusal) => return Ok(Err(refusal)),
        },
        (ChangeKind::MemberMove, _, Some(member)) => {
            let from = household_of(&mut tx, member).await?;
            let exists = sqlx::query("SELECT 1 FROM households WHERE id = $1")
                .bind(&change.household_id)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
            match from {
                Some(from) if exists => {
                    let position: i64 = sqlx::query(
                        "SELECT COALESCE(MAX(position), -1) + 1 FROM members WHERE household_id = $1",
                    )
                    .bind(&change.household_id)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get(0)?;
                    sqlx::query(
                        "UPDATE members SET household_id = $1, position = $2 WHERE id = $3",
                    )
                    .bind(&change.household_id)
                    .bind(position)
                    .bind(member)
                    .execute(&mut *tx)
                    .await?;
                    restamp(&mut tx, &from).await?;
                    restamp(&mut tx, &change.household_id).await?;
                    true
                }
                _ => false,
            }
        }
        _ => return Ok(Err(Refusal::NotAProposal)),
    };
    if !done {
        return Ok(Err(Refusal::Gone));
    }
    decide(&mut tx, id, ChangeState::Applied, by, None).await?;
    let out = one(&mut tx, id).await?;
    tx.commit().await?;
    Ok(out.ok_or(Refusal::Unknown))
}

async fn decide(
    conn: &mut AnyConnection,
    id: &str,
    state: ChangeState,
    by: Option<&str>,
    note: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE roster_changes SET state = $1, decided_at = $2, decided_by = $3, note = $4
         WHERE id = $5",
    )
    .bind(state.code())
    .bind(now())
    .bind(by)
    .bind(note)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Dismiss a pending proposal: the server's value stays, and the household is sent to the
/// devices again so that they hold the server's value.
pub async fn dismiss(
    db: &Db,
    id: &str,
    by: Option<&str>,
    note: Option<&str>,
) -> Result<Result<RosterChange, Refusal>, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let Some(change) = one(&mut tx, id).await? else {
        return Ok(Err(Refusal::Unknown));
    };
    if change.state != ChangeState::Pending {
        return Ok(Err(Refusal::Decided(change.state)));
    }
    decide(&mut tx, id, ChangeState::Dismissed, by, note).await?;
    let held = sqlx::query("SELECT 1 FROM households WHERE id = $1")
        .bind(&change.household_id)
        .fetch_optional(&mut *tx)
        .await?;
    if held.is_some() {
        restamp(&mut tx, &change.household_id).await?;
    }
    let out = one(&mut tx, id).await?;
    tx.commit().await?;
    Ok(out.ok_or(Refusal::Unknown))
}

/// Remove a member explicitly (staff): marked removed, recorded as an applied removal with the
/// reason; its assessments keep their subject. Devices no longer receive it.
pub async fn remove_member(
    db: &Db,
    member_id: &str,
    reason: &str,
    by: Option<&str>,
) -> Result<Result<RosterChange, Refusal>, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let before = sqlx::query(
        "SELECT id, name, birth_year, sex, relation, schooling, literate, cdht, cdht_group,
             unable_to_learn FROM members WHERE id = $1",
    )
    .bind(member_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(before) = before else {
        return Ok(Err(Refusal::Unknown));
    };
    let old = serde_json::json!({
        "name": before.try_get::<String, _>("name")?,
        "birth_year": before.try_get::<Option<i64>, _>("birth_year")?,
    });
    let household = match remove(&mut tx, member_id).await? {
        Ok(h) => h,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let id = uuid::Uuid::now_v7().to_string();
    let stamp = now();
    sqlx::query(
        "INSERT INTO roster_changes (id, dedup_key, household_id, member_id, kind, field,
             old_value, new_value, state, device_id, created_at, decided_at, decided_by, note)
         VALUES ($1, $2, $3, $4, $5, NULL, $6, 'null', $7, NULL, $8, $8, $9, $10)",
    )
    .bind(&id)
    .bind(sha256_hex(format!("staff:{id}").as_bytes()))
    .bind(&household)
    .bind(member_id)
    .bind(ChangeKind::MemberRemoval.code())
    .bind(old.to_string())
    .bind(ChangeState::Applied.code())
    .bind(&stamp)
    .bind(by)
    .bind(reason)
    .execute(&mut *tx)
    .await?;
    let out = one(&mut tx, &id).await?;
    tx.commit().await?;
    Ok(out.ok_or(Refusal::Unknown))
}
