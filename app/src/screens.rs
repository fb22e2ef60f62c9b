//! Building each screen's view model from the store for the entry on top of the stack, the
//! title bar and the sync bar. Read-only: labels, statuses and figures come from the domain
//! and the store; this module only picks and reshapes.

use crate::core::AppCore;
use crate::criteria_choice;
use crate::error::ErrorInfo;
use crate::event::SubjectRef;
use crate::screen::Screen;
use crate::view::*;
use hoctap_domain::eligibility;
use hoctap_domain::labels;
use hoctap_domain::model::{Model, SubjectKind};
use hoctap_domain::state::{SubjectStatus, SyncState};
use hoctap_domain::targets::percent_text;
use hoctap_store::assessments::SubjectYear;
use std::path::Path;

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn size_of(path: &Path) -> u64 {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::read_dir(path)
            .map(|d| d.flatten().map(|e| size_of(&e.path())).sum())
            .unwrap_or(0),
        Ok(m) => m.len(),
        Err(_) => 0,
    }
}

/// "12,3 MB" (Vietnamese decimal comma).
pub fn bytes_label(n: u64) -> String {
    let mb = n as f64 / (1024.0 * 1024.0);
    if mb < 1.0 {
        format!("{} KB", (n / 1024).max(1))
    } else {
        format!("{mb:.1} MB").replace('.', ",")
    }
}

impl AppCore {
    pub(crate) fn title(&self) -> String {
        match self.top() {
            Some(Screen::Enrollment { .. }) => "Đăng ký máy",
            Some(Screen::Home) | None => "Sổ Học Tập",
            Some(Screen::Households { .. }) => "Hộ gia đình",
            Some(Screen::Household { .. }) => "Thông tin hộ",
            Some(Screen::HouseholdForm { household_id, .. }) => {
                if household_id.is_some() {
                    "Sửa thông tin hộ"
                } else {
                    "Thêm hộ"
                }
            }
            Some(Screen::MemberForm { member_id, .. }) => {
                if member_id.is_some() {
                    "Sửa thành viên"
                } else {
                    "Thêm thành viên"
                }
            }
            Some(Screen::Clans) => "Dòng họ",
            Some(Screen::Clan { .. }) => "Dòng họ học tập",
            Some(Screen::Hamlet { .. }) => "Cộng đồng học tập",
            Some(Screen::Units) => "Đơn vị",
            Some(Screen::Unit { .. }) => "Đơn vị học tập",
            Some(Screen::Assessment { .. }) => "Phiếu đánh giá",
            Some(Screen::Outbox) => "Phiếu chờ gửi",
            Some(Screen::Returned) => "Phiếu bị trả về",
            Some(Screen::Summary) => "Tổng hợp năm",
            Some(Screen::Settings) => "Cài đặt",
        }
        .to_string()
    }

    pub(crate) fn sync_bar(&mut self) -> SyncBar {
        let running = self.sync_task.is_some();
        if let Some((generation, bar)) = &self.sync_bar {
            if *generation == self.generation {
                let mut bar = bar.clone();
                bar.running = running;
                bar.progress = self.sync_progress.clone();
                bar.online = self.online;
                bar.needs_reenroll = self.needs_reenroll;
                bar.label = bar_label(&bar);
                return bar;
            }
        }
        let store = self.device.store();
        let enrolled = store.enrollment().ok().flatten().is_some();
        let c = store.outbox_counts().unwrap_or_default();
        let mut bar = SyncBar {
            enrolled,
            queued: count(c.queued + c.sending),
            problems: count(c.wedged),
            returned: count(c.needs_correction),
            last_sync: store.last_sync().ok().flatten(),
            running,
            progress: self.sync_progress.clone(),
            needs_reenroll: self.needs_reenroll,
            online: self.online,
            label: String::new(),
        };
        bar.label = bar_label(&bar);
        self.sync_bar = Some((self.generation, bar.clone()));
        bar
    }

