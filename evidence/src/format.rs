//! Format sniffing by magic bytes (never by file name).
//!
//! HEIC/HEIF/AVIF are recognised by the brands of their ISO-BMFF `ftyp` box so that the user
//! gets a precise hint (convert to JPEG / set the camera to "Most compatible").

/// Formats the sniffer can tell apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JPEG / JFIF / EXIF JPEG.
    Jpeg,
    /// PNG.
    Png,
    /// Recognised but not supported; the name is user-facing.
    Unsupported(&'static str),
}

/// Detects the format of `bytes` from its first bytes.
pub fn sniff(bytes: &[u8]) -> Format {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Format::Jpeg;
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Format::Png;
    }
    if let Some(name) = iso_bmff_brand(bytes) {
        return Format::Unsupported(name);
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Format::Unsupported("GIF");
    }
    if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Format::Unsupported("WebP");
    }
    if bytes.starts_with(b"BM") && bytes.len() > 26 {
        return Format::Unsupported("BMP");
    }
    if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        return Format::Unsupported("TIFF");
    }
    if bytes.starts_with(b"%PDF") {
        return Format::Unsupported("PDF");
    }
    Format::Unsupported("không rõ")
}

/// Reads the `ftyp` box (major brand and compatible brands) and names HEIF-family content.
fn iso_bmff_brand(bytes: &[u8]) -> Option<&'static str> {
    if bytes.len() < 16 || &bytes[4..8] != b"ftyp" {
        return None;
    }
    let box_len = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    let end = box_len.clamp(16, 4096).min(bytes.len());
    // major brand at 8..12, minor version 12..16, compatible brands from 16 on.
    let brands = std::iter::once(&bytes[8..12]).chain(bytes[16..end].chunks_exact(4));
    let mut found = None;
    for brand in brands {
        match brand {
            b"avif" | b"avis" => return Some("AVIF"),
            b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" => found = Some("HEIC"),
            b"mif1" | b"msf1" => {
                found.get_or_insert("HEIF");
            }
            _ => {}
        }
    }
    Some(found.unwrap_or("ISO-BMFF (MP4/MOV)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_heic_by_brand() {
        let mut b = Vec::new();
        b.extend_from_slice(&24u32.to_be_bytes());
        b.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
        assert_eq!(sniff(&b), Format::Unsupported("HEIC"));
        let mut b = Vec::new();
        b.extend_from_slice(&24u32.to_be_bytes());
        b.extend_from_slice(b"ftypmif1\0\0\0\0mif1avif");
        assert_eq!(sniff(&b), Format::Unsupported("AVIF"));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0"), Format::Jpeg);
        assert_eq!(sniff(b"hello"), Format::Unsupported("không rõ"));
    }
}
