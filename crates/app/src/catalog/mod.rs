//! The published catalog as this instance holds it: a search index rebuilt from the store
//! when the publication generation moves, and swapped in whole so readers never wait.

pub mod versions;
pub mod work;

use std::sync::Arc;

use arc_swap::ArcSwap;

use tongban_search::CatalogIndex;
use tongban_store::Store;

use crate::AppError;

/// Shared handle to the current index.
#[derive(Clone)]
pub struct CatalogHandle {
    current: Arc<ArcSwap<CatalogIndex>>,
}

impl CatalogHandle {
    pub fn empty() -> Self {
        let index = CatalogIndex::build(Vec::new(), -1).expect("an empty index always builds");
        CatalogHandle {
            current: Arc::new(ArcSwap::from_pointee(index)),
        }
    }

    /// The index to answer this request with.
    pub fn get(&self) -> Arc<CatalogIndex> {
        self.current.load_full()
    }

    /// Rebuilds from the store if a publication happened since the index was built (here or
    /// on another instance). Returns whether it rebuilt.
    pub async fn refresh(&self, store: &Store) -> Result<bool, AppError> {
        let generation = store.catalog_generation().await?;
        if generation == self.get().generation() {
            return Ok(false);
        }
        let items = store
            .published_items()
            .await?
            .into_iter()
            .map(|p| p.item)
            .collect();
        let index = tokio::task::spawn_blocking(move || CatalogIndex::build(items, generation))
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::internal)?;
        let index = Arc::new(index);
        // Two refreshes may race; the newer generation wins.
        self.current.rcu(|old| {
            if old.generation() < index.generation() {
                index.clone()
            } else {
                old.clone()
            }
        });
        Ok(true)
    }
}
