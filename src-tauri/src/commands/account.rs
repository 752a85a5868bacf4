//! Logging in from the app: the password goes to the ENT over HTTP from Rust (never from
//! the webview), into the user's own profile, and the sync loop starts on it.

use ardoise_protocol::ErrorCode;
use ardoise_sync::backend::{self, Ent};
use ardoise_sync::open_ent::oauth::Loopback;
use ardoise_sync::open_ent::{Client, OpenEntConnector};
use ardoise_sync::policy::{self, Policies};
use ardoise_sync::{login as sync_login, HttpConnector, Profile, ProfileInfo, SyncError};
use tauri::State;

use crate::commands::timetable::Me;
use crate::error::{CmdResult, CommandError};
use crate::state::AppState;

/// Logs in to `server` as `login` with a password — in that user's profile, switching to
/// it if another user's was shown — then wakes the sync loop for the first sync. On an
/// Open ENT NG, this is the password grant the operator may allow besides the ENT's page.
/// At an account's first login the password is its activation code, and `new_password`
/// the one the person chose (asked after `auth.activation_required`).
#[tauri::command]
pub async fn login(
    state: State<'_, AppState>,
    server: String,
    login: String,
    password: String,
    new_password: Option<String>,
) -> CmdResult<Me> {
    let policies = policy::load();
    // The school's address when it locked one: the field is read-only, and a webview
    // that sent another is not obeyed.
    let server = policies.ent_url_for(&server)?;
    let profile = state.profiles.for_login(login.trim())?;
    let target = profile.clone();
    let info = tauri::async_runtime::spawn_blocking(move || {
        let ent = match policies.ent_kind_for(&server, None) {
            Some(kind) => kind,
            None => backend::probe(&server)?,
        };
        let client = app_client(&policies, ent)?;
        let connector = backend::connector(&server, ent, client.clone(), None)?;
        match &new_password {
            Some(chosen) => ardoise_sync::activate(
                &target,
                &server,
                &*connector,
                login.trim(),
                &password,
                chosen,
            )?,
            None => sync_login(&target, &server, &*connector, login.trim(), &password)?,
        };
        backend::remember(&target, ent, client.as_ref(), None)
    })
    .await
    .map_err(|e| CommandError::new(ErrorCode::AppTask, e.to_string()))??;
    enter(&state, profile, info)
}

/// Shows `profile` (just logged in) and starts its sync.
fn enter(state: &AppState, profile: Profile, info: ProfileInfo) -> CmdResult<Me> {
    if state.profile()?.dir() != profile.dir() {
        state.switch_to(profile.clone())?;
    } else {
        state.wake();
    }
    state.profiles.remember(&profile)?;
    log::info!("connecté : {} ({})", info.user.login, info.ent.as_str());
    Ok(Me::from(info.user))
}

/// How Ardoise is registered on an Open ENT NG, as the school's IT set it for this
/// computer: its policies, else `ARDOISE_CLIENT_ID` and `ARDOISE_CLIENT_SECRET`
/// (`Policies::oauth_client`); none for Ardoise's own ENT.
fn app_client(policies: &Policies, ent: Ent) -> Result<Option<Client>, SyncError> {
    if ent != Ent::OpenEntNg {
        return Ok(None);
    }
    match policies.oauth_client(
        std::env::var("ARDOISE_CLIENT_ID").ok(),
        std::env::var("ARDOISE_CLIENT_SECRET").ok(),
    ) {
        Some(client) => Ok(Some(client)),
        None => Err(SyncError::refused(
            ErrorCode::BackendInvalidClient,
            "Ardoise n'est pas encore configurée pour cet ENT : le service informatique de \
             l'établissement doit y enregistrer l'application (voir docs/open-ent-ng.md).",
        )),
    }
}

