//! `admin roster changes | apply | dismiss | remove-member`: what devices sent that differs from
//! the roster (proposals, never applied silently; members added from a device's copy, recorded),
//! staff's decisions on them, and explicit member removal (`db::roster_changes`).

use super::{print_json, AdminError};
use crate::db::roster_changes::{self, ChangeKind, ChangeState, Refusal, RosterChange};
use crate::db::Db;

/// How a change's kind reads.
fn kind_vi(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::HouseholdField => "sửa thông tin hộ",
        ChangeKind::MemberField => "sửa thông tin thành viên",
        ChangeKind::MemberAdded => "thêm thành viên",
        ChangeKind::MemberRemoval => "bỏ thành viên",
        ChangeKind::MemberMove => "chuyển thành viên sang hộ này",
    }
}

/// How a change's state reads.
fn state_vi(state: ChangeState) -> &'static str {
    match state {
        ChangeState::Pending => "chờ duyệt",
        ChangeState::Applied => "đã áp dụng",
        ChangeState::Dismissed => "đã bỏ qua",
    }
}

fn line(c: &RosterChange) -> String {
    let mut out = format!(
        "{}\t{}\t{}\t{} / {}",
        c.id,
        state_vi(c.state),
        kind_vi(c.kind),
        c.hamlet.as_deref().unwrap_or("-"),
        c.household.as_deref().unwrap_or(&c.household_id),
    );
    if let Some(m) = &c.member_id {
        out.push_str(&format!(" / {}", c.member.as_deref().unwrap_or(m)));
    }
    if let Some(f) = c.field {
        out.push_str(&format!("\t{f}: {} → {}", c.old_value, c.new_value));
    }
    out.push_str(&format!(
        "\t{}",
        c.device_id
            .as_deref()
            .map_or("cán bộ/staff".to_string(), |d| format!(
                "thiết bị/device {d}"
            ))
    ));
    if let Some(note) = &c.note {
        out.push_str(&format!("\t{note}"));
    }
    out
}

fn refused(id: &str, r: Refusal) -> AdminError {
    AdminError::Invalid(match r {
        Refusal::Unknown => format!("Không có thay đổi hoặc thành viên {id} / unknown id"),
        Refusal::Decided(state) => format!(
            "Thay đổi {id} đã được xử lý ({}) / already decided: {state}",
            state_vi(state)
        ),
        Refusal::NotAProposal => {
            format!("Thay đổi {id} không phải đề xuất (đã ghi nhận) / not a proposal")
        }
        Refusal::Removed => format!("Thành viên {id} đã bị bỏ trước đó / already removed"),
        Refusal::CodeTaken(code) => format!(
            "Mã hộ \"{code}\" đã có hộ khác trong thôn dùng / roster code taken in the hamlet"
        ),
        Refusal::Gone => {
            format!(
                "Hộ hoặc thành viên của thay đổi {id} không còn / the household or member is gone"
            )
        }
    })
}

fn show(c: &RosterChange, done: &str, json_out: bool) -> Result<(), AdminError> {
    if json_out {
        return print_json(c);
    }
    outln!("{done}");
    outln!("{}", line(c));
    Ok(())
}

/// `admin roster changes [--all]`.
pub async fn changes(db: &Db, all: bool, json_out: bool) -> Result<(), AdminError> {
    let list = roster_changes::list(db, all).await?;
    if json_out {
        return print_json(&list);
    }
    for c in &list {
        outln!("{}", line(c));
    }
    let pending = list
        .iter()
        .filter(|c| c.state == ChangeState::Pending)
        .count();
    outln!("{pending} đề xuất chờ duyệt / pending proposals");
    Ok(())
}

/// `admin roster apply ID`.
pub async fn apply(db: &Db, id: &str, by: Option<&str>, json_out: bool) -> Result<(), AdminError> {
    match roster_changes::apply(db, id.trim(), by).await? {
        Ok(c) => show(&c, "Đã áp dụng / applied", json_out),
        Err(r) => Err(refused(id, r)),
    }
}

/// `admin roster dismiss ID`.
pub async fn dismiss(
    db: &Db,
    id: &str,
    by: Option<&str>,
    note: Option<&str>,
    json_out: bool,
) -> Result<(), AdminError> {
    match roster_changes::dismiss(db, id.trim(), by, note).await? {
        Ok(c) => show(&c, "Đã bỏ qua / dismissed", json_out),
        Err(r) => Err(refused(id, r)),
    }
}

/// `admin roster remove-member MEMBER --reason TEXT`.
pub async fn remove_member(
    db: &Db,
    member: &str,
    reason: &str,
    by: Option<&str>,
    json_out: bool,
) -> Result<(), AdminError> {
    if reason.trim().is_empty() {
        return Err(AdminError::Invalid(
            "Cần ghi lý do bỏ thành viên (--reason) / a reason is required".into(),
        ));
    }
    match roster_changes::remove_member(db, member.trim(), reason.trim(), by).await? {
        Ok(c) => show(
            &c,
            "Đã bỏ thành viên (vẫn giữ các phiếu của người này) / member removed",
            json_out,
        ),
        Err(r) => Err(refused(member, r)),
    }
}
