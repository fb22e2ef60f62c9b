//! The official list of provinces and communes in force since 1 July 2025 (34 provinces,
//! 3,321 communes), embedded from `data/units.csv` (source: `data/SOURCE.md`).

/// One commune with its province.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commune {
    pub province_code: &'static str,
    pub province_name: &'static str,
    pub code: &'static str,
    pub name: &'static str,
    /// `xa`, `phuong` or `dac_khu`.
    pub kind: &'static str,
}

use std::collections::HashMap;
use std::sync::LazyLock;

const UNITS_CSV: &str = include_str!("../data/units.csv");

/// The embedded list, parsed once. Rows that do not have five fields are skipped (the file is
/// checked by a test).
static ALL: LazyLock<Vec<Commune>> = LazyLock::new(|| {
    UNITS_CSV
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut f = line.split(',');
            Some(Commune {
                province_code: f.next()?,
                province_name: f.next()?,
                code: f.next()?,
                name: f.next()?,
                kind: f.next()?,
            })
        })
        .collect()
});

/// Commune codes are unique nationwide: each one's place in [`ALL`] (a page or an export line
/// names communes by code, a million times for a province's export).
static BY_CODE: LazyLock<HashMap<&'static str, usize>> =
    LazyLock::new(|| ALL.iter().enumerate().map(|(i, c)| (c.code, i)).collect());

/// Every commune, by province then commune code.
pub fn communes() -> impl Iterator<Item = Commune> {
    ALL.iter().cloned()
}

/// The commune with this (official, five-digit) code, in whichever province.
pub fn commune_by_code(code: &str) -> Option<&'static Commune> {
    BY_CODE.get(code).and_then(|&i| ALL.get(i))
}

/// Every province (code, name).
pub fn provinces() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for c in communes() {
        if out.last().map(|(code, _)| *code) != Some(c.province_code) {
            out.push((c.province_code, c.province_name));
        }
    }
    out
}

/// A code as typed (`1`, `01`, `4792`) padded to the official width.
pub fn pad(code: &str, width: usize) -> String {
    let code = code.trim();
    if code.bytes().all(|b| b.is_ascii_digit()) && code.len() < width {
        format!("{code:0>width$}")
    } else {
        code.to_string()
    }
}

/// The province with this code.
pub fn province(code: &str) -> Option<(&'static str, &'static str)> {
    let code = pad(code, 2);
    provinces().into_iter().find(|(c, _)| *c == code)
}

/// The commune with this code in this province.
pub fn commune(province_code: &str, code: &str) -> Option<Commune> {
    let (p, c) = (pad(province_code, 2), pad(code, 5));
    commune_by_code(&c)
        .filter(|x| x.province_code == p)
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_counts() {
        assert_eq!(provinces().len(), 34);
        assert_eq!(communes().count(), 3321);
        // Codes are unique nationwide: the lookup by code finds every commune.
        assert_eq!(BY_CODE.len(), ALL.len());
        assert!(communes().all(|c| commune_by_code(c.code) == Some(&c)));
        assert_eq!(UNITS_CSV.lines().count(), 3322);
        assert_eq!(province("25").map(|p| p.1), Some("Phú Thọ"));
        assert_eq!(province("1").map(|p| p.0), Some("01"));
        let Some(c) = commune("25", "7900") else {
            panic!("Việt Trì")
        };
        assert_eq!(c.name, "Phường Việt Trì");
        assert!(commune("01", "07900").is_none());
    }
}
