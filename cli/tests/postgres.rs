//! The offline story with the reference ENT on PostgreSQL (`ardoise-server --database`):
//! one server stopped and started again, then two servers sharing one database and one
//! folder of document contents, as a region runs them behind a load balancer. Real
//! `ardoise-server` and `ardoise` processes on loopback, a database of the test's own.

use ardoise_testkit::postgres::TestDatabase;
use ardoise_testkit::{Client, Http, Server};
use serde_json::{json, Value};

/// Martin, offline, writes three séances and a homework; back online they go up.
/// Returns their (kind, id, audience).
fn martin_writes_offline(
    martin: &Client,
    server: &mut Server,
) -> Vec<(&'static str, String, String)> {
    let week = martin.teacher_days("martin", "2026-11-30", 6);
    assert!(week.len() >= 3, "martin teaches {} lessons", week.len());
    server.stop();
    let mut written = Vec::new();
    for (i, lesson) in week.iter().take(3).enumerate() {
        let saved = martin
            .run_with(
                &["session", "save"],
                &json!({"occurrence": lesson["id"], "title": format!("Séance hors ligne {i}"),
                        "content": "<p>Étude de documents</p>", "state": "published"})
                .to_string(),
            )
            .ok()
            .json();
        written.push((
            "session",
            saved["id"].as_str().unwrap().to_string(),
            lesson["audience"].as_str().unwrap().to_string(),
        ));
    }
    let saved = martin
        .run_with(
            &["homework", "save"],
            &json!({"audience": "2nde 3", "subject": "HIGEO", "givenOn": "2026-11-30",
                    "dueOn": "2026-12-03", "description": "Exercice 4 p. 112"})
            .to_string(),
        )
        .ok()
        .json();
    written.push((
        "homework",
        saved["id"].as_str().unwrap().to_string(),
        "2nde 3".into(),
    ));
    let offline = martin.run(&["sync"]);
    assert_eq!(offline.code, 3, "offline: {}", offline.stderr);
    assert_eq!(martin.status()["pending"], 4);

    server.start();
    martin.run(&["sync"]).ok();
    assert_eq!(martin.status()["pending"], 0);
    // Once more: nothing goes up twice.
    martin.run(&["sync"]).ok();
    written
}

/// Each entry is seen by `reader` exactly once.
fn sees_each_once(reader: &Client, written: &[(&str, String, String)]) {
    for (kind, id, audience) in written {
        let list = reader.list(kind, audience, "2026-11-30", "2026-12-05");
        let found: Vec<&Value> = list.iter().filter(|e| e["id"] == id.as_str()).collect();
        assert_eq!(found.len(), 1, "{kind} {id} seen exactly once");
    }
}

#[test]
fn lessons_written_offline_go_up_on_reconnect_to_a_server_on_postgresql() {
    let db = TestDatabase::new();
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::demo_with(dir.path(), &["--database", db.url.as_str()]);
    // The records are in PostgreSQL, not in a SQLite file of --data.
    assert!(!server.data.join("ardoise-server.sqlite3").exists());
    let martin = Client::login_and_sync(dir.path(), &server.url(), "martin");
    let written = martin_writes_offline(&martin, &mut server);
    let bernard = Client::login_and_sync(dir.path(), &server.url(), "bernard");
    sees_each_once(&bernard, &written);
}

#[test]
fn two_servers_on_one_database_serve_one_school() {
    let db = TestDatabase::new();
    let dir = tempfile::tempdir().unwrap();
    // Both on the same database and the same folder of contents: the first seeds the demo
    // school, the second finds it there.
    let mut a = Server::demo_with(dir.path(), &["--database", db.url.as_str()]);
    let b = Server::demo_with(dir.path(), &["--database", db.url.as_str()]);
    assert_ne!(a.port, b.port);

    // Writes through one, reads through the other.
    let martin = Client::login_and_sync(dir.path(), &a.url(), "martin");
    let written = martin_writes_offline(&martin, &mut a);
    let bernard = Client::login_and_sync(dir.path(), &b.url(), "bernard");
    sees_each_once(&bernard, &written);

    // An upload started on one instance goes on on the other (the load balancer sent the
    // second chunk there), and the content is readable through either.
    let content: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let hash = blake3::hash(&content).to_hex().to_string();
    let mut up = Http::login(&a.url(), "martin");
    let opened = up
        .request("POST", "/v1/uploads")
        .json(&json!({"hash": hash, "size": content.len()}))
        .send()
        .unwrap();
    assert!(opened.status().is_success(), "open: {}", opened.status());
    let half = content.len() / 2;
    for (base, range) in [(a.url(), 0..half), (b.url(), half..content.len())] {
        up.base = base;
        let sent = up
            .request("PATCH", &format!("/v1/uploads/{hash}"))
            .header(
                ardoise_protocol::documents::OFFSET_HEADER,
                range.start.to_string(),
            )
            .body(content[range.clone()].to_vec())
            .send()
            .unwrap();
        assert!(sent.status().is_success(), "chunk: {}", sent.status());
        let status: Value = sent.json().unwrap();
        assert_eq!(status["offset"], range.end);
        assert_eq!(status["complete"], range.end == content.len());
    }
    up.base = a.url();
    let back = up
        .request("GET", &format!("/v1/blobs/{hash}"))
        .send()
        .unwrap();
    assert!(back.status().is_success(), "read back: {}", back.status());
    assert_eq!(back.bytes().unwrap().as_ref(), content.as_slice());

    // A token one instance gave works on the other; a logout on one ends it on both.
    let mut http = Http::login(&a.url(), "leroy");
    let on_a = http.snapshot().len();
    http.base = b.url();
    assert_eq!(
        http.snapshot().len(),
        on_a,
        "the same school through either"
    );
    let out = http.request("POST", "/v1/auth/logout").send().unwrap();
    assert!(out.status().is_success(), "logout: {}", out.status());
    http.base = a.url();
    assert_eq!(http.get("/v1/snapshot").0, 401);
}
