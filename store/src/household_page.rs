//! One page of the household list with where each household stands for a model and year, as a
//! phone screen shows it: never every row at once. Without a status filter the page comes from
//! [`households::list_households`] (its index-ordered plans) and only the page's rows are looked
//! up for their status; with a filter, one statement walks the list in name order and keeps the
//! rows whose (registration, latest assessment state, outbox state) combination the domain's
//! [`SubjectStatus::of`] maps to the wanted status — the rule stays in the domain, the SQL only
//! compares the combinations it was handed.

use crate::assessments::SubjectYear;
use crate::codec::{self, Coded};
use crate::households::{self, HouseholdQuery, HouseholdRow};
use crate::{units, Db, Result, Store};
use hoctap_domain::model::{Model, Points, SubjectKind};
use hoctap_domain::state::{AssessmentState, SubjectStatus, SyncState};
use hoctap_domain::text;
use rusqlite::{params, OptionalExtension};

/// A page request.
#[derive(Debug, Clone, Default)]
pub struct PageQuery {
    /// Hamlet, search text and whether the address is searched; `limit`/`offset` are the page.
    pub list: HouseholdQuery,
    /// The year statuses are for (model Gia đình học tập).
    pub year: i32,
    /// Only households with this status.
    pub status: Option<SubjectStatus>,
}

/// `registered:state:sync_state` as the filter statement computes it for a household.
fn combo_key(registered: bool, latest: Option<(AssessmentState, Option<SyncState>)>) -> String {
    let (state, sync) = match latest {
        None => ("", ""),
        Some((s, sync)) => (s.code(), sync.map_or("", SyncState::code)),
    };
    format!("{}:{state}:{sync}", u8::from(registered))
}

/// Every combination the domain maps to `status`, as [`combo_key`]s (JSON array).
fn combos_for(status: SubjectStatus) -> String {
    let mut latest: Vec<Option<(AssessmentState, Option<SyncState>)>> =
        vec![None, Some((AssessmentState::Draft, None))];
    latest.extend(
        SyncState::ALL
            .iter()
            .map(|s| Some((AssessmentState::Finalized, Some(*s)))),
    );
    let keys: Vec<String> = [false, true]
        .into_iter()
        .flat_map(|r| latest.iter().map(move |l| (r, *l)))
        .filter(|(r, l)| SubjectStatus::of(*r, *l) == status)
        .map(|(r, l)| combo_key(r, l))
        .collect();
    serde_json::to_string(&keys).unwrap_or_else(|_| "[]".into())
}

/// Where one household stands for `model` in `year`.
pub fn status_of(db: &Db<'_>, household_id: &str, model: Model, year: i32) -> Result<SubjectYear> {
    let kind = SubjectKind::Household;
    let registered: Option<i64> = db
        .conn()
        .prepare_cached(
            "SELECT 1 FROM registration
             WHERE subject_kind = ?1 AND subject_id = ?2 AND model = ?3 AND year = ?4",
        )?
        .query_row(
            params![Coded(kind), household_id, Coded(model), year],
            |r| r.get(0),
        )
        .optional()?;
    let latest = db
        .conn()
        .prepare_cached(
            "SELECT a.id, a.state, a.sync_state, a.total, coalesce(a.server_comment, a.sync_detail)
             FROM assessment a
             WHERE a.subject_kind = ?1 AND a.subject_id = ?2 AND a.model = ?3 AND a.year = ?4
               AND NOT EXISTS (SELECT 1 FROM assessment c WHERE c.parent_id = a.id)
             ORDER BY a.revision DESC LIMIT 1",
        )?
        .query_row(
            params![Coded(kind), household_id, Coded(model), year],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    codec::get::<AssessmentState>(r, 1)?,
                    codec::get::<SyncState>(r, 2)?,
                    r.get::<_, Option<u32>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                ))
            },
        )
        .optional()?;
    let mut out = SubjectYear {
        registered: registered.is_some(),
        ..SubjectYear::default()
    };
    if let Some((id, state, sync, total, comment)) = latest {
        out.assessment_id = Some(id);
        out.total = total.map(Points);
        out.comment = matches!(sync, SyncState::NeedsCorrection | SyncState::Wedged)
            .then_some(comment)
            .flatten();
        out.state = Some(state);
        out.sync_state = (state == AssessmentState::Finalized).then_some(sync);
    }
    Ok(out)
}

