//! `admin enroll-code`: a one-time random code for some hamlets, its [`EnrollPayload`] as JSON,
//! and that payload as a terminal QR code.

use super::{print_json, AdminError};
use crate::db::{devices, roster, Db};
use hoctap_domain::protocol::EnrollPayload;
use rand::Rng;
use serde_json::json;

/// Letters and digits that cannot be misread (no 0/O, 1/I/L, U).
const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTVWXYZ23456789";

/// A new code: 12 symbols (about 59 bits) in groups of four, e.g. `K7QM-3RTA-XW9P`.
pub fn new_code() -> String {
    let mut rng = rand::thread_rng();
    let symbols: Vec<char> = (0..12)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect();
    symbols
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

pub async fn enroll_code(
    db: &Db,
    hamlets: &[String],
    server: &str,
    ttl_hours: u32,
    json_out: bool,
) -> Result<(), AdminError> {
    let mut found = Vec::new();
    for name in hamlets {
        match roster::find_hamlet(db, name).await? {
            Some(h) => {
                if !found
                    .iter()
                    .any(|f: &hoctap_domain::protocol::HamletRecord| f.id == h.id)
                {
                    found.push(h);
                }
            }
            None => {
                return Err(AdminError::Invalid(format!(
                "Không có thôn \"{name}\" hoặc nhiều xã có thôn tên này — hãy dùng mã thôn (xem `hoctap-server admin hamlet list`) / unknown or ambiguous hamlet: use its id"
            )))
            }
        }
    }
    // A device belongs to one commune: its hamlets must all be of that commune.
    if found
        .iter()
        .any(|h| h.commune_code != found.first().and_then(|f| f.commune_code.clone()))
    {
        return Err(AdminError::Invalid(
            "Các thôn của một mã đăng ký phải cùng một xã / the hamlets of one code must be in one commune".into(),
        ));
    }
    let code = new_code();
    let expires_at = (chrono::Utc::now() + chrono::Duration::hours(i64::from(ttl_hours)))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let ids: Vec<String> = found.iter().map(|h| h.id.clone()).collect();
    devices::add_enroll_code(db, &code, &ids, &expires_at).await?;
    let names: Vec<String> = found.iter().map(|h| h.name.clone()).collect();
    let payload = EnrollPayload {
        server: server.trim_end_matches('/').to_string(),
        code: code.clone(),
        hamlet: Some(names.join(", ")),
    };
    if json_out {
        return print_json(&json!({
            "code": code,
            "expires_at": expires_at,
            "hamlets": found,
            "payload": payload,
        }));
    }
    let payload_json = serde_json::to_string(&payload)
        .map_err(|e| AdminError::Failure(format!("serialise: {e}")))?;
    outln!("Mã đăng ký / enrollment code: {code}");
    outln!("Thôn / hamlets: {}", names.join(", "));
    outln!("Hết hạn / expires: {expires_at}");
    outln!("{payload_json}");
    match crate::qr::render(&payload_json) {
        Some(qr) => outln!("{qr}"),
        None => errln!("Không vẽ được mã QR / cannot draw the QR code"),
    }
    Ok(())
}
