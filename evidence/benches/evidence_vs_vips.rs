//! Benchmark: our evidence pipeline vs `vipsthumbnail` on a 12 MP phone JPEG → 1600 px, q80,
//! metadata stripped. Prints figures (never asserts timings):
//!
//! * median wall time of each as a child process, interleaved, on both cores and under
//!   `taskset -c 0` (single core), and the ratio ours/vips;
//! * peak RSS of each child (`/usr/bin/time -f %M`);
//! * output bytes;
//! * quality: PSNR and SSIM (luma) of both outputs against one high-quality reference
//!   downscale (full-size decode, Lanczos3 in f32).
//!
//! Run: `cargo bench -p hoctap-evidence --bench evidence_vs_vips` (needs `libvips-tools` and `time`
//! from Debian). `EVIDENCE_BENCH_ROUNDS` sets the rounds (default 15). The binary re-invokes
//! itself with `--child IN OUT` to run our pipeline in its own process, so its peak memory is
//! its own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use hoctap_evidence::seal::{self, PhotoKey, Role};
use hoctap_evidence::{ingest, ingest_with_key, process, IngestOptions, PhotoSource};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        #[allow(clippy::exit)]
        std::process::exit(child(&args[i + 1], &args[i + 2]));
    }
    if let Err(e) = run() {
        eprintln!("bench failed: {e}");
        std::process::exit(1);
    }
}

/// Our pipeline as a process: read, process (photo + thumbnail + hashes), write the photo.
fn child(input: &str, output: &str) -> i32 {
    let run = || -> Result<(), Box<dyn std::error::Error>> {
        let bytes = std::fs::read(input)?;
        let photo = process(&bytes, &IngestOptions::default())?;
        drop(bytes);
        std::fs::write(output, &photo.jpeg)?;
        Ok(())
    };
    match run() {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("{e}");
            2
        }
    }
}

struct Sample {
    secs: f64,
    cpu_secs: f64,
    max_rss_kb: u64,
}

