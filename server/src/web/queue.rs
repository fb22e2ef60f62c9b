//! The review queue (`/queue`): every assessment of the staff member's place with filters,
//! search, order and key paging; bulk approve / return over the whole filtered set, after a
//! confirmation page that shows how many assessments the action will touch.

use super::dashboard::asked_scope;
use super::forms::{filter_query, QueueQuery};
use super::layout::{commune_name, message, num, page, points, when};
use super::pages;
use super::session::{same_token, WebStaff};
use crate::api::AppState;
use crate::db::review::{self, Decision, Filter, QueueRow, ReviewState, Sort};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use hoctap_domain::model::Model;
use maud::{html, Markup};
use serde::Deserialize;

/// A review state as a badge.
pub fn state_badge(state: ReviewState, superseded: bool) -> Markup {
    if superseded {
        return html! { span.badge { "Đã có bản sửa" } };
    }
    let class = match state {
        ReviewState::Received => "badge",
        ReviewState::Returned => "badge warn",
        ReviewState::Accepted => "badge ok",
    };
    html! { span class=(class) { (state.label_vi()) } }
}

/// The result of a row as a person reads it.
/// The domain's label ([`hoctap_domain::labels::evaluation_label`]): a practice result (a
/// template set's) never reads "Đạt".
pub fn result_text(r: &QueueRow) -> String {
    use hoctap_domain::engine::Status;
    match r.server_status.as_deref().map(Status::from_code) {
        Some(Some(s)) => hoctap_domain::labels::evaluation_label(s, r.practice, false),
        Some(None) => "—".to_string(),
        None => "Chưa chấm lại".to_string(),
    }
}

fn subject_kind_label(kind: &str) -> &'static str {
    match kind {
        "household" => "Hộ",
        "member" => "Người",
        "hamlet" => "Thôn",
        "clan" => "Dòng họ",
        "unit" => "Đơn vị",
        _ => "",
    }
}

fn filters_form(p: &super::forms::Parsed, province_wide: bool) -> Markup {
    let f = &p.filter;
    let check = |name: &str, on: bool, label: &str| {
        html! { label.check { input type="checkbox" name=(name) value="1" checked[on]; (label) } }
    };
    html! {
        form.filters method="get" action="/queue" {
            label { "Tìm tên hoặc mã hộ" input type="search" name="q" value=(f.q.clone().unwrap_or_default()) placeholder="Nguyễn Văn …"; }
            @if province_wide {
                label { "Mã xã" input type="text" name="commune" value=(f.commune.clone().unwrap_or_default()) size="7"; }
            }
            label { "Mô hình" select name="model" {
                option value="" { "Tất cả" }
                @for m in Model::ALL { option value=(m.code()) selected[f.model == Some(*m)] { (m.title_vi()) } }
            } }
            label { "Năm" input type="text" name="year" inputmode="numeric" size="6" value=(f.year.map(|y| y.to_string()).unwrap_or_default()); }
            label { "Trạng thái" select name="state" {
                option value="" { "Tất cả" }
                @for s in ReviewState::ALL { option value=(s.code()) selected[f.state == Some(*s)] { (s.label_vi()) } }
            } }
            label { "Sắp xếp" select name="sort" {
                @for s in Sort::ALL { option value=(s.code()) selected[p.sort == *s] { (s.label_vi()) } }
            } }
            @if let Some(h) = &f.hamlet { input type="hidden" name="hamlet" value=(h); }
            (check("mismatch", f.mismatch, "Điểm lệch"))
            (check("missing", f.missing_evidence, "Thiếu ảnh"))
            (check("flagged", f.flagged, "Ảnh đáng ngờ"))
            (check("returned", f.ever_returned, "Từng trả lại"))
            (check("corrected", f.corrected, "Bản sửa"))
            (check("superseded", f.with_superseded, "Cả bản cũ"))
            button type="submit" { "Lọc" }
            a.button.secondary href="/queue" { "Bỏ lọc" }
        }
    }
}

