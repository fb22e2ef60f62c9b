//! The dossier (`/assessments/{id}`): the subject; each indicator's answer (or derived value
//! with its explanation, or the cadre's override with its reason) beside its evidence; the
//! device's and the server's results side by side with any mismatch explained; the photos as
//! small previews that open full size, with capture time, GPS and plausibility flags; the
//! revisions and what changed; the comment thread; approve / return. Photos are served only to
//! staff whose place holds the assessment.

use super::layout::{commune_name, message, page, points, taken, when};
use super::pages;
use super::queue::{result_text, state_badge};
use super::session::{same_token, WebStaff};
use crate::api::AppState;
use crate::blobs::BlobId;
use crate::db::review::{self, Decision, DossierRow};
use crate::db::{assessments, places};
use crate::rescore;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use hoctap_domain::assessment::CanonicalAssessment;
use hoctap_domain::criteria::LoadedSet;
use hoctap_domain::engine::{Evaluation, ValueSource};
use maud::{html, Markup};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Long side of a preview, in pixels.
const PREVIEW_EDGE: u32 = 320;

async fn set_for(state: &AppState, content: &CanonicalAssessment) -> Option<Arc<LoadedSet>> {
    if let Some(set) = rescore::builtin_matching(content) {
        return Some(set);
    }
    let mut conn = state.db.pool.acquire().await.ok()?;
    let published = assessments::published_source(&mut conn, &content.criteria.sha256)
        .await
        .ok()?;
    rescore::find_set(content, published.as_deref())
}

fn answer_text(set: Option<&LoadedSet>, item: &str, value: Option<u32>) -> String {
    let Some(v) = value else {
        return "—".to_string();
    };
    match set.and_then(|s| s.indicator(item)).map(|i| &i.answer) {
        Some(hoctap_domain::criteria::AnswerKind::YesNo) => {
            if v != 0 { "Có" } else { "Không" }.to_string()
        }
        _ => points(i64::from(v)),
    }
}

/// Which answers a correction changed against its parent: indicator → (before, after).
fn changes(
    set: Option<&LoadedSet>,
    parent: &CanonicalAssessment,
    now: &CanonicalAssessment,
) -> Vec<(String, String, String)> {
    let mut ids: Vec<&String> = parent.answers.keys().chain(now.answers.keys()).collect();
    ids.sort();
    ids.dedup();
    let mut out = Vec::new();
    for id in ids {
        let before = parent.answers.get(id);
        let after = now.answers.get(id);
        if before != after {
            out.push((
                id.clone(),
                answer_text(set, id, before.and_then(|a| a.value)),
                answer_text(set, id, after.and_then(|a| a.value)),
            ));
        }
        let (pe, ne) = (parent.evidence.get(id), now.evidence.get(id));
        if pe != ne {
            out.push((
                format!("{id} (ảnh)"),
                format!("{} ảnh", pe.map_or(0, Vec::len)),
                format!("{} ảnh", ne.map_or(0, Vec::len)),
            ));
        }
    }
    out
}

