//! Roster editing, clans, units and the set-aside queue, for the phone shells: edit or remove
//! (soft) a household or a member, move a household, add and list clans (dòng họ) and units
//! (đơn vị), and retry or keep as a draft an assessment the server set aside. The rules (what
//! may be removed, duplicates, names) are the store's; this module only maps records.

use crate::error::Result;
use crate::types::{
    AssessmentView, ClanView, CommentView, HouseholdChangeInput, HouseholdRow, MemberChangeInput,
    MemberView, OrgUnitKind, UnitInput, UnitView,
};
use crate::view;
use crate::HoctapApp;
use hoctap_domain::protocol::UnitKind;
use hoctap_domain::time::Clock;
use hoctap_store::households::{HouseholdChange, MemberChange};
use hoctap_store::org_units::NewUnit;
use hoctap_store::SystemClock;

fn clan_view(c: hoctap_store::clans::Clan) -> ClanView {
    ClanView {
        id: c.id,
        name: c.name,
        household_ids: c.household_ids,
        hamlets: c.hamlets,
    }
}

fn unit_view(u: hoctap_store::org_units::Unit) -> UnitView {
    UnitView {
        id: u.id,
        name: u.name,
        kind: u.kind.into(),
        kind_label: hoctap_domain::labels::unit_kind(u.kind).to_string(),
        hamlet_id: u.hamlet_id,
        hamlet: u.hamlet,
        commune_code: u.commune_code,
    }
}

/// Removed count as a number the shells need no unsigned type for.
fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[uniffi::export]
impl HoctapApp {
    // ---- roster editing ---------------------------------------------------------------------

    /// Change a household's head, address, phone or code (only the fields given). Possible
    /// duplicates are returned by [`HoctapApp::similar_households`].
    pub fn edit_household(
        &self,
        household_id: String,
        change: HouseholdChangeInput,
    ) -> Result<HouseholdRow> {
        let dev = self.lock();
        let r = dev.store().edit_household(
            &household_id,
            &HouseholdChange {
                head: change.head,
                address: change.address.map(Some),
                phone: change.phone.map(Some),
                roster_code: change.roster_code.map(Some),
            },
        )?;
        Ok(view::household_row(r, Default::default()))
    }

    /// Move a household to another hamlet of the device.
    pub fn move_household(&self, household_id: String, hamlet_id: String) -> Result<HouseholdRow> {
        let dev = self.lock();
        let r = dev.store().move_household(&household_id, &hamlet_id)?;
        Ok(view::household_row(r, Default::default()))
    }

    /// Remove a household (soft: kept with its history, can be restored). Refused while a
    /// finalized assessment depends on it; its drafts are discarded. Returns how many drafts.
    pub fn remove_household(&self, household_id: String) -> Result<i64> {
        let dev = self.lock();
        Ok(count(
            dev.store()
                .remove_household(&household_id)?
                .drafts_discarded,
        ))
    }

    /// Undo a removal.
    pub fn restore_household(&self, household_id: String) -> Result<HouseholdRow> {
        let dev = self.lock();
        let r = dev.store().restore_household(&household_id)?;
        Ok(view::household_row(r, Default::default()))
    }

    /// Households that look like the same family as `head` in `hamlet_id` (same folded name):
    /// shown as a warning before adding, never a refusal.
    pub fn similar_households(&self, hamlet_id: String, head: String) -> Result<Vec<HouseholdRow>> {
        let dev = self.lock();
        Ok(dev
            .store()
            .similar_households(&hamlet_id, &head, None)?
            .into_iter()
            .map(|r| view::household_row(r, Default::default()))
            .collect())
    }

    /// Change a member (only the fields given).
    pub fn edit_member(&self, member_id: String, change: MemberChangeInput) -> Result<MemberView> {
        let dev = self.lock();
        let m = dev.store().edit_member(
            &member_id,
            &MemberChange {
                name: change.name,
                birth_year: change.birth_year.map(Some),
                sex: change.sex.map(|s| Some(s.into())),
                relation: change.relation.map(Some),
                schooling: change.schooling.map(|s| Some(s.into())),
                literate: change.literate.map(Some),
                cdht: change.cdht.map(Some),
                cdht_group: None,
                unable_to_learn: change.unable_to_learn,
            },
        )?;
        Ok(view::member_view(&m, SystemClock.current_year()))
    }

