//! The connections the API is served on: a TCP listener whose streams answer hyper's own
//! refusals with a typed [`ApiError`](hoctap_domain::protocol::ApiError), and the client's
//! address for per-address limits (`POST /enroll`).
//!
//! hyper answers a request it cannot parse (header fields too large → 431, request target too
//! long → 414, malformed request line or header → 400) by itself, with an empty body, before any
//! router sees it. [`TypedIo`] recognises such an answer as it is written — an error status with
//! no `content-type` and an empty body; every answer the router gives an error carries JSON
//! (`error::typed_errors`) — and writes it again with the `ApiError` JSON body, so a client never
//! reads an error without one.

use super::error::ApiFailure;
use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use hoctap_domain::protocol::ErrorCode;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// The address of the client of a request (`ConnectInfo<ClientAddr>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub SocketAddr);

/// A TCP listener whose connections are [`TypedIo`] streams.
pub struct TypedListener(pub TcpListener);

impl Listener for TypedListener {
    type Io = TypedIo<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, addr) = Listener::accept(&mut self.0).await;
        // Small JSON answers and chunk acknowledgements go out at once.
        let _ = stream.set_nodelay(true);
        (TypedIo::new(stream), addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

impl Connected<IncomingStream<'_, TypedListener>> for ClientAddr {
    fn connect_info(stream: IncomingStream<'_, TypedListener>) -> Self {
        ClientAddr(*stream.remote_addr())
    }
}

/// A stream that rewrites hyper's automatic error answers into typed JSON errors (see the
/// module docs); everything else passes through untouched.
pub struct TypedIo<T> {
    inner: T,
    /// A rewritten answer still to be written, and how much of it is out.
    pending: Vec<u8>,
    sent: usize,
}

impl<T> TypedIo<T> {
    pub fn new(inner: T) -> TypedIo<T> {
        TypedIo {
            inner,
            pending: Vec::new(),
            sent: 0,
        }
    }
}

/// The typed answer for an automatic one: `buf` must be a whole response head (status line and
/// header fields, nothing after) with an error status, no `content-type` and a zero length.
pub fn rewrite_automatic(buf: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(buf).ok()?;
    let rest = text
        .strip_prefix("HTTP/1.1 ")
        .or_else(|| text.strip_prefix("HTTP/1.0 "))?;
    let status: u16 = rest.get(..3)?.parse().ok()?;
    if status < 400 {
        return None;
    }
    let end = text.find("\r\n\r\n")?;
    if end + 4 != text.len() {
        return None;
    }
    let (status_line, fields) = text[..end].split_once("\r\n").unwrap_or((&text[..end], ""));
    let mut kept = Vec::new();
    let mut empty = false;
    for field in fields.split("\r\n").filter(|f| !f.is_empty()) {
        let (name, value) = field.split_once(':')?;
        let name = name.trim().to_ascii_lowercase();
        match name.as_str() {
            "content-type" | "transfer-encoding" => return None,
            "content-length" => empty = value.trim() == "0",
            "connection" => {}
            _ => kept.push(field),
        }
    }
    if !empty {
        return None;
    }
    let failure = match status {
        431 => ApiFailure::new(
            ErrorCode::HeadersTooLarge,
            "Phần đầu của yêu cầu quá lớn.",
            "request header fields too large",
        ),
        414 => ApiFailure::too_large("request target (URI) too long"),
        s if s >= 500 => ApiFailure::internal(format!("server error {s}")),
        s => ApiFailure::bad_request(format!("malformed request (HTTP {s})")),
    };
    let body = serde_json::to_vec(&failure.error).ok()?;
    let mut out = format!(
        "{status_line}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for field in kept {
        out.push_str(field);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(&body);
    Some(out)
}

impl<T: AsyncWrite + Unpin> TypedIo<T> {
    /// Write out what is pending; ready when nothing is.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.sent < self.pending.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.sent..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.sent += n;
        }
        self.pending.clear();
        self.sent = 0;
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for TypedIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for TypedIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.drain(cx))?;
        if let Some(typed) = rewrite_automatic(buf) {
            self.pending = typed;
            self.sent = 0;
            // Taken in full; written out here or by the next flush.
            if let Poll::Ready(Err(e)) = self.drain(cx) {
                return Poll::Ready(Err(e));
            }
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::rewrite_automatic;

    #[test]
    fn only_automatic_answers_are_rewritten() {
        let auto = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: Mon, 01 Jan 2026 00:00:00 GMT\r\n\r\n";
        let typed = rewrite_automatic(auto).unwrap_or_default();
        let text = String::from_utf8_lossy(&typed);
        assert!(text.starts_with("HTTP/1.1 431 "), "{text}");
        assert!(
            text.contains("content-type: application/json\r\n"),
            "{text}"
        );
        assert!(text.contains("date: Mon"), "{text}");
        assert!(text.ends_with("}"), "{text}");
        assert!(text.contains("\"code\":\"headers_too_large\""), "{text}");
        // The router's own answers already carry JSON; success and bodies pass through.
        for other in [
            &b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 2\r\n\r\n{}",
            b"{\"code\":\"x\"}",
        ] {
            assert_eq!(rewrite_automatic(other), None);
        }
    }
}
