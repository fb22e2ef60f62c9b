//! Enrollment: trade a one-time code (scanned from a QR code or typed) for a device token and
//! the hamlets this device may act in.

use crate::error::SyncError;
use crate::http::{HttpRequest, Method};
use crate::transport::Transport;
use hoctap_domain::protocol::{EnrollPayload, EnrollRequest, EnrollResponse, API_PREFIX};
use hoctap_domain::url::server_base;
use hoctap_store::outbox::Enrollment;
use hoctap_store::Store;

/// Read a scanned QR payload (the JSON from `hoctap-server admin enroll-code`).
pub fn parse_payload(text: &str) -> Result<EnrollPayload, SyncError> {
    let p: EnrollPayload =
        serde_json::from_str(text.trim()).map_err(|_| SyncError::NotAnEnrollmentCode)?;
    server_base(&p.server)?;
    Ok(p)
}

/// Enroll this device with `server` using `code`; saves the token and scope in the store.
pub fn enroll(
    store: &Store,
    transport: &dyn Transport,
    server: &str,
    code: &str,
    device_name: Option<String>,
) -> Result<Enrollment, SyncError> {
    let server = server_base(server)?;
    let body = serde_json::to_vec(&EnrollRequest {
        code: code.trim().to_string(),
        device_name,
        app_version: Some(hoctap_domain::ENGINE_VERSION.to_string()),
    })
    .map_err(|e| SyncError::Protocol(e.to_string()))?;
    let request = HttpRequest {
        method: Method::Post,
        path: format!("{API_PREFIX}/enroll"),
        headers: vec![("content-type".into(), "application/json".into())],
        body,
    };
    let resp = transport
        .send(&request)
        .map_err(|e| SyncError::Transient(e.0))?;
    match resp.status {
        200 | 201 => {}
        401 | 403 | 404 => return Err(SyncError::EnrollRefused(resp.status)),
        429 | 500..=599 => return Err(SyncError::Transient(format!("HTTP {}", resp.status))),
        s => return Err(SyncError::Protocol(format!("HTTP {s}"))),
    }
    let answer: EnrollResponse = serde_json::from_slice(&resp.body)
        .map_err(|e| SyncError::Protocol(format!("unreadable enrollment answer: {e}")))?;
    let enrollment = Enrollment {
        server,
        device_id: answer.device_id,
        token: answer.token,
        scope: answer.scope,
        enrolled_at: hoctap_domain::time::rfc3339(store.clock().now()),
    };
    store.save_enrollment(&enrollment)?;
    Ok(enrollment)
}
