//! The one managed state of the app, the profiles (one per user), and the background
//! threads: the sync loop, the transfer loop, and the synced folder's (`crate::folder_sync`).

use std::path::PathBuf;
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex, MutexGuard};

use ardoise_protocol::ErrorCode;
use ardoise_sync::docs::TransferReport;
use ardoise_sync::replica::Changes;
pub use ardoise_sync::scheduler::Wake;
use ardoise_sync::scheduler::{self, Shell, Timing};
use ardoise_sync::{Profile, Replica, SyncError, SyncReport, SyncStatus};
use tauri::{AppHandle, Emitter};

use crate::error::{CmdResult, CommandError};
use crate::notify;

/// Where profiles live: one fixed folder (`ARDOISE_PROFILE`: demo, tests, a kiosk), or one
/// folder per user under a root, the last one used opened at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Profiles {
    /// Always this profile.
    Fixed(PathBuf),
    /// `<root>/<login>/`, and `<root>/last-user` naming the last one.
    PerUser(PathBuf),
}

impl Profiles {
    /// The profile to open at start: the last user's, or an empty one to log in with.
    pub fn initial(&self) -> Profile {
        match self {
            Profiles::Fixed(dir) => Profile::new(dir),
            Profiles::PerUser(root) => {
                let last = std::fs::read_to_string(root.join("last-user")).ok();
                match last.as_deref().map(str::trim).and_then(safe_login) {
                    Some(login) => Profile::new(root.join(login)),
                    None => Profile::new(root.join(NEW_PROFILE)),
                }
            }
        }
    }

    /// The profile a login as `login` goes to.
    pub fn for_login(&self, login: &str) -> CmdResult<Profile> {
        match self {
            Profiles::Fixed(dir) => Ok(Profile::new(dir)),
            Profiles::PerUser(root) => {
                let name = safe_login(login).ok_or_else(|| {
                    CommandError::new(
                        ErrorCode::AuthInvalidLogin,
                        format!("identifiant « {login} »"),
                    )
                })?;
                Ok(Profile::new(root.join(name)))
            }
        }
    }

    /// Where the app goes after logging out of `old`: a new, empty profile. A profile
    /// imposed by `ARDOISE_PROFILE` cannot be left: it is logged out with the CLI.
    pub fn fresh(&self, old: &Profile) -> CmdResult<Profile> {
        match self {
            Profiles::Fixed(dir) => Err(CommandError::new(
                ErrorCode::LogoutFixedProfile,
                format!(
                    "Ce profil est imposé par ARDOISE_PROFILE ({}) : déconnectez-le avec « ardoise logout ».",
                    dir.display()
                ),
            )),
            Profiles::PerUser(root) => {
                let fresh = root.join(NEW_PROFILE);
                if fresh == old.dir() {
                    return Err(CommandError::new(ErrorCode::LogoutNone, "Personne n'est connecté."));
                }
                Ok(Profile::new(fresh))
            }
        }
    }

