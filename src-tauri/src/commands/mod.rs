//! The commands the UI calls, one module per domain, each a few lines over `ardoise-sync`.

pub mod conflicts;
pub mod direction;
pub mod export;
pub mod logbook;
pub mod session;
pub mod sync;
pub mod timetable;
