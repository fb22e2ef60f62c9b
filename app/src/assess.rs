//! The open assessment: answers (autosaved one by one), `+`/`−` steps computed from the stored
//! value (so quick taps add up and never race a stale view), notes, overrides of derived
//! values with a reason, removing photos, finalization after confirmation (once: a second
//! confirm finds no dialog, and a finalized assessment is never finalized again), discarding a
//! draft, and the correction flow ("Sửa phiếu": the stack's entry becomes the new draft at once,
//! so a rotation or a restart reopens the draft, not the finalized copy).

use crate::core::AppCore;
use crate::effect::Effect;
use crate::error::ErrorInfo;
use crate::event::AnswerInput;
use crate::screen::Screen;
use crate::view::{DialogKind, MessageLevel};
use hoctap_domain::assessment::AnswerChange;
use hoctap_domain::criteria::AnswerKind;
use hoctap_domain::engine::AnswerValue;
use hoctap_domain::model::Points;

fn points(v: f64) -> Result<Points, ErrorInfo> {
    Points::from_f64(v).ok_or_else(|| {
        ErrorInfo::input(
            format!("Điểm {v} không hợp lệ (phải ≥ 0, tối đa 2 chữ số thập phân)"),
            format!("invalid points {v}"),
        )
    })
}

impl AppCore {
    /// The assessment open on top.
    fn open_assessment(&self) -> Option<String> {
        match self.top() {
            Some(Screen::Assessment { id }) => Some(id.clone()),
            _ => None,
        }
    }

    fn change(&mut self, indicator_id: &str, change: Result<AnswerChange, ErrorInfo>) {
        let Some(id) = self.open_assessment() else {
            return;
        };
        let result = change.and_then(|c| {
            self.device
                .store()
                .change_answer(&id, indicator_id, c)
                .map_err(ErrorInfo::from)
        });
        match result {
            Ok(()) => self.touched(),
            Err(e) => self.show_error(e),
        }
    }

    pub(crate) fn on_set_answer(&mut self, indicator_id: &str, answer: AnswerInput) {
        let change = match answer {
            AnswerInput::Points { points: p } => points(p).map(AnswerChange::Points),
            AnswerInput::YesNo { yes } => Ok(AnswerChange::YesNo(yes)),
            AnswerInput::Override { points: p, reason } => {
                points(p).map(|points| AnswerChange::Override { points, reason })
            }
            AnswerInput::Clear => Ok(AnswerChange::Clear),
        };
        self.change(indicator_id, change);
    }

    pub(crate) fn on_set_note(&mut self, indicator_id: &str, note: Option<String>) {
        self.change(indicator_id, Ok(AnswerChange::Note(note)));
    }

    /// The stored value plus `steps` steps, within 0 and the indicator's max.
    fn stepped(&self, id: &str, indicator_id: &str, steps: i32) -> Result<Points, ErrorInfo> {
        let store = self.device.store();
        let info = store.assessment(id)?;
        let set = store.criteria_for(&info)?;
        let Some(ind) = set.indicator(indicator_id) else {
            return Err(ErrorInfo::input(
                format!("Không có chỉ số {indicator_id} trong bộ tiêu chí"),
                format!("unknown indicator {indicator_id}"),
            ));
        };
        let AnswerKind::Points { step } = ind.answer else {
            return Err(ErrorInfo::input(
                "Chỉ số này không chấm bằng điểm",
                format!("indicator {indicator_id} is not scored in points"),
            ));
        };
        let current = match store
            .answers_of(&info, &set)?
            .items
            .get(indicator_id)
            .and_then(|a| a.value)
        {
            Some(AnswerValue::Points(p)) => i64::from(p.0),
            _ => 0,
        };
        let max = ind.max.map_or(i64::MAX, |m| i64::from(m.0));
        let next = (current + i64::from(steps) * i64::from(step.0)).clamp(0, max);
        Ok(Points(u32::try_from(next).unwrap_or(0)))
    }

