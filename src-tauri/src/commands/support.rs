//! Help and assistance: the support bundle saved to a file or queued for the ENT's
//! assistance inbox (sent by the sync loop, which is woken), the reports made on this
//! device; and the direction's indicators, which the ENT computes.

use ardoise_protocol::indicators::Indicators;
use ardoise_protocol::ErrorCode;
use ardoise_sync::support::{self, Maker, Report};
use tauri::{AppHandle, Manager, State};

use crate::commands::export::{save_as, Filter};
use crate::commands::parse_date;
use crate::error::{CmdResult, CommandError};
use crate::state::AppState;

/// This app, and its log files (where tauri-plugin-log writes them).
fn maker(app: &AppHandle) -> Maker {
    let logs = app
        .path()
        .app_log_dir()
        .ok()
        .and_then(|dir| std::fs::read_dir(dir).ok())
        .map(|entries| {
            let mut logs: Vec<_> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "log"))
                .collect();
            logs.sort();
            logs
        })
        .unwrap_or_default();
    Maker {
        app: format!("Ardoise {}", env!("CARGO_PKG_VERSION")),
        logs,
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn bundle(app: &AppHandle, state: &State<'_, AppState>) -> CmdResult<Vec<u8>> {
    let profile = state.profile()?;
    Ok(support::build(
        &*state.lock_replica()?,
        &profile,
        &maker(app),
        &now(),
    )?)
}

/// Asks where to save a support bundle (a zip), writes it; its path, `None` when the
/// user cancelled.
#[tauri::command]
pub async fn save_support_bundle(
    app: AppHandle,
    state: State<'_, AppState>,
) -> CmdResult<Option<String>> {
    let zip = bundle(&app, &state)?;
    let name = format!(
        "rapport-ardoise-{}.zip",
        chrono::Local::now().format("%Y-%m-%d")
    );
    let saved = save_as(
        &app,
        &state,
        "Enregistrer le rapport pour l'assistance",
        name,
        zip,
        Filter::ZIP,
    )
    .await?;
    if let Some(path) = &saved {
        log::info!("rapport d'assistance enregistré : {path}");
    }
    Ok(saved)
}

/// Queues a support report for the ENT's assistance inbox and wakes the sync loop.
#[tauri::command]
pub fn send_support_report(app: AppHandle, state: State<'_, AppState>) -> CmdResult<Report> {
    if !state.profile()?.info()?.ent.capabilities_here().assistance {
        return Err(CommandError::new(
            ErrorCode::BackendUnsupported,
            "Pas de boîte d'assistance ici (l'ENT n'en a pas, ou l'établissement l'a \
             fermée) : enregistrez le rapport dans un fichier.",
        ));
    }
    let zip = bundle(&app, &state)?;
    let id = {
        let replica = state.lock_replica()?;
        support::queue(&replica, &zip, &now())?
    };
    log::info!("rapport d'assistance {id} en file");
    state.wake();
    support::reports(&*state.lock_replica()?)?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| CommandError::new(ErrorCode::ReplicaNotFound, id))
}

/// The support reports made on this device, newest first.
#[tauri::command]
pub fn support_reports(state: State<'_, AppState>) -> CmdResult<Vec<Report>> {
    Ok(support::reports(&*state.lock_replica()?)?)
}

async fn fetch(state: &State<'_, AppState>, from: &str, until: &str) -> CmdResult<Indicators> {
    let (from, until) = (parse_date(from)?, parse_date(until)?);
    let profile = state.profile()?;
    tauri::async_runtime::spawn_blocking(move || {
        ardoise_sync::scheduler::open_engine(&profile)?.indicators(from, until)
    })
    .await
    .map_err(|e| CommandError::new(ErrorCode::AppTask, e.to_string()))?
    .map_err(CommandError::from)
}

/// The direction's indicators from `from` to `until` (YYYY-MM-DD), from the ENT.
#[tauri::command]
pub async fn indicators(
    state: State<'_, AppState>,
    from: String,
    until: String,
) -> CmdResult<Indicators> {
    fetch(&state, &from, &until).await
}

/// Asks where to save the indicators as CSV, writes them; the path, `None` when cancelled.
#[tauri::command]
pub async fn export_indicators_csv(
    app: AppHandle,
    state: State<'_, AppState>,
    from: String,
    until: String,
) -> CmdResult<Option<String>> {
    let ind = fetch(&state, &from, &until).await?;
    let name = format!("indicateurs-{}-{}.csv", ind.from, ind.until);
    save_as(
        &app,
        &state,
        "Enregistrer les indicateurs (CSV)",
        name,
        ind.to_csv().into_bytes(),
        Filter::CSV,
    )
    .await
}
