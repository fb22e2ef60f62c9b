//! Roster screens: home (hamlets, the year, progress against the targets), the household list
//! (one page at a time), a household (members, each model's status, what can be done), the
//! household and member forms, clans, the hamlet as a community, units.

use crate::event::{HouseholdInput, MemberInput, SubjectRef};
use hoctap_domain::labels;
use hoctap_domain::model::{Model, Schooling, Sex};
use hoctap_domain::state::SubjectStatus;

/// What the cadre can do about a subject for a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum AssessAction {
    /// Register (đăng ký) the subject for the year.
    Register,
    /// Start an assessment.
    Start,
    /// Continue the draft.
    Continue,
    /// Open the finalized assessment.
    View,
}

/// Where a subject stands for one model in the year.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ModelStatusView {
    pub subject: SubjectRef,
    pub model: Model,
    pub model_title: String,
    pub status: SubjectStatus,
    pub status_label: String,
    /// The latest assessment (draft or finalized).
    pub assessment_id: Option<String>,
    pub total: Option<f64>,
    /// A reviewer's comment or why it is set aside.
    pub comment: Option<String>,
    /// Offered actions, in order (register is never implied by opening a screen).
    pub actions: Vec<AssessAction>,
    /// No criteria set for the model and year on the device: why nothing can be started.
    pub no_criteria: Option<String>,
}

/// A hamlet on the home screen.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HamletRowView {
    pub id: String,
    pub name: String,
    pub kind_label: String,
    pub households: i64,
}

/// One model's progress against the province's target.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TargetProgressView {
    pub model: Model,
    pub title: String,
    pub passed: i64,
    pub all: i64,
    pub percentage: Option<f64>,
    pub target_percent: Option<f64>,
    pub meets_target: Option<bool>,
    /// "12/20 đạt (60%) — chỉ tiêu 70%".
    pub label: String,
}

/// Home.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HomeView {
    pub hamlets: Vec<HamletRowView>,
    pub progress: Vec<TargetProgressView>,
    /// Shown when the device has no hamlet yet.
    pub empty_label: Option<String>,
}

/// A household list row.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HouseholdRowView {
    pub id: String,
    pub head: String,
    pub address: Option<String>,
    pub roster_code: Option<String>,
    pub hamlet: String,
    pub status: SubjectStatus,
    pub status_label: String,
    pub total: Option<f64>,
    pub comment: Option<String>,
}

/// A status filter chip.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FilterOptionView {
    pub status: Option<SubjectStatus>,
    pub label: String,
    pub selected: bool,
}

/// The household list: the rows loaded so far (pages of [`crate::AppOptions::page_size`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HouseholdListView {
    pub hamlet_id: Option<String>,
    pub hamlet_name: Option<String>,
    pub search: String,
    pub filter: Option<SubjectStatus>,
    pub filters: Vec<FilterOptionView>,
    pub rows: Vec<HouseholdRowView>,
    /// More rows after these ("Xem thêm" / scroll).
    pub has_more: bool,
    /// Households in the hamlet (without search or filter).
    pub total: i64,
    /// Shown when no row matches.
    pub empty_label: Option<String>,
}

/// A member of a household.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MemberView {
    pub id: String,
    pub name: String,
    pub birth_year: Option<i32>,
    pub age: Option<i32>,
    pub sex_label: Option<String>,
    pub relation: Option<String>,
    pub schooling_label: Option<String>,
    pub literate: Option<bool>,
    pub unable_to_learn: bool,
    /// Công dân học tập for an adult member (none for a child or an unknown age).
    pub cdht: Option<ModelStatusView>,
}

/// A household.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HouseholdView {
    pub id: String,
    pub head: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub roster_code: Option<String>,
    pub hamlet: String,
    pub members: Vec<MemberView>,
    /// Gia đình học tập.
    pub gia_dinh: ModelStatusView,
}

/// The household form.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HouseholdFormView {
    pub hamlet_id: String,
    pub household_id: Option<String>,
    pub input: HouseholdInput,
    pub submit_label: String,
}

/// The member form, with the choices it offers.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MemberFormView {
    pub household_id: String,
    pub member_id: Option<String>,
    pub input: MemberInput,
    pub sex_choices: Vec<SexChoice>,
    pub schooling_choices: Vec<SchoolingChoice>,
    pub submit_label: String,
    /// Offered when editing.
    pub can_remove: bool,
}

/// A sex choice.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SexChoice {
    pub value: Sex,
    pub label: String,
}

/// A schooling choice.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SchoolingChoice {
    pub value: Schooling,
    pub label: String,
}

/// The sex choices.
pub fn sex_choices() -> Vec<SexChoice> {
    Sex::ALL
        .iter()
        .map(|s| SexChoice {
            value: *s,
            label: labels::sex(*s).to_string(),
        })
        .collect()
}

/// The schooling choices.
pub fn schooling_choices() -> Vec<SchoolingChoice> {
    Schooling::ALL
        .iter()
        .map(|s| SchoolingChoice {
            value: *s,
            label: labels::schooling(*s).to_string(),
        })
        .collect()
}

/// A clan in the list.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClanRowView {
    pub id: String,
    pub name: String,
    pub households: i64,
    pub hamlets: String,
}

/// Clans.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClanListView {
    pub clans: Vec<ClanRowView>,
    pub empty_label: Option<String>,
}

/// A unit in the list.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UnitRowView {
    pub id: String,
    pub name: String,
    pub kind_label: String,
    pub hamlet: Option<String>,
}

/// Units.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UnitListView {
    pub units: Vec<UnitRowView>,
    pub empty_label: Option<String>,
}

/// A clan, the hamlet as a community, or a unit: its name, a few lines about it, and where it
/// stands for its model.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SubjectPageView {
    pub name: String,
    pub lines: Vec<String>,
    pub status: ModelStatusView,
}

/// Filter chips of the household list.
pub fn filter_options(selected: Option<SubjectStatus>) -> Vec<FilterOptionView> {
    let mut out = vec![FilterOptionView {
        status: None,
        label: "Tất cả".into(),
        selected: selected.is_none(),
    }];
    for s in [
        SubjectStatus::NotRegistered,
        SubjectStatus::Registered,
        SubjectStatus::Draft,
        SubjectStatus::Finalized,
        SubjectStatus::Sent,
        SubjectStatus::NeedsCorrection,
    ] {
        out.push(FilterOptionView {
            status: Some(s),
            label: s.label().to_string(),
            selected: selected == Some(s),
        });
    }
    out
}
