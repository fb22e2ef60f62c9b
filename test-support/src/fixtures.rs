//! Finalized assessments as a device uploads them, built with the domain alone: answers for the
//! built-in `cdht-324` set (Công dân học tập), evaluated by the engine, frozen into canonical
//! content and sealed with its hash — the same steps the device store takes at finalization.

use chrono::Utc;
use hoctap_domain::assessment::{CanonicalAssessment, FreezeMeta};
use hoctap_domain::criteria::builtin::builtin_set;
use hoctap_domain::engine::{evaluate, AnswerValue, Answers, ItemAnswer};
use hoctap_domain::model::{MemberFacts, Points, Subject, SubjectKind};
use hoctap_domain::protocol::{HouseholdRecord, ManifestEntry, MemberRecord};
use hoctap_domain::time::Stamp;
use std::collections::BTreeMap;

/// The criteria set fixtures are scored with.
pub const FIXTURE_SET: &str = "cdht-324";
/// The assessment year of fixtures.
pub const FIXTURE_YEAR: i32 = 2026;
/// The indicator fixture evidence is attached to.
pub const EVIDENCE_ITEM: &str = "1.1";
/// Vietnam's offset from UTC, in minutes: the offset fixtures are finalized at.
const VIETNAM_OFFSET: i32 = 420;

/// What a fixture assessment is made of.
pub struct FixtureOptions<'a> {
    /// Points for every indicator of `cdht-324` (hundredths; capped at each indicator's max).
    pub points: u32,
    /// Evidence photos (their bytes' SHA-256) attached to indicator 1.1.
    pub evidence: &'a [String],
    /// Server hamlet the member's household belongs to.
    pub hamlet_id: &'a str,
}

/// A real finalized assessment (Công dân học tập, `cdht-324`, of the one member of a household
/// created on the device), as the device would upload it: exact canonical content, its hash,
/// the evidence list and the device-created household.
pub fn fixture(opts: &FixtureOptions<'_>) -> ManifestEntry {
    let set = builtin_set(FIXTURE_SET).expect("built-in cdht-324");
    let member = MemberRecord {
        id: new_uuid(),
        name: "Nguyễn Văn An".into(),
        birth_year: Some(1980),
        sex: None,
        relation: None,
        schooling: None,
        literate: Some(true),
        cdht: None,
        cdht_group: None,
        unable_to_learn: false,
    };
    let household = HouseholdRecord {
        id: new_uuid(),
        hamlet_id: opts.hamlet_id.to_string(),
        head: member.name.clone(),
        address: Some("Xóm 1".into()),
        phone: None,
        roster_code: None,
        members: vec![member.clone()],
    };
    let facts = MemberFacts {
        name: Some(member.name.clone()),
        birth_year: member.birth_year,
        sex: member.sex,
        schooling: member.schooling,
        literate: member.literate,
        cdht: member.cdht,
        unable_to_learn: member.unable_to_learn,
    };
    let items: BTreeMap<String, ItemAnswer> = set
        .indicators()
        .map(|i| {
            let max = i.max.map_or(0, |m| m.0);
            (
                i.id.clone(),
                ItemAnswer {
                    value: Some(AnswerValue::Points(Points(opts.points.min(max)))),
                    note: None,
                    override_reason: None,
                },
            )
        })
        .collect();
    let evidence: BTreeMap<String, Vec<String>> = if opts.evidence.is_empty() {
        BTreeMap::new()
    } else {
        BTreeMap::from([(EVIDENCE_ITEM.to_string(), opts.evidence.to_vec())])
    };
    let answers = Answers {
        year: FIXTURE_YEAR,
        items,
        members: vec![facts],
        evidence: Some(
            evidence
                .iter()
                .map(|(k, v)| (k.clone(), u32::try_from(v.len()).unwrap_or(u32::MAX)))
                .collect(),
        ),
    };
    let evaluation = evaluate(&set, &answers).expect("fixture answers evaluate");
    let id = new_uuid();
    let subject = Subject::new(SubjectKind::Member, member.id.clone());
    let now = Stamp::new(Utc::now(), VIETNAM_OFFSET);
    let content = CanonicalAssessment::freeze(
        &FreezeMeta {
            id: &id,
            parent_id: None,
            revision: 1,
            subject: &subject,
            model: set.model,
            year: FIXTURE_YEAR,
            set: &set,
            created_at: &now.utc,
            finalized: &now,
        },
        &answers,
        evidence,
        &evaluation,
    );
    let (content, content_sha256) = content.seal().expect("seal canonical content");
    ManifestEntry {
        id,
        content_sha256,
        content,
        evidence: opts.evidence.to_vec(),
        household: Some(household),
        ..ManifestEntry::default()
    }
}

/// A fixture with 8 points per indicator (passes), no evidence, in `hamlet_id`.
pub fn simple(hamlet_id: &str) -> ManifestEntry {
    fixture(&FixtureOptions {
        points: 800,
        evidence: &[],
        hamlet_id,
    })
}

