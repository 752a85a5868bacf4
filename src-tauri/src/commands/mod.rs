//! The commands the UI calls, one module per domain, each a few lines over `ardoise-sync`.

use ardoise_protocol::ErrorCode;
use chrono::NaiveDate;

use crate::error::{CmdResult, CommandError};

pub mod account;
pub mod charter;
pub mod conflicts;
pub mod direction;
pub mod documents;
pub mod export;
pub mod logbook;
pub mod news;
pub mod progression;
pub mod support;
pub mod sync;
pub mod timetable;
pub mod todo;
pub mod updates;
pub mod view;

/// A YYYY-MM-DD date from the UI.
fn parse_date(s: &str) -> CmdResult<NaiveDate> {
    s.parse()
        .map_err(|_| CommandError::new(ErrorCode::AppInvalidDate, format!("date invalide : {s}")))
}
