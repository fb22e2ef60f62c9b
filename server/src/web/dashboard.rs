//! The dashboard (`/dashboard`) and the year-end report (`/reports`): per model and place,
//! registered / assessed / passed / approved against the denominator and the place's target,
//! with a traffic light; a commune's hamlet completeness; links down to the commune and to
//! the queue of exactly those assessments.

use super::forms::PlaceQuery;
use super::layout::{commune_name, num, page, pct, when};
use super::pages::{self, Refused};
use super::session::WebStaff;
use crate::api::AppState;
use crate::db::reports::{Figures, Light, Report};
use crate::db::staff::{Scope, Staff};
use crate::db::targets::TargetBook;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use hoctap_domain::model::Model;
use maud::{html, Markup};

/// The scope a request asks for (`?commune=`), when the staff member may see it.
pub fn asked_scope(staff: &Staff, commune: Option<&str>) -> Result<Scope, Refused> {
    // A code that is no commune of the province: nothing to show (404, not an empty page).
    if let Some(c) = commune {
        if crate::units::commune(&staff.province_code, c).is_none() {
            return Err(Refused::from(pages::not_found()));
        }
    }
    staff.scope().narrowed(commune).ok_or_else(|| {
        Refused::from(pages::forbidden(&format!(
            "{} asked for commune {commune:?} outside their scope",
            staff.login
        )))
    })
}

/// The report of the place and year a request asks for.
pub async fn load(state: &AppState, staff: &Staff, q: &PlaceQuery) -> Result<Report, Refused> {
    let (year, commune) = q.parse();
    let scope = asked_scope(staff, commune.as_deref())?;
    let targets = TargetBook::load(&state.db, &scope.province)
        .await
        .map_err(|e| Refused::from(pages::db_error(&e)))?;
    state
        .web
        .figures
        .report(&state.db, &scope, year, &targets)
        .await
        .map_err(|e| Refused::from(pages::db_error(&e)))
}

fn light(l: Light) -> Markup {
    let class = match l {
        Light::Green => "light green",
        Light::Amber => "light amber",
        Light::Red => "light red",
        Light::NoData | Light::None => "light none",
    };
    html! { span class=(class) title=(l.label_vi()) { (l.label_vi()) } }
}

/// What a model's denominator counts.
pub fn denominator_label(m: Model) -> &'static str {
    match m {
        Model::GiaDinh => "hộ trong danh sách",
        Model::DongHo => "dòng họ",
        Model::CongDong => "thôn, tổ dân phố",
        Model::DonVi => "đơn vị",
        Model::CongDan => "người từ 18 tuổi",
    }
}

fn target_text(f: &Figures) -> String {
    match &f.target {
        Some(t) => format!("{} đến {}", pct(Some(t.percent)), t.due_year),
        None => "—".to_string(),
    }
}

fn queue_link(report: &Report, place: Option<&str>, model: Model) -> String {
    let mut link = format!("/queue?year={}&model={}", report.year, model.code());
    match (&report.scope.commune, place) {
        (None, Some(c)) => link.push_str(&format!("&commune={c}")),
        (Some(_), Some(h)) => link.push_str(&format!("&hamlet={h}")),
        _ => {}
    }
    link
}

fn figures_table(report: &Report) -> Markup {
    html! {
        table {
            thead { tr {
                th { "Mô hình" } th.n { "Đăng ký" } th.n { "Đã đánh giá" } th.n { "Đạt" }
                th.n { "Đã duyệt (đạt)" } th.n { "Mẫu số" } th { "Mẫu số là" }
                th.n { "Tỷ lệ đã duyệt" } th { "Chỉ tiêu" } th { "So với chỉ tiêu" }
            } }
            tbody {
                @for f in &report.total {
                    tr {
                        td { a href=(queue_link(report, None, f.model)) { (f.model.title_vi()) } }
                        td.n title="Phiếu đăng ký chưa được gửi lên máy chủ" { "chưa thu" }
                        td.n { (num(f.assessed)) }
                        td.n { (num(f.passed)) }
                        td.n { (num(f.approved)) }
                        td.n { (num(f.denominator)) }
                        td { (denominator_label(f.model)) }
                        td.n { (pct(f.percent_approved)) }
                        td title=(f.target.as_ref().map(|t| t.source.as_str()).unwrap_or("")) { (target_text(f)) }
                        td { (light(f.light)) }
                    }
                }
            }
        }
    }
}

