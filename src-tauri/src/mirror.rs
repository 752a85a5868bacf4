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
use ardoise_sync::{mirror, Profile, Replica};
use tauri::{AppHandle, Emitter};

use crate::state::Wake;

/// A running mirror; dropping it stops its thread (within a tenth of a second).
pub struct MirrorHandle {
    /// The folder.
    pub root: PathBuf,
    stop: Arc<AtomicBool>,
}

impl Drop for MirrorHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Starts mirroring `root` for `profile`.
pub fn start(
    app: AppHandle,
    profile: Profile,
    root: PathBuf,
    sync: Sender<Wake>,
    transfers: Sender<Wake>,
) -> MirrorHandle {
    let stop = Arc::new(AtomicBool::new(false));
    let handle = MirrorHandle {
        root: root.clone(),
        stop: stop.clone(),
    };
    let spawned = std::thread::Builder::new()
        .name("ardoise-mirror".into())
        .spawn(move || {
            let mut replica = match Replica::open(&profile.replica_path()) {
                Ok(r) => r,
                Err(e) => return log::error!("miroir : {e}"),
            };
            let cache = Cache::new(profile.cache_dir());
            let mut pass = || -> ardoise_sync::Result<()> {
                let report = mirror::reconcile(&mut replica, &cache, &root)?;
                for p in &report.problems {
                    log::warn!("miroir, laissé de côté : {p}");
                }
                if report.changed_anything() || report.waiting > 0 {
                    log::info!(
                        "miroir : {}",
                        serde_json::to_string(&report).unwrap_or_default()
                    );
                    let _ = sync.send(Wake::Now);
                    let _ = transfers.send(Wake::Now);
                    let _ = app.emit("documents-changed", ());
                }
                Ok(())
            };
            if let Err(e) = pass() {
                log::warn!("miroir : {e}");
            }
            if let Err(e) = mirror::watch(
                &root,
                Duration::from_millis(700),
                Duration::from_secs(5),
                Duration::from_secs(10),
                &|| stop.load(Ordering::Relaxed),
                &mut pass,
            ) {
                log::error!("miroir : {e}");
            }
        });
    if let Err(e) = spawned {
        log::error!("miroir : {e}");
    }
    handle
}