/// `GET /queue`.
pub async fn queue(
    State(state): State<AppState>,
    who: WebStaff,
    Query(q): Query<QueueQuery>,
) -> Response {
    let parsed = q.parse();
    let scope = match asked_scope(&who.staff, parsed.filter.commune.as_deref()) {
        Ok(s) => s,
        Err(refused) => return refused.into_response(),
    };
    let (page_rows, total) = tokio::join!(
        review::page(&state.db, &scope, &parsed.filter, parsed.sort, &parsed.at),
        state
            .web
            .figures
            .queue_count(&state.db, &scope, &parsed.filter)
    );
    let (page_rows, total) = match (page_rows, total) {
        (Ok(p), Ok(n)) => (p, n),
        (Err(e), _) | (_, Err(e)) => return pages::db_error(&e),
    };
    let qs = filter_query(&parsed.filter, parsed.sort);
    let province_wide = who.staff.commune_code.is_none();
    let may_review = who.staff.role.may_review();
    let body = html! {
        h1 { "Hàng chờ duyệt — " (commune_name(scope.commune.as_deref())) }
        @if let Some(n) = parsed.done {
            (message("info", &format!("Đã áp dụng cho {} phiếu.", num(n))))
        }
        @if !parsed.ignored.is_empty() {
            (message("error", &format!("Bỏ qua giá trị không hợp lệ: {}", parsed.ignored.join(", "))))
        }
        (filters_form(&parsed, province_wide))
        p {
            strong { (num(total)) } " phiếu khớp bộ lọc. "
            a href=(format!("/exports/queue.xlsx?{qs}")) { "Tải Excel" } " · "
            a href=(format!("/exports/queue.csv?{qs}")) { "Tải CSV" }
            @if may_review && total > 0 {
                " · " a.button href=(format!("/queue/bulk?action=approve&{qs}")) { "Duyệt tất cả " (num(total)) " phiếu" }
                " " a.button.secondary href=(format!("/queue/bulk?action=return&{qs}")) { "Trả lại tất cả" }
            }
        }
        table {
            thead { tr {
                th { "Đối tượng" } th { "Nơi" } th { "Mô hình, năm" } th.n { "Điểm máy chủ" }
                th.n { "Điểm máy" } th { "Kết quả" } th { "Ảnh" } th { "Trạng thái" } th { "Nhận lúc" }
            } }
            tbody {
                @for r in &page_rows.rows {
                    tr {
                        td {
                            a href=(format!("/assessments/{}", r.id)) {
                                (r.subject_name.clone().unwrap_or_else(|| "(chưa rõ tên)".into()))
                            }
                            br; span.muted { (subject_kind_label(&r.subject_kind)) @if let Some(c) = &r.roster_code { " · mã " (c) } @if r.revision > 1 { " · bản sửa " (r.revision) } }
                        }
                        td { (r.hamlet.clone().unwrap_or_else(|| "Cấp xã".into())) @if province_wide { br; span.muted { (commune_name(r.commune_code.as_deref())) } } }
                        td { (r.model.title_vi()) ", " (r.year) }
                        td.n { (r.server_total.map(points).unwrap_or_else(|| "—".into())) }
                        td.n {
                            (points(r.device_total))
                            @if r.mismatch { br; span.badge.bad { "lệch" } }
                        }
                        td { (result_text(r)) }
                        td {
                            (r.evidence_present) "/" (r.evidence_expected)
                            @if r.evidence_present < r.evidence_expected { " " span.badge.warn { "thiếu" } }
                            @if r.photo_flags > 0 { " " span.badge.bad { (r.photo_flags) " đáng ngờ" } }
                        }
                        td { (state_badge(r.review_state, r.superseded)) }
                        td { (when(&r.received_at)) }
                    }
                }
                @if page_rows.rows.is_empty() { tr { td colspan="9" { "Không có phiếu nào." } } }
            }
        }
        div.pager {
            @if let Some(prev) = &page_rows.prev {
                a.button.secondary href=(format!("/queue?{qs}&before={}", super::forms::url_encode(&prev.encode()))) { "← Trang trước" }
            }
            @if let Some(next) = &page_rows.next {
                a.button.secondary href=(format!("/queue?{qs}&after={}", super::forms::url_encode(&next.encode()))) { "Trang sau →" }
            }
        }
    };
    page("Hàng chờ duyệt", Some((&who.staff, &who.csrf)), body).into_response()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BulkQuery {
    action: Option<String>,
    #[serde(flatten)]
    filter: QueueQuery,
}

/// `GET /queue/bulk?action=approve|return&<filter>`: what the action will do, to confirm.
pub async fn bulk_confirm(
    State(state): State<AppState>,
    who: WebStaff,
    Query(q): Query<BulkQuery>,
) -> Response {
    if !who.staff.role.may_review() {
        return pages::forbidden("bulk action by a viewer");
    }
    let parsed = q.filter.parse();
    // A bulk action never runs on a filter it did not understand (it would widen the set).
    if !parsed.ignored.is_empty() {
        return pages::bad_request(&format!(
            "Bộ lọc có giá trị không hợp lệ ({}); hãy sửa bộ lọc trước khi làm hàng loạt.",
            parsed.ignored.join(", ")
        ));
    }
    let scope = match asked_scope(&who.staff, parsed.filter.commune.as_deref()) {
        Ok(s) => s,
        Err(refused) => return refused.into_response(),
    };
    let approve = match q.action.as_deref() {
        Some("approve") => true,
        Some("return") => false,
        _ => return pages::bad_request("Thao tác phải là duyệt hoặc trả lại."),
    };
    let total = match state
        .web
        .figures
        .queue_count(&state.db, &scope, &parsed.filter)
        .await
    {
        Ok(n) => n,
        Err(e) => return pages::db_error(&e),
    };
    let qs = filter_query(&parsed.filter, parsed.sort);
    let body = html! {
        h1 { @if approve { "Duyệt hàng loạt" } @else { "Trả lại hàng loạt" } }
        p {
            "Thao tác này áp dụng cho " strong { (num(total)) " phiếu" } " khớp bộ lọc. "
            "Phiếu đã có bản sửa và phiếu đã ở trạng thái này được giữ nguyên."
        }
        form.card method="post" action="/queue/bulk" {
            input type="hidden" name="csrf" value=(who.csrf);
            input type="hidden" name="action" value=(if approve { "approve" } else { "return" });
            input type="hidden" name="expected" value=(total);
            input type="hidden" name="filter" value=(qs);
            @if !approve {
                p { label { "Lý do trả lại (gửi về máy của cán bộ thôn)" textarea name="comment" rows="3" cols="60" required {} } }
            }
            p {
                button type="submit" class=(if approve { "" } else { "danger" }) {
                    @if approve { "Duyệt " (num(total)) " phiếu" } @else { "Trả lại " (num(total)) " phiếu" }
                }
                " " a.button.secondary href=(format!("/queue?{qs}")) { "Huỷ" }
            }
        }
    };
    page("Xác nhận", Some((&who.staff, &who.csrf)), body).into_response()
}

#[derive(Debug, Deserialize)]
pub struct BulkForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    expected: i64,
    /// The filter's query string.
    #[serde(default)]
    filter: String,
}

