//! Applying the EXIF orientation (all 8 values) to pixels.
//!
//! Done *after* downscaling, where the buffer is smallest. The output carries no orientation tag,
//! so every viewer shows it the right way up.

use super::decode::Picture;

/// Returns `img` transformed so that it displays correctly for EXIF `orientation` (1..=8; any
/// other value is treated as 1).
pub fn apply(img: Picture, orientation: u16) -> Picture {
    if !(2..=8).contains(&orientation) {
        return img;
    }
    let (w, h) = (img.width as usize, img.height as usize);
    let swap = orientation >= 5;
    let (ow, oh) = if swap { (h, w) } else { (w, h) };
    let mut out = vec![0u8; img.data.len()];
    for y in 0..oh {
        let row = &mut out[y * ow * 3..(y + 1) * ow * 3];
        for (x, px) in row.chunks_exact_mut(3).enumerate() {
            // Source pixel of output pixel (x, y).
            let (sx, sy) = match orientation {
                2 => (w - 1 - x, y),         // mirror horizontally
                3 => (w - 1 - x, h - 1 - y), // rotate 180°
                4 => (x, h - 1 - y),         // mirror vertically
                5 => (y, x),                 // transpose
                6 => (y, h - 1 - x),         // rotate 90° clockwise
                7 => (w - 1 - y, h - 1 - x), // transverse
                _ => (w - 1 - y, x),         // 8: rotate 90° counter-clockwise
            };
            let i = (sy * w + sx) * 3;
            px.copy_from_slice(&img.data[i..i + 3]);
        }
    }
    Picture {
        width: ow as u32,
        height: oh as u32,
        space: img.space,
        data: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2×1 image: red, green. Check where red ends up.
    #[test]
    fn small_cases() {
        let img = Picture {
            width: 2,
            height: 1,
            space: crate::decode::ColorSpace::Rgb,
            data: vec![255, 0, 0, 0, 255, 0],
        };
        let r6 = apply(img.clone(), 6);
        assert_eq!((r6.width, r6.height), (1, 2));
        assert_eq!(&r6.data[..3], &[255, 0, 0]); // red on top after 90° CW
        let r8 = apply(img.clone(), 8);
        assert_eq!(&r8.data[..3], &[0, 255, 0]); // green on top after 90° CCW
        let r2 = apply(img.clone(), 2);
        assert_eq!(&r2.data[..3], &[0, 255, 0]);
        assert_eq!(apply(img.clone(), 1), img);
    }
}
