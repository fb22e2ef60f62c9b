//! The event switch: each event goes to the module that owns its part of the app (navigation,
//! roster edits, the assessment and its photos, enrollment and sync).

use crate::core::AppCore;
use crate::effect::Effect;
use crate::event::Event;

impl AppCore {
    pub(crate) fn handle(&mut self, event: Event, fx: &mut Vec<Effect>) {
        match event {
            Event::Started => self.on_started(fx),
            Event::Resumed => self.on_resumed(fx),
            Event::Paused => {}
            Event::Back => self.on_back(fx),
            Event::Open { target } => self.on_open(target),
            Event::Refresh => self.on_refresh(fx),
            Event::DismissMessage => self.message = None,
            Event::ConfirmDialog => self.on_confirm_dialog(fx),
            Event::CancelDialog => self.dialog = None,
            Event::NetworkChanged { online, unmetered } => {
                self.online = online;
                self.unmetered = unmetered;
            }
            Event::EnrollServerChanged { text } => self.on_enroll_field(Some(text), None),
            Event::EnrollCodeChanged { text } => self.on_enroll_field(None, Some(text)),
            Event::EnrollSubmit => self.on_enroll_submit(fx),
            Event::ScanQr => fx.push(Effect::ScanQr),
            Event::QrScanned { text } => self.on_qr_text(&text, fx),
            Event::QrImage { bytes } => self.on_qr_image(bytes, fx),
            Event::QrCancelled => {}
            Event::SearchChanged { text } => self.on_search(text),
            Event::FilterChanged { status } => self.on_filter(status),
            Event::LoadMore => self.on_load_more(),
            Event::HouseholdFormChanged { input } => self.on_household_form(input),
            Event::MemberFormChanged { input } => self.on_member_form(input),
            Event::SubmitForm => self.on_submit_form(),
            Event::RemoveMember { member_id } => {
                self.ask(crate::view::DialogKind::ConfirmRemoveMember, member_id)
            }
            Event::RemoveHousehold { household_id } => self.ask(
                crate::view::DialogKind::ConfirmRemoveHousehold,
                household_id,
            ),
            Event::Register { subject, model } => self.on_register(&subject, model),
            Event::StartAssessment { subject, model } => self.on_start_assessment(&subject, model),
            Event::SetAnswer {
                indicator_id,
                answer,
            } => self.on_set_answer(&indicator_id, answer),
            Event::StepAnswer {
                indicator_id,
                steps,
            } => self.on_step_answer(&indicator_id, steps),
            Event::SetNote { indicator_id, note } => self.on_set_note(&indicator_id, note),
            Event::CapturePhoto { indicator_id } => {
                self.on_capture(&indicator_id, crate::persist::CaptureSource::Camera, fx)
            }
            Event::PickPhoto { indicator_id } => {
                self.on_capture(&indicator_id, crate::persist::CaptureSource::Gallery, fx)
            }
            Event::PhotoCaptured { capture_id } => self.on_photo_captured(&capture_id, fx),
            Event::PhotoCancelled { capture_id } => self.on_photo_cancelled(&capture_id),
            Event::RemovePhoto {
                indicator_id,
                sha256,
            } => self.on_remove_photo(&indicator_id, &sha256),
            Event::Finalize => self.on_finalize(),
            Event::DiscardDraft => self.on_discard(),
            Event::Correct => self.on_correct(),
            Event::SendNow => self.on_send_now(fx),
            Event::RetryItem { assessment_id } => self.on_retry(&assessment_id, fx),
            Event::KeepAsDraft { assessment_id } => self.on_keep_as_draft(&assessment_id),
            Event::SetDeviceName { name } => {
                let name = hoctap_domain::text::clean(&name);
                self.prefs.device_name = (!name.is_empty()).then_some(name);
            }
            Event::SetPhotosWifiOnly { on } => {
                self.prefs.photos_wifi_only = on;
                self.schedule_sync(fx);
            }
            Event::SetYear { year } => self.on_set_year(year),
            Event::Reenroll => self.on_reenroll(),
            Event::TaskProgress {
                task_id, message, ..
            } => {
                if self.sync_task.as_deref() == Some(task_id.as_str()) {
                    self.sync_progress = Some(message);
                }
            }
            Event::TaskFinished { task_id, result } => self.on_task_finished(&task_id, result, fx),
        }
    }

    fn on_set_year(&mut self, year: i32) {
        if !(2000..=2100).contains(&year) {
            self.show(
                crate::view::MessageLevel::Warning,
                format!("Năm {year} không hợp lệ"),
            );
            return;
        }
        self.prefs.year = Some(year);
        self.touched();
    }
}
