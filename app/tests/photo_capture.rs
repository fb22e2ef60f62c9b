//! Evidence photos through the core: the camera (or gallery) writes where the core asked, the
//! photo is processed as a task (the screen kept on meanwhile) and attached; a photo taken while
//! the app was killed is attached at the next start; a kill mid-processing resumes it; a photo
//! delivered twice is attached once; cancelling, a damaged file and a full disk leave no
//! pending photo behind and say why.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use hoctap_app::view::*;
use hoctap_app::{AppOptions, Effect, ErrorKind, Event, SubjectRef, Target, TaskKind};
use hoctap_domain::model::{Model, SubjectKind};

/// A phone on the Gia đình học tập draft of Nguyễn Văn Bình's household (indicator 2.2 needs a
/// photo).
fn on_draft(dir: &std::path::Path, options: AppOptions) -> Phone {
    let mut phone = Phone::open_with(dir, options);
    let r = seed(&phone);
    phone.open_target(Target::Household { id: r.binh.clone() });
    phone.send(Event::StartAssessment {
        subject: SubjectRef {
            kind: SubjectKind::Household,
            id: r.binh.clone(),
        },
        model: Model::GiaDinh,
    });
    assert!(phone.indicator("2.2").evidence_required);
    phone
}

#[test]
fn captured_photo_is_processed_off_the_ui_thread_and_attached() {
    let dir = tempfile::tempdir().unwrap();
    let mut phone = on_draft(dir.path(), options());
    phone.run_tasks = false;
    phone.send(Event::CapturePhoto {
        indicator_id: "2.2".into(),
    });
    let (capture, target) = phone.last_capture();
    assert!(
        target.starts_with(&dir.path().display().to_string()),
        "inside the data dir"
    );
    assert_eq!(phone.indicator("2.2").pending_photos.len(), 1);
    assert!(!phone.indicator("2.2").pending_photos[0].processing);
    phone.camera_writes(&target, "gps/DSCN0010.jpg");
    let fx = phone.send(Event::PhotoCaptured {
        capture_id: capture.clone(),
    });
    assert!(fx.contains(&Effect::KeepScreenOn { on: true }));
    // While the task runs the screen renders, showing the photo being processed.
    assert!(matches!(
        phone.task_kinds()[..],
        [TaskKind::ProcessPhoto { .. }]
    ));
    let p = phone.indicator("2.2").pending_photos;
    assert_eq!(p.len(), 1);
    assert!(p[0].processing);
    assert_eq!(p[0].label, "Đang xử lý ảnh…");
    phone.run_tasks = true;
    phone.run_pending();
    assert!(phone.effects.contains(&Effect::KeepScreenOn { on: false }));
    let ind = phone.indicator("2.2");
    assert_eq!(ind.photos.len(), 1);
    assert!(ind.pending_photos.is_empty());
    assert!(std::path::Path::new(&ind.photos[0].thumb_path).exists());
    assert!(
        !std::path::Path::new(&target).exists(),
        "the capture file is cleaned up"
    );
    // The same result delivered again changes nothing.
    phone.send(Event::PhotoCaptured {
        capture_id: capture,
    });
    assert!(phone.pending_tasks.is_empty());
    assert_eq!(phone.indicator("2.2").photos.len(), 1);
}

#[test]
fn photo_taken_while_the_app_was_killed_is_attached_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut phone = on_draft(dir.path(), options());
    phone.send(Event::PickPhoto {
        indicator_id: "2.2".into(),
    });
    let (capture, target) = phone.last_capture();
    assert!(matches!(
        phone.effects.last(),
        Some(Effect::PickPhoto { .. })
    ));
    // Android kills the app while the gallery is open; the photo lands after.
    phone.kill();
    std::fs::copy(photo("gps/DSCN0021.jpg"), &target).unwrap();
    phone.restart();
    let a = phone.assessment();
    let ind = a
        .criteria
        .iter()
        .flat_map(|c| &c.indicators)
        .find(|i| i.id == "2.2")
        .unwrap();
    assert_eq!(ind.photos.len(), 1, "attached at restart");
    assert!(ind.pending_photos.is_empty());
    // The platform redelivers the result after the restart: ignored.
    phone.send(Event::PhotoCaptured {
        capture_id: capture,
    });
    assert_eq!(phone.indicator("2.2").photos.len(), 1);
}

