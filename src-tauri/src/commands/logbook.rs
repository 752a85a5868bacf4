//! The cahier de textes: open and save a séance with its homework, drafts, copy to another
//! class.

use ardoise_sync::logbook;
use ardoise_sync::views::{
    self, DraftView, HomeworkInput, HomeworkView, OccurrenceView, SessionInput, SessionView,
};
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

/// The logged-in teacher's séance for a lesson, if written.
#[tauri::command]
pub fn get_session(
    state: State<'_, AppState>,
    occurrence_id: String,
) -> CmdResult<Option<SessionView>> {
    Ok(views::session_of_lesson(
        &*state.lock_replica()?,
        &occurrence_id,
    )?)
}

/// The date of the class's next lesson in the same subject after `occurrence_id` (when
/// new homework is due, by default), if the timetable has one.
#[tauri::command]
pub fn next_lesson(state: State<'_, AppState>, occurrence_id: String) -> CmdResult<Option<String>> {
    Ok(views::next_lesson(&*state.lock_replica()?, &occurrence_id)?)
}

/// What the class or group `audience` already has to do on `date` (YYYY-MM-DD), the
/// homework `excluding` left out: the editor shows it, with a warning above the limits,
/// before a teacher adds more.
#[tauri::command]
pub fn day_load(
    state: State<'_, AppState>,
    audience: String,
    date: String,
    excluding: Option<String>,
) -> CmdResult<ardoise_sync::workload::DayLoad> {
    Ok(ardoise_sync::workload::day_load(
        &*state.lock_replica()?,
        &audience,
        crate::commands::parse_date(&date)?,
        excluding.as_deref(),
    )?)
}

/// A séance by id (a draft from the list, an entry the direction reads).
#[tauri::command]
pub fn open_session(state: State<'_, AppState>, id: String) -> CmdResult<SessionView> {
    Ok(views::session(&*state.lock_replica()?, &id)?)
}

/// Saves a séance and wakes the sync loop.
#[tauri::command]
pub fn save_session(state: State<'_, AppState>, input: SessionInput) -> CmdResult<SessionView> {
    let view = views::save_session(&mut *state.lock_replica()?, &input)?;
    state.wake();
    Ok(view)
}

/// Saves a homework given with a séance (same class, subject and date) and wakes the sync
/// loop.
#[tauri::command]
pub fn save_homework(state: State<'_, AppState>, input: HomeworkInput) -> CmdResult<HomeworkView> {
    let saved = views::save_homework(&mut *state.lock_replica()?, &input)?;
    state.wake();
    Ok(saved)
}

/// Deletes one of the teacher's homework and wakes the sync loop.
#[tauri::command]
pub fn delete_homework(state: State<'_, AppState>, id: String) -> CmdResult<()> {
    logbook::delete_homework(&mut *state.lock_replica()?, &id)?;
    state.wake();
    Ok(())
}

/// The logged-in teacher's séances still in draft, most recent first.
#[tauri::command]
pub fn list_drafts(state: State<'_, AppState>) -> CmdResult<Vec<DraftView>> {
    Ok(views::drafts(&*state.lock_replica()?)?)
}

/// Lessons a séance can be copied to: the same subject with another class, from a week
/// before the séance to three weeks after, not yet written.
#[tauri::command]
pub fn copy_targets(
    state: State<'_, AppState>,
    session_id: String,
) -> CmdResult<Vec<OccurrenceView>> {
    Ok(views::copy_targets(&*state.lock_replica()?, &session_id)?)
}

/// Copies a séance (and its homework) to another class's lesson, as a draft.
#[tauri::command]
pub fn copy_session(
    state: State<'_, AppState>,
    session_id: String,
    occurrence_id: String,
) -> CmdResult<SessionView> {
    let view = views::copy_session(&mut *state.lock_replica()?, &session_id, &occurrence_id)?;
    state.wake();
    Ok(view)
}
