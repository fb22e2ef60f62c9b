//! Decoding JPEG (with shrink-on-load) and PNG into an 8-bit RGB buffer.
//!
//! JPEG: `jpeg-decoder` can run its inverse DCT at 1/2, 1/4 or 1/8 size, so a 12 MP photo bound
//! for a 1600 px long edge is decoded straight to 2016×1512 instead of 4032×3024: four times less
//! memory and much less IDCT, colour conversion and upsampling work. We pick the largest
//! reduction that still leaves the long edge ≥ the target, so the final resize only ever
//! shrinks. Dimensions are read from the header and checked against the pixel limit *before* any
//! pixel buffer is allocated. PNG is rare on phones: it is decoded in full with the `png` crate
//! (correctness over speed) with alpha composited on white.
//!
//! Decoders are wrapped in `catch_unwind` as a last line of defence: a panic inside a decoder on
//! hostile input becomes [`EvidenceError::Damaged`].

use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::error::EvidenceError;
use super::format::Format;

/// An 8-bit RGB image, rows packed without padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 3` bytes, RGB.
    pub data: Vec<u8>,
}

/// A decoded picture plus the size of the original (before shrink-on-load).
#[derive(Debug)]
pub struct Decoded {
    /// The decoded, possibly DCT-downscaled, pixels.
    pub image: RgbImage,
    /// Width of the original as stored (before EXIF orientation).
    pub source_width: u32,
    /// Height of the original as stored.
    pub source_height: u32,
}

/// Decodes `bytes` of the given format. `target_long_edge` drives shrink-on-load (JPEG only);
/// pass `u32::MAX` for a full-size decode. Fails with `TooLargePixels` before decoding when the
/// header claims more than `max_pixels`.
pub fn decode(
    bytes: &[u8],
    format: Format,
    target_long_edge: u32,
    max_pixels: u64,
) -> Result<Decoded, EvidenceError> {
    let run = || match format {
        Format::Jpeg => decode_jpeg(bytes, target_long_edge, max_pixels),
        Format::Png => decode_png(bytes, max_pixels),
        Format::Unsupported(name) => Err(EvidenceError::UnsupportedFormat {
            format: name.to_owned(),
        }),
    };
    match catch_unwind(AssertUnwindSafe(run)) {
        Ok(result) => result,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "decoder panicked".to_owned());
            Err(EvidenceError::damaged(format!("decoder panic: {msg}")))
        }
    }
}

fn check_pixels(width: u32, height: u32, max_pixels: u64) -> Result<(), EvidenceError> {
    if width == 0 || height == 0 {
        return Err(EvidenceError::damaged(format!(
            "header claims {width}×{height}"
        )));
    }
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(EvidenceError::TooLargePixels {
            width,
            height,
            max: max_pixels,
        });
    }
    Ok(())
}

/// The IDCT size (8 = full, 4 = 1/2, 2 = 1/4, 1 = 1/8) giving the smallest decode whose long
/// edge is still ≥ `target`.
pub fn jpeg_idct_size(width: u32, height: u32, target: u32) -> u32 {
    let long = width.max(height);
    for idct in [1u32, 2, 4] {
        if scaled(long, idct) >= target {
            return idct;
        }
    }
    8
}

/// Output length of `len` pixels decoded with an IDCT of `idct` (same rounding as libjpeg and
/// `jpeg-decoder`).
fn scaled(len: u32, idct: u32) -> u32 {
    (len * idct).div_ceil(8)
}

