//! Decoding JPEG and PNG into pixels the resizer can take.
//!
//! JPEG (almost every phone photo) is decoded **planar**: one plane per component (Y, Cb, Cr) at
//! its own sampling resolution, with no chroma upsampling and no colour conversion (a patch of
//! our vendored `jpeg-decoder`, see `vendor/jpeg-decoder/PATCHES.md`). A 12 MP 4:2:0 photo is
//! 18 MB of planes instead of 36 MB of RGB; [`super::resize`] then takes each plane straight to
//! the target size and the encoder takes YCbCr back, so full-resolution colour conversion and
//! upsampling never happen and luma goes from the camera's samples to the output through one
//! Lanczos3 filter — as faithful as a full decode.
//!
//! Shrink-on-load: when the photo is at least twice the target in every step, the IDCT runs at
//! 1/2, 1/4 or 1/8 size (libjpeg's `jidctred`, equal to averaging 2×2, 4×4, 8×8 blocks), always
//! leaving a factor ≥ 2 for the Lanczos3 step — libvips' rule, so the block average never
//! softens detail the target could still show. Dimensions are read from the header and checked
//! against the pixel limit *before* any pixel buffer is allocated. Planes take 1.5 bytes per
//! decoded pixel (4:2:0): 18 MB for 12 MP; at most ≈46 MB, for a photo just under 4× the
//! target (6,399×4,799 at 1600 px); a 50 MP photo is decoded at 1/2 (18 MB).
//!
//! Damaged data: the decoder runs in strict mode, so compressed data that does not end where its
//! segment ends, a coefficient past the end of a block or an impossible DC level is
//! [`EvidenceError::Damaged`] rather than a silently garbled picture.
//!
//! Rare inputs take the interleaved path: Adobe RGB/CMYK JPEGs and lossless JPEGs decode to RGB;
//! PNG is decoded in full with the `png` crate (correctness over speed), alpha composited on
//! white.
//!
//! Decoders are wrapped in `catch_unwind` as a last line of defence: a panic inside a decoder on
//! hostile input becomes [`EvidenceError::Damaged`].

use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};

use jpeg_decoder::{ColorTransform, PixelFormat, Plane};

use super::error::EvidenceError;
use super::format::Format;

/// How a [`Picture`]'s three channels are to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorSpace {
    /// Red, green, blue.
    Rgb,
    /// JFIF YCbCr (full range, BT.601), what JPEG stores.
    YCbCr,
}

/// A three-channel 8-bit picture, pixels interleaved, rows packed without padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// What the three channels mean.
    pub space: ColorSpace,
    /// `width * height * 3` bytes.
    pub data: Vec<u8>,
}

impl Picture {
    /// Luma of every pixel (Y itself for YCbCr; BT.601 weights for RGB).
    pub fn luma(&self) -> Vec<u8> {
        match self.space {
            ColorSpace::YCbCr => self.data.chunks_exact(3).map(|p| p[0]).collect(),
            ColorSpace::Rgb => self
                .data
                .chunks_exact(3)
                .map(|p| {
                    ((77 * u32::from(p[0]) + 150 * u32::from(p[1]) + 29 * u32::from(p[2]) + 128)
                        >> 8) as u8
                })
                .collect(),
        }
    }
}

/// Decoded pixels, in whichever layout the decoder produced.
#[derive(Debug)]
pub enum Pixels {
    /// An interleaved picture at the decoded size.
    Interleaved(Picture),
    /// JPEG component planes: one (grayscale, read as Y) or three (Y, Cb, Cr, chroma possibly
    /// at lower resolution). All planes cover the same picture area.
    YCbCrPlanes(Vec<Plane>),
}

