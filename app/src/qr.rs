//! QR codes in images: a camera frame or a picked photo (JPEG or PNG) decoded with the photo
//! pipeline's decoder (shrunk on load to at most 1,200 px, so a 12 MP photo stays cheap), read
//! as luma, searched and decoded with `rqrr`. Used for the enrollment QR code when the platform
//! hands over an image rather than decoded text.

use crate::error::ErrorInfo;
use hoctap_evidence::decode::{decode, Pixels};
use hoctap_evidence::format::sniff;
use hoctap_evidence::resize::{fit, resize_decoded};

/// Long edge the image is decoded to: QR codes on a screen or paper stay readable.
const QR_EDGE: u32 = 1200;
/// Largest image accepted (pixels, from the header).
const MAX_PIXELS: u64 = 50_000_000;

fn not_found() -> ErrorInfo {
    ErrorInfo {
        kind: crate::error::ErrorKind::Input,
        message: "Không tìm thấy mã QR trong ảnh; hãy chụp lại gần hơn, đủ sáng và rõ nét".into(),
        detail: "no decodable QR code in the image".into(),
    }
}

/// The text of the first QR code found in `bytes` (JPEG or PNG).
pub fn decode_qr(bytes: &[u8]) -> Result<String, ErrorInfo> {
    let decoded = decode(bytes, sniff(bytes), QR_EDGE, MAX_PIXELS)?;
    let (sw, sh) = match &decoded.pixels {
        Pixels::Interleaved(p) => (p.width, p.height),
        Pixels::YCbCrPlanes(_) => (decoded.source_width, decoded.source_height),
    };
    let (w, h) = fit(sw, sh, QR_EDGE);
    let picture = resize_decoded(decoded, w, h)?;
    let luma = picture.luma();
    let (width, height) = (picture.width as usize, picture.height as usize);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        luma.get(y * width + x).copied().unwrap_or(255)
    });
    for grid in img.detect_grids() {
        if let Ok((_, text)) = grid.decode() {
            return Ok(text);
        }
    }
    Err(not_found())
}
