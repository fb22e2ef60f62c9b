//! Evaluation of a set against answers: per-indicator points (answered, derived from member
//! data, or overridden), criterion subtotals, pass rules, levels, and every reason why an
//! assessment did not pass, each with a Vietnamese message naming the indicator.
//!
//! Status rules:
//! - `failed` with an `ineligible` reason (listed first) when the person assessed is outside the
//!   set's `[eligibility]`: the set does not apply to them, whatever else is missing;
//! - `incomplete` when an answerable indicator has no value, a derived indicator cannot be
//!   computed (a counted member lacks the needed fact) and is not overridden, evidence photos are
//!   short (only when `answers.evidence` is given), the set itself is incomplete, or the
//!   set has age bounds and the person's birth year is unknown;
//! - otherwise `failed` when any rule fails (total, floors, criterion minimum, knockout);
//! - otherwise `passed`, with the highest level reached (code and title).
//!
//! A template set's evaluation is marked `practice`; its `label` reads as a practice result and
//! never "Đạt" (`labels::evaluation_label`).
//!
//! Rule failures are reported even when incomplete, computed over the answered items; a total
//! or criterion minimum is reported as failed only when full marks on every unanswered item
//! could not reach it any more.

use super::{
    AnswerValue, Answers, CriterionResult, Evaluation, InputError, ItemResult, Reason, ReasonCode,
    SetRef, Status, ValueSource,
};
use crate::criteria::{
    AnswerKind, CriteriaSet, DerivedRule, DerivedScoring, Indicator, LoadedSet, MemberCondition,
    WhenNone,
};
use crate::eligibility::{self, SubjectProblem};
use crate::labels;
use crate::model::{MemberFacts, Points, Schooling};

