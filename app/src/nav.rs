//! Navigation: the stack of screens, back (closes a dialog, then pops; on the first screen lets
//! the OS close the app), taps that open screens (never with a side effect: opening a household
//! neither registers it nor opens a draft), restoring after a restart, confirmation dialogs.

use crate::core::{AppCore, Dialog};
use crate::effect::Effect;
use crate::event::{HouseholdInput, MemberInput, Target};
use crate::screen::Screen;
use crate::view::DialogKind;

impl AppCore {
    pub(crate) fn on_started(&mut self, fx: &mut Vec<Effect>) {
        // A screen whose subject is gone (a draft discarded elsewhere, a household removed)
        // is dropped rather than shown broken.
        while self.nav.len() > 1 && !self.screen_exists() {
            self.nav.pop();
        }
        self.resume_captures(fx, true);
        self.clean_capture_dir();
        self.schedule_sync(fx);
    }

    pub(crate) fn on_resumed(&mut self, fx: &mut Vec<Effect>) {
        self.touched();
        self.resume_captures(fx, false);
    }

    fn screen_exists(&self) -> bool {
        let store = self.device.store();
        match self.top() {
            Some(Screen::Assessment { id }) => store.assessment(id).is_ok(),
            Some(Screen::Household { id }) => store.household(id).is_ok(),
            _ => true,
        }
    }

    pub(crate) fn on_back(&mut self, fx: &mut Vec<Effect>) {
        if self.dialog.take().is_some() {
            return;
        }
        if self.nav.len() > 1 {
            self.nav.pop();
            self.enroll_error = None;
        } else {
            fx.push(Effect::CloseApp);
        }
    }

    pub(crate) fn push(&mut self, screen: Screen) {
        // A second tap on what is already open does not stack it twice.
        if self.top() != Some(&screen) {
            self.nav.push(screen);
        }
    }

    pub(crate) fn on_open(&mut self, target: Target) {
        self.dialog = None;
        let store = self.device.store();
        let screen = match target {
            Target::Home => {
                self.nav.truncate(1);
                if !matches!(self.top(), Some(Screen::Home)) {
                    self.nav = vec![Screen::Home];
                }
                return;
            }
            Target::Enrollment => Screen::Enrollment {
                server: store
                    .enrollment()
                    .ok()
                    .flatten()
                    .map(|e| e.server)
                    .unwrap_or_default(),
                code: String::new(),
            },
            Target::Households { hamlet_id } => Screen::Households {
                hamlet_id,
                search: String::new(),
                filter: None,
            },
            Target::Household { id } => Screen::Household { id },
            Target::NewHousehold { hamlet_id } => Screen::HouseholdForm {
                hamlet_id,
                household_id: None,
                input: HouseholdInput::default(),
            },
            Target::EditHousehold { id } => match store.household(&id) {
                Ok(h) => Screen::HouseholdForm {
                    hamlet_id: h.hamlet_id,
                    household_id: Some(h.id),
                    input: HouseholdInput {
                        head: h.head,
                        address: h.address,
                        phone: h.phone,
                        roster_code: h.roster_code,
                    },
                },
                Err(e) => return self.show_error(e),
            },
            Target::NewMember { household_id } => Screen::MemberForm {
                household_id,
                member_id: None,
                input: MemberInput::default(),
            },
            Target::EditMember { member_id } => match store.member(&member_id) {
                Ok(m) => Screen::MemberForm {
                    household_id: m.household_id,
                    member_id: Some(m.id),
                    input: MemberInput {
                        name: m.name,
                        birth_year: m.birth_year,
                        sex: m.sex,
                        relation: m.relation,
                        schooling: m.schooling,
                        literate: m.literate,
                        cdht: m.cdht,
                        unable_to_learn: m.unable_to_learn,
                    },
                },
                Err(e) => return self.show_error(e),
            },
            Target::Clans => Screen::Clans,
            Target::Clan { id } => Screen::Clan { id },
            Target::Hamlet { id } => Screen::Hamlet { id },
            Target::Units => Screen::Units,
            Target::Unit { id } => Screen::Unit { id },
            Target::Assessment { id } => Screen::Assessment { id },
            Target::Outbox => Screen::Outbox,
            Target::Returned => Screen::Returned,
            Target::Summary => Screen::Summary,
            Target::Settings => Screen::Settings,
        };
        self.push(screen);
    }

    pub(crate) fn on_refresh(&mut self, fx: &mut Vec<Effect>) {
        self.touched();
        let enrolled = self.device.store().enrollment().ok().flatten().is_some();
        if enrolled && !self.needs_reenroll && self.sync_task.is_none() && self.online {
            self.start_sync(true, fx);
        }
    }

    /// Open a confirmation dialog about `target`.
    pub(crate) fn ask(&mut self, kind: DialogKind, target: String) {
        self.dialog = Some(Dialog { kind, target });
    }

    pub(crate) fn on_confirm_dialog(&mut self, fx: &mut Vec<Effect>) {
        // Taken first: a second confirm (a double tap) finds no dialog and does nothing.
        let Some(d) = self.dialog.take() else {
            return;
        };
        match d.kind {
            DialogKind::ConfirmFinalize => self.finalize_confirmed(&d.target, fx),
            DialogKind::ConfirmDiscardDraft => self.discard_confirmed(&d.target),
            DialogKind::ConfirmRemoveMember => self.remove_member_confirmed(&d.target),
            DialogKind::ConfirmRemoveHousehold => self.remove_household_confirmed(&d.target),
        }
    }
}
