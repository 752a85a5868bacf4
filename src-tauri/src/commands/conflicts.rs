//! Conflict revisions: list them side by side, keep mine or theirs, or a merged version.

use ardoise_protocol::{ErrorCode, Keep};
use ardoise_sync::logbook;
use ardoise_sync::views::{self, ConflictView};
use serde_json::Value;
use tauri::State;

use crate::error::{CmdResult, CommandError};
use crate::state::AppState;

/// Open conflict revisions.
#[tauri::command]
pub fn list_conflicts(state: State<'_, AppState>) -> CmdResult<Vec<ConflictView>> {
    Ok(views::conflicts(&*state.lock_replica()?)?)
}

/// Resolves a conflict: `keep` is "mine" or "theirs". Wakes the sync loop.
#[tauri::command]
pub fn resolve_conflict(state: State<'_, AppState>, id: String, keep: String) -> CmdResult<()> {
    let keep = match keep.as_str() {
        "mine" => Keep::Mine,
        "theirs" => Keep::Theirs,
        other => {
            return Err(CommandError::new(
                ErrorCode::AppInvalidChoice,
                format!("mine ou theirs, pas {other}"),
            ))
        }
    };
    {
        let mut replica = state.lock_replica()?;
        logbook::resolve_conflict(&mut replica, &id, keep)?;
    }
    state.wake();
    Ok(())
}

/// Resolves a conflict with the version the user merged by hand: field name → value, for
/// the fields in conflict. Wakes the sync loop.
#[tauri::command]
pub fn resolve_conflict_merged(
    state: State<'_, AppState>,
    id: String,
    values: std::collections::BTreeMap<String, String>,
) -> CmdResult<()> {
    let values: ardoise_protocol::Data = values
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    logbook::resolve_conflict_merged(&mut *state.lock_replica()?, &id, &values)?;
    state.wake();
    Ok(())
}
