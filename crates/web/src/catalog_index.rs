//! The published catalog as this instance holds it: a search index rebuilt from the store
//! when the publication generation moves, and swapped in whole so readers never wait.

use std::sync::{Arc, RwLock};

use tongban_search::CatalogIndex;
use tongban_store::Store;

use crate::WebError;

/// Shared handle to the current index.
#[derive(Clone)]
pub struct CatalogHandle {
    current: Arc<RwLock<Arc<CatalogIndex>>>,
}

impl CatalogHandle {
    pub fn empty() -> Self {
        let index = CatalogIndex::build(Vec::new(), -1).expect("an empty index always builds");
        CatalogHandle {
            current: Arc::new(RwLock::new(Arc::new(index))),
        }
    }

    /// The index to answer this request with.
    pub fn get(&self) -> Arc<CatalogIndex> {
        self.current
            .read()
            .map(|g| g.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// Rebuilds from the store if a publication happened since the index was built (here or
    /// on another instance). Returns whether it rebuilt.
    pub async fn refresh(&self, store: &Store) -> Result<bool, WebError> {
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
            .map_err(WebError::internal)?
            .map_err(WebError::internal)?;
        let mut guard = self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if guard.generation() < index.generation() {
            *guard = Arc::new(index);
        }
        Ok(true)
    }
}
