//! When to sync: the two background loops a shell runs, one for records and one for the
//! transfer queue, with their timing — at start, soon after an edit (a burst of edits is one
//! sync), periodically, with backoff and jitter while the ENT is out of reach — and the
//! switch to another profile when the user changes. They live here, not in the desktop
//! app, so every shell gets the same timing and it is tested without a window
//! (`tests/scheduler.rs`).
//!
//! A loop owns its own [`SyncEngine`] (WAL lets its connection work beside the shell's
//! reader) and tells the shell what happened through a [`Shell`]. It ends when every
//! sender of its [`Wake`] channel is gone (the desktop app's two loops hold each other's
//! senders, so there they run as long as the process).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

use ardoise_protocol::ErrorCode;

use crate::connectivity::Backoff;
use crate::docs::{self, Cache, TransferReport};
use crate::replica::Changes;
use crate::{backend, Profile, Replica, Result, SyncEngine, SyncError, SyncReport, SyncStatus};

/// What wakes a loop.
#[derive(Debug, Clone)]
pub enum Wake {
    /// Run now (after an edit, « Synchroniser », a login, a file added).
    Now,
    /// Another user logged in: work on that profile from now on.
    Switch(Profile),
}

/// How often a loop runs.
#[derive(Debug, Clone)]
pub struct Timing {
    /// Between two runs while all goes well.
    pub period: Duration,
    /// After a wake-up, how long to wait for the edits that come with it.
    pub debounce: Duration,
    /// Between two attempts while the ENT is out of reach or failing.
    pub backoff: Backoff,
}

impl Timing {
    /// Records: every 30 s, 300 ms after an edit, backing off from 1 s to a minute.
    pub fn records() -> Timing {
        Timing {
            period: Duration::from_secs(30),
            debounce: Duration::from_millis(300),
            backoff: Backoff::default(),
        }
    }

    /// Files: every minute and when woken, backing off from 1 s to a minute.
    pub fn transfers() -> Timing {
        Timing {
            period: Duration::from_secs(60),
            debounce: Duration::ZERO,
            backoff: Backoff::default(),
        }
    }
}

/// What a loop tells the shell it runs in (the app: window events and notifications; a
/// test: counters). Every method has an empty default.
pub trait Shell: Send + Sync + 'static {
    /// A status the engine reports, during a sync and after.
    fn status(&self, _status: &SyncStatus) {}
    /// More conflict revisions are open than at the end of the previous sync.
    fn new_conflicts(&self, _open: i64) {}
    /// A sync of records went through.
    fn synced(&self, _report: &SyncReport) {}
    /// Records changed since the last time this was told (pulled, or changed on this
    /// device since): views refresh what they show of those kinds.
    fn changed(&self, _changes: &Changes) {}
    /// Documents were changed on both sides since the previous sync: both versions kept.
    fn new_conflict_copies(&self, _count: i64) {}
    /// A run of the transfer queue went through.
    fn transferred(&self, _report: &TransferReport) {}
    /// A run failed for a reason other than being offline. Told once: the same failure
    /// again, retried with backoff, is not told again until something else happens.
    fn failed(&self, _error: &SyncError) {}
}

/// An engine of its own for one profile, on the backend the profile signed in to.
pub fn open_engine(profile: &Profile) -> Result<SyncEngine> {
    let info = profile.info()?;
    let replica = Replica::open(&profile.replica_path())?;
    let connector = backend::connector_for(&info, &replica)?;
    Ok(SyncEngine::new(profile.clone(), replica, connector))
}

/// What ends a wait.
enum Next {
    /// Run again.
    Run,
    /// Go to that profile.
    Switch(Profile),
    /// The shell is gone.
    End,
}

/// Waits `delay` or until woken; after a wake-up, lets the burst it belongs to settle.
fn wait(wake: &Receiver<Wake>, delay: Duration, debounce: Duration) -> Next {
    match wake.recv_timeout(delay) {
        Ok(Wake::Now) => {
            if !debounce.is_zero() {
                std::thread::sleep(debounce);
            }
            loop {
                match wake.try_recv() {
                    Ok(Wake::Now) => {}
                    Ok(Wake::Switch(p)) => return Next::Switch(p),
                    Err(_) => return Next::Run,
                }
            }
        }
        Ok(Wake::Switch(p)) => Next::Switch(p),
        Err(RecvTimeoutError::Timeout) => Next::Run,
        Err(RecvTimeoutError::Disconnected) => Next::End,
    }
}

