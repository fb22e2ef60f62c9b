//! Targets from the server to the device's summary, on both backends: the province's targets
//! file (Phú Thọ, Kế hoạch 1767) is loaded with `admin targets load`, a real device syncs, and
//! the app core's Summary and Home screens show the targets in force this year for its commune
//! (2026 → the 2030 targets); a commune's own targets override the province's on the next sync.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use hoctap_app::event::Target;
use hoctap_app::{AppCore, AppOptions, Event, ScreenView};
use hoctap_device::Device;
use hoctap_domain::model::Model;
use hoctap_sync::run::NoProgress;
use hoctap_sync::{CancelHandle, Outcome, ReqwestTransport, RetryPolicy, SyncOptions};
use std::path::Path;
use std::time::Duration;

const PHU_THO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../criteria/targets/25-phu-tho-1767.toml"
);

fn sync(device: &Device, url: &str) {
    let transport = ReqwestTransport::new(url).expect("transport");
    let r = device.sync(
        &transport,
        SyncOptions::default(),
        &RetryPolicy {
            base: Duration::from_millis(5),
            max_delay: Duration::from_millis(100),
            max_retries: 3,
        },
        &NoProgress,
        &CancelHandle::new(),
    );
    assert_eq!(r.outcome, Outcome::Done, "{:?}", r.message);
}

/// Each model's target as the app core's Summary screen shows it, and the label of Gia đình.
fn summary_targets(dir: &Path) -> (Vec<(Model, Option<f64>)>, String) {
    let mut core = AppCore::open(dir, AppOptions::default()).expect("app core");
    core.dispatch(Event::Open {
        target: Target::Summary,
    });
    let summary = match core.view().screen {
        ScreenView::Summary(s) => s,
        other => panic!("not the summary: {other:?}"),
    };
    let label = summary
        .rows
        .iter()
        .find(|r| r.model == Model::GiaDinh)
        .expect("gia_dinh row")
        .label
        .clone();
    (
        summary
            .rows
            .iter()
            .map(|r| (r.model, r.target_percent))
            .collect(),
        label,
    )
}

fn target(rows: &[(Model, Option<f64>)], model: Model) -> Option<f64> {
    rows.iter()
        .find(|(m, _)| *m == model)
        .unwrap_or_else(|| panic!("no {model} row"))
        .1
}

both_backends!(province_targets_reach_the_device_summary, |b| {
    let env = SERVER.env(b);
    env.admin_ok(&["init", "--province", "25", "--commune", "04831"]);
    add_hamlet(&env, "Thôn Đông");
    let server = env.serve(&[]);
    let url = server.url();
    let dir = tempfile::tempdir().expect("device dir");
    {
        let device = Device::open(dir.path()).expect("device");
        device
            .enroll(
                &ReqwestTransport::new(&url).expect("transport"),
                &url,
                &enroll_code(&env, &["Thôn Đông"]),
                None,
            )
            .expect("enroll");
        // A target set on the device before any sync.
        device
            .store()
            .set_target(Model::GiaDinh, Some(50.0))
            .expect("store")
            .expect("valid");

        // No targets loaded: the server sends the national ones (Decision 387, 2025).
        sync(&device, &url);
        let t = device.store().targets().expect("targets");
        assert_eq!(t.get(Model::GiaDinh), Some(70.0));
        assert_eq!(t.get(Model::CongDan), None);

        // The province loads Phú Thọ's; the next sync (nothing else changed) brings them.
        env.admin_ok(&["targets", "load", PHU_THO]);
        sync(&device, &url);
    }
    let (rows, label) = summary_targets(dir.path());
    // The current year (2026) measures against the 2030 targets.
    assert_eq!(target(&rows, Model::GiaDinh), Some(95.0));
    assert_eq!(target(&rows, Model::DongHo), Some(90.0));
    assert_eq!(target(&rows, Model::CongDong), Some(95.0));
    assert_eq!(target(&rows, Model::DonVi), Some(100.0));
    // Công dân học tập is targeted per group of people, never as one share of all adults.
    assert_eq!(target(&rows, Model::CongDan), None);
    assert!(label.ends_with("— chỉ tiêu 95%"), "{label}");

    // A commune's own target overrides the province's for that model only.
    let own = env.dir.path().join("04831.toml");
    std::fs::write(
        &own,
        "province = \"25\"\ncommune = \"04831\"\nsource = \"Kế hoạch của xã\"\n\
         [[target]]\nmodel = \"gia_dinh\"\ndue = 2030\npercent = 97.5\n",
    )
    .expect("commune targets");
    env.admin_ok(&["targets", "load", own.to_str().expect("path")]);
    {
        let device = Device::open(dir.path()).expect("device");
        sync(&device, &url);
    }
    let (rows, label) = summary_targets(dir.path());
    assert_eq!(target(&rows, Model::GiaDinh), Some(97.5));
    assert_eq!(target(&rows, Model::DongHo), Some(90.0));
    assert!(label.ends_with("— chỉ tiêu 97.5%"), "{label}");
});
