//! Progressions through the engine and the reference server: a replica that an older build
//! synced (the server hid progressions from its protocol version) takes them from a
//! snapshot once after its upgrade, without moving its cursor back; without that, a
//! cursor already past them would never bring them.

mod common;

use ardoise_sync::replica::keys;
use common::{serve_demo, synced};

const DEMO: &str = "prog-martin-2nde-histoire";

#[test]
fn an_upgraded_replica_catches_up_with_the_kinds_it_was_never_sent() {
    let dir = tempfile::tempdir().unwrap();
    let url = serve_demo(&dir.path().join("server"));
    let (mut engine, _) = synced(dir.path(), &url, "martin");
    let count = |engine: &ardoise_sync::SyncEngine| -> i64 {
        engine
            .replica()
            .sql()
            .query_row("SELECT count(*) FROM progressions", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(count(&engine), 1, "a new replica has her progression");
    assert!(engine.replica().state(keys::CATCH_UP).unwrap().is_none());

    // As an older build left it: synced past the progression, without it.
    engine
        .replica()
        .sql()
        .execute("DELETE FROM progressions", [])
        .unwrap();
    let cursor = engine.replica().cursor().unwrap();
    engine.sync_once().unwrap();
    assert_eq!(count(&engine), 0, "pulls from its cursor never bring it");

    // What the upgrade's migration notes: the next sync takes it from a snapshot.
    engine
        .replica()
        .set_state(keys::CATCH_UP, "progression")
        .unwrap();
    engine.sync_once().unwrap();
    assert_eq!(count(&engine), 1);
    assert!(engine
        .replica()
        .get(ardoise_protocol::EntityKind::Progression, DEMO)
        .unwrap()
        .is_some());
    assert!(
        engine.replica().state(keys::CATCH_UP).unwrap().is_none(),
        "once"
    );
    assert!(
        engine.replica().cursor().unwrap() >= cursor,
        "the cursor never goes back"
    );
}

/// A day made a holiday after the timetable was generated (a bridge day) is passed over,
/// as a cancelled lesson is; homework is due at the next lesson that takes place.
#[test]
fn a_progression_passes_over_holidays_and_cancelled_lessons() {
    let dir = tempfile::tempdir().unwrap();
    let url = serve_demo(&dir.path().join("server"));
    let (mut engine, _) = synced(dir.path(), &url, "martin");
    let from = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
    let preview = |engine: &mut ardoise_sync::SyncEngine| {
        ardoise_sync::progression::apply(engine.replica_mut(), DEMO, "2nde 3", from, true).unwrap()
    };
    let before = preview(&mut engine);
    assert_eq!(before.skipped, 0, "{before:?}");
    let first = before.placed[0].clone();
    let second = before.placed[1].clone();
    // The first lesson's day becomes a holiday, the second lesson is cancelled.
    engine
        .replica()
        .sql()
        .execute(
            "INSERT INTO holidays (id, version, name, start_date, end_date)
             VALUES ('hol-pont', 1, 'Pont', ?1, ?1)",
            [&first.date],
        )
        .unwrap();
    engine
        .replica()
        .sql()
        .execute(
            "UPDATE course_occurrences SET status = 'cancelled' WHERE id = ?1",
            [&second.occurrence_id],
        )
        .unwrap();
    let after = preview(&mut engine);
    assert_eq!(after.skipped, 2, "{after:?}");
    assert!(
        after
            .placed
            .iter()
            .all(|p| p.occurrence_id != first.occurrence_id
                && p.occurrence_id != second.occurrence_id)
    );
    assert_eq!(
        after.placed[0].title, first.title,
        "the steps keep their order"
    );
    // No homework falls due on a lesson that does not take place.
    for p in &after.placed {
        if let Some(due) = &p.homework_due {
            assert!(due != &first.date && due != &second.date, "{p:?}");
        }
    }
}