/// An engine for `profile` once someone is logged in there; until then, waits to be woken.
/// Err carries the next profile, or None at the end.
fn engine_when_ready(
    profile: &Profile,
    wake: &Receiver<Wake>,
    shell: &dyn Shell,
) -> std::result::Result<SyncEngine, Option<Profile>> {
    loop {
        match open_engine(profile) {
            Ok(e) => return Ok(e),
            Err(SyncError::NotFound(_)) | Err(SyncError::LoggedOut) => {}
            Err(e) => shell.failed(&e),
        }
        match wake.recv() {
            Ok(Wake::Now) => {}
            Ok(Wake::Switch(p)) => return Err(Some(p)),
            Err(_) => return Err(None),
        }
    }
}

/// Failures told to the shell once each until a run goes through.
#[derive(Default)]
struct Told(Option<ErrorCode>);

impl Told {
    fn failure(&mut self, shell: &dyn Shell, e: &SyncError) {
        if self.0 != Some(e.code()) {
            shell.failed(e);
            self.0 = Some(e.code());
        }
    }
}

/// What a loop does with its engine, each time it runs.
trait Work {
    /// A new engine (at start, after a profile switch).
    fn start(&mut self, engine: &mut SyncEngine, profile: &Profile, shell: &Arc<dyn Shell>);
    /// One run; what went through is told to `shell`.
    fn run(&mut self, engine: &mut SyncEngine, shell: &dyn Shell) -> Result<()>;
}

/// Runs `work` on `profile`'s engine at start, when woken (debounced), every
/// `timing.period`, and with backoff while offline or failing; goes on with another profile
/// on [`Wake::Switch`]; returns when the shell drops its senders.
fn run_loop(
    mut profile: Profile,
    wake: Receiver<Wake>,
    timing: Timing,
    shell: Arc<dyn Shell>,
    work: &mut dyn Work,
) {
    'profiles: loop {
        let mut engine = match engine_when_ready(&profile, &wake, &*shell) {
            Ok(e) => e,
            Err(Some(next)) => {
                profile = next;
                continue;
            }
            Err(None) => return,
        };
        work.start(&mut engine, &profile, &shell);
        let mut backoff = timing.backoff.clone();
        let mut told = Told::default();
        loop {
            let delay = match work.run(&mut engine, &*shell) {
                Ok(()) => {
                    backoff.reset();
                    told = Told::default();
                    timing.period
                }
                Err(SyncError::Offline(_)) => backoff.next_delay(),
                Err(e) => {
                    told.failure(&*shell, &e);
                    backoff.next_delay()
                }
            };
            match wait(&wake, delay, timing.debounce) {
                Next::Run => {}
                Next::Switch(next) => {
                    profile = next;
                    continue 'profiles;
                }
                Next::End => return,
            }
        }
    }
}

/// Record sync, telling what changed, new conflicts and new conflict copies of documents.
#[derive(Default)]
struct Records {
    copies_seen: i64,
    /// The replica's change feed, read up to here.
    feed_seen: i64,
    /// The status the engine gave at the end of a sync, held until what changed is told:
    /// a shell hears « changed » before « synced », never a finished sync whose changes
    /// are still to come.
    last_status: Arc<std::sync::Mutex<Option<SyncStatus>>>,
}

impl Work for Records {
    fn start(&mut self, engine: &mut SyncEngine, _profile: &Profile, shell: &Arc<dyn Shell>) {
        self.copies_seen = docs::conflict_copies(engine.replica());
        self.feed_seen = engine.replica().feed_head().unwrap_or(0);
        // Conflicts counted at the end of the last sync (-1: none yet, nothing told at start).
        let conflicts_seen = AtomicI64::new(-1);
        let shell = shell.clone();
        let held = self.last_status.clone();
        engine.on_status(move |s| {
            if s.syncing {
                shell.status(s);
                return;
            }
            let seen = conflicts_seen.swap(s.conflicts, Ordering::Relaxed);
            if seen >= 0 && s.conflicts > seen {
                shell.new_conflicts(s.conflicts);
            }
            if let Ok(mut slot) = held.lock() {
                *slot = Some(s.clone());
            }
        });
    }

    fn run(&mut self, engine: &mut SyncEngine, shell: &dyn Shell) -> Result<()> {
        let result = engine.sync_once();
        // What was applied is told even when the sync failed later on (a page pulled, then
        // the network went), and before the status that says the sync is over.
        self.tell_changes(engine, shell);
        let last = self
            .last_status
            .lock()
            .ok()
            .and_then(|mut slot| slot.take());
        if let Some(status) = last {
            shell.status(&status);
        }
        let report = result?;
        let copies = docs::conflict_copies(engine.replica());
        if copies > self.copies_seen {
            shell.new_conflict_copies(copies - self.copies_seen);
        }
        self.copies_seen = copies;
        shell.synced(&report);
        Ok(())
    }
}

