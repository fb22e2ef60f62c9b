//! Loading a criteria set from TOML, with validation that reports every problem in one run.
//!
//! The file is parsed with [`toml::de::DeTable`] (which keeps the byte span of every key and
//! value) and walked by hand, so that unknown keys, missing keys, wrong types and rule
//! inconsistencies are all collected, each with its 1-based line number. Nothing stops at the
//! first error; a set is returned only when the file has no problem at all.
//!
//! # File format (`schema = 1`)
//!
//! ```toml
//! schema = 1                       # required, must be 1
//! id = "cdht-324"                  # required, stable id
//! model = "cong_dan"               # required: gia_dinh | dong_ho | cong_dong | don_vi | cong_dan
//! title = "Công dân học tập"       # required
//! version = 1                      # required integer ≥ 1, bumped on every published change
//! status = "official"              # required: official | partial | template
//! period = "2021-2030"             # optional
//! total_max = 100                  # optional; must equal the sum of all maxima when all are known
//!
//! [document]                       # optional; every key optional
//! number = "324/QĐ-KHVN"
//! date = "2021-01-01"              # string "YYYY-MM-DD" or a TOML date
//! issuer = "Hội Khuyến học Việt Nam"
//!
//! [[notes]]                        # any number; every inferred value needs one (kind = "inferred")
//! about = "indicator.max"          # required
//! kind = "inferred"                # required: verified | inferred
//! text = "…"                       # required
//! source = "…"                     # optional
//!
//! [eligibility]                    # optional; who the set may assess (absent = everyone)
//! age_min = 18                     # optional inclusive age bounds of the person assessed
//! age_max = 60                     #   (age = year − birth year); `cong_dan` sets only
//!
//! [rules]                          # optional table; every key optional
//! pass_total = 80                  # total needed to pass; absent = unknown (never "passed")
//! indicator_floor = 5              # no indicator may score below this
//! knockout = ["1.1"]               # indicators that fail the assessment when they score 0
//!
//! [[rules.levels]]                 # optional, checked in order, the last one met is reported
//! code = "muc_1"                   # required
//! title = "Mức 1"                  # required
//! min_total = 80                   # optional; between pass_total and the total maximum
//! indicator_floor = 5              # optional; at most every indicator's max
//!
//! [[criteria]]                     # required, at least one
//! id = "1"                         # required string
//! title = "…"                      # required
//! max = 40                         # required unless missing; = sum of its indicators' max
//! min_points = 20                  # optional; at most max
//! missing = false                  # optional; true = exists officially, content not found
//!
//! [[criteria.indicators]]          # at least one unless the criterion is missing
//! id = "1.1"                       # required, "N.M" with N = the criterion id
//! text = "…"                       # required unless missing
//! guidance = "…"                   # optional
//! max = 10                         # required unless missing
//! answer = "points"                # required unless missing: points | yes_no | derived
//! step = 1                         # points only, default 1, > 0 and dividing max
//! floor = 5                        # optional per-indicator floor (overrides rules.indicator_floor)
//! evidence_min = 0                 # optional photos required (0 = not required)
//! missing = false                  # optional; not allowed in an `official` set
//!
//! [criteria.indicators.derived]    # required when answer = "derived", forbidden otherwise
//! age_min = 6                      # optional inclusive age range (age = year − birth year)
//! age_max = 14
//! exclude_unable = true            # optional, default false
//! condition = "in_school"          # required: in_school | literate | cdht
//! scoring = "threshold"            # required: threshold | proportional
//! min_share = 1.0                  # optional, default 1.0, in 0..1 (threshold scoring)
//! when_none = "full"               # required: full | zero (no member counted)
//! explanation = "…"                # required, Vietnamese
//! ```
//!
//! Points (`total_max`, `max`, `step`, `floor`, `pass_total`, …) are integers or decimals with
//! at most two decimals. Every text must be Unicode NFC. `proportional` scoring rounds down to
//! whole points.
//!
//! `period` written as years (`"2021-2030"`, or one year) limits the years for which a new
//! assessment may start with the set (`CriteriaSet::covers_year`); other text is informative.
//! `[eligibility]` bounds are enforced when an assessment starts and reported by the engine
//! (`ineligible`) when a person outside them is evaluated; an inferred bound needs a
//! `[[notes]]` entry like any inferred value.

use super::{
    AnswerKind, CriteriaSet, Criterion, DerivedRule, DerivedScoring, Eligibility, EvidenceRule,
    Indicator, IssuingDocument, Level, MemberCondition, MemberFilter, NoteKind, Rules, SetStatus,
    SourceNote, WhenNone,
};
use crate::model::{Model, Points};
use std::fmt;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// One problem found in a criteria file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationProblem {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// Every problem found in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationReport {
    pub problems: Vec<ValidationProblem>,
}

impl fmt::Display for ValidationProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl fmt::Display for ValidationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationReport {}

