//! The one managed state of the app, the profiles (one per user), and the background
//! threads: the sync loop, the transfer loop, and the mirrored folder's (`crate::mirror`).

use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use ardoise_protocol::ErrorCode;
use ardoise_sync::connectivity::Backoff;
use ardoise_sync::{Profile, Replica, SyncEngine, SyncError, SyncStatus};
use tauri::{AppHandle, Emitter};

use crate::error::{CmdResult, CommandError};
use crate::notify;

/// Seconds between two syncs while online.
const PERIOD: Duration = Duration::from_secs(30);

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

/// What wakes the sync loop.
pub enum Wake {
    /// Sync now (after an edit, "sync now", a login).
    Sync,
    /// Another user logged in: sync that profile from now on.
    Switch(Profile),
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
    mirror: Mutex<Option<crate::mirror::MirrorHandle>>,
    /// A login on an Open ENT NG's own page, under way.
    pub ent_login: Mutex<Option<crate::commands::session::EntLogin>>,
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
        std::thread::Builder::new()
            .name("ardoise-sync".into())
            .spawn(move || sync_loop(loop_app, loop_profile, rx, loop_latest, loop_transfers))
            .map_err(|e| CommandError::new(ErrorCode::AppThread, e.to_string()))?;
        let (transfer_profile, sync_wake) = (profile.clone(), wake.clone());
        let transfer_app = app.clone();
        std::thread::Builder::new()
            .name("ardoise-transfers".into())
            .spawn(move || transfer_loop(transfer_app, transfer_profile, transfers_rx, sync_wake))
            .map_err(|e| CommandError::new(ErrorCode::AppThread, e.to_string()))?;
        let state = AppState {
            profiles,
            profile: Mutex::new(profile),
            replica: Mutex::new(reader),
            wake,
            transfers,
            latest,
            last_export: Mutex::new(None),
            mirror: Mutex::new(None),
            ent_login: Mutex::new(None),
            app,
        };
        state.restart_mirror()?;
        Ok(state)
    }

    /// The mirrored folder of the shown profile, if one was chosen.
    pub fn mirror_dir(&self) -> CmdResult<Option<String>> {
        Ok(self
            .lock_replica()?
            .state(ardoise_sync::mirror::CHOSEN_FOLDER_KEY)?)
    }

    /// Chooses the mirrored folder of the shown profile (None: stop mirroring), and
    /// (re)starts its thread.
    pub fn set_mirror_dir(&self, dir: Option<&std::path::Path>) -> CmdResult<()> {
        {
            let replica = self.lock_replica()?;
            match dir {
                Some(d) => replica.set_state(
                    ardoise_sync::mirror::CHOSEN_FOLDER_KEY,
                    &d.to_string_lossy(),
                )?,
                None => replica.clear_state(ardoise_sync::mirror::CHOSEN_FOLDER_KEY)?,
            }
        }
        self.restart_mirror()
    }

    /// Stops the running mirror, and starts the shown profile's if it has one.
    fn restart_mirror(&self) -> CmdResult<()> {
        let mut slot = lock(&self.mirror)?;
        *slot = None;
        if let Some(dir) = self.mirror_dir()? {
            *slot = Some(crate::mirror::start(
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
        let _ = self.wake.send(Wake::Sync);
    }

    /// Asks the transfer loop to run its queue now.
    pub fn wake_transfers(&self) {
        let _ = self.transfers.send(Wake::Sync);
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
        self.restart_mirror()
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

/// An engine of its own for one profile (the sync loop, the transfer loop and a document
/// being opened each have one: WAL lets their connections work side by side).
pub fn open_engine(profile: &Profile) -> Result<SyncEngine, SyncError> {
    let info = profile.info()?;
    let replica = Replica::open(&profile.replica_path())?;
    let connector = ardoise_sync::backend::connector_for(&info, &replica)?;
    Ok(SyncEngine::new(profile.clone(), replica, connector))
}

/// Syncs at start, when woken, and periodically; backs off with jitter while offline; starts
/// over on another profile when the user changes.
fn sync_loop(
    app: AppHandle,
    mut profile: Profile,
    wake: Receiver<Wake>,
    latest: Arc<Mutex<Option<SyncStatus>>>,
    transfers: Sender<Wake>,
) {
    loop {
        match run_profile(&app, &profile, &wake, &latest, &transfers) {
            Some(next) => profile = next,
            None => return,
        }
    }
}

/// An engine for `profile`, once someone is logged in there: waits for a wake-up
/// otherwise. Err carries the next profile (Some) or the end of the app (None).
fn wait_for_engine(
    app: &AppHandle,
    profile: &Profile,
    wake: &Receiver<Wake>,
) -> Result<SyncEngine, Option<Profile>> {
    loop {
        match open_engine(profile) {
            Ok(e) => return Ok(e),
            Err(SyncError::NotFound(_)) | Err(SyncError::LoggedOut) => {}
            Err(e) => notify::sync_failed(app, &CommandError::from(e)),
        }
        match wake.recv() {
            Ok(Wake::Sync) => {}
            Ok(Wake::Switch(p)) => return Err(Some(p)),
            Err(_) => return Err(None),
        }
    }
}

/// Syncs one profile until another is chosen (returned) or the app ends (None).
fn run_profile(
    app: &AppHandle,
    profile: &Profile,
    wake: &Receiver<Wake>,
    latest: &Arc<Mutex<Option<SyncStatus>>>,
    transfers: &Sender<Wake>,
) -> Option<Profile> {
    // Not logged in yet (or the profile cannot be opened): wait for a login to wake the loop.
    let mut engine = match wait_for_engine(app, profile, wake) {
        Ok(e) => e,
        Err(next) => return next,
    };
    let mut copies_seen = ardoise_sync::docs::conflict_copies(engine.replica());
    let status_app = app.clone();
    let status_latest = latest.clone();
    // Conflicts counted at the end of the last sync (-1: none yet, no notification at start).
    let conflicts_seen = AtomicI64::new(-1);
    engine.on_status(move |s| {
        if let Ok(mut l) = status_latest.lock() {
            *l = Some(s.clone());
        }
        if !s.syncing {
            let seen = conflicts_seen.swap(s.conflicts, Ordering::Relaxed);
            if seen >= 0 && s.conflicts > seen {
                notify::new_conflicts(&status_app, s.conflicts);
            }
        }
        let _ = status_app.emit("sync-status", s);
    });
    let mut backoff = Backoff::default();
    // The failure last told to the user: the same one again, retried with backoff, is not
    // told again (one notification for an expired session, not one per retry).
    let mut told: Option<ErrorCode> = None;
    loop {
        let delay = match engine.sync_once() {
            Ok(report) => {
                backoff.reset();
                told = None;
                if !report.rejected.is_empty() {
                    notify::edits_refused(app, report.rejected.len());
                }
                let copies = ardoise_sync::docs::conflict_copies(engine.replica());
                if copies > copies_seen {
                    notify::conflict_copies(app, copies - copies_seen);
                }
                copies_seen = copies;
                if report.pulled > 0 {
                    let _ = app.emit("documents-changed", ());
                }
                // Pinned documents may need a download; released uploads a push.
                let _ = transfers.send(Wake::Sync);
                PERIOD
            }
            Err(SyncError::Offline(_)) => backoff.next_delay(),
            Err(e) => {
                let e = CommandError::from(e);
                if told != Some(e.code) {
                    notify::sync_failed(app, &e);
                    told = Some(e.code);
                }
                backoff.next_delay()
            }
        };
        match wake.recv_timeout(delay) {
            Ok(Wake::Sync) => {
                // Debounce: an edit often comes with others.
                std::thread::sleep(Duration::from_millis(300));
                loop {
                    match wake.try_recv() {
                        Ok(Wake::Sync) => {}
                        Ok(Wake::Switch(p)) => return Some(p),
                        Err(_) => break,
                    }
                }
            }
            Ok(Wake::Switch(p)) => return Some(p),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return None,
        }
    }
}

/// The transfer queue of the shown profile, apart from record sync: runs when woken (a
/// file added, a folder pinned, a sync done) and every minute, backing off while offline.
/// Progress goes to the window as `transfer-progress` events; uploads done wake the sync
/// loop, whose push they released.
fn transfer_loop(app: AppHandle, mut profile: Profile, wake: Receiver<Wake>, sync: Sender<Wake>) {
    'profiles: loop {
        let mut engine = match wait_for_engine(&app, &profile, &wake) {
            Ok(e) => e,
            Err(Some(p)) => {
                profile = p;
                continue;
            }
            Err(None) => return,
        };
        let progress_app = app.clone();
        engine.on_status(move |s| {
            let _ = progress_app.emit("transfer-progress", &s.progress);
        });
        let cache = ardoise_sync::docs::Cache::new(profile.cache_dir());
        let mut backoff = Backoff::default();
        loop {
            let delay = match engine.transfer_once(&cache) {
                Ok(report) => {
                    backoff.reset();
                    if report.uploaded > 0 {
                        let _ = sync.send(Wake::Sync);
                    }
                    if report.uploaded + report.downloaded > 0 || !report.failed.is_empty() {
                        let _ = app.emit("documents-changed", ());
                    }
                    if !report.failed.is_empty() {
                        notify::transfers_failed(&app, &report.failed);
                    }
                    Duration::from_secs(60)
                }
                Err(SyncError::Offline(_)) => backoff.next_delay(),
                Err(e) => {
                    log::warn!("transferts : {e}");
                    backoff.next_delay()
                }
            };
            match wake.recv_timeout(delay) {
                Ok(Wake::Sync) | Err(RecvTimeoutError::Timeout) => {}
                Ok(Wake::Switch(p)) => {
                    profile = p;
                    continue 'profiles;
                }
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
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
