//! The case (办件) rules: its state machine, the one-time-notice rule, deadlines with clock
//! stops for special procedures, and case numbers.
//!
//! This module decides, so that the same rules hold for online applications, window intake
//! and the API; each seam has its own file: `status` (the state machine), `effects` (what a step sets
//! in motion), `deadlines`,
//! `window` (the person at a window), `material` (the desk's check), `notice`, `number` and `upload`.

mod deadlines;
mod effects;
mod filter;
mod material;
mod notice;
mod number;
mod status;
mod upload;
mod window;

pub use deadlines::*;
pub use effects::*;
pub use filter::*;
pub use material::*;
pub use notice::*;
pub use number::*;
pub use status::*;
pub use upload::*;
pub use window::*;

#[cfg(test)]
mod tests;
