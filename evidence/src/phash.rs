//! 64-bit perceptual hash (DCT pHash) and near-duplicate search.
//!
//! Hand-written (≈40 lines) instead of the `image_hasher` crate, which would pull the whole
//! `image` crate in: the pipeline already has a small thumbnail, so we take its luma, box-filter
//! it to 32×32, run a 2-D DCT-II, keep the 8×8 lowest frequencies and set one bit per coefficient
//! above their median (the DC term is replaced by the first AC term's value so it never
//! dominates). Resizing, recompression and mild colour changes move the hash by a few bits;
//! different scenes land ~32 bits apart. Compare with [`hamming`].

use fast_image_resize::FilterType;

use super::decode::Picture;
use super::error::EvidenceError;
use super::resize::resize_gray;

const N: usize = 32;
const K: usize = 8;

/// Perceptual hash of a picture (any size; the thumbnail is what the pipeline passes).
pub fn phash(img: &Picture) -> Result<u64, EvidenceError> {
    let luma = img.luma();
    // Box (area average) is the right low-pass before a tiny DCT.
    let small = resize_gray(
        &luma,
        img.width,
        img.height,
        N as u32,
        N as u32,
        FilterType::Box,
    )?;
    // Separable DCT-II, only the K lowest frequencies of each axis are needed.
    let cos: Vec<f64> = (0..K * N)
        .map(|i| {
            let (u, x) = (i / N, i % N);
            (std::f64::consts::PI * (2 * x + 1) as f64 * u as f64 / (2 * N) as f64).cos()
        })
        .collect();
    let mut rows = [[0f64; K]; N]; // rows[y][u]
    for (y, row) in rows.iter_mut().enumerate() {
        for (u, r) in row.iter_mut().enumerate() {
            *r = (0..N)
                .map(|x| f64::from(small[y * N + x]) * cos[u * N + x])
                .sum();
        }
    }
    let mut coeffs = [0f64; K * K];
    for v in 0..K {
        for u in 0..K {
            coeffs[v * K + u] = (0..N).map(|y| rows[y][u] * cos[v * N + y]).sum();
        }
    }
    coeffs[0] = coeffs[1];
    let mut sorted = coeffs;
    sorted.sort_by(f64::total_cmp);
    let median = (sorted[K * K / 2 - 1] + sorted[K * K / 2]) / 2.0;
    Ok(coeffs
        .iter()
        .enumerate()
        .fold(0u64, |h, (i, &c)| if c > median { h | (1 << i) } else { h }))
}

/// Number of differing bits between two hashes (0 = same picture, ≳20 = different pictures).
pub fn hamming(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// All pairs `(i, j, distance)` with `i < j` (indices into `hashes`) whose hashes are within
/// `max_distance` bits, sorted by distance then indices. Quadratic but branch-free popcounts:
/// 10 000 photos (a commune) are 50 M comparisons, well under a second.
pub fn similar_pairs<Id>(hashes: &[(Id, u64)], max_distance: u32) -> Vec<(usize, usize, u32)> {
    let mut out = Vec::new();
    for (i, (_, a)) in hashes.iter().enumerate() {
        for (j, (_, b)) in hashes.iter().enumerate().skip(i + 1) {
            let d = hamming(*a, *b);
            if d <= max_distance {
                out.push((i, j, d));
            }
        }
    }
    out.sort_by_key(|&(i, j, d)| (d, i, j));
    out
}

/// Formats a hash as 16 lowercase hex digits (how it is serialised).
pub fn to_hex(h: u64) -> String {
    format!("{h:016x}")
}

/// Parses 16 hex digits back into a hash.
pub fn from_hex(s: &str) -> Option<u64> {
    (s.len() == 16)
        .then(|| u64::from_str_radix(s, 16).ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_and_hex() {
        let hs = [("a", 0u64), ("b", 0b111), ("c", u64::MAX)];
        assert_eq!(similar_pairs(&hs, 3), vec![(0, 1, 3)]);
        assert_eq!(hamming(0, u64::MAX), 64);
        assert_eq!(from_hex(&to_hex(0xdead_beef)), Some(0xdead_beef));
    }
}
