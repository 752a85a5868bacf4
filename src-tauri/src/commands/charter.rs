//! The school's usage charter: the version to accept before anything else, accepting it
//! (queued like any edit, then the sync loop is woken), and who accepted it (direction).

use ardoise_sync::charter::{self, CharterStatus, CharterView};
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

/// The version of the charter the user must accept before anything else, if any.
#[tauri::command]
pub fn charter_to_accept(state: State<'_, AppState>) -> CmdResult<Option<CharterView>> {
    Ok(charter::to_accept(&*state.lock_replica()?)?)
}

/// Accepts version `number` of the charter (the latest) and wakes the sync loop.
#[tauri::command]
pub fn accept_charter(state: State<'_, AppState>, number: u32) -> CmdResult<CharterView> {
    let view = charter::accept(&mut *state.lock_replica()?, number)?;
    state.wake();
    Ok(view)
}

/// Who accepted which version of the charter (direction).
#[tauri::command]
pub fn charter_status(state: State<'_, AppState>) -> CmdResult<CharterStatus> {
    Ok(charter::status(&*state.lock_replica()?)?)
}
