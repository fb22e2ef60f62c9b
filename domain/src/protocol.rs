//! The sync protocol between a device and the aggregation server (`/api/v1`): the JSON messages
//! both sides exchange. Shared by the server (axum) and the device's sync so they cannot drift.
//!
//! Flow of one sync run:
//! 1. `GET /sync?cursor=C` until `more == false`: roster changes, criteria sets, assessments
//!    returned for correction, server time (clock skew is measured from it);
//! 2. for every photo referenced by a queued assessment: `HEAD /blobs/{sha256}` (how much the
//!    server has), then `PUT /blobs/{sha256}` with `Content-Range: bytes START-END/TOTAL` chunks
//!    from that offset; the server counts a blob only once its SHA-256 is verified;
//! 3. `PUT /batches/{batch_uuid}` with a manifest of finalized assessments; each is answered
//!    `created`, `duplicate`, `conflict` or `incomplete` (missing blobs listed). Replaying a batch
//!    returns the stored answers;
//! 4. `POST /heartbeat` with the device's queue and storage.
//!
//! Every request but `/enroll` carries `Authorization: Bearer <device token>`. Errors are
//! [`ApiError`] with an HTTP status from [`ErrorCode::status`].

use crate::model::Model;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// API prefix.
pub const API_PREFIX: &str = "/api/v1";
/// Largest chunk of a blob upload the server accepts in one request (bytes).
pub const MAX_CHUNK: u64 = 1024 * 1024;
/// Largest blob (a stored evidence photo is far smaller; this guards the server).
pub const MAX_BLOB: u64 = 20 * 1024 * 1024;
/// Largest JSON body (a batch manifest).
pub const MAX_JSON_BODY: usize = 8 * 1024 * 1024;
/// Header carrying how many bytes of a blob the server holds.
pub const UPLOAD_OFFSET_HEADER: &str = "upload-offset";
/// Header saying whether a blob is complete (`complete`) or still partial (`partial`).
pub const BLOB_STATUS_HEADER: &str = "blob-status";

// Bounds on what a device sends, enforced by the server (`protocol_check`) and stated in its
// OpenAPI document.

/// Longest name or other free text of a sent record (head of household, member name, address,
/// relation, CĐHT group, clan, unit and hamlet names), in characters.
pub const MAX_TEXT_CHARS: usize = 200;
/// Longest household roster code, in characters.
pub const MAX_CODE_CHARS: usize = 50;
/// Longest phone number, in characters.
pub const MAX_PHONE_CHARS: usize = 40;
/// Most members a household record lists.
pub const MAX_MEMBERS: usize = 100;
/// Most households a clan record lists.
pub const MAX_CLAN_HOUSEHOLDS: usize = 2000;
/// Most entries in one batch manifest.
pub const MAX_BATCH_ENTRIES: usize = 1000;
/// Most evidence photo names (and photo facts) one manifest entry lists.
pub const MAX_EVIDENCE: usize = 200;
/// Longest device name, app version or enrollment code, in characters.
pub const MAX_LABEL_CHARS: usize = 100;

/// Machine-readable error codes (stable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Malformed request: bad JSON, bad header, bad id (400).
    BadRequest,
    /// Missing, unknown or revoked token; bad or used enrollment code (401).
    Unauthorized,
    /// The device acts outside its hamlets (403).
    Forbidden,
    /// Unknown resource (404).
    NotFound,
    /// Upload offset does not match what the server holds (409).
    OffsetMismatch,
    /// Same id, other content (409).
    Conflict,
    /// Body too large (413).
    TooLarge,
    /// The uploaded bytes do not hash to the blob's name (422).
    HashMismatch,
    /// Semantically invalid content (422).
    Invalid,
    /// Slow down (429); `Retry-After` says for how long.
    RateLimited,
    /// The server failed (500): transient for the client.
    Internal,
    /// The server is starting or overloaded (503): transient.
    Unavailable,
    /// A JSON endpoint was sent a body that does not say it is JSON (415).
    UnsupportedMediaType,
    /// The request's header fields are too large (431).
    HeadersTooLarge,
}

impl ErrorCode {
    /// The HTTP status that goes with the code.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::BadRequest => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::OffsetMismatch | ErrorCode::Conflict => 409,
            ErrorCode::TooLarge => 413,
            ErrorCode::HashMismatch | ErrorCode::Invalid => 422,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal => 500,
            ErrorCode::Unavailable => 503,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::HeadersTooLarge => 431,
        }
    }
}

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: ErrorCode,
    /// Vietnamese, for the cadre.
    pub message: String,
    /// English detail for logs and support.
    pub detail: Option<String>,
}

/// What a QR code from `hoctap-server admin enroll-code` holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollPayload {
    /// Base URL of the server, e.g. `https://khuyenhoc.example.vn`.
    pub server: String,
    /// One-time enrollment code.
    pub code: String,
    /// Hamlet the code is for (display only).
    pub hamlet: Option<String>,
}

