//! Batch intake: each manifest entry is checked (hash, canonical form, scope, evidence), compared
//! with what the server holds (created / duplicate / conflict), re-scored and stored, all inside
//! the batch's one transaction.
//!
//! A batch runs in three steps. [`check`] does the checks that need no database, for every
//! entry. [`BatchCache::prefetch`] then looks up, in one query per kind for the whole batch,
//! what the entries name: held assessments (and the parents and corrections they name),
//! complete blobs, households and members (with their hamlets and aliases), clans, units.
//! [`process_entry`] decides each entry in order from those answers and queues what it stores;
//! the cache records the queued writes as if done, so a later entry sees exactly what it would
//! have seen had every earlier entry been stored at once. Finally
//! [`BatchCache::write_assessments`] and [`BatchCache::write_roster`] store the queue:
//! assessments and their evidence with multi-row `INSERT`s, then the households, clans, units
//! and aliases, which take change numbers, last, so the change counter stays locked only for the
//! end of the transaction.
//!
//! Subjects. A household or member is found on the roster, or in the household the entry sends
//! (a device-created one). A sent household whose id the server does not know but whose hamlet
//! already holds a household with the same roster code, or (without a code) the same head
//! ignoring case and diacritics, is not created again: its id becomes an alias of the held one
//! (members matched by name likewise; members the held one lacks are added, none removed), and
//! its assessments are stored against the held household. A roster household (not made by a
//! device) sent back by a device only ever gains members. A clan is assessed only by a device
//! whose hamlets cover every held household of the clan; a unit by the devices of its hamlet,
//! a commune-level unit by devices covering every hamlet (`db::clans`). A clan or unit the
//! device created comes with the entry and is stored (never removing what the server holds).
//!
//! Corrections. A content's `parent_id` links the correction to its parent (same subject and
//! model), which then reads as corrected; a parent has at most one correction. A parent the
//! server never received is no obstacle: the correction is taken as a first revision, and the
//! answer says so.
//!
//! The cache also keeps what would otherwise be repeated per entry: the criteria set an
//! assessment names is looked up, parsed and hashed once per batch, and a sent household that
//! an earlier entry of the same batch already resolved with identical content is neither looked
//! up nor stored again (every member of a household usually arrives in the same batch, each
//! entry carrying the household). Results are the same as without the cache.

use crate::db::aliases::{self, HeldHousehold};
use crate::db::assessments::{self, Existing, NewAssessment, Parent};
use crate::db::clans::{self, ClanWrite, HeldClan, HeldUnit, UnitWrite};
use crate::db::devices::DeviceAuth;
use crate::db::roster;
use crate::db::roster_changes::{self, ChangeKind, ChangeState, NewChange};
use crate::rescore;
use hoctap_domain::assessment::{sha256_hex, CanonicalAssessment};
use hoctap_domain::criteria::LoadedSet;
use hoctap_domain::model::SubjectKind;
use hoctap_domain::protocol::{
    is_sha256_hex, ClanRecord, EntryResult, EntryStatus, ErrorCode, HouseholdRecord, ManifestEntry,
    MemberRecord, ServerScore, UnitRecord, MAX_EVIDENCE,
};
use hoctap_domain::text;
use sqlx::AnyConnection;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// An entry that passed the checks needing no database.
pub struct Checked {
    content: CanonicalAssessment,
    /// Every blob the entry names (its evidence list and the content's).
    blobs: BTreeSet<String>,
}

/// What one batch has looked up, and what it will store (see the module docs). Valid only
/// inside the batch's transaction.
#[derive(Default)]
pub struct BatchCache {
    /// The device the batch comes from.
    device_id: String,
    /// `device:<id>`: the origin of what it creates.
    origin: String,
    /// Criteria set by (id, SHA-256) named in contents: `None` when the server has no such set.
    sets: HashMap<(String, String), Option<Arc<LoadedSet>>>,
    /// Hamlet id → exists.
    hamlets: HashMap<String, bool>,
    /// Every hamlet id of the device's commune, once asked.
    all_hamlets: Option<Vec<String>>,
    /// The device's commune (where its hamlets are), once asked.
    commune: Option<Option<String>>,
    /// Assessment id → what is held (or queued), `None` when nothing.
    assessments: HashMap<String, Option<Existing>>,
    /// Assessment id → subject and model, when held (or queued), as a parent.
    parents: HashMap<String, Option<Parent>>,
    /// Parent id → its correction, when held (or queued).
    corrections: HashMap<String, Option<String>>,
    /// Blob name → held complete by the device (a device never learns of another's photos).
    blobs: HashMap<String, bool>,
    /// Household id → where it is and who made it, `None` when unknown.
    households: HashMap<String, Option<HeldHousehold>>,
    /// Household alias → the held household it resolves to, `None` when not an alias.
    household_aliases: HashMap<String, Option<String>>,
    /// Member id → its household, `None` when unknown.
    members: HashMap<String, Option<String>>,
    /// Member alias → the held member it resolves to, `None` when not an alias.
    member_aliases: HashMap<String, Option<String>>,
    /// Held households with their members (removed ones too), as last read or queued (merges
    /// start from these).
    records: HashMap<String, HouseholdRecord>,
    /// Members marked removed, among the households read.
    removed_members: HashSet<String>,
    /// Hamlet id → its households not made by this device (duplicate detection).
    hamlet_households: HashMap<String, HamletIndex>,
    /// Clan id → held (or queued), `None` when unknown.
    clans: HashMap<String, Option<HeldClan>>,
    /// Unit id → held (or queued), `None` when unknown.
    units: HashMap<String, Option<HeldUnit>>,
    /// Sent households this batch resolved, exactly as sent, with the household they are.
    resolved: HashMap<String, (HouseholdRecord, String)>,
    /// New households to insert, in order.
    pending_new: Vec<HouseholdRecord>,
    /// Members to add to held households: household id → (position, member).
    pending_added: Vec<(String, Vec<(usize, MemberRecord)>)>,
    /// Roster changes to record (proposals, and members added).
    pending_changes: Vec<NewChange>,
    /// Corrections whose claim on a parent proved false once the parent arrived: their link is
    /// cut (the parent stays current).
    pending_unlinks: Vec<String>,
    /// Aliases to record: (alias, target).
    pending_household_aliases: Vec<(String, String)>,
    pending_member_aliases: Vec<(String, String)>,
    pending_clans: Vec<ClanWrite>,
    pending_units: Vec<UnitWrite>,
    /// Assessments to store, in order.
    pending_assessments: Vec<NewAssessment>,
}

/// What the answer says when a sent household or member differs from what the server holds.
const PROPOSED: &str = "Thông tin hộ hoặc thành viên gửi kèm khác với máy chủ: đã ghi thành đề xuất để cán bộ xã xem xét; dữ liệu trên máy chủ chưa thay đổi.";

/// The households of a hamlet that a device-created household may duplicate: by roster code
/// (any household, those this batch queued included), and by folded head (households this
/// device did not make).
#[derive(Debug, Default)]
struct HamletIndex {
    by_code: HashMap<String, String>,
    by_head: HashMap<String, Vec<String>>,
}

/// How a sent household meets the held one it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Merge {
    /// Sent under the held household's own id: a copy of it, whose differences are proposals.
    Own,
    /// The device's own id for a held household (an alias, or a duplicate found now): a copy made
    /// before the device had the roster; it only adds the members the held one lacks.
    Alias,
}

