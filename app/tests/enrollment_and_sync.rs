//! Enrollment and sync through the core against the real server on loopback: a typed code, a
//! scanned QR code (as text, and as an image decoded in the core), clear errors for a wrong
//! code, a bad address and a photo without a QR code; the first sync fills the household list;
//! "Gửi ngay" sends once however often it is tapped; photos wait for Wi-Fi when the cadre chose
//! so; a reviewer's return shows with its comment thread and is corrected and sent again; no
//! network keeps everything queued; a revoked device is sent to enroll again, keeping its data.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use hoctap_app::view::*;
use hoctap_app::{AnswerInput, Effect, Event, NetworkConstraint, SubjectRef, Target, TaskKind};
use hoctap_domain::model::{Model, SubjectKind};
use hoctap_domain::state::{SubjectStatus, SyncState};
use hoctap_test_support::qr_png;

fn home_hamlets(phone: &Phone) -> Vec<String> {
    match phone.view().screen {
        ScreenView::Home(h) => h.hamlets.into_iter().map(|h| h.name).collect(),
        other => panic!("not home: {other:?}"),
    }
}

fn outbox(phone: &Phone) -> OutboxView {
    match phone.view().screen {
        ScreenView::Outbox(o) => o,
        other => panic!("not the outbox: {other:?}"),
    }
}

/// Assess the first adult of the first household of Thôn Đông with Công dân học tập and
/// finalize; returns the assessment id.
fn assess_first_adult(phone: &mut Phone, points: f64) -> String {
    let hamlet = phone.store().hamlets().unwrap()[0].id.clone();
    phone.open_target(Target::Households {
        hamlet_id: Some(hamlet),
    });
    let first = phone.household_list().rows[0].id.clone();
    phone.open_target(Target::Household { id: first });
    let adult = phone
        .household()
        .members
        .into_iter()
        .find(|m| m.cdht.is_some())
        .unwrap();
    phone.send(Event::StartAssessment {
        subject: SubjectRef {
            kind: SubjectKind::Member,
            id: adult.id,
        },
        model: Model::CongDan,
    });
    for ind in [
        "1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "2.4", "3.1", "3.2",
    ] {
        phone.send(Event::SetAnswer {
            indicator_id: ind.into(),
            answer: AnswerInput::Points { points },
        });
    }
    phone.send(Event::Finalize);
    phone.send(Event::ConfirmDialog);
    let a = phone.assessment();
    assert!(a.finalized);
    a.id
}