    pub(crate) fn build_screen(&mut self) -> Result<ScreenView, ErrorInfo> {
        let Some(top) = self.top().cloned() else {
            return Ok(ScreenView::Home(self.home_view()?));
        };
        Ok(match top {
            Screen::Enrollment { server, code } => ScreenView::Enrollment(EnrollmentView {
                server,
                code,
                busy: self.enroll_task.is_some(),
                decoding_qr: self.qr_task.is_some(),
                error: self.enroll_error.clone(),
                reenroll: self.needs_reenroll,
                help: "Quét mã QR do cán bộ xã cấp, hoặc nhập địa chỉ máy chủ và mã đăng ký."
                    .into(),
            }),
            Screen::Home => ScreenView::Home(self.home_view()?),
            Screen::Households {
                hamlet_id,
                search,
                filter,
            } => ScreenView::Households(self.household_list_view(&hamlet_id, &search, filter)?),
            Screen::Household { id } => ScreenView::Household(self.household_view(&id)?),
            Screen::HouseholdForm {
                hamlet_id,
                household_id,
                input,
            } => ScreenView::HouseholdForm(HouseholdFormView {
                submit_label: if household_id.is_some() {
                    "Lưu".into()
                } else {
                    "Thêm hộ".into()
                },
                hamlet_id,
                household_id,
                input,
            }),
            Screen::MemberForm {
                household_id,
                member_id,
                input,
            } => ScreenView::MemberForm(MemberFormView {
                can_remove: member_id.is_some(),
                submit_label: if member_id.is_some() {
                    "Lưu".into()
                } else {
                    "Thêm thành viên".into()
                },
                household_id,
                member_id,
                input,
                sex_choices: sex_choices(),
                schooling_choices: schooling_choices(),
            }),
            Screen::Clans => ScreenView::Clans(self.clans_view()?),
            Screen::Clan { id } => ScreenView::Clan(self.clan_view(&id)?),
            Screen::Hamlet { id } => ScreenView::Hamlet(self.hamlet_view(&id)?),
            Screen::Units => ScreenView::Units(self.units_view()?),
            Screen::Unit { id } => ScreenView::Unit(self.unit_view(&id)?),
            Screen::Assessment { id } => {
                let pending: Vec<_> = self
                    .captures
                    .values()
                    .filter(|c| c.assessment_id == id)
                    .collect();
                ScreenView::Assessment(crate::view::assessment::build(&self.device, &id, &pending)?)
            }
            Screen::Outbox => ScreenView::Outbox(self.outbox_view()?),
            Screen::Returned => ScreenView::Returned(self.returned_view()?),
            Screen::Summary => ScreenView::Summary(self.summary_view()?),
            Screen::Settings => ScreenView::Settings(self.settings_view()?),
        })
    }

    fn home_view(&self) -> Result<HomeView, ErrorInfo> {
        let store = self.device.store();
        let mut hamlets = Vec::new();
        for h in store.hamlets()? {
            hamlets.push(HamletRowView {
                households: count(store.count_households(Some(&h.id))?),
                kind_label: labels::hamlet_kind(h.kind).to_string(),
                id: h.id,
                name: h.name,
            });
        }
        let progress = self
            .summary_view()?
            .rows
            .into_iter()
            .map(|r| TargetProgressView {
                model: r.model,
                title: r.title,
                passed: r.passed,
                all: r.all,
                percentage: r.percentage,
                target_percent: r.target_percent,
                meets_target: r.meets_target,
                label: r.label,
            })
            .collect();
        Ok(HomeView {
            empty_label: hamlets.is_empty().then(|| {
                "Máy chưa có thôn nào. Hãy đăng ký máy với xã và đồng bộ để nhận danh sách."
                    .to_string()
            }),
            hamlets,
            progress,
        })
    }

    /// Where a subject stands for a model this year, and what can be done.
    fn model_status(
        &self,
        subject: SubjectRef,
        model: Model,
        st: SubjectYear,
    ) -> Result<ModelStatusView, ErrorInfo> {
        let year = self.year();
        let status = st.status();
        let has_set = criteria_choice::set_for(self.device.store(), model, year)?.is_some();
        let mut actions = Vec::new();
        if status == SubjectStatus::NotRegistered {
            actions.push(AssessAction::Register);
        }
        match status {
            SubjectStatus::NotRegistered | SubjectStatus::Registered if has_set => {
                actions.push(AssessAction::Start)
            }
            SubjectStatus::Draft => actions.push(AssessAction::Continue),
            SubjectStatus::Finalized
            | SubjectStatus::Sent
            | SubjectStatus::NeedsCorrection
            | SubjectStatus::Recognised => actions.push(AssessAction::View),
            _ => {}
        }
        Ok(ModelStatusView {
            subject,
            model,
            model_title: model.title_vi().to_string(),
            status,
            status_label: status.label().to_string(),
            assessment_id: st.assessment_id,
            total: st.total.map(|p| p.as_f64()),
            comment: st.comment,
            actions,
            no_criteria: (!has_set).then(|| criteria_choice::none_message(model, year)),
        })
    }

