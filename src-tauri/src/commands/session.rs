//! Logging in from the app: the password goes to the ENT over HTTP from Rust (never from
//! the webview), into the user's own profile, and the sync loop starts on it.

use ardoise_sync::{login as sync_login, HttpConnector};
use tauri::State;

use crate::commands::timetable::Me;
use crate::error::{CmdResult, CommandError};
use crate::state::AppState;

/// Logs in to `server` as `login` — in that user's profile, switching to it if another
/// user's was shown — then wakes the sync loop for the first sync.
#[tauri::command]
pub async fn login(
    state: State<'_, AppState>,
    server: String,
    login: String,
    password: String,
) -> CmdResult<Me> {
    let profile = state.profiles.for_login(login.trim())?;
    let target = profile.clone();
    let info = tauri::async_runtime::spawn_blocking(move || {
        let connector = HttpConnector::new(&server)?;
        sync_login(&target, &server, &connector, login.trim(), &password)
    })
    .await
    .map_err(|e| CommandError::new("app.task", e.to_string()))??;
    if state.profile()?.dir() != profile.dir() {
        state.switch_to(profile.clone())?;
    } else {
        state.wake();
    }
    state.profiles.remember(&profile)?;
    log::info!("connecté : {}", info.user.login);
    Ok(Me::from(info.user))
}

/// Who the profiles on this computer belong to, for the login screen ("last user").
#[tauri::command]
pub fn last_login(state: State<'_, AppState>) -> CmdResult<Option<LastLogin>> {
    Ok(state.profile()?.info().ok().map(|i| LastLogin {
        server: i.server,
        login: i.user.login,
    }))
}

/// The server and login of the profile shown.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct LastLogin {
    /// ENT address.
    pub server: String,
    /// Login.
    pub login: String,
}
