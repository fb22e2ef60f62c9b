//! JPEG encoding with `jpeg-encoder` (pure Rust, AVX2 when the CPU has it).
//!
//! The output holds only what a baseline JFIF needs (SOI, APP0/JFIF, DQT, SOF0, DHT, SOS, EOI):
//! no EXIF, XMP, ICC or comment segment is ever written, so no location or device data leaks
//! into the stored file. Chroma is 4:2:0 below quality 90 (as libjpeg/libvips do), box-averaged.

use jpeg_encoder::{ChromaSubsamplingMethod, ColorType, Encoder};

use super::decode::{ColorSpace, Picture};
use super::error::EvidenceError;

/// Encodes `img` (RGB, or YCbCr taken as is) as a baseline JPEG at `quality` (1..=100).
pub fn encode_jpeg(img: &Picture, quality: u8) -> Result<Vec<u8>, EvidenceError> {
    let (w, h) = (dim(img.width)?, dim(img.height)?);
    // Typical q80 photos compress to well under 1.5 bits per pixel.
    let mut out = Vec::with_capacity(img.data.len() / 6 + 4096);
    let mut encoder = Encoder::new(&mut out, quality.clamp(1, 100));
    encoder.set_chroma_subsampling_method(ChromaSubsamplingMethod::Average);
    encoder
        .encode(&img.data, w, h, color_type(img.space))
        .map_err(|e| EvidenceError::damaged(format!("JPEG encode: {e}")))?;
    Ok(out)
}

fn color_type(space: ColorSpace) -> ColorType {
    match space {
        ColorSpace::Rgb => ColorType::Rgb,
        ColorSpace::YCbCr => ColorType::Ycbcr,
    }
}

fn dim(v: u32) -> Result<u16, EvidenceError> {
    u16::try_from(v)
        .map_err(|_| EvidenceError::InvalidOptions(format!("kích thước {v} px vượt quá 65535")))
}
