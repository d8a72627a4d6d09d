//! HTTP integration tests, one binary: each test starts the real server on a random port over
//! its own copy of the demonstration database and talks to it with a real client. One module
//! per context; `support` holds what they share.

mod accounts;
mod authz;
mod bundles;
mod cases;
mod catalog;
mod feedback;
mod halls;
mod hardening;
mod identity;
mod licences;
mod notify;
mod oidc;
mod org;
mod support;
