//! The review queue of the back office: every uploaded assessment inside a staff member's
//! place, filtered (place, model, year, state, score mismatch, missing or flagged evidence,
//! returned, corrected), searched by name or roster code, sorted and paged by key (a page
//! costs the same at the first row and the millionth); bulk approve / return over a whole
//! filtered set; the queue's search index and correction marks, kept as batches arrive.

use super::staff::{audit, AuditAction, Scope};
use super::{next_seq, now, Db, MAX_BINDS};
use hoctap_domain::model::{Model, SubjectKind};
use hoctap_domain::text;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

hoctap_domain::coded_enum! {
    /// Where an assessment stands in review.
    pub enum ReviewState("review state") {
        /// Uploaded, not decided yet.
        Received = "received",
        /// Sent back to the device for correction.
        Returned = "returned",
        /// Approved by the commune: proposed for recognition.
        Accepted = "accepted",
    }
}

impl ReviewState {
    pub fn label_vi(self) -> &'static str {
        match self {
            ReviewState::Received => "Chờ duyệt",
            ReviewState::Returned => "Đã trả lại",
            ReviewState::Accepted => "Đã duyệt",
        }
    }
}

hoctap_domain::coded_enum! {
    /// The queue's order.
    #[derive(Default)]
    pub enum Sort("queue order") {
        #[default]
        Newest = "newest",
        Oldest = "oldest",
        Name = "name",
        ScoreLow = "score_low",
        ScoreHigh = "score_high",
    }
}

impl Sort {
    pub fn label_vi(self) -> &'static str {
        match self {
            Sort::Newest => "Mới nhận trước",
            Sort::Oldest => "Cũ trước",
            Sort::Name => "Theo tên",
            Sort::ScoreLow => "Điểm thấp trước",
            Sort::ScoreHigh => "Điểm cao trước",
        }
    }

    /// The key expression and whether it sorts descending.
    fn key(self) -> (&'static str, bool) {
        match self {
            Sort::Newest => ("a.received_at", true),
            Sort::Oldest => ("a.received_at", false),
            Sort::Name => ("COALESCE(a.search_key, '')", false),
            Sort::ScoreLow => ("COALESCE(a.server_total, -1)", false),
            Sort::ScoreHigh => ("COALESCE(a.server_total, -1)", true),
        }
    }

    fn numeric(self) -> bool {
        matches!(self, Sort::ScoreLow | Sort::ScoreHigh)
    }
}

/// What the queue shows. Every field is optional; the default is the whole place, every year,
/// current revisions only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Filter {
    /// Narrow to one commune of the staff member's place.
    pub commune: Option<String>,
    pub hamlet: Option<String>,
    pub model: Option<Model>,
    pub year: Option<i32>,
    pub state: Option<ReviewState>,
    /// The server's score differs from the device's.
    pub mismatch: bool,
    /// Some evidence photo is not on the server (yet).
    pub missing_evidence: bool,
    /// Some evidence photo is flagged by the plausibility rules.
    pub flagged: bool,
    /// Returned at least once (whatever its state now).
    pub ever_returned: bool,
    /// A correction (revision 2 or later).
    pub corrected: bool,
    /// Also revisions a correction superseded.
    pub with_superseded: bool,
    /// Name or roster code, case and diacritics ignored.
    pub q: Option<String>,
}

/// A bound value of a built query.
#[derive(Debug, Clone)]
enum Bind {
    Text(String),
    Int(i64),
}

/// A `WHERE` clause with its binds, numbered from 1.
#[derive(Debug, Default)]
struct Clause {
    parts: Vec<String>,
    binds: Vec<Bind>,
}

impl Clause {
    fn push(&mut self, sql: &str, binds: Vec<Bind>) {
        // `?` stands for the next numbered placeholder.
        let mut out = String::new();
        let mut n = self.binds.len();
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                out.push_str(&format!("${n}"));
            } else {
                out.push(c);
            }
        }
        self.parts.push(out);
        self.binds.extend(binds);
    }

    fn sql(&self) -> String {
        if self.parts.is_empty() {
            "1 = 1".to_string()
        } else {
            self.parts.join(" AND ")
        }
    }

    fn next(&self) -> usize {
        self.binds.len() + 1
    }
}

fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    binds: &[Bind],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for b in binds {
        q = match b {
            Bind::Text(s) => q.bind(s.clone()),
            Bind::Int(i) => q.bind(*i),
        };
    }
    q
}

/// `%text%` for `LIKE … ESCAPE '\'`, the text folded as the index is.
fn like_pattern(q: &str) -> String {
    let folded = text::fold(&text::clean(q));
    let mut out = String::from("%");
    for c in folded.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The scope and filter as a `WHERE` clause over `assessments a`.
fn clause(scope: &Scope, f: &Filter) -> Clause {
    let mut c = Clause::default();
    if let Some(commune) = &scope.commune {
        c.push("a.commune_code = ?", vec![Bind::Text(commune.clone())]);
    }
    if let Some(commune) = &f.commune {
        c.push("a.commune_code = ?", vec![Bind::Text(commune.clone())]);
    }
    if let Some(h) = &f.hamlet {
        c.push("a.hamlet_id = ?", vec![Bind::Text(h.clone())]);
    }
    if let Some(m) = f.model {
        c.push("a.model = ?", vec![Bind::Text(m.code().to_string())]);
    }
    if let Some(y) = f.year {
        c.push("a.year = ?", vec![Bind::Int(i64::from(y))]);
    }
    if let Some(s) = f.state {
        c.push("a.review_state = ?", vec![Bind::Text(s.code().to_string())]);
    }
    if !f.with_superseded {
        c.push("a.superseded = 0", vec![]);
    }
    if f.mismatch {
        c.push("a.mismatch = 1", vec![]);
    }
    if f.flagged {
        c.push("a.photo_flags > 0", vec![]);
    }
    if f.corrected {
        c.push("a.revision > 1", vec![]);
    }
    if f.ever_returned {
        c.push(
            "EXISTS (SELECT 1 FROM assessment_returns r WHERE r.assessment_id = a.id)",
            vec![],
        );
    }
    if f.missing_evidence {
        c.push("a.evidence_present < a.evidence_count", vec![]);
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        c.push(
            "a.search_key LIKE ? ESCAPE '\\'",
            vec![Bind::Text(like_pattern(q))],
        );
    }
    c
}

/// Where a page starts: after (or, going back, before) this row of the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub key: String,
    pub id: String,
}

impl Cursor {
    /// As carried in a link: `key~id`.
    pub fn encode(&self) -> String {
        format!("{}~{}", self.key, self.id)
    }

    pub fn decode(s: &str) -> Option<Cursor> {
        let (key, id) = s.rsplit_once('~')?;
        crate::clock::is_id(id).then(|| Cursor {
            key: key.to_string(),
            id: id.to_string(),
        })
    }
}

/// Which page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PageAt {
    #[default]
    First,
    After(Cursor),
    Before(Cursor),
}

/// One row of the queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueRow {
    pub id: String,
    pub subject_kind: String,
    pub subject_name: Option<String>,
    pub roster_code: Option<String>,
    pub hamlet: Option<String>,
    pub commune_code: Option<String>,
    pub model: Model,
    pub year: i32,
    pub server_status: Option<String>,
    /// Hundredths of a point.
    pub server_total: Option<i64>,
    pub device_total: i64,
    pub mismatch: bool,
    pub practice: bool,
    pub evidence_expected: i64,
    pub evidence_present: i64,
    pub photo_flags: i64,
    pub review_state: ReviewState,
    pub superseded: bool,
    pub revision: i64,
    pub received_at: String,
}

/// A page of the queue, with cursors for the pages either side.
#[derive(Debug, Clone, Serialize)]
pub struct QueuePage {
    pub rows: Vec<QueueRow>,
    pub next: Option<Cursor>,
    pub prev: Option<Cursor>,
}

