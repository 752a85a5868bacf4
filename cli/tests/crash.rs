//! Crash consistency (docs/guarantees.md, T3): a client process writes séances and homework and syncs
//! in a loop against the real server; it is SIGKILLed at a random moment, again and again.
//! After each kill the replica reopens with `PRAGMA integrity_check` ok, its cursor never
//! ahead of the data it holds, and every local change still backed by its outbox op.
//!
//! Seeded: the seed is printed; `ARDOISE_SEED=… cargo test -p ardoise-cli --test crash`
//! replays it; `ARDOISE_CRASH_ROUNDS` changes the number of rounds (100 by default).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ardoise_fixtures::Rng;
use ardoise_protocol::{Data, EntityKind};
use ardoise_sync::{logbook, views, HttpConnector, Profile, Replica, SyncEngine};
use ardoise_testkit::{Client, Http, Server};
use serde_json::{json, Value};

fn seed() -> u64 {
    std::env::var("ARDOISE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        })
}

/// The child's work, run when the parent starts this test binary with
/// `ARDOISE_CRASH_CHILD=<profile>`: edit, sometimes sync, forever (until killed).
#[test]
fn crash_child() {
    let Some(profile_dir) = std::env::var_os("ARDOISE_CRASH_CHILD") else {
        return; // an ordinary test run: nothing to do
    };
    let occurrences: Vec<String> =
        serde_json::from_str(&std::env::var("ARDOISE_CRASH_OCCURRENCES").unwrap()).unwrap();
    let mut rng = Rng(seed());
    let profile = Profile::new(&profile_dir);
    let server = profile.info().unwrap().server;
    let replica = Replica::open(&profile.replica_path()).unwrap();
    let mut engine = SyncEngine::new(
        profile,
        replica,
        Box::new(HttpConnector::new(&server).unwrap()),
    );
    for n in 0u64.. {
        let occ = &occurrences[rng.below(occurrences.len())];
        let existing = views::session_of_lesson(engine.replica(), occ).unwrap();
        let input = match &existing {
            Some(s) => json!({"id": s.id, "title": format!("Séance revue {n}")}),
            None => json!({"occurrence": occ, "title": format!("Séance {n}"),
                           "content": "<p>Cours</p>", "state": "published"}),
        };
        let Value::Object(input) = input else {
            unreachable!()
        };
        if let Ok(saved) = logbook::save_session(engine.replica_mut(), &input) {
            if rng.below(2) == 0 {
                let hw: Data =
                    json!({"audience": saved["audienceId"], "subject": saved["subjectId"],
                    "sessionId": saved["id"], "givenOn": saved["date"], "dueOn": saved["date"],
                    "description": format!("Exercice {n}")})
                    .as_object()
                    .unwrap()
                    .clone();
                let _ = logbook::save_homework(engine.replica_mut(), &hw);
            }
        }
        if rng.below(3) != 0 {
            let _ = engine.sync_once();
        }
    }
}

/// What a killed replica must still be.
fn check(profile: &Path, http: &Http, base_seq: i64) -> Result<(), String> {
    let replica = Replica::open(&profile.join("replica.sqlite3")).map_err(|e| e.to_string())?;
    let conn = replica.sql();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    if integrity != "ok" {
        return Err(format!("integrity_check: {integrity}"));
    }
    // Every record changed here and not yet acknowledged has its op: a local create (version
    // 0) and every merge base (mirror row) are backed by an op still in the outbox.
    let orphans: i64 = conn
        .query_row(
            "SELECT (SELECT COUNT(*) FROM mirror m WHERE NOT EXISTS (SELECT 1 FROM outbox o
                       WHERE o.kind = m.kind AND o.record_id = m.id))
                  + (SELECT COUNT(*) FROM sessions s WHERE s.version = 0 AND NOT EXISTS
                       (SELECT 1 FROM outbox o WHERE o.kind = 'session' AND o.record_id = s.id))
                  + (SELECT COUNT(*) FROM homework h WHERE h.version = 0 AND NOT EXISTS
                       (SELECT 1 FROM outbox o WHERE o.kind = 'homework' AND o.record_id = h.id))",
            [],
            |r| r.get(0),
        )
        .map_err(|e| e.to_string())?;
    if orphans != 0 {
        return Err(format!("{orphans} local change(s) without their outbox op"));
    }
    // The cursor is never ahead of the data: every change the server made at or before it
    // is here (as the row, or as the merge base under pending edits).
    let cursor = replica.cursor().map_err(|e| e.to_string())?;
    let (status, page) = http.get(&format!("/v1/changes?since={base_seq}&limit=5000"));
    if status != 200 {
        return Err(format!("changes: {status}"));
    }
    for rec in page["changes"].as_array().into_iter().flatten() {
        if rec["changeSeq"].as_i64().unwrap_or(i64::MAX) > cursor {
            continue;
        }
        let kind = rec["kind"].as_str().unwrap_or("");
        let id = rec["id"].as_str().unwrap_or("");
        let version = rec["version"].as_i64().unwrap_or(-1);
        let base: Option<i64> = conn
            .query_row(
                "SELECT version FROM mirror WHERE kind = ?1 AND id = ?2",
                [kind, id],
                |r| r.get(0),
            )
            .ok();
        let held = match base {
            Some(v) => Some(v),
            None => {
                let k = EntityKind::parse(kind).ok_or(format!("kind {kind}"))?;
                replica
                    .get(k, id)
                    .map_err(|e| e.to_string())?
                    .map(|(v, _)| v)
            }
        };
        let deleted = rec["deleted"].as_bool().unwrap_or(false);
        if !deleted && held != Some(version) {
            return Err(format!(
                "cursor {cursor} ahead of {kind} {id}: server v{version} at {}, replica {held:?}",
                rec["changeSeq"]
            ));
        }
    }
    Ok(())
}