/// Which kind of ENT answers at `server`: the login screen asks before showing its
/// fields (an Open ENT NG signs in on its own page).
#[tauri::command]
pub async fn probe_ent(server: String) -> CmdResult<Ent> {
    let policies = policy::load();
    let server = policies.ent_url_for(&server)?;
    if let Some(kind) = policies.ent_kind_for(&server, None) {
        return Ok(kind);
    }
    Ok(
        tauri::async_runtime::spawn_blocking(move || backend::probe(&server))
            .await
            .map_err(|e| CommandError::new(ErrorCode::AppTask, e.to_string()))??,
    )
}

/// The school's policies on this computer, as the screens need them (the login screen
/// shows a locked ENT address as such; the status bar says when the file was ignored).
#[tauri::command]
pub fn get_policies() -> ardoise_sync::policy::PolicyView {
    let policies = policy::load();
    for problem in &policies.problems {
        log::warn!("politique : {problem}");
    }
    policies.view()
}

/// Starts signing in on the Open ENT NG at `server` through its own page: opens it in the
/// system browser and returns its address (shown, should no browser open). The code comes
/// back to a loopback port: [`finish_ent_login`] waits for it.
#[tauri::command]
pub async fn start_ent_login(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    server: String,
) -> CmdResult<String> {
    let policies = policy::load();
    let server = policies.ent_url_for(&server)?;
    let client = app_client(&policies, Ent::OpenEntNg)?.ok_or_else(|| {
        CommandError::new(ErrorCode::BackendInvalidClient, "client Open ENT NG absent")
    })?;
    let connector = OpenEntConnector::new(&server, client, None)?;
    let loopback = Loopback::bind()?;
    let url = connector.authorize_url(&loopback.redirect_uri(), loopback.state());
    *state
        .ent_login
        .lock()
        .map_err(|_| CommandError::new(ErrorCode::AppLock, "ent_login"))? = Some(EntLogin {
        server,
        connector,
        loopback,
    });
    // No browser (a kiosk, a test machine): the address is on the screen all the same.
    if let Err(e) = tauri_plugin_opener::OpenerExt::opener(&app).open_url(&url, None::<&str>) {
        log::warn!("navigateur système : {e}");
    }
    Ok(url)
}

/// An ENT login under way: the ENT's page is open, its answer awaited.
pub struct EntLogin {
    server: String,
    connector: OpenEntConnector,
    loopback: Loopback,
}

/// Waits (five minutes at most) for the browser to come back from the ENT's page, trades
/// the code for tokens, and opens that user's profile.
#[tauri::command]
pub async fn finish_ent_login(state: State<'_, AppState>) -> CmdResult<Me> {
    let pending = state
        .ent_login
        .lock()
        .map_err(|_| CommandError::new(ErrorCode::AppLock, "ent_login"))?
        .take()
        .ok_or_else(|| CommandError::new(ErrorCode::AuthLoggedOut, "aucune connexion en cours"))?;
    let (server, tokens, client) = tauri::async_runtime::spawn_blocking(move || {
        let EntLogin {
            server,
            connector,
            loopback,
        } = pending;
        let redirect = loopback.redirect_uri();
        let code = loopback.wait(std::time::Duration::from_secs(300))?;
        let tokens = connector.login_with_code(&code, &redirect)?;
        let client = app_client(&policy::load(), Ent::OpenEntNg)?;
        Ok::<_, SyncError>((server, tokens, client))
    })
    .await
    .map_err(|e| CommandError::new(ErrorCode::AppTask, e.to_string()))??;
    let profile = state.profiles.for_login(&tokens.user.login)?;
    let target = profile.clone();
    let info = tauri::async_runtime::spawn_blocking(move || {
        ardoise_sync::adopt(&target, &server, Ent::OpenEntNg.as_str(), &tokens)?;
        backend::remember(&target, Ent::OpenEntNg, client.as_ref(), None)
    })
    .await
    .map_err(|e| CommandError::new(ErrorCode::AppTask, e.to_string()))??;
    enter(&state, profile, info)
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
