//! Typed errors of the evidence photo pipeline.
//!
//! Every variant renders a Vietnamese-first message that a hamlet cadre can act on, followed by
//! a short English gloss for developers and logs.

use std::path::PathBuf;

/// What went wrong while ingesting an evidence photo.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    /// The input is an image format the pipeline does not take (HEIC, WebP, GIF, …) or not an
    /// image at all.
    #[error("{}", unsupported_message(.format))]
    UnsupportedFormat {
        /// Short name of the detected format (`"HEIC"`, `"WebP"`, `"không rõ"` …).
        format: String,
    },

    /// The file is larger than [`IngestOptions::max_bytes`](super::IngestOptions::max_bytes).
    #[error(
        "Tệp ảnh quá lớn ({bytes} byte, tối đa {max} byte). Hãy chụp lại với độ phân giải thấp hơn. \
         (file too large)"
    )]
    TooLargeBytes {
        /// Size of the input in bytes.
        bytes: u64,
        /// Configured maximum.
        max: u64,
    },

    /// The picture has more pixels than
    /// [`IngestOptions::max_pixels`](super::IngestOptions::max_pixels) (read from its header,
    /// before decoding).
    #[error(
        "Ảnh quá lớn ({width}×{height} điểm ảnh, tối đa {max} điểm ảnh). Hãy chụp lại với độ phân \
         giải thấp hơn. (image has too many pixels)"
    )]
    TooLargePixels {
        /// Width claimed by the header.
        width: u32,
        /// Height claimed by the header.
        height: u32,
        /// Configured maximum number of pixels.
        max: u64,
    },

    /// The picture is truncated, corrupted or its headers lie.
    #[error("Ảnh bị hỏng hoặc không đọc được; hãy chụp lại hoặc chọn ảnh khác. (damaged image: {detail})")]
    Damaged {
        /// Technical detail for logs.
        detail: String,
    },

    /// Not enough free space on the device to store the photo safely.
    #[error(
        "Bộ nhớ máy sắp đầy (còn {available} byte trống, cần giữ lại {reserve} byte). Hãy xoá bớt \
         ảnh hoặc ứng dụng không dùng rồi thử lại. (storage full)"
    )]
    StorageFull {
        /// Free bytes reported by the file system.
        available: u64,
        /// Bytes that must stay free ([`IngestOptions::disk_reserve`](super::IngestOptions::disk_reserve)).
        reserve: u64,
    },

    /// An options value is out of range (quality 0, edge 0 …).
    #[error("Cấu hình xử lý ảnh không hợp lệ: {0}. (invalid options)")]
    InvalidOptions(String),

    /// Reading or writing files failed.
    #[error("Lỗi đọc/ghi tệp {}: {source}. (I/O error)", .path.display())]
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
             Cài đặt → Camera → Định dạng và chọn \"Tương thích nhất\" (Most Compatible) rồi chụp lại. \
             (unsupported format {format}: convert to JPEG)"
        ),
        _ => format!(
            "Tệp này không phải ảnh JPEG hay PNG (định dạng: {format}). Hãy chọn ảnh JPEG hoặc PNG, \
             hoặc chụp lại bằng máy ảnh của điện thoại. (unsupported format {format})"
        ),
    }
}
