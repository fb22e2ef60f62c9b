//! Encryption at rest of photo and thumbnail files: XChaCha20-Poly1305 (RustCrypto
//! `chacha20poly1305`), one random 192-bit nonce per file, the whole file in one AEAD message
//! (a stored photo is at most a few hundred KB).
//!
//! File format, version 1 (48 bytes longer than the JPEG it holds):
//!
//! ```text
//! offset  size  what
//!      0     4  magic "HTEV"
//!      4     1  format version, 1
//!      5     1  algorithm, 1 = XChaCha20-Poly1305
//!      6     2  reserved, zero
//!      8    24  nonce (random)
//!     32     n  ciphertext of the JPEG
//!   32+n    16  Poly1305 tag
//! ```
//!
//! The associated data is the 8-byte header, the file's role (`photo` or `thumb`) and the
//! photo's SHA-256 (the file name), so a file moved to another name or role fails to open as
//! surely as a flipped bit. Content addressing stays by the SHA-256 of the clear JPEG, which is
//! what the server receives and verifies. A file that starts with the JPEG marker `FF D8 FF` is
//! a clear file (written before encryption was turned on): readers accept it, and
//! [`crate::store::seal_folder`] rewrites it sealed.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

/// Length of a photo key in bytes.
pub const KEY_LEN: usize = 32;
/// First bytes of a sealed file.
pub const MAGIC: &[u8; 4] = b"HTEV";
const VERSION: u8 = 1;
const ALG_XCHACHA20POLY1305: u8 = 1;
const HEADER_LEN: usize = 8;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// Bytes a sealed file adds to the JPEG it holds.
pub const OVERHEAD: usize = HEADER_LEN + NONCE_LEN + TAG_LEN;
/// The start of every JPEG file (SOI and the first marker's `FF`).
pub const JPEG_MAGIC: &[u8; 3] = &[0xFF, 0xD8, 0xFF];

/// A 256-bit key for photo files. Zeroed when dropped, never printed.
#[derive(Clone)]
pub struct PhotoKey(Zeroizing<[u8; KEY_LEN]>);

impl PhotoKey {
    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> PhotoKey {
        PhotoKey(Zeroizing::new(bytes))
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&(*self.0).into())
    }
}

impl std::fmt::Debug for PhotoKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PhotoKey(…)")
    }
}

/// Which file of a photo: the stored photo or its thumbnail (part of the associated data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Photo,
    Thumb,
}

impl Role {
    fn tag(self) -> &'static [u8] {
        match self {
            Role::Photo => b"photo",
            Role::Thumb => b"thumb",
        }
    }
}

/// Why a sealed file does not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("too short to be a sealed file ({0} bytes)")]
    Truncated(usize),
    #[error("not a sealed file (no HTEV header)")]
    NotSealed,
    #[error("sealed with an unknown format (version {version}, algorithm {alg})")]
    UnknownFormat { version: u8, alg: u8 },
    #[error("authentication failed: the file was damaged or changed, or another key sealed it")]
    Unauthentic,
    #[error("no randomness from the operating system: {0}")]
    Random(String),
    #[error("encryption failed")]
    Encrypt,
}

/// Whether `bytes` start like a sealed file.
pub fn is_sealed(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// Whether `bytes` start like a JPEG file.
pub fn is_jpeg(bytes: &[u8]) -> bool {
    bytes.starts_with(JPEG_MAGIC)
}

fn header() -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..4].copy_from_slice(MAGIC);
    h[4] = VERSION;
    h[5] = ALG_XCHACHA20POLY1305;
    h
}

fn aad(header: &[u8], role: Role, sha256: &str) -> Vec<u8> {
    let mut a = Vec::with_capacity(header.len() + 6 + sha256.len());
    a.extend_from_slice(header);
    a.extend_from_slice(role.tag());
    a.push(0);
    a.extend_from_slice(sha256.as_bytes());
    a
}

/// Seal `plain` (a JPEG) as the `role` file of the photo `sha256`.
pub fn seal(key: &PhotoKey, role: Role, sha256: &str, plain: &[u8]) -> Result<Vec<u8>, SealError> {
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).map_err(|e| SealError::Random(e.to_string()))?;
    let header = header();
    let aad = aad(&header, role, sha256);
    let ct = key
        .cipher()
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plain,
                aad: &aad,
            },
        )
        .map_err(|_| SealError::Encrypt)?;
    let mut out = Vec::with_capacity(HEADER_LEN + NONCE_LEN + ct.len());
    out.extend_from_slice(&header);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    Ok(out)
}

/// Open a sealed file of the photo `sha256` in `role`: the JPEG it holds.
pub fn open(key: &PhotoKey, role: Role, sha256: &str, sealed: &[u8]) -> Result<Vec<u8>, SealError> {
    if !is_sealed(sealed) {
        return Err(SealError::NotSealed);
    }
    if sealed.len() < OVERHEAD {
        return Err(SealError::Truncated(sealed.len()));
    }
    let (header, rest) = sealed.split_at(HEADER_LEN);
    let (version, alg) = (header[4], header[5]);
    if version != VERSION || alg != ALG_XCHACHA20POLY1305 || header[6..] != [0, 0] {
        return Err(SealError::UnknownFormat { version, alg });
    }
    let (nonce, ct) = rest.split_at(NONCE_LEN);
    let nonce = XNonce::try_from(nonce).map_err(|_| SealError::Truncated(sealed.len()))?;
    let aad = aad(header, role, sha256);
    key.cipher()
        .decrypt(&nonce, Payload { msg: ct, aad: &aad })
        .map_err(|_| SealError::Unauthentic)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "ab12000000000000000000000000000000000000000000000000000000000000";

    fn key(b: u8) -> PhotoKey {
        PhotoKey::from_bytes([b; KEY_LEN])
    }

    #[test]
    fn round_trip_and_size() {
        let plain = b"\xFF\xD8\xFF\xE0 a jpeg".to_vec();
        let sealed = seal(&key(7), Role::Photo, SHA, &plain).unwrap();
        assert!(is_sealed(&sealed) && !is_jpeg(&sealed));
        assert_eq!(sealed.len(), plain.len() + OVERHEAD);
        assert_eq!(open(&key(7), Role::Photo, SHA, &sealed).unwrap(), plain);
        // A fresh nonce each time: the same JPEG never gives the same file.
        assert_ne!(sealed, seal(&key(7), Role::Photo, SHA, &plain).unwrap());
    }

    #[test]
    fn every_change_is_refused() {
        let plain = vec![0xFF, 0xD8, 0xFF, 1, 2, 3, 4, 5];
        let sealed = seal(&key(1), Role::Photo, SHA, &plain).unwrap();
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert!(open(&key(1), Role::Photo, SHA, &bad).is_err(), "byte {i}");
        }
        assert_eq!(
            open(&key(2), Role::Photo, SHA, &sealed),
            Err(SealError::Unauthentic)
        );
        assert_eq!(
            open(&key(1), Role::Thumb, SHA, &sealed),
            Err(SealError::Unauthentic)
        );
        let other = SHA.replace("ab12", "ab13");
        assert_eq!(
            open(&key(1), Role::Photo, &other, &sealed),
            Err(SealError::Unauthentic)
        );
        assert_eq!(
            open(&key(1), Role::Photo, SHA, &sealed[..20]),
            Err(SealError::Truncated(20))
        );
        assert_eq!(
            open(&key(1), Role::Photo, SHA, &plain),
            Err(SealError::NotSealed)
        );
        assert!(format!("{:?}", key(9)).find('9').is_none());
    }
}
