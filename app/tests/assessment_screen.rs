//! The assessment screen driven through the core: every answer kind (points, yes/no, derived
//! with an override and its reason, clearing), notes, quick `+` taps that all count, the live
//! total and result, confirm before finalizing, a double finalize that finalizes once,
//! discarding a draft, the correction flow surviving a restart, and no criteria set for a year.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use hoctap_app::view::*;
use hoctap_app::{AnswerInput, AppOptions, Event, SubjectRef, Target};
use hoctap_domain::model::{Model, SubjectKind};
use hoctap_domain::state::{AssessmentState, SubjectStatus};

fn open_household_assessment(phone: &mut Phone, r: &Roster) {
    phone.open_target(Target::Households {
        hamlet_id: Some(r.hamlet.clone()),
    });
    phone.open_target(Target::Household { id: r.binh.clone() });
    phone.send(Event::StartAssessment {
        subject: SubjectRef {
            kind: SubjectKind::Household,
            id: r.binh.clone(),
        },
        model: Model::GiaDinh,
    });
}

#[test]
fn every_answer_kind_updates_the_live_result_and_survives_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut phone = Phone::open(dir.path());
    let r = seed(&phone);
    open_household_assessment(&mut phone, &r);
    let a = phone.assessment();
    assert_eq!(a.model, Model::GiaDinh);
    assert!(a.editable);
    assert!(a.criteria_notice.is_some(), "a template set says so");
    // Derived from the members: the child is in school.
    let derived = phone.indicator("1.1");
    assert!(matches!(derived.answer_kind, AnswerKind::Derived { .. }));
    assert_eq!(derived.source, ValueSource::Derived);
    assert!(derived.explanation.is_some());
    let total_before = a.result.total;

    phone.send(Event::SetAnswer {
        indicator_id: "1.2".into(),
        answer: AnswerInput::Points { points: 8.0 },
    });
    assert_eq!(phone.indicator("1.2").points, Some(8.0));
    assert_eq!(phone.assessment().result.total, total_before + 8.0);

    // An override without a reason is refused; with one it counts.
    phone.send(Event::SetAnswer {
        indicator_id: "1.1".into(),
        answer: AnswerInput::Override {
            points: 5.0,
            reason: String::new(),
        },
    });
    assert!(!phone.message().is_empty(), "refused without a reason");
    assert_eq!(phone.indicator("1.1").source, ValueSource::Derived);
    phone.send(Event::DismissMessage);
    phone.send(Event::SetAnswer {
        indicator_id: "1.1".into(),
        answer: AnswerInput::Override {
            points: 5.0,
            reason: "Cháu nghỉ học nửa năm vì ốm".into(),
        },
    });
    let o = phone.indicator("1.1");
    assert_eq!(o.source, ValueSource::Overridden);
    assert_eq!(o.points, Some(5.0));
    assert_eq!(
        o.override_reason.as_deref(),
        Some("Cháu nghỉ học nửa năm vì ốm")
    );

    // Yes/no, a note that keeps the value, clearing.
    phone.send(Event::SetAnswer {
        indicator_id: "4.1".into(),
        answer: AnswerInput::YesNo { yes: true },
    });
    assert_eq!(phone.indicator("4.1").answered_yes, Some(true));
    phone.send(Event::SetNote {
        indicator_id: "1.2".into(),
        note: Some("Hộ có tủ sách".into()),
    });
    assert_eq!(
        phone.indicator("1.2").note.as_deref(),
        Some("Hộ có tủ sách")
    );
    assert_eq!(phone.indicator("1.2").points, Some(8.0));
    phone.send(Event::SetAnswer {
        indicator_id: "1.1".into(),
        answer: AnswerInput::Clear,
    });
    assert_eq!(phone.indicator("1.1").source, ValueSource::Derived);
    // Out of range is refused with a Vietnamese message, nothing saved.
    phone.send(Event::SetAnswer {
        indicator_id: "1.3".into(),
        answer: AnswerInput::Points { points: 99.0 },
    });
    assert!(phone.view().message.is_some());
    assert_eq!(phone.indicator("1.3").points, None);

    let id = phone.assessment().id;
    phone.restart();
    let a = phone.assessment();
    assert_eq!(a.id, id, "the open assessment is restored");
    assert_eq!(phone.indicator("1.2").points, Some(8.0));
    assert_eq!(phone.indicator("4.1").answered_yes, Some(true));
    assert!(phone.view().can_go_back);
}