fn places_table(report: &Report) -> Markup {
    let by_commune = report.scope.commune.is_none();
    html! {
        table {
            thead {
                tr {
                    th { @if by_commune { "Xã, phường" } @else { "Thôn, tổ dân phố" } }
                    @for m in Model::ALL { th { (m.title_vi()) } }
                }
            }
            tbody {
                @for row in &report.rows {
                    tr {
                        td {
                            @match (&row.place, by_commune) {
                                (Some(c), true) => { a href=(format!("/dashboard?year={}&commune={c}", report.year)) { (row.name) } }
                                _ => { (row.name) }
                            }
                        }
                        @for f in &row.figures {
                            td {
                                a href=(queue_link(report, row.place.as_deref(), f.model)) {
                                    (num(f.approved)) " / " (num(f.denominator))
                                }
                                " " (pct(f.percent_approved)) br;
                                (light(f.light))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// When the figures were counted, and whether newer ones are being counted.
fn as_of(report: &Report) -> Markup {
    html! {
        p.muted.as-of {
            "Số liệu tính lúc " (when(&report.computed_at)) "."
            @if report.stale {
                " " strong { "Có dữ liệu mới: số liệu đang được tính lại, tải lại trang sau ít phút để xem." }
            }
        }
    }
}

fn year_form(report: &Report, action: &str) -> Markup {
    html! {
        form.filters method="get" action=(action) {
            label { "Năm" input type="text" name="year" value=(report.year) inputmode="numeric" size="6"; }
            @if let Some(c) = &report.scope.commune { input type="hidden" name="commune" value=(c); }
            button type="submit" { "Xem" }
        }
    }
}

/// `GET /dashboard?year=&commune=`.
pub async fn dashboard(
    State(state): State<AppState>,
    who: WebStaff,
    Query(q): Query<PlaceQuery>,
) -> Response {
    let report = match load(&state, &who.staff, &q).await {
        Ok(r) => r,
        Err(refused) => return refused.into_response(),
    };
    let place = commune_name(report.scope.commune.as_deref());
    let body = html! {
        h1 { "Tổng quan năm " (report.year) " — " (place) }
        (year_form(&report, "/dashboard"))
        (as_of(&report))
        p.muted {
            "Tỷ lệ = số đã duyệt (đạt) / mẫu số. Đèn: xanh khi đạt chỉ tiêu, vàng khi đạt từ 4/5 chỉ tiêu, đỏ khi thấp hơn. "
            "Phiếu đăng ký còn lưu trên máy của cán bộ thôn, chưa gửi lên máy chủ."
        }
        (figures_table(&report))
        @if report.unsent_on_devices > 0 {
            p { "Các máy của cán bộ thôn còn " strong { (num(report.unsent_on_devices)) } " phiếu đã chấm chưa gửi (theo lần báo gần nhất)." }
        }
        h2 { @if report.scope.commune.is_none() { "Theo xã, phường" } @else { "Theo thôn, tổ dân phố" } }
        (places_table(&report))
        @if !report.completeness.is_empty() {
            h2 { "Mức độ hoàn thành ở thôn (Gia đình học tập)" }
            table {
                thead { tr { th { "Thôn" } th.n { "Hộ trong danh sách" } th.n { "Đã nhận phiếu" } th.n { "Đã duyệt" } th.n { "Còn thiếu" } } }
                tbody {
                    @for c in &report.completeness {
                        tr {
                            td { a href=(format!("/queue?year={}&model=gia_dinh&hamlet={}", report.year, c.hamlet_id)) { (c.hamlet) } }
                            td.n { (num(c.expected)) }
                            td.n { (num(c.received)) }
                            td.n { (num(c.approved)) }
                            td.n { (num((c.expected - c.received).max(0))) }
                        }
                    }
                }
            }
        }
    };
    page("Tổng quan", Some((&who.staff, &who.csrf)), body).into_response()
}

/// `GET /reports?year=&commune=`: the year-end table, one block per model, one row per place.
pub async fn report_page(
    State(state): State<AppState>,
    who: WebStaff,
    Query(q): Query<PlaceQuery>,
) -> Response {
    let report = match load(&state, &who.staff, &q).await {
        Ok(r) => r,
        Err(refused) => return refused.into_response(),
    };
    let qs = format!(
        "year={}{}",
        report.year,
        report
            .scope
            .commune
            .as_ref()
            .map(|c| format!("&commune={c}"))
            .unwrap_or_default()
    );
    let body = html! {
        h1 { "Báo cáo năm " (report.year) " — " (commune_name(report.scope.commune.as_deref())) }
        (year_form(&report, "/reports"))
        (as_of(&report))
        p {
            a.button href=(format!("/exports/report.xlsx?{qs}")) { "Tải Excel (XLSX)" } " "
            a.button.secondary href=(format!("/exports/report.csv?{qs}")) { "Tải CSV" } " "
            a href=(format!("/api/v1/staff/report?{qs}")) { "JSON" }
        }
        p.muted { "Đăng ký: phiếu đăng ký chưa được gửi lên máy chủ (chưa thu). Tỷ lệ = đã duyệt (đạt) / mẫu số." }
        @for (i, m) in Model::ALL.iter().enumerate() {
            h2 { (m.title_vi()) " — mẫu số: " (denominator_label(*m)) }
            table {
                thead { tr {
                    th { "Nơi" } th.n { "Đăng ký" } th.n { "Đã đánh giá" } th.n { "Đạt" } th.n { "Đã duyệt" }
                    th.n { "Mẫu số" } th.n { "Tỷ lệ" } th { "Chỉ tiêu" } th { "So với chỉ tiêu" }
                } }
                tbody {
                    @for row in &report.rows {
                        @if let Some(f) = row.figures.get(i) {
                            tr {
                                td { (row.name) }
                                td.n { "chưa thu" }
                                td.n { (num(f.assessed)) } td.n { (num(f.passed)) } td.n { (num(f.approved)) }
                                td.n { (num(f.denominator)) } td.n { (pct(f.percent_approved)) }
                                td { (target_text(f)) } td { (light(f.light)) }
                            }
                        }
                    }
                    @if let Some(f) = report.total.get(i) {
                        tr {
                            th { "Cộng" }
                            td.n { "chưa thu" }
                            th.n { (num(f.assessed)) } th.n { (num(f.passed)) } th.n { (num(f.approved)) }
                            th.n { (num(f.denominator)) } th.n { (pct(f.percent_approved)) }
                            td title=(f.target.as_ref().map(|t| t.source.as_str()).unwrap_or("")) { (target_text(f)) }
                            td { (light(f.light)) }
                        }
                    }
                }
            }
        }
    };
    page("Báo cáo", Some((&who.staff, &who.csrf)), body).into_response()
}