/// Change the canonical content and re-hash it (a self-consistent entry with other content).
pub fn rewrite(entry: &ManifestEntry, f: impl FnOnce(&mut CanonicalAssessment)) -> ManifestEntry {
    let mut content = CanonicalAssessment::from_json(&entry.content).expect("canonical content");
    f(&mut content);
    let (text, sha) = content.seal().expect("seal canonical content");
    ManifestEntry {
        content_sha256: sha,
        content: text,
        ..entry.clone()
    }
}

/// A new time-ordered id (UUIDv7), as devices and the server make them.
pub fn new_uuid() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// What an assessment of any subject is made of (answers from the set's own indicators).
pub struct SubjectOptions<'a> {
    /// A built-in set id (`template-dong-ho`, `template-don-vi`, `template-cong-dong`,
    /// `cdht-324`, …): its model must be the one that assesses `subject`.
    pub set: &'a str,
    pub subject: Subject,
    /// The members whose facts are frozen with the assessment (derived indicators read them).
    pub members: Vec<MemberFacts>,
    /// Points for every points indicator (hundredths; capped at each maximum and rounded down
    /// to its step); yes/no indicators are answered yes, derived ones left to the engine.
    pub points: u32,
}

/// A real finalized assessment of any subject, without a device-created household (set
/// `household`, `clan` or `unit` on the entry to send one).
pub fn assessment(opts: &SubjectOptions<'_>) -> ManifestEntry {
    use hoctap_domain::criteria::AnswerKind;
    let set = builtin_set(opts.set).expect("built-in set");
    let items: BTreeMap<String, ItemAnswer> = set
        .indicators()
        .filter_map(|i| {
            let max = i.max.map_or(0, |m| m.0);
            let value = match &i.answer {
                AnswerKind::Points { step } => {
                    let step = step.0.max(1);
                    AnswerValue::Points(Points(opts.points.min(max) / step * step))
                }
                AnswerKind::YesNo => AnswerValue::YesNo(true),
                AnswerKind::Derived(_) => return None,
            };
            Some((
                i.id.clone(),
                ItemAnswer {
                    value: Some(value),
                    note: None,
                    override_reason: None,
                },
            ))
        })
        .collect();
    let answers = Answers {
        year: FIXTURE_YEAR,
        items,
        members: opts.members.clone(),
        evidence: Some(BTreeMap::new()),
    };
    let evaluation = evaluate(&set, &answers).expect("fixture answers evaluate");
    let id = new_uuid();
    let now = Stamp::new(Utc::now(), VIETNAM_OFFSET);
    let content = CanonicalAssessment::freeze(
        &FreezeMeta {
            id: &id,
            parent_id: None,
            revision: 1,
            subject: &opts.subject,
            model: set.model,
            year: FIXTURE_YEAR,
            set: &set,
            created_at: &now.utc,
            finalized: &now,
        },
        &answers,
        BTreeMap::new(),
        &evaluation,
    );
    let (content, content_sha256) = content.seal().expect("seal canonical content");
    ManifestEntry {
        id,
        content_sha256,
        content,
        ..ManifestEntry::default()
    }
}

/// A Dòng họ học tập assessment (`template-dong-ho`) of clan `clan_id`, its members' facts
/// frozen with it; no clan record attached.
pub fn clan_assessment(clan_id: &str, members: Vec<MemberFacts>) -> ManifestEntry {
    assessment(&SubjectOptions {
        set: "template-dong-ho",
        subject: Subject::new(SubjectKind::Clan, clan_id),
        members,
        points: 800,
    })
}

/// A Đơn vị học tập assessment (`template-don-vi`) of unit `unit_id`; no unit record attached.
pub fn unit_assessment(unit_id: &str) -> ManifestEntry {
    assessment(&SubjectOptions {
        set: "template-don-vi",
        subject: Subject::new(SubjectKind::Unit, unit_id),
        members: Vec::new(),
        points: 800,
    })
}

/// A Cộng đồng học tập assessment (`template-cong-dong`) of hamlet `hamlet_id`.
pub fn hamlet_assessment(hamlet_id: &str) -> ManifestEntry {
    assessment(&SubjectOptions {
        set: "template-cong-dong",
        subject: Subject::new(SubjectKind::Hamlet, hamlet_id),
        members: Vec::new(),
        points: 800,
    })
}

/// A Công dân học tập assessment (`cdht-324`) of a member the server already holds.
pub fn member_assessment(member_id: &str, name: &str, birth_year: i32) -> ManifestEntry {
    assessment(&SubjectOptions {
        set: FIXTURE_SET,
        subject: Subject::new(SubjectKind::Member, member_id),
        members: vec![MemberFacts {
            name: Some(name.to_string()),
            birth_year: Some(birth_year),
            sex: None,
            schooling: None,
            literate: Some(true),
            cdht: None,
            unable_to_learn: false,
        }],
        points: 800,
    })
}

/// A correction of `entry`, as the device makes one: a new id, `parent_id` the entry's,
/// the next revision, the same subject and answers (then `rewrite` it to change something).
pub fn correction(entry: &ManifestEntry) -> ManifestEntry {
    let id = new_uuid();
    let mut fixed = rewrite(entry, |c| {
        c.parent_id = Some(c.id.clone());
        c.id = id.clone();
        c.revision += 1;
    });
    fixed.id = id;
    fixed
}
