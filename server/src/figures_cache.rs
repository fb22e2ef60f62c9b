//! The dashboard's and report's counted figures, kept between requests. Counting a province
//! of a million households reads every current assessment and the whole roster (about a
//! second on PostgreSQL), far more than a page may take on a cheap laptop over 3G; the counts
//! change only when data does. Each entry carries the data version it was counted at
//! ([`db::Versions::of_figures`]: the roster's change number and the `figures` counter every
//! other write the counts read takes), checked on every request with one tiny query:
//!
//! - same version: the entry is current and served as is;
//! - changed, and the last count was quick (small places, tests): counted again now;
//! - changed, and the last count was slow: the entry is served marked stale (the page says
//!   when it was counted and that newer figures are coming) while one background task per
//!   scope and year counts again (stale-while-revalidate, as DHIS2's analytics tables but
//!   without waiting for a nightly run).
//!
//! Targets and the devices' unsent counts are applied on every request, never cached.
//!
//! The review queue's counts (how many assessments a filter selects, shown above every page
//! and on the bulk confirmation) are kept the same way, but always exact: a count of an older
//! version is never served. Their version adds the `queue` counter, which a completed photo
//! upload takes (it moves only the missing-photo counts, so the dashboard is not recounted
//! for every photo).

use crate::db::reports::{self, Counted, Report};
use crate::db::review::{self, Filter};
use crate::db::staff::Scope;
use crate::db::targets::TargetBook;
use crate::db::{self, Db};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A count that took longer than this is refreshed in the background next time.
const QUICK: Duration = Duration::from_millis(250);
/// Entries kept at most (scopes × years asked); the oldest asked goes first.
const MAX_ENTRIES: usize = 1024;

type Key = (Scope, i32);
type Version = (i64, i64);
type QueueVersion = (i64, i64, i64);

#[derive(Debug)]
struct Entry {
    version: Version,
    counted: Arc<Counted>,
    took: Duration,
    refreshing: bool,
    last_asked: Instant,
}

/// Counted figures by scope and year, and queue counts by scope and filter.
#[derive(Debug, Default)]
pub struct FiguresCache {
    entries: Mutex<HashMap<Key, Entry>>,
    counts: Mutex<HashMap<(Scope, String), (QueueVersion, i64)>>,
    /// One count at a time per scope and year: a request arriving while one runs waits for
    /// it and takes its result instead of counting the province a second time.
    counting: Mutex<HashMap<Key, Arc<tokio::sync::Mutex<()>>>>,
}

/// Clears an entry's `refreshing` mark when its background count ends, whatever the ending.
struct Refreshed {
    cache: Arc<FiguresCache>,
    key: Key,
}

impl Drop for Refreshed {
    fn drop(&mut self) {
        if let Ok(mut entries) = self.cache.entries.lock() {
            if let Some(entry) = entries.get_mut(&self.key) {
                entry.refreshing = false;
            }
        }
    }
}

/// What the cache decided for a request.
enum Plan {
    Serve(Arc<Counted>, bool),
    Count,
}

impl FiguresCache {
    pub fn new() -> FiguresCache {
        FiguresCache::default()
    }

    /// The report of `scope` for `year`: cached counts when current, else as the module says.
    pub async fn report(
        self: &Arc<Self>,
        db: &Db,
        scope: &Scope,
        year: i32,
        targets: &TargetBook,
    ) -> Result<Report, sqlx::Error> {
        let version = db::versions(db).await?.of_figures();
        let key = (scope.clone(), year);
        let (counted, stale) = match self.plan(&key, version, db) {
            Plan::Serve(counted, stale) => (counted, stale),
            Plan::Count => (self.count_and_keep(db, &key, version).await?, false),
        };
        let unsent = reports::unsent(db, scope).await?;
        Ok(reports::assemble(
            &counted, scope, year, targets, unsent, stale,
        ))
    }