/// What storing an entry's sent household does, decided before the entry is (and applied only
/// once it is created). Nothing held is ever overwritten or removed: see `db::roster_changes`.
#[derive(Debug, Clone)]
struct HouseholdPlan {
    /// The id the device sent.
    sent_id: String,
    /// The household it is: itself, or the held one it duplicates.
    target: String,
    hamlet: String,
    /// A new household to insert (the device's own, unknown to the server), with the members
    /// the server does not hold elsewhere.
    new: Option<HouseholdRecord>,
    /// A held household with the members it lacked added, and those members with their
    /// positions; `None` when no member is added.
    added: Option<(HouseholdRecord, Vec<(usize, MemberRecord)>)>,
    /// Roster changes to record: proposals for staff, and the members added.
    changes: Vec<NewChange>,
    /// Record `sent_id` as an alias of `target`.
    new_alias: bool,
    /// Member aliases to record: device's member id → held member id.
    member_aliases: HashMap<String, String>,
    /// What the answer tells the device.
    note: Option<String>,
    /// The sent record exactly (to skip it when an entry of the batch sends it again).
    sent: HouseholdRecord,
}

/// What a subject resolved to.
struct Resolved {
    /// The id the assessment is stored against (an alias resolved to the held one).
    subject_id: String,
    /// `None` for a clan and a commune-level unit.
    hamlet: Option<String>,
    clan: Option<ClanWrite>,
    unit: Option<UnitWrite>,
}

impl BatchCache {
    pub fn new(device_id: &str) -> BatchCache {
        BatchCache {
            device_id: device_id.to_string(),
            origin: format!("device:{device_id}"),
            ..BatchCache::default()
        }
    }

    /// Look up everything the checked entries name, one query per kind.
    pub async fn prefetch(
        &mut self,
        conn: &mut AnyConnection,
        entries: &[(&ManifestEntry, &Checked)],
    ) -> Result<(), sqlx::Error> {
        let ids: Vec<&str> = entries.iter().map(|(e, _)| e.id.as_str()).collect();
        let held = assessments::existing_many(conn, &ids).await?;
        // Corrections already stored that name an entry as their parent (it arrives late).
        let claims = assessments::corrections_of(conn, &ids).await?;
        for id in &ids {
            self.assessments
                .insert(id.to_string(), held.get(*id).cloned());
            self.corrections
                .insert(id.to_string(), claims.get(*id).cloned());
        }
        let claimants: Vec<&str> = claims.values().map(String::as_str).collect();
        self.fetch_parents(conn, &claimants).await?;
        let parent_ids: BTreeSet<&str> = entries
            .iter()
            .filter_map(|(_, c)| c.content.parent_id.as_deref())
            .collect();
        let parent_ids: Vec<&str> = parent_ids.into_iter().collect();
        self.fetch_parents(conn, &parent_ids).await?;
        let blobs: BTreeSet<&str> = entries
            .iter()
            .flat_map(|(_, c)| c.blobs.iter().map(String::as_str))
            .collect();
        let blobs: Vec<&str> = blobs.into_iter().collect();
        let complete = assessments::complete_blobs(conn, &self.device_id, &blobs).await?;
        for b in blobs {
            self.blobs.insert(b.to_string(), complete.contains(b));
        }
        let named = Named::of(entries);
        self.fetch_households(conn, &named.households).await?;
        self.fetch_members(conn, &named.members).await?;
        self.fetch_clans(conn, &named.clans).await?;
        self.fetch_units(conn, &named.units).await?;
        Ok(())
    }

