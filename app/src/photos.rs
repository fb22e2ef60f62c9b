//! Evidence photos in flight: a capture is recorded (in the store) before the camera or gallery
//! opens, with the file the platform writes to; when the photo arrives it is processed as a
//! task off the UI thread (the screen stays on meanwhile) and attached; the record goes only
//! once the photo is attached. So a photo taken while the app was killed is found and attached
//! at the next start, and a photo delivered twice is attached once.

use crate::core::{AppCore, CAPTURE_DIR};
use crate::effect::{Effect, TaskKind};
use crate::error::ErrorInfo;
use crate::persist::{self, CaptureSource, PendingCapture};
use crate::screen::Screen;
use crate::view::MessageLevel;
use std::path::Path;

fn has_photo(path: &str) -> bool {
    std::fs::metadata(path)
        .map(|m| m.len() > 0)
        .unwrap_or(false)
}

impl AppCore {
    pub(crate) fn on_capture(
        &mut self,
        indicator_id: &str,
        source: CaptureSource,
        fx: &mut Vec<Effect>,
    ) {
        let Some(Screen::Assessment { id }) = self.top().cloned() else {
            return;
        };
        if let Err(e) = self.device.store().check_attachable(&id, indicator_id) {
            return self.show_error(e);
        }
        let dir = self.dir.join(CAPTURE_DIR);
        if let Err(e) = std::fs::create_dir_all(&dir) {
            return self.show_error(hoctap_store::StoreError::Io {
                path: dir.display().to_string(),
                source: e,
            });
        }
        let capture_id = self.new_id();
        let path = dir.join(format!("{capture_id}.jpg")).display().to_string();
        let capture = PendingCapture {
            capture_id: capture_id.clone(),
            assessment_id: id,
            indicator_id: indicator_id.to_string(),
            source,
            path: path.clone(),
            task_id: None,
        };
        // Recorded before the camera opens: if the app is killed meanwhile, the photo is
        // found at the next start.
        if let Err(e) = persist::save_capture(self.device.store(), &capture) {
            return self.show_error(e);
        }
        self.captures.insert(capture_id.clone(), capture);
        fx.push(match source {
            CaptureSource::Camera => Effect::CapturePhoto {
                capture_id,
                target_path: path,
            },
            CaptureSource::Gallery => Effect::PickPhoto {
                capture_id,
                target_path: path,
            },
        });
    }

    /// Start processing a capture whose photo is on disk (once).
    fn process_capture(&mut self, capture_id: &str, fx: &mut Vec<Effect>) {
        let Some(c) = self.captures.get(capture_id).cloned() else {
            return;
        };
        let kind = TaskKind::ProcessPhoto {
            capture_id: c.capture_id.clone(),
            assessment_id: c.assessment_id.clone(),
            indicator_id: c.indicator_id.clone(),
            path: c.path.clone(),
        };
        let task_id = self.run_task(kind, fx);
        let updated = PendingCapture {
            task_id: Some(task_id),
            ..c
        };
        if let Err(e) = persist::save_capture(self.device.store(), &updated) {
            self.show_error(e);
        }
        self.captures.insert(capture_id.to_string(), updated);
    }

    pub(crate) fn on_photo_captured(&mut self, capture_id: &str, fx: &mut Vec<Effect>) {
        let Some(c) = self.captures.get(capture_id) else {
            // Already attached (a result delivered twice) or cancelled.
            return;
        };
        if c.task_id.is_some() {
            return;
        }
        if !has_photo(&c.path) {
            let id = c.capture_id.clone();
            self.forget_capture(&id);
            return self.show(
                MessageLevel::Warning,
                "Không nhận được ảnh từ máy ảnh; hãy chụp lại",
            );
        }
        self.process_capture(capture_id, fx);
    }

    pub(crate) fn on_photo_cancelled(&mut self, capture_id: &str) {
        if self
            .captures
            .get(capture_id)
            .is_some_and(|c| c.task_id.is_none())
        {
            self.forget_capture(capture_id);
        }
    }

    /// After a restart (`restarted`) captures being processed when the process died are
    /// processed again (attaching is idempotent); after a restart or a return to the
    /// foreground, photos that arrived while the app was away are processed now.
    pub(crate) fn resume_captures(&mut self, fx: &mut Vec<Effect>, restarted: bool) {
        let ids: Vec<String> = self.captures.keys().cloned().collect();
        for id in ids {
            let Some(c) = self.captures.get(&id) else {
                continue;
            };
            if c.task_id.is_some() {
                if !restarted {
                    continue;
                }
                if has_photo(&c.path) {
                    self.process_capture(&id, fx);
                } else {
                    self.forget_capture(&id);
                }
            } else if has_photo(&c.path) {
                self.process_capture(&id, fx);
            }
        }
    }

    /// Remove capture files no capture refers to (left by a kill between attaching and
    /// forgetting).
    pub(crate) fn clean_capture_dir(&self) {
        let dir = self.dir.join(CAPTURE_DIR);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return;
        };
        for e in entries.flatten() {
            let path = e.path().display().to_string();
            if !self.captures.values().any(|c| c.path == path) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }

    /// Forget a capture and remove its file.
    pub(crate) fn forget_capture(&mut self, capture_id: &str) {
        if let Some(c) = self.captures.remove(capture_id) {
            if let Err(e) = persist::remove_capture(self.device.store(), capture_id) {
                self.show_error(e);
            }
            let _ = std::fs::remove_file(Path::new(&c.path));
        }
    }

    pub(crate) fn forget_captures_of(&mut self, assessment_id: &str) {
        let ids: Vec<String> = self
            .captures
            .values()
            .filter(|c| c.assessment_id == assessment_id)
            .map(|c| c.capture_id.clone())
            .collect();
        for id in ids {
            self.forget_capture(&id);
        }
    }

    pub(crate) fn on_photo_attached(&mut self, capture_id: &str, newly: bool) {
        self.forget_capture(capture_id);
        self.touched();
        if !newly {
            self.show(MessageLevel::Info, "Ảnh này đã được gắn từ trước");
        }
    }

    pub(crate) fn on_photo_failed(&mut self, capture_id: &str, error: ErrorInfo) {
        self.forget_capture(capture_id);
        self.touched();
        self.show_error(error);
    }
}
