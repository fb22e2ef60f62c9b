//! The data key of a device's data directory: 32 bytes from the shell (a phone's Android
//! Keystore / iOS Keychain entry, a key file, or a passphrase stretched with argon2id), from
//! which the database key and the photo key are derived with HKDF-SHA256 (one key per purpose,
//! so neither cipher ever sees the other's key).
//!
//! A passphrase needs a salt that outlives the process and can be read before the encrypted
//! database opens: it is kept with the argon2id parameters in `DIR/hoctap.kdf` (JSON; nothing
//! secret), created on first use, written crash-safely (temp → fsync → rename → fsync dir).
//! Losing that file, like losing the key, makes the data unreadable.

use hkdf::Hkdf;
use hoctap_evidence::seal::PhotoKey;
use hoctap_store::DbKey;
use serde::{Deserialize, Serialize};
use sha2_next::Sha256;
use std::io::Write;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Length of a data key in bytes.
pub const KEY_LEN: usize = 32;
/// File (in the data directory) holding a passphrase's argon2id salt and parameters.
pub const KDF_FILE: &str = "hoctap.kdf";

/// argon2id cost for new passphrase files: 64 MiB, 3 passes, 1 lane (about 0.2 s on a laptop
/// core; RFC 9106's second recommendation, above OWASP's minimum of 19 MiB × 2).
const M_KIB: u32 = 64 * 1024;
/// Bounds on the costs read back from `hoctap.kdf` (a phone has 2–3 GB of RAM).
const MAX_M_KIB: u32 = 512 * 1024;
const MAX_T_COST: u32 = 16;
const MAX_P_COST: u32 = 8;
const T_COST: u32 = 3;
const P_COST: u32 = 1;
const SALT_LEN: usize = 16;

/// A key problem: wrong size or format, an unreadable key file, a damaged salt file.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("a data key is {KEY_LEN} bytes, not {len}")]
    BadLength { len: usize },
    #[error("cannot read key file {}: {source}", .path.display())]
    KeyFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("key file {} holds neither {KEY_LEN} bytes nor {} hex digits", .path.display(), 2 * KEY_LEN)]
    BadKeyFile { path: PathBuf },
    #[error("the passphrase is empty")]
    EmptyPassphrase,
    #[error("{} is encrypted but has no passphrase file ({KDF_FILE}): it was encrypted with a key file, or that file was lost", .dir.display())]
    NoPassphraseFile { dir: PathBuf },
    #[error("passphrase file {} is damaged: {detail}", .path.display())]
    BadKdfFile { path: PathBuf, detail: String },
    #[error("I/O error on {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no randomness from the operating system: {0}")]
    Random(String),
    #[error("key derivation failed: {0}")]
    Derivation(String),
}

impl KeyError {
    /// Caused by what the user gave (a key of the wrong size, an unreadable or malformed key
    /// file, an empty passphrase).
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            KeyError::BadLength { .. }
                | KeyError::KeyFile { .. }
                | KeyError::BadKeyFile { .. }
                | KeyError::EmptyPassphrase
                | KeyError::NoPassphraseFile { .. }
        )
    }

    /// What the cadre reads, in Vietnamese.
    pub fn message_vi(&self) -> String {
        match self {
            KeyError::BadLength { len } => {
                format!("Khoá dữ liệu phải dài {KEY_LEN} byte (khoá đưa vào dài {len} byte)")
            }
            KeyError::KeyFile { path, .. } => {
                format!("Không đọc được tệp khoá {}", path.display())
            }
            KeyError::BadKeyFile { path } => format!(
                "Tệp khoá {} không hợp lệ: cần đúng {KEY_LEN} byte hoặc {} chữ số hex",
                path.display(),
                2 * KEY_LEN
            ),
            KeyError::EmptyPassphrase => "Mật khẩu không được để trống".into(),
            KeyError::NoPassphraseFile { .. } => format!(
                "Dữ liệu này không được mã hoá bằng mật khẩu (không có tệp {KDF_FILE}); hãy mở bằng tệp khoá"
            ),
            KeyError::BadKdfFile { path, .. } => format!(
                "Tệp thông số mật khẩu {} bị hỏng; không tạo được khoá từ mật khẩu",
                path.display()
            ),
            KeyError::Io { path, .. } => format!("Lỗi đọc ghi tệp {}", path.display()),
            KeyError::Random(_) | KeyError::Derivation(_) => {
                "Không tạo được khoá mã hoá; hãy báo cho cán bộ phụ trách".into()
            }
        }
    }
}

/// The 32-byte key a data directory is encrypted with. Zeroed when dropped, never printed.
#[derive(Clone)]
pub struct DataKey(Zeroizing<[u8; KEY_LEN]>);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(…)")
    }
}