/// A decoded picture plus the size of the original (before shrink-on-load).
#[derive(Debug)]
pub struct Decoded {
    /// The decoded, possibly DCT-downscaled, pixels.
    pub pixels: Pixels,
    /// For [`Pixels::Interleaved`]: the picture area in decoded pixels. A scaled decode rounds
    /// its size up, so the last column and row may be partly padding (planes carry their own).
    pub extent: (f64, f64),
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

/// The IDCT size (8 = full, 4 = 1/2, 2 = 1/4, 1 = 1/8) for shrink-on-load: the smallest decode
/// whose long edge is still ≥ twice `target`, so that the Lanczos3 step after it always has a
/// factor of at least 2 to work with (libvips' rule for `vipsthumbnail`).
pub fn jpeg_idct_size(width: u32, height: u32, target: u32) -> u32 {
    let long = width.max(height);
    for idct in [1u32, 2, 4] {
        if scaled(long, idct) >= target.saturating_mul(2) {
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
    // Corrupt entropy-coded data is refused, not decoded into a garbled picture.
    decoder.set_strict(true);
    decoder.read_info().map_err(jpeg_err)?;
    let info = decoder
        .info()
        .ok_or_else(|| EvidenceError::damaged("JPEG: no frame header"))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    check_pixels(w, h, max_pixels)?;

    let idct = jpeg_idct_size(w, h, target_long_edge);
    let (ow, oh) = if idct == 8 {
        (w, h)
    } else {
        let req = |v: u32| u16::try_from(v).unwrap_or(u16::MAX);
        let (ow, oh) = decoder
            .scale(req(scaled(w, idct)), req(scaled(h, idct)))
            .map_err(jpeg_err)?;
        (u32::from(ow), u32::from(oh))
    };
    let bpp = info.pixel_format.pixel_bytes();
    let expected = ow as usize * oh as usize * bpp;
    // Guard against lying headers inside the decoder too (components, progressive buffers).
    decoder.set_max_decoding_buffer_size(expected.saturating_mul(4).max(1 << 20));

    let planar = info.coding_process != jpeg_decoder::CodingProcess::Lossless
        && matches!(
            (info.pixel_format, decoder.color_transform()),
            (PixelFormat::RGB24, Some(ColorTransform::YCbCr))
                | (PixelFormat::L8, Some(ColorTransform::Grayscale))
        );
    let pixels = if planar {
        let planes = decoder.decode_component_planes().map_err(jpeg_err)?;
        check_planes(&planes, ow, oh)?;
        Pixels::YCbCrPlanes(planes)
    } else {
        Pixels::Interleaved(decode_jpeg_interleaved(
            &mut decoder,
            info.pixel_format,
            ow,
            oh,
        )?)
    };
    let exact = |v: u32| (f64::from(v) * f64::from(idct) / 8.0).min(f64::from(v));
    Ok(Decoded {
        pixels,
        extent: (exact(w).min(f64::from(ow)), exact(h).min(f64::from(oh))),
        source_width: w,
        source_height: h,
    })
}

/// Checks what the decoder returned: 1 or 3 planes, none larger than the decoded frame (luma is
/// usually the full-resolution one, but any component may be), each covering a real area.
fn check_planes(planes: &[Plane], ow: u32, oh: u32) -> Result<(), EvidenceError> {
    let bad = |what: &str| Err(EvidenceError::damaged(format!("JPEG: {what}")));
    if planes.len() != 1 && planes.len() != 3 {
        return bad("unexpected number of components");
    }
    for p in planes {
        if p.width == 0 || p.height == 0 || p.width > ow as usize || p.height > oh as usize {
            return bad("component plane larger than the frame");
        }
        if p.data.len() != p.width * p.height {
            return bad("short component plane");
        }
        if !(p.extent_width > 0.0 && p.extent_height > 0.0) {
            return bad("component plane covers no area");
        }
    }
    Ok(())
}

/// The rare path: RGB/CMYK/lossless JPEGs, decoded to interleaved RGB.
fn decode_jpeg_interleaved(
    decoder: &mut jpeg_decoder::Decoder<&[u8]>,
    format: PixelFormat,
    ow: u32,
    oh: u32,
) -> Result<Picture, EvidenceError> {
    let jpeg_err = |e: jpeg_decoder::Error| EvidenceError::damaged(format!("JPEG: {e}"));
    let bpp = format.pixel_bytes();
    let expected = ow as usize * oh as usize * bpp;
    let pixels = decoder.decode().map_err(jpeg_err)?;
    if pixels.len() < expected {
        return Err(EvidenceError::damaged(format!(
            "JPEG: {} bytes of pixels for {ow}×{oh}",
            pixels.len()
        )));
    }
    let data = match format {
        PixelFormat::RGB24 => pixels,
        PixelFormat::L8 => gray_to_rgb(pixels.iter().copied(), expected / bpp),
        PixelFormat::L16 => gray_to_rgb(
            pixels
                .chunks_exact(2)
                .map(|c| (u16::from_ne_bytes([c[0], c[1]]) >> 8) as u8),
            expected / bpp,
        ),
        PixelFormat::CMYK32 => cmyk_to_rgb(&pixels),
    };
    Ok(Picture {
        width: ow,
        height: oh,
        space: ColorSpace::Rgb,
        data,
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
        pixels: Pixels::Interleaved(Picture {
            width: w,
            height: h,
            space: ColorSpace::Rgb,
            data,
        }),
        extent: (f64::from(w), f64::from(h)),
        source_width: w,
        source_height: h,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idct_choice_leaves_at_least_twice_the_target() {
        assert_eq!(jpeg_idct_size(4032, 3024, 1600), 8); // 2016 would leave only 1.26×
        assert_eq!(jpeg_idct_size(8064, 6048, 1600), 4); // 4032 leaves 2.52×
        assert_eq!(jpeg_idct_size(4032, 3024, 1000), 4); // 2016 leaves 2.02×
        assert_eq!(jpeg_idct_size(4032, 3024, 500), 2); // 1008
        assert_eq!(jpeg_idct_size(4032, 3024, 250), 1); // 504
        assert_eq!(jpeg_idct_size(1800, 1200, 1600), 8);
        assert_eq!(jpeg_idct_size(1200, 1800, 320), 4); // 900
    }
}