    /// Look up held assessments as parents, and their corrections.
    async fn fetch_parents(
        &mut self,
        conn: &mut AnyConnection,
        ids: &[&str],
    ) -> Result<(), sqlx::Error> {
        let ids: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| !self.parents.contains_key(*id))
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        let found = assessments::parents(conn, &ids).await?;
        let corrections = assessments::corrections_of(conn, &ids).await?;
        for id in ids {
            self.parents.insert(id.to_string(), found.get(id).cloned());
            self.corrections
                .entry(id.to_string())
                .or_insert_with(|| corrections.get(id).cloned());
        }
        Ok(())
    }

    /// The correction held (or queued) that names `id` as its parent, with what it is about.
    async fn claimant(
        &mut self,
        conn: &mut AnyConnection,
        id: &str,
    ) -> Result<Option<(String, Parent)>, sqlx::Error> {
        if !self.corrections.contains_key(id) {
            let found = assessments::corrections_of(&mut *conn, &[id]).await?;
            self.corrections
                .insert(id.to_string(), found.get(id).cloned());
        }
        let Some(claimant) = self.corrections.get(id).cloned().flatten() else {
            return Ok(None);
        };
        self.fetch_parents(&mut *conn, &[claimant.as_str()]).await?;
        Ok(self
            .parents
            .get(&claimant)
            .cloned()
            .flatten()
            .map(|p| (claimant, p)))
    }

    /// Look up households (held, or aliases and what they resolve to) not yet known.
    async fn fetch_households(
        &mut self,
        conn: &mut AnyConnection,
        ids: &[&str],
    ) -> Result<(), sqlx::Error> {
        let ids: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| !self.households.contains_key(*id))
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        let found = aliases::held_households(conn, &ids).await?;
        let unknown: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| !found.contains_key(*id) && !self.household_aliases.contains_key(*id))
            .collect();
        let aliased = aliases::household_aliases(conn, &unknown).await?;
        for id in &ids {
            self.households
                .insert((*id).to_string(), found.get(*id).cloned());
        }
        for id in unknown {
            self.household_aliases
                .insert(id.to_string(), aliased.get(id).cloned());
        }
        let targets: Vec<String> = aliased.into_values().collect();
        let targets: Vec<&str> = targets.iter().map(String::as_str).collect();
        Box::pin(self.fetch_households(conn, &targets)).await
    }

    /// Look up members (and their households, and member aliases) not yet known.
    async fn fetch_members(
        &mut self,
        conn: &mut AnyConnection,
        ids: &[&str],
    ) -> Result<(), sqlx::Error> {
        let ids: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| !self.members.contains_key(*id))
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        let found = roster::member_households(conn, &ids).await?;
        let unknown: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| !found.contains_key(*id) && !self.member_aliases.contains_key(*id))
            .collect();
        let aliased = aliases::member_aliases(conn, &unknown).await?;
        let mut households = Vec::new();
        for id in &ids {
            let household = found.get(*id).map(|(household, _)| household.clone());
            households.extend(household.clone());
            self.members.insert((*id).to_string(), household);
        }
        for id in unknown {
            self.member_aliases
                .insert(id.to_string(), aliased.get(id).cloned());
        }
        let households: Vec<&str> = households.iter().map(String::as_str).collect();
        self.fetch_households(conn, &households).await?;
        let targets: Vec<String> = aliased.into_values().collect();
        let targets: Vec<&str> = targets.iter().map(String::as_str).collect();
        Box::pin(self.fetch_members(conn, &targets)).await
    }

    async fn fetch_clans(
        &mut self,
        conn: &mut AnyConnection,
        ids: &[&str],
    ) -> Result<(), sqlx::Error> {
        let ids: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| !self.clans.contains_key(*id))
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        let found = clans::held_clans(conn, &ids).await?;
        let mut households = Vec::new();
        for id in ids {
            let clan = found.get(id).cloned();
            if let Some(c) = &clan {
                households.extend(c.households.iter().cloned());
            }
            self.clans.insert(id.to_string(), clan);
        }
        let households: Vec<&str> = households.iter().map(String::as_str).collect();
        self.fetch_households(conn, &households).await
    }

    async fn fetch_units(
        &mut self,
        conn: &mut AnyConnection,
        ids: &[&str],
    ) -> Result<(), sqlx::Error> {
        let ids: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| !self.units.contains_key(*id))
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        let found = clans::held_units(conn, &ids).await?;
        for id in ids {
            self.units.insert(id.to_string(), found.get(id).cloned());
        }
        Ok(())
    }

    /// A household the server holds (or this batch queued).
    async fn household(
        &mut self,
        conn: &mut AnyConnection,
        id: &str,
    ) -> Result<Option<HeldHousehold>, sqlx::Error> {
        self.fetch_households(conn, &[id]).await?;
        Ok(self.households.get(id).cloned().flatten())
    }

    /// The held household a household alias resolves to.
    async fn household_alias(
        &mut self,
        conn: &mut AnyConnection,
        id: &str,
    ) -> Result<Option<String>, sqlx::Error> {
        self.fetch_households(conn, &[id]).await?;
        Ok(self.household_aliases.get(id).cloned().flatten())
    }

    /// The household a member is in, if the server holds (or this batch queued) it.
    async fn member_household(
        &mut self,
        conn: &mut AnyConnection,
        id: &str,
    ) -> Result<Option<String>, sqlx::Error> {
        self.fetch_members(conn, &[id]).await?;
        Ok(self.members.get(id).cloned().flatten())
    }

    /// The held member a member alias resolves to.
    async fn member_alias(
        &mut self,
        conn: &mut AnyConnection,
        id: &str,
    ) -> Result<Option<String>, sqlx::Error> {
        self.fetch_members(conn, &[id]).await?;
        Ok(self.member_aliases.get(id).cloned().flatten())
    }

    /// The hamlet of a member's household, if known.
    async fn member_hamlet(
        &mut self,
        conn: &mut AnyConnection,
        id: &str,
    ) -> Result<Option<String>, sqlx::Error> {
        match self.member_household(conn, id).await? {
            Some(household) => Ok(self.household(conn, &household).await?.map(|h| h.hamlet)),
            None => Ok(None),
        }
    }

    /// A held household with its members (as queued, when this batch changed it).
    async fn record(
        &mut self,
        conn: &mut AnyConnection,
        id: &str,
    ) -> Result<Option<HouseholdRecord>, sqlx::Error> {
        if let Some(r) = self.records.get(id) {
            return Ok(Some(r.clone()));
        }
        let Some(found) = aliases::household_record(conn, id).await? else {
            return Ok(None);
        };
        self.removed_members.extend(found.removed);
        self.records.insert(id.to_string(), found.record.clone());
        Ok(Some(found.record))
    }

    /// The households of a hamlet another device or the roster made (for duplicates), read and
    /// indexed once per batch.
    async fn others_in_hamlet(
        &mut self,
        conn: &mut AnyConnection,
        hamlet: &str,
    ) -> Result<Option<&HamletIndex>, sqlx::Error> {
        if !self.hamlet_households.contains_key(hamlet) {
            let mut index = HamletIndex::default();
            for h in aliases::hamlet_households(conn, hamlet).await? {
                // A roster code names one household of the hamlet, whoever made it.
                if let Some(code) = h.roster_code.filter(|c| !c.is_empty()) {
                    index.by_code.entry(code).or_insert_with(|| h.id.clone());
                }
                if h.origin == self.origin {
                    continue;
                }
                index
                    .by_head
                    .entry(text::fold(&h.head))
                    .or_default()
                    .push(h.id);
            }
            self.hamlet_households.insert(hamlet.to_string(), index);
        }
        Ok(self.hamlet_households.get(hamlet))
    }

    async fn clan(
        &mut self,
        conn: &mut AnyConnection,
        id: &str,
    ) -> Result<Option<HeldClan>, sqlx::Error> {
        self.fetch_clans(conn, &[id]).await?;
        Ok(self.clans.get(id).cloned().flatten())
    }

    async fn unit(
        &mut self,
        conn: &mut AnyConnection,
        id: &str,
    ) -> Result<Option<HeldUnit>, sqlx::Error> {
        self.fetch_units(conn, &[id]).await?;
        Ok(self.units.get(id).cloned().flatten())
    }

    /// Every hamlet id of the device's commune, once per batch.
    async fn every_hamlet(&mut self, conn: &mut AnyConnection) -> Result<Vec<String>, sqlx::Error> {
        if let Some(all) = &self.all_hamlets {
            return Ok(all.clone());
        }
        let commune = self.commune(&mut *conn).await?;
        let all = clans::all_hamlets(conn, commune.as_deref()).await?;
        self.all_hamlets = Some(all.clone());
        Ok(all)
    }

    /// The device's commune, once per batch.
    async fn commune(&mut self, conn: &mut AnyConnection) -> Result<Option<String>, sqlx::Error> {
        if let Some(c) = &self.commune {
            return Ok(c.clone());
        }
        let c = crate::db::devices::commune_of(conn, &self.device_id).await?;
        self.commune = Some(c.clone());
        Ok(c)
    }

    /// Whether a blob is held complete.
    async fn blob_complete(
        &mut self,
        conn: &mut AnyConnection,
        sha256: &str,
    ) -> Result<bool, sqlx::Error> {
        if let Some(&known) = self.blobs.get(sha256) {
            return Ok(known);
        }
        let complete = !assessments::complete_blobs(conn, &self.device_id, &[sha256])
            .await?
            .is_empty();
        self.blobs.insert(sha256.to_string(), complete);
        Ok(complete)
    }

    /// What is held (or queued) under an assessment id.
    async fn existing(
        &mut self,
        conn: &mut AnyConnection,
        id: &str,
    ) -> Result<Option<Existing>, sqlx::Error> {
        if let Some(known) = self.assessments.get(id) {
            return Ok(known.clone());
        }
        let held = assessments::existing_many(conn, &[id]).await?.remove(id);
        self.assessments.insert(id.to_string(), held.clone());
        Ok(held)
    }

    async fn hamlet_exists(
        &mut self,
        conn: &mut AnyConnection,
        id: &str,
    ) -> Result<bool, sqlx::Error> {
        if let Some(&known) = self.hamlets.get(id) {
            return Ok(known);
        }
        let exists = roster::hamlet_exists(conn, id).await?;
        self.hamlets.insert(id.to_string(), exists);
        Ok(exists)
    }

    /// The set the content names (built in, or published and matched by hash), once per batch.
    async fn set_for(
        &mut self,
        conn: &mut AnyConnection,
        content: &CanonicalAssessment,
    ) -> Result<Option<Arc<LoadedSet>>, sqlx::Error> {
        let key = (content.criteria.id.clone(), content.criteria.sha256.clone());
        if let Some(set) = self.sets.get(&key) {
            return Ok(set.clone());
        }
        let set = match rescore::builtin_matching(content) {
            Some(set) => Some(set),
            None => {
                let published =
                    assessments::published_source(conn, &content.criteria.sha256).await?;
                rescore::find_set(content, published.as_deref())
            }
        };
        self.sets.insert(key, set.clone());
        Ok(set)
    }

    /// Decide what storing a sent household does; `Err` is the entry's answer.
    async fn plan_household(
        &mut self,
        conn: &mut AnyConnection,
        device: &DeviceAuth,
        id: &str,
        h: &HouseholdRecord,
    ) -> Result<Result<HouseholdPlan, EntryResult>, sqlx::Error> {
        let unchanged = |target: &str, hamlet: String| HouseholdPlan {
            sent_id: h.id.clone(),
            target: target.to_string(),
            hamlet,
            new: None,
            added: None,
            changes: Vec::new(),
            new_alias: false,
            member_aliases: HashMap::new(),
            note: None,
            sent: h.clone(),
        };
        // A household this batch resolved exactly so already: nothing more to look up.
        if let Some((sent, target)) = self.resolved.get(&h.id) {
            if sent == h {
                let target = target.clone();
                if let Some(held) = self.household(&mut *conn, &target).await? {
                    return Ok(Ok(unchanged(&target, held.hamlet)));
                }
            }
        }
        if let Some(target) = self.household_alias(&mut *conn, &h.id).await? {
            return self
                .merge_into(conn, device, id, &target, h, Merge::Alias, false)
                .await;
        }
        if let Some(held) = self.household(&mut *conn, &h.id).await? {
            if !device.may_act_in(&held.hamlet) {
                return Ok(Err(rejected(
                    id,
                    ErrorCode::Forbidden,
                    "Hộ này thuộc thôn ngoài phạm vi của thiết bị.",
                )));
            }
            // Whoever made it (the roster, this device or another), a copy never replaces the
            // held household: it adds members the server lacks, the rest are proposals.
            return self
                .merge_into(conn, device, id, &h.id, h, Merge::Own, false)
                .await;
        }
        if !self.hamlet_exists(&mut *conn, &h.hamlet_id).await? {
            return Ok(Err(rejected(
                id,
                ErrorCode::Invalid,
                "Thôn của hộ gửi kèm không tồn tại.",
            )));
        }
        if let Some(target) = self.duplicate_of(&mut *conn, h).await? {
            return self
                .merge_into(conn, device, id, &target, h, Merge::Alias, true)
                .await;
        }
        // The device's own new household. A member the server holds elsewhere stays where it is
        // (its move is a proposal), and must not come from a hamlet outside the scope.
        let mut rec = HouseholdRecord {
            members: Vec::new(),
            ..h.clone()
        };
        let mut changes = Vec::new();
        for m in &h.members {
            if self.member_alias(&mut *conn, &m.id).await?.is_some() {
                continue;
            }
            if let Some(held) = self.member_hamlet(&mut *conn, &m.id).await? {
                if !device.may_act_in(&held) {
                    return Ok(Err(rejected(
                        id,
                        ErrorCode::Forbidden,
                        "Thành viên gửi kèm thuộc thôn ngoài phạm vi của thiết bị.",
                    )));
                }
                if let Some(from) = self.member_household(&mut *conn, &m.id).await? {
                    changes.push(self.proposal(
                        &h.id,
                        Some(&m.id),
                        ChangeKind::MemberMove,
                        None,
                        serde_json::json!(from),
                        serde_json::json!(h.id),
                        device,
                    ));
                }
                continue;
            }
            rec.members.push(m.clone());
        }
        Ok(Ok(HouseholdPlan {
            new: Some(rec),
            note: (!changes.is_empty()).then(|| PROPOSED.to_string()),
            changes,
            ..unchanged(&h.id, h.hamlet_id.clone())
        }))
    }

    /// A roster change from `device` about household `household`.
    #[allow(clippy::too_many_arguments)]
    fn proposal(
        &self,
        household: &str,
        member: Option<&str>,
        kind: ChangeKind,
        field: Option<roster_changes::RosterField>,
        old_value: serde_json::Value,
        new_value: serde_json::Value,
        device: &DeviceAuth,
    ) -> NewChange {
        NewChange {
            household_id: household.to_string(),
            member_id: member.map(str::to_string),
            kind,
            field,
            old_value,
            new_value,
            state: if kind == ChangeKind::MemberAdded {
                ChangeState::Applied
            } else {
                ChangeState::Pending
            },
            device_id: Some(device.id.clone()),
        }
    }

    /// The household of `h`'s hamlet that `h` (unknown to the server) duplicates: same roster
    /// code (a code names one household), or without a code the one household with the same
    /// head ignoring case and diacritics that this device did not make (it may make two alike).
    async fn duplicate_of(
        &mut self,
        conn: &mut AnyConnection,
        h: &HouseholdRecord,
    ) -> Result<Option<String>, sqlx::Error> {
        let Some(others) = self.others_in_hamlet(conn, &h.hamlet_id).await? else {
            return Ok(None);
        };
        let code = h
            .roster_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        if let Some(code) = code {
            return Ok(others.by_code.get(code).cloned());
        }
        Ok(
            match others.by_head.get(&text::fold(&text::clean(&h.head))) {
                Some(same) if same.len() == 1 => same.first().cloned(),
                _ => None,
            },
        )
    }

    /// Merge a sent household into a held one. Members the held one lacks are added; members
    /// matched by name become aliases; nothing held is changed or removed. A copy sent under the
    /// held id ([`Merge::Own`]) also proposes, for staff, its other field values, the held
    /// members it no longer lists (removals) and the members it lists that are held in another
    /// household (moves).
    #[allow(clippy::too_many_arguments)]
    async fn merge_into(
        &mut self,
        conn: &mut AnyConnection,
        device: &DeviceAuth,
        id: &str,
        target: &str,
        h: &HouseholdRecord,
        mode: Merge,
        new_alias: bool,
    ) -> Result<Result<HouseholdPlan, EntryResult>, sqlx::Error> {
        let Some(mut rec) = self.record(&mut *conn, target).await? else {
            return Ok(Err(rejected(
                id,
                ErrorCode::Invalid,
                "Máy chủ không còn hộ mà hộ gửi kèm trùng với.",
            )));
        };
        if !device.may_act_in(&rec.hamlet_id) {
            return Ok(Err(rejected(
                id,
                ErrorCode::Forbidden,
                "Hộ này thuộc thôn ngoài phạm vi của thiết bị.",
            )));
        }
        let own = mode == Merge::Own;
        let held_count = rec.members.len();
        let mut member_aliases: HashMap<String, String> = HashMap::new();
        let mut added: Vec<(usize, MemberRecord)> = Vec::new();
        let mut changes: Vec<NewChange> = Vec::new();
        // Held members the copy lists (by id, alias or name).
        let mut listed: HashSet<String> = HashSet::new();
        for m in &h.members {
            if let Some(held) = rec.members.iter().find(|held| held.id == m.id) {
                listed.insert(m.id.clone());
                if own && !self.removed_members.contains(&m.id) {
                    for (field, old, new) in roster_changes::member_diffs(held, m) {
                        changes.push(self.proposal(
                            target,
                            Some(&m.id),
                            ChangeKind::MemberField,
                            Some(field),
                            old,
                            new,
                            device,
                        ));
                    }
                }
                continue;
            }
            if let Some(alias_of) = self.member_alias(&mut *conn, &m.id).await? {
                listed.insert(alias_of);
                continue;
            }
            if let Some(elsewhere) = self.member_hamlet(&mut *conn, &m.id).await? {
                // Held in another household: left there (a move is staff's decision).
                if !device.may_act_in(&elsewhere) {
                    return Ok(Err(rejected(
                        id,
                        ErrorCode::Forbidden,
                        "Thành viên gửi kèm thuộc thôn ngoài phạm vi của thiết bị.",
                    )));
                }
                if own {
                    if let Some(from) = self.member_household(&mut *conn, &m.id).await? {
                        changes.push(self.proposal(
                            target,
                            Some(&m.id),
                            ChangeKind::MemberMove,
                            None,
                            serde_json::json!(from),
                            serde_json::json!(target),
                            device,
                        ));
                    }
                }
                continue;
            }
            let name = text::fold(&text::clean(&m.name));
            let matched = rec
                .members
                .iter()
                .find(|held| {
                    text::fold(&held.name) == name
                        && !self.removed_members.contains(&held.id)
                        && !listed.contains(&held.id)
                        && !member_aliases.values().any(|t| *t == held.id)
                })
                .map(|held| held.id.clone());
            match matched {
                Some(held) => {
                    listed.insert(held.clone());
                    member_aliases.insert(m.id.clone(), held);
                }
                None => {
                    added.push((rec.members.len(), m.clone()));
                    changes.push(self.proposal(
                        target,
                        Some(&m.id),
                        ChangeKind::MemberAdded,
                        None,
                        serde_json::Value::Null,
                        serde_json::to_value(m).unwrap_or_default(),
                        device,
                    ));
                    rec.members.push(m.clone());
                }
            }
        }
        if own {
            for (field, old, new) in roster_changes::household_diffs(&rec, h) {
                changes.push(self.proposal(
                    target,
                    None,
                    ChangeKind::HouseholdField,
                    Some(field),
                    old,
                    new,
                    device,
                ));
            }
            for held in rec.members.iter().take(held_count) {
                if !listed.contains(&held.id) && !self.removed_members.contains(&held.id) {
                    changes.push(self.proposal(
                        target,
                        Some(&held.id),
                        ChangeKind::MemberRemoval,
                        None,
                        serde_json::to_value(held).unwrap_or_default(),
                        serde_json::Value::Null,
                        device,
                    ));
                }
            }
        }
        let mut notes = Vec::new();
        if target != h.id {
            notes.push(format!(
                "Hộ {} đã có trong danh sách của thôn; phiếu được ghép vào hộ đã có, không tạo hộ mới.",
                rec.head
            ));
        }
        if changes.iter().any(|c| c.state == ChangeState::Pending) {
            notes.push(PROPOSED.to_string());
        }
        Ok(Ok(HouseholdPlan {
            sent_id: h.id.clone(),
            target: target.to_string(),
            hamlet: rec.hamlet_id.clone(),
            new: None,
            added: (!added.is_empty()).then_some((rec, added)),
            changes,
            new_alias,
            member_aliases,
            note: (!notes.is_empty()).then(|| notes.join(" ")),
            sent: h.clone(),
        }))
    }

    /// Record a plan's effect (the entry was created).
    fn apply_plan(&mut self, plan: HouseholdPlan) {
        if plan.new_alias {
            self.household_aliases
                .insert(plan.sent_id.clone(), Some(plan.target.clone()));
            self.households.insert(plan.sent_id.clone(), None);
            self.pending_household_aliases
                .push((plan.sent_id.clone(), plan.target.clone()));
        }
        for (alias, target) in &plan.member_aliases {
            self.member_aliases
                .insert(alias.clone(), Some(target.clone()));
            self.members.insert(alias.clone(), None);
            self.pending_member_aliases
                .push((alias.clone(), target.clone()));
        }
        if let Some(rec) = &plan.new {
            self.queue_new(rec);
        }
        if let Some((rec, added)) = plan.added {
            for (_, m) in &added {
                self.members.insert(m.id.clone(), Some(rec.id.clone()));
            }
            match self.pending_added.iter_mut().find(|(h, _)| *h == rec.id) {
                Some((_, queued)) => queued.extend(added),
                None => self.pending_added.push((rec.id.clone(), added)),
            }
            self.records.insert(rec.id.clone(), rec);
        }
        self.pending_changes.extend(plan.changes);
        self.resolved
            .insert(plan.sent_id.clone(), (plan.sent, plan.target));
    }

    /// Queue a new household and record its effect: the household lives in its hamlet, its
    /// members in it, and its code names it for later entries of the batch.
    fn queue_new(&mut self, h: &HouseholdRecord) {
        for m in &h.members {
            self.members.insert(m.id.clone(), Some(h.id.clone()));
        }
        self.households.insert(
            h.id.clone(),
            Some(HeldHousehold {
                hamlet: h.hamlet_id.clone(),
                origin: self.origin.clone(),
            }),
        );
        self.records.insert(h.id.clone(), h.clone());
        let code = h
            .roster_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        if let (Some(code), Some(index)) = (code, self.hamlet_households.get_mut(&h.hamlet_id)) {
            index
                .by_code
                .entry(code.to_string())
                .or_insert_with(|| h.id.clone());
        }
        self.pending_new.push(h.clone());
    }

    /// The household a household id is, with its hamlet: the plan's target for the sent id,
    /// the held household for an alias, else itself when held.
    async fn resolve_household(
        &mut self,
        conn: &mut AnyConnection,
        plan: Option<&HouseholdPlan>,
        id: &str,
    ) -> Result<Option<(String, String)>, sqlx::Error> {
        if let Some(p) = plan.filter(|p| p.sent_id == id || p.target == id) {
            return Ok(Some((p.target.clone(), p.hamlet.clone())));
        }
        let target = match self.household_alias(&mut *conn, id).await? {
            Some(t) => t,
            None => id.to_string(),
        };
        Ok(self
            .household(&mut *conn, &target)
            .await?
            .map(|h| (target, h.hamlet)))
    }

    /// The member a member id is, with its hamlet.
    async fn resolve_member(
        &mut self,
        conn: &mut AnyConnection,
        plan: Option<&HouseholdPlan>,
        id: &str,
    ) -> Result<Option<(String, String)>, sqlx::Error> {
        if let Some(p) = plan {
            if let Some(t) = p.member_aliases.get(id) {
                return Ok(Some((t.clone(), p.hamlet.clone())));
            }
            let rec = p.new.as_ref().or(p.added.as_ref().map(|(r, _)| r));
            if rec.is_some_and(|r| r.members.iter().any(|m| m.id == id)) {
                return Ok(Some((id.to_string(), p.hamlet.clone())));
            }
        }
        let target = match self.member_alias(&mut *conn, id).await? {
            Some(t) => t,
            None => id.to_string(),
        };
        Ok(self
            .member_hamlet(&mut *conn, &target)
            .await?
            .map(|hamlet| (target, hamlet)))
    }

    /// Resolve the subject and check that the device may assess it; `Err` is the answer.
    async fn resolve_subject(
        &mut self,
        conn: &mut AnyConnection,
        device: &DeviceAuth,
        entry: &ManifestEntry,
        content: &CanonicalAssessment,
        plan: Option<&HouseholdPlan>,
    ) -> Result<Result<Resolved, EntryResult>, sqlx::Error> {
        let id = entry.id.as_str();
        let subject = &content.subject;
        let plain = |found: Option<(String, String)>| {
            found.map(|(subject_id, hamlet)| Resolved {
                subject_id,
                hamlet: Some(hamlet),
                clan: None,
                unit: None,
            })
        };
        let resolved = match subject.kind {
            SubjectKind::Household => plain(
                self.resolve_household(&mut *conn, plan, &subject.id)
                    .await?,
            ),
            SubjectKind::Member => plain(self.resolve_member(&mut *conn, plan, &subject.id).await?),
            SubjectKind::Hamlet => {
                let target = if self.hamlet_exists(&mut *conn, &subject.id).await? {
                    Some(subject.id.clone())
                } else {
                    // A hamlet the device made before enrolling: the server's hamlet of the
                    // same name stands for it (the scope check below still applies).
                    match &entry.hamlet {
                        Some(h) if h.id == subject.id => {
                            let commune = self.commune(&mut *conn).await?;
                            roster::hamlet_named(&mut *conn, commune.as_deref(), &h.name).await?
                        }
                        _ => None,
                    }
                };
                plain(target.map(|t| (t.clone(), t)))
            }
            SubjectKind::Clan => {
                return self
                    .resolve_clan(conn, device, id, &subject.id, entry.clan.as_ref(), plan)
                    .await
            }
            SubjectKind::Unit => {
                return self
                    .resolve_unit(conn, device, id, &subject.id, entry.unit.as_ref())
                    .await
            }
        };
        let Some(resolved) = resolved else {
            return Ok(Err(rejected(
                id,
                ErrorCode::Invalid,
                "Máy chủ chưa biết đối tượng được đánh giá; hãy gửi kèm thông tin hộ.",
            )));
        };
        if let Some(hamlet) = &resolved.hamlet {
            if !device.may_act_in(hamlet) {
                return Ok(Err(rejected(
                    id,
                    ErrorCode::Forbidden,
                    "Đối tượng thuộc thôn ngoài phạm vi của thiết bị.",
                )));
            }
        }
        Ok(Ok(resolved))
    }

    /// A clan subject: held, or sent by the device (stored with the entry). Every held
    /// household of the clan must be in the device's hamlets.
    async fn resolve_clan(
        &mut self,
        conn: &mut AnyConnection,
        device: &DeviceAuth,
        id: &str,
        clan_id: &str,
        sent: Option<&ClanRecord>,
        plan: Option<&HouseholdPlan>,
    ) -> Result<Result<Resolved, EntryResult>, sqlx::Error> {
        let held = self.clan(&mut *conn, clan_id).await?;
        if held.is_none() && sent.is_none() {
            return Ok(Err(rejected(
                id,
                ErrorCode::Invalid,
                "Máy chủ chưa biết dòng họ này; hãy gửi kèm thông tin dòng họ.",
            )));
        }
        let mut households: Vec<String> = held
            .as_ref()
            .map(|c| c.households.clone())
            .unwrap_or_default();
        let mut added = Vec::new();
        for household in sent.map(|c| c.household_ids.as_slice()).unwrap_or_default() {
            let resolved = match self.resolve_household(&mut *conn, plan, household).await? {
                Some((target, _)) => target,
                None => household.clone(),
            };
            if !households.contains(&resolved) {
                households.push(resolved.clone());
                added.push(resolved);
            }
        }
        let mut hamlets = BTreeSet::new();
        for household in &households {
            if let Some((_, hamlet)) = self.resolve_household(&mut *conn, plan, household).await? {
                hamlets.insert(hamlet);
            }
        }
        if hamlets.is_empty() {
            return Ok(Err(rejected(
                id,
                ErrorCode::Invalid,
                "Máy chủ chưa có hộ nào của dòng họ này; hãy gửi kèm một hộ của dòng họ.",
            )));
        }
        if hamlets.iter().any(|h| !device.may_act_in(h)) {
            return Ok(Err(rejected(
                id,
                ErrorCode::Forbidden,
                "Dòng họ có hộ ở thôn ngoài phạm vi của thiết bị: chỉ thiết bị phụ trách mọi thôn của dòng họ mới đánh giá được dòng họ này.",
            )));
        }
        let write = sent.and_then(|c| {
            let rename = held
                .as_ref()
                .is_some_and(|h| h.origin == self.origin && h.name != text::clean(&c.name));
            (held.is_none() || rename || !added.is_empty()).then(|| ClanWrite {
                id: c.id.clone(),
                name: if held.is_none() || rename {
                    c.name.clone()
                } else {
                    held.as_ref()
                        .map_or_else(|| c.name.clone(), |h| h.name.clone())
                },
                origin: self.origin.clone(),
                new: held.is_none(),
                rename,
                households: added,
            })
        });
        Ok(Ok(Resolved {
            subject_id: clan_id.to_string(),
            hamlet: None,
            clan: write,
            unit: None,
        }))
    }

    /// A unit subject: held, or sent by the device (stored with the entry). A hamlet-level
    /// unit needs its hamlet in the device's scope, a commune-level one every hamlet.
    async fn resolve_unit(
        &mut self,
        conn: &mut AnyConnection,
        device: &DeviceAuth,
        id: &str,
        unit_id: &str,
        sent: Option<&UnitRecord>,
    ) -> Result<Result<Resolved, EntryResult>, sqlx::Error> {
        let held = self.unit(&mut *conn, unit_id).await?;
        let hamlet = match (&held, sent) {
            (Some(h), _) => h.unit.hamlet_id.clone(),
            (None, Some(s)) => s.hamlet_id.clone(),
            (None, None) => {
                return Ok(Err(rejected(
                    id,
                    ErrorCode::Invalid,
                    "Máy chủ chưa biết đơn vị này; hãy gửi kèm thông tin đơn vị.",
                )))
            }
        };
        match &hamlet {
            Some(h) => {
                if !self.hamlet_exists(&mut *conn, h).await? {
                    return Ok(Err(rejected(
                        id,
                        ErrorCode::Invalid,
                        "Thôn của đơn vị gửi kèm không tồn tại.",
                    )));
                }
                if !device.may_act_in(h) {
                    return Ok(Err(rejected(
                        id,
                        ErrorCode::Forbidden,
                        "Đơn vị thuộc thôn ngoài phạm vi của thiết bị.",
                    )));
                }
            }
            None => {
                let every = self.every_hamlet(&mut *conn).await?;
                if every.iter().any(|h| !device.may_act_in(h)) {
                    return Ok(Err(rejected(
                        id,
                        ErrorCode::Forbidden,
                        "Đơn vị cấp xã: chỉ thiết bị phụ trách mọi thôn của xã mới đánh giá được.",
                    )));
                }
            }
        }
        let write = match (&held, sent) {
            (None, Some(s)) => Some(UnitWrite {
                unit: UnitRecord {
                    commune_code: self.commune(&mut *conn).await?,
                    name: text::clean(&s.name),
                    ..s.clone()
                },
                origin: self.origin.clone(),
                new: true,
                rename: false,
            }),
            (Some(h), Some(s))
                if h.origin == self.origin
                    && (h.unit.name != text::clean(&s.name) || h.unit.kind != s.kind) =>
            {
                Some(UnitWrite {
                    unit: UnitRecord {
                        name: text::clean(&s.name),
                        kind: s.kind,
                        ..h.unit.clone()
                    },
                    origin: self.origin.clone(),
                    new: false,
                    rename: true,
                })
            }
            _ => None,
        };
        Ok(Ok(Resolved {
            subject_id: unit_id.to_string(),
            hamlet,
            clan: None,
            unit: write,
        }))
    }

    /// Record a clan or unit write as if done.
    fn queue_subject(&mut self, clan: Option<ClanWrite>, unit: Option<UnitWrite>) {
        if let Some(c) = clan {
            let entry = self.clans.entry(c.id.clone()).or_insert(None);
            match entry {
                Some(held) => {
                    held.households.extend(c.households.iter().cloned());
                    if c.rename {
                        held.name = text::clean(&c.name);
                    }
                }
                None => {
                    *entry = Some(HeldClan {
                        name: text::clean(&c.name),
                        origin: c.origin.clone(),
                        households: c.households.clone(),
                    })
                }
            }
            self.pending_clans.push(c);
        }
        if let Some(u) = unit {
            self.units.insert(
                u.unit.id.clone(),
                Some(HeldUnit {
                    unit: u.unit.clone(),
                    origin: u.origin.clone(),
                }),
            );
            self.pending_units.push(u);
        }
    }

    /// Cut `claimant`'s false claim to correct `parent` (queued in this batch, or stored).
    fn unlink(&mut self, parent: &str, claimant: &str) {
        self.corrections.insert(parent.to_string(), None);
        match self
            .pending_assessments
            .iter_mut()
            .find(|a| a.id == claimant)
        {
            Some(queued) => queued.parent_id = None,
            None => self.pending_unlinks.push(claimant.to_string()),
        }
    }

    /// Queue an assessment insert and record it as held (and as the correction of its parent).
    fn queue_assessment(&mut self, a: NewAssessment) {
        self.assessments.insert(
            a.id.clone(),
            Some(Existing {
                content_sha256: a.content_sha256.clone(),
                server_status: a.server_status.map(str::to_string),
                server_total: a.server_total,
                mismatch: a.mismatch,
            }),
        );
        self.parents.insert(
            a.id.clone(),
            Some(Parent {
                subject_kind: a.subject_kind.to_string(),
                subject_id: a.subject_id.clone(),
                model: a.model.to_string(),
                year: a.year,
                revision: a.revision,
            }),
        );
        if let Some(parent) = &a.parent_id {
            self.corrections.insert(parent.clone(), Some(a.id.clone()));
        }
        self.pending_assessments.push(a);
    }

    /// Cut the false parent links found, then store the queued assessments and their evidence
    /// (multi-row `INSERT`s).
    pub async fn write_assessments(&self, conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
        assessments::unlink_corrections(&mut *conn, &self.pending_unlinks).await?;
        assessments::insert_many(conn, &self.pending_assessments).await
    }

    /// Index the stored assessments for the review queue's search (after the roster: a
    /// household the batch created names its assessment).
    pub async fn index_assessments(&self, conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
        let ids: Vec<&str> = self
            .pending_assessments
            .iter()
            .map(|a| a.id.as_str())
            .collect();
        crate::db::review::index_search(conn, &ids).await
    }

    /// Store the queued households (multi-row statements when they are disjoint), clans, units
    /// and aliases, in that order (an alias re-points the clans naming its id). Each takes a
    /// change number, which locks the counter until the transaction commits: call this last.
    pub async fn write_roster(
        &self,
        conn: &mut AnyConnection,
        device_id: &str,
    ) -> Result<(), sqlx::Error> {
        roster::insert_households(&mut *conn, &self.pending_new, &self.origin).await?;
        roster::add_members(&mut *conn, &self.pending_added).await?;
        roster_changes::insert_changes(&mut *conn, &self.pending_changes).await?;
        clans::write_clans(&mut *conn, &self.pending_clans).await?;
        clans::write_units(&mut *conn, &self.pending_units).await?;
        aliases::write_aliases(
            conn,
            device_id,
            &self.pending_household_aliases,
            &self.pending_member_aliases,
        )
        .await
    }
}

