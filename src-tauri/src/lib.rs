//! The Ardoise desktop shell: a thin Tauri layer over `ardoise-sync`. It holds one
//! [`state::AppState`], runs the sync loop in the background and pushes its status to the
//! UI as `sync-status` events; commands are a few lines each over the sync crate. The
//! webview never talks to the network: all HTTP is in Rust. The types the commands
//! exchange are generated into `ui/src/bindings.ts` ([`bindings`]).
#![warn(missing_docs)]

pub mod bindings;
pub mod commands;
pub mod error;
pub mod folder_sync;
pub mod identifier;
pub mod locale;
pub mod notify;
pub mod state;

use tauri::Manager;

use crate::state::Profiles;

/// `ARDOISE_PROFILE` (one fixed profile folder), else one profile per user in the app's
/// data folder.
fn profiles(app: &tauri::App) -> Profiles {
    match std::env::var_os("ARDOISE_PROFILE") {
        Some(dir) => Profiles::Fixed(dir.into()),
        None => Profiles::PerUser(
            app.path()
                .app_data_dir()
                .unwrap_or_else(|_| std::path::PathBuf::from("."))
                .join("profiles"),
        ),
    }
}

/// Starts the app.
pub fn run() {
    // Before any plugin creates a folder under the current name.
    let moves = identifier::move_former_folders(&identifier::base_folders());
    tauri::Builder::default()
        // First: a second launch brings the running window forward instead of opening the
        // same replica twice.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.unminimize();
                let _ = w.show();
                let _ = w.set_focus();
            }
        }))
        .plugin(
            tauri_plugin_log::Builder::new()
                .level(log::LevelFilter::Info)
                // Replaces the default targets (the same two): each line once.
                .targets([
                    tauri_plugin_log::Target::new(tauri_plugin_log::TargetKind::Stdout),
                    tauri_plugin_log::Target::new(tauri_plugin_log::TargetKind::LogDir {
                        file_name: None,
                    }),
                ])
                .build(),
        )
        .plugin(tauri_plugin_window_state::Builder::new().build())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        // Its own commands are not granted to the window: the app's (commands::updates)
        // decide when to look and install.
        .plugin(tauri_plugin_updater::Builder::new().build())
        .setup(move |app| {
            identifier::log_moves(&moves);
            let state = state::AppState::start(app.handle().clone(), profiles(app))
                .map_err(|e| format!("{}: {}", e.code, e.message))?;
            app.manage(state);
            app.manage(commands::updates::Updates::default());
            commands::updates::watch(app.handle().clone());
            log::info!("Ardoise {} démarrée", env!("CARGO_PKG_VERSION"));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::timetable::get_week,
            commands::timetable::get_me,
            commands::timetable::get_day,
            commands::timetable::search_targets,
            commands::timetable::cancel_occurrence,
            commands::timetable::restore_occurrence,
            commands::timetable::replace_occurrence,
            commands::account::login,
            commands::account::probe_ent,
            commands::account::start_ent_login,
            commands::account::finish_ent_login,
            commands::account::logout,
            commands::account::last_login,
            commands::account::get_policies,
            commands::conflicts::list_conflicts,
            commands::conflicts::resolve_conflict,
            commands::conflicts::resolve_conflict_merged,
            commands::logbook::get_session,
            commands::logbook::open_session,
            commands::logbook::next_lesson,
            commands::logbook::day_load,
            commands::logbook::save_session,
            commands::logbook::save_homework,
            commands::logbook::delete_homework,
            commands::logbook::list_drafts,
            commands::logbook::copy_targets,
            commands::logbook::copy_session,
            commands::direction::get_logbook,
            commands::direction::sign_visa,
            commands::export::export_day_pdf,
            commands::charter::charter_to_accept,
            commands::charter::accept_charter,
            commands::charter::charter_status,
            commands::news::list_news,
            commands::news::mark_news_read,
            commands::news::save_news,
            commands::news::delete_news,
            commands::todo::todo_list,
            commands::todo::set_homework_done,
            commands::export::export_archive_pdf,
            commands::progression::list_progressions,
            commands::progression::progression_classes,
            commands::progression::progression_from_class,
            commands::progression::apply_progression,
            commands::progression::delete_progression,
            commands::support::save_support_bundle,
            commands::support::send_support_report,
            commands::support::support_reports,
            commands::support::indicators,
            commands::support::export_indicators_csv,
            commands::export::open_last_export,
            commands::sync::get_status,
            commands::sync::sync_now,
            commands::sync::renew_calendar_feed,
            commands::view::set_zoom,
            commands::view::set_language,
            commands::documents::list_documents,
            commands::documents::list_transfers,
            commands::documents::pin_document,
            commands::documents::trash_document,
            commands::documents::purge_document,
            commands::documents::retry_transfers,
            commands::documents::open_document,
            commands::documents::add_documents,
            commands::documents::choose_mirror_dir,
            commands::documents::stop_mirror,
            commands::updates::update_status,
            commands::updates::check_update,
            commands::updates::install_update,
            commands::updates::restart_app,
        ])
        .run(tauri::generate_context!())
        .expect("error while running the Ardoise app");
}
