//! Demo seeding: the real organisation and catalog of `tongban_store::demo`, then the
//! licence types and the demo people's licences, sealed by real keys.

use crate::{App, AppError};

/// Loads the demonstration data into `app`'s empty database; `hash` hashes the demo
/// password (tests pass a fixed salt to stay fast).
pub async fn load(
    app: &App,
    hash: &(dyn Fn(&tongban_domain::codes::Password) -> String + Sync),
) -> Result<(), AppError> {
    tongban_store::demo::load(&app.store, app.clock.now(), hash).await?;
    crate::licences::load_demo(app).await?;
    // The catalog was published just now: index it before anyone asks.
    app.catalog.refresh(&app.store).await?;
    Ok(())
}
