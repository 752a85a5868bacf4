//! The cahier de textes: open and save a séance.

use ardoise_protocol::Data;
use ardoise_sync::{logbook, queries};
use tauri::State;

use crate::error::{CmdResult, CommandError};
use crate::state::AppState;

/// The logged-in teacher's séance for a course occurrence, if written.
#[tauri::command]
pub fn get_session(state: State<'_, AppState>, occurrence_id: String) -> CmdResult<Option<Data>> {
    let replica = state.lock_replica()?;
    let me = replica.user_id()?;
    Ok(queries::session_for_occurrence(
        replica.conn(),
        &occurrence_id,
        &me,
    )?)
}

/// Saves a séance (see `ardoise_sync::logbook::save_session` for the input) and wakes the
/// sync loop.
#[tauri::command]
pub fn save_session(state: State<'_, AppState>, input: Data) -> CmdResult<Data> {
    let saved = {
        let mut replica = state.lock_replica()?;
        logbook::save_session(&mut replica, &input)?
    };
    state
        .wake
        .send(())
        .map_err(|_| CommandError::new("app.sync_stopped", "la synchronisation est arrêtée"))?;
    Ok(saved)
}
