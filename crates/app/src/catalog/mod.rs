//! The published catalog as this instance holds it: a search index rebuilt from the store
//! when the publication generation moves, and swapped in whole so readers never wait.

pub mod versions;
pub mod work;

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Arc;

use arc_swap::ArcSwap;

use tongban_domain::licence::LicenceType;
use tongban_search::CatalogIndex;
use tongban_store::Store;

use crate::AppError;

/// Shared handle to the current index.
#[derive(Clone)]
pub struct CatalogHandle {
    current: Arc<ArcSwap<Published>>,
}

/// One generation of the published catalog: the search index and, for each item, the id of
/// the published version it was built from, swapped together so a submission records the
/// version whose rules it was checked against.
pub struct Published {
    index: CatalogIndex,
    version_ids: HashMap<String, String>,
    /// The licence catalog (证照目录) of the same generation.
    licence_types: Vec<LicenceType>,
}

impl Published {
    /// The id of the published version of `implementation_code` in this generation.
    pub fn version_id(&self, implementation_code: &str) -> Option<&str> {
        self.version_ids
            .get(implementation_code)
            .map(String::as_str)
    }

    /// The licence type named `name`.
    pub fn licence_type_named(&self, name: &str) -> Option<&LicenceType> {
        self.licence_types.iter().find(|t| t.name == name)
    }

    /// The codes of the licence types named by any of `names`.
    pub fn licence_type_codes_named(&self, names: &[&str]) -> Vec<&str> {
        self.licence_types
            .iter()
            .filter(|t| names.contains(&t.name.as_str()))
            .map(|t| t.code.as_str())
            .collect()
    }

    /// The licence types with the given codes; unknown ones are left out.
    pub fn licence_types_coded(&self, codes: &[&str]) -> Vec<LicenceType> {
        self.licence_types
            .iter()
            .filter(|t| codes.contains(&t.code.as_str()))
            .cloned()
            .collect()
    }
}

impl Deref for Published {
    type Target = CatalogIndex;

    fn deref(&self) -> &CatalogIndex {
        &self.index
    }
}

impl CatalogHandle {
    pub fn empty() -> Self {
        let index = CatalogIndex::build(Vec::new(), -1).expect("an empty index always builds");
        CatalogHandle {
            current: Arc::new(ArcSwap::from_pointee(Published {
                index,
                version_ids: HashMap::new(),
                licence_types: Vec::new(),
            })),
        }
    }

    /// The index to answer this request with.
    pub fn get(&self) -> Arc<Published> {
        self.current.load_full()
    }

    /// Rebuilds from the store if a publication happened since the index was built (here or
    /// on another instance). Returns whether it rebuilt.
    pub async fn refresh(&self, store: &Store) -> Result<bool, AppError> {
        let generation = store.catalog_generation().await?;
        if generation == self.get().generation() {
            return Ok(false);
        }
        let published = store.published_items().await?;
        let licence_types = store.licence_types().await?;
        let version_ids = published
            .iter()
            .map(|p| (p.item.implementation_code.clone(), p.version_id.clone()))
            .collect();
        let items = published.into_iter().map(|p| p.item).collect();
        let index = tokio::task::spawn_blocking(move || CatalogIndex::build(items, generation))
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::internal)?;
        let index = Arc::new(Published {
            index,
            version_ids,
            licence_types,
        });
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