/// The ids the entries may ask about, for the prefetch.
struct Named<'a> {
    households: Vec<&'a str>,
    members: Vec<&'a str>,
    clans: Vec<&'a str>,
    units: Vec<&'a str>,
}

impl<'a> Named<'a> {
    fn of(entries: &[(&'a ManifestEntry, &'a Checked)]) -> Named<'a> {
        let mut households = BTreeSet::new();
        let mut members = BTreeSet::new();
        let mut clans = BTreeSet::new();
        let mut units = BTreeSet::new();
        for (entry, checked) in entries {
            if let Some(h) = &entry.household {
                households.insert(h.id.as_str());
                members.extend(h.members.iter().map(|m| m.id.as_str()));
            }
            if let Some(c) = &entry.clan {
                households.extend(c.household_ids.iter().map(String::as_str));
            }
            let subject = &checked.content.subject;
            match subject.kind {
                SubjectKind::Household => {
                    households.insert(subject.id.as_str());
                }
                SubjectKind::Member => {
                    members.insert(subject.id.as_str());
                }
                SubjectKind::Clan => {
                    clans.insert(subject.id.as_str());
                }
                SubjectKind::Unit => {
                    units.insert(subject.id.as_str());
                }
                SubjectKind::Hamlet => {}
            }
        }
        Named {
            households: households.into_iter().collect(),
            members: members.into_iter().collect(),
            clans: clans.into_iter().collect(),
            units: units.into_iter().collect(),
        }
    }
}

