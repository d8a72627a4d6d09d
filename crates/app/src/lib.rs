//! Tongban's application layer: every use case as a typed command or query over the domain
//! and the store. A use case takes who is acting (an [`Actor`]), loads what the rules need,
//! asks the domain to decide, stores what it decided and sends what it announces. It knows no
//! HTTP, HTML or JSON shapes: the pages and the API call the same functions here, so neither
//! can do what the other refuses, and the command line calls them too.
//!
//! Per-instance caches (the catalog index, the working-day calendar, the published seal
//! keys), the clock, the background jobs and demo seeding live here as well.

pub mod accounts;
pub mod audit;
pub mod bundles;
pub mod calendar;
pub mod cases;
pub mod catalog;
mod clock;
pub mod demo;
mod error;
pub mod feedback;
pub mod halls;
pub mod identity;
pub mod jobs;
pub mod licences;
pub mod notify;
pub mod org;
pub mod settings;

use std::sync::Arc;

use tongban_store::{KeyStore, Store};

pub use accounts::Actor;
pub use calendar::CalendarHandle;
pub use catalog::CatalogHandle;
pub use clock::{Clock, StartedClock, SystemClock};
pub use error::AppError;
pub use settings::Settings;

/// Everything a use case can reach: the store, the clock, the settings and this instance's
/// caches. Cheap to clone; every clone shares the same caches.
#[derive(Clone)]
pub struct App {
    /// Only the use cases of this crate reach the store: the web layer and the command line
    /// go through them.
    pub(crate) store: Store,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    pub catalog: CatalogHandle,
    /// Working days and holidays, for every time limit.
    pub calendar: CalendarHandle,
    /// The secret halves of the seal keys this instance holds (data directory).
    pub keys: KeyStore,
    /// Published public keys, cached for verification.
    pub seal_keys: licences::PublicKeys,
    /// Implementation lists of filed cases, by version.
    pub item_versions: catalog::versions::VersionCache,
    /// Licence serial numbers this instance has reserved and not used yet.
    pub(crate) serials: licences::SerialBlocks,
}

impl App {
    /// The application over `store`, with the published catalog indexed and the calendar
    /// loaded.
    pub async fn new(
        store: Store,
        settings: Settings,
        keys: KeyStore,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, AppError> {
        let catalog = CatalogHandle::empty();
        catalog.refresh(&store).await?;
        Ok(Self {
            calendar: CalendarHandle::load(&store).await?,
            store,
            clock,
            settings: Arc::new(settings),
            catalog,
            keys,
            seal_keys: licences::PublicKeys::default(),
            item_versions: Default::default(),
            serials: Default::default(),
        })
    }

    /// Today in the district (Asia/Shanghai has no daylight saving).
    pub fn today(&self) -> chrono::NaiveDate {
        tongban_domain::calendar::district_date(self.clock.now())
    }
}
