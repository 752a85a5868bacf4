//! The espace documentaire: browse, keep offline, open, add files, trash; the transfer
//! queue. Opening and adding go through Rust (opener, dialog): the webview never names a
//! path on disk.

use std::path::PathBuf;

use ardoise_protocol::ErrorCode;
use ardoise_sync::docs::{self, Cache, TransferView};
use ardoise_sync::views::{self, DocumentsView};
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

use crate::error::{CmdResult, CommandError};
use ardoise_sync::scheduler::open_engine;

use crate::state::AppState;

/// Everything the Documents view shows.
#[tauri::command]
pub fn list_documents(state: State<'_, AppState>) -> CmdResult<DocumentsView> {
    Ok(views::documents(&*state.lock_replica()?)?)
}

/// The transfer queue, newest first.
#[tauri::command]
pub fn list_transfers(state: State<'_, AppState>) -> CmdResult<Vec<TransferView>> {
    Ok(docs::transfers(&*state.lock_replica()?)?)
}

/// Keeps a folder or a document offline (or lets it go); downloads start at once.
#[tauri::command]
pub fn pin_document(state: State<'_, AppState>, path: String, pinned: bool) -> CmdResult<()> {
    docs::pin(&*state.lock_replica()?, &path, pinned)?;
    state.wake_transfers();
    Ok(())
}

/// Puts a document in the ENT's trash, or takes it out.
#[tauri::command]
pub fn trash_document(state: State<'_, AppState>, id: String, trashed: bool) -> CmdResult<()> {
    docs::set_trashed(&mut *state.lock_replica()?, &id, trashed)?;
    state.wake();
    Ok(())
}

/// Deletes a document of the trash for good (its owner): its space is given back.
#[tauri::command]
pub fn purge_document(state: State<'_, AppState>, id: String) -> CmdResult<()> {
    docs::delete_forever(&mut *state.lock_replica()?, &id)?;
    state.wake();
    Ok(())
}

/// Puts the transfers that failed back in the queue.
#[tauri::command]
pub fn retry_transfers(state: State<'_, AppState>) -> CmdResult<()> {
    docs::retry_all(&*state.lock_replica()?)?;
    state.wake_transfers();
    Ok(())
}

/// Opens a document (its head, or one of its versions by hash) with the system's
/// application: from the cache offline, downloaded first otherwise. The file opened is a
/// copy under the profile's `open/` folder, named after the document (made safe).
#[tauri::command]
pub async fn open_document(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
    hash: Option<String>,
) -> CmdResult<()> {
    let profile = state.profile()?;
    let doc = docs::get(&*state.lock_replica()?, &id)?
        .ok_or_else(|| CommandError::new(ErrorCode::ReplicaNotFound, "document introuvable"))?;
    let (hash, size) = match hash {
        Some(h) => {
            let v = doc.versions.iter().find(|v| v.hash == h).ok_or_else(|| {
                CommandError::new(ErrorCode::ReplicaNotFound, "version introuvable")
            })?;
            (v.hash.clone(), v.size)
        }
        None => (
            doc.hash
                .clone()
                .ok_or_else(|| CommandError::new(ErrorCode::ReplicaNotFound, "document vide"))?,
            doc.size,
        ),
    };
    let cache = Cache::new(profile.cache_dir());
    let path = tauri::async_runtime::spawn_blocking(move || -> CmdResult<PathBuf> {
        if !cache.has(&hash) {
            let mut engine = open_engine(&profile)?;
            engine.fetch(&cache, &hash, size)?;
        }
        let dir = profile.dir().join("open").join(&doc.id);
        std::fs::create_dir_all(&dir)
            .map_err(|e| CommandError::new(ErrorCode::ProfileIo, e.to_string()))?;
        let out = dir.join(ardoise_sync::folder_sync::safe_name(&doc.name));
        docs::export(&cache, &hash, &out)?;
        Ok(out)
    })
    .await
    .map_err(|e| CommandError::new(ErrorCode::AppThread, e.to_string()))??;
    app.opener()
        .open_path(path.display().to_string(), None::<&str>)
        .map_err(|e| CommandError::new(ErrorCode::DocumentsOpen, e.to_string()))
}

/// Asks which files to add to `folder` (a native dialog), copies them into the cache and
/// queues them; returns how many were added (0 when the user cancelled).
#[tauri::command]
pub async fn add_documents(
    app: AppHandle,
    state: State<'_, AppState>,
    folder: String,
) -> CmdResult<usize> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title("Ajouter des fichiers à l'espace documentaire")
        .pick_files(move |paths| {
            let _ = tx.send(paths);
        });
    let Some(chosen) = rx.await.ok().flatten() else {
        return Ok(0);
    };
    let cache = Cache::new(state.profile()?.cache_dir());
    let mut added = 0;
    for file in chosen {
        let path = file
            .into_path()
            .map_err(|e| CommandError::new(ErrorCode::DocumentsPath, e.to_string()))?;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| {
                CommandError::new(ErrorCode::DocumentBadName, "nom de fichier illisible")
            })?
            .to_string();
        // Copied and hashed first, without holding the replica: a big file takes a while.
        let (hash, size) = {
            let cache = cache.clone();
            tauri::async_runtime::spawn_blocking(move || cache.import(&path))
                .await
                .map_err(|e| CommandError::new(ErrorCode::AppThread, e.to_string()))??
        };
        docs::put_content(&mut *state.lock_replica()?, &hash, size, &folder, &name)?;
        added += 1;
    }
    state.wake_transfers();
    Ok(added)
}

/// Asks which folder of this computer to keep in step with the espace documentaire (a
/// native dialog) and starts keeping it in step; returns it (None when the user cancelled).
#[tauri::command]
pub async fn choose_mirror_dir(
    app: AppHandle,
    state: State<'_, AppState>,
) -> CmdResult<Option<String>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title("Dossier à garder synchronisé avec l'espace documentaire")
        .pick_folder(move |path| {
            let _ = tx.send(path);
        });
    let Some(chosen) = rx.await.ok().flatten() else {
        return Ok(None);
    };
    let dir = chosen
        .into_path()
        .map_err(|e| CommandError::new(ErrorCode::DocumentsPath, e.to_string()))?;
    state.set_synced_folder(Some(&dir))?;
    Ok(Some(dir.display().to_string()))
}

/// Stops keeping a folder in step (its files stay where they are).
#[tauri::command]
pub fn stop_mirror(state: State<'_, AppState>) -> CmdResult<()> {
    state.set_synced_folder(None)
}