/// The subject's name and household columns of a queue row (joins on `a`).
const SUBJECT_JOINS: &str = "
    LEFT JOIN hamlets t ON t.id = a.hamlet_id
    LEFT JOIN households h ON a.subject_kind = 'household' AND h.id = a.subject_id
    LEFT JOIN members m ON a.subject_kind = 'member' AND m.id = a.subject_id
    LEFT JOIN households mh ON mh.id = m.household_id
    LEFT JOIN hamlets st ON a.subject_kind = 'hamlet' AND st.id = a.subject_id
    LEFT JOIN clans c ON a.subject_kind = 'clan' AND c.id = a.subject_id
    LEFT JOIN units u ON a.subject_kind = 'unit' AND u.id = a.subject_id";

/// The subject's name from [`SUBJECT_JOINS`].
const SUBJECT_NAME: &str = "CASE a.subject_kind WHEN 'member' THEN m.name
    WHEN 'hamlet' THEN st.name WHEN 'clan' THEN c.name WHEN 'unit' THEN u.name
    ELSE h.head END";

/// The columns of a queue row ([`queue_row`]) over [`QUEUE_FROM`]: the subject's name and
/// roster code as [`index_search`] keeps them on the row, so a page or an export line joins
/// only the (small) hamlets table.
const QUEUE_SELECT: &str = "SELECT a.id, a.subject_kind, a.subject_name, a.roster_code,
    t.name AS hamlet, a.commune_code, a.model, a.year, a.server_status, a.server_total,
    a.device_total, a.mismatch, a.practice, a.evidence_count, a.photo_flags, a.review_state,
    a.superseded, a.revision, a.received_at, a.evidence_present AS present";
const QUEUE_FROM: &str = "FROM assessments a LEFT JOIN hamlets t ON t.id = a.hamlet_id";

fn queue_row(r: &AnyRow) -> Result<QueueRow, sqlx::Error> {
    Ok(QueueRow {
        id: r.try_get("id")?,
        subject_kind: r.try_get("subject_kind")?,
        subject_name: r.try_get("subject_name")?,
        roster_code: r.try_get("roster_code")?,
        hamlet: r.try_get("hamlet")?,
        commune_code: r.try_get("commune_code")?,
        model: super::code(r, "model")?,
        year: i32::try_from(r.try_get::<i64, _>("year")?).unwrap_or(0),
        server_status: r.try_get("server_status")?,
        server_total: r.try_get("server_total")?,
        device_total: r.try_get("device_total")?,
        mismatch: r.try_get::<i64, _>("mismatch")? != 0,
        practice: r.try_get::<i64, _>("practice")? != 0,
        evidence_expected: r.try_get("evidence_count")?,
        evidence_present: r.try_get("present")?,
        photo_flags: r.try_get("photo_flags")?,
        review_state: super::code(r, "review_state")?,
        superseded: r.try_get::<i64, _>("superseded")? != 0,
        revision: r.try_get("revision")?,
        received_at: r.try_get("received_at")?,
    })
}

/// Rows per page.
pub const PAGE_ROWS: i64 = 50;

