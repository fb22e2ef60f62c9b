//! Criteria sets shipped inside the core, compiled in from the repository's `criteria/*.toml`.
//!
//! They are parsed and hashed once, lazily, on first use. A shipped file that fails validation is logged
//! and left out instead of panicking; the unit test below guarantees that every shipped file
//! parses cleanly, so this never happens in a release.
//!
//! A shipped set is never edited in place: assessments are pinned to the content hash of the set
//! they were made with. A changed set ships as a new `version` in `criteria/<id>.toml`, and the
//! previous file moves to `criteria/archive/` ([`ARCHIVED_FILES`]), still compiled in: listings
//! and [`builtin_set`] give the newest version, [`builtin_by_sha256`] finds every version.

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

/// Earlier versions of shipped sets, kept (content unchanged) for the assessments pinned to
/// them. Never listed, never offered for a new assessment; found by [`builtin_by_sha256`].
pub const ARCHIVED_FILES: &[(&str, &str)] = &[
    (
        "archive/cdht-324.v1.toml",
        include_str!("../../../criteria/archive/cdht-324.v1.toml"),
    ),
    (
        "archive/template-don-vi.v1.toml",
        include_str!("../../../criteria/archive/template-don-vi.v1.toml"),
    ),
];

fn load(files: &[(&str, &str)]) -> Vec<Arc<LoadedSet>> {
    files
        .iter()
        .filter_map(|(file, src)| match parse_set(src, file) {
            Ok(set) => Some(LoadedSet::new(set)),
            Err(report) => {
                tracing::error!(%file, %report, "built-in criteria set is invalid");
                None
            }
        })
        .collect()
}

fn all() -> &'static [Arc<LoadedSet>] {
    static SETS: OnceLock<Vec<Arc<LoadedSet>>> = OnceLock::new();
    SETS.get_or_init(|| load(BUILTIN_FILES))
}

fn archived() -> &'static [Arc<LoadedSet>] {
    static SETS: OnceLock<Vec<Arc<LoadedSet>>> = OnceLock::new();
    SETS.get_or_init(|| load(ARCHIVED_FILES))
}

/// Every shipped set (newest version of each), in display order.
pub fn builtin_sets() -> Vec<Arc<LoadedSet>> {
    all().to_vec()
}

/// The newest shipped version of the set with this id.
pub fn builtin_set(id: &str) -> Option<Arc<LoadedSet>> {
    all().iter().find(|s| s.id == id).cloned()
}

/// The shipped set with this content hash: the current version or an archived one.
pub fn builtin_by_sha256(sha256: &str) -> Option<Arc<LoadedSet>> {
    all()
        .iter()
        .chain(archived())
        .find(|s| s.sha256() == sha256)
        .cloned()
}

/// Every shipped version of the set with this id, newest first (archived ones included).
pub fn builtin_versions(id: &str) -> Vec<Arc<LoadedSet>> {
    let mut v: Vec<Arc<LoadedSet>> = all()
        .iter()
        .chain(archived())
        .filter(|s| s.id == id)
        .cloned()
        .collect();
    v.sort_by_key(|s| std::cmp::Reverse(s.version));
    v
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
        for (file, src) in ARCHIVED_FILES {
            if let Err(report) = parse_set(src, file) {
                panic!("{file} is invalid:\n{report}");
            }
        }
        assert_eq!(archived().len(), ARCHIVED_FILES.len());
    }

    #[test]
    fn archived_versions_are_older_than_the_shipped_one() {
        for set in archived() {
            let Some(newest) = builtin_set(&set.id) else {
                panic!("{} is archived but no longer shipped", set.id)
            };
            assert!(set.version < newest.version, "{} v{}", set.id, set.version);
            assert_ne!(set.sha256(), newest.sha256());
            assert_eq!(
                builtin_by_sha256(set.sha256()).map(|s| s.version),
                Some(set.version)
            );
        }
        let versions: Vec<u32> = builtin_versions("cdht-324")
            .iter()
            .map(|s| s.version)
            .collect();
        assert_eq!(versions, [2, 1]);
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
