//! The staff JSON API under `/api/v1/staff` (in the OpenAPI document): the same reads as the
//! web app — the report of a place and year, a page of the review queue, one dossier —
//! authenticated by the staff session cookie and scoped exactly like the pages.

use super::forms::{PlaceQuery, QueueQuery};
use super::session::ApiStaff;
use crate::api::error::ApiFailure;
use crate::api::AppState;
use crate::db::reports::Report;
use crate::db::review::{self, QueuePage};
use crate::db::staff::Scope;
use crate::db::targets::TargetBook;
use axum::extract::{Path, Query, State};
use axum::Json;
use hoctap_domain::protocol::ErrorCode;
use serde::Serialize;

fn scope_of(who: &ApiStaff, commune: Option<&str>) -> Result<Scope, ApiFailure> {
    // As the pages: a code that is no commune of the province is 404.
    if let Some(c) = commune {
        if crate::units::commune(&who.staff.province_code, c).is_none() {
            return Err(ApiFailure::not_found("no such commune in the province"));
        }
    }
    who.staff.scope().narrowed(commune).ok_or_else(|| {
        ApiFailure::new(
            ErrorCode::Forbidden,
            "Tài khoản không được xem địa bàn này.",
            "commune outside the staff member's scope",
        )
    })
}

/// `GET /api/v1/staff/report?year=&commune=`.
pub async fn report(
    State(state): State<AppState>,
    who: ApiStaff,
    Query(q): Query<PlaceQuery>,
) -> Result<Json<Report>, ApiFailure> {
    let (year, commune) = q.parse();
    let scope = scope_of(&who, commune.as_deref())?;
    let targets = TargetBook::load(&state.db, &scope.province).await?;
    Ok(Json(
        state
            .web
            .figures
            .report(&state.db, &scope, year, &targets)
            .await?,
    ))
}

/// A page of the queue with the filter's count.
#[derive(Debug, Serialize)]
pub struct QueueAnswer {
    pub total: i64,
    #[serde(flatten)]
    pub page: QueuePage,
    /// Query values that were not understood (ignored).
    pub ignored: Vec<String>,
}

/// `GET /api/v1/staff/queue?<filter>&after=|before=`.
pub async fn queue(
    State(state): State<AppState>,
    who: ApiStaff,
    Query(q): Query<QueueQuery>,
) -> Result<Json<QueueAnswer>, ApiFailure> {
    let p = q.parse();
    let scope = scope_of(&who, p.filter.commune.as_deref())?;
    let (page, total) = tokio::join!(
        review::page(&state.db, &scope, &p.filter, p.sort, &p.at),
        state.web.figures.queue_count(&state.db, &scope, &p.filter)
    );
    let (page, total) = (page?, total?);
    Ok(Json(QueueAnswer {
        total,
        page,
        ignored: p.ignored,
    }))
}

/// `GET /api/v1/staff/assessments/{id}`.
pub async fn assessment(
    State(state): State<AppState>,
    who: ApiStaff,
    Path(id): Path<String>,
) -> Result<Json<review::DossierRow>, ApiFailure> {
    if !crate::clock::is_id(&id) {
        return Err(ApiFailure::bad_request("assessment id is not a UUID"));
    }
    let Some(d) = review::dossier(&state.db, &id).await? else {
        return Err(ApiFailure::not_found("no such assessment"));
    };
    if !who.staff.scope().covers(d.row.commune_code.as_deref()) {
        return Err(ApiFailure::new(
            ErrorCode::Forbidden,
            "Tài khoản không được xem phiếu này.",
            "assessment outside the staff member's scope",
        ));
    }
    Ok(Json(d))
}