#[test]
fn kill_during_processing_resumes_the_photo_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut phone = on_draft(dir.path(), options());
    phone.run_tasks = false;
    phone.send(Event::CapturePhoto {
        indicator_id: "3.1".into(),
    });
    let (capture, target) = phone.last_capture();
    phone.camera_writes(&target, "orientation/Portrait_6.jpg");
    phone.send(Event::PhotoCaptured {
        capture_id: capture,
    });
    assert_eq!(phone.pending_tasks.len(), 1);
    phone.kill();
    phone.run_tasks = true;
    phone.restart();
    assert_eq!(phone.indicator("3.1").photos.len(), 1);
    assert!(phone.indicator("3.1").pending_photos.is_empty());
    phone.restart();
    assert_eq!(phone.indicator("3.1").photos.len(), 1);
    // Nothing is left in the capture folder.
    let left = std::fs::read_dir(dir.path().join(hoctap_app::CAPTURE_DIR))
        .unwrap()
        .count();
    assert_eq!(left, 0);
}

#[test]
fn cancel_and_a_damaged_file_leave_nothing_pending() {
    let dir = tempfile::tempdir().unwrap();
    let mut phone = on_draft(dir.path(), options());
    phone.send(Event::CapturePhoto {
        indicator_id: "2.2".into(),
    });
    let (capture, _) = phone.last_capture();
    phone.send(Event::PhotoCancelled {
        capture_id: capture,
    });
    assert!(phone.indicator("2.2").pending_photos.is_empty());
    phone.restart();
    assert!(phone.pending_tasks.is_empty());
    // A file that is no photo: the pipeline's Vietnamese message.
    phone.send(Event::CapturePhoto {
        indicator_id: "2.2".into(),
    });
    let (capture, target) = phone.last_capture();
    std::fs::write(&target, b"not a photo at all").unwrap();
    phone.send(Event::PhotoCaptured {
        capture_id: capture,
    });
    let m = phone.view().message.expect("message");
    assert_eq!(m.error_kind, Some(ErrorKind::Photo));
    assert!(phone.indicator("2.2").pending_photos.is_empty());
    assert!(phone.indicator("2.2").photos.is_empty());
    // No photo at all came back from the camera.
    phone.send(Event::CapturePhoto {
        indicator_id: "2.2".into(),
    });
    let (capture, _) = phone.last_capture();
    phone.send(Event::PhotoCaptured {
        capture_id: capture,
    });
    assert!(phone.message().contains("chụp lại"), "{}", phone.message());
}

#[test]
fn storage_full_is_reported_and_the_draft_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut phone = on_draft(
        dir.path(),
        AppOptions {
            photo_disk_reserve: i64::MAX / 2,
            ..options()
        },
    );
    phone.send(Event::CapturePhoto {
        indicator_id: "2.2".into(),
    });
    let (capture, target) = phone.last_capture();
    phone.camera_writes(&target, "gps/DSCN0010.jpg");
    phone.send(Event::PhotoCaptured {
        capture_id: capture,
    });
    let m = phone.view().message.expect("message");
    assert_eq!(m.error_kind, Some(ErrorKind::StorageFull));
    assert_eq!(m.level, MessageLevel::Error);
    assert!(m.text.contains("đầy"), "{}", m.text);
    let ind = phone.indicator("2.2");
    assert!(ind.photos.is_empty() && ind.pending_photos.is_empty());
    assert!(phone.assessment().editable);
    assert!(phone.effects.contains(&Effect::KeepScreenOn { on: false }));
}

#[test]
fn removing_a_photo_and_finalized_assessments_refuse_captures() {
    let dir = tempfile::tempdir().unwrap();
    let mut phone = on_draft(dir.path(), options());
    phone.send(Event::CapturePhoto {
        indicator_id: "2.2".into(),
    });
    let (capture, target) = phone.last_capture();
    phone.camera_writes(&target, "gps/DSCN0010.jpg");
    phone.send(Event::PhotoCaptured {
        capture_id: capture,
    });
    let sha = phone.indicator("2.2").photos[0].sha256.clone();
    phone.send(Event::RemovePhoto {
        indicator_id: "2.2".into(),
        sha256: sha,
    });
    assert!(phone.indicator("2.2").photos.is_empty());
    // An unknown indicator: refused before the camera opens.
    let before = phone.effects.len();
    phone.send(Event::CapturePhoto {
        indicator_id: "9.9".into(),
    });
    assert!(phone.effects[before..]
        .iter()
        .all(|e| !matches!(e, Effect::CapturePhoto { .. })));
    assert!(!phone.message().is_empty());
}