fn result(id: &str, status: EntryStatus) -> EntryResult {
    EntryResult {
        id: id.to_string(),
        status,
        code: None,
        message: None,
        missing_blobs: Vec::new(),
        server_score: None,
    }
}

fn rejected(id: &str, code: ErrorCode, message: impl Into<String>) -> EntryResult {
    EntryResult {
        code: Some(code),
        message: Some(message.into()),
        ..result(id, EntryStatus::Rejected)
    }
}

/// Whether `content` (its subject resolved to `subject_id`) is an earlier revision of the
/// assessment `later` describes: same subject, model and year, lower revision.
fn content_precedes(content: &CanonicalAssessment, subject_id: &str, later: &Parent) -> bool {
    later.subject_kind == content.subject.kind.code()
        && later.subject_id == subject_id
        && later.model == content.model.code()
        && later.year == i64::from(content.year)
        && later.revision > i64::from(content.revision)
}

fn status_from_code(code: &str) -> Option<hoctap_domain::engine::Status> {
    use hoctap_domain::engine::Status;
    [Status::Passed, Status::Failed, Status::Incomplete]
        .into_iter()
        .find(|s| s.code() == code)
}

/// An entry refused as invalid because a record it carries breaks a bound.
fn record_refused(
    id: &str,
    what: &str,
    e: &hoctap_domain::protocol_check::RecordError,
) -> EntryResult {
    rejected(
        id,
        ErrorCode::Invalid,
        format!("{what}: {}", e.message_vi()),
    )
}

