//! The Ardoise desktop shell: a thin Tauri layer over `ardoise-sync`. It holds one
//! [`state::AppState`], runs the sync loop in the background and pushes its status to the
//! UI as `sync-status` events; commands are a few lines each over the sync crate. The
//! webview never talks to the network: all HTTP is in Rust.
#![warn(missing_docs)]

pub mod commands;
pub mod error;
pub mod state;

use ardoise_sync::Profile;
use tauri::Manager;

/// The profile folder: `ARDOISE_PROFILE`, or `default` in the app's data folder.
fn profile_dir(app: &tauri::App) -> std::path::PathBuf {
    std::env::var_os("ARDOISE_PROFILE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            app.path()
                .app_data_dir()
                .unwrap_or_else(|_| std::path::PathBuf::from("."))
                .join("default")
        })
}

/// Starts the app.
pub fn run() {
    tauri::Builder::default()
        .setup(|app| {
            let profile = Profile::new(profile_dir(app));
            let state = state::AppState::start(app.handle().clone(), profile)
                .map_err(|e| format!("{}: {}", e.code, e.message))?;
            app.manage(state);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::timetable::get_week,
            commands::timetable::get_me,
            commands::timetable::get_day,
            commands::timetable::search_targets,
            commands::timetable::cancel_occurrence,
            commands::timetable::replace_occurrence,
            commands::session::login,
            commands::conflicts::list_conflicts,
            commands::conflicts::resolve_conflict,
            commands::logbook::get_session,
            commands::logbook::save_session,
            commands::sync::get_status,
            commands::sync::sync_now,
        ])
        .run(tauri::generate_context!())
        .expect("error while running the Ardoise app");
}
