//! Storage of 一件事 bundles (issue 13): each version a whole definition, moved through the
//! catalog's lifecycle by an UPDATE guarded by the status the decision was taken on, and
//! the version in force of each published bundle.

pub(crate) mod cases;
mod versions;

pub use cases::{BundleCaseRecord, BundleChildRecord, NewBundleCase, NewBundleChild};
pub use versions::{BundleVersion, PublishedBundle};