/// `POST /queue/bulk`: apply the confirmed action to the filtered set (refused when the set
/// changed size since the confirmation, so nobody approves what they did not see counted).
pub async fn bulk_apply(
    State(state): State<AppState>,
    who: WebStaff,
    Form(form): Form<BulkForm>,
) -> Response {
    if !same_token(&who.csrf, &form.csrf) {
        return pages::stale_form("bulk action without the session's CSRF token");
    }
    if !who.staff.role.may_review() {
        return pages::forbidden("bulk action by a viewer");
    }
    let q: QueueQuery = match serde_urlencoded_query(&form.filter) {
        Some(q) => q,
        None => return pages::bad_request("Bộ lọc không đọc được."),
    };
    let parsed = q.parse();
    // The filter must be exactly the one the confirmation page wrote (its canonical form): an
    // edited, garbled or partly understood filter could select more than was counted.
    if !parsed.ignored.is_empty() || filter_query(&parsed.filter, parsed.sort) != form.filter {
        return pages::bad_request(
            "Bộ lọc không khớp với trang xác nhận; hãy mở lại trang xác nhận rồi làm lại.",
        );
    }
    let scope = match asked_scope(&who.staff, parsed.filter.commune.as_deref()) {
        Ok(s) => s,
        Err(refused) => return refused.into_response(),
    };
    let decision = match form.action.as_str() {
        "approve" => Decision::Approve,
        "return" => {
            let comment = hoctap_domain::text::clean(&form.comment);
            if comment.is_empty() {
                return pages::bad_request("Cần ghi lý do trả lại.");
            }
            Decision::Return(comment)
        }
        _ => return pages::bad_request("Thao tác phải là duyệt hoặc trả lại."),
    };
    let ids = match review::ids(&state.db, &scope, &parsed.filter).await {
        Ok(ids) => ids,
        Err(e) => return pages::db_error(&e),
    };
    if i64::try_from(ids.len()).unwrap_or(i64::MAX) != form.expected {
        return pages::bad_request(&format!(
            "Số phiếu khớp bộ lọc đã đổi ({} → {}) từ lúc xác nhận; hãy xem lại rồi làm lại.",
            form.expected,
            ids.len()
        ));
    }
    let done = match review::decide(
        &state.db,
        &scope,
        &ids,
        &decision,
        &who.staff.id,
        &who.staff.display_name,
    )
    .await
    {
        Ok(d) => d,
        Err(e) => return pages::db_error(&e),
    };
    tracing::info!(
        staff = %who.staff.login, changed = done.changed, skipped = done.skipped,
        action = %form.action, "bulk review action"
    );
    Redirect::to(&format!("/queue?{}&done={}", form.filter, done.changed)).into_response()
}

/// A query string read back into the queue's query.
fn serde_urlencoded_query(qs: &str) -> Option<QueueQuery> {
    let uri: axum::http::Uri = format!("/q?{qs}").parse().ok()?;
    Query::<QueueQuery>::try_from_uri(&uri).ok().map(|q| q.0)
}

/// The filter of a queue link (for tests and the API).
pub fn parse_filter(qs: &str) -> Option<Filter> {
    serde_urlencoded_query(qs).map(|q| q.parse().filter)
}
