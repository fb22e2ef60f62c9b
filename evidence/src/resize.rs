//! Downscaling with `fast_image_resize` (SIMD convolution, Lanczos3 by default).
//!
//! Sizes are computed from the *original* dimensions so that the result is the same whatever
//! shrink-on-load factor the decoder used; the pipeline never upscales. JPEG component planes
//! are resized one by one straight to the target (luma down, subsampled chroma down or up to
//! the same size: chroma upsampling and resizing in one filter) on two threads, then
//! interleaved as YCbCr for the encoder.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use jpeg_decoder::Plane;

use super::decode::{ColorSpace, Decoded, Picture, Pixels};
use super::error::EvidenceError;

fn resize_err(e: &dyn std::fmt::Display) -> EvidenceError {
    EvidenceError::damaged(format!("resize: {e}"))
}

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

/// Brings decoded pixels to exactly `(width, height)` with Lanczos3.
/// Only the picture area is mapped onto the target: a scaled decode rounds sizes up, and the
/// padding in the last column and row must not squeeze the picture (nor shift chroma against
/// luma).
pub fn resize_decoded(decoded: Decoded, width: u32, height: u32) -> Result<Picture, EvidenceError> {
    match decoded.pixels {
        Pixels::Interleaved(picture) => {
            if untouched(
                (picture.width, picture.height),
                decoded.extent,
                (width, height),
            ) {
                return Ok(picture);
            }
            resize_area(&picture, decoded.extent, width, height)
        }
        Pixels::YCbCrPlanes(planes) => resize_planes(planes, width, height),
    }
}

/// Resizes each plane to `(width, height)` and interleaves them as YCbCr; a lone plane is
/// grayscale (neutral chroma). Luma runs on one thread while chroma runs on another.
fn resize_planes(
    mut planes: Vec<Plane>,
    width: u32,
    height: u32,
) -> Result<Picture, EvidenceError> {
    let chroma: Vec<Plane> = planes.drain(1..).collect();
    let luma = planes
        .pop()
        .ok_or_else(|| EvidenceError::damaged("no luma plane"))?;
    let (y, cbcr) = std::thread::scope(|s| {
        let chroma_job = s.spawn(|| {
            chroma
                .into_iter()
                .map(|p| resize_plane(p, width, height, FilterType::Lanczos3))
                .collect::<Result<Vec<_>, _>>()
        });
        let y = resize_plane(luma, width, height, FilterType::Lanczos3);
        let cbcr = chroma_job
            .join()
            .unwrap_or_else(|_| Err(EvidenceError::damaged("panic while resizing chroma")));
        (y, cbcr)
    });
    let (y, cbcr) = (y?, cbcr?);
    let n = width as usize * height as usize;
    let mut data = Vec::with_capacity(n * 3);
    match cbcr.as_slice() {
        [cb, cr] => {
            for ((&y, &cb), &cr) in y.iter().zip(cb).zip(cr) {
                data.extend_from_slice(&[y, cb, cr]);
            }
        }
        [] => {
            for &y in &y {
                data.extend_from_slice(&[y, 128, 128]);
            }
        }
        _ => return Err(EvidenceError::damaged("unexpected number of chroma planes")),
    }
    if data.len() != n * 3 {
        return Err(EvidenceError::damaged("resized planes differ in size"));
    }
    Ok(Picture {
        width,
        height,
        space: ColorSpace::YCbCr,
        data,
    })
}

/// One plane's picture area to `(width, height)` (returned as is when it already matches).
fn resize_plane(
    plane: Plane,
    width: u32,
    height: u32,
    filter: FilterType,
) -> Result<Vec<u8>, EvidenceError> {
    let (w, h) = (
        u32::try_from(plane.width).map_err(|e| resize_err(&e))?,
        u32::try_from(plane.height).map_err(|e| resize_err(&e))?,
    );
    let extent = (plane.extent_width, plane.extent_height);
    if untouched((w, h), extent, (width, height)) {
        return Ok(plane.data);
    }
    resize_u8(
        &plane.data,
        (w, h),
        extent,
        PixelType::U8,
        (width, height),
        filter,
    )
}

/// Resizes the top-left `extent` (fractional) of an 8-bit buffer of `size` to `target`.
fn resize_u8(
    data: &[u8],
    size: (u32, u32),
    extent: (f64, f64),
    pixel: PixelType,
    target: (u32, u32),
    filter: FilterType,
) -> Result<Vec<u8>, EvidenceError> {
    let view = ImageRef::new(size.0, size.1, data, pixel).map_err(|e| resize_err(&e))?;
    let mut dst = Image::new(target.0, target.1, pixel);
    let (ew, eh) = (
        extent.0.clamp(1.0, f64::from(size.0)),
        extent.1.clamp(1.0, f64::from(size.1)),
    );
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(filter))
        .crop(0.0, 0.0, ew, eh);
    Resizer::new()
        .resize(&view, &mut dst, &options)
        .map_err(|e| resize_err(&e))?;
    Ok(dst.into_vec())
}

/// True when a buffer of `size` whose picture area is `extent` already is the `target`.
fn untouched(size: (u32, u32), extent: (f64, f64), target: (u32, u32)) -> bool {
    size == target && extent.0 >= f64::from(size.0) && extent.1 >= f64::from(size.1)
}

/// Resizes the picture area `extent` of `src` to `(width, height)` with Lanczos3.
fn resize_area(
    src: &Picture,
    extent: (f64, f64),
    width: u32,
    height: u32,
) -> Result<Picture, EvidenceError> {
    let data = resize_u8(
        &src.data,
        (src.width, src.height),
        extent,
        PixelType::U8x3,
        (width, height),
        FilterType::Lanczos3,
    )?;
    Ok(Picture {
        width,
        height,
        space: src.space,
        data,
    })
}

/// Resizes the whole of `src` to exactly `(width, height)` with Lanczos3 (cloned when the size
/// already matches).
pub fn resize_ref(src: &Picture, width: u32, height: u32) -> Result<Picture, EvidenceError> {
    let extent = (f64::from(src.width), f64::from(src.height));
    if untouched((src.width, src.height), extent, (width, height)) {
        return Ok(src.clone());
    }
    resize_area(src, extent, width, height)
}

/// Resizes a single-channel buffer to `(width, height)` with `filter`.
pub fn resize_gray(
    data: &[u8],
    src_w: u32,
    src_h: u32,
    width: u32,
    height: u32,
    filter: FilterType,
) -> Result<Vec<u8>, EvidenceError> {
    let extent = (f64::from(src_w), f64::from(src_h));
    resize_u8(
        data,
        (src_w, src_h),
        extent,
        PixelType::U8,
        (width, height),
        filter,
    )
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
