//! HTML pages, one module per audience. Handlers are thin: extract, authorize through the
//! route table or a capability, call the store, render a template.

pub mod account;
pub mod bundles;
pub mod calendar;
pub mod cases;
pub mod catalog;
pub mod feedback;
pub mod guide;
pub mod halls;
pub mod identity;
pub mod licences;
pub mod lists;
pub mod messages;
pub mod notifications;
pub mod public;
pub mod staff;
pub mod window_supply;