/// Evaluate `set` against `answers` (validated first).
pub fn evaluate(set: &LoadedSet, answers: &Answers) -> Result<Evaluation, InputError> {
    answers.validate(set)?;

    let mut incomplete: Vec<Reason> = Vec::new();
    let mut failures: Vec<Reason> = Vec::new();
    // The person assessed, checked against the set's `[eligibility]`.
    let mut ineligible: Vec<Reason> = Vec::new();
    for problem in eligibility::subject_problems(set, answers.year, &answers.members) {
        match problem {
            SubjectProblem::Ineligible(message) => {
                ineligible.push(reason(ReasonCode::Ineligible, None, message));
            }
            SubjectProblem::MissingBirthYear(message) => {
                incomplete.push(reason(ReasonCode::MissingMemberData, None, message));
            }
        }
    }
    let mut items = Vec::with_capacity(set.criteria.iter().map(|c| c.indicators.len()).sum());
    let mut subtotals = Vec::with_capacity(set.criteria.len());
    let mut total = 0u32;
    // Points still reachable on unanswered (or uncomputable) items.
    let mut open_total = 0u32;

    if set.rules.pass_total.is_none() {
        incomplete.push(reason(
            ReasonCode::SetIncomplete,
            None,
            "Bộ tiêu chí chưa có ngưỡng điểm công nhận: không thể kết luận đạt".into(),
        ));
    }

    for crit in &set.criteria {
        if crit.missing {
            incomplete.push(reason(
                ReasonCode::SetIncomplete,
                Some(&crit.id),
                format!(
                    "Tiêu chí {} ({}) còn thiếu nội dung trong bộ tiêu chí",
                    crit.id, crit.title
                ),
            ));
        }
        let mut sub = 0u32;
        let mut open_sub = 0u32;
        for ind in &crit.indicators {
            let result = score_indicator(ind, answers);
            if ind.missing {
                incomplete.push(reason(
                    ReasonCode::SetIncomplete,
                    Some(&ind.id),
                    format!("Chỉ số {} còn thiếu nội dung trong bộ tiêu chí", ind.id),
                ));
            } else if result.points.is_none() {
                if let Some(r) = result.problem {
                    incomplete.push(r);
                } else {
                    incomplete.push(reason(
                        ReasonCode::MissingAnswer,
                        Some(&ind.id),
                        format!("Chỉ số {} chưa được chấm điểm", ind.id),
                    ));
                }
            }
            if !ind.missing {
                if let Some(ev) = &answers.evidence {
                    if ind.evidence.required {
                        let have = ev.get(&ind.id).copied().unwrap_or(0);
                        if have < ind.evidence.min_photos {
                            incomplete.push(reason(
                                ReasonCode::MissingEvidence,
                                Some(&ind.id),
                                format!(
                                    "Chỉ số {} cần ít nhất {} ảnh minh chứng, mới có {have}",
                                    ind.id, ind.evidence.min_photos
                                ),
                            ));
                        }
                    }
                }
            }
            match result.points {
                Some(p) => {
                    sub = sub.saturating_add(p.0);
                    check_item_rules(set, ind, p, &mut failures);
                }
                None => open_sub = open_sub.saturating_add(ind.max.map_or(0, |m| m.0)),
            }
            items.push(ItemResult {
                id: ind.id.clone(),
                points: result.points,
                max: ind.max,
                source: result.source,
                explanation: result.explanation,
            });
        }
        let mut met = true;
        if let Some(min) = crit.min_points {
            if sub < min.0 {
                met = false;
                if sub.saturating_add(open_sub) < min.0 {
                    failures.push(reason(
                        ReasonCode::CriterionBelowMin,
                        Some(&crit.id),
                        format!(
                            "Tiêu chí {} đạt {} điểm, dưới mức tối thiểu {min} điểm",
                            crit.id,
                            Points(sub)
                        ),
                    ));
                }
            }
        }
        total = total.saturating_add(sub);
        open_total = open_total.saturating_add(open_sub);
        subtotals.push(CriterionResult {
            id: crit.id.clone(),
            title: crit.title.clone(),
            total: Points(sub),
            max: crit.max,
            min_points: crit.min_points,
            met,
        });
    }

    if let Some(pass) = set.rules.pass_total {
        if total < pass.0 && total.saturating_add(open_total) < pass.0 {
            failures.push(reason(
                ReasonCode::BelowTotal,
                None,
                format!(
                    "Tổng điểm {} dưới ngưỡng công nhận {pass} điểm",
                    Points(total)
                ),
            ));
        }
    }

    // A person the set does not apply to can never pass, whatever else is missing.
    let status = if !ineligible.is_empty() {
        Status::Failed
    } else if !incomplete.is_empty() {
        Status::Incomplete
    } else if !failures.is_empty() {
        Status::Failed
    } else {
        Status::Passed
    };
    let level = if status == Status::Passed {
        reached_level(set, total, &items)
    } else {
        None
    };
    let level_title = level
        .as_deref()
        .and_then(|code| set.level_title(code))
        .map(str::to_string);
    let practice = set.is_practice();
    let label = labels::evaluation_label(status, practice, !ineligible.is_empty());
    ineligible.append(&mut incomplete);
    ineligible.append(&mut failures);

    Ok(Evaluation {
        status,
        practice,
        label,
        total: Points(total),
        max: set.total_max.unwrap_or_else(|| set.max_total()),
        level,
        level_title,
        criteria: SetRef {
            id: set.id.clone(),
            version: set.version,
            sha256: set.sha256().to_string(),
        },
        engine_version: crate::ENGINE_VERSION.to_string(),
        subtotals,
        items,
        reasons: ineligible,
    })
}

fn reason(code: ReasonCode, item: Option<&str>, message: String) -> Reason {
    Reason {
        code,
        item: item.map(str::to_string),
        message,
    }
}