#[test]
fn a_client_killed_at_any_moment_reopens_consistent() {
    let seed = seed();
    let rounds: u64 = std::env::var("ARDOISE_CRASH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let _ = writeln!(
        std::io::stderr(),
        "crash: seed={seed} (ARDOISE_SEED={seed} replays it)"
    );
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    let martin = Client::login_and_sync(dir.path(), &server.url(), "martin");
    let http = Http::login(&server.url(), "martin");
    let base_seq = Replica::open(&martin.profile.join("replica.sqlite3"))
        .unwrap()
        .cursor()
        .unwrap();
    let week = martin.teacher_days("martin", "2026-11-30", 6);
    let occurrences: Vec<&str> = week
        .iter()
        .filter(|o| o["status"] != "cancelled")
        .map(|o| o["id"].as_str().unwrap())
        .take(8)
        .collect();
    let me = std::env::current_exe().unwrap();
    let started = Instant::now();
    for round in 0..rounds {
        let mut child = Command::new(&me)
            .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
            .env("ARDOISE_CRASH_CHILD", &martin.profile)
            .env("ARDOISE_CRASH_OCCURRENCES", json!(occurrences).to_string())
            .env("ARDOISE_SEED", (seed ^ round).to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(30 + rng.below(400) as u64));
        child.kill().unwrap();
        child.wait().unwrap();
        if let Err(e) = check(&martin.profile, &http, base_seq) {
            panic!("round {round} (ARDOISE_SEED={seed}): {e}");
        }
    }
    // Nothing was lost either: a last sync sends everything left, and then nothing waits.
    martin.run(&["sync"]).ok();
    assert_eq!(martin.status()["pending"], 0);
    check(&martin.profile, &http, base_seq).unwrap();
    // The rounds did real work: séances and homework reached the server.
    let (_, page) = http.get(&format!("/v1/changes?since={base_seq}&limit=5000"));
    let changes = page["changes"].as_array().map_or(0, Vec::len);
    assert!(changes > 0, "the killed clients never synced anything");
    let _ = writeln!(
        std::io::stderr(),
        "crash: rounds={rounds} integrity=ok invariants=ok changes={changes} seed={seed} secs={:.0}",
        started.elapsed().as_secs_f64()
    );
}
