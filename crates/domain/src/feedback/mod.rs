//! What people say about the service, and the loops that answer them (issue 12): 好差评
//! ratings and their rectification (`evaluation`, `rectification`), 12345 hotline tickets
//! (`ticket`) and the 办不成事 desk (`desk`). Each is a small state machine in plain Rust;
//! due dates count on the working-day calendar.

pub mod desk;
pub mod evaluation;
pub mod rectification;
pub mod ticket;