/// Floor and knockout rules of one scored indicator.
fn check_item_rules(set: &CriteriaSet, ind: &Indicator, p: Points, failures: &mut Vec<Reason>) {
    if let Some(floor) = ind.floor.or(set.rules.indicator_floor) {
        if p < floor {
            failures.push(reason(
                ReasonCode::BelowFloor,
                Some(&ind.id),
                format!(
                    "Chỉ số {} đạt {p} điểm, dưới mức tối thiểu {floor} điểm",
                    ind.id
                ),
            ));
        }
    }
    if p == Points::ZERO && set.rules.knockout.contains(&ind.id) {
        failures.push(reason(
            ReasonCode::Knockout,
            Some(&ind.id),
            format!(
                "Chỉ số {} không đạt (0 điểm): đây là chỉ số bắt buộc, không thể công nhận",
                ind.id
            ),
        ));
    }
}

/// The last level in order whose conditions all hold.
fn reached_level(set: &CriteriaSet, total: u32, items: &[ItemResult]) -> Option<String> {
    set.rules
        .levels
        .iter()
        .rev()
        .find(|l| {
            l.min_total.is_none_or(|m| total >= m.0)
                && l.indicator_floor.is_none_or(|f| {
                    items
                        .iter()
                        .all(|i| i.points.is_some_and(|p| p >= f) || i.max.is_none())
                })
        })
        .map(|l| l.code.clone())
}

struct Scored {
    points: Option<Points>,
    source: ValueSource,
    explanation: Option<String>,
    /// Why `points` is `None`, when it is not simply unanswered.
    problem: Option<Reason>,
}

fn score_indicator(ind: &Indicator, answers: &Answers) -> Scored {
    let answer = answers.items.get(&ind.id);
    let value = answer.and_then(|a| a.value);
    if ind.missing {
        return Scored {
            points: None,
            source: ValueSource::Missing,
            explanation: None,
            problem: None,
        };
    }
    let max = ind.max.unwrap_or(Points::ZERO);
    match &ind.answer {
        AnswerKind::Points { .. } | AnswerKind::YesNo => {
            let points = value.map(|v| match v {
                AnswerValue::Points(p) => p,
                AnswerValue::YesNo(true) => max,
                AnswerValue::YesNo(false) => Points::ZERO,
            });
            Scored {
                points,
                source: if points.is_some() {
                    ValueSource::Answered
                } else {
                    ValueSource::Missing
                },
                explanation: None,
                problem: None,
            }
        }
        AnswerKind::Derived(rule) => {
            let computed = derive(ind, rule, max, answers);
            match (value, computed) {
                (Some(v), computed) => {
                    let p = match v {
                        AnswerValue::Points(p) => p,
                        AnswerValue::YesNo(true) => max,
                        AnswerValue::YesNo(false) => Points::ZERO,
                    };
                    let why = answer
                        .and_then(|a| a.override_reason.as_deref())
                        .unwrap_or("");
                    let base = match computed {
                        Ok((c, text)) => format!("tính tự động {c} điểm ({text})"),
                        Err(e) => format!("không tính tự động được: {}", e.message),
                    };
                    Scored {
                        points: Some(p),
                        source: ValueSource::Overridden,
                        explanation: Some(format!(
                            "Cán bộ sửa thành {p} điểm, lý do: {why}; {base}"
                        )),
                        problem: None,
                    }
                }
                (None, Ok((p, text))) => Scored {
                    points: Some(p),
                    source: ValueSource::Derived,
                    explanation: Some(text),
                    problem: None,
                },
                (None, Err(problem)) => Scored {
                    points: None,
                    source: ValueSource::Missing,
                    explanation: Some(problem.message.clone()),
                    problem: Some(problem),
                },
            }
        }
    }
}

