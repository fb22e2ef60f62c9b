//! Per-stage timings of the evidence pipeline on one photo (diagnostics for tuning).
//!
//! `cargo run --release -p hoctap-evidence --example stages -- PHOTO.jpg`

use std::time::Instant;

use hoctap_evidence::{decode, encode, format, phash, resize, store};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: stages PHOTO.jpg")?;
    let bytes = std::fs::read(path)?;
    for round in 0..5 {
        let t = Instant::now();
        let fmt = format::sniff(&bytes);
        let meta = hoctap_evidence::exif::read_metadata(&bytes);
        let t_exif = t.elapsed();
        let d = decode::decode(&bytes, fmt, 1600, 50_000_000)?;
        let t_dec = t.elapsed();
        let (w, h) = resize::fit(d.source_width, d.source_height, 1600);
        let (dw, dh) = match &d.pixels {
            decode::Pixels::Interleaved(p) => (p.width as usize, p.height as usize),
            decode::Pixels::YCbCrPlanes(p) => p.first().map_or((0, 0), |y| (y.width, y.height)),
        };
        let r = resize::resize_decoded(d, w, h)?;
        let t_res = t.elapsed();
        let o = hoctap_evidence::orient::apply(r, meta.orientation);
        let jpeg = encode::encode_jpeg(&o, 80)?;
        let t_enc = t.elapsed();
        let (tw, th) = resize::fit(o.width, o.height, 320);
        let thumb = resize::resize_ref(&o, tw, th)?;
        let tj = encode::encode_jpeg(&thumb, 75)?;
        let t_thumb = t.elapsed();
        let ph = phash::phash(&thumb)?;
        let t_ph = t.elapsed();
        let _ = (store::sha256_hex(&jpeg), store::sha256_hex(&bytes));
        let t_sha = t.elapsed();
        if round > 0 {
            println!(
                "exif {:?} decode({dw}x{dh}) {:?} resize {:?} orient+encode {:?} thumb {:?} phash {:?} sha {:?} total {:?}  [{} B, thumb {} B, {ph:016x}]",
                t_exif,
                t_dec - t_exif,
                t_res - t_dec,
                t_enc - t_res,
                t_thumb - t_enc,
                t_ph - t_thumb,
                t_sha - t_ph,
                t_sha,
                jpeg.len(),
                tj.len()
            );
        }
    }
    Ok(())
}
