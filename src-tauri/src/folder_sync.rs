//! The folder of this computer the user chose to keep in step with the espace documentaire,
//! in the app: a thread per profile runs a reconciliation pass at start (what changed while
//! the app was closed counts), then after changes on disk settle and every 10 s. A pass only
//! does local work (it queues ops and transfers, writes what is cached); it wakes the sync
//! and transfer loops, which do the network.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::Duration;

use ardoise_sync::docs::Cache;
use ardoise_sync::{folder_sync, Profile, Replica};
use tauri::{AppHandle, Emitter};

use crate::state::Wake;

/// A running folder sync; dropping it stops its thread (within a tenth of a second).
pub struct FolderHandle {
    /// The folder.
    pub root: PathBuf,
    stop: Arc<AtomicBool>,
}

impl Drop for FolderHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Starts keeping `root` in step for `profile`.
pub fn start(
    app: AppHandle,
    profile: Profile,
    root: PathBuf,
    sync: Sender<Wake>,
    transfers: Sender<Wake>,
) -> FolderHandle {
    let stop = Arc::new(AtomicBool::new(false));
    let handle = FolderHandle {
        root: root.clone(),
        stop: stop.clone(),
    };
    let spawned = std::thread::Builder::new()
        .name("ardoise-folder".into())
        .spawn(move || {
            let mut replica = match Replica::open(&profile.replica_path()) {
                Ok(r) => r,
                Err(e) => return log::error!("dossier synchronisé : {e}"),
            };
            let cache = Cache::new(profile.cache_dir());
            let mut pass = || -> ardoise_sync::Result<()> {
                let report = folder_sync::reconcile(&mut replica, &cache, &root)?;
                for p in &report.problems {
                    log::warn!("dossier synchronisé, laissé de côté : {p}");
                }
                if report.changed_anything() || report.waiting > 0 {
                    log::info!(
                        "dossier synchronisé : {}",
                        serde_json::to_string(&report).unwrap_or_default()
                    );
                    let _ = sync.send(Wake::Now);
                    let _ = transfers.send(Wake::Now);
                    let _ = app.emit("documents-changed", ());
                }
                Ok(())
            };
            if let Err(e) = pass() {
                log::warn!("dossier synchronisé : {e}");
            }
            if let Err(e) = folder_sync::watch(
                &root,
                Duration::from_millis(700),
                Duration::from_secs(5),
                Duration::from_secs(10),
                &|| stop.load(Ordering::Relaxed),
                &mut pass,
            ) {
                log::error!("dossier synchronisé : {e}");
            }
        });
    if let Err(e) = spawned {
        log::error!("dossier synchronisé : {e}");
    }
    handle
}
