//! The roster screens a cadre uses over a year: a household's members added, edited and removed
//! (after confirmation), each adult's Công dân học tập status, clans, the hamlet as a community,
//! units (each with its model's status and actions), the year's summary against the province
//! targets, home's progress, and settings (device name, Wi-Fi only, storage used, version, year).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use hoctap_app::view::*;
use hoctap_app::{Event, MemberInput, SubjectRef, Target};
use hoctap_domain::model::{Model, Schooling, Sex, SubjectKind};
use hoctap_domain::state::SubjectStatus;

#[test]
fn members_are_added_edited_and_removed_with_adults_offered_cdht() {
    let dir = tempfile::tempdir().unwrap();
    let mut phone = Phone::open(dir.path());
    let r = seed(&phone);
    phone.open_target(Target::Household { id: r.binh.clone() });
    let h = phone.household();
    assert_eq!(h.members.len(), 3);
    let child = h
        .members
        .iter()
        .find(|m| m.name == "Nguyễn Minh Anh")
        .unwrap();
    assert!(
        child.cdht.is_none(),
        "a child is not offered Công dân học tập"
    );
    assert_eq!(child.age, Some(YEAR - 2014));
    assert_eq!(child.schooling_label.as_deref(), Some("Đang đi học"));
    let adult = h.members.iter().find(|m| m.name == "Trần Thị Hoa").unwrap();
    let cdht = adult.cdht.clone().unwrap();
    assert_eq!(cdht.status, SubjectStatus::NotRegistered);
    assert_eq!(
        cdht.actions,
        vec![AssessAction::Register, AssessAction::Start]
    );
    // Add: a bad birth year is refused, the form stays with what was typed.
    phone.open_target(Target::NewMember {
        household_id: r.binh.clone(),
    });
    let f = match phone.view().screen {
        ScreenView::MemberForm(f) => f,
        o => panic!("{o:?}"),
    };
    assert_eq!(f.sex_choices.len(), Sex::ALL.len());
    assert!(f
        .schooling_choices
        .iter()
        .any(|c| c.value == Schooling::InSchool));
    phone.send(Event::MemberFormChanged {
        input: MemberInput {
            name: "Nguyễn Văn Tư".into(),
            birth_year: Some(1700),
            ..Default::default()
        },
    });
    phone.send(Event::SubmitForm);
    assert!(!phone.message().is_empty());
    assert!(matches!(phone.view().screen, ScreenView::MemberForm(_)));
    phone.send(Event::MemberFormChanged {
        input: MemberInput {
            name: "Nguyễn Văn Tư".into(),
            birth_year: Some(2001),
            sex: Some(Sex::Male),
            literate: Some(true),
            ..Default::default()
        },
    });
    phone.send(Event::SubmitForm);
    let h = phone.household();
    let tu = h
        .members
        .iter()
        .find(|m| m.name == "Nguyễn Văn Tư")
        .unwrap()
        .clone();
    assert_eq!(tu.sex_label.as_deref(), Some("Nam"));
    assert!(tu.cdht.is_some());
    // Edit.
    phone.open_target(Target::EditMember {
        member_id: tu.id.clone(),
    });
    let f = match phone.view().screen {
        ScreenView::MemberForm(f) => f,
        o => panic!("{o:?}"),
    };
    assert!(f.can_remove);
    assert_eq!(f.input.birth_year, Some(2001));
    phone.send(Event::MemberFormChanged {
        input: MemberInput {
            birth_year: Some(2012),
            ..f.input.clone()
        },
    });
    phone.send(Event::SubmitForm);
    let tu2 = phone
        .household()
        .members
        .into_iter()
        .find(|m| m.id == tu.id)
        .unwrap();
    assert_eq!(tu2.birth_year, Some(2012));
    assert!(tu2.cdht.is_none(), "now a child");
    // Remove after confirming (from the form).
    phone.open_target(Target::EditMember {
        member_id: tu.id.clone(),
    });
    phone.send(Event::RemoveMember {
        member_id: tu.id.clone(),
    });
    assert_eq!(
        phone.view().dialog.as_ref().unwrap().kind,
        DialogKind::ConfirmRemoveMember
    );
    phone.send(Event::ConfirmDialog);
    assert!(matches!(phone.view().screen, ScreenView::Household(_)));
    assert!(!phone.household().members.iter().any(|m| m.id == tu.id));
    // Edit the household itself.
    phone.open_target(Target::EditHousehold { id: r.binh.clone() });
    let f = match phone.view().screen {
        ScreenView::HouseholdForm(f) => f,
        o => panic!("{o:?}"),
    };
    phone.send(Event::HouseholdFormChanged {
        input: hoctap_app::HouseholdInput {
            phone: Some("0912345678".into()),
            ..f.input
        },
    });
    phone.send(Event::SubmitForm);
    assert_eq!(phone.household().phone.as_deref(), Some("0912345678"));
}

