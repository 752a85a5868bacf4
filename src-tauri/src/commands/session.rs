//! Logging in from the app: the password goes to the ENT over HTTP from Rust (never from
//! the webview), the profile records who it is, and the sync loop starts.

use ardoise_sync::{login as sync_login, HttpConnector};
use tauri::State;

use crate::commands::timetable::Me;
use crate::error::{CmdResult, CommandError};
use crate::state::AppState;

/// Logs in to `server` as `login`, then wakes the sync loop for the first sync.
#[tauri::command]
pub async fn login(
    state: State<'_, AppState>,
    server: String,
    login: String,
    password: String,
) -> CmdResult<Me> {
    let profile = state.profile.clone();
    let info = tauri::async_runtime::spawn_blocking(move || {
        let connector = HttpConnector::new(&server)?;
        sync_login(&profile, &server, &connector, &login, &password)
    })
    .await
    .map_err(|e| CommandError::new("app.task", e.to_string()))??;
    let _ = state.wake.send(());
    Ok(Me {
        login: info.user.login,
        display_name: info.user.display_name,
        roles: info.user.roles,
    })
}
