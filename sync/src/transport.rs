//! HTTP transports for the sans-IO [`SyncMachine`](crate::machine::SyncMachine): the
//! [`Transport`] trait, and a blocking reqwest (rustls) implementation with timeouts suited to
//! 2G/3G links. Phone shells may implement the trait over their platform HTTP stack instead.

use crate::http::{HttpRequest, HttpResponse, Method};
use std::time::Duration;

/// A request that got no HTTP response.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct TransportError(pub String);

/// Sends one request to the server whose base URL the transport knows.
pub trait Transport: Send + Sync {
    fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError>;
}

/// reqwest's blocking client over rustls.
pub struct ReqwestTransport {
    base: String,
    client: reqwest::blocking::Client,
}

impl ReqwestTransport {
    /// A transport to `base` (e.g. `http://127.0.0.1:8080`) that asks for compressed answers
    /// (`Accept-Encoding: gzip, zstd`; servers prefer zstd, about a tenth smaller) and inflates
    /// them.
    pub fn new(base: &str) -> Result<ReqwestTransport, TransportError> {
        Self::with_compression(base, true)
    }

    /// Like [`ReqwestTransport::new`]; `compression: false` asks for plain answers (to measure
    /// what compression saves).
    pub fn with_compression(
        base: &str,
        compression: bool,
    ) -> Result<ReqwestTransport, TransportError> {
        let client = reqwest::blocking::Client::builder()
            .connect_timeout(Duration::from_secs(20))
            .timeout(Duration::from_secs(120))
            .user_agent(concat!("hoctap/", env!("CARGO_PKG_VERSION")))
            .gzip(compression)
            .zstd(compression)
            .build()
            .map_err(|e| TransportError(format!("HTTP client: {e}")))?;
        Ok(ReqwestTransport {
            base: base.trim_end_matches('/').to_string(),
            client,
        })
    }
}

impl Transport for ReqwestTransport {
    fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let url = format!("{}{}", self.base, request.path);
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Head => reqwest::Method::HEAD,
            Method::Put => reqwest::Method::PUT,
            Method::Post => reqwest::Method::POST,
        };
        let mut builder = self.client.request(method, &url);
        for (k, v) in &request.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        if !request.body.is_empty() || request.method == Method::Put {
            builder = builder.body(request.body.clone());
        }
        let resp = builder
            .send()
            .map_err(|e| TransportError(format!("{url}: {e}")))?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .filter_map(|(k, v)| {
                Some((
                    k.as_str().to_ascii_lowercase(),
                    v.to_str().ok()?.to_string(),
                ))
            })
            .collect();
        let body = resp
            .bytes()
            .map_err(|e| TransportError(format!("{url}: reading body: {e}")))?
            .to_vec();
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}