/// One page of the queue.
pub async fn page(
    db: &Db,
    scope: &Scope,
    filter: &Filter,
    sort: Sort,
    at: &PageAt,
) -> Result<QueuePage, sqlx::Error> {
    let mut c = clause(scope, filter);
    let (key, desc) = sort.key();
    let key_bind = |k: &str| {
        if sort.numeric() {
            Bind::Int(k.parse().unwrap_or(-1))
        } else {
            Bind::Text(k.to_string())
        }
    };
    // Going back reads the order reversed from the cursor, then turns the rows around.
    let backwards = matches!(at, PageAt::Before(_));
    let forward_desc = desc != backwards;
    match at {
        PageAt::First => {}
        PageAt::After(cur) | PageAt::Before(cur) => {
            let op = if forward_desc { "<" } else { ">" };
            c.push(
                &format!("({key}, a.id) {op} (?, ?)"),
                vec![key_bind(&cur.key), Bind::Text(cur.id.clone())],
            );
        }
    }
    let dir = if forward_desc { "DESC" } else { "ASC" };
    let limit_at = c.next();
    let sql = format!(
        "{QUEUE_SELECT}, {key} AS sort_key
         {QUEUE_FROM}
         WHERE {}
         ORDER BY {key} {dir}, a.id {dir}
         LIMIT ${limit_at}",
        c.sql()
    );
    // Only fixed SQL and numbered placeholders are formatted into the query.
    let q = bind_all(sqlx::query(AssertSqlSafe(sql)), &c.binds).bind(PAGE_ROWS + 1);
    let raw = q.fetch_all(&db.pool).await?;
    let more = i64::try_from(raw.len()).unwrap_or(i64::MAX) > PAGE_ROWS;
    let mut keyed: Vec<(String, QueueRow)> = raw
        .iter()
        .take(usize::try_from(PAGE_ROWS).unwrap_or(50))
        .map(|r| {
            let key = if sort.numeric() {
                r.try_get::<i64, _>("sort_key")?.to_string()
            } else {
                r.try_get::<String, _>("sort_key")?
            };
            Ok((key, queue_row(r)?))
        })
        .collect::<Result<_, sqlx::Error>>()?;
    if backwards {
        keyed.reverse();
    }
    let cursor = |k: &(String, QueueRow)| Cursor {
        key: k.0.clone(),
        id: k.1.id.clone(),
    };
    let (has_prev, has_next) = match at {
        PageAt::First => (false, more),
        PageAt::After(_) => (true, more),
        PageAt::Before(_) => (more, true),
    };
    Ok(QueuePage {
        next: has_next.then(|| keyed.last().map(cursor)).flatten(),
        prev: has_prev.then(|| keyed.first().map(cursor)).flatten(),
        rows: keyed.into_iter().map(|(_, r)| r).collect(),
    })
}

/// How many assessments the filter selects (shown before a bulk action).
pub async fn count(db: &Db, scope: &Scope, filter: &Filter) -> Result<i64, sqlx::Error> {
    let c = clause(scope, filter);
    let sql = format!("SELECT COUNT(*) FROM assessments a WHERE {}", c.sql());
    // Only fixed SQL and numbered placeholders are formatted into the query.
    let row = bind_all(sqlx::query(AssertSqlSafe(sql)), &c.binds)
        .fetch_one(&db.pool)
        .await?;
    row.try_get(0)
}

/// Every id the filter selects, in received order (exports and bulk actions read them in
/// slices).
pub async fn ids(db: &Db, scope: &Scope, filter: &Filter) -> Result<Vec<String>, sqlx::Error> {
    let c = clause(scope, filter);
    let sql = format!(
        "SELECT a.id FROM assessments a WHERE {} ORDER BY a.received_at, a.id",
        c.sql()
    );
    // Only fixed SQL and numbered placeholders are formatted into the query.
    bind_all(sqlx::query(AssertSqlSafe(sql)), &c.binds)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect()
}

/// The rows of the filter after `cursor` in received order, at most `limit` (exports stream
/// the whole set this way).
pub async fn export_slice(
    conn: &mut AnyConnection,
    scope: &Scope,
    filter: &Filter,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<Vec<QueueRow>, sqlx::Error> {
    let mut c = clause(scope, filter);
    if let Some(cur) = after {
        c.push(
            "(a.received_at, a.id) > (?, ?)",
            vec![Bind::Text(cur.key.clone()), Bind::Text(cur.id.clone())],
        );
    }
    let limit_at = c.next();
    let sql = format!(
        "{QUEUE_SELECT}
         {QUEUE_FROM}
         WHERE {}
         ORDER BY a.received_at, a.id
         LIMIT ${limit_at}",
        c.sql()
    );
    // Only fixed SQL and numbered placeholders are formatted into the query.
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &c.binds)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(queue_row).collect()
}