    pub(crate) fn on_step_answer(&mut self, indicator_id: &str, steps: i32) {
        let Some(id) = self.open_assessment() else {
            return;
        };
        let change = self
            .stepped(&id, indicator_id, steps)
            .map(AnswerChange::Points);
        self.change(indicator_id, change);
    }

    pub(crate) fn on_remove_photo(&mut self, indicator_id: &str, sha256: &str) {
        let Some(id) = self.open_assessment() else {
            return;
        };
        match self.device.store().remove_photo(&id, indicator_id, sha256) {
            Ok(_) => self.touched(),
            Err(e) => self.show_error(e),
        }
    }

    pub(crate) fn on_finalize(&mut self) {
        let Some(id) = self.open_assessment() else {
            return;
        };
        let store = self.device.store();
        let checked = store.assessment(&id).and_then(|info| {
            if info.is_finalized() {
                return Ok(None);
            }
            Ok(Some(store.evaluate_assessment(&id)?))
        });
        match checked {
            Ok(None) => {}
            Ok(Some(ev)) => {
                let blocking: Vec<&str> =
                    ev.blocking_reasons().map(|r| r.message.as_str()).collect();
                if blocking.is_empty() {
                    self.ask(DialogKind::ConfirmFinalize, id);
                } else {
                    self.show(
                        MessageLevel::Warning,
                        format!("Chưa thể chốt phiếu: {}", blocking.join("; ")),
                    );
                }
            }
            Err(e) => self.show_error(e),
        }
    }

    pub(crate) fn finalize_confirmed(&mut self, id: &str, fx: &mut Vec<Effect>) {
        let store = self.device.store();
        // Finalizing twice is refused here as well as in the store (which is idempotent).
        if store
            .assessment(id)
            .map(|i| i.is_finalized())
            .unwrap_or(false)
        {
            return;
        }
        match store.finalize(id) {
            Ok(_) => {
                self.touched();
                self.show(
                    MessageLevel::Success,
                    "Đã chốt phiếu; phiếu sẽ được gửi lên xã khi có mạng",
                );
                self.schedule_sync(fx);
            }
            Err(e) => self.show_error(e),
        }
    }

    pub(crate) fn on_discard(&mut self) {
        if let Some(id) = self.open_assessment() {
            self.ask(DialogKind::ConfirmDiscardDraft, id);
        }
    }

    pub(crate) fn discard_confirmed(&mut self, id: &str) {
        match self.device.store().discard_draft(id) {
            Ok(()) => {
                self.touched();
                self.forget_captures_of(id);
                self.nav
                    .retain(|s| !matches!(s, Screen::Assessment { id: a } if a == id));
                self.show(MessageLevel::Success, "Đã xoá bản nháp");
            }
            Err(e) => self.show_error(e),
        }
    }

    /// Replace the open assessment on the stack with `new_id` (a correction).
    fn reopen_as(&mut self, old: &str, new_id: String) {
        if let Some(Screen::Assessment { id }) = self.top_mut() {
            if id == old {
                *id = new_id;
                return;
            }
        }
        self.push(Screen::Assessment { id: new_id });
    }

    pub(crate) fn on_correct(&mut self) {
        let Some(id) = self.open_assessment() else {
            return;
        };
        match self.device.store().correct(&id) {
            Ok(info) => {
                self.touched();
                self.reopen_as(&id, info.id);
                self.show(
                    MessageLevel::Info,
                    "Đã tạo bản sửa; sửa xong hãy chốt lại để gửi",
                );
            }
            Err(e) => self.show_error(e),
        }
    }

    pub(crate) fn on_keep_as_draft(&mut self, id: &str) {
        match self.device.store().keep_as_draft(id) {
            Ok(info) => {
                self.touched();
                self.reopen_as(id, info.id);
            }
            Err(e) => self.show_error(e),
        }
    }
}