#[test]
fn typed_enrollment_pulls_the_roster_and_send_now_sends_once() {
    let (env, server) = server();
    let dir = tempfile::tempdir().unwrap();
    let mut phone = Phone::open(dir.path());
    // Clear errors before anything goes to the network.
    phone.send(Event::EnrollSubmit);
    let e = match phone.view().screen {
        ScreenView::Enrollment(e) => e,
        o => panic!("{o:?}"),
    };
    assert!(e.error.unwrap().contains("địa chỉ máy chủ"));
    phone.send(Event::EnrollServerChanged {
        text: "ftp://x".into(),
    });
    phone.send(Event::EnrollCodeChanged { text: "ABC".into() });
    phone.send(Event::EnrollSubmit);
    let e = match phone.view().screen {
        ScreenView::Enrollment(e) => e,
        o => panic!("{o:?}"),
    };
    assert!(e.error.is_some());
    assert!(phone.pending_tasks.is_empty());
    // A wrong code: the server refuses, the screen says so.
    phone.send(Event::EnrollServerChanged { text: server.url() });
    phone.send(Event::EnrollCodeChanged {
        text: "SAI-MA-123".into(),
    });
    phone.send(Event::EnrollSubmit);
    let e = match phone.view().screen {
        ScreenView::Enrollment(e) => e,
        o => panic!("{o:?}"),
    };
    assert!(!e.busy);
    assert!(e.error.is_some(), "refused code explained");
    // The right code: home, then the first sync brings the roster.
    enroll(&mut phone, &env, &server);
    assert_eq!(home_hamlets(&phone), vec!["Thôn Đông".to_string()]);
    assert!(phone.view().sync.enrolled);
    assert!(phone.view().sync.last_sync.is_some());
    assert!(!phone.view().can_go_back, "enrollment is not under home");
    let id = assess_first_adult(&mut phone, 8.0);
    assert!(phone.effects.iter().any(|e| matches!(
        e,
        Effect::ScheduleSync {
            records_network: NetworkConstraint::Any,
            ..
        }
    )));
    phone.open_target(Target::Outbox);
    let o = outbox(&phone);
    assert_eq!(o.queued, 1);
    assert!(o.can_send_now);
    // "Gửi ngay" three times while the first run is in flight: one run.
    phone.run_tasks = false;
    phone.send(Event::SendNow);
    phone.send(Event::SendNow);
    phone.send(Event::SendNow);
    let syncs = phone
        .task_kinds()
        .iter()
        .filter(|k| matches!(k, TaskKind::Sync { .. }))
        .count();
    assert_eq!(syncs, 1);
    assert!(phone.view().sync.running);
    assert!(!outbox(&phone).can_send_now);
    phone.run_tasks = true;
    phone.run_pending();
    let o = outbox(&phone);
    assert_eq!(o.queued, 0);
    assert_eq!(o.sent, 1);
    assert_eq!(o.items[0].state, SyncState::Sent);
    assert!(
        phone.message().starts_with("Đã đồng bộ: gửi 1 phiếu"),
        "{}",
        phone.message()
    );
    let listed = env.admin_json(&["assessments"]);
    let n = listed
        .as_array()
        .map(|a| a.iter().filter(|x| x.to_string().contains(&id)).count())
        .unwrap_or(0);
    assert_eq!(n, 1, "the server holds it once: {listed}");
}

#[test]
fn qr_code_as_text_and_as_image_enrolls() {
    let (env, server) = server();
    let code = enroll_code(&env, &["Thôn Đông"]);
    let payload = serde_json::json!({"server": server.url(), "code": code, "hamlet": "Thôn Đông"})
        .to_string();
    // Not our QR code: a clear message, no network.
    let dir = tempfile::tempdir().unwrap();
    let mut phone = Phone::open(dir.path());
    let fx = phone.send(Event::ScanQr);
    assert!(fx.contains(&Effect::ScanQr));
    phone.send(Event::QrScanned {
        text: "https://example.com".into(),
    });
    let e = match phone.view().screen {
        ScreenView::Enrollment(e) => e,
        o => panic!("{o:?}"),
    };
    assert!(e.error.is_some());
    // A photo with no QR code in it.
    phone.send(Event::QrImage {
        bytes: std::fs::read(photo("gps/DSCN0010.jpg")).unwrap(),
    });
    let e = match phone.view().screen {
        ScreenView::Enrollment(e) => e,
        o => panic!("{o:?}"),
    };
    assert!(e.error.unwrap().contains("Không tìm thấy mã QR"));
    // The QR code as an image, decoded in the core.
    phone.send(Event::QrImage {
        bytes: qr_png(&payload),
    });
    assert_eq!(home_hamlets(&phone), vec!["Thôn Đông".to_string()]);
    // The same payload as decoded text, on a second phone.
    let code2 = enroll_code(&env, &["Thôn Đông"]);
    let payload2 = serde_json::json!({"server": server.url(), "code": code2}).to_string();
    let dir2 = tempfile::tempdir().unwrap();
    let mut phone2 = Phone::open(dir2.path());
    phone2.send(Event::QrScanned { text: payload2 });
    assert_eq!(home_hamlets(&phone2), vec!["Thôn Đông".to_string()]);
}