impl Records {
    /// Tells the shell what changed since it was last told. Best effort: the sync itself
    /// is done, and a failure to read the feed only delays the redraw to the next one.
    fn tell_changes(&mut self, engine: &SyncEngine, shell: &dyn Shell) {
        match engine.replica().changes_after(self.feed_seen) {
            Ok(changes) if changes.head > self.feed_seen => {
                self.feed_seen = changes.head;
                shell.changed(&changes);
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("change feed unreadable: {e}"),
        }
    }
}

/// The transfer queue of the profile's files.
#[derive(Default)]
struct Transfers {
    cache: Option<Cache>,
}

impl Work for Transfers {
    fn start(&mut self, engine: &mut SyncEngine, profile: &Profile, shell: &Arc<dyn Shell>) {
        self.cache = Some(Cache::new(profile.cache_dir()));
        let shell = shell.clone();
        engine.on_status(move |s| shell.status(s));
    }

    fn run(&mut self, engine: &mut SyncEngine, shell: &dyn Shell) -> Result<()> {
        let cache = self.cache.as_ref().expect("started");
        shell.transferred(&engine.transfer_once(cache)?);
        Ok(())
    }
}

/// The record sync loop: syncs `profile` at start, when woken (debounced), every
/// `timing.period`, and with backoff while offline or failing; goes on with another
/// profile on [`Wake::Switch`]; returns when the shell drops its senders.
pub fn sync_loop(profile: Profile, wake: Receiver<Wake>, timing: Timing, shell: Arc<dyn Shell>) {
    run_loop(profile, wake, timing, shell, &mut Records::default());
}

/// The transfer loop: runs the queue of `profile`'s files at start, when woken, every
/// `timing.period`, with backoff while offline; the engine's progress goes to
/// [`Shell::status`]. Never in the way of records: it has its own engine and thread.
pub fn transfer_loop(
    profile: Profile,
    wake: Receiver<Wake>,
    timing: Timing,
    shell: Arc<dyn Shell>,
) {
    run_loop(profile, wake, timing, shell, &mut Transfers::default());
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::channel;
    use std::time::Instant;

    #[test]
    fn a_burst_of_wake_ups_is_one_run_and_a_switch_in_it_wins() {
        let (tx, rx) = channel();
        for _ in 0..20 {
            tx.send(Wake::Now).unwrap();
        }
        let started = Instant::now();
        assert!(matches!(
            wait(&rx, Duration::from_secs(5), Duration::from_millis(50)),
            Next::Run
        ));
        assert!(started.elapsed() >= Duration::from_millis(50), "debounced");
        assert!(rx.try_recv().is_err(), "the whole burst was taken");
        tx.send(Wake::Now).unwrap();
        tx.send(Wake::Switch(Profile::new("/tmp/autre"))).unwrap();
        tx.send(Wake::Now).unwrap();
        assert!(matches!(
            wait(&rx, Duration::from_secs(5), Duration::ZERO),
            Next::Switch(_)
        ));
        assert!(matches!(
            wait(&rx, Duration::from_millis(10), Duration::ZERO),
            Next::Run
        ));
        assert!(
            matches!(
                wait(&rx, Duration::from_millis(10), Duration::ZERO),
                Next::Run
            ),
            "nothing waiting: the period ends the wait"
        );
        drop(tx);
        assert!(matches!(
            wait(&rx, Duration::from_secs(5), Duration::ZERO),
            Next::End
        ));
    }

    #[test]
    fn a_wake_up_during_the_debounce_is_part_of_the_same_run() {
        let (tx, rx) = channel();
        tx.send(Wake::Now).unwrap();
        let late = tx.clone();
        let sender = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            late.send(Wake::Now).unwrap();
        });
        // The window (1 s) is far longer than the 20 ms the second wake-up takes.
        assert!(matches!(
            wait(&rx, Duration::from_secs(5), Duration::from_secs(1)),
            Next::Run
        ));
        sender.join().unwrap();
        assert!(rx.try_recv().is_err(), "taken with the first");
    }

    #[derive(Default)]
    struct Failures(std::sync::Mutex<Vec<ErrorCode>>);

    impl Shell for Failures {
        fn failed(&self, e: &SyncError) {
            self.0.lock().unwrap().push(e.code());
        }
    }

    #[test]
    fn the_same_failure_retried_is_told_once_and_again_after_a_success() {
        let shell = Failures::default();
        let mut told = Told::default();
        for _ in 0..3 {
            told.failure(&shell, &SyncError::LoggedOut);
        }
        told.failure(&shell, &SyncError::BadResponse("x".into()));
        told = Told::default();
        told.failure(&shell, &SyncError::LoggedOut);
        assert_eq!(
            *shell.0.lock().unwrap(),
            [
                ErrorCode::AuthLoggedOut,
                ErrorCode::SyncBadResponse,
                ErrorCode::AuthLoggedOut
            ]
        );
    }
}
