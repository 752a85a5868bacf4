//! Sync status and "sync now".

use ardoise_sync::SyncStatus;
use tauri::State;

use crate::error::{CmdResult, CommandError};
use crate::state::AppState;

fn status_of(state: &AppState) -> CmdResult<SyncStatus> {
    if let Some(s) = state.latest.lock().ok().and_then(|l| l.clone()) {
        return Ok(s);
    }
    let reader = state
        .reader
        .lock()
        .map_err(|_| CommandError::new("app.lock", "état verrouillé"))?;
    Ok(SyncStatus {
        online: false,
        syncing: false,
        pending: reader.pending_count()?,
        quarantined: reader.quarantined()?.len() as i64,
        conflicts: reader.conflict_count()?,
        last_sync: reader.state(ardoise_sync::replica::keys::LAST_SYNC)?,
        cursor: reader.cursor()?,
    })
}

/// The sync status as the replica knows it (the loop pushes live updates as events).
#[tauri::command]
pub fn get_status(state: State<'_, AppState>) -> CmdResult<SyncStatus> {
    status_of(&state)
}

/// Wakes the sync loop now.
#[tauri::command]
pub fn sync_now(state: State<'_, AppState>) -> CmdResult<SyncStatus> {
    let _ = state.wake.send(());
    status_of(&state)
}