#[test]
fn return_for_correction_shows_the_thread_and_the_fix_is_sent() {
    let (env, server) = server();
    let dir = tempfile::tempdir().unwrap();
    let mut phone = Phone::open(dir.path());
    enroll(&mut phone, &env, &server);
    let id = assess_first_adult(&mut phone, 8.0);
    phone.send(Event::SendNow);
    env.admin_ok(&["return", &id, "--comment", "Chỉ số 1.1 chấm chưa đúng"]);
    phone.send(Event::Open {
        target: Target::Home,
    });
    phone.send(Event::Refresh);
    assert_eq!(phone.view().sync.returned, 1);
    assert!(phone
        .effects
        .iter()
        .any(|e| matches!(e, Effect::Notify { .. })));
    phone.open_target(Target::Returned);
    let r = match phone.view().screen {
        ScreenView::Returned(r) => r,
        o => panic!("{o:?}"),
    };
    assert_eq!(r.items.len(), 1);
    assert_eq!(r.items[0].comments[0].body, "Chỉ số 1.1 chấm chưa đúng");
    phone.open_target(Target::Assessment { id: id.clone() });
    assert_eq!(
        phone.assessment().outbox_state,
        Some(SyncState::NeedsCorrection)
    );
    assert_eq!(phone.assessment().comments.len(), 1);
    phone.send(Event::Correct);
    let fix = phone.assessment();
    assert_ne!(fix.id, id);
    assert_eq!(fix.comments.len(), 1, "the thread follows the correction");
    phone.send(Event::SetAnswer {
        indicator_id: "1.1".into(),
        answer: AnswerInput::Points { points: 10.0 },
    });
    phone.send(Event::Finalize);
    phone.send(Event::ConfirmDialog);
    phone.send(Event::SendNow);
    assert_eq!(phone.view().sync.returned, 0);
    assert_eq!(phone.view().sync.queued, 0);
    phone.send(Event::Back);
    phone.open_target(Target::Returned);
    let r = match phone.view().screen {
        ScreenView::Returned(r) => r,
        o => panic!("{o:?}"),
    };
    assert!(r.items.is_empty());
}

#[test]
fn no_network_keeps_records_queued_and_schedules_a_retry() {
    let (env, server) = server();
    let dir = tempfile::tempdir().unwrap();
    let mut phone = Phone::open(dir.path());
    enroll(&mut phone, &env, &server);
    assess_first_adult(&mut phone, 7.0);
    // The platform says there is no network: nothing is attempted.
    phone.send(Event::NetworkChanged {
        online: false,
        unmetered: false,
    });
    let before = phone.effects.len();
    phone.send(Event::SendNow);
    assert!(phone.pending_tasks.is_empty());
    assert!(phone.message().contains("Không có mạng"));
    assert!(phone.effects[before..]
        .iter()
        .any(|e| matches!(e, Effect::ScheduleSync { .. })));
    assert!(
        phone.view().sync.label.contains("không có mạng"),
        "{}",
        phone.view().sync.label
    );
    // The platform thinks it is online, but the server is unreachable.
    phone.send(Event::NetworkChanged {
        online: true,
        unmetered: true,
    });
    drop(server);
    phone.send(Event::SendNow);
    assert!(!phone.view().sync.running);
    assert_eq!(phone.view().sync.queued, 1, "still queued");
    let m = phone.view().message.unwrap();
    assert_eq!(m.level, MessageLevel::Warning);
    assert!(phone
        .effects
        .iter()
        .rev()
        .take(3)
        .any(|e| matches!(e, Effect::ScheduleSync { .. })));
}

