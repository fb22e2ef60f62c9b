//! What a person types to name a subject — a household's id or roster code (`H004`), a clan's
//! or unit's id or name, a hamlet's id or name, a member's id — resolved to the stored subject.

use crate::{clans, households, org_units, units, Db, Result, Store};
use hoctap_domain::model::{Subject, SubjectKind};

/// The subject of `kind` that `key` names; `NotFound` or `AmbiguousCode` otherwise.
pub fn resolve(db: &Db<'_>, kind: SubjectKind, key: &str) -> Result<Subject> {
    let id = match kind {
        SubjectKind::Household => households::resolve_household(db, key)?.id,
        SubjectKind::Clan => clans::resolve(db, key)?.id,
        SubjectKind::Unit => org_units::resolve(db, key)?.id,
        SubjectKind::Hamlet => units::resolve_hamlet(db, key)?.id,
        // Members have no code of their own: the id is what identifies them.
        SubjectKind::Member => key.trim().to_string(),
    };
    Ok(Subject { kind, id })
}

impl Store {
    /// The subject of `kind` that `key` (an id, a household code or a name) names.
    pub fn resolve_subject(&self, kind: SubjectKind, key: &str) -> Result<Subject> {
        self.read(|db| resolve(db, kind, key))
    }
}
