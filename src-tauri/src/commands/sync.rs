//! Sync status and "sync now".

use ardoise_sync::SyncStatus;
use tauri::State;

use ardoise_protocol::ErrorCode;

use crate::error::{CmdResult, CommandError};
use crate::state::AppState;

/// Connectivity from the sync loop's last report, counts fresh from the replica (an edit
/// shows in the pending count at once).
pub fn status_of(state: &AppState) -> CmdResult<SyncStatus> {
    let latest = state.latest.lock().ok().and_then(|l| l.clone());
    let ent = state.profile()?.info().map(|i| i.ent).unwrap_or_default();
    let replica = state.lock_replica()?;
    Ok(SyncStatus {
        online: latest.as_ref().is_some_and(|l| l.online),
        syncing: latest.as_ref().is_some_and(|l| l.syncing),
        pending: replica.pending_count()?,
        quarantined: replica.quarantined()?.len() as i64,
        conflicts: replica.conflict_count()?,
        last_sync: replica.state(ardoise_sync::replica::keys::LAST_SYNC)?,
        cursor: replica.cursor()?,
        progress: latest.and_then(|l| l.progress),
        key_storage: replica.key_storage(),
        ent: ent.as_str().to_string(),
        capabilities: ent.capabilities_here(),
    })
}

/// The sync status as the replica knows it (the loop pushes live updates as events).
#[tauri::command]
pub fn get_status(state: State<'_, AppState>) -> CmdResult<SyncStatus> {
    status_of(&state)
}

/// A new address to subscribe a calendar application to the user's timetable; the
/// previous address stops working. The address holds a secret: it is shown, never kept.
#[tauri::command]
pub async fn renew_calendar_feed(state: State<'_, AppState>) -> CmdResult<String> {
    let profile = state.profile()?;
    tauri::async_runtime::spawn_blocking(move || {
        ardoise_sync::scheduler::open_engine(&profile)?.renew_calendar_feed()
    })
    .await
    .map_err(|e| CommandError::new(ErrorCode::AppTask, e.to_string()))?
    .map_err(CommandError::from)
}

/// Wakes the sync loop now.
#[tauri::command]
pub fn sync_now(state: State<'_, AppState>) -> CmdResult<SyncStatus> {
    state.wake();
    status_of(&state)
}