#[test]
fn photos_wait_for_wifi_when_the_cadre_chose_so() {
    let (env, server) = server();
    let dir = tempfile::tempdir().unwrap();
    let mut phone = Phone::open(dir.path());
    enroll(&mut phone, &env, &server);
    phone.open_target(Target::Settings);
    phone.send(Event::SetPhotosWifiOnly { on: true });
    assert!(phone.effects.iter().any(|e| matches!(
        e,
        Effect::ScheduleSync {
            photos_network: NetworkConstraint::Unmetered,
            ..
        }
    )));
    let s = match phone.view().screen {
        ScreenView::Settings(s) => s,
        o => panic!("{o:?}"),
    };
    assert!(s.photos_wifi_only);
    phone.send(Event::Back);
    // One assessment with a photo, one without.
    let with_photo = assess_first_adult(&mut phone, 8.0);
    phone.send(Event::Back);
    phone.send(Event::Back);
    // Add a photo to a correction-free fresh subject: the household's model needs one.
    let hamlet = phone.store().hamlets().unwrap()[0].id.clone();
    phone.open_target(Target::Households {
        hamlet_id: Some(hamlet),
    });
    let hh = phone.household_list().rows[1].id.clone();
    phone.open_target(Target::Household { id: hh.clone() });
    let adult = phone
        .household()
        .members
        .into_iter()
        .find(|m| m.cdht.is_some())
        .unwrap();
    phone.send(Event::StartAssessment {
        subject: SubjectRef {
            kind: SubjectKind::Member,
            id: adult.id,
        },
        model: Model::CongDan,
    });
    for ind in [
        "1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "2.4", "3.1", "3.2",
    ] {
        phone.send(Event::SetAnswer {
            indicator_id: ind.into(),
            answer: AnswerInput::Points { points: 9.0 },
        });
    }
    phone.send(Event::CapturePhoto {
        indicator_id: "1.1".into(),
    });
    let (capture, target) = phone.last_capture();
    phone.camera_writes(&target, "gps/DSCN0021.jpg");
    phone.send(Event::PhotoCaptured {
        capture_id: capture,
    });
    assert_eq!(phone.indicator("1.1").photos.len(), 1);
    phone.send(Event::Finalize);
    phone.send(Event::ConfirmDialog);
    let photo_id = phone.assessment().id;
    let _ = with_photo;
    // On mobile data: a records-only run sends the one without photos.
    phone.send(Event::NetworkChanged {
        online: true,
        unmetered: false,
    });
    phone.run_tasks = false;
    phone.send(Event::SendNow);
    assert!(matches!(
        phone.task_kinds()[..],
        [TaskKind::Sync { photos: false }]
    ));
    phone.run_tasks = true;
    phone.run_pending();
    let st = phone.store().outbox_item(&photo_id).unwrap().unwrap().state;
    assert_eq!(st, SyncState::Queued, "waits for Wi-Fi");
    assert_eq!(phone.view().sync.queued, 1);
    // On Wi-Fi everything goes.
    phone.send(Event::NetworkChanged {
        online: true,
        unmetered: true,
    });
    phone.send(Event::SendNow);
    assert_eq!(
        phone.store().outbox_item(&photo_id).unwrap().unwrap().state,
        SyncState::Sent
    );
    assert_eq!(phone.view().sync.queued, 0);
}

#[test]
fn revoked_device_is_asked_to_enroll_again_and_keeps_its_data() {
    let (env, server) = server();
    let dir = tempfile::tempdir().unwrap();
    let mut phone = Phone::open(dir.path());
    enroll(&mut phone, &env, &server);
    let device_id = phone.store().enrollment().unwrap().unwrap().device_id;
    let id = assess_first_adult(&mut phone, 8.0);
    env.admin_ok(&["device", "revoke", &device_id]);
    phone.send(Event::SendNow);
    let v = phone.view();
    assert!(v.sync.needs_reenroll);
    assert_eq!(v.sync.label, "Cần đăng ký lại với máy chủ");
    let e = match v.screen {
        ScreenView::Enrollment(e) => e,
        o => panic!("{o:?}"),
    };
    assert!(e.reenroll);
    assert_eq!(e.server, server.url(), "the server is filled in");
    assert!(phone
        .effects
        .iter()
        .any(|e| matches!(e, Effect::Notify { .. })));
    // The data is still there, and the flag survives a restart.
    phone.restart();
    assert!(phone.view().sync.needs_reenroll);
    assert!(phone.store().assessment(&id).is_ok());
    // "Gửi ngay" does nothing while revoked.
    phone.send(Event::SendNow);
    assert!(phone.pending_tasks.is_empty());
    // Enroll again with a new code: the queued assessment goes.
    enroll(&mut phone, &env, &server);
    assert!(!phone.view().sync.needs_reenroll);
    assert_eq!(
        phone.store().outbox_item(&id).unwrap().unwrap().state,
        SyncState::Sent
    );
    let _ = SubjectStatus::Sent;
}