fn decode_jpeg(
    bytes: &[u8],
    target_long_edge: u32,
    max_pixels: u64,
) -> Result<Decoded, EvidenceError> {
    let jpeg_err = |e: jpeg_decoder::Error| EvidenceError::damaged(format!("JPEG: {e}"));
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    decoder.read_info().map_err(jpeg_err)?;
    let info = decoder
        .info()
        .ok_or_else(|| EvidenceError::damaged("JPEG: no frame header"))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    check_pixels(w, h, max_pixels)?;

    let idct = jpeg_idct_size(w, h, target_long_edge);
    let (rw, rh) = (scaled(w, idct), scaled(h, idct));
    let (ow, oh) = if idct == 8 {
        (w, h)
    } else {
        let req = |v: u32| u16::try_from(v).unwrap_or(u16::MAX);
        let (ow, oh) = decoder.scale(req(rw), req(rh)).map_err(jpeg_err)?;
        (u32::from(ow), u32::from(oh))
    };
    let bpp = info.pixel_format.pixel_bytes();
    let expected = ow as usize * oh as usize * bpp;
    // Guard against lying headers inside the decoder too (components, progressive buffers).
    decoder.set_max_decoding_buffer_size(expected.saturating_mul(4).max(1 << 20));
    let pixels = decoder.decode().map_err(jpeg_err)?;
    if pixels.len() < expected {
        return Err(EvidenceError::damaged(format!(
            "JPEG: {} bytes of pixels for {ow}×{oh}",
            pixels.len()
        )));
    }
    let data = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => pixels,
        jpeg_decoder::PixelFormat::L8 => gray_to_rgb(pixels.iter().copied(), expected / bpp),
        jpeg_decoder::PixelFormat::L16 => gray_to_rgb(
            pixels
                .chunks_exact(2)
                .map(|c| (u16::from_ne_bytes([c[0], c[1]]) >> 8) as u8),
            expected / bpp,
        ),
        jpeg_decoder::PixelFormat::CMYK32 => cmyk_to_rgb(&pixels),
    };
    Ok(Decoded {
        image: RgbImage {
            width: ow,
            height: oh,
            data,
        },
        source_width: w,
        source_height: h,
    })
}

fn gray_to_rgb(gray: impl Iterator<Item = u8>, n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n * 3);
    for g in gray.take(n) {
        out.extend_from_slice(&[g, g, g]);
    }
    out
}

fn cmyk_to_rgb(cmyk: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(cmyk.len() / 4 * 3);
    for p in cmyk.chunks_exact(4) {
        let k = 255 - u32::from(p[3]);
        for &c in &p[..3] {
            out.push(((255 - u32::from(c)) * k / 255) as u8);
        }
    }
    out
}

fn decode_png(bytes: &[u8], max_pixels: u64) -> Result<Decoded, EvidenceError> {
    let png_err = |e: png::DecodingError| EvidenceError::damaged(format!("PNG: {e}"));
    // Decoder-internal allocations (not our output buffer) are capped as well.
    let limits = png::Limits {
        bytes: usize::try_from(max_pixels.saturating_mul(8)).unwrap_or(usize::MAX),
    };
    let mut decoder = png::Decoder::new_with_limits(Cursor::new(bytes), limits);
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let header = decoder.read_header_info().map_err(png_err)?;
    let (w, h) = (header.width, header.height);
    check_pixels(w, h, max_pixels)?;
    let mut reader = decoder.read_info().map_err(png_err)?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| EvidenceError::damaged("PNG: output size overflows"))?;
    let mut buf = vec![0u8; size];
    let frame = reader.next_frame(&mut buf).map_err(png_err)?;
    buf.truncate(frame.buffer_size());
    let n = w as usize * h as usize;
    let data = match frame.color_type {
        png::ColorType::Rgb => buf,
        png::ColorType::Rgba => {
            let mut out = Vec::with_capacity(n * 3);
            for p in buf.chunks_exact(4) {
                let a = u32::from(p[3]);
                for &c in &p[..3] {
                    out.push(((u32::from(c) * a + 255 * (255 - a) + 127) / 255) as u8);
                }
            }
            out
        }
        png::ColorType::Grayscale => gray_to_rgb(buf.iter().copied(), n),
        png::ColorType::GrayscaleAlpha => gray_to_rgb(
            buf.chunks_exact(2).map(|p| {
                let a = u32::from(p[1]);
                ((u32::from(p[0]) * a + 255 * (255 - a) + 127) / 255) as u8
            }),
            n,
        ),
        png::ColorType::Indexed => {
            return Err(EvidenceError::damaged("PNG: palette not expanded"));
        }
    };
    if data.len() != n * 3 {
        return Err(EvidenceError::damaged("PNG: short pixel data"));
    }
    Ok(Decoded {
        image: RgbImage {
            width: w,
            height: h,
            data,
        },
        source_width: w,
        source_height: h,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idct_choice_keeps_long_edge_at_least_target() {
        assert_eq!(jpeg_idct_size(4032, 3024, 1600), 4); // 2016
        assert_eq!(jpeg_idct_size(4032, 3024, 1000), 2); // 1008
        assert_eq!(jpeg_idct_size(4032, 3024, 500), 1); // 504
        assert_eq!(jpeg_idct_size(1800, 1200, 1600), 8);
        assert_eq!(jpeg_idct_size(1200, 1800, 320), 2); // 450
    }
}
