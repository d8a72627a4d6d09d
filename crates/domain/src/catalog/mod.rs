//! The service catalog: upper-level catalog entries, the district's implementation lists
//! (`ServiceItem`), their review-and-publish lifecycle, the 四级四同 check, published lists,
//! the situation guide and version diffs.
//!
//! Codes follow the national dictionaries in `STANDARDS.md` so records can be exchanged with
//! the provincial platform. Where a value was inferred from real samples rather than read in
//! a standard, it says so and lives in one place.

mod dictionaries;
mod import;
mod item;
mod lifecycle;
mod lists;

pub use dictionaries::*;
pub use import::{
    ImportError, RowError, catalog_code_from_source, parse_catalog_csv, parse_catalog_json,
    parse_catalog_records,
};
pub use item::*;
pub use lifecycle::*;
pub use lists::*;
