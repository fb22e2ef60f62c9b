//! Typed errors of the evidence photo pipeline.
//!
//! `Display` is the English detail for logs; [`EvidenceError::message_vi`] is the Vietnamese
//! message a hamlet cadre can act on.

use std::path::PathBuf;

/// What went wrong while ingesting an evidence photo.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    /// The input is an image format the pipeline does not take (HEIC, WebP, GIF, …) or not an
    /// image at all.
    #[error("unsupported format {format}: expected JPEG or PNG")]
    UnsupportedFormat {
        /// Short name of the detected format (`"HEIC"`, `"WebP"`, `"không rõ"` …).
        format: String,
    },

    /// The file is larger than [`IngestOptions::max_bytes`](super::IngestOptions::max_bytes).
    #[error("file too large: {bytes} bytes, at most {max}")]
    TooLargeBytes {
        /// Size of the input in bytes.
        bytes: u64,
        /// Configured maximum.
        max: u64,
    },

    /// The picture has more pixels than
    /// [`IngestOptions::max_pixels`](super::IngestOptions::max_pixels) (read from its header,
    /// before decoding).
    #[error("image has too many pixels: {width}×{height}, at most {max}")]
    TooLargePixels {
        /// Width claimed by the header.
        width: u32,
        /// Height claimed by the header.
        height: u32,
        /// Configured maximum number of pixels.
        max: u64,
    },

    /// The picture is truncated, corrupted or its headers lie.
    #[error("damaged image: {detail}")]
    Damaged {
        /// Technical detail for logs.
        detail: String,
    },

    /// Not enough free space on the device to store the photo safely.
    #[error("storage full: {available} bytes free, {reserve} must stay free")]
    StorageFull {
        /// Free bytes reported by the file system.
        available: u64,
        /// Bytes that must stay free ([`IngestOptions::disk_reserve`](super::IngestOptions::disk_reserve)).
        reserve: u64,
    },

    /// An options value is out of range (quality 0, edge 0 …).
    #[error("invalid options: {0}")]
    InvalidOptions(String),

    /// A stored photo or thumbnail file does not open: truncated, changed, moved to another
    /// name, sealed with another key, or not a photo file at all.
    #[error("damaged photo file {}: {detail}", .path.display())]
    DamagedFile {
        /// The file concerned.
        path: PathBuf,
        /// Technical detail for logs.
        detail: String,
    },

    /// A sealed (encrypted) photo file was read without a key.
    #[error("photo file {} is encrypted: a key is needed to read it", .path.display())]
    KeyRequired {
        /// The file concerned.
        path: PathBuf,
    },

    /// Reading or writing files failed.
    #[error("I/O error on {}: {source}", .path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl EvidenceError {
    pub(crate) fn damaged(detail: impl Into<String>) -> Self {
        EvidenceError::Damaged {
            detail: detail.into(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        EvidenceError::Io {
            path: path.into(),
            source,
        }
    }
}

fn unsupported_message(format: &str) -> String {
    match format {
        "HEIC" | "HEIF" | "AVIF" => format!(
            "Ảnh định dạng {format} chưa được hỗ trợ. Hãy chuyển ảnh sang JPEG, hoặc trên iPhone vào \
             Cài đặt → Camera → Định dạng và chọn \"Tương thích nhất\" (Most Compatible) rồi chụp lại."
        ),
        _ => format!(
            "Tệp này không phải ảnh JPEG hay PNG (định dạng: {format}). Hãy chọn ảnh JPEG hoặc PNG, \
             hoặc chụp lại bằng máy ảnh của điện thoại."
        ),
    }
}

/// What a shell can do about an evidence error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceClass {
    /// The photo itself is unusable: take or pick another (CLI exit 2).
    Photo,
    /// The photo file cannot be opened (missing, no permission): take or pick another (exit 2).
    Unreadable,
    /// The device is (nearly) full (exit 1).
    StorageFull,
    /// A bug or an I/O failure (exit 1).
    Internal,
}

fn io_full(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::StorageFull || e.raw_os_error() == Some(28)
}

impl EvidenceError {
    /// What a shell can do about it.
    pub fn class(&self) -> EvidenceClass {
        match self {
            EvidenceError::UnsupportedFormat { .. }
            | EvidenceError::TooLargeBytes { .. }
            | EvidenceError::TooLargePixels { .. }
            | EvidenceError::Damaged { .. } => EvidenceClass::Photo,
            // A stored photo that no longer opens: take it again.
            EvidenceError::DamagedFile { .. } => EvidenceClass::Photo,
            EvidenceError::StorageFull { .. } => EvidenceClass::StorageFull,
            EvidenceError::Io { source, .. } if io_full(source) => EvidenceClass::StorageFull,
            EvidenceError::Io { source, .. }
                if matches!(
                    source.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied
                ) =>
            {
                EvidenceClass::Unreadable
            }
            EvidenceError::Io { .. }
            | EvidenceError::InvalidOptions(_)
            | EvidenceError::KeyRequired { .. } => EvidenceClass::Internal,
        }
    }

    /// What the cadre reads, in Vietnamese.
    pub fn message_vi(&self) -> String {
        match self {
            EvidenceError::UnsupportedFormat { format } => unsupported_message(format),
            EvidenceError::TooLargeBytes { bytes, max } => format!(
                "Tệp ảnh quá lớn ({bytes} byte, tối đa {max} byte). Hãy chụp lại với độ phân giải thấp hơn."
            ),
            EvidenceError::TooLargePixels { width, height, max } => format!(
                "Ảnh quá lớn ({width}×{height} điểm ảnh, tối đa {max} điểm ảnh). Hãy chụp lại với độ phân giải thấp hơn."
            ),
            EvidenceError::Damaged { .. } => {
                "Ảnh bị hỏng hoặc không đọc được; hãy chụp lại hoặc chọn ảnh khác.".into()
            }
            EvidenceError::StorageFull { available, reserve } => format!(
                "Bộ nhớ máy sắp đầy (còn {available} byte trống, cần giữ lại {reserve} byte). Hãy xoá bớt ảnh hoặc ứng dụng không dùng rồi thử lại."
            ),
            EvidenceError::Io { .. } if self.class() == EvidenceClass::StorageFull => {
                "Bộ nhớ máy đã đầy, không lưu được ảnh; hãy xoá bớt ảnh hoặc ứng dụng không dùng rồi thử lại.".into()
            }
            EvidenceError::Io { path, .. } if self.class() == EvidenceClass::Unreadable => format!(
                "Không mở được tệp ảnh {}; hãy chụp lại hoặc chọn ảnh khác.",
                path.display()
            ),
            EvidenceError::Io { path, .. } => format!("Lỗi đọc/ghi tệp {}.", path.display()),
            EvidenceError::InvalidOptions(_) => "Cấu hình xử lý ảnh không hợp lệ.".into(),
            EvidenceError::DamagedFile { .. } => {
                "Tệp ảnh minh chứng đã lưu trên máy bị hỏng, không đọc được; hãy chụp lại ảnh này."
                    .into()
            }
            EvidenceError::KeyRequired { .. } => {
                "Ảnh minh chứng trên máy đã được mã hoá; cần khoá (mật khẩu hoặc tệp khoá) để mở."
                    .into()
            }
        }
    }

    /// English detail for logs and support.
    pub fn detail(&self) -> String {
        self.to_string()
    }
}
