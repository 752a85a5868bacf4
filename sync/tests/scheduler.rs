//! The background loops' timing (`ardoise_sync::scheduler`), against the reference server
//! with the demo school, as the app runs them: a sync at start, one sync for a burst of
//! edits, another profile's after a switch, and, while the ENT is out of reach, backoff
//! then a sync by itself when it is back — with no failure told for being offline.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::channel;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ardoise_protocol::entities::PublishState;
use ardoise_protocol::{EntityKind, ErrorCode};
use ardoise_sync::connectivity::Backoff;
use ardoise_sync::replica::Changes;
use ardoise_sync::scheduler::{self, Shell, Timing, Wake};
use ardoise_sync::views::{self, SessionInput};
use ardoise_sync::{Profile, Replica, SyncError, SyncReport, SyncStatus};
use ardoise_testkit::Proxy;
use common::{logged_in, serve_demo};

#[derive(Default)]
struct Seen {
    synced: AtomicUsize,
    pushes: Mutex<Vec<usize>>,
    offline_statuses: AtomicUsize,
    failed: Mutex<Vec<ErrorCode>>,
    changes: Mutex<Vec<Changes>>,
}

impl Shell for Seen {
    fn status(&self, s: &SyncStatus) {
        if !s.online {
            self.offline_statuses.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn synced(&self, report: &SyncReport) {
        self.pushes.lock().unwrap().push(report.pushed);
        self.synced.fetch_add(1, Ordering::SeqCst);
    }

    fn failed(&self, e: &SyncError) {
        self.failed.lock().unwrap().push(e.code());
    }

    fn changed(&self, changes: &Changes) {
        self.changes.lock().unwrap().push(changes.clone());
    }
}

impl Seen {
    fn synced(&self) -> usize {
        self.synced.load(Ordering::SeqCst)
    }

    /// Waits (at most 20 s) until `n` syncs went through.
    fn wait_for(&self, n: usize) {
        let until = Instant::now() + Duration::from_secs(20);
        while self.synced() < n {
            assert!(
                Instant::now() < until,
                "{} syncs, {n} awaited",
                self.synced()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn quick() -> Timing {
    Timing {
        period: Duration::from_secs(60),
        debounce: Duration::from_millis(150),
        backoff: Backoff::new(Duration::from_millis(50), Duration::from_millis(300)),
    }
}

/// A new séance on a lesson `teacher` has not written yet, saved in her replica (queued).
fn write_one(profile: &Profile, title: &str) {
    let mut replica = Replica::open(&profile.replica_path()).unwrap();
    let user = profile.info().unwrap().user;
    let week = views::week(&replica, &user, "2026-11-30".parse().unwrap()).unwrap();
    let lesson = week
        .occurrences
        .iter()
        .find(|o| o.status == "planned" && !week.sessions_by_occurrence.contains_key(&o.id))
        .expect("a lesson to write");
    views::save_session(
        &mut replica,
        &SessionInput {
            id: None,
            occurrence: Some(lesson.id.clone()),
            title: title.into(),
            content: "<p>Cours</p>".into(),
            annotation: None,
            state: PublishState::Published,
            attachments: vec![],
        },
    )
    .unwrap();
}

fn pending(profile: &Profile) -> i64 {
    Replica::open(&profile.replica_path())
        .unwrap()
        .pending_count()
        .unwrap()
}

#[test]
fn a_sync_at_start_one_for_a_burst_of_edits_and_the_other_profile_after_a_switch() {
    let dir = tempfile::tempdir().unwrap();
    let url = serve_demo(&dir.path().join("server"));
    let martin = logged_in(dir.path(), &url, "martin");
    let bernard = logged_in(dir.path(), &url, "bernard");
    let seen = Arc::new(Seen::default());
    let (wake, rx) = channel();
    let (shell, start) = (seen.clone(), martin.clone());
    let running = std::thread::spawn(move || scheduler::sync_loop(start, rx, quick(), shell));

    seen.wait_for(1);
    // The first sync brought the school: the shell was told which kinds came.
    {
        let told = seen.changes.lock().unwrap();
        assert_eq!(told.len(), 1, "{told:?}");
        for kind in [
            EntityKind::CourseOccurrence,
            EntityKind::Session,
            EntityKind::User,
        ] {
            assert!(told[0].remote.contains(&kind), "{kind:?} in {:?}", told[0]);
        }
    }
    // Five edits, each waking the loop as the editor does: one sync takes them all. (The
    // wake-ups go together: how long writing takes here must not decide the test.)
    for n in 0..5 {
        write_one(&martin, &format!("Séance {n}"));
    }
    for _ in 0..5 {
        wake.send(Wake::Now).unwrap();
    }
    seen.wait_for(2);
    std::thread::sleep(Duration::from_millis(600));
    // One sync took the five edits (on a loaded machine a late wake-up may add a sync
    // with nothing to send; the debounce window itself is the unit test's).
    assert_eq!(
        seen.pushes
            .lock()
            .unwrap()
            .iter()
            .filter(|n| **n > 0)
            .collect::<Vec<_>>(),
        [&5]
    );
    {
        let told = seen.changes.lock().unwrap();
        assert!(
            told[1..]
                .iter()
                .any(|c| c.local.contains(&EntityKind::Session)),
            "the edits were told as made here: {told:?}"
        );
    }
    assert_eq!(pending(&martin), 0);

    // Another user logs in: the loop goes on with their profile.
    assert_eq!(
        Replica::open(&bernard.replica_path())
            .unwrap()
            .cursor()
            .unwrap(),
        0
    );
    let before = seen.synced();
    let told_before = seen.changes.lock().unwrap().len();
    wake.send(Wake::Switch(bernard.clone())).unwrap();
    seen.wait_for(before + 1);
    {
        let told = seen.changes.lock().unwrap();
        assert!(
            told[told_before..]
                .iter()
                .any(|c| c.remote.contains(&EntityKind::Visa)
                    || c.remote.contains(&EntityKind::Session)),
            "bernard's first sync was told from his own feed: {told:?}"
        );
    }
    assert!(
        Replica::open(&bernard.replica_path())
            .unwrap()
            .cursor()
            .unwrap()
            > 0,
        "bernard's replica was synced"
    );
    drop(wake);
    running.join().unwrap();
    assert!(seen.failed.lock().unwrap().is_empty());
}

#[test]
fn offline_the_loop_backs_off_and_syncs_by_itself_when_the_ent_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let url = serve_demo(&dir.path().join("server"));
    let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
    let proxy = Proxy::start(port);
    let martin = logged_in(dir.path(), &proxy.url(), "martin");
    let seen = Arc::new(Seen::default());
    let (wake, rx) = channel();
    let (shell, start) = (seen.clone(), martin.clone());
    let running = std::thread::spawn(move || scheduler::sync_loop(start, rx, quick(), shell));
    seen.wait_for(1);

    // The network goes; a lesson is written meanwhile.
    proxy.set_down(true);
    write_one(&martin, "Écrite pendant la panne");
    wake.send(Wake::Now).unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(seen.synced(), 1, "nothing goes through while offline");
    assert!(
        seen.offline_statuses.load(Ordering::SeqCst) >= 2,
        "the loop kept trying, backing off"
    );
    assert_eq!(pending(&martin), 1, "the edit waits");

    // Back: no wake-up needed, the backoff's next attempt syncs it.
    proxy.set_down(false);
    seen.wait_for(2);
    assert_eq!(pending(&martin), 0);
    assert!(
        seen.failed.lock().unwrap().is_empty(),
        "being offline is not a failure to tell: {:?}",
        seen.failed.lock().unwrap()
    );
    drop(wake);
    running.join().unwrap();
}