/// Parse and validate a criteria set; `file` names the source in problems.
pub fn parse_set(src: &str, file: &str) -> Result<CriteriaSet, ValidationReport> {
    super::loaded::stats::parsed();
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let mut cx = Ctx::new(src, file);
    let (root, errors) = DeTable::parse_recoverable(src);
    if !errors.is_empty() {
        for e in errors {
            let line = e.span().map(|s| cx.line(s.start)).unwrap_or(1);
            cx.push(
                line,
                format!(
                    "Lỗi cú pháp TOML / TOML syntax error: {}",
                    e.message().trim()
                ),
            );
        }
        return Err(cx.into_report());
    }
    let root = Tbl {
        tbl: root.get_ref(),
        line: 1,
        path: String::new(),
    };
    let set = build_set(&mut cx, &root);
    if cx.problems.is_empty() {
        if let Some(set) = set {
            return Ok(set);
        }
        cx.push(1, "Bộ tiêu chí không hợp lệ / invalid criteria set".into());
    }
    Err(cx.into_report())
}

// ---------------------------------------------------------------------------------------------
// Walking the spanned tree

/// A table being read, with its header line and dotted path (for messages).
struct Tbl<'a, 'i> {
    tbl: &'a DeTable<'i>,
    line: usize,
    path: String,
}

impl<'a, 'i> Tbl<'a, 'i> {
    fn get(&self, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
        self.tbl.get(key)
    }
    fn key_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }
}

struct Ctx<'s> {
    src: &'s str,
    file: &'s str,
    line_starts: Vec<usize>,
    problems: Vec<ValidationProblem>,
}

impl<'s> Ctx<'s> {
    fn new(src: &'s str, file: &'s str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        Ctx {
            src,
            file,
            line_starts,
            problems: Vec::new(),
        }
    }

    /// 1-based line of a byte offset.
    fn line(&self, offset: usize) -> usize {
        let offset = offset.min(self.src.len());
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }

    fn push(&mut self, line: usize, message: String) {
        self.problems.push(ValidationProblem {
            file: self.file.to_string(),
            line,
            message,
        });
    }

    fn into_report(mut self) -> ValidationReport {
        self.problems.sort_by_key(|p| p.line);
        ValidationReport {
            problems: self.problems,
        }
    }

    fn vline<T>(&self, v: &Spanned<T>) -> usize {
        self.line(v.span().start)
    }

    /// Line of `key` in `t`, or of the table header when absent.
    fn line_of(&self, t: &Tbl<'_, '_>, key: &str) -> usize {
        t.tbl
            .iter()
            .find(|(k, _)| k.get_ref() == key)
            .map(|(k, _)| self.line(k.span().start))
            .unwrap_or(t.line)
    }

    fn check_keys(&mut self, t: &Tbl<'_, '_>, allowed: &[&str]) {
        for (k, _) in t.tbl.iter() {
            if !allowed.contains(&k.get_ref().as_ref()) {
                let line = self.line(k.span().start);
                self.push(
                    line,
                    format!(
                        "Khóa không được hỗ trợ `{}` / unknown key (allowed: {})",
                        t.key_path(k.get_ref()),
                        allowed.join(", ")
                    ),
                );
            }
        }
    }

    fn missing_key(&mut self, t: &Tbl<'_, '_>, key: &str) {
        let where_ = if t.path.is_empty() {
            String::new()
        } else {
            format!(" trong [{}]", t.path)
        };
        self.push(
            t.line,
            format!(
                "Thiếu khóa bắt buộc `{key}`{where_} / missing required key `{}`",
                t.key_path(key)
            ),
        );
    }

    fn wrong_type(&mut self, t: &Tbl<'_, '_>, key: &str, v: &Spanned<DeValue<'_>>, want: &str) {
        let line = self.vline(v);
        self.push(
            line,
            format!(
                "`{}`: cần {want}, nhưng là {} / wrong type: expected {want}, found {}",
                t.key_path(key),
                v.get_ref().type_str(),
                v.get_ref().type_str()
            ),
        );
    }

    fn check_nfc(&mut self, line: usize, what: &str, s: &str) {
        if !unicode_normalization::is_nfc(s) {
            self.push(
                line,
                format!(
                    "`{what}`: văn bản chưa chuẩn hóa Unicode NFC / text is not in Unicode NFC"
                ),
            );
        }
    }

    fn str_opt(&mut self, t: &Tbl<'_, '_>, key: &str) -> Option<String> {
        let v = t.get(key)?;
        match v.get_ref() {
            DeValue::String(s) => {
                let line = self.vline(v);
                self.check_nfc(line, &t.key_path(key), s);
                Some(s.to_string())
            }
            _ => {
                self.wrong_type(t, key, v, "chuỗi (string)");
                None
            }
        }
    }

    fn str_req(&mut self, t: &Tbl<'_, '_>, key: &str) -> Option<String> {
        if t.get(key).is_none() {
            self.missing_key(t, key);
            return None;
        }
        self.str_opt(t, key)
    }

