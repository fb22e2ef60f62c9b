//! Downscaling with `fast_image_resize` (SIMD convolution, Lanczos3 by default).
//!
//! Sizes are computed from the *original* dimensions so that the result is the same whatever
//! shrink-on-load factor the decoder used; the pipeline never upscales.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use super::decode::RgbImage;
use super::error::EvidenceError;

/// Size that fits `(width, height)` into a `max_edge` long edge, keeping the aspect ratio and
/// never enlarging. Both results are at least 1.
pub fn fit(width: u32, height: u32, max_edge: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= max_edge {
        return (width, height);
    }
    let scale = f64::from(max_edge) / f64::from(long);
    let dim = |v: u32| ((f64::from(v) * scale).round() as u32).clamp(1, max_edge);
    if width >= height {
        (max_edge, dim(height))
    } else {
        (dim(width), max_edge)
    }
}

/// Resizes `src` to exactly `(width, height)` with Lanczos3; returns `src` unchanged when the
/// size already matches.
pub fn resize(src: RgbImage, width: u32, height: u32) -> Result<RgbImage, EvidenceError> {
    if src.width == width && src.height == height {
        return Ok(src);
    }
    resize_ref(&src, width, height)
}

/// Like [`resize`] but borrows the source (cloned only when the size already matches).
pub fn resize_ref(src: &RgbImage, width: u32, height: u32) -> Result<RgbImage, EvidenceError> {
    if src.width == width && src.height == height {
        return Ok(src.clone());
    }
    let err = |e: &dyn std::fmt::Display| EvidenceError::damaged(format!("resize: {e}"));
    let view =
        ImageRef::new(src.width, src.height, &src.data, PixelType::U8x3).map_err(|e| err(&e))?;
    let mut dst = Image::new(width, height, PixelType::U8x3);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new()
        .resize(&view, &mut dst, &options)
        .map_err(|e| err(&e))?;
    Ok(RgbImage {
        width,
        height,
        data: dst.into_vec(),
    })
}

/// Resizes a single-channel (luma) buffer to `(width, height)`; used by the perceptual hash.
pub fn resize_gray(
    data: &[u8],
    src_w: u32,
    src_h: u32,
    width: u32,
    height: u32,
) -> Result<Vec<u8>, EvidenceError> {
    let err = |e: &dyn std::fmt::Display| EvidenceError::damaged(format!("resize: {e}"));
    let view = ImageRef::new(src_w, src_h, data, PixelType::U8).map_err(|e| err(&e))?;
    let mut dst = Image::new(width, height, PixelType::U8);
    // Box (area average) is the right low-pass before a tiny DCT.
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Box));
    Resizer::new()
        .resize(&view, &mut dst, &options)
        .map_err(|e| err(&e))?;
    Ok(dst.into_vec())
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn fits_long_edge_and_never_upscales() {
        assert_eq!(fit(4032, 3024, 1600), (1600, 1200));
        assert_eq!(fit(3024, 4032, 1600), (1200, 1600));
        assert_eq!(fit(800, 600, 1600), (800, 600));
        assert_eq!(fit(4608, 1976, 1600), (1600, 686));
        assert_eq!(fit(10000, 1, 320), (320, 1));
    }
}