/// One page of households in Vietnamese name order with their Gia đình học tập status for the
/// year (see the module docs).
pub fn page(db: &Db<'_>, q: &PageQuery) -> Result<Vec<(HouseholdRow, SubjectYear)>> {
    let Some(status) = q.status else {
        let rows = households::list_households(db, &q.list)?;
        return rows
            .into_iter()
            .map(|r| {
                let st = status_of(db, &r.id, Model::GiaDinh, q.year)?;
                Ok((r, st))
            })
            .collect();
    };
    let needle = q
        .list
        .search
        .as_deref()
        .map(text::fold)
        .filter(|s| !s.is_empty());
    let hamlets = units::hamlet_names(db)?;
    let mut stmt = db.conn().prepare_cached(
        "SELECT s.id, s.head_name, s.address, s.phone, s.hamlet_id, s.roster_code, s.reg,
                a.id, a.state, a.sync_state, a.total, coalesce(a.server_comment, a.sync_detail)
         FROM (SELECT h.id, h.head_name, h.address, h.phone, h.hamlet_id, h.roster_code,
                      h.sort_key,
                      EXISTS (SELECT 1 FROM registration r
                              WHERE r.subject_kind = 'household' AND r.subject_id = h.id
                                AND r.model = ?6 AND r.year = ?7) AS reg,
                      (SELECT l.id FROM assessment l
                       WHERE l.subject_kind = 'household' AND l.subject_id = h.id
                         AND l.model = ?6 AND l.year = ?7
                         AND NOT EXISTS (SELECT 1 FROM assessment c WHERE c.parent_id = l.id)
                       ORDER BY l.revision DESC LIMIT 1) AS latest
               FROM household h
               WHERE h.removed_at IS NULL AND (?1 IS NULL OR h.hamlet_id = ?1)
                 AND (?2 IS NULL
                      OR instr(CASE WHEN ?5 THEN h.search_fold ELSE h.name_fold END, ?2) > 0)
              ) s
         LEFT JOIN assessment a ON a.id = s.latest
         WHERE (s.reg || ':' || coalesce(a.state, '') || ':' ||
                CASE WHEN a.state = 'finalized' THEN a.sync_state ELSE '' END)
               IN (SELECT value FROM json_each(?8))
         ORDER BY s.sort_key, s.id LIMIT ?3 OFFSET ?4",
    )?;
    let mut rows = stmt.query(params![
        q.list.hamlet_id,
        needle,
        q.list.limit.map_or(-1, i64::from),
        q.list.offset.map_or(0, i64::from),
        q.list.search_address,
        Coded(Model::GiaDinh),
        q.year,
        combos_for(status),
    ])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let hamlet_id: String = r.get(4)?;
        let Some(hamlet) = hamlets.get(&hamlet_id) else {
            continue;
        };
        let row = HouseholdRow {
            id: r.get(0)?,
            head: r.get(1)?,
            address: r.get(2)?,
            phone: r.get(3)?,
            hamlet_id,
            hamlet: hamlet.clone(),
            roster_code: r.get(5)?,
        };
        let mut st = SubjectYear {
            registered: r.get::<_, i64>(6)? != 0,
            ..SubjectYear::default()
        };
        if let Some(id) = r.get::<_, Option<String>>(7)? {
            let state: AssessmentState = codec::get(r, 8)?;
            let sync: SyncState = codec::get(r, 9)?;
            st.assessment_id = Some(id);
            st.total = r.get::<_, Option<u32>>(10)?.map(Points);
            st.comment = matches!(sync, SyncState::NeedsCorrection | SyncState::Wedged)
                .then(|| r.get::<_, Option<String>>(11))
                .transpose()?
                .flatten();
            st.state = Some(state);
            st.sync_state = (state == AssessmentState::Finalized).then_some(sync);
        }
        out.push((row, st));
    }
    Ok(out)
}

impl Store {
    /// One page of households with their status for the year (see [`page`]).
    pub fn household_page(&self, q: &PageQuery) -> Result<Vec<(HouseholdRow, SubjectYear)>> {
        self.read(|db| page(db, q))
    }

    /// Where one household stands for a model in a year.
    pub fn household_status(&self, id: &str, model: Model, year: i32) -> Result<SubjectYear> {
        self.read(|db| status_of(db, id, model, year))
    }
}
