//! A teacher's progressions: listing them, making one from a class's séances, applying
//! one to a class (a preview first), deleting one. Each change is queued and the sync loop
//! woken.

use ardoise_sync::progression::{self, Applied, ProgressionView};
use tauri::State;

use crate::commands::parse_date;
use crate::error::CmdResult;
use crate::state::AppState;

/// The teacher's progressions.
#[tauri::command]
pub fn list_progressions(state: State<'_, AppState>) -> CmdResult<Vec<ProgressionView>> {
    Ok(progression::list(&*state.lock_replica()?)?)
}

/// The classes and groups the teacher teaches, to make a progression from.
#[tauri::command]
pub fn progression_classes(state: State<'_, AppState>) -> CmdResult<Vec<String>> {
    Ok(progression::classes(&*state.lock_replica()?, None)?)
}

/// Makes a progression from the teacher's séances with `audience`.
#[tauri::command]
pub fn progression_from_class(
    state: State<'_, AppState>,
    audience: String,
    level: String,
    title: String,
) -> CmdResult<ProgressionView> {
    let made =
        progression::from_class(&mut *state.lock_replica()?, &audience, None, &title, &level)?;
    state.wake();
    Ok(made)
}

/// Applies progression `id` to `audience` from `from` (YYYY-MM-DD): with `dry_run`, only
/// where each step would go.
#[tauri::command]
pub fn apply_progression(
    state: State<'_, AppState>,
    id: String,
    audience: String,
    from: String,
    dry_run: bool,
) -> CmdResult<Applied> {
    let from = parse_date(&from)?;
    let done = progression::apply(&mut *state.lock_replica()?, &id, &audience, from, dry_run)?;
    if !dry_run {
        state.wake();
    }
    Ok(done)
}

/// Deletes one of the teacher's progressions.
#[tauri::command]
pub fn delete_progression(state: State<'_, AppState>, id: String) -> CmdResult<()> {
    progression::delete(&mut *state.lock_replica()?, &id)?;
    state.wake();
    Ok(())
}
