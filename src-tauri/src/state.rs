//! The one managed state of the app, and the background sync loop.

use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ardoise_sync::connectivity::Backoff;
use ardoise_sync::{HttpConnector, Profile, Replica, SyncEngine, SyncError, SyncStatus};
use tauri::{AppHandle, Emitter};

use crate::error::{CmdResult, CommandError};

/// Seconds between two syncs while online.
const PERIOD: Duration = Duration::from_secs(30);

/// Shared by the commands.
pub struct AppState {
    /// The profile shown.
    pub profile: Profile,
    /// The UI's connection: views read through it (WAL: never waiting for the sync thread's
    /// writes) and local edits are written through it.
    pub replica: Mutex<Replica>,
    /// Wakes the sync loop (after an edit, or "sync now").
    pub wake: Sender<()>,
    /// The last status the sync loop reported (None before its first probe).
    pub latest: Arc<Mutex<Option<SyncStatus>>>,
}

impl AppState {
    /// Opens the profile's replica and starts the sync loop.
    pub fn start(app: AppHandle, profile: Profile) -> CmdResult<AppState> {
        std::fs::create_dir_all(profile.dir())
            .map_err(|e| CommandError::new("profile.io", e.to_string()))?;
        let reader = Replica::open(&profile.replica_path())?;
        let (wake, rx) = channel::<()>();
        let loop_profile = profile.clone();
        let latest = Arc::new(Mutex::new(None));
        let loop_latest = latest.clone();
        std::thread::Builder::new()
            .name("ardoise-sync".into())
            .spawn(move || sync_loop(app, loop_profile, rx, loop_latest))
            .map_err(|e| CommandError::new("app.thread", e.to_string()))?;
        Ok(AppState {
            profile,
            replica: Mutex::new(reader),
            wake,
            latest,
        })
    }
}

impl AppState {
    /// The UI's replica connection.
    pub fn lock_replica(&self) -> CmdResult<std::sync::MutexGuard<'_, Replica>> {
        self.replica
            .lock()
            .map_err(|_| CommandError::new("app.lock", "état verrouillé"))
    }
}

fn open_engine(profile: &Profile) -> Result<SyncEngine, SyncError> {
    let info = profile.info()?;
    let replica = Replica::open(&profile.replica_path())?;
    Ok(SyncEngine::new(
        profile.clone(),
        replica,
        Box::new(HttpConnector::new(&info.server)?),
    ))
}

/// Syncs at start, when woken, and periodically; backs off with jitter while offline.
fn sync_loop(
    app: AppHandle,
    profile: Profile,
    wake: std::sync::mpsc::Receiver<()>,
    latest: Arc<Mutex<Option<SyncStatus>>>,
) {
    // Not logged in yet: wait for the login command to wake the loop.
    let mut engine = loop {
        match open_engine(&profile) {
            Ok(e) => break e,
            Err(SyncError::NotFound(_)) | Err(SyncError::LoggedOut) => {
                if wake.recv().is_err() {
                    return;
                }
            }
            Err(e) => {
                let _ = app.emit("sync-error", CommandError::from(e));
                return;
            }
        }
    };
    let status_app = app.clone();
    engine.on_status(move |s| {
        if let Ok(mut l) = latest.lock() {
            *l = Some(s.clone());
        }
        let _ = status_app.emit("sync-status", s);
    });
    let mut backoff = Backoff::default();
    loop {
        let delay = match engine.sync_once() {
            Ok(_) => {
                backoff.reset();
                PERIOD
            }
            Err(SyncError::Offline(_)) => backoff.next_delay(),
            Err(e) => {
                let _ = app.emit("sync-error", CommandError::from(e));
                backoff.next_delay()
            }
        };
        match wake.recv_timeout(delay) {
            Ok(()) => {
                // Debounce: an edit often comes with others.
                std::thread::sleep(Duration::from_millis(300));
                while wake.try_recv().is_ok() {}
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}
