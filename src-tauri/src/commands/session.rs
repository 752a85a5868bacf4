//! Logging in from the app: the password goes to the ENT over HTTP from Rust (never from
//! the webview), into the user's own profile, and the sync loop starts on it.

use ardoise_protocol::ErrorCode;
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
    .map_err(|e| CommandError::new(ErrorCode::AppTask, e.to_string()))??;
    if state.profile()?.dir() != profile.dir() {
        state.switch_to(profile.clone())?;
    } else {
        state.wake();
    }
    state.profiles.remember(&profile)?;
    log::info!("connecté : {}", info.user.login);
    Ok(Me::from(info.user))
}

/// Logs out and wipes the profile shown from this computer (replica, key, documents kept
/// offline): the app goes back to the login screen on a new, empty profile. Refused while
/// edits wait to be sent, unless `discard_pending`.
#[tauri::command]
pub async fn logout(state: State<'_, AppState>, discard_pending: bool) -> CmdResult<()> {
    let old = state.profile()?;
    {
        let replica = state.lock_replica()?;
        let pending = replica.pending_count()?;
        if pending > 0 && !discard_pending {
            return Err(CommandError::new(
                ErrorCode::LogoutPending,
                format!("{pending} modification(s) pas encore envoyée(s) à l'ENT"),
            ));
        }
    }
    // Every thread leaves the profile before it is wiped.
    let fresh = state.profiles.fresh(&old)?;
    state.switch_to(fresh)?;
    tauri::async_runtime::spawn_blocking(move || {
        // The ENT is told when the profile knows it; the wipe happens either way.
        let connector = match old.info() {
            Ok(info) => {
                let replica = ardoise_sync::Replica::open(&old.replica_path())?;
                ardoise_sync::backend::connector_for(&info, &replica)?
            }
            Err(_) => Box::new(HttpConnector::new("http://127.0.0.1:9")?),
        };
        ardoise_sync::logout(&old, &*connector, true)
    })
    .await
    .map_err(|e| CommandError::new(ErrorCode::AppTask, e.to_string()))??;
    state.profiles.forget_last()?;
    log::info!("déconnecté, profil effacé");
    Ok(())
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