/// Compute a derived indicator from member facts: points and a Vietnamese explanation, or a
/// `missing_member_data` reason naming the members lacking facts.
fn derive(
    ind: &Indicator,
    rule: &DerivedRule,
    max: Points,
    answers: &Answers,
) -> Result<(Points, String), Reason> {
    let f = &rule.filter;
    let mut counted = 0u32;
    let mut meeting = 0u32;
    let mut lacking: Vec<String> = Vec::new();
    let has_age_filter = f.age_min.is_some() || f.age_max.is_some();
    for (i, m) in answers.members.iter().enumerate() {
        if f.exclude_unable && m.unable_to_learn {
            continue;
        }
        if has_age_filter {
            let Some(birth) = m.birth_year else {
                lacking.push(member_label(i, m));
                continue;
            };
            let age = i64::from(answers.year) - i64::from(birth);
            if f.age_min.is_some_and(|a| age < i64::from(a))
                || f.age_max.is_some_and(|a| age > i64::from(a))
            {
                continue;
            }
        }
        let meets = match rule.condition {
            MemberCondition::InSchool => m
                .schooling
                .map(|s| matches!(s, Schooling::InSchool | Schooling::Finished)),
            MemberCondition::Literate => m.literate,
            MemberCondition::Cdht => m.cdht,
        };
        match meets {
            Some(ok) => {
                counted += 1;
                if ok {
                    meeting += 1;
                }
            }
            None => lacking.push(member_label(i, m)),
        }
    }
    if !lacking.is_empty() {
        let fact = match rule.condition {
            MemberCondition::InSchool => "tình trạng đi học",
            MemberCondition::Literate => "biết chữ",
            MemberCondition::Cdht => "Công dân học tập",
        };
        let what = if has_age_filter {
            format!("năm sinh hoặc {fact}")
        } else {
            fact.to_string()
        };
        return Err(reason(
            ReasonCode::MissingMemberData,
            Some(&ind.id),
            format!(
                "Chỉ số {} chưa tính được: thiếu {what} của {}",
                ind.id,
                lacking.join(", ")
            ),
        ));
    }

    let who = group_label(rule);
    if counted == 0 {
        let p = match rule.when_none {
            WhenNone::Full => max,
            WhenNone::Zero => Points::ZERO,
        };
        return Ok((p, format!("Không có {who}: {p} điểm")));
    }
    let cond = match rule.condition {
        MemberCondition::InSchool => "đang đi học",
        MemberCondition::Literate => "đạt chuẩn biết chữ",
        MemberCondition::Cdht => "được công nhận Công dân học tập",
    };
    let p = match rule.scoring {
        DerivedScoring::Threshold => {
            // share ≥ min_share, compared without rounding surprises at 1.0.
            let share = f64::from(meeting) / f64::from(counted);
            if share + 1e-9 >= rule.min_share {
                max
            } else {
                Points::ZERO
            }
        }
        DerivedScoring::Proportional => {
            let raw = u64::from(max.0) * u64::from(meeting) / u64::from(counted);
            let whole = raw - raw % u64::from(Points::SCALE);
            Points(u32::try_from(whole).unwrap_or(max.0))
        }
    };
    Ok((p, format!("{meeting}/{counted} {who} {cond}")))
}

fn member_label(i: usize, m: &MemberFacts) -> String {
    match &m.name {
        Some(n) if !n.trim().is_empty() => n.clone(),
        _ => format!("thành viên thứ {}", i + 1),
    }
}

/// "trẻ trong độ tuổi 6–14", "người từ 18 tuổi trở lên", "thành viên".
fn group_label(rule: &DerivedRule) -> String {
    let f = &rule.filter;
    let noun = if f.age_max.is_some_and(|a| a < 18) {
        "trẻ"
    } else if f.age_min.is_some() || f.age_max.is_some() {
        "người"
    } else {
        "thành viên"
    };
    match (f.age_min, f.age_max) {
        (Some(a), Some(b)) => format!("{noun} trong độ tuổi {a}–{b}"),
        (Some(a), None) => format!("{noun} từ {a} tuổi trở lên"),
        (None, Some(b)) => format!("{noun} đến {b} tuổi"),
        (None, None) => noun.to_string(),
    }
}