#[test]
fn quick_taps_each_add_a_step_from_the_stored_value() {
    let dir = tempfile::tempdir().unwrap();
    let mut phone = Phone::open(dir.path());
    let r = seed(&phone);
    open_household_assessment(&mut phone, &r);
    // Seven taps in a row, without looking at the view in between.
    for _ in 0..7 {
        phone.core.as_mut().unwrap().dispatch(Event::StepAnswer {
            indicator_id: "1.2".into(),
            steps: 1,
        });
    }
    assert_eq!(phone.indicator("1.2").points, Some(7.0));
    // Past the maximum it stops there; below zero it stops at zero.
    for _ in 0..5 {
        phone.send(Event::StepAnswer {
            indicator_id: "1.2".into(),
            steps: 1,
        });
    }
    assert_eq!(phone.indicator("1.2").points, Some(10.0));
    phone.send(Event::StepAnswer {
        indicator_id: "1.2".into(),
        steps: -25,
    });
    assert_eq!(phone.indicator("1.2").points, Some(0.0));
    // A yes/no indicator has no steps: refused, nothing changed.
    phone.send(Event::StepAnswer {
        indicator_id: "4.1".into(),
        steps: 1,
    });
    assert!(phone.view().message.is_some());
    assert_eq!(phone.indicator("4.1").answered_yes, None);
}

fn answer_cdht(phone: &mut Phone) {
    for ind in [
        "1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "2.4", "3.1", "3.2",
    ] {
        phone.send(Event::SetAnswer {
            indicator_id: ind.into(),
            answer: AnswerInput::Points { points: 8.0 },
        });
    }
}

#[test]
fn finalize_asks_first_and_a_double_confirm_finalizes_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut phone = Phone::open(dir.path());
    let r = seed(&phone);
    phone.open_target(Target::Household { id: r.binh.clone() });
    let adult = r.binh_members[0].clone();
    let cdht = phone
        .household()
        .members
        .into_iter()
        .find(|m| m.id == adult)
        .unwrap()
        .cdht
        .unwrap();
    assert_eq!(cdht.status, SubjectStatus::NotRegistered);
    phone.send(Event::StartAssessment {
        subject: SubjectRef {
            kind: SubjectKind::Member,
            id: adult.clone(),
        },
        model: Model::CongDan,
    });
    // Not finalizable yet: the missing answers are listed, no dialog.
    phone.send(Event::Finalize);
    assert!(phone.view().dialog.is_none());
    assert!(
        phone.message().starts_with("Chưa thể chốt phiếu"),
        "{}",
        phone.message()
    );
    answer_cdht(&mut phone);
    assert!(phone.assessment().result.can_finalize);
    assert_eq!(phone.assessment().result.total_label, "80/100 điểm");
    phone.send(Event::Finalize);
    let d = phone.view().dialog.expect("confirm dialog");
    assert_eq!(d.kind, DialogKind::ConfirmFinalize);
    // Cancel keeps the draft; back closes a dialog without leaving the screen.
    phone.send(Event::CancelDialog);
    assert!(phone.assessment().editable);
    phone.send(Event::Finalize);
    phone.send(Event::Back);
    assert!(phone.view().dialog.is_none());
    assert!(matches!(phone.view().screen, ScreenView::Assessment(_)));
    phone.send(Event::Finalize);
    let before = phone.effects.len();
    phone.send(Event::ConfirmDialog);
    phone.send(Event::ConfirmDialog);
    phone.send(Event::Finalize);
    phone.send(Event::ConfirmDialog);
    let a = phone.assessment();
    assert!(a.finalized && !a.editable);
    let infos = phone
        .store()
        .assessments_of(&hoctap_domain::model::Subject::new(
            SubjectKind::Member,
            adult.clone(),
        ))
        .unwrap();
    assert_eq!(infos.len(), 1, "one assessment");
    assert_eq!(infos[0].state, AssessmentState::Finalized);
    assert_eq!(phone.store().outbox().unwrap().len(), 1, "queued once");
    assert!(
        phone.view().dialog.is_none(),
        "no dialog for a finalized assessment"
    );
    // Finalizing asked the OS for a sync only once, and not before enrolling.
    let schedules = phone.effects[before..]
        .iter()
        .filter(|e| matches!(e, hoctap_app::Effect::ScheduleSync { .. }))
        .count();
    assert_eq!(schedules, 0, "not enrolled: nothing to schedule");
}

