//! Navigation as a cadre uses it: system back navigates (and only on the first screen lets the
//! OS close the app), opening a household has no side effect, a double tap does not stack a
//! screen twice, and after the process is killed on any screen the app reopens on that screen
//! with the same data — forms with what was typed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use hoctap_app::view::*;
use hoctap_app::{Effect, Event, MemberInput, Screen, SubjectRef, Target};
use hoctap_domain::model::{Model, Subject, SubjectKind};
use hoctap_domain::state::SubjectStatus;

fn screen_kind(v: &ScreenView) -> &'static str {
    match v {
        ScreenView::Enrollment(_) => "enrollment",
        ScreenView::Home(_) => "home",
        ScreenView::Households(_) => "households",
        ScreenView::Household(_) => "household",
        ScreenView::HouseholdForm(_) => "household_form",
        ScreenView::MemberForm(_) => "member_form",
        ScreenView::Clans(_) => "clans",
        ScreenView::Clan(_) => "clan",
        ScreenView::Hamlet(_) => "hamlet",
        ScreenView::Units(_) => "units",
        ScreenView::Unit(_) => "unit",
        ScreenView::Assessment(_) => "assessment",
        ScreenView::Outbox(_) => "outbox",
        ScreenView::Returned(_) => "returned",
        ScreenView::Summary(_) => "summary",
        ScreenView::Settings(_) => "settings",
        ScreenView::Unavailable(_) => "unavailable",
    }
}

#[test]
fn back_from_every_screen_navigates_and_closes_only_at_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let mut phone = Phone::open(dir.path());
    let r = seed(&phone);
    let clan = phone
        .store()
        .add_clan("Họ Nguyễn", std::slice::from_ref(&r.binh))
        .unwrap();
    let unit = phone
        .store()
        .add_unit(&hoctap_store::org_units::NewUnit {
            name: "Trường Tiểu học Đông".into(),
            kind: hoctap_domain::protocol::UnitKind::School,
            hamlet_id: Some(r.hamlet.clone()),
            commune_code: None,
        })
        .unwrap()
        .id;
    // Not enrolled: the first screen is enrollment; the cadre may still work offline.
    assert_eq!(screen_kind(&phone.view().screen), "enrollment");
    phone.send(Event::Open {
        target: Target::Home,
    });
    assert_eq!(screen_kind(&phone.view().screen), "home");
    assert!(!phone.view().can_go_back);
    let member = r.binh_members[0].clone();
    let chain: Vec<(Target, &str)> = vec![
        (
            Target::Households {
                hamlet_id: Some(r.hamlet.clone()),
            },
            "households",
        ),
        (Target::Household { id: r.binh.clone() }, "household"),
        (
            Target::EditHousehold { id: r.binh.clone() },
            "household_form",
        ),
        (Target::EditMember { member_id: member }, "member_form"),
        (
            Target::NewMember {
                household_id: r.binh.clone(),
            },
            "member_form",
        ),
        (Target::Clans, "clans"),
        (Target::Clan { id: clan.clone() }, "clan"),
        (
            Target::Hamlet {
                id: r.hamlet.clone(),
            },
            "hamlet",
        ),
        (Target::Units, "units"),
        (Target::Unit { id: unit.clone() }, "unit"),
        (Target::Outbox, "outbox"),
        (Target::Returned, "returned"),
        (Target::Summary, "summary"),
        (Target::Settings, "settings"),
        (Target::Enrollment, "enrollment"),
    ];
    let mut seen = vec!["home"];
    for (t, kind) in &chain {
        phone.open_target(t.clone());
        assert_eq!(screen_kind(&phone.view().screen), *kind, "{t:?}");
        assert!(phone.view().can_go_back);
        assert!(!phone.view().title.is_empty());
        seen.push(kind);
    }
    // Back walks the same way home; only then does it ask the OS to close the app.
    for expected in seen.iter().rev().skip(1) {
        let fx = phone.send(Event::Back);
        assert!(!fx.contains(&Effect::CloseApp));
        assert_eq!(screen_kind(&phone.view().screen), *expected);
    }
    let fx = phone.send(Event::Back);
    assert!(fx.contains(&Effect::CloseApp));
    assert_eq!(screen_kind(&phone.view().screen), "home");
}

