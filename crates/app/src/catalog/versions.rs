//! The implementation lists cases were filed under, by version. A published version never
//! changes (an edit makes a new version), so each instance reads one once and keeps the most
//! recently used: every step and every view of a case needs its item's rules.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use lru::LruCache;
use tongban_domain::catalog::ServiceItem;
use tongban_store::CaseRecord;

use crate::{App, AppError};

/// How many versions an instance keeps: every item of a district, several versions each.
const KEPT: NonZeroUsize = NonZeroUsize::new(4096).expect("non-zero");

#[derive(Clone)]
pub struct VersionCache(Arc<Mutex<LruCache<String, Arc<ServiceItem>>>>);

impl Default for VersionCache {
    fn default() -> Self {
        VersionCache(Arc::new(Mutex::new(LruCache::new(KEPT))))
    }
}

/// The implementation list `case` was filed under.
pub async fn item_of_case(app: &App, case: &CaseRecord) -> Result<Arc<ServiceItem>, AppError> {
    let id = &case.item_version_id;
    if let Some(item) = lock(&app.item_versions).get(id) {
        return Ok(item.clone());
    }
    let item = Arc::new(app.store.item_version(id).await?.item);
    lock(&app.item_versions).put(id.clone(), item.clone());
    Ok(item)
}

fn lock(cache: &VersionCache) -> std::sync::MutexGuard<'_, LruCache<String, Arc<ServiceItem>>> {
    // A panic while holding the lock leaves a cache that is still consistent (get and put
    // are whole), so a poisoned lock is used as it is.
    cache.0.lock().unwrap_or_else(|e| e.into_inner())
}