impl DataKey {
    /// A key from exactly 32 bytes (a phone's keystore entry).
    pub fn from_bytes(bytes: &[u8]) -> Result<DataKey, KeyError> {
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        if bytes.len() != KEY_LEN {
            return Err(KeyError::BadLength { len: bytes.len() });
        }
        k.copy_from_slice(bytes);
        Ok(DataKey(k))
    }

    /// A new random key from the operating system.
    pub fn generate() -> Result<DataKey, KeyError> {
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        getrandom::fill(k.as_mut_slice()).map_err(|e| KeyError::Random(e.to_string()))?;
        Ok(DataKey(k))
    }

    /// The key in a key file: exactly 32 bytes, or 64 hex digits (white space around ignored).
    pub fn from_key_file(path: &Path) -> Result<DataKey, KeyError> {
        let bytes = Zeroizing::new(std::fs::read(path).map_err(|source| KeyError::KeyFile {
            path: path.to_path_buf(),
            source,
        })?);
        if bytes.len() == KEY_LEN {
            return DataKey::from_bytes(&bytes);
        }
        let text = bytes.trim_ascii();
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        if text.len() == 2 * KEY_LEN && hex::decode_to_slice(text, k.as_mut_slice()).is_ok() {
            return Ok(DataKey(k));
        }
        Err(KeyError::BadKeyFile {
            path: path.to_path_buf(),
        })
    }

    /// The key as 64 lowercase hex digits (what [`DataKey::from_key_file`] reads).
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0.as_slice()))
    }

    /// The key a passphrase gives for the data directory `dir`: argon2id over the passphrase
    /// (NFC, so every Vietnamese keyboard gives the same bytes) with the directory's salt from
    /// `DIR/hoctap.kdf`, which is created with a new random salt when missing — unless the
    /// directory is already encrypted (with a key file): then `NoPassphraseFile`, and nothing is
    /// written.
    pub fn from_passphrase(dir: &Path, passphrase: &str) -> Result<DataKey, KeyError> {
        let normalized = Zeroizing::new(hoctap_domain::text::nfc(passphrase));
        if normalized.trim().is_empty() {
            return Err(KeyError::EmptyPassphrase);
        }
        let params = match KdfParams::read(dir)? {
            Some(p) => p,
            None => {
                let db = dir.join(hoctap_store::DB_FILE);
                let state =
                    hoctap_store::encryption::file_state(&db).map_err(|e| KeyError::Io {
                        path: db.clone(),
                        source: std::io::Error::other(e.to_string()),
                    })?;
                if state == hoctap_store::encryption::FileState::Encrypted {
                    return Err(KeyError::NoPassphraseFile {
                        dir: dir.to_path_buf(),
                    });
                }
                KdfParams::create(dir)?
            }
        };
        params.derive(normalized.as_bytes(), &kdf_path(dir))
    }

    /// Whether `dir` has a passphrase file (its key was made from a passphrase).
    pub fn has_passphrase_file(dir: &Path) -> bool {
        kdf_path(dir).is_file()
    }

    fn derive(&self, info: &[u8]) -> Result<Zeroizing<[u8; KEY_LEN]>, KeyError> {
        let hk = Hkdf::<Sha256>::new(None, self.0.as_slice());
        let mut out = Zeroizing::new([0u8; KEY_LEN]);
        // 32 bytes is far below HKDF-SHA256's limit of 255 × 32 bytes.
        hk.expand(info, out.as_mut_slice())
            .map_err(|e| KeyError::Derivation(e.to_string()))?;
        Ok(out)
    }

    /// The SQLCipher key of the database (HKDF-SHA256, info `hoctap/v1/database`).
    pub fn db_key(&self) -> Result<DbKey, KeyError> {
        Ok(DbKey::from_bytes(*self.derive(b"hoctap/v1/database")?))
    }

    /// The XChaCha20-Poly1305 key of the photo files (HKDF-SHA256, info `hoctap/v1/photos`).
    pub fn photo_key(&self) -> Result<PhotoKey, KeyError> {
        Ok(PhotoKey::from_bytes(*self.derive(b"hoctap/v1/photos")?))
    }
}

fn kdf_path(dir: &Path) -> PathBuf {
    dir.join(KDF_FILE)
}

/// `DIR/hoctap.kdf`: how a passphrase becomes the data key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct KdfParams {
    /// Always `argon2id`.
    kdf: String,
    /// Argon2 version (19 = 0x13).
    version: u32,
    m_kib: u32,
    t: u32,
    p: u32,
    /// Hex.
    salt: String,
}