/// The checks of one entry that need no database: hash, canonical form and content rules
/// (`hoctap_domain::assessment_check`), id, blob names, bounds and scope of a sent household,
/// clan, unit or hamlet (`hoctap_domain::protocol_check`; `current_year` bounds birth years).
/// `Err` is the entry's answer.
pub fn check(
    device: &DeviceAuth,
    entry: &ManifestEntry,
    current_year: i32,
) -> Result<Checked, EntryResult> {
    let id = entry.id.as_str();
    if !is_sha256_hex(&entry.content_sha256)
        || sha256_hex(entry.content.as_bytes()) != entry.content_sha256
    {
        return Err(rejected(
            id,
            ErrorCode::Invalid,
            "Nội dung phiếu không khớp mã kiểm tra (content_sha256).",
        ));
    }
    let content = match CanonicalAssessment::parse_canonical(&entry.content) {
        Ok(c) => c,
        Err(e) => return Err(rejected(id, ErrorCode::Invalid, e.message_vi())),
    };
    if content.id != entry.id {
        return Err(rejected(
            id,
            ErrorCode::Invalid,
            "Mã phiếu trong nội dung khác mã phiếu gửi kèm.",
        ));
    }
    if entry.evidence.len() > MAX_EVIDENCE || entry.photo_facts.len() > MAX_EVIDENCE {
        return Err(rejected(
            id,
            ErrorCode::Invalid,
            format!("Phiếu kèm quá {MAX_EVIDENCE} ảnh minh chứng."),
        ));
    }
    let mut blobs: BTreeSet<String> = entry.evidence.iter().cloned().collect();
    blobs.extend(content.evidence.values().flatten().cloned());
    if blobs.iter().any(|b| !is_sha256_hex(b)) {
        return Err(rejected(
            id,
            ErrorCode::Invalid,
            "Mã ảnh minh chứng không hợp lệ.",
        ));
    }

    // Where the sent records are, and whether this device may act there.
    if let Some(h) = &entry.household {
        if let Err(e) = h.check(current_year) {
            return Err(record_refused(id, "Thông tin hộ gửi kèm không hợp lệ", &e));
        }
        if !device.may_act_in(&h.hamlet_id) {
            return Err(rejected(
                id,
                ErrorCode::Forbidden,
                "Hộ gửi kèm thuộc thôn ngoài phạm vi của thiết bị.",
            ));
        }
    }
    if let Some(h) = &entry.hamlet {
        if let Err(e) = h.check() {
            return Err(record_refused(
                id,
                "Thông tin thôn gửi kèm không hợp lệ",
                &e,
            ));
        }
    }
    let subject = &content.subject;
    if let Some(c) = &entry.clan {
        if let Err(e) = c.check() {
            return Err(record_refused(
                id,
                "Thông tin dòng họ gửi kèm không hợp lệ",
                &e,
            ));
        }
        if subject.kind != SubjectKind::Clan || subject.id != c.id {
            return Err(rejected(
                id,
                ErrorCode::Invalid,
                "Thông tin dòng họ gửi kèm khác dòng họ được đánh giá.",
            ));
        }
    }
    if let Some(u) = &entry.unit {
        if let Err(e) = u.check() {
            return Err(record_refused(
                id,
                "Thông tin đơn vị gửi kèm không hợp lệ",
                &e,
            ));
        }
        if subject.kind != SubjectKind::Unit || subject.id != u.id {
            return Err(rejected(
                id,
                ErrorCode::Invalid,
                "Thông tin đơn vị gửi kèm khác đơn vị được đánh giá.",
            ));
        }
        if let Some(h) = &u.hamlet_id {
            if !device.may_act_in(h) {
                return Err(rejected(
                    id,
                    ErrorCode::Forbidden,
                    "Đơn vị gửi kèm thuộc thôn ngoài phạm vi của thiết bị.",
                ));
            }
        }
    }
    Ok(Checked { content, blobs })
}

