//! Tauri commands, one module per domain, each a few lines over `ardoise-sync`.

pub mod conflicts;
pub mod logbook;
pub mod session;
pub mod sync;
pub mod timetable;