impl KdfParams {
    fn read(dir: &Path) -> Result<Option<KdfParams>, KeyError> {
        let path = kdf_path(dir);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(KeyError::Io { path, source }),
        };
        let bad = |detail: String| KeyError::BadKdfFile {
            path: path.clone(),
            detail,
        };
        let p: KdfParams = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        if p.kdf != "argon2id" || p.version != 0x13 {
            return Err(bad(format!("unknown kdf {} version {}", p.kdf, p.version)));
        }
        // A tampered file must not make the open allocate gigabytes or spin for hours.
        if p.m_kib > MAX_M_KIB || p.t > MAX_T_COST || p.p > MAX_P_COST {
            return Err(bad(format!(
                "cost out of bounds: m_kib {} (≤ {MAX_M_KIB}), t {} (≤ {MAX_T_COST}), p {} (≤ {MAX_P_COST})",
                p.m_kib, p.t, p.p
            )));
        }
        Ok(Some(p))
    }

    fn create(dir: &Path) -> Result<KdfParams, KeyError> {
        let mut salt = [0u8; SALT_LEN];
        getrandom::fill(&mut salt).map_err(|e| KeyError::Random(e.to_string()))?;
        let p = KdfParams {
            kdf: "argon2id".into(),
            version: 0x13,
            m_kib: M_KIB,
            t: T_COST,
            p: P_COST,
            salt: hex::encode(salt),
        };
        let text =
            serde_json::to_string_pretty(&p).map_err(|e| KeyError::Derivation(e.to_string()))?;
        write_new_atomic(dir, &kdf_path(dir), text.as_bytes())?;
        Ok(p)
    }

    fn derive(&self, passphrase: &[u8], path: &Path) -> Result<DataKey, KeyError> {
        let salt = hex::decode(&self.salt).map_err(|e| KeyError::BadKdfFile {
            path: path.to_path_buf(),
            detail: format!("salt: {e}"),
        })?;
        let params =
            argon2::Params::new(self.m_kib, self.t, self.p, Some(KEY_LEN)).map_err(|e| {
                KeyError::BadKdfFile {
                    path: path.to_path_buf(),
                    detail: e.to_string(),
                }
            })?;
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        argon
            .hash_password_into(passphrase, &salt, k.as_mut_slice())
            .map_err(|e| KeyError::Derivation(e.to_string()))?;
        Ok(DataKey(k))
    }
}

/// Write `bytes` at `path` crash-safely, never replacing a file another process wrote first.
fn write_new_atomic(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), KeyError> {
    let io = |p: &Path, source| KeyError::Io {
        path: p.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let tmp = dir.join(format!(".{KDF_FILE}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        // A hard link fails if the name exists: two first runs at once keep the first salt.
        std::fs::hard_link(&tmp, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    let _ = std::fs::remove_file(&tmp);
    result.map_err(|e| io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subkeys_differ_from_each_other_and_the_key() {
        let k = DataKey::from_bytes(&[7u8; KEY_LEN]).unwrap();
        let db = k.derive(b"hoctap/v1/database").unwrap();
        let ph = k.derive(b"hoctap/v1/photos").unwrap();
        assert_ne!(*db, *ph);
        assert_ne!(*db, [7u8; KEY_LEN]);
        assert_eq!(*db, *k.derive(b"hoctap/v1/database").unwrap());
    }

    #[test]
    fn lengths_and_key_files() {
        assert!(matches!(
            DataKey::from_bytes(&[1u8; 16]),
            Err(KeyError::BadLength { len: 16 })
        ));
        let dir = tempfile::tempdir().unwrap();
        let k = DataKey::generate().unwrap();
        let hexfile = dir.path().join("k.hex");
        std::fs::write(&hexfile, format!("{}\n", k.to_hex().as_str())).unwrap();
        assert_eq!(*DataKey::from_key_file(&hexfile).unwrap().0, *k.0);
        let raw = dir.path().join("k.bin");
        std::fs::write(&raw, k.0.as_slice()).unwrap();
        assert_eq!(*DataKey::from_key_file(&raw).unwrap().0, *k.0);
        let bad = dir.path().join("bad");
        std::fs::write(&bad, "not a key").unwrap();
        let e = DataKey::from_key_file(&bad).unwrap_err();
        assert!(matches!(e, KeyError::BadKeyFile { .. }) && e.is_user_error());
        assert!(!format!("{k:?}").contains(k.to_hex().as_str()));
    }

    #[test]
    fn a_tampered_kdf_file_cannot_demand_huge_costs() {
        let dir = tempfile::tempdir().unwrap();
        let params = KdfParams::create(dir.path()).unwrap();
        for (m_kib, t, p) in [(u32::MAX, 3, 1), (M_KIB, u32::MAX, 1), (M_KIB, 3, u32::MAX)] {
            let tampered = KdfParams {
                m_kib,
                t,
                p,
                ..params.clone()
            };
            std::fs::write(
                kdf_path(dir.path()),
                serde_json::to_string(&tampered).unwrap(),
            )
            .unwrap();
            let e = DataKey::from_passphrase(dir.path(), "mật khẩu").unwrap_err();
            assert!(matches!(e, KeyError::BadKdfFile { .. }), "{e:?}");
        }
    }
}