    fn household_view(&self, id: &str) -> Result<HouseholdView, ErrorInfo> {
        let store = self.device.store();
        let year = self.year();
        let d = store.household_detail(id)?;
        let st = store.household_status(id, Model::GiaDinh, year)?;
        let mut cdht = store.statuses(Model::CongDan, year)?;
        let mut members = Vec::new();
        for m in &d.members {
            let adult = m.birth_year.is_some_and(|b| eligibility::is_adult(b, year));
            let status = if adult {
                Some(self.model_status(
                    SubjectRef {
                        kind: SubjectKind::Member,
                        id: m.id.clone(),
                    },
                    Model::CongDan,
                    cdht.remove(&m.id).unwrap_or_default(),
                )?)
            } else {
                None
            };
            members.push(MemberView {
                id: m.id.clone(),
                name: m.name.clone(),
                birth_year: m.birth_year,
                age: m.birth_year.map(|b| eligibility::age(b, year)),
                sex_label: m.sex.map(|s| labels::sex(s).to_string()),
                relation: m.relation.clone(),
                schooling_label: m.schooling.map(|s| labels::schooling(s).to_string()),
                literate: m.literate,
                unable_to_learn: m.unable_to_learn,
                cdht: status,
            });
        }
        let h = d.household;
        Ok(HouseholdView {
            gia_dinh: self.model_status(
                SubjectRef {
                    kind: SubjectKind::Household,
                    id: h.id.clone(),
                },
                Model::GiaDinh,
                st,
            )?,
            id: h.id,
            head: h.head,
            address: h.address,
            phone: h.phone,
            roster_code: h.roster_code,
            hamlet: h.hamlet,
            members,
        })
    }

    fn subject_status(
        &self,
        kind: SubjectKind,
        id: &str,
        model: Model,
    ) -> Result<ModelStatusView, ErrorInfo> {
        let st = self
            .device
            .store()
            .statuses(model, self.year())?
            .remove(id)
            .unwrap_or_default();
        self.model_status(
            SubjectRef {
                kind,
                id: id.to_string(),
            },
            model,
            st,
        )
    }

    fn clans_view(&self) -> Result<ClanListView, ErrorInfo> {
        let clans: Vec<ClanRowView> = self
            .device
            .store()
            .clans()?
            .into_iter()
            .map(|c| ClanRowView {
                households: count(c.household_ids.len() as u64),
                hamlets: c.hamlets.join(", "),
                id: c.id,
                name: c.name,
            })
            .collect();
        Ok(ClanListView {
            empty_label: clans
                .is_empty()
                .then(|| "Chưa có dòng họ nào trên máy".to_string()),
            clans,
        })
    }

    fn clan_view(&self, id: &str) -> Result<SubjectPageView, ErrorInfo> {
        let store = self.device.store();
        let c = store.clan(id)?;
        let mut lines = vec![format!("{} hộ", c.household_ids.len())];
        if !c.hamlets.is_empty() {
            lines.push(format!("Thôn: {}", c.hamlets.join(", ")));
        }
        Ok(SubjectPageView {
            status: self.subject_status(SubjectKind::Clan, &c.id, Model::DongHo)?,
            name: c.name,
            lines,
        })
    }

    fn hamlet_view(&self, id: &str) -> Result<SubjectPageView, ErrorInfo> {
        let store = self.device.store();
        let h = store.hamlet(id)?;
        let n = store.count_households(Some(&h.id))?;
        Ok(SubjectPageView {
            status: self.subject_status(SubjectKind::Hamlet, &h.id, Model::CongDong)?,
            lines: vec![labels::hamlet_kind(h.kind).to_string(), format!("{n} hộ")],
            name: h.name,
        })
    }

    fn units_view(&self) -> Result<UnitListView, ErrorInfo> {
        let units: Vec<UnitRowView> = self
            .device
            .store()
            .units()?
            .into_iter()
            .map(|u| UnitRowView {
                kind_label: labels::unit_kind(u.kind).to_string(),
                id: u.id,
                name: u.name,
                hamlet: u.hamlet,
            })
            .collect();
        Ok(UnitListView {
            empty_label: units
                .is_empty()
                .then(|| "Chưa có đơn vị nào trên máy".to_string()),
            units,
        })
    }

    fn unit_view(&self, id: &str) -> Result<SubjectPageView, ErrorInfo> {
        let u = self.device.store().unit(id)?;
        let mut lines = vec![labels::unit_kind(u.kind).to_string()];
        lines.push(match &u.hamlet {
            Some(h) => format!("Thôn: {h}"),
            None => "Cấp xã".to_string(),
        });
        Ok(SubjectPageView {
            status: self.subject_status(SubjectKind::Unit, &u.id, Model::DonVi)?,
            name: u.name,
            lines,
        })
    }

