//! PDF files saved where the user chooses: the day's timetable of every class (or one),
//! and the year's archive of a cahier de textes.

use std::path::PathBuf;

use ardoise_protocol::ErrorCode;
use ardoise_sync::archive::{ArchiveOf, SchoolYear};
use ardoise_sync::views::Who;
use ardoise_sync::SyncError;
use tauri::{AppHandle, Manager, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

use crate::commands::parse_date;
use crate::commands::timetable::DayOf;
use crate::error::{CmdResult, CommandError};
use crate::state::{lock, AppState};

/// Asks where to save the PDF of `date` for `of` (every class by default), the file named
/// after the class and the day; writes it and returns its path, `None` when the user
/// cancelled.
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
    let saved = save_as(
        &app,
        &state,
        "Enregistrer l'emploi du temps du jour",
        name,
        pdf,
        Filter::PDF,
    )
    .await?;
    if let Some(path) = &saved {
        log::info!("emploi du temps du {day} exporté : {path}");
    }
    Ok(saved)
}

/// Asks where to save the year's archive of the cahier de textes of `of` (a class or
/// group, or a teacher) for `year` (`2026-2027`), made on `today`; writes it and returns
/// its path, `None` when the user cancelled.
#[tauri::command]
pub async fn export_archive_pdf(
    app: AppHandle,
    state: State<'_, AppState>,
    of: DayOf,
    year: String,
    today: String,
) -> CmdResult<Option<String>> {
    let today = parse_date(&today)?;
    let year: SchoolYear = year.parse().map_err(SyncError::from)?;
    let of = match of {
        DayOf::Audience(name) => ArchiveOf::Audience(name),
        DayOf::Teacher(login) => ArchiveOf::Teacher(login),
        DayOf::Room(_) | DayOf::Everyone => {
            return Err(CommandError::new(
                ErrorCode::AppInvalidChoice,
                "une archive est celle d'une classe, d'un groupe ou d'un enseignant",
            ))
        }
    };
    let made = ardoise_sync::archive::archive(&*state.lock_replica()?, &of, year, today)?;
    let saved = save_as(
        &app,
        &state,
        "Enregistrer le cahier de textes de l'année",
        made.file_name,
        made.pdf,
        Filter::PDF,
    )
    .await?;
    if let Some(path) = &saved {
        log::info!(
            "cahier de textes {year} exporté ({} séances) : {path}",
            made.counts.sessions
        );
    }
    Ok(saved)
}

/// The kind of file a save dialog offers.
pub(crate) struct Filter {
    name: &'static str,
    extensions: &'static [&'static str],
}

impl Filter {
    pub(crate) const PDF: Filter = Filter {
        name: "PDF",
        extensions: &["pdf"],
    };
    pub(crate) const ZIP: Filter = Filter {
        name: "Zip",
        extensions: &["zip"],
    };
    pub(crate) const CSV: Filter = Filter {
        name: "CSV",
        extensions: &["csv"],
    };
}

/// Asks in a native dialog, opened on the Documents folder (else the home folder), where
/// to save `bytes` as `name`; writes them there and keeps the path for
/// [`open_last_export`]. The path, `None` when the user cancelled.
pub(crate) async fn save_as(
    app: &AppHandle,
    state: &State<'_, AppState>,
    title: &str,
    name: String,
    bytes: Vec<u8>,
    filter: Filter,
) -> CmdResult<Option<String>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut dialog = app
        .dialog()
        .file()
        .set_title(title)
        .set_file_name(name)
        .add_filter(filter.name, filter.extensions);
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
    std::fs::write(&path, bytes)
        .map_err(|e| CommandError::new(ErrorCode::ExportIo, e.to_string()))?;
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
