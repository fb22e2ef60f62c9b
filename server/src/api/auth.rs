//! Device authentication: the bearer token is hashed (SHA-256) and looked up; unknown and
//! revoked tokens are refused with 401, and each device is rate limited. The scheme is matched
//! case-insensitively (`Bearer`, `bearer`: RFC 9110 §11.1).

use super::error::ApiFailure;
use super::AppState;
use crate::db::devices::{self, DeviceAuth};
use axum::extract::FromRequestParts;
use axum::http::header::{HeaderValue, AUTHORIZATION, RETRY_AFTER};
use axum::http::request::Parts;
use hoctap_domain::assessment::sha256_hex;
use hoctap_domain::protocol::ErrorCode;

/// The token of `Bearer <token>`, the scheme in any case, one or more spaces after it.
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, rest) = value.trim_start().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    Some(rest.trim()).filter(|t| !t.is_empty() && !t.contains(char::is_whitespace))
}

/// The device making the request.
pub struct Device(pub DeviceAuth);

impl FromRequestParts<AppState> for Device {
    type Rejection = ApiFailure;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or_else(|| ApiFailure::unauthorized("missing Authorization header"))?;
        let token =
            header.to_str().ok().and_then(bearer_token).ok_or_else(|| {
                ApiFailure::unauthorized("expected Authorization: Bearer <token>")
            })?;
        let device = devices::authenticate(&state.db, &sha256_hex(token.as_bytes()))
            .await?
            .ok_or_else(|| ApiFailure::unauthorized("unknown or revoked token"))?;
        if let Err(wait) = state.limiter.check(&device.id) {
            let secs = wait.as_secs().max(1);
            return Err(ApiFailure::new(
                ErrorCode::RateLimited,
                "Gửi quá nhanh, vui lòng chờ một chút.",
                format!("rate limited; retry after {secs} s"),
            )
            .with_header(RETRY_AFTER, HeaderValue::from(secs)));
        }
        Ok(Device(device))
    }
}

#[cfg(test)]
mod tests {
    use super::bearer_token;

    #[test]
    fn scheme_in_any_case() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("BEARER  abc "), Some("abc"));
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearerabc"), None);
        assert_eq!(bearer_token("Bearer a b"), None);
    }
}