/// Decide one checked entry and queue what it stores. Database errors abort the whole batch.
pub async fn process_entry(
    conn: &mut AnyConnection,
    device: &DeviceAuth,
    entry: &ManifestEntry,
    checked: Checked,
    cache: &mut BatchCache,
) -> Result<EntryResult, sqlx::Error> {
    let id = entry.id.as_str();
    let Checked { content, blobs } = checked;
    let plan = match &entry.household {
        Some(h) => match cache.plan_household(&mut *conn, device, id, h).await? {
            Ok(plan) => Some(plan),
            Err(answer) => return Ok(answer),
        },
        None => None,
    };
    let resolved = match cache
        .resolve_subject(&mut *conn, device, entry, &content, plan.as_ref())
        .await?
    {
        Ok(r) => r,
        Err(answer) => return Ok(answer),
    };

    if let Some(held) = cache.existing(&mut *conn, id).await? {
        if held.content_sha256 == entry.content_sha256 {
            let server_score = match (held.server_status.as_deref(), held.server_total) {
                (Some(s), Some(t)) => status_from_code(s).map(|status| ServerScore {
                    status,
                    total: u32::try_from(t).unwrap_or(0),
                    mismatch: held.mismatch,
                }),
                _ => None,
            };
            return Ok(EntryResult {
                server_score,
                ..result(id, EntryStatus::Duplicate)
            });
        }
        return Ok(EntryResult {
            code: Some(ErrorCode::Conflict),
            message: Some("Máy chủ đã có phiếu này với nội dung khác; không ghi đè.".into()),
            ..result(id, EntryStatus::Conflict)
        });
    }

    let mut notes: Vec<String> = plan.iter().filter_map(|p| p.note.clone()).collect();
    if let Some(parent) = content.parent_id.as_deref() {
        cache.fetch_parents(&mut *conn, &[parent]).await?;
        if let Some(other) = cache.corrections.get(parent).cloned().flatten() {
            if other != id {
                return Ok(rejected(
                    id,
                    ErrorCode::Invalid,
                    format!("Phiếu gốc {parent} đã có bản sửa khác ({other}); không nhận bản sửa thứ hai."),
                ));
            }
        }
        match cache.parents.get(parent).cloned().flatten() {
            Some(p) => {
                if !p.precedes(
                    content.subject.kind.code(),
                    &resolved.subject_id,
                    content.model.code(),
                    i64::from(content.year),
                    i64::from(content.revision),
                ) {
                    return Ok(rejected(
                        id,
                        ErrorCode::Invalid,
                        format!("Phiếu gốc {parent} không phải lần đánh giá trước của cùng đối tượng, mô hình và năm; phiếu sửa không được nhận."),
                    ));
                }
            }
            None => notes.push(format!(
                "Máy chủ chưa nhận phiếu gốc {parent}; phiếu sửa được nhận như bản đầu tiên."
            )),
        }
    }

    // A correction stored earlier may name this assessment as its parent: it is linked (and
    // this one reads as corrected) only if it truly is a later revision of the same subject,
    // model and year; otherwise its false claim is cut and this assessment stays current.
    let mut unlink = None;
    if let Some((claimant, c)) = cache.claimant(&mut *conn, id).await? {
        if !content_precedes(&content, &resolved.subject_id, &c) {
            unlink = Some(claimant);
        }
    }

    let mut missing = Vec::new();
    for b in &blobs {
        if !cache.blob_complete(&mut *conn, b).await? {
            missing.push(b.clone());
        }
    }
    if !missing.is_empty() {
        return Ok(EntryResult {
            message: Some("Còn thiếu ảnh minh chứng; hãy gửi ảnh rồi gửi lại phiếu.".into()),
            missing_blobs: missing,
            ..result(id, EntryStatus::Incomplete)
        });
    }

    // Scored with a template set: a practice result, never counted as passed.
    let mut practice = false;
    let score = match cache.set_for(&mut *conn, &content).await? {
        // A version the server does not hold of a set it knows by id: the set's model still
        // binds (a made-up hash must not carry answers into another model).
        None => {
            if let Some(model) = rescore::model_of_known_id(&content.criteria.id) {
                if model != content.model {
                    return Ok(rejected(
                        id,
                        ErrorCode::Invalid,
                        format!(
                            "Bộ tiêu chí {} dùng cho mô hình {}, không phải {}.",
                            content.criteria.id,
                            model.title_vi(),
                            content.model.title_vi()
                        ),
                    ));
                }
            }
            notes.push("Máy chủ chưa có bộ tiêu chí của phiếu; chưa chấm lại được.".to_string());
            None
        }
        Some(set) if set.model != content.model => {
            return Ok(rejected(
                id,
                ErrorCode::Invalid,
                format!(
                    "Bộ tiêu chí {} dùng cho mô hình {}, không phải {}.",
                    set.id,
                    set.model.title_vi(),
                    content.model.title_vi()
                ),
            ))
        }
        Some(set) => match rescore::rescore(&set, &content) {
            Ok(s) => {
                practice = set.is_practice();
                Some(s)
            }
            Err(e) => {
                return Ok(rejected(
                    id,
                    ErrorCode::Invalid,
                    format!("Câu trả lời không hợp lệ với bộ tiêu chí: {e}"),
                ))
            }
        },
    };

    if let Some(plan) = plan {
        cache.apply_plan(plan);
    }
    if let Some(claimant) = unlink {
        cache.unlink(id, &claimant);
    }
    let Resolved {
        subject_id,
        hamlet,
        clan,
        unit,
    } = resolved;
    cache.queue_subject(clan, unit);
    let commune_code = cache.commune(&mut *conn).await?;
    cache.queue_assessment(NewAssessment {
        id: id.to_string(),
        device_id: device.id.clone(),
        commune_code,
        practice,
        subject_kind: content.subject.kind.code(),
        subject_id,
        hamlet_id: hamlet,
        model: content.model.code(),
        year: i64::from(content.year),
        criteria_id: content.criteria.id.clone(),
        criteria_version: i64::from(content.criteria.version),
        criteria_sha256: content.criteria.sha256.clone(),
        content: entry.content.clone(),
        content_sha256: entry.content_sha256.clone(),
        device_status: content.result.status.code(),
        device_total: i64::from(content.result.total),
        server_status: score.as_ref().map(|s| s.status.code()),
        server_total: score.as_ref().map(|s| i64::from(s.total)),
        mismatch: score.as_ref().is_some_and(|s| s.mismatch),
        evidence: blobs.into_iter().collect(),
        parent_id: content.parent_id.clone(),
        revision: i64::from(content.revision),
    });
    Ok(EntryResult {
        message: (!notes.is_empty()).then(|| notes.join(" ")),
        server_score: score.map(|s| ServerScore {
            status: s.status,
            total: s.total,
            mismatch: s.mismatch,
        }),
        ..result(id, EntryStatus::Created)
    })
}