fn indicators_table(
    set: Option<&LoadedSet>,
    content: &CanonicalAssessment,
    eval: Option<&Evaluation>,
    id: &str,
) -> Markup {
    let items: BTreeMap<&str, &hoctap_domain::engine::ItemResult> = eval
        .map(|e| e.items.iter().map(|i| (i.id.as_str(), i)).collect())
        .unwrap_or_default();
    let Some(set) = set else {
        return html! {
            (message("error", "Máy chủ chưa có bộ tiêu chí của phiếu này: chỉ hiện câu trả lời thô."))
            table { thead { tr { th { "Chỉ tiêu" } th { "Giá trị" } th { "Ghi chú" } } }
                tbody { @for (k, a) in &content.answers { tr { td { (k) } td { (answer_text(None, k, a.value)) } td { (a.note.clone().unwrap_or_default()) } } } } }
        };
    };
    html! {
        @for c in &set.criteria {
            h2 { (c.id) ". " (c.title) }
            table {
                thead { tr { th { "Chỉ tiêu" } th.n { "Trả lời" } th { "Nguồn" } th { "Minh chứng" } } }
                tbody {
                    @for ind in &c.indicators {
                        @let answer = content.answers.get(&ind.id);
                        @let item = items.get(ind.id.as_str());
                        @let photos = content.evidence.get(&ind.id).cloned().unwrap_or_default();
                        tr {
                            td { strong { (ind.id) } " " (ind.text) }
                            td.n {
                                // A derived indicator has no answer: its value is the engine's.
                                (answer_text(Some(set), &ind.id, answer.and_then(|a| a.value).or_else(|| {
                                    item.filter(|i| matches!(i.source, ValueSource::Derived)).and_then(|i| i.points).map(|p| p.0)
                                })))
                                @if let Some(max) = ind.max { span.muted { " / " (points(i64::from(max.0))) } }
                            }
                            td {
                                @match item.map(|i| i.source) {
                                    Some(ValueSource::Derived) => { "Tự tính từ danh sách hộ" }
                                    Some(ValueSource::Overridden) => { span.badge.warn { "Cán bộ sửa giá trị tự tính" } }
                                    Some(ValueSource::Missing) => { span.badge.bad { "Thiếu" } }
                                    _ => { "Cán bộ chấm" }
                                }
                                @if let Some(ex) = item.and_then(|i| i.explanation.clone()) { br; span.muted { (ex) } }
                                @if let Some(reason) = answer.and_then(|a| a.override_reason.clone()) { br; "Lý do sửa: " (reason) }
                                @if let Some(note) = answer.and_then(|a| a.note.clone()) { br; span.muted { "Ghi chú: " (note) } }
                            }
                            td {
                                div.photos {
                                    @for sha in &photos {
                                        a href=(format!("/assessments/{id}/photos/{sha}")) target="_blank" {
                                            img src=(format!("/assessments/{id}/photos/{sha}?size=preview")) alt=(format!("Minh chứng {}", ind.id)) loading="lazy" width="160" height="120";
                                        }
                                    }
                                    @if photos.is_empty() { span.muted { "—" } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /assessments/{id}`.
pub async fn dossier(
    State(state): State<AppState>,
    who: WebStaff,
    Path(id): Path<String>,
) -> Response {
    if !crate::clock::is_id(&id) {
        return pages::not_found();
    }
    let d: DossierRow = match review::dossier(&state.db, &id).await {
        Ok(Some(d)) => d,
        Ok(None) => return pages::not_found(),
        Err(e) => return pages::db_error(&e),
    };
    if !who.staff.scope().covers(d.row.commune_code.as_deref()) {
        return pages::forbidden(&format!(
            "{} opened dossier {id} of commune {:?}",
            who.staff.login, d.row.commune_code
        ));
    }
    let content = CanonicalAssessment::from_json(&d.content).ok();
    let set = match &content {
        Some(c) => set_for(&state, c).await,
        None => None,
    };
    let eval = match (&content, &set) {
        (Some(c), Some(s)) => c.evaluate(s).ok(),
        _ => None,
    };
    let labels = content
        .as_ref()
        .map(|c| rescore::result_labels(set.as_deref(), c));
    let flags = {
        let mut conn = match state.db.pool.acquire().await {
            Ok(c) => c,
            Err(e) => return pages::db_error(&e),
        };
        match places::flags_of(&mut conn, Some(&[id.as_str()])).await {
            Ok(mut f) => f.remove(&id).unwrap_or_default(),
            Err(e) => return pages::db_error(&e),
        }
    };
    let parent_changes = match (&d.parent_id, &content) {
        (Some(p), Some(now)) => match review::content_of(&state.db, &who.staff.scope(), p).await {
            Ok(Some(json)) => CanonicalAssessment::from_json(&json)
                .ok()
                .map(|parent| changes(set.as_deref(), &parent, now)),
            Ok(None) => None,
            Err(e) => return pages::db_error(&e),
        },
        _ => None,
    };
    let r = &d.row;
    let may_review = who.staff.role.may_review() && !r.superseded;
    let title = r
        .subject_name
        .clone()
        .unwrap_or_else(|| "(chưa rõ tên)".into());
    let body = html! {
        p { a href="/queue" { "← Hàng chờ duyệt" } }
        h1 { (title) " — " (r.model.title_vi()) " " (r.year) }
        div.cols {
            div.card {
                p { "Nơi: " (r.hamlet.clone().unwrap_or_else(|| "Cấp xã".into())) ", " (commune_name(r.commune_code.as_deref())) }
                @if let Some(c) = &r.roster_code { p { "Mã hộ: " (c) } }
                p { "Trạng thái: " (state_badge(r.review_state, r.superseded)) }
                @if let (Some(by), Some(at)) = (&d.decided_by, &d.decided_at) { p.muted { "Quyết định gần nhất: " (by) ", " (when(at)) } }
                p.muted { "Nhận lúc " (when(&r.received_at)) " từ máy " (d.device_name.clone().unwrap_or_else(|| d.device_id.clone())) }
                p.muted { "Mã phiếu: " (r.id) }
            }
            div.card {
                h2 { "Kết quả" }
                table {
                    thead { tr { th {} th.n { "Điểm" } th { "Kết quả" } } }
                    tbody {
                        tr { td { "Máy của cán bộ thôn" } td.n { (points(r.device_total)) } td { (labels.as_ref().map(|l| l.device_label.clone()).unwrap_or_default()) } }
                        tr { td { "Máy chủ chấm lại" } td.n { (r.server_total.map(points).unwrap_or_else(|| "—".into())) } td { (labels.as_ref().map(|l| l.label.clone()).unwrap_or_else(|| result_text(r))) @if let Some(t) = labels.as_ref().and_then(|l| l.level_title.clone()) { " — " (t) } } }
                    }
                }
                @if r.mismatch {
                    (message("error", "Điểm của máy chủ khác điểm của máy: máy chủ chấm lại từ chính các câu trả lời đã khoá, theo bộ tiêu chí đã công bố. Hãy kiểm tra bộ tiêu chí và phiên bản ứng dụng trên máy của cán bộ thôn."))
                }
                @if let Some(e) = &eval {
                    @if !e.reasons.is_empty() {
                        ul { @for reason in &e.reasons { li { (reason.message) } } }
                    }
                }
            }
        }
        @if may_review {
            div.card {
                h2 { "Duyệt" }
                form method="post" action=(format!("/assessments/{}/decide", r.id)) {
                    input type="hidden" name="csrf" value=(who.csrf);
                    p { label { "Nhận xét (bắt buộc khi trả lại; gửi về máy của cán bộ thôn)" textarea name="comment" rows="2" cols="60" {} } }
                    p {
                        button type="submit" name="action" value="approve" { "Duyệt" } " "
                        button.danger type="submit" name="action" value="return" { "Trả lại để sửa" }
                    }
                }
            }
        }
        @if let Some(child) = &d.child_id {
            (message("info", "Phiếu này đã có bản sửa; chỉ bản mới nhất được tính."))
            p { a href=(format!("/assessments/{child}")) { "Xem bản sửa" } }
        }
        @if let Some(parent) = &d.parent_id {
            h2 { "Bản sửa lần " (r.revision) }
            p { a href=(format!("/assessments/{parent}")) { "Xem bản trước" } }
            @if let Some(ch) = &parent_changes {
                @if ch.is_empty() { p.muted { "Không đổi câu trả lời nào." } }
                @else {
                    table { thead { tr { th { "Chỉ tiêu" } th { "Trước" } th { "Sau" } } }
                        tbody { @for (item, before, after) in ch { tr { td { (item) } td { (before) } td { (after) } } } } }
                }
            }
        }
        @if !d.returns.is_empty() {
            h2 { "Trao đổi" }
            ul {
                @for ret in &d.returns {
                    li { strong { (ret.reviewer.clone().unwrap_or_else(|| "Cán bộ duyệt".into())) } " (" (when(&ret.returned_at)) "): " (ret.comment) }
                }
            }
        }
        h2 { "Ảnh minh chứng (" (r.evidence_present) "/" (r.evidence_expected) " đã nhận)" }
        div.photos {
            @for (sha, complete) in &d.photos {
                @let fact = d.facts.iter().find(|f| &f.sha256 == sha);
                @let flagged = flags.iter().find(|f| &f.sha256 == sha);
                figure {
                    @if *complete {
                        a href=(format!("/assessments/{}/photos/{sha}", r.id)) target="_blank" {
                            img src=(format!("/assessments/{}/photos/{sha}?size=preview", r.id)) alt="Ảnh minh chứng" loading="lazy" width="160" height="120";
                        }
                    } @else {
                        div.nophoto { "Chưa nhận ảnh" }
                    }
                    figcaption {
                        @if let Some(t) = fact.and_then(|f| f.taken_at.clone()) { "Chụp: " (taken(&t)) br; }
                        @if let Some(g) = fact.and_then(|f| f.gps) { "GPS: " (format!("{:.5}, {:.5}", g.lat, g.lon)) br; }
                        @if let Some(fl) = flagged { @for x in &fl.flags { span.badge.bad { (x.message_vi()) } br; } }
                    }
                }
            }
        }
        @if let Some(content) = &content {
            (indicators_table(set.as_deref(), content, eval.as_ref(), &r.id))
        } @else {
            (message("error", "Nội dung phiếu không đọc được."))
        }
    };
    page(&title, Some((&who.staff, &who.csrf)), body).into_response()
}

#[derive(Debug, Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    comment: String,
}

/// `POST /assessments/{id}/decide`.
pub async fn decide(
    State(state): State<AppState>,
    who: WebStaff,
    Path(id): Path<String>,
    Form(form): Form<DecideForm>,
) -> Response {
    if !same_token(&who.csrf, &form.csrf) {
        return pages::stale_form("decision without the session's CSRF token");
    }
    if !who.staff.role.may_review() {
        return pages::forbidden("decision by a viewer");
    }
    if !crate::clock::is_id(&id) {
        return pages::not_found();
    }
    let commune = match review::dossier(&state.db, &id).await {
        Ok(Some(d)) => d.row.commune_code,
        Ok(None) => return pages::not_found(),
        Err(e) => return pages::db_error(&e),
    };
    if !who.staff.scope().covers(commune.as_deref()) {
        return pages::forbidden(&format!(
            "{} decided on {id} outside scope",
            who.staff.login
        ));
    }
    let comment = hoctap_domain::text::clean(&form.comment);
    let decision = match form.action.as_str() {
        "approve" => Decision::Approve,
        "return" if comment.is_empty() => {
            return pages::bad_request("Cần ghi lý do trả lại để cán bộ thôn biết sửa gì.")
        }
        "return" => Decision::Return(comment),
        _ => return pages::bad_request("Thao tác phải là duyệt hoặc trả lại."),
    };
    match review::decide(
        &state.db,
        &who.staff.scope(),
        std::slice::from_ref(&id),
        &decision,
        &who.staff.id,
        &who.staff.display_name,
    )
    .await
    {
        Ok(_) => Redirect::to(&format!("/assessments/{id}")).into_response(),
        Err(e) => pages::db_error(&e),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PhotoQuery {
    size: Option<String>,
}

/// `GET /assessments/{id}/photos/{sha256}[?size=preview]`: an evidence photo of an assessment
/// inside the staff member's place (403 outside it, 404 when the assessment does not name it).
pub async fn photo(
    State(state): State<AppState>,
    who: WebStaff,
    Path((id, sha)): Path<(String, String)>,
    Query(q): Query<PhotoQuery>,
) -> Response {
    let Some(blob) = BlobId::parse(&sha) else {
        return pages::not_found();
    };
    if !crate::clock::is_id(&id) {
        return pages::not_found();
    }
    match review::photo_in_scope(&state.db, &who.staff.scope(), &id, &sha).await {
        Ok(Some(true)) => {}
        Ok(Some(false)) => {
            return pages::forbidden(&format!(
                "{} asked for photo {sha} of {id} outside scope",
                who.staff.login
            ))
        }
        Ok(None) => return pages::not_found(),
        Err(e) => return pages::db_error(&e),
    }
    let preview = q.size.as_deref() == Some("preview");
    let store = state.blobs.clone();
    let read = tokio::task::spawn_blocking(move || {
        if preview {
            store.derived(&blob, "preview320", &|bytes| {
                hoctap_evidence::preview(bytes, PREVIEW_EDGE, 75).ok()
            })
        } else {
            store.read_complete(&blob)
        }
    })
    .await;
    match read {
        Ok(Ok(Some(bytes))) => {
            let mut resp = (StatusCode::OK, bytes).into_response();
            resp.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
            // Content-addressed: never changes; private to the signed-in browser.
            resp.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=31536000, immutable"),
            );
            resp
        }
        Ok(Ok(None)) => pages::not_found(),
        Ok(Err(e)) => pages::internal(&e.to_string()),
        Err(e) => pages::internal(&e.to_string()),
    }
}
