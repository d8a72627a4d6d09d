//! 一件事一次办 (issue 13): a bundle of items done with one questionnaire, one form, one set
//! of materials and one submission. `definition.rs` is what the bureau defines and its
//! checks; `form.rs` merges the members' forms and materials and derives each child's;
//! `status.rs` is the bundle's status as a pure function of its children's and the order
//! in which dependent children start.

pub mod application;
pub mod definition;
pub mod form;
pub mod status;

pub use application::{MAX_DAILY_BUNDLES, bundle_number, bundle_number_prefix, child_key};
pub use definition::{
    Audience, Bundle, Choice, Condition, FieldKind, FieldSpec, FieldUse, Member, Question,
    SituationFrom,
};
pub use form::{MergedMaterial, check_form, child_form, merged_form, merged_materials};
pub use status::{BundleStatus, ChildState, bundle_due, bundle_status, cancelled, startable};

#[cfg(test)]
mod tests;