    /// Count `scope` for `year` now (when nothing is held) so that the first request finds it:
    /// the server does this for the province and the current year when it starts.
    pub async fn warm(self: &Arc<Self>, db: &Db, scope: &Scope, year: i32) {
        let key = (scope.clone(), year);
        match db::versions(db).await {
            Ok(versions) => {
                let version = versions.of_figures();
                if let Err(e) = self.count_and_keep(db, &key, version).await {
                    tracing::warn!(error = %e, "could not count the dashboard's figures");
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not read the figures' version"),
        }
    }

    /// How many assessments `filter` selects in `scope` ([`review::count`]), exact.
    pub async fn queue_count(
        &self,
        db: &Db,
        scope: &Scope,
        filter: &Filter,
    ) -> Result<i64, sqlx::Error> {
        let version = db::versions(db).await?.of_queue();
        // A filter's JSON is its identity (every field, fixed order).
        let key = (
            scope.clone(),
            serde_json::to_string(filter).unwrap_or_default(),
        );
        if let Ok(counts) = self.counts.lock() {
            if let Some((v, n)) = counts.get(&key) {
                if *v == version {
                    return Ok(*n);
                }
            }
        }
        let n = review::count(db, scope, filter).await?;
        if let Ok(mut counts) = self.counts.lock() {
            if counts.len() >= MAX_ENTRIES {
                counts.retain(|_, (v, _)| *v == version);
            }
            if counts.len() < MAX_ENTRIES {
                counts.insert(key, (version, n));
            }
        }
        Ok(n)
    }

    fn plan(self: &Arc<Self>, key: &Key, version: Version, db: &Db) -> Plan {
        let Ok(mut entries) = self.entries.lock() else {
            return Plan::Count;
        };
        let Some(entry) = entries.get_mut(key) else {
            return Plan::Count;
        };
        entry.last_asked = Instant::now();
        // Counted at this version, or at a newer one (another request's count finished
        // between this request's reading of the version and now).
        if entry.version.0 >= version.0 && entry.version.1 >= version.1 {
            return Plan::Serve(entry.counted.clone(), false);
        }
        if entry.took < QUICK {
            return Plan::Count;
        }
        if !entry.refreshing {
            entry.refreshing = true;
            let (cache, db, key) = (self.clone(), db.clone(), key.clone());
            tokio::spawn(async move {
                // However the count ends (stored, found done by another request, failed or
                // panicked), the next change may start a refresh again.
                let _done = Refreshed {
                    cache: cache.clone(),
                    key: key.clone(),
                };
                if let Err(e) = cache.count_and_keep(&db, &key, version).await {
                    tracing::warn!(error = %e, "could not count the dashboard's figures again");
                }
            });
        }
        Plan::Serve(entry.counted.clone(), true)
    }

    /// Count and keep the result under `version` (read before counting, so a change made
    /// while counting leaves the entry behind and it is counted again next time).
    async fn count_and_keep(
        &self,
        db: &Db,
        key: &Key,
        version: Version,
    ) -> Result<Arc<Counted>, sqlx::Error> {
        let turn = match self.counting.lock() {
            Ok(mut counting) => Some(counting.entry(key.clone()).or_default().clone()),
            Err(_) => None,
        };
        let _turn = match &turn {
            Some(t) => Some(t.lock().await),
            None => None,
        };
        // Counted (at this version or a newer one) while this request waited for its turn.
        if let Ok(entries) = self.entries.lock() {
            if let Some(held) = entries.get(key) {
                if held.version.0 >= version.0 && held.version.1 >= version.1 {
                    return Ok(held.counted.clone());
                }
            }
        }
        let started = Instant::now();
        let counted = Arc::new(reports::count(db, &key.0, key.1).await?);
        let took = started.elapsed();
        tracing::debug!(?took, commune = ?key.0.commune, year = key.1, "figures counted");
        if let Ok(mut entries) = self.entries.lock() {
            // A count of newer data stored meanwhile stays.
            if let Some(held) = entries.get(key) {
                if held.version != version
                    && held.version.0 >= version.0
                    && held.version.1 >= version.1
                {
                    return Ok(counted);
                }
            }
            if entries.len() >= MAX_ENTRIES && !entries.contains_key(key) {
                let oldest = entries
                    .iter()
                    .min_by_key(|(_, e)| e.last_asked)
                    .map(|(k, _)| k.clone());
                if let Some(oldest) = oldest {
                    entries.remove(&oldest);
                }
            }
            entries.insert(
                key.clone(),
                Entry {
                    version,
                    counted: counted.clone(),
                    took,
                    refreshing: false,
                    last_asked: Instant::now(),
                },
            );
        }
        Ok(counted)
    }
}