#[test]
fn correction_reopens_the_new_draft_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut phone = Phone::open(dir.path());
    let r = seed(&phone);
    let adult = r.binh_members[1].clone();
    phone.open_target(Target::Household { id: r.binh.clone() });
    phone.send(Event::StartAssessment {
        subject: SubjectRef {
            kind: SubjectKind::Member,
            id: adult.clone(),
        },
        model: Model::CongDan,
    });
    answer_cdht(&mut phone);
    phone.send(Event::Finalize);
    phone.send(Event::ConfirmDialog);
    let finalized = phone.assessment();
    assert!(finalized.can_correct);
    phone.send(Event::Correct);
    let draft = phone.assessment();
    assert_ne!(draft.id, finalized.id);
    assert!(draft.editable);
    assert_eq!(draft.revision, 2);
    // Rotation or the OS killing the app: the draft comes back, not the finalized copy.
    phone.restart();
    assert_eq!(phone.assessment().id, draft.id);
    assert!(phone.assessment().editable);
    // Back goes to the household, not to the finalized copy.
    phone.send(Event::Back);
    assert!(matches!(phone.view().screen, ScreenView::Household(_)));
}

#[test]
fn discard_draft_after_confirming_returns_to_the_household() {
    let dir = tempfile::tempdir().unwrap();
    let mut phone = Phone::open(dir.path());
    let r = seed(&phone);
    open_household_assessment(&mut phone, &r);
    phone.send(Event::SetAnswer {
        indicator_id: "1.2".into(),
        answer: AnswerInput::Points { points: 4.0 },
    });
    let id = phone.assessment().id;
    phone.send(Event::DiscardDraft);
    assert_eq!(
        phone.view().dialog.unwrap().kind,
        DialogKind::ConfirmDiscardDraft
    );
    phone.send(Event::ConfirmDialog);
    assert!(phone.store().assessment(&id).is_err(), "the draft is gone");
    let h = phone.household();
    assert_eq!(h.id, r.binh);
    // Registered by starting it, no draft any more.
    assert_eq!(h.gia_dinh.status, SubjectStatus::Registered);
    phone.restart();
    assert!(matches!(phone.view().screen, ScreenView::Household(_)));
}

#[test]
fn no_criteria_set_for_the_year_says_so_instead_of_crashing() {
    let dir = tempfile::tempdir().unwrap();
    let mut phone = Phone::open_with(
        dir.path(),
        AppOptions {
            year: Some(2035),
            ..options()
        },
    );
    let r = seed(&phone);
    phone.open_target(Target::Household { id: r.binh.clone() });
    let h = phone.household();
    assert!(h
        .gia_dinh
        .no_criteria
        .as_deref()
        .unwrap_or("")
        .contains("Chưa có bộ tiêu chí"));
    assert!(!h.gia_dinh.actions.contains(&AssessAction::Start));
    phone.send(Event::StartAssessment {
        subject: SubjectRef {
            kind: SubjectKind::Household,
            id: r.binh.clone(),
        },
        model: Model::GiaDinh,
    });
    assert!(
        matches!(phone.view().screen, ScreenView::Household(_)),
        "stays on the household"
    );
    assert!(phone.message().contains("2035"), "{}", phone.message());
    assert!(phone
        .store()
        .assessments_of(&hoctap_domain::model::Subject::new(
            SubjectKind::Household,
            r.binh.clone()
        ))
        .unwrap()
        .is_empty());
}