    /// After a logout: the next start opens the login screen.
    pub fn forget_last(&self) -> CmdResult<()> {
        if let Profiles::PerUser(root) = self {
            match std::fs::remove_file(root.join("last-user")) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(CommandError::new(ErrorCode::ProfileIo, e.to_string()))
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// After a successful login: `profile` opens at the next start, and the folder of the
    /// profile nobody had logged in to goes.
    pub fn remember(&self, profile: &Profile) -> CmdResult<()> {
        let Profiles::PerUser(root) = self else {
            return Ok(());
        };
        let name = profile.dir().file_name().unwrap_or_default();
        std::fs::write(root.join("last-user"), name.as_encoded_bytes())
            .map_err(|e| CommandError::new(ErrorCode::ProfileIo, e.to_string()))?;
        let unused = root.join(NEW_PROFILE);
        if unused.exists() {
            let _ = std::fs::remove_dir_all(unused);
        }
        Ok(())
    }
}

/// The folder of a profile nobody has logged in to yet.
const NEW_PROFILE: &str = "_nouveau";

/// A login usable as a folder name: letters, digits, `.`, `-`, `_`, not starting with `.`.
fn safe_login(login: &str) -> Option<&str> {
    let ok = !login.is_empty()
        && login.len() <= 64
        && !login.starts_with('.')
        && login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    ok.then_some(login)
}

/// Shared by the commands.
pub struct AppState {
    /// Where profiles live.
    pub profiles: Profiles,
    /// The profile shown.
    profile: Mutex<Profile>,
    /// The UI's connection: views read through it (WAL: never waiting for the sync thread's
    /// writes) and local edits are written through it.
    replica: Mutex<Replica>,
    /// Wakes the sync loop.
    wake: Sender<Wake>,
    /// Wakes the transfer loop (files: a queue of their own, never in the way of records).
    transfers: Sender<Wake>,
    /// The last status the sync loop reported (None before its first probe).
    pub latest: Arc<Mutex<Option<SyncStatus>>>,
    /// The last file exported (a PDF), which the UI may ask to open.
    pub last_export: Mutex<Option<PathBuf>>,
    /// The folder of this computer kept in step with the espace documentaire, if chosen.
    folder_sync: Mutex<Option<crate::folder_sync::FolderHandle>>,
    /// A login on an Open ENT NG's own page, under way.
    pub ent_login: Mutex<Option<crate::commands::account::EntLogin>>,
    app: AppHandle,
}

impl AppState {
    /// Opens the first profile's replica and starts the sync loop.
    pub fn start(app: AppHandle, profiles: Profiles) -> CmdResult<AppState> {
        let profile = profiles.initial();
        let reader = open_replica(&profile)?;
        let (wake, rx) = channel::<Wake>();
        let (transfers, transfers_rx) = channel::<Wake>();
        let loop_profile = profile.clone();
        let latest = Arc::new(Mutex::new(None));
        let loop_latest = latest.clone();
        let (loop_app, loop_transfers) = (app.clone(), transfers.clone());
        let records = Arc::new(RecordsShell {
            app: loop_app,
            latest: loop_latest,
            transfers: loop_transfers,
        });
        std::thread::Builder::new()
            .name("ardoise-sync".into())
            .spawn(move || scheduler::sync_loop(loop_profile, rx, Timing::records(), records))
            .map_err(|e| CommandError::new(ErrorCode::AppThread, e.to_string()))?;
        let files = Arc::new(TransfersShell {
            app: app.clone(),
            sync: wake.clone(),
        });
        let transfer_profile = profile.clone();
        std::thread::Builder::new()
            .name("ardoise-transfers".into())
            .spawn(move || {
                scheduler::transfer_loop(transfer_profile, transfers_rx, Timing::transfers(), files)
            })
            .map_err(|e| CommandError::new(ErrorCode::AppThread, e.to_string()))?;
        let state = AppState {
            profiles,
            profile: Mutex::new(profile),
            replica: Mutex::new(reader),
            wake,
            transfers,
            latest,
            last_export: Mutex::new(None),
            folder_sync: Mutex::new(None),
            ent_login: Mutex::new(None),
            app,
        };
        state.restart_folder_sync()?;
        Ok(state)
    }

    /// The synced folder of the shown profile, if one was chosen.
    pub fn synced_folder(&self) -> CmdResult<Option<String>> {
        Ok(self
            .lock_replica()?
            .state(ardoise_sync::folder_sync::CHOSEN_FOLDER_KEY)?)
    }

    /// Chooses the synced folder of the shown profile (None: stop syncing a folder), and
    /// (re)starts its thread.
    pub fn set_synced_folder(&self, dir: Option<&std::path::Path>) -> CmdResult<()> {
        {
            let replica = self.lock_replica()?;
            match dir {
                Some(d) => replica.set_state(
                    ardoise_sync::folder_sync::CHOSEN_FOLDER_KEY,
                    &d.to_string_lossy(),
                )?,
                None => replica.clear_state(ardoise_sync::folder_sync::CHOSEN_FOLDER_KEY)?,
            }
        }
        self.restart_folder_sync()
    }

    /// Stops the running folder sync, and starts the shown profile's if it has one.
    fn restart_folder_sync(&self) -> CmdResult<()> {
        let mut slot = lock(&self.folder_sync)?;
        *slot = None;
        if let Some(dir) = self.synced_folder()? {
            *slot = Some(crate::folder_sync::start(
                self.app.clone(),
                self.profile()?,
                PathBuf::from(dir),
                self.wake.clone(),
                self.transfers.clone(),
            ));
        }
        Ok(())
    }

    /// The profile shown.
    pub fn profile(&self) -> CmdResult<Profile> {
        Ok(lock(&self.profile)?.clone())
    }

    /// The UI's replica connection.
    pub fn lock_replica(&self) -> CmdResult<MutexGuard<'_, Replica>> {
        lock(&self.replica)
    }

    /// Asks the sync loop to sync soon (it debounces bursts of edits).
    pub fn wake(&self) {
        let _ = self.wake.send(Wake::Now);
    }

    /// Asks the transfer loop to run its queue now.
    pub fn wake_transfers(&self) {
        let _ = self.transfers.send(Wake::Now);
    }

    /// Shows `profile` from now on (after a login as another user) and syncs it.
    pub fn switch_to(&self, profile: Profile) -> CmdResult<()> {
        let reader = open_replica(&profile)?;
        *self.lock_replica()? = reader;
        *lock(&self.profile)? = profile.clone();
        if let Ok(mut l) = self.latest.lock() {
            *l = None;
        }
        let _ = self.transfers.send(Wake::Switch(profile.clone()));
        self.wake.send(Wake::Switch(profile)).map_err(|_| {
            CommandError::new(ErrorCode::AppSyncStopped, "la synchronisation est arrêtée")
        })?;
        self.restart_folder_sync()
    }
}

/// A lock of the state, as a command error if a thread panicked holding it.
pub fn lock<T>(m: &Mutex<T>) -> CmdResult<MutexGuard<'_, T>> {
    m.lock()
        .map_err(|_| CommandError::new(ErrorCode::AppLock, "état verrouillé"))
}

