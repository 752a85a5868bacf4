//! Desktop notifications for what needs the user while the window may be hidden: new
//! conflicts, edits the ENT refused for good, a sync that fails for a reason other than
//! being offline. Everything is logged too; a desktop without a notification service only
//! loses the pop-up.

use tauri::{AppHandle, Emitter};
use tauri_plugin_notification::NotificationExt;

use crate::error::CommandError;

fn show(app: &AppHandle, title: &str, body: &str) {
    if let Err(e) = app.notification().builder().title(title).body(body).show() {
        log::debug!("notification not shown ({e}): {title} — {body}");
    }
}

/// New conflict revisions arrived.
pub fn new_conflicts(app: &AppHandle, open: i64) {
    log::warn!("{open} conflit(s) à résoudre");
    show(
        app,
        "Ardoise — conflit de modification",
        &format!("{open} modification(s) en conflit à examiner (menu Conflits)."),
    );
}

/// Edits the ENT refused for good.
pub fn edits_refused(app: &AppHandle, count: usize) {
    log::warn!("{count} modification(s) refusée(s) par l'ENT");
    show(
        app,
        "Ardoise — modification refusée",
        &format!("L'ENT a refusé {count} modification(s) : voyez la barre d'état."),
    );
}

/// A sync failed for a reason the user must act on (session expired, outdated app…).
pub fn sync_failed(app: &AppHandle, error: &CommandError) {
    log::error!("synchronisation : {} ({})", error.message, error.code);
    let _ = app.emit("sync-error", error);
    if matches!(error.code.area(), "auth" | "protocol") {
        show(app, "Ardoise — synchronisation impossible", &error.message);
    }
}

/// New conflict copies of documents arrived (two versions met; both are kept).
pub fn conflict_copies(app: &AppHandle, count: i64) {
    log::warn!("{count} copie(s) de conflit de documents");
    show(
        app,
        "Ardoise — copie de conflit",
        &format!(
            "{count} document(s) modifié(s) des deux côtés : les deux versions sont gardées (menu Documents)."
        ),
    );
}

/// Files the ENT refused for good (quota, size).
pub fn transfers_failed(app: &AppHandle, reasons: &[String]) {
    for r in reasons {
        log::warn!("envoi de fichier refusé : {r}");
    }
    show(
        app,
        "Ardoise — fichier non envoyé",
        reasons.first().map_or("", String::as_str),
    );
}
