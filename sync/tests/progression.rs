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