/// `POST /enroll`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollRequest {
    pub code: String,
    pub device_name: Option<String>,
    pub app_version: Option<String>,
}

/// The hamlets a device may act in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    pub province_code: Option<String>,
    pub commune_code: Option<String>,
    pub hamlets: Vec<HamletRecord>,
}

/// Answer to `POST /enroll`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub device_id: String,
    /// Bearer token; the server keeps only its hash.
    pub token: String,
    pub scope: Scope,
    /// RFC 3339 UTC.
    pub server_time: String,
}

/// A hamlet as the server sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HamletRecord {
    pub id: String,
    pub name: String,
    pub kind: crate::units::HamletKind,
    pub commune_code: Option<String>,
    /// Where the hamlet is (centre and radius), when the commune admin set it: photos taken
    /// far from it are flagged (`plausibility`). Absent from older servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<crate::plausibility::Place>,
}

/// A household as exchanged (roster pull, and with device-created households in a manifest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdRecord {
    pub id: String,
    pub hamlet_id: String,
    pub head: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub roster_code: Option<String>,
    pub members: Vec<MemberRecord>,
}

/// A member as exchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRecord {
    pub id: String,
    pub name: String,
    pub birth_year: Option<i32>,
    pub sex: Option<crate::model::Sex>,
    pub relation: Option<String>,
    pub schooling: Option<crate::model::Schooling>,
    pub literate: Option<bool>,
    pub cdht: Option<bool>,
    pub cdht_group: Option<String>,
    #[serde(default)]
    pub unable_to_learn: bool,
}

/// A criteria set published by the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriteriaRecord {
    pub id: String,
    pub version: u32,
    pub sha256: String,
    /// The TOML text; the device validates it before installing.
    pub source: String,
}

/// An assessment a reviewer sent back for correction: one comment of its thread (a device keeps
/// every one; a second return never replaces the first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnedRecord {
    pub assessment_id: String,
    pub comment: String,
    pub reviewer: Option<String>,
    pub returned_at: String,
    /// The server's id of this return (absent from older servers: the device then derives one
    /// from the assessment, the time and the comment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

crate::coded_enum! {
    /// What kind of unit (đơn vị học tập) a unit is.
    pub enum UnitKind("unit kind") {
        /// Trường học.
        School = "school",
        /// Cơ quan (an office of the state or of an organisation).
        Office = "office",
        /// Doanh nghiệp.
        Enterprise = "enterprise",
        /// Another kind of unit.
        Other = "other",
    }
}

/// A clan (dòng họ) as exchanged: it links households, possibly across hamlets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClanRecord {
    pub id: String,
    pub name: String,
    /// The households of the clan (every one, in any hamlet).
    pub household_ids: Vec<String>,
}

/// A unit (đơn vị: school, office, enterprise) as exchanged: in a hamlet, or at commune level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitRecord {
    pub id: String,
    pub name: String,
    pub kind: UnitKind,
    /// The hamlet the unit is in; `None` for a commune-level unit.
    pub hamlet_id: Option<String>,
    pub commune_code: Option<String>,
}

/// Answer to `GET /sync?cursor=C`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncResponse {
    /// Pass back as `cursor` next time.
    pub cursor: i64,
    /// More changes are waiting: ask again with the new cursor.
    pub more: bool,
    pub server_time: String,
    pub hamlets: Vec<HamletRecord>,
    pub households: Vec<HouseholdRecord>,
    pub criteria: Vec<CriteriaRecord>,
    pub returned: Vec<ReturnedRecord>,
    /// Clans with households in the device's hamlets (absent from older servers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clans: Vec<ClanRecord>,
    /// Units in the device's hamlets, and commune-level units (absent from older servers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub units: Vec<UnitRecord>,
    /// Content encodings the server takes for request bodies (`"gzip"`): a device compresses its
    /// manifests only when the server said so. Absent from servers that take none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub request_encodings: Vec<String>,
    /// The targets in force for the device's commune this year, in percent per model (`null`:
    /// the model has no target), which the device's summary shows ([`crate::targets`]). Sent on
    /// every page; absent from older servers, in which case the device keeps the targets it has.
    /// A model code this device does not know is ignored.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "known_models"
    )]
    pub targets: Option<BTreeMap<Model, Option<f64>>>,
}

/// Read a targets map, leaving out the models a newer server may name that this build lacks
/// (one unknown key must not make a whole sync page unreadable).
fn known_models<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<BTreeMap<Model, Option<f64>>>, D::Error> {
    let raw: Option<BTreeMap<String, Option<f64>>> = Option::deserialize(d)?;
    Ok(raw.map(|m| {
        m.into_iter()
            .filter_map(|(code, p)| Model::from_code(&code).map(|m| (m, p)))
            .collect()
    }))
}

/// The request-body encoding devices use when the server takes it.
pub const GZIP: &str = "gzip";

/// Answer to `PUT /blobs/{sha256}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobStatus {
    pub sha256: String,
    /// Bytes the server holds.
    pub received: u64,
    /// Verified and counted.
    pub complete: bool,
}

