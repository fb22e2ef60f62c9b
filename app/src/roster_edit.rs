//! Roster edits from the phone: the household and member forms (kept field by field, so a form
//! survives process death), removals after confirmation, registrations, starting an
//! assessment. The rules (names required, birth years in range, removals refused while a
//! finalized assessment depends on the row, a model fitting its subject) are the store's and
//! the domain's; the core only decides where the cadre goes next.

use crate::core::AppCore;
use crate::criteria_choice;
use crate::event::{HouseholdInput, MemberInput, SubjectRef};
use crate::screen::Screen;
use crate::view::MessageLevel;
use hoctap_domain::model::{Model, Subject};
use hoctap_store::households::{HouseholdChange, MemberChange, NewHousehold, NewMember};

fn subject(s: &SubjectRef) -> Subject {
    Subject::new(s.kind, s.id.clone())
}

impl AppCore {
    pub(crate) fn on_household_form(&mut self, new: HouseholdInput) {
        if let Some(Screen::HouseholdForm { input, .. }) = self.top_mut() {
            *input = new;
        }
    }

    pub(crate) fn on_member_form(&mut self, new: MemberInput) {
        if let Some(Screen::MemberForm { input, .. }) = self.top_mut() {
            *input = new;
        }
    }

    pub(crate) fn on_submit_form(&mut self) {
        let store = self.device.store();
        match self.top().cloned() {
            Some(Screen::HouseholdForm {
                hamlet_id,
                household_id: None,
                input,
            }) => match store.add_household(&NewHousehold {
                hamlet_id,
                head: input.head,
                address: input.address,
                phone: input.phone,
                roster_code: input.roster_code,
                legacy_code: None,
            }) {
                Ok(h) => {
                    self.touched();
                    self.nav.pop();
                    self.push(Screen::Household { id: h.id });
                    self.show(MessageLevel::Success, "Đã thêm hộ");
                }
                Err(e) => self.show_error(e),
            },
            Some(Screen::HouseholdForm {
                household_id: Some(id),
                input,
                ..
            }) => match store.edit_household(
                &id,
                &HouseholdChange {
                    head: Some(input.head),
                    address: Some(input.address),
                    phone: Some(input.phone),
                    roster_code: Some(input.roster_code),
                },
            ) {
                Ok(_) => {
                    self.touched();
                    self.nav.pop();
                    self.show(MessageLevel::Success, "Đã lưu thông tin hộ");
                }
                Err(e) => self.show_error(e),
            },
            Some(Screen::MemberForm {
                household_id,
                member_id,
                input,
            }) => {
                let result = match &member_id {
                    None => store
                        .add_member(
                            &household_id,
                            &NewMember {
                                name: input.name,
                                birth_year: input.birth_year,
                                sex: input.sex,
                                relation: input.relation,
                                schooling: input.schooling,
                                literate: input.literate,
                                cdht: input.cdht,
                                cdht_group: None,
                                unable_to_learn: input.unable_to_learn,
                            },
                        )
                        .map(|_| "Đã thêm thành viên"),
                    Some(id) => store
                        .edit_member(
                            id,
                            &MemberChange {
                                name: Some(input.name),
                                birth_year: Some(input.birth_year),
                                sex: Some(input.sex),
                                relation: Some(input.relation),
                                schooling: Some(input.schooling),
                                literate: Some(input.literate),
                                cdht: Some(input.cdht),
                                cdht_group: None,
                                unable_to_learn: Some(input.unable_to_learn),
                            },
                        )
                        .map(|_| "Đã lưu thông tin thành viên"),
                };
                match result {
                    Ok(text) => {
                        self.touched();
                        self.nav.pop();
                        self.show(MessageLevel::Success, text);
                    }
                    Err(e) => self.show_error(e),
                }
            }
            _ => {}
        }
    }

    pub(crate) fn remove_member_confirmed(&mut self, member_id: &str) {
        match self.device.store().remove_member(member_id) {
            Ok(_) => {
                self.touched();
                if matches!(self.top(), Some(Screen::MemberForm { member_id: Some(m), .. }) if m == member_id)
                {
                    self.nav.pop();
                }
                self.show(MessageLevel::Success, "Đã xoá thành viên");
            }
            Err(e) => self.show_error(e),
        }
    }

    pub(crate) fn remove_household_confirmed(&mut self, household_id: &str) {
        match self.device.store().remove_household(household_id) {
            Ok(_) => {
                self.touched();
                self.nav.retain(|s| match s {
                    Screen::Household { id } => id != household_id,
                    Screen::HouseholdForm {
                        household_id: Some(id),
                        ..
                    } => id != household_id,
                    _ => true,
                });
                self.show(MessageLevel::Success, "Đã xoá hộ khỏi danh sách");
            }
            Err(e) => self.show_error(e),
        }
    }

    pub(crate) fn on_register(&mut self, s: &SubjectRef, model: Model) {
        let year = self.year();
        match self.device.store().register(&subject(s), model, year) {
            Ok(_) => {
                self.touched();
                self.show(
                    MessageLevel::Success,
                    format!("Đã đăng ký {} năm {year}", model.title_vi()),
                );
            }
            Err(e) => self.show_error(e),
        }
    }

    pub(crate) fn on_start_assessment(&mut self, s: &SubjectRef, model: Model) {
        let year = self.year();
        let store = self.device.store();
        let set = match criteria_choice::set_for(store, model, year) {
            Ok(Some(set)) => set,
            Ok(None) => {
                return self.show(
                    MessageLevel::Warning,
                    criteria_choice::none_message(model, year),
                )
            }
            Err(e) => return self.show_error(e),
        };
        match store.start_assessment(&subject(s), &set, year) {
            Ok(info) => {
                self.touched();
                self.push(Screen::Assessment { id: info.id });
            }
            Err(e) => self.show_error(e),
        }
    }
}
