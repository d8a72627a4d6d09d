//! A hall's day (issue 16): the queue and its calls (`queue`), optional appointments
//! (`appointment`), and the hours a hall keeps on a given day (`hours`).
//!
//! Nothing here requires an appointment: a booking only gives a person a place in the queue
//! from their slot's start; a walk-in is served as surely.

pub mod agent;
pub mod appointment;
pub mod assistance;
pub mod edit;
pub mod handover;
pub mod hours;
pub mod queue;
pub mod staff;