#[test]
fn opening_a_household_registers_nothing_and_a_double_tap_stacks_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut phone = Phone::open(dir.path());
    let r = seed(&phone);
    phone.send(Event::Open {
        target: Target::Home,
    });
    phone.open_target(Target::Households {
        hamlet_id: Some(r.hamlet.clone()),
    });
    phone.open_target(Target::Household { id: r.binh.clone() });
    phone.open_target(Target::Household { id: r.binh.clone() });
    let h = phone.household();
    assert_eq!(h.gia_dinh.status, SubjectStatus::NotRegistered);
    assert_eq!(h.gia_dinh.actions.first(), Some(&AssessAction::Register));
    let subject = Subject::new(SubjectKind::Household, r.binh.clone());
    assert!(
        phone.store().assessments_of(&subject).unwrap().is_empty(),
        "no draft opened"
    );
    assert!(
        phone
            .store()
            .statuses(Model::GiaDinh, YEAR)
            .unwrap()
            .is_empty(),
        "not registered"
    );
    phone.send(Event::Back);
    assert!(
        matches!(phone.view().screen, ScreenView::Households(_)),
        "one entry for two taps"
    );
    // Registering is its own tap.
    phone.open_target(Target::Household { id: r.binh.clone() });
    phone.send(Event::Register {
        subject: SubjectRef {
            kind: SubjectKind::Household,
            id: r.binh.clone(),
        },
        model: Model::GiaDinh,
    });
    assert_eq!(phone.household().gia_dinh.status, SubjectStatus::Registered);
    assert!(phone.store().assessments_of(&subject).unwrap().is_empty());
}

#[test]
fn process_death_on_every_screen_reopens_the_same_screen_and_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut phone = Phone::open(dir.path());
    let r = seed(&phone);
    phone.send(Event::Open {
        target: Target::Home,
    });
    let steps: Vec<Target> = vec![
        Target::Households {
            hamlet_id: Some(r.hamlet.clone()),
        },
        Target::Household { id: r.binh.clone() },
        Target::NewMember {
            household_id: r.binh.clone(),
        },
    ];
    for t in steps {
        phone.open_target(t);
        let before = phone.view();
        phone.restart();
        let after = phone.view();
        assert_eq!(after.screen, before.screen);
        assert_eq!(after.title, before.title);
        assert_eq!(after.can_go_back, before.can_go_back);
    }
    // A half-typed member form survives the kill, then saves.
    phone.send(Event::MemberFormChanged {
        input: MemberInput {
            name: "Nguyễn Thị Mai".into(),
            birth_year: Some(1999),
            ..Default::default()
        },
    });
    phone.kill();
    phone.restart();
    match phone.view().screen {
        ScreenView::MemberForm(f) => {
            assert_eq!(f.input.name, "Nguyễn Thị Mai");
            assert_eq!(f.input.birth_year, Some(1999));
        }
        other => panic!("expected the member form, got {other:?}"),
    }
    phone.send(Event::SubmitForm);
    let h = phone.household();
    assert!(h
        .members
        .iter()
        .any(|m| m.name == "Nguyễn Thị Mai" && m.age == Some(YEAR - 1999)));
    // The stack itself survived: back twice reaches the list, then home.
    phone.send(Event::Back);
    assert!(matches!(phone.view().screen, ScreenView::Households(_)));
    phone.restart();
    assert!(matches!(phone.view().screen, ScreenView::Households(_)));
    phone.send(Event::Back);
    assert!(matches!(phone.view().screen, ScreenView::Home(_)));
    for s in [
        Target::Outbox,
        Target::Summary,
        Target::Settings,
        Target::Clans,
        Target::Units,
        Target::Returned,
    ] {
        phone.open_target(s);
        let before = phone.view().screen;
        phone.restart();
        let after = phone.view().screen;
        match (&before, &after) {
            // Storage used moves with the database's journal; the rest is the same.
            (ScreenView::Settings(a), ScreenView::Settings(b)) => {
                assert_eq!(
                    (&a.device_name, a.photos_wifi_only, a.year),
                    (&b.device_name, b.photos_wifi_only, b.year)
                )
            }
            _ => assert_eq!(after, before),
        }
        phone.send(Event::Back);
    }
}

#[test]
fn a_removed_household_open_at_death_is_dropped_from_the_stack() {
    let dir = tempfile::tempdir().unwrap();
    let mut phone = Phone::open(dir.path());
    let r = seed(&phone);
    phone.send(Event::Open {
        target: Target::Home,
    });
    phone.open_target(Target::Households {
        hamlet_id: Some(r.hamlet.clone()),
    });
    phone.open_target(Target::Household {
        id: r.cuong.clone(),
    });
    phone.send(Event::RemoveHousehold {
        household_id: r.cuong.clone(),
    });
    assert_eq!(
        phone.view().dialog.unwrap().kind,
        DialogKind::ConfirmRemoveHousehold
    );
    phone.send(Event::ConfirmDialog);
    assert!(matches!(phone.view().screen, ScreenView::Households(_)));
    assert!(!phone
        .household_list()
        .rows
        .iter()
        .any(|row| row.id == r.cuong));
    phone.restart();
    assert!(matches!(phone.view().screen, ScreenView::Households(_)));
    let nav: Vec<Screen> =
        serde_json::from_str(&phone.store().ui_state("nav").unwrap().unwrap()).unwrap();
    assert_eq!(nav.len(), 2);
}