fn open_replica(profile: &Profile) -> CmdResult<Replica> {
    std::fs::create_dir_all(profile.dir())
        .map_err(|e| CommandError::new(ErrorCode::ProfileIo, e.to_string()))?;
    Ok(Replica::open(&profile.replica_path())?)
}

/// What the record sync loop tells the window: every status (the status bar), what
/// changed (`replica-changed`: views redraw what they show of it), new conflicts and
/// refused edits (notifications);
/// after each sync, the transfer loop is woken (pinned documents may need a download,
/// released uploads a push).
struct RecordsShell {
    app: AppHandle,
    latest: Arc<Mutex<Option<SyncStatus>>>,
    transfers: Sender<Wake>,
}

impl Shell for RecordsShell {
    fn status(&self, s: &SyncStatus) {
        if let Ok(mut l) = self.latest.lock() {
            *l = Some(s.clone());
        }
        let _ = self.app.emit("sync-status", s);
    }

    fn new_conflicts(&self, open: i64) {
        notify::new_conflicts(&self.app, open);
    }

    fn synced(&self, report: &SyncReport) {
        if !report.rejected.is_empty() {
            notify::edits_refused(&self.app, report.rejected.len());
        }
        let _ = self.transfers.send(Wake::Now);
    }

    fn changed(&self, changes: &Changes) {
        let _ = self.app.emit("replica-changed", changes);
    }

    fn new_conflict_copies(&self, count: i64) {
        notify::conflict_copies(&self.app, count);
    }

    fn failed(&self, e: &SyncError) {
        notify::sync_failed(&self.app, &CommandError::from(e));
    }
}

/// What the transfer loop tells the window: progress (`transfer-progress`), files done
/// (the Documents view; uploads done wake the sync loop, whose push they released), files
/// refused for good (a notification).
struct TransfersShell {
    app: AppHandle,
    sync: Sender<Wake>,
}

impl Shell for TransfersShell {
    fn status(&self, s: &SyncStatus) {
        let _ = self.app.emit("transfer-progress", &s.progress);
    }

    fn transferred(&self, report: &TransferReport) {
        if report.uploaded > 0 {
            let _ = self.sync.send(Wake::Now);
        }
        if report.uploaded + report.downloaded > 0 || !report.failed.is_empty() {
            let _ = self.app.emit("documents-changed", ());
        }
        if !report.failed.is_empty() {
            notify::transfers_failed(&self.app, &report.failed);
        }
    }

    fn failed(&self, e: &SyncError) {
        log::warn!("transferts : {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_user_gets_a_profile_and_the_last_one_opens_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let profiles = Profiles::PerUser(dir.path().to_path_buf());
        assert_eq!(profiles.initial().dir(), dir.path().join(NEW_PROFILE));
        std::fs::create_dir_all(dir.path().join(NEW_PROFILE)).unwrap();
        let martin = profiles.for_login("martin").unwrap();
        assert_eq!(martin.dir(), dir.path().join("martin"));
        profiles.remember(&martin).unwrap();
        assert_eq!(profiles.initial().dir(), martin.dir());
        assert!(
            !dir.path().join(NEW_PROFILE).exists(),
            "the unused profile folder goes"
        );
        let diallo = profiles.for_login("diallo").unwrap();
        assert_ne!(diallo.dir(), martin.dir());
        assert_eq!(
            profiles.initial().dir(),
            martin.dir(),
            "a login that did not succeed changes nothing"
        );
        profiles.remember(&diallo).unwrap();
        assert_eq!(profiles.initial().dir(), diallo.dir());
    }

    #[test]
    fn after_a_logout_the_app_opens_a_new_profile_and_forgets_the_last_user() {
        let dir = tempfile::tempdir().unwrap();
        let profiles = Profiles::PerUser(dir.path().to_path_buf());
        let martin = profiles.for_login("martin").unwrap();
        profiles.remember(&martin).unwrap();
        let fresh = profiles.fresh(&martin).unwrap();
        assert_eq!(fresh.dir(), dir.path().join(NEW_PROFILE));
        assert!(profiles.fresh(&fresh).is_err(), "nobody to log out");
        profiles.forget_last().unwrap();
        assert_eq!(profiles.initial().dir(), dir.path().join(NEW_PROFILE));
        // A pinned profile is logged out with the CLI, never switched away from.
        let pinned = Profiles::Fixed(dir.path().join("demo"));
        let err = pinned
            .fresh(&Profile::new(dir.path().join("demo")))
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::LogoutFixedProfile);
    }

    #[test]
    fn a_login_never_names_a_folder_outside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let profiles = Profiles::PerUser(dir.path().to_path_buf());
        for bad in ["../x", "a/b", "..", ".hidden", "", "a\0b", "a\\b"] {
            let e = profiles.for_login(bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::AuthInvalidLogin, "{bad:?}");
        }
        std::fs::write(dir.path().join("last-user"), "../../etc").unwrap();
        assert_eq!(profiles.initial().dir(), dir.path().join(NEW_PROFILE));
        let fixed = Profiles::Fixed(dir.path().join("p"));
        assert_eq!(
            fixed.for_login("anyone").unwrap().dir(),
            dir.path().join("p")
        );
    }
}