    fn bool_opt(&mut self, t: &Tbl<'_, '_>, key: &str) -> Option<bool> {
        let v = t.get(key)?;
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                self.wrong_type(t, key, v, "true/false (boolean)");
                None
            }
        }
    }

    fn int_opt(&mut self, t: &Tbl<'_, '_>, key: &str) -> Option<i64> {
        let v = t.get(key)?;
        match v.get_ref() {
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => Some(n),
                Err(_) => {
                    let line = self.vline(v);
                    self.push(
                        line,
                        format!("`{}`: số quá lớn / integer too large", t.key_path(key)),
                    );
                    None
                }
            },
            _ => {
                self.wrong_type(t, key, v, "số nguyên (integer)");
                None
            }
        }
    }

    /// A non-negative integer that fits `u32`.
    fn u32_opt(&mut self, t: &Tbl<'_, '_>, key: &str) -> Option<u32> {
        let n = self.int_opt(t, key)?;
        match u32::try_from(n) {
            Ok(n) => Some(n),
            Err(_) => {
                let line = self.line_of(t, key);
                self.push(
                    line,
                    format!(
                        "`{}`: {n} phải là số nguyên không âm / must be a non-negative integer",
                        t.key_path(key)
                    ),
                );
                None
            }
        }
    }

    /// Any number (integer or float) as f64.
    fn num_opt(&mut self, t: &Tbl<'_, '_>, key: &str) -> Option<f64> {
        let v = t.get(key)?;
        let parsed = match v.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                .ok()
                .map(|n| n as f64),
            DeValue::Float(x) => x.as_str().parse::<f64>().ok(),
            _ => {
                self.wrong_type(t, key, v, "số (number)");
                return None;
            }
        };
        match parsed {
            Some(x) if x.is_finite() => Some(x),
            _ => {
                let line = self.vline(v);
                self.push(
                    line,
                    format!("`{}`: số không hợp lệ / invalid number", t.key_path(key)),
                );
                None
            }
        }
    }

    fn points_opt(&mut self, t: &Tbl<'_, '_>, key: &str) -> Option<Points> {
        let x = self.num_opt(t, key)?;
        match Points::from_f64(x) {
            Some(p) => Some(p),
            None => {
                let line = self.line_of(t, key);
                self.push(
                    line,
                    format!(
                        "`{}`: điểm {x} không hợp lệ, phải ≥ 0 và tối đa 2 chữ số thập phân / \
                         invalid points (must be ≥ 0, at most 2 decimals)",
                        t.key_path(key)
                    ),
                );
                None
            }
        }
    }

    /// A string that must be one of `allowed`.
    fn enum_opt(&mut self, t: &Tbl<'_, '_>, key: &str, allowed: &[&str]) -> Option<String> {
        let s = self.str_opt(t, key)?;
        if allowed.contains(&s.as_str()) {
            Some(s)
        } else {
            let line = self.line_of(t, key);
            self.push(
                line,
                format!(
                    "`{}`: giá trị không hợp lệ \"{s}\" / invalid value (allowed: {})",
                    t.key_path(key),
                    allowed.join(", ")
                ),
            );
            None
        }
    }

    fn enum_req(&mut self, t: &Tbl<'_, '_>, key: &str, allowed: &[&str]) -> Option<String> {
        if t.get(key).is_none() {
            self.missing_key(t, key);
            return None;
        }
        self.enum_opt(t, key, allowed)
    }

    fn table_opt<'a, 'i>(&mut self, t: &Tbl<'a, 'i>, key: &str) -> Option<Tbl<'a, 'i>> {
        let v = t.get(key)?;
        match v.get_ref() {
            DeValue::Table(tbl) => Some(Tbl {
                tbl,
                line: self.vline(v),
                path: t.key_path(key),
            }),
            _ => {
                self.wrong_type(t, key, v, "bảng (table)");
                None
            }
        }
    }

    /// An array of tables (`[[key]]`); absent = empty.
    fn tables<'a, 'i>(&mut self, t: &Tbl<'a, 'i>, key: &str) -> Vec<Tbl<'a, 'i>> {
        let Some(v) = t.get(key) else {
            return Vec::new();
        };
        let DeValue::Array(items) = v.get_ref() else {
            self.wrong_type(t, key, v, "mảng bảng [[...]] (array of tables)");
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item.get_ref() {
                DeValue::Table(tbl) => out.push(Tbl {
                    tbl,
                    line: self.vline(item),
                    path: format!("{}[{}]", t.key_path(key), i + 1),
                }),
                _ => {
                    let line = self.vline(item);
                    self.push(
                        line,
                        format!(
                            "`{}`: phần tử thứ {} phải là bảng / element {} must be a table",
                            t.key_path(key),
                            i + 1,
                            i + 1
                        ),
                    );
                }
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Building the set

const ROOT_KEYS: &[&str] = &[
    "schema",
    "id",
    "model",
    "title",
    "version",
    "status",
    "period",
    "total_max",
    "document",
    "notes",
    "rules",
    "criteria",
    "eligibility",
];
const ELIGIBILITY_KEYS: &[&str] = &["age_min", "age_max"];
const DOCUMENT_KEYS: &[&str] = &["number", "date", "issuer"];
const NOTE_KEYS: &[&str] = &["about", "kind", "text", "source"];
const RULES_KEYS: &[&str] = &["pass_total", "indicator_floor", "knockout", "levels"];
const LEVEL_KEYS: &[&str] = &["code", "title", "min_total", "indicator_floor"];
const CRITERION_KEYS: &[&str] = &["id", "title", "max", "min_points", "missing", "indicators"];
const INDICATOR_KEYS: &[&str] = &[
    "id",
    "text",
    "guidance",
    "max",
    "answer",
    "step",
    "floor",
    "evidence_min",
    "missing",
    "derived",
];
const DERIVED_KEYS: &[&str] = &[
    "age_min",
    "age_max",
    "exclude_unable",
    "condition",
    "scoring",
    "min_share",
    "when_none",
    "explanation",
];
const MODELS: &[&str] = &["gia_dinh", "dong_ho", "cong_dong", "don_vi", "cong_dan"];
const STATUSES: &[&str] = &["official", "partial", "template"];
const ANSWERS: &[&str] = &["points", "yes_no", "derived"];

/// Text used for an indicator marked missing whose text was not given.
const MISSING_TEXT: &str = "(Chưa tìm thấy nội dung trong văn bản gốc)";

/// Parsed criterion with the tables its lines come from.
struct CritSrc<'a, 'i> {
    t: Tbl<'a, 'i>,
    inds: Vec<Tbl<'a, 'i>>,
    crit: Criterion,
}

fn build_set(cx: &mut Ctx<'_>, root: &Tbl<'_, '_>) -> Option<CriteriaSet> {
    cx.check_keys(root, ROOT_KEYS);

    match cx.int_opt(root, "schema") {
        Some(1) => {}
        Some(n) => {
            let line = cx.line_of(root, "schema");
            cx.push(
                line,
                format!("`schema` = {n} không được hỗ trợ / unsupported schema (expected 1)"),
            );
        }
        None if root.get("schema").is_none() => cx.missing_key(root, "schema"),
        None => {}
    }
    let id = cx.str_req(root, "id");
    if let Some(id) = &id {
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            let line = cx.line_of(root, "id");
            cx.push(
                line,
                format!(
                    "`id` \"{id}\" chỉ được gồm chữ ASCII, số, '-', '_', '.' / \
                     id must be non-empty ASCII letters, digits, '-', '_', '.'"
                ),
            );
        }
    }
    let model = cx
        .enum_req(root, "model", MODELS)
        .and_then(|m| Model::from_code(&m));
    let title = cx.str_req(root, "title");
    let version = if root.get("version").is_none() {
        cx.missing_key(root, "version");
        None
    } else {
        cx.u32_opt(root, "version")
    };
    if version == Some(0) {
        let line = cx.line_of(root, "version");
        cx.push(line, "`version` phải ≥ 1 / version must be ≥ 1".into());
    }
    let status = cx
        .enum_req(root, "status", STATUSES)
        .map(|s| match s.as_str() {
            "official" => SetStatus::Official,
            "partial" => SetStatus::Partial,
            _ => SetStatus::Template,
        });
    let period = cx.str_opt(root, "period");
    let total_max = cx.points_opt(root, "total_max");
    let eligibility = build_eligibility(cx, root, model);

    let document = match cx.table_opt(root, "document") {
        Some(d) => {
            cx.check_keys(&d, DOCUMENT_KEYS);
            let date = match d.get("date").map(|v| v.get_ref()) {
                Some(DeValue::Datetime(dt)) => Some(dt.to_string()),
                _ => cx.str_opt(&d, "date"),
            };
            IssuingDocument {
                number: cx.str_opt(&d, "number"),
                date,
                issuer: cx.str_opt(&d, "issuer"),
            }
        }
        None => IssuingDocument {
            number: None,
            date: None,
            issuer: None,
        },
    };

    let mut notes = Vec::new();
    for n in cx.tables(root, "notes") {
        cx.check_keys(&n, NOTE_KEYS);
        let about = cx.str_req(&n, "about");
        let kind = cx.enum_req(&n, "kind", &["verified", "inferred"]);
        let text = cx.str_req(&n, "text");
        let source = cx.str_opt(&n, "source");
        if let (Some(about), Some(kind), Some(text)) = (about, kind, text) {
            notes.push(SourceNote {
                about,
                kind: if kind == "verified" {
                    NoteKind::Verified
                } else {
                    NoteKind::Inferred
                },
                text,
                source,
            });
        }
    }

    // Rules (lines kept for the semantic checks below).
    let rules_t = cx.table_opt(root, "rules");
    let mut rules = Rules {
        pass_total: None,
        indicator_floor: None,
        knockout: Vec::new(),
        levels: Vec::new(),
    };
    let mut knockout_lines = Vec::new();
    let mut level_ts = Vec::new();
    if let Some(r) = &rules_t {
        cx.check_keys(r, RULES_KEYS);
        rules.pass_total = cx.points_opt(r, "pass_total");
        rules.indicator_floor = cx.points_opt(r, "indicator_floor");
        if let Some(v) = r.get("knockout") {
            match v.get_ref() {
                DeValue::Array(items) => {
                    for item in items.iter() {
                        match item.get_ref() {
                            DeValue::String(s) => {
                                rules.knockout.push(s.to_string());
                                knockout_lines.push(cx.vline(item));
                            }
                            _ => {
                                let line = cx.vline(item);
                                cx.push(
                                    line,
                                    "`rules.knockout`: mỗi phần tử phải là mã chỉ số (chuỗi) / \
                                     each element must be an indicator id string"
                                        .into(),
                                );
                            }
                        }
                    }
                }
                _ => cx.wrong_type(r, "knockout", v, "mảng chuỗi (array of strings)"),
            }
        }
        for l in cx.tables(r, "levels") {
            cx.check_keys(&l, LEVEL_KEYS);
            let code = cx.str_req(&l, "code");
            let title = cx.str_req(&l, "title");
            let min_total = cx.points_opt(&l, "min_total");
            let indicator_floor = cx.points_opt(&l, "indicator_floor");
            if let (Some(code), Some(title)) = (code, title) {
                rules.levels.push(Level {
                    code,
                    title,
                    min_total,
                    indicator_floor,
                });
                level_ts.push(l);
            }
        }
    }

    // Criteria and indicators.
    if root.get("criteria").is_none() {
        cx.missing_key(root, "criteria");
    }
    let crit_ts = cx.tables(root, "criteria");
    if root.get("criteria").is_some() && crit_ts.is_empty() {
        let line = cx.line_of(root, "criteria");
        cx.push(
            line,
            "Bộ tiêu chí không có tiêu chí nào / no criteria".into(),
        );
    }
    let mut crits: Vec<CritSrc<'_, '_>> = Vec::new();
    for t in crit_ts {
        if let Some(c) = build_criterion(cx, t) {
            crits.push(c);
        }
    }

    let status_v = status.unwrap_or(SetStatus::Template);
    check_set(
        cx,
        &crits,
        status_v,
        total_max,
        root,
        &rules,
        rules_t.as_ref(),
        &knockout_lines,
        &level_ts,
    );

    let criteria: Vec<Criterion> = crits.into_iter().map(|c| c.crit).collect();
    Some(CriteriaSet {
        id: id?,
        model: model?,
        title: title?,
        document,
        period,
        version: version?,
        status: status?,
        total_max,
        notes,
        criteria,
        rules,
        eligibility,
    })
}

/// The optional `[eligibility]` table.
fn build_eligibility(
    cx: &mut Ctx<'_>,
    root: &Tbl<'_, '_>,
    model: Option<Model>,
) -> Option<Eligibility> {
    let t = cx.table_opt(root, "eligibility")?;
    cx.check_keys(&t, ELIGIBILITY_KEYS);
    let age_min = cx.u32_opt(&t, "age_min");
    let age_max = cx.u32_opt(&t, "age_max");
    if let (Some(a), Some(b)) = (age_min, age_max) {
        if a > b {
            let line = cx.line_of(&t, "age_min");
            cx.push(
                line,
                format!(
                    "`eligibility.age_min` {a} lớn hơn `age_max` {b} / age_min is greater than age_max"
                ),
            );
        }
    }
    let el = Eligibility { age_min, age_max };
    if el.has_age_bounds() && model.is_some_and(|m| m != Model::CongDan) {
        cx.push(
            t.line,
            "`[eligibility]`: giới hạn độ tuổi chỉ dùng cho bộ Công dân học tập (model = \"cong_dan\") / \
             age bounds apply only to a cong_dan set (a person has an age)"
                .into(),
        );
    }
    Some(el)
}

fn build_criterion<'a, 'i>(cx: &mut Ctx<'_>, t: Tbl<'a, 'i>) -> Option<CritSrc<'a, 'i>> {
    cx.check_keys(&t, CRITERION_KEYS);
    let id = cx.str_req(&t, "id");
    let title = cx.str_req(&t, "title");
    let missing = cx.bool_opt(&t, "missing").unwrap_or(false);
    let max = cx.points_opt(&t, "max");
    if t.get("max").is_none() && !missing {
        cx.missing_key(&t, "max");
    }
    let min_points = cx.points_opt(&t, "min_points");
    let ind_ts = cx.tables(&t, "indicators");
    if ind_ts.is_empty() && !missing {
        cx.push(
            t.line,
            format!(
                "Tiêu chí {} không có chỉ số nào (đánh dấu `missing = true` nếu chưa tìm thấy) / \
                 criterion has no indicators",
                id.as_deref().unwrap_or("?")
            ),
        );
    }
    let mut indicators = Vec::new();
    let mut inds = Vec::new();
    for it in ind_ts {
        if let Some(ind) = build_indicator(cx, &it) {
            indicators.push(ind);
            inds.push(it);
        }
    }
    Some(CritSrc {
        crit: Criterion {
            id: id.unwrap_or_default(),
            title: title.unwrap_or_default(),
            max,
            min_points,
            missing,
            indicators,
        },
        inds,
        t,
    })
}

fn build_indicator(cx: &mut Ctx<'_>, t: &Tbl<'_, '_>) -> Option<Indicator> {
    cx.check_keys(t, INDICATOR_KEYS);
    let id = cx.str_req(t, "id");
    let missing = cx.bool_opt(t, "missing").unwrap_or(false);
    let text = if missing {
        cx.str_opt(t, "text")
            .or_else(|| Some(MISSING_TEXT.to_string()))
    } else {
        cx.str_req(t, "text")
    };
    let guidance = cx.str_opt(t, "guidance");
    let max = cx.points_opt(t, "max");
    if t.get("max").is_none() && !missing {
        cx.missing_key(t, "max");
    }
    let floor = cx.points_opt(t, "floor");
    let evidence_min = cx.u32_opt(t, "evidence_min").unwrap_or(0);
    let answer_s = if missing && t.get("answer").is_none() {
        Some("points".to_string())
    } else {
        cx.enum_req(t, "answer", ANSWERS)
    };
    let derived_t = cx.table_opt(t, "derived");
    let answer = match answer_s.as_deref() {
        Some("points") => {
            let step = if t.get("step").is_some() {
                cx.points_opt(t, "step")
            } else {
                Some(Points::whole(1))
            };
            step.map(|step| AnswerKind::Points { step })
        }
        Some("yes_no") => {
            if t.get("step").is_some() {
                let line = cx.line_of(t, "step");
                cx.push(
                    line,
                    "`step` chỉ dùng với answer = \"points\" / step only applies to points answers"
                        .into(),
                );
            }
            Some(AnswerKind::YesNo)
        }
        Some("derived") => {
            if t.get("step").is_some() {
                let line = cx.line_of(t, "step");
                cx.push(
                    line,
                    "`step` chỉ dùng với answer = \"points\" (tính tự động làm tròn xuống điểm \
                     nguyên) / step only applies to points answers"
                        .into(),
                );
            }
            match &derived_t {
                Some(d) => build_derived(cx, d).map(AnswerKind::Derived),
                None => {
                    cx.missing_key(t, "derived");
                    None
                }
            }
        }
        _ => None,
    };
    if let (Some(d), Some(a)) = (&derived_t, answer_s.as_deref()) {
        if a != "derived" {
            cx.push(
                d.line,
                "Bảng `derived` chỉ dùng với answer = \"derived\" / \
                 a derived table needs answer = \"derived\""
                    .into(),
            );
        }
    }
    // Placeholders keep a faulty indicator in the tree so that cross-field checks still see
    // it; the set is never returned when any problem was reported.
    Some(Indicator {
        id: id.unwrap_or_default(),
        text: text.unwrap_or_default(),
        guidance,
        max,
        answer: answer.unwrap_or(AnswerKind::YesNo),
        floor,
        evidence: EvidenceRule {
            required: evidence_min > 0,
            min_photos: evidence_min,
        },
        missing,
    })
}

fn build_derived(cx: &mut Ctx<'_>, d: &Tbl<'_, '_>) -> Option<DerivedRule> {
    cx.check_keys(d, DERIVED_KEYS);
    let age_min = cx.u32_opt(d, "age_min");
    let age_max = cx.u32_opt(d, "age_max");
    if let (Some(a), Some(b)) = (age_min, age_max) {
        if a > b {
            let line = cx.line_of(d, "age_min");
            cx.push(
                line,
                format!(
                    "`{}` {a} lớn hơn `age_max` {b} / age_min is greater than age_max",
                    d.key_path("age_min")
                ),
            );
        }
    }
    let exclude_unable = cx.bool_opt(d, "exclude_unable").unwrap_or(false);
    let condition = cx
        .enum_req(d, "condition", &["in_school", "literate", "cdht"])
        .map(|c| match c.as_str() {
            "in_school" => MemberCondition::InSchool,
            "literate" => MemberCondition::Literate,
            _ => MemberCondition::Cdht,
        });
    let scoring = cx
        .enum_req(d, "scoring", &["threshold", "proportional"])
        .map(|s| {
            if s == "threshold" {
                DerivedScoring::Threshold
            } else {
                DerivedScoring::Proportional
            }
        });
    let min_share = match d.get("min_share") {
        Some(_) => cx.num_opt(d, "min_share"),
        None => Some(1.0),
    };
    if let Some(s) = min_share {
        if !(0.0..=1.0).contains(&s) {
            let line = cx.line_of(d, "min_share");
            cx.push(
                line,
                format!(
                    "`{}` {s} phải nằm trong 0..1 / min_share must be within 0..1",
                    d.key_path("min_share")
                ),
            );
        }
    }
    let when_none = cx.enum_req(d, "when_none", &["full", "zero"]).map(|w| {
        if w == "full" {
            WhenNone::Full
        } else {
            WhenNone::Zero
        }
    });
    let explanation = cx.str_req(d, "explanation");
    Some(DerivedRule {
        filter: MemberFilter {
            age_min,
            age_max,
            exclude_unable,
        },
        condition: condition?,
        scoring: scoring?,
        min_share: min_share?,
        when_none: when_none?,
        explanation: explanation?,
    })
}

// ---------------------------------------------------------------------------------------------
// Cross-field checks

#[allow(clippy::too_many_arguments)]
fn check_set(
    cx: &mut Ctx<'_>,
    crits: &[CritSrc<'_, '_>],
    status: SetStatus,
    total_max: Option<Points>,
    root: &Tbl<'_, '_>,
    rules: &Rules,
    rules_t: Option<&Tbl<'_, '_>>,
    knockout_lines: &[usize],
    level_ts: &[Tbl<'_, '_>],
) {
    let official = status == SetStatus::Official;
    let mut seen_crit: Vec<(&str, usize)> = Vec::new();
    let mut seen_ind: Vec<(&str, usize)> = Vec::new();
    let mut all_known = true;
    let mut sum_all = 0u64;
    // Indicators whose max is below the global floor / each level's floor.
    let mut over_global: Vec<String> = Vec::new();
    let mut over_level: Vec<Vec<String>> = vec![Vec::new(); rules.levels.len()];

    for c in crits {
        let crit = &c.crit;
        let id_line = cx.line_of(&c.t, "id");
        if let Some((_, first)) = seen_crit.iter().find(|(id, _)| *id == crit.id) {
            let first = *first;
            cx.push(
                id_line,
                format!(
                    "Trùng mã tiêu chí \"{}\" (đã có ở dòng {first}) / duplicate criterion id",
                    crit.id
                ),
            );
        } else {
            seen_crit.push((&crit.id, id_line));
        }
        if crit.missing && official {
            let line = cx.line_of(&c.t, "missing");
            cx.push(
                line,
                format!(
                    "Tiêu chí {} đánh dấu thiếu (missing) trong bộ chính thức / \
                     a missing criterion is not allowed in an official set",
                    crit.id
                ),
            );
        }

        let mut sum = 0u64;
        let mut known = !crit.missing;
        for (ind, it) in crit.indicators.iter().zip(&c.inds) {
            let id_line = cx.line_of(it, "id");
            if let Some((_, first)) = seen_ind.iter().find(|(id, _)| *id == ind.id) {
                let first = *first;
                cx.push(
                    id_line,
                    format!(
                        "Trùng mã chỉ số \"{}\" (đã có ở dòng {first}) / duplicate indicator id",
                        ind.id
                    ),
                );
            } else {
                seen_ind.push((&ind.id, id_line));
            }
            let well_formed = ind.id.split_once('.').is_some_and(|(n, m)| {
                n == crit.id && !m.is_empty() && m.chars().all(|ch| ch.is_ascii_digit())
            });
            if !well_formed {
                cx.push(
                    id_line,
                    format!(
                        "Mã chỉ số \"{}\" phải có dạng \"{}.M\" (M là số) / \
                         indicator id must be \"N.M\" with N = criterion id {}",
                        ind.id, crit.id, crit.id
                    ),
                );
            }
            if ind.missing && official {
                let line = cx.line_of(it, "missing");
                cx.push(
                    line,
                    format!(
                        "Chỉ số {} đánh dấu thiếu (missing) trong bộ chính thức / \
                         a missing indicator is not allowed in an official set",
                        ind.id
                    ),
                );
            }
            match ind.max {
                Some(m) => sum += u64::from(m.0),
                None => known = false,
            }
            if let (AnswerKind::Points { step }, Some(max)) = (&ind.answer, ind.max) {
                let line = cx.line_of(it, "step");
                if step.0 == 0 {
                    cx.push(
                        line,
                        format!("Chỉ số {}: `step` phải > 0 / step must be > 0", ind.id),
                    );
                } else if max.0 % step.0 != 0 {
                    cx.push(
                        line,
                        format!(
                            "Chỉ số {}: bước {step} không chia hết điểm tối đa {max} / \
                             step does not divide max",
                            ind.id
                        ),
                    );
                }
            }
            if let Some(max) = ind.max {
                if let Some(f) = ind.floor {
                    if f > max {
                        let line = cx.line_of(it, "floor");
                        cx.push(
                            line,
                            format!(
                                "Chỉ số {}: mức tối thiểu {f} lớn hơn điểm tối đa {max} / \
                                 floor above the indicator's max",
                                ind.id
                            ),
                        );
                    }
                } else if let Some(f) = rules.indicator_floor {
                    if f > max && !over_global.contains(&ind.id) {
                        over_global.push(ind.id.clone());
                    }
                }
                for (li, level) in rules.levels.iter().enumerate() {
                    if level.indicator_floor.is_some_and(|f| f > max)
                        && !over_level[li].contains(&ind.id)
                    {
                        over_level[li].push(ind.id.clone());
                    }
                }
            }
        }
        if known {
            if let Some(cmax) = crit.max {
                if u64::from(cmax.0) != sum {
                    let line = cx.line_of(&c.t, "max");
                    cx.push(
                        line,
                        format!(
                            "Tiêu chí {}: điểm tối đa {cmax} khác tổng các chỉ số {} / \
                             criterion max differs from the sum of its indicators",
                            crit.id,
                            points_u64(sum)
                        ),
                    );
                }
            }
        }
        match crit.max {
            Some(m) => sum_all += u64::from(m.0),
            None if known => sum_all += sum,
            None => all_known = false,
        }
        if let (Some(mp), Some(cmax)) = (crit.min_points, crit.max) {
            if mp > cmax {
                let line = cx.line_of(&c.t, "min_points");
                cx.push(
                    line,
                    format!(
                        "Tiêu chí {}: `min_points` {mp} lớn hơn điểm tối đa {cmax} / \
                         min_points above the criterion max",
                        crit.id
                    ),
                );
            }
        }
    }

    if let (Some(f), Some(r), false) = (rules.indicator_floor, rules_t, over_global.is_empty()) {
        let line = cx.line_of(r, "indicator_floor");
        cx.push(
            line,
            format!(
                "`rules.indicator_floor` {f} lớn hơn điểm tối đa của chỉ số {} / \
                 global floor above the max of these indicators",
                over_global.join(", ")
            ),
        );
    }
    for ((level, lt), ids) in rules.levels.iter().zip(level_ts).zip(&over_level) {
        if let (Some(f), false) = (level.indicator_floor, ids.is_empty()) {
            let line = cx.line_of(lt, "indicator_floor");
            cx.push(
                line,
                format!(
                    "Mức {}: mức tối thiểu {f} lớn hơn điểm tối đa của chỉ số {} / \
                     level floor above the max of these indicators",
                    level.code,
                    ids.join(", ")
                ),
            );
        }
    }

    if let Some(tm) = total_max {
        if all_known && u64::from(tm.0) != sum_all {
            let line = cx.line_of(root, "total_max");
            cx.push(
                line,
                format!(
                    "`total_max` {tm} khác tổng điểm các tiêu chí {} / \
                     total_max differs from the sum of all maxima",
                    points_u64(sum_all)
                ),
            );
        }
    }
    let total: Option<u64> =
        total_max
            .map(|t| u64::from(t.0))
            .or(if all_known { Some(sum_all) } else { None });

    if let Some(r) = rules_t {
        if let (Some(pt), Some(total)) = (rules.pass_total, total) {
            if u64::from(pt.0) > total {
                let line = cx.line_of(r, "pass_total");
                cx.push(
                    line,
                    format!(
                        "`rules.pass_total` {pt} lớn hơn tổng điểm tối đa {} / \
                         pass_total above the total maximum",
                        points_u64(total)
                    ),
                );
            }
        }
        for (k, line) in rules.knockout.iter().zip(knockout_lines) {
            if !seen_ind.iter().any(|(id, _)| id == k) {
                cx.push(
                    *line,
                    format!(
                        "`rules.knockout`: chỉ số \"{k}\" không có trong bộ tiêu chí / \
                         unknown indicator"
                    ),
                );
            }
        }
    }
    if official && rules.pass_total.is_none() {
        let line = rules_t.map(|r| r.line).unwrap_or(1);
        cx.push(
            line,
            "Bộ chính thức phải có `rules.pass_total` / an official set needs rules.pass_total"
                .into(),
        );
    }
    let mut codes: Vec<&str> = Vec::new();
    for (level, lt) in rules.levels.iter().zip(level_ts) {
        if codes.contains(&level.code.as_str()) {
            let line = cx.line_of(lt, "code");
            cx.push(
                line,
                format!("Trùng mã mức \"{}\" / duplicate level code", level.code),
            );
        }
        codes.push(&level.code);
        if let Some(mt) = level.min_total {
            let line = cx.line_of(lt, "min_total");
            if let Some(total) = total {
                if u64::from(mt.0) > total {
                    cx.push(
                        line,
                        format!(
                            "Mức {}: `min_total` {mt} lớn hơn tổng điểm tối đa {} / \
                             level min_total above the total maximum",
                            level.code,
                            points_u64(total)
                        ),
                    );
                }
            }
            if let Some(pt) = rules.pass_total {
                if mt < pt {
                    cx.push(
                        line,
                        format!(
                            "Mức {}: `min_total` {mt} thấp hơn ngưỡng đạt {pt} / \
                             level min_total below pass_total",
                            level.code
                        ),
                    );
                }
            }
        }
    }
}

fn points_u64(hundredths: u64) -> Points {
    Points(u32::try_from(hundredths).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_numbers() {
        let cx = Ctx::new("a\nb\n\nc", "f");
        assert_eq!(cx.line(0), 1);
        assert_eq!(cx.line(1), 1);
        assert_eq!(cx.line(2), 2);
        assert_eq!(cx.line(4), 3);
        assert_eq!(cx.line(5), 4);
    }

    #[test]
    fn syntax_error_has_line() {
        let err = parse_set("schema = 1\nid = \"x\"\ntitle = \n", "bad.toml").unwrap_err();
        assert!(!err.problems.is_empty());
        assert_eq!(err.problems[0].line, 3, "{err}");
        assert!(err.to_string().starts_with("bad.toml:3: "));
    }
}