/// Check, look up and decide every entry of a batch, in order. The returned cache holds what
/// the batch will store ([`BatchCache::write_assessments`], [`BatchCache::write_roster`]).
/// Database errors abort the whole batch.
pub async fn process_batch(
    conn: &mut AnyConnection,
    device: &DeviceAuth,
    entries: &[ManifestEntry],
) -> Result<(Vec<EntryResult>, BatchCache), sqlx::Error> {
    use chrono::Datelike;
    // The latest calendar year anywhere now (UTC+14): a birth year may not be later.
    let current_year = (chrono::Utc::now() + chrono::Duration::hours(14)).year();
    let checked: Vec<Result<Checked, EntryResult>> = entries
        .iter()
        .map(|e| check(device, e, current_year))
        .collect();
    let mut cache = BatchCache::new(&device.id);
    let passed: Vec<(&ManifestEntry, &Checked)> = entries
        .iter()
        .zip(&checked)
        .filter_map(|(e, c)| c.as_ref().ok().map(|c| (e, c)))
        .collect();
    cache.prefetch(&mut *conn, &passed).await?;
    let mut results = Vec::with_capacity(entries.len());
    for (entry, checked) in entries.iter().zip(checked) {
        results.push(match checked {
            Ok(checked) => process_entry(&mut *conn, device, entry, checked, &mut cache).await?,
            Err(answer) => answer,
        });
    }
    Ok((results, cache))
}