#[test]
fn clans_the_hamlet_and_units_show_their_model_status_and_actions() {
    let dir = tempfile::tempdir().unwrap();
    let mut phone = Phone::open(dir.path());
    let r = seed(&phone);
    let clan = phone
        .store()
        .add_clan("Họ Nguyễn Văn", &[r.binh.clone(), r.cuong.clone()])
        .unwrap();
    let unit = phone
        .store()
        .add_unit(&hoctap_store::org_units::NewUnit {
            name: "Trường Mầm non Hoa Sen".into(),
            kind: hoctap_domain::protocol::UnitKind::School,
            hamlet_id: Some(r.hamlet.clone()),
            commune_code: None,
        })
        .unwrap()
        .id;
    phone.send(Event::Open {
        target: Target::Home,
    });
    phone.open_target(Target::Clans);
    let l = match phone.view().screen {
        ScreenView::Clans(l) => l,
        o => panic!("{o:?}"),
    };
    assert_eq!(l.clans.len(), 1);
    assert_eq!(l.clans[0].households, 2);
    phone.open_target(Target::Clan { id: clan.clone() });
    let p = match phone.view().screen {
        ScreenView::Clan(p) => p,
        o => panic!("{o:?}"),
    };
    assert_eq!(p.name, "Họ Nguyễn Văn");
    assert_eq!(p.status.model, Model::DongHo);
    assert!(p.status.actions.contains(&AssessAction::Start));
    phone.send(Event::StartAssessment {
        subject: SubjectRef {
            kind: SubjectKind::Clan,
            id: clan.clone(),
        },
        model: Model::DongHo,
    });
    assert_eq!(phone.assessment().model, Model::DongHo);
    assert!(phone.assessment().result.practice || phone.assessment().criteria_notice.is_some());
    phone.send(Event::Back);
    let p = match phone.view().screen {
        ScreenView::Clan(p) => p,
        o => panic!("{o:?}"),
    };
    assert_eq!(p.status.status, SubjectStatus::Draft);
    assert_eq!(p.status.actions, vec![AssessAction::Continue]);
    phone.send(Event::Back);
    phone.send(Event::Back);
    phone.open_target(Target::Hamlet {
        id: r.hamlet.clone(),
    });
    let p = match phone.view().screen {
        ScreenView::Hamlet(p) => p,
        o => panic!("{o:?}"),
    };
    assert_eq!(p.name, "Thôn Đông");
    assert_eq!(p.status.model, Model::CongDong);
    assert!(p.lines.iter().any(|l| l == "3 hộ"));
    phone.send(Event::Register {
        subject: SubjectRef {
            kind: SubjectKind::Hamlet,
            id: r.hamlet.clone(),
        },
        model: Model::CongDong,
    });
    let p = match phone.view().screen {
        ScreenView::Hamlet(p) => p,
        o => panic!("{o:?}"),
    };
    assert_eq!(p.status.status, SubjectStatus::Registered);
    phone.send(Event::Back);
    phone.open_target(Target::Units);
    let l = match phone.view().screen {
        ScreenView::Units(l) => l,
        o => panic!("{o:?}"),
    };
    assert_eq!(l.units[0].kind_label, "Trường học");
    phone.open_target(Target::Unit { id: unit.clone() });
    let p = match phone.view().screen {
        ScreenView::Unit(p) => p,
        o => panic!("{o:?}"),
    };
    assert_eq!(p.status.model, Model::DonVi);
    assert!(p.lines.iter().any(|l| l == "Thôn: Thôn Đông"));
}

#[test]
fn summary_home_progress_and_settings() {
    let dir = tempfile::tempdir().unwrap();
    let mut phone = Phone::open(dir.path());
    let _r = seed(&phone);
    phone.send(Event::Open {
        target: Target::Home,
    });
    let home = match phone.view().screen {
        ScreenView::Home(h) => h,
        o => panic!("{o:?}"),
    };
    assert_eq!(home.hamlets[0].name, "Thôn Đông");
    assert_eq!(home.hamlets[0].households, 3);
    let gd = home
        .progress
        .iter()
        .find(|p| p.model == Model::GiaDinh)
        .unwrap();
    assert_eq!(gd.all, 3);
    assert_eq!(gd.target_percent, Some(70.0));
    assert_eq!(gd.label, "0/3 đạt (0%) — chỉ tiêu 70%");
    assert_eq!(phone.view().year, YEAR);
    phone.open_target(Target::Summary);
    let s = match phone.view().screen {
        ScreenView::Summary(s) => s,
        o => panic!("{o:?}"),
    };
    assert_eq!(s.year, YEAR);
    assert_eq!(s.rows.len(), 5);
    let cd = s.rows.iter().find(|r| r.model == Model::CongDan).unwrap();
    assert_eq!(cd.all, 3, "three adults");
    phone.send(Event::Back);
    phone.open_target(Target::Settings);
    phone.send(Event::SetDeviceName {
        name: "  Máy  chị Hoa ".into(),
    });
    phone.send(Event::SetYear { year: 2027 });
    phone.send(Event::SetYear { year: 1800 });
    assert!(!phone.message().is_empty());
    let s = match phone.view().screen {
        ScreenView::Settings(s) => s,
        o => panic!("{o:?}"),
    };
    assert_eq!(s.device_name, "Máy chị Hoa");
    assert_eq!(s.year, 2027);
    assert!(s.storage_bytes > 0);
    assert!(s.storage_label.ends_with("KB") || s.storage_label.ends_with("MB"));
    assert_eq!(s.app_version, env!("CARGO_PKG_VERSION"));
    assert!(s.server.is_none());
    phone.restart();
    let s = match phone.view().screen {
        ScreenView::Settings(s) => s,
        o => panic!("{o:?}"),
    };
    assert_eq!(s.device_name, "Máy chị Hoa");
    assert_eq!(phone.view().year, 2027);
}
