//! The HTTP API under `/api/v1` (axum): routes, shared state, body limits, typed errors and
//! graceful shutdown. Handlers live in one module per resource.

pub mod auth;
pub mod batches;
pub mod blobs;
pub mod body;
pub mod conn;
pub mod enroll;
pub mod error;
pub mod heartbeat;
pub mod openapi;
pub mod ratelimit;
pub mod sync;

use crate::blobs::{BlobStore, PartialLimits};
use crate::db::Db;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, head, post, put};
use axum::Router;
use hoctap_domain::protocol::{API_PREFIX, MAX_CHUNK, MAX_JSON_BODY};
use std::sync::Arc;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tower_http::LatencyUnit;

/// Level of the answer encoders (zstd and gzip). Measured on a roster page of 2,000 households
/// (2.15 MB of JSON): zstd 9 makes it 11 % smaller than gzip 6 in 0.06 s, gzip 9 7 % smaller in
/// 0.12 s; zstd 12 gains 3 % more for twice the time. Over 2G every byte is time.
const COMPRESSION_LEVEL: i32 = 9;

/// Largest staff form body (a bulk return's comment and filter fit many times over).
const WEB_FORM_LIMIT: usize = 64 * 1024;

/// An unknown route: typed JSON under the API prefix, a page elsewhere.
async fn fallback(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    if uri.path().starts_with(API_PREFIX) {
        error::ApiFailure::not_found("no such route").into_response()
    } else {
        crate::web::pages::not_found()
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub blobs: Arc<dyn BlobStore>,
    /// Bounds on each device's partial blob uploads.
    pub partial_limits: PartialLimits,
    pub limiter: Arc<ratelimit::RateLimiter>,
    /// `POST /enroll` attempts per client address.
    pub enroll_limiter: Arc<ratelimit::RateLimiter>,
    /// The staff web app's settings and login throttle.
    pub web: Arc<crate::web::WebState>,
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let chunk_limit = usize::try_from(MAX_CHUNK).unwrap_or(usize::MAX);
    let blob_routes = Router::new()
        .route(
            "/blobs/{sha256}",
            head(blobs::head_blob).put(blobs::put_blob),
        )
        .layer(RequestBodyLimitLayer::new(chunk_limit));
    // JSON bodies may arrive gzip-compressed (`Content-Encoding: gzip`); the size limit applies
    // to the inflated stream, which is read in bounded pieces, so a small body that inflates past
    // the limit is refused (413) without ever being held whole.
    let json_routes = Router::new()
        .route("/enroll", post(enroll::enroll))
        .route("/sync", get(sync::sync))
        .route("/batches/{batch_uuid}", put(batches::put_batch))
        .route("/heartbeat", post(heartbeat::heartbeat))
        .route("/openapi.json", get(openapi::openapi))
        .merge(crate::web::api_routes())
        .layer(RequestBodyLimitLayer::new(MAX_JSON_BODY))
        .layer(RequestDecompressionLayer::new()); // gzip only: the one decoder compiled in
    let api = Router::new()
        .nest(API_PREFIX, blob_routes.merge(json_routes))
        .layer(axum::middleware::map_response(error::typed_errors));
    // The staff pages: forms are small (URL-encoded fields).
    let web = crate::web::routes().layer(RequestBodyLimitLayer::new(WEB_FORM_LIMIT));
    Router::new()
        .merge(api)
        .merge(web)
        .fallback(fallback)
        .layer(DefaultBodyLimit::disable())
        // Answers compressed as the client offers (zstd preferred, then gzip): the JSON of a
        // roster page is about a twelfth of its size. Photo chunks travel as they are (JPEG).
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(COMPRESSION_LEVEL)))
        // One log line per request (method, path, status, latency) on stderr; headers, and so
        // device tokens, are never logged.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(tracing::Level::INFO))
                .on_request(())
                .on_response(
                    DefaultOnResponse::new()
                        .level(tracing::Level::INFO)
                        .latency_unit(LatencyUnit::Millis),
                ),
        )
        .with_state(state)
}

/// Serve until `shutdown` completes, then finish the requests in flight. Connections answer
/// hyper's own refusals with typed errors and tell handlers the client's address (`conn`).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        conn::TypedListener(listener),
        router(state).into_make_service_with_connect_info::<conn::ClientAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Remove partial blob uploads untouched for `ttl`, every `every`, for as long as the server
/// runs (see `blobs`). Failures are logged; the next round tries again.
pub fn spawn_partial_cleanup(
    blobs: Arc<dyn BlobStore>,
    ttl: std::time::Duration,
    every: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let store = blobs.clone();
            match tokio::task::spawn_blocking(move || store.expire_partials(ttl)).await {
                Ok(Ok(0)) => {}
                Ok(Ok(n)) => tracing::info!(removed = n, "expired partial blob uploads removed"),
                Ok(Err(e)) => tracing::error!(error = %e, "partial blob cleanup failed"),
                Err(e) => tracing::error!(error = %e, "partial blob cleanup task failed"),
            }
        }
    })
}

/// SIGTERM or Ctrl-C. The handlers are installed now (before the address is announced), so a
/// signal sent right after start is not lost.
#[cfg(unix)]
pub fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()> + Send> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {},
            _ = int.recv() => {},
        }
        tracing::info!("shutting down");
    })
}

/// Ctrl-C.
#[cfg(not(unix))]
pub fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()> + Send> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    })
}

/// Server time as sent to devices.
pub fn server_time() -> String {
    crate::db::now()
}
