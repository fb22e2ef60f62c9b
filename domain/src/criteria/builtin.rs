//! Criteria sets shipped inside the core, compiled in from the repository's `criteria/*.toml`.
//!
//! They are parsed and hashed once, lazily, on first use. A shipped file that fails validation is logged
//! and left out instead of panicking; the unit test below guarantees that every shipped file
//! parses cleanly, so this never happens in a release.

use super::load::parse_set;
use super::LoadedSet;
use std::sync::{Arc, OnceLock};

/// File name and content of every shipped set, in display order.
pub const BUILTIN_FILES: &[(&str, &str)] = &[
    (
        "cdht-324.toml",
        include_str!("../../../criteria/cdht-324.toml"),
    ),
    (
        "gdht-448-2015.toml",
        include_str!("../../../criteria/gdht-448-2015.toml"),
    ),
    (
        "template-gia-dinh.toml",
        include_str!("../../../criteria/template-gia-dinh.toml"),
    ),
    (
        "template-dong-ho.toml",
        include_str!("../../../criteria/template-dong-ho.toml"),
    ),
    (
        "template-cong-dong.toml",
        include_str!("../../../criteria/template-cong-dong.toml"),
    ),
    (
        "template-don-vi.toml",
        include_str!("../../../criteria/template-don-vi.toml"),
    ),
];

fn all() -> &'static [Arc<LoadedSet>] {
    static SETS: OnceLock<Vec<Arc<LoadedSet>>> = OnceLock::new();
    SETS.get_or_init(|| {
        BUILTIN_FILES
            .iter()
            .filter_map(|(file, src)| match parse_set(src, file) {
                Ok(set) => Some(LoadedSet::new(set)),
                Err(report) => {
                    tracing::error!(%file, %report, "built-in criteria set is invalid");
                    None
                }
            })
            .collect()
    })
}

/// Every shipped set, in display order.
pub fn builtin_sets() -> Vec<Arc<LoadedSet>> {
    all().to_vec()
}

/// The shipped set with this id.
pub fn builtin_set(id: &str) -> Option<Arc<LoadedSet>> {
    all().iter().find(|s| s.id == id).cloned()
}

/// The shipped set with this content hash.
pub fn builtin_by_sha256(sha256: &str) -> Option<Arc<LoadedSet>> {
    all().iter().find(|s| s.sha256() == sha256).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_parses_cleanly() {
        for (file, src) in BUILTIN_FILES {
            if let Err(report) = parse_set(src, file) {
                panic!("{file} is invalid:\n{report}");
            }
        }
        assert_eq!(builtin_sets().len(), BUILTIN_FILES.len());
    }

    #[test]
    fn lookup_by_id() {
        let Some(set) = builtin_set("cdht-324") else {
            panic!("cdht-324 is shipped")
        };
        assert_eq!(set.indicators().count(), 10);
        assert!(builtin_set("nope").is_none());
        let ids: Vec<String> = builtin_sets().iter().map(|s| s.id.clone()).collect();
        assert_eq!(
            ids,
            [
                "cdht-324",
                "gdht-448-2015",
                "template-gia-dinh",
                "template-dong-ho",
                "template-cong-dong",
                "template-don-vi"
            ]
        );
    }
}