    fn outbox_view(&self) -> Result<OutboxView, ErrorInfo> {
        let store = self.device.store();
        let c = store.outbox_counts()?;
        let items: Vec<OutboxItemView> = store
            .outbox()?
            .into_iter()
            .map(|o| {
                let superseded = o.corrected_by.is_some();
                let mut actions = vec![OutboxAction::Open];
                if !superseded {
                    if o.state == SyncState::Wedged {
                        actions.push(OutboxAction::Retry);
                    }
                    if matches!(o.state, SyncState::Wedged | SyncState::NeedsCorrection) {
                        actions.push(OutboxAction::KeepAsDraft);
                    }
                }
                OutboxItemView {
                    subject_kind: o.subject_kind,
                    subject_name: o.subject_name.unwrap_or_else(|| o.subject_id.clone()),
                    model: o.model,
                    model_title: o.model.title_vi().to_string(),
                    year: o.year,
                    revision: i32::try_from(o.revision).unwrap_or(i32::MAX),
                    state: o.state,
                    state_label: if superseded {
                        labels::SUPERSEDED.to_string()
                    } else {
                        o.state.label().to_string()
                    },
                    reason: o.detail,
                    photos: i64::from(o.photos),
                    finalized_at: o.finalized_at,
                    sent_at: o.sent_at,
                    superseded,
                    actions,
                    id: o.id,
                }
            })
            .collect();
        let enrolled = store.enrollment()?.is_some() && !self.needs_reenroll;
        Ok(OutboxView {
            queued: count(c.queued + c.sending),
            sent: count(c.sent),
            returned: count(c.needs_correction),
            problems: count(c.wedged),
            can_send_now: enrolled && self.sync_task.is_none() && c.pending() > 0,
            empty_label: items
                .is_empty()
                .then(|| "Chưa có phiếu nào đã chốt".to_string()),
            items,
        })
    }

    fn returned_view(&self) -> Result<ReturnedView, ErrorInfo> {
        let store = self.device.store();
        let mut items = Vec::new();
        for o in store.outbox()? {
            if o.state != SyncState::NeedsCorrection || o.corrected_by.is_some() {
                continue;
            }
            let comments = store
                .comments(&o.id)?
                .into_iter()
                .map(|c| CommentView {
                    author: c.author,
                    body: c.body,
                    at: c.at,
                })
                .collect();
            items.push(ReturnedItemView {
                subject_name: o.subject_name.unwrap_or_else(|| o.subject_id.clone()),
                model_title: o.model.title_vi().to_string(),
                year: o.year,
                revision: i32::try_from(o.revision).unwrap_or(i32::MAX),
                comments,
                id: o.id,
            });
        }
        Ok(ReturnedView {
            empty_label: items
                .is_empty()
                .then(|| "Không có phiếu nào bị trả về".to_string()),
            items,
        })
    }

    fn summary_view(&self) -> Result<SummaryView, ErrorInfo> {
        let store = self.device.store();
        let year = self.year();
        let targets = store.targets()?;
        let rows = store
            .summary(year)?
            .into_iter()
            .map(|s| {
                let target = targets.get(s.model);
                let mut label = format!("{}/{} đạt", s.passed, s.all);
                if let Some(p) = s.percentage {
                    label.push_str(&format!(" ({}%)", percent_text(p)));
                }
                if let Some(t) = target {
                    label.push_str(&format!(" — chỉ tiêu {}%", percent_text(t)));
                }
                SummaryRowView {
                    model: s.model,
                    title: s.title,
                    registered: count(s.registered),
                    assessed: count(s.assessed),
                    passed: count(s.passed),
                    all: count(s.all),
                    percentage: s.percentage,
                    target_percent: target,
                    meets_target: targets.met(s.model, s.percentage),
                    label,
                }
            })
            .collect();
        Ok(SummaryView { year, rows })
    }

    fn settings_view(&self) -> Result<SettingsView, ErrorInfo> {
        let e = self.device.store().enrollment()?;
        let bytes = size_of(&self.dir);
        Ok(SettingsView {
            device_name: self
                .prefs
                .device_name
                .clone()
                .or_else(|| self.options.device_name.clone())
                .unwrap_or_default(),
            photos_wifi_only: self.prefs.photos_wifi_only,
            server: e.as_ref().map(|e| e.server.clone()),
            device_id: e.as_ref().map(|e| e.device_id.clone()),
            enrolled_at: e.map(|e| e.enrolled_at),
            storage_bytes: count(bytes),
            storage_label: bytes_label(bytes),
            app_version: self.options.app_version.clone(),
            year: self.year(),
        })
    }
}

fn bar_label(bar: &SyncBar) -> String {
    if bar.needs_reenroll {
        "Cần đăng ký lại với máy chủ".into()
    } else if !bar.enrolled {
        "Chưa đăng ký với máy chủ".into()
    } else if bar.running {
        bar.progress
            .clone()
            .unwrap_or_else(|| "Đang đồng bộ…".into())
    } else if bar.returned > 0 {
        format!("{} phiếu bị trả về cần sửa", bar.returned)
    } else if bar.problems > 0 {
        format!("{} phiếu gặp vấn đề khi gửi", bar.problems)
    } else if bar.queued > 0 {
        if bar.online {
            format!("{} phiếu chờ gửi", bar.queued)
        } else {
            format!("{} phiếu chờ gửi (không có mạng)", bar.queued)
        }
    } else {
        "Đã gửi hết".into()
    }
}
