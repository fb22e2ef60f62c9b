//! The server address a cadre types or scans: checked once here for every shell.

/// Why a server address is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad server URL \"{0}\": expected http(s)://host[:port][/path]")]
pub struct BadServerUrl(pub String);

impl BadServerUrl {
    /// What the cadre reads.
    pub fn message_vi(&self) -> String {
        format!(
            "Địa chỉ máy chủ không hợp lệ: \"{}\" (cần dạng https://ten-may-chu hoặc http://…)",
            self.0
        )
    }
}

/// The base URL of a server, trimmed and without a trailing slash; refused unless it is
/// `http://` or `https://` followed by a host, with no spaces, query or fragment.
pub fn server_base(input: &str) -> Result<String, BadServerUrl> {
    let s = input.trim();
    let bad = || BadServerUrl(s.to_string());
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .ok_or_else(bad)?;
    let host = rest.split('/').next().unwrap_or("");
    let host_only = host.rsplit('@').next().unwrap_or(host);
    if host_only.is_empty()
        || host_only.starts_with(':')
        || s.chars().any(|c| c.is_whitespace() || c == '?' || c == '#')
    {
        return Err(bad());
    }
    Ok(s.trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls() {
        assert_eq!(
            server_base(" https://khuyenhoc.example.vn/ ").as_deref(),
            Ok("https://khuyenhoc.example.vn")
        );
        assert_eq!(
            server_base("http://127.0.0.1:8080").as_deref(),
            Ok("http://127.0.0.1:8080")
        );
        for bad in [
            "",
            "ftp://x",
            "http://",
            "https:// x",
            "khuyenhoc.vn",
            "http://:80",
            "http://a?b",
        ] {
            assert!(server_base(bad).is_err(), "{bad}");
        }
    }
}