/// One finalized assessment in a manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    pub id: String,
    /// SHA-256 of `content`, as frozen at finalization.
    pub content_sha256: String,
    /// The canonical JSON exactly as hashed (a string so that no byte changes in transit).
    pub content: String,
    /// Every evidence photo the content references.
    pub evidence: Vec<String>,
    /// The subject household when the device created it (unknown to the server yet).
    pub household: Option<HouseholdRecord>,
    /// The subject hamlet (Cộng đồng học tập) when the device made it before enrolling: the
    /// server resolves it by name among the device's hamlets (absent from older devices).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hamlet: Option<HamletRecord>,
    /// The subject clan when the device created or changed it (absent from older devices).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clan: Option<ClanRecord>,
    /// The subject unit when the device created it (absent from older devices).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<UnitRecord>,
    /// What the device knows of each evidence photo (capture time, GPS, when attached), for the
    /// reviewer's plausibility flags. Outside the hashed `content`; absent from older devices.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photo_facts: Vec<PhotoFacts>,
}

/// One evidence photo's facts as the device recorded them (never in the photo file, never in
/// the hashed content). The server computes the same flags as the device from them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoFacts {
    /// The photo (one of the entry's `evidence`).
    pub sha256: String,
    /// Capture time from EXIF: RFC 3339 when the camera recorded its offset, else naive local
    /// time (`2008-10-22T16:28:39`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taken_at: Option<String>,
    /// GPS position from EXIF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gps: Option<crate::plausibility::GeoPoint>,
    /// When the photo was first attached to the assessment, RFC 3339 with the device's offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attached_at: Option<String>,
}

/// `PUT /batches/{batch_uuid}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRequest {
    pub assessments: Vec<ManifestEntry>,
}

/// Outcome for one assessment of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryStatus {
    /// Stored now.
    Created,
    /// The server already had this id with identical content.
    Duplicate,
    /// Same id, other content: never overwritten (see `code`).
    Conflict,
    /// Some referenced blobs are missing: upload them and send again.
    Incomplete,
    /// Refused for this record only (bad content, outside scope): see `code`.
    Rejected,
}

/// The server's score of an assessment, compared with the device's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerScore {
    pub status: crate::engine::Status,
    /// Hundredths of a point.
    pub total: u32,
    /// The device's score differs from the server's re-scoring.
    pub mismatch: bool,
}

/// Answer for one manifest entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryResult {
    pub id: String,
    pub status: EntryStatus,
    pub code: Option<ErrorCode>,
    pub message: Option<String>,
    #[serde(default)]
    pub missing_blobs: Vec<String>,
    pub server_score: Option<ServerScore>,
}

/// Answer to `PUT /batches/{batch_uuid}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchResponse {
    pub batch_id: String,
    pub results: Vec<EntryResult>,
    pub server_time: String,
}

/// `POST /heartbeat`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    pub queue_length: u64,
    pub free_bytes: Option<u64>,
    pub app_version: String,
    pub last_sync: Option<String>,
    /// The device's clock, RFC 3339 UTC.
    pub device_time: String,
}

/// Answer to `POST /heartbeat`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatResponse {
    pub server_time: String,
}

/// Whether a string is a lower-case hex SHA-256 (blob ids are checked before any path is built).
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD_PAGE: &str = r#"{"cursor":7,"more":false,"server_time":"2026-01-01T00:00:00.000Z",
        "hamlets":[],"households":[],"criteria":[],"returned":[]}"#;

    #[test]
    fn a_sync_page_without_targets_still_parses_and_stays_without() {
        let page: SyncResponse = serde_json::from_str(OLD_PAGE).expect("old page");
        assert_eq!(page.cursor, 7);
        assert_eq!(page.targets, None);
        let json = serde_json::to_value(&page).expect("json");
        assert!(json.get("targets").is_none(), "{json}");
    }

    #[test]
    fn sync_page_targets_round_trip_and_unknown_models_are_left_out() {
        let with = OLD_PAGE.replace(
            r#""returned":[]"#,
            r#""returned":[],"targets":{"gia_dinh":95.0,"cong_dan":null,"hoc_tap_moi":50}"#,
        );
        let page: SyncResponse = serde_json::from_str(&with).expect("page with targets");
        let expected: BTreeMap<Model, Option<f64>> =
            [(Model::GiaDinh, Some(95.0)), (Model::CongDan, None)]
                .into_iter()
                .collect();
        assert_eq!(page.targets.as_ref(), Some(&expected));
        let again: SyncResponse =
            serde_json::from_value(serde_json::to_value(&page).expect("json")).expect("parse");
        assert_eq!(again, page);
        let null = OLD_PAGE.replace(r#""returned":[]"#, r#""returned":[],"targets":null"#);
        let page: SyncResponse = serde_json::from_str(&null).expect("null targets");
        assert_eq!(page.targets, None);
    }
}
