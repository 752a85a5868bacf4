//! Direction and inspectors: read any teacher's cahier de textes, sign it off (visa).

use ardoise_sync::logbook;
use ardoise_sync::views::{self, TeacherLogbook};
use tauri::State;

use crate::commands::parse_date;
use crate::error::CmdResult;
use crate::state::AppState;

/// A teacher's séances between two dates included, with their classes' visas.
#[tauri::command]
pub fn get_logbook(
    state: State<'_, AppState>,
    teacher: String,
    from: String,
    to: String,
) -> CmdResult<TeacherLogbook> {
    let (from, to) = (parse_date(&from)?, parse_date(&to)?);
    Ok(views::teacher_logbook(
        &*state.lock_replica()?,
        &teacher,
        from,
        to,
    )?)
}

/// Signs off a teacher's logbook for a class up to a date; wakes the sync loop.
#[tauri::command]
pub fn sign_visa(
    state: State<'_, AppState>,
    teacher: String,
    audience: String,
    until: String,
    comment: String,
) -> CmdResult<()> {
    let until = parse_date(&until)?;
    logbook::sign_visa(
        &mut *state.lock_replica()?,
        &teacher,
        &audience,
        until,
        &comment,
    )?;
    state.wake();
    Ok(())
}
