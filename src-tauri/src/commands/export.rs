//! The day's timetable of every class as a PDF file, saved where the user chooses.

use std::path::PathBuf;

use ardoise_protocol::ErrorCode;
use ardoise_sync::views::Who;
use tauri::{AppHandle, Manager, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

use crate::commands::parse_date;
use crate::commands::timetable::DayOf;
use crate::error::{CmdResult, CommandError};
use crate::state::{lock, AppState};

/// Asks where to save the PDF of `date` for `of` (every class by default) in a native
/// dialog opened on the Documents folder (else the home folder), the file named after the class and the day;
/// writes it and returns its path, `None` when the user cancelled.
#[tauri::command]
pub async fn export_day_pdf(
    app: AppHandle,
    state: State<'_, AppState>,
    date: String,
    of: Option<DayOf>,
) -> CmdResult<Option<String>> {
    let day = parse_date(&date)?;
    let who = of.map_or(Who::Everyone, Who::from);
    let (pdf, name) = {
        let replica = state.lock_replica()?;
        let label = ardoise_sync::export::who_label(&replica, &who)?;
        (
            ardoise_sync::export::day_pdf(&replica, &who, day)?,
            ardoise_sync::export::file_name(label.as_deref(), day),
        )
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut dialog = app
        .dialog()
        .file()
        .set_title("Enregistrer l'emploi du temps du jour")
        .set_file_name(name)
        .add_filter("PDF", &["pdf"]);
    // The Documents folder, or the home folder where there is none (never the folder the
    // app happened to be started from).
    let start = app
        .path()
        .document_dir()
        .ok()
        .filter(|d| d.is_dir())
        .or_else(|| app.path().home_dir().ok());
    if let Some(dir) = start {
        dialog = dialog.set_directory(dir);
    }
    dialog.save_file(move |path| {
        let _ = tx.send(path);
    });
    let Some(chosen) = rx.await.ok().flatten() else {
        return Ok(None);
    };
    let path: PathBuf = chosen
        .into_path()
        .map_err(|e| CommandError::new(ErrorCode::ExportPath, e.to_string()))?;
    std::fs::write(&path, pdf)
        .map_err(|e| CommandError::new(ErrorCode::ExportIo, e.to_string()))?;
    log::info!("emploi du temps du {day} exporté : {}", path.display());
    *lock(&state.last_export)? = Some(path.clone());
    Ok(Some(path.display().to_string()))
}

/// Opens the last exported file with the system's viewer (only that file: the webview
/// never names a path to open).
#[tauri::command]
pub fn open_last_export(app: AppHandle, state: State<'_, AppState>) -> CmdResult<()> {
    let path = lock(&state.last_export)?
        .clone()
        .ok_or_else(|| CommandError::new(ErrorCode::ExportNone, "aucun fichier exporté"))?;
    app.opener()
        .open_path(path.display().to_string(), None::<&str>)
        .map_err(|e| CommandError::new(ErrorCode::ExportOpen, e.to_string()))
}
