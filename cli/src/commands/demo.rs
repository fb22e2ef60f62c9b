//! `hoctap demo`: a first run for newcomers — creates a hamlet with households and members,
//! assesses one member against Công dân học tập, finalizes it and prints the summary.

use crate::error::CliResult;
use crate::output;
use hoctap_domain::criteria::builtin;
use hoctap_domain::engine::{AnswerValue, ItemAnswer};
use hoctap_domain::model::{Points, Schooling, Subject, SubjectKind};
use hoctap_store::households::{NewHousehold, NewMember};
use hoctap_store::units::NewHamlet;
use std::collections::BTreeMap;
use std::path::Path;

pub fn run(data: Option<&Path>, json: bool) -> CliResult {
    let dev = super::open_device(data)?;
    let store = dev.store();
    let year = super::this_year();
    let hamlet = match store.hamlet_by_name("Thôn Đoài (demo)")? {
        Some(h) => h,
        None => store.add_hamlet(&NewHamlet {
            name: "Thôn Đoài (demo)".into(),
            ..Default::default()
        })?,
    };
    let families = [
        (
            "Nguyễn Văn Bình",
            "Xóm 1",
            vec![
                ("Nguyễn Văn Bình", 1975),
                ("Trần Thị Hoa", 1978),
                ("Nguyễn Minh Anh", 2014),
            ],
        ),
        (
            "Lê Thị Ánh",
            "Xóm 2",
            vec![("Lê Thị Ánh", 1968), ("Đỗ Văn Dũng", 1995)],
        ),
        (
            "Phạm Đức Anh",
            "Xóm 3",
            vec![("Phạm Đức Anh", 1982), ("Vũ Thị Lan", 1985)],
        ),
    ];
    let mut first_member = None;
    for (head, address, members) in families {
        let hh = store.add_household(&NewHousehold {
            hamlet_id: hamlet.id.clone(),
            head: head.into(),
            address: Some(address.into()),
            ..Default::default()
        })?;
        for (name, birth_year) in members {
            let m = store.add_member(
                &hh.id,
                &NewMember {
                    name: name.into(),
                    birth_year: Some(birth_year),
                    schooling: Some(if year - birth_year < 18 {
                        Schooling::InSchool
                    } else {
                        Schooling::Finished
                    }),
                    literate: Some(true),
                    ..Default::default()
                },
            )?;
            first_member.get_or_insert(m.id);
        }
    }
    let set = builtin::builtin_set("cdht-324").ok_or_else(|| {
        crate::error::CliError::failure("Thiếu bộ tiêu chí cdht-324 trong ứng dụng")
    })?;
    let member = first_member.unwrap_or_default();
    let info = store.start_assessment(
        &Subject {
            kind: SubjectKind::Member,
            id: member,
        },
        &set,
        year,
    )?;
    let scores = [9, 8, 8, 9, 7, 6, 8, 8, 9, 9];
    let items: BTreeMap<String, ItemAnswer> = set
        .indicators()
        .zip(scores)
        .map(|(i, s)| {
            (
                i.id.clone(),
                ItemAnswer {
                    value: Some(AnswerValue::Points(Points::whole(s))),
                    ..Default::default()
                },
            )
        })
        .collect();
    store.set_answers(&info.id, &items)?;
    let done = store.finalize(&info.id)?;
    let summary = store.summary(year)?;
    if json {
        return output::json(&serde_json::json!({
            "hamlet": hamlet, "finalized": done, "summary": summary
        }));
    }
    outln!("Đã tạo thôn \"{}\" với 3 hộ.", hamlet.name);
    outln!("Đã chấm và chốt phiếu Công dân học tập {}:", done.id);
    output::evaluation_text(&done.evaluation);
    outln!();
    outln!("Thử tiếp / next: hoctap household list --search binh ; hoctap summary");
    Ok(())
}