    /// Remove a member (soft, restorable); refused while a finalized assessment depends on it.
    pub fn remove_member(&self, member_id: String) -> Result<i64> {
        let dev = self.lock();
        Ok(count(
            dev.store().remove_member(&member_id)?.drafts_discarded,
        ))
    }

    // ---- clans and units --------------------------------------------------------------------

    /// Add a clan linking households (possibly of several hamlets). Returns it.
    pub fn add_clan(&self, name: String, household_ids: Vec<String>) -> Result<ClanView> {
        let dev = self.lock();
        let store = dev.store();
        let id = store.add_clan(&name, &household_ids)?;
        Ok(clan_view(store.clan(&id)?))
    }

    /// Change a clan's name and/or its households (the whole list, when given).
    pub fn edit_clan(
        &self,
        clan_id: String,
        name: Option<String>,
        household_ids: Option<Vec<String>>,
    ) -> Result<ClanView> {
        let dev = self.lock();
        Ok(clan_view(dev.store().edit_clan(
            &clan_id,
            name.as_deref(),
            household_ids.as_deref(),
        )?))
    }

    /// Clans on the device, in Vietnamese order.
    pub fn clans(&self) -> Result<Vec<ClanView>> {
        let dev = self.lock();
        Ok(dev.store().clans()?.into_iter().map(clan_view).collect())
    }

    /// Add a unit (school, office, enterprise…) of a hamlet, or of the commune when
    /// `hamlet_id` is absent.
    pub fn add_unit(&self, input: UnitInput) -> Result<UnitView> {
        let dev = self.lock();
        let u = dev.store().add_unit(&NewUnit {
            name: input.name,
            kind: input.kind.into(),
            hamlet_id: input.hamlet_id,
            commune_code: input.commune_code,
        })?;
        Ok(unit_view(u))
    }

    /// Units on the device, in Vietnamese order.
    pub fn units(&self) -> Result<Vec<UnitView>> {
        let dev = self.lock();
        Ok(dev.store().units()?.into_iter().map(unit_view).collect())
    }

    // ---- the set-aside queue ----------------------------------------------------------------

    /// Put every set-aside (wedged) assessment back in the queue; how many.
    pub fn retry_all_wedged(&self) -> Result<i64> {
        let dev = self.lock();
        Ok(count(dev.store().retry_all_wedged()?))
    }

    /// Keep a set-aside or returned assessment as a local draft to fix: a correction of it;
    /// the original is superseded ("Đã sửa") and never sent again.
    pub fn keep_as_draft(&self, assessment_id: String) -> Result<AssessmentView> {
        let dev = self.lock();
        let info = dev.store().keep_as_draft(&assessment_id)?;
        view::assessment_view(&dev, &info.id)
    }

    /// The reviewers' comments on an assessment's whole revision line, oldest first (a second
    /// return never replaces the first).
    pub fn comments(&self, assessment_id: String) -> Result<Vec<CommentView>> {
        let dev = self.lock();
        Ok(dev
            .store()
            .comments(&assessment_id)?
            .into_iter()
            .map(|c| CommentView {
                id: c.id,
                assessment_id: c.assessment_id,
                author: c.author,
                body: c.body,
                at: c.at,
            })
            .collect())
    }
}

impl From<OrgUnitKind> for UnitKind {
    fn from(k: OrgUnitKind) -> Self {
        match k {
            OrgUnitKind::School => UnitKind::School,
            OrgUnitKind::Office => UnitKind::Office,
            OrgUnitKind::Enterprise => UnitKind::Enterprise,
            OrgUnitKind::Other => UnitKind::Other,
        }
    }
}

impl From<UnitKind> for OrgUnitKind {
    fn from(k: UnitKind) -> Self {
        match k {
            UnitKind::School => OrgUnitKind::School,
            UnitKind::Office => OrgUnitKind::Office,
            UnitKind::Enterprise => OrgUnitKind::Enterprise,
            UnitKind::Other => OrgUnitKind::Other,
        }
    }
}