/// Runs `cmd` under `/usr/bin/time -f %M` (optionally `taskset -c 0`) and returns wall time and
/// peak RSS of the measured program.
fn measure(program: &[&str], single_core: bool) -> Result<Sample, String> {
    let mut argv: Vec<&str> = vec!["/usr/bin/time", "-f", "MAXRSS=%M CPU=%U+%S"];
    if single_core {
        argv.extend(["taskset", "-c", "0"]);
    }
    argv.extend(program);
    let start = Instant::now();
    let out = Command::new(argv[0])
        .args(&argv[1..])
        .output()
        .map_err(|e| format!("{}: {e}", argv[0]))?;
    let secs = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!("{program:?} failed: {stderr}"));
    }
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("MAXRSS="))
        .ok_or_else(|| format!("no MAXRSS in {stderr}"))?;
    let (rss, cpu) = line
        .split_once(" CPU=")
        .ok_or_else(|| format!("bad time output {line}"))?;
    let max_rss_kb = rss.trim().parse().map_err(|_| format!("bad RSS {rss}"))?;
    let cpu_secs = cpu
        .trim()
        .split('+')
        .map(|v| v.parse::<f64>().unwrap_or(0.0))
        .sum();
    Ok(Sample {
        secs,
        cpu_secs,
        max_rss_kb,
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn run() -> Result<(), String> {
    let input = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata/photos/phones/phone-12mp-4032x3024.jpg");
    let input_s = input.to_string_lossy().into_owned();
    let rounds: usize = std::env::var("EVIDENCE_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15);
    let tmp = std::env::temp_dir().join(format!("evidence-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).map_err(|e| e.to_string())?;
    let ours_out = tmp.join("ours.jpg");
    let vips_out = tmp.join("vips.jpg");
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let exe_s = exe.to_string_lossy().into_owned();
    let ours_s = ours_out.to_string_lossy().into_owned();
    let vips_spec = format!("{}[Q=80,strip]", vips_out.display());
    let ours_cmd = [exe_s.as_str(), "--child", input_s.as_str(), ours_s.as_str()];
    let vips_cmd = [
        "vipsthumbnail",
        input_s.as_str(),
        "--size",
        "1600x1600",
        "-o",
        vips_spec.as_str(),
    ];
    let version = Command::new("vipsthumbnail")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .map_err(|e| format!("vipsthumbnail not found (apt-get install libvips-tools): {e}"))?;

    println!("input: {} ({} bytes)", input.display(), file_len(&input));
    println!("vips: {version}; rounds: {rounds} (interleaved, after 1 warm-up each)");
    for single_core in [false, true] {
        measure(&ours_cmd, single_core)?;
        measure(&vips_cmd, single_core)?;
        let (mut ot, mut vt, mut om, mut vm) = (vec![], vec![], vec![], vec![]);
        let (mut oc, mut vc) = (vec![], vec![]);
        for _ in 0..rounds {
            let o = measure(&ours_cmd, single_core)?;
            let v = measure(&vips_cmd, single_core)?;
            ot.push(o.secs);
            oc.push(o.cpu_secs);
            vc.push(v.cpu_secs);
            vt.push(v.secs);
            om.push(o.max_rss_kb as f64);
            vm.push(v.max_rss_kb as f64);
        }
        let label = if single_core {
            "single core (taskset -c 0)"
        } else {
            "2 cores"
        };
        let (o, v) = (median(ot), median(vt));
        println!("\n== {label} ==");
        println!(
            "time   ours {:7.1} ms   vips {:7.1} ms   ratio ours/vips {:.2}×",
            o * 1e3,
            v * 1e3,
            o / v
        );
        let (o, v) = (median(oc), median(vc));
        println!(
            "cpu    ours {:7.1} ms   vips {:7.1} ms   ratio ours/vips {:.2}×   (user+sys, 10 ms ticks)",
            o * 1e3,
            v * 1e3,
            o / v
        );
        let (omx, vmx) = (
            om.iter().copied().fold(0.0, f64::max),
            vm.iter().copied().fold(0.0, f64::max),
        );
        println!(
            "peak   ours {:7.1} MB   vips {:7.1} MB   (max RSS over rounds; ratio {:.2}×)",
            omx / 1024.0,
            vmx / 1024.0,
            omx / vmx
        );
    }

    // In-process time of `process` alone (no process start-up, no file I/O).
    let bytes = std::fs::read(&input).map_err(|e| e.to_string())?;
    let mut inproc = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        process(&bytes, &IngestOptions::default()).map_err(|e| e.to_string())?;
        inproc.push(t.elapsed().as_secs_f64());
    }
    println!(
        "\nin-process `process()` median {:.1} ms (photo + thumbnail + pHash + 2×SHA-256)",
        median(inproc) * 1e3
    );
    seal_overhead(&bytes, rounds)?;

    // Quality against a reference: full-size decode, Lanczos3 in f32, compared on luma.
    let ours = decode_rgb(&std::fs::read(&ours_out).map_err(|e| e.to_string())?)?;
    let vips = decode_rgb(&std::fs::read(&vips_out).map_err(|e| e.to_string())?)?;
    let full = decode_rgb(&bytes)?;
    let reference = reference_downscale(&full, ours.0, ours.1)?;
    println!(
        "\noutput ours {}×{} {} bytes   vips {}×{} {} bytes",
        ours.0,
        ours.1,
        file_len(&ours_out),
        vips.0,
        vips.1,
        file_len(&vips_out)
    );
    if (vips.0, vips.1) != (ours.0, ours.1) {
        return Err("output sizes differ; cannot compare quality".into());
    }
    let (ol, vl) = (luma(&ours.2), luma(&vips.2));
    let (w, h) = (ours.0 as usize, ours.1 as usize);
    // Two references, so neither pipeline's own decoder decides: jpeg-decoder + f32 Lanczos3
    // (fast_image_resize), and libjpeg-turbo + libvips' float Lanczos3 (`vips resize`).
    let vips_ref = vips_reference(&input, &tmp, ours.0, ours.1);
    let references = [
        ("jpeg-decoder + f32 Lanczos3", Ok(reference)),
        ("libjpeg-turbo + vips float Lanczos3", vips_ref),
    ];
    for (name, reference) in references {
        let reference = match reference {
            Ok(r) => r,
            Err(e) => {
                println!("quality vs {name}: skipped ({e})");
                continue;
            }
        };
        let rl = luma(&reference);
        let (po, pv) = (psnr(&rl, &ol), psnr(&rl, &vl));
        let (so, sv) = (ssim(&rl, &ol, w, h), ssim(&rl, &vl, w, h));
        println!(
            "quality vs {name} (luma)  ours PSNR {po:.2} dB SSIM {so:.4}   vips PSNR {pv:.2} dB SSIM {sv:.4}   {}",
            if po >= pv && so >= sv { "ours no worse" } else { "OURS WORSE" }
        );
    }
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(())
}

fn file_len(p: &PathBuf) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

fn decode_rgb(jpeg: &[u8]) -> Result<(u32, u32, Vec<u8>), String> {
    let mut d = jpeg_decoder::Decoder::new(jpeg);
    let px = d.decode().map_err(|e| e.to_string())?;
    let info = d.info().ok_or("no info")?;
    Ok((u32::from(info.width), u32::from(info.height), px))
}

fn reference_downscale(src: &(u32, u32, Vec<u8>), w: u32, h: u32) -> Result<Vec<u8>, String> {
    let f: Vec<u8> = src
        .2
        .iter()
        .flat_map(|&b| (f32::from(b)).to_ne_bytes())
        .collect();
    let view = ImageRef::new(src.0, src.1, &f, PixelType::F32x3).map_err(|e| e.to_string())?;
    let mut dst = Image::new(w, h, PixelType::F32x3);
    let opts = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new()
        .resize(&view, &mut dst, &opts)
        .map_err(|e| e.to_string())?;
    Ok(dst
        .buffer()
        .chunks_exact(4)
        .map(|c| {
            f32::from_ne_bytes([c[0], c[1], c[2], c[3]])
                .round()
                .clamp(0.0, 255.0) as u8
        })
        .collect())
}

/// Second reference: libvips decodes with libjpeg-turbo at full size and resizes in float
/// with Lanczos3; read back as raw f32 RGB and rounded like the first reference.
fn vips_reference(input: &Path, tmp: &Path, w: u32, h: u32) -> Result<Vec<u8>, String> {
    let run = |args: &[&str]| -> Result<(), String> {
        let out = Command::new("vips")
            .args(args)
            .output()
            .map_err(|e| format!("vips: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
        }
    };
    let (float, resized, raw) = (
        tmp.join("ref-f.v"),
        tmp.join("ref-r.v"),
        tmp.join("ref.raw"),
    );
    let s = |p: &Path| p.to_string_lossy().into_owned();
    let (iw, _) = {
        let bytes = std::fs::read(input).map_err(|e| e.to_string())?;
        let mut d = jpeg_decoder::Decoder::new(bytes.as_slice());
        d.read_info().map_err(|e| e.to_string())?;
        let i = d.info().ok_or("no info")?;
        (u32::from(i.width), u32::from(i.height))
    };
    let scale = format!("{}", f64::from(w) / f64::from(iw));
    run(&["cast", &s(input), &s(&float), "float"])?;
    run(&[
        "resize",
        &s(&float),
        &s(&resized),
        &scale,
        "--kernel",
        "lanczos3",
    ])?;
    run(&["rawsave", &s(&resized), &s(&raw)])?;
    let bytes = std::fs::read(&raw).map_err(|e| e.to_string())?;
    let px: Vec<u8> = bytes
        .chunks_exact(4)
        .map(|c| {
            f32::from_le_bytes([c[0], c[1], c[2], c[3]])
                .round()
                .clamp(0.0, 255.0) as u8
        })
        .collect();
    if px.len() != (w * h * 3) as usize {
        return Err(format!(
            "vips reference is {} samples, expected {w}×{h}×3",
            px.len()
        ));
    }
    Ok(px)
}

fn luma(rgb: &[u8]) -> Vec<f64> {
    rgb.chunks_exact(3)
        .map(|p| 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]))
        .collect()
}

fn psnr(a: &[f64], b: &[f64]) -> f64 {
    let mse = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f64>() / a.len() as f64;
    10.0 * (255.0 * 255.0 / mse).log10()
}

/// Mean SSIM over 8×8 windows with stride 4 (Wang et al. constants).
fn ssim(a: &[f64], b: &[f64], w: usize, h: usize) -> f64 {
    let (c1, c2) = ((0.01f64 * 255.0).powi(2), (0.03f64 * 255.0).powi(2));
    let (mut total, mut n) = (0.0, 0usize);
    for y in (0..h.saturating_sub(8)).step_by(4) {
        for x in (0..w.saturating_sub(8)).step_by(4) {
            let (mut sa, mut sb, mut saa, mut sbb, mut sab) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for j in 0..8 {
                for i in 0..8 {
                    let (p, q) = (a[(y + j) * w + x + i], b[(y + j) * w + x + i]);
                    sa += p;
                    sb += q;
                    saa += p * p;
                    sbb += q * q;
                    sab += p * q;
                }
            }
            let k = 64.0;
            let (ma, mb) = (sa / k, sb / k);
            let (va, vb, cov) = (saa / k - ma * ma, sbb / k - mb * mb, sab / k - ma * mb);
            total += ((2.0 * ma * mb + c1) * (2.0 * cov + c2))
                / ((ma * ma + mb * mb + c1) * (va + vb + c2));
            n += 1;
        }
    }
    total / n as f64
}

/// Encryption at rest of photo files: `ingest` clear and sealed (XChaCha20-Poly1305) into fresh
/// folders, alternating, and sealing / opening the stored photo alone.
fn seal_overhead(bytes: &[u8], rounds: usize) -> Result<(), String> {
    let key = PhotoKey::from_bytes([0x42; seal::KEY_LEN]);
    let options = IngestOptions {
        disk_reserve: 0,
        ..IngestOptions::default()
    };
    let tmp = std::env::temp_dir().join(format!("hoctap-seal-bench-{}", std::process::id()));
    let (mut clear, mut sealed) = (Vec::new(), Vec::new());
    for i in 0..rounds.max(3) {
        for (keyed, out) in [(false, &mut clear), (true, &mut sealed)] {
            let dir = tmp.join(format!("{i}-{keyed}"));
            let t = Instant::now();
            let stored = if keyed {
                ingest_with_key(PhotoSource::Bytes(bytes), &options, &dir, &key)
            } else {
                ingest(PhotoSource::Bytes(bytes), &options, &dir)
            };
            stored.map_err(|e| e.to_string())?;
            out.push(t.elapsed().as_secs_f64());
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    let jpeg = process(bytes, &options).map_err(|e| e.to_string())?.jpeg;
    let sha = hoctap_evidence::store::sha256_hex(&jpeg);
    let reps = 50;
    let (mut s, mut o) = (Vec::new(), Vec::new());
    for _ in 0..reps {
        let t = Instant::now();
        let file = seal::seal(&key, Role::Photo, &sha, &jpeg).map_err(|e| e.to_string())?;
        s.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let back = seal::open(&key, Role::Photo, &sha, &file).map_err(|e| e.to_string())?;
        o.push(t.elapsed().as_secs_f64());
        if back != jpeg {
            return Err("sealed photo did not open to the same JPEG".into());
        }
    }
    let (c, e) = (median(clear), median(sealed));
    println!(
        "\nphoto encryption at rest (XChaCha20-Poly1305, same run): ingest clear {:.1} ms, sealed {:.1} ms ({:+.1} %); \
         seal {:.2} ms / open {:.2} ms of the {} KB stored photo; +{} bytes per file",
        c * 1e3,
        e * 1e3,
        (e / c - 1.0) * 100.0,
        median(s) * 1e3,
        median(o) * 1e3,
        jpeg.len() / 1024,
        seal::OVERHEAD
    );
    Ok(())
}
