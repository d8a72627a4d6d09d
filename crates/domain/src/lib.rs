//! Tongban's domain: the rules of the platform in plain Rust.
//!
//! This crate owns identity codes and their check characters, the organisation model, roles,
//! permissions and scopes, the audit hash chain and the login-throttling policy. It does no
//! I/O: no HTTP, no SQL, no clock. Callers pass `now` in, so tests control time.

pub mod account;
pub mod audit;
pub mod authz;
pub mod bundle;
pub mod calendar;
pub mod case;
pub mod catalog;
pub mod codes;
pub mod feedback;
pub mod hall;
pub mod identity;
pub mod licence;
pub mod mask;
pub mod notify;
pub mod org;
pub mod password;
pub mod seal;
pub mod throttle;
pub mod validation;

pub use validation::{FieldError, ValidationErrors};