/// What a decision did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Decided {
    /// Assessments changed.
    pub changed: i64,
    /// Selected but left as they were (superseded, or already in that state).
    pub skipped: i64,
}

/// A review decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Approve,
    /// Return for correction with this comment (sent to the device at its next sync).
    Return(String),
}

/// Approve or return the assessments `ids` inside `scope`, by `staff_id`: each current one not
/// already in the target state changes, with one audit line for the whole action. Returns
/// travel to the uploading device like `admin return` (the review trail is kept).
pub async fn decide(
    db: &Db,
    scope: &Scope,
    ids: &[String],
    decision: &Decision,
    staff_id: &str,
    reviewer_name: &str,
) -> Result<Decided, sqlx::Error> {
    let mut changed = 0i64;
    let stamp = now();
    for chunk in ids.chunks(MAX_BINDS.min(500)) {
        let mut tx = db.begin_write().await?;
        // Only numbered placeholders are formatted into the SQL.
        let mut q = sqlx::query(AssertSqlSafe(format!(
            "SELECT id, device_id, commune_code, review_state, superseded FROM assessments
             WHERE id IN ({})",
            super::in_list(chunk.len())
        )));
        for id in chunk {
            q = q.bind(id.as_str());
        }
        let rows = q.fetch_all(&mut *tx).await?;
        for r in &rows {
            let commune: Option<String> = r.try_get("commune_code")?;
            let state: ReviewState = super::code(r, "review_state")?;
            let superseded = r.try_get::<i64, _>("superseded")? != 0;
            if !scope.covers(commune.as_deref()) || superseded {
                continue;
            }
            let id: String = r.try_get("id")?;
            match decision {
                Decision::Approve => {
                    if state == ReviewState::Accepted {
                        continue;
                    }
                    sqlx::query(
                        "UPDATE assessments SET review_state = 'accepted', decided_by = $1,
                             decided_at = $2 WHERE id = $3",
                    )
                    .bind(staff_id)
                    .bind(&stamp)
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                }
                Decision::Return(comment) => {
                    if state == ReviewState::Returned {
                        continue;
                    }
                    let device_id: String = r.try_get("device_id")?;
                    sqlx::query(
                        "UPDATE assessments SET review_state = 'returned', decided_by = $1,
                             decided_at = $2 WHERE id = $3",
                    )
                    .bind(staff_id)
                    .bind(&stamp)
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                    let seq = next_seq(&mut tx).await?;
                    sqlx::query(
                        "INSERT INTO assessment_returns (id, assessment_id, device_id, comment,
                             reviewer, returned_at, seq)
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(crate::clock::new_id())
                    .bind(&id)
                    .bind(&device_id)
                    .bind(comment)
                    .bind(reviewer_name)
                    .bind(&stamp)
                    .bind(seq)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            changed += 1;
        }
        let action = match (decision, ids.len() > 1) {
            (Decision::Approve, false) => AuditAction::Approved,
            (Decision::Approve, true) => AuditAction::BulkApproved,
            (Decision::Return(_), false) => AuditAction::Returned,
            (Decision::Return(_), true) => AuditAction::BulkReturned,
        };
        let detail = match decision {
            Decision::Approve => format!("{} selected", chunk.len()),
            Decision::Return(comment) => format!("{} selected: {comment}", chunk.len()),
        };
        super::touch_figures(&mut tx).await?;
        let object = (chunk.len() == 1).then(|| chunk[0].as_str());
        audit(&mut tx, Some(staff_id), action, object, Some(&detail)).await?;
        tx.commit().await?;
    }
    Ok(Decided {
        changed,
        skipped: i64::try_from(ids.len()).unwrap_or(i64::MAX) - changed,
    })
}

/// Index again the assessments of a household and of its members (after staff applied a
/// change to its roster: a new head, a roster code, a member renamed or moved).
pub async fn reindex_household(
    conn: &mut AnyConnection,
    household_id: &str,
) -> Result<(), sqlx::Error> {
    let select = sqlx::query(
        "SELECT a.id FROM assessments a WHERE a.subject_kind = 'household' AND a.subject_id = $1
         UNION ALL
         SELECT a.id FROM members m
         JOIN assessments a ON a.subject_kind = 'member' AND a.subject_id = m.id
         WHERE m.household_id = $1",
    )
    .bind(household_id);
    reindex_selected(conn, select).await
}

/// Index again the assessments of one clan or unit (after it was renamed).
pub async fn reindex_subject(
    conn: &mut AnyConnection,
    kind: SubjectKind,
    subject_id: &str,
) -> Result<(), sqlx::Error> {
    let select =
        sqlx::query("SELECT id FROM assessments WHERE subject_kind = $1 AND subject_id = $2")
            .bind(kind.code())
            .bind(subject_id);
    reindex_selected(conn, select).await
}

/// [`index_search`] the assessments whose ids `select` returns.
async fn reindex_selected<'q>(
    conn: &mut AnyConnection,
    select: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
) -> Result<(), sqlx::Error> {
    let ids: Vec<String> = select
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    index_search(conn, &refs).await
}

/// Keep each assessment's subject name and roster code on its row (`subject_name`,
/// `roster_code`, read by the queue and the exports) and fold them into its `search_key`.
pub async fn index_search(conn: &mut AnyConnection, ids: &[&str]) -> Result<(), sqlx::Error> {
    for chunk in ids.chunks(MAX_BINDS) {
        // Only numbered placeholders are formatted into the SQL.
        let mut q = sqlx::query(AssertSqlSafe(format!(
            "SELECT a.id, {SUBJECT_NAME} AS subject_name,
                 COALESCE(h.roster_code, mh.roster_code) AS roster_code
             FROM assessments a {SUBJECT_JOINS} WHERE a.id IN ({})",
            super::in_list(chunk.len())
        )));
        for id in chunk {
            q = q.bind(*id);
        }
        let rows = q.fetch_all(&mut *conn).await?;
        for r in &rows {
            let name: Option<String> = r.try_get("subject_name")?;
            let code: Option<String> = r.try_get("roster_code")?;
            let key = [&name, &code]
                .into_iter()
                .flatten()
                .map(|s| text::fold(&text::clean(s)))
                .collect::<Vec<_>>()
                .join(" ");
            let id: String = r.try_get("id")?;
            sqlx::query(
                "UPDATE assessments SET search_key = $1, subject_name = $2, roster_code = $3
                 WHERE id = $4",
            )
            .bind(key)
            .bind(name.as_deref())
            .bind(code.as_deref())
            .bind(id)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// Recompute `superseded` for the assessments `ids` (a batch's rows and the parents they
/// name): 1 exactly when a held correction names it as parent. A correction may arrive before
/// its parent, so the new rows are checked too, not only the parents.
pub async fn mark_superseded(conn: &mut AnyConnection, ids: &[&str]) -> Result<(), sqlx::Error> {
    for chunk in ids.chunks(MAX_BINDS) {
        // Only numbered placeholders are formatted into the SQL.
        let mut q = sqlx::query(AssertSqlSafe(format!(
            "UPDATE assessments SET superseded = CASE WHEN EXISTS (SELECT 1 FROM assessments c
                 WHERE c.parent_id = assessments.id) THEN 1 ELSE 0 END
             WHERE id IN ({})",
            super::in_list(chunk.len())
        )));
        for id in chunk {
            q = q.bind(*id);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// PostgreSQL only: a trigram index on the search key, so that a search by name or roster
/// code (`LIKE '%…%'`) reads the matching rows instead of walking the whole province's order
/// (measured at 1,000,000 assessments: scripts/bench-backoffice). Outside the portable
/// migrations because it needs the `pg_trgm` extension (shipped with PostgreSQL, trusted
/// since version 13: the database's owner may create it). Where it cannot be made the search
/// still works, slower, and the log says why.
pub async fn trigram_index(pool: &sqlx::AnyPool) {
    for sql in [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "CREATE INDEX IF NOT EXISTS assessments_search_trgm ON assessments
             USING gin (search_key gin_trgm_ops)",
    ] {
        if let Err(e) = sqlx::query(sql).execute(pool).await {
            tracing::warn!(error = %e, "no trigram index for the review queue's search");
            return;
        }
    }
}

/// Fill the search key and photo flag count of rows from before version 5 (once: new rows get
/// them as they arrive).
pub async fn backfill_search(pool: &sqlx::AnyPool) -> Result<(), sqlx::Error> {
    // Done once, then remembered: every later open (each admin command, each start) would
    // otherwise scan the whole table for rows that new batches never leave without a key.
    const DONE: &str = "review.search_backfilled";
    let done = sqlx::query("SELECT 1 FROM settings WHERE key = $1")
        .bind(DONE)
        .fetch_optional(pool)
        .await?;
    if done.is_some() {
        return Ok(());
    }
    loop {
        let mut conn = pool.acquire().await?;
        let ids: Vec<String> = sqlx::query(
            "SELECT id FROM assessments WHERE search_key IS NULL ORDER BY id LIMIT 1000",
        )
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
        if ids.is_empty() {
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, '1')
                 ON CONFLICT (key) DO NOTHING",
            )
            .bind(DONE)
            .execute(&mut *conn)
            .await?;
            return Ok(());
        }
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        index_search(&mut conn, &refs).await?;
        // A subject the server does not know still gets a key: it is not read again.
        for chunk in refs.chunks(MAX_BINDS) {
            // Only numbered placeholders are formatted into the SQL.
            let mut q = sqlx::query(AssertSqlSafe(format!(
                "UPDATE assessments SET search_key = '' WHERE search_key IS NULL AND id IN ({})",
                super::in_list(chunk.len())
            )));
            for id in chunk {
                q = q.bind(*id);
            }
            q.execute(&mut *conn).await?;
        }
        super::places::count_flags(&mut conn, &refs).await?;
    }
}

/// What the dossier page reads of one assessment.
#[derive(Debug, Clone, Serialize)]
pub struct DossierRow {
    pub row: QueueRow,
    pub subject_id: String,
    pub device_id: String,
    pub device_name: Option<String>,
    pub content: String,
    pub parent_id: Option<String>,
    /// The correction that supersedes it, if held.
    pub child_id: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    /// Every evidence photo named, with whether the server holds it complete.
    pub photos: Vec<(String, bool)>,
    /// Each photo's capture time and GPS as the device reported them.
    pub facts: Vec<hoctap_domain::protocol::PhotoFacts>,
    pub returns: Vec<super::assessments::ReturnEntry>,
}

/// One assessment for the dossier page; `None` when not held.
pub async fn dossier(db: &Db, id: &str) -> Result<Option<DossierRow>, sqlx::Error> {
    let sql = format!(
        "SELECT a.id, a.subject_kind, {SUBJECT_NAME} AS subject_name,
             COALESCE(h.roster_code, mh.roster_code) AS roster_code, t.name AS hamlet,
             a.commune_code, a.model, a.year, a.server_status, a.server_total, a.device_total,
             a.mismatch, a.practice, a.evidence_count, a.photo_flags, a.review_state,
             a.superseded, a.revision, a.received_at, a.subject_id, a.device_id, a.content,
             a.parent_id, a.decided_at, d.name AS device_name, s.display_name AS decided_by,
             (SELECT nx.id FROM assessments nx WHERE nx.parent_id = a.id) AS child_id,
             a.evidence_present AS present
         FROM assessments a {SUBJECT_JOINS}
         LEFT JOIN devices d ON d.id = a.device_id
         LEFT JOIN staff s ON s.id = a.decided_by
         WHERE a.id = $1"
    );
    // Only fixed SQL is formatted into the query.
    let Some(r) = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
    else {
        return Ok(None);
    };
    let photos = sqlx::query(
        "SELECT e.sha256, COALESCE(b.complete, 0) AS complete FROM assessment_evidence e
         LEFT JOIN blobs b ON b.sha256 = e.sha256 WHERE e.assessment_id = $1 ORDER BY e.sha256",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|p| Ok((p.try_get("sha256")?, p.try_get::<i64, _>("complete")? != 0)))
    .collect::<Result<Vec<(String, bool)>, sqlx::Error>>()?;
    let facts = sqlx::query(
        "SELECT sha256, taken_at, gps_lat, gps_lon, attached_at FROM assessment_photo_facts
         WHERE assessment_id = $1",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|f| {
        let lat: Option<f64> = f.try_get("gps_lat")?;
        let lon: Option<f64> = f.try_get("gps_lon")?;
        Ok(hoctap_domain::protocol::PhotoFacts {
            sha256: f.try_get("sha256")?,
            taken_at: f.try_get("taken_at")?,
            gps: lat
                .zip(lon)
                .map(|(lat, lon)| hoctap_domain::plausibility::GeoPoint { lat, lon }),
            attached_at: f.try_get("attached_at")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    // The thread: returns of this revision and of the revisions it corrects.
    let mut chain = vec![id.to_string()];
    let mut parent: Option<String> = r.try_get("parent_id")?;
    while let Some(p) = parent.take() {
        if chain.contains(&p) || chain.len() > 100 {
            break;
        }
        chain.push(p.clone());
        parent = sqlx::query("SELECT parent_id FROM assessments WHERE id = $1")
            .bind(&p)
            .fetch_optional(&db.pool)
            .await?
            .map(|x| x.try_get::<Option<String>, _>(0))
            .transpose()?
            .flatten();
    }
    let mut returns = Vec::new();
    for a in &chain {
        let rows = sqlx::query(
            "SELECT id, assessment_id, comment, reviewer, returned_at FROM assessment_returns
             WHERE assessment_id = $1 ORDER BY seq",
        )
        .bind(a)
        .fetch_all(&db.pool)
        .await?;
        for x in &rows {
            returns.push(super::assessments::ReturnEntry {
                id: x.try_get("id")?,
                assessment_id: x.try_get("assessment_id")?,
                comment: x.try_get("comment")?,
                reviewer: x.try_get("reviewer")?,
                returned_at: x.try_get("returned_at")?,
            });
        }
    }
    returns.sort_by(|a, b| a.returned_at.cmp(&b.returned_at));
    Ok(Some(DossierRow {
        row: queue_row(&r)?,
        subject_id: r.try_get("subject_id")?,
        device_id: r.try_get("device_id")?,
        device_name: r.try_get("device_name")?,
        content: r.try_get("content")?,
        parent_id: r.try_get("parent_id")?,
        child_id: r.try_get("child_id")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
        photos,
        facts,
        returns,
    }))
}

/// The content of another revision (the parent a correction is compared with), when held
/// inside `scope`.
pub async fn content_of(db: &Db, scope: &Scope, id: &str) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query("SELECT content, commune_code FROM assessments WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(match row {
        Some(r) if scope.covers(r.try_get::<Option<String>, _>("commune_code")?.as_deref()) => {
            Some(r.try_get("content")?)
        }
        _ => None,
    })
}

/// Whether an assessment inside `scope` names photo `sha256` as evidence (photos are served
/// only to staff of the assessment's place).
pub async fn photo_in_scope(
    db: &Db,
    scope: &Scope,
    assessment_id: &str,
    sha256: &str,
) -> Result<Option<bool>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT a.commune_code FROM assessment_evidence e
         JOIN assessments a ON a.id = e.assessment_id
         WHERE e.assessment_id = $1 AND e.sha256 = $2",
    )
    .bind(assessment_id)
    .bind(sha256)
    .fetch_optional(&db.pool)
    .await?;
    Ok(match row {
        None => None,
        Some(r) => Some(scope.covers(r.try_get::<Option<String>, _>("commune_code")?.as_deref())),
    })
}
