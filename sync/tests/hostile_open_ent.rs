//! Guarantee 6 against a hostile or broken Open ENT NG: the fake Open ENT NG answers one
//! route of a sync with a bad answer — HTML where JSON was expected, a redirection loop,
//! dates in another format, another teacher's séance among the teacher's own, a body
//! larger than any answer may be… Each must end in a typed error with the replica
//! unchanged (every table, row for row, but the session tokens), and the next sync, once
//! the ENT behaves, must go through. Script in a séance is kept out, not refused.
//!
//! Prints `hostile_open_ent: cases=N refused=N sanitised=N replica_changed=0`.

use std::io::Write;
use std::path::Path;

use ardoise_sync::open_ent::{Client, OpenEntConnector};
use ardoise_sync::{logbook, Profile, Replica, SyncEngine, SyncError};
use ardoise_testkit::open_ent::{Answer, FakeEnt, CLIENT_ID, CLIENT_SECRET, PASSWORD};
use serde_json::{json, Value};

fn connector(url: &str) -> OpenEntConnector {
    let client = Client {
        id: CLIENT_ID.into(),
        secret: CLIENT_SECRET.into(),
    };
    OpenEntConnector::new(url, client, None)
        .unwrap()
        // Every sync reads the whole year: every route is read by each case.
        .with_schedule(chrono::Duration::zero(), chrono::Duration::zero())
}

/// Every table of the replica, row for row, but the tokens (a case may renew them).
fn dump(path: &Path) -> String {
    let replica = Replica::open(path).unwrap();
    let conn = replica.sql();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut out = String::new();
    for t in tables {
        let sql = match t.as_str() {
            "sync_state" => {
                "SELECT key, value FROM sync_state WHERE key NOT IN ('session') ORDER BY 1"
                    .to_string()
            }
            "outbox" => {
                "SELECT op_id, kind, record_id, action, state FROM outbox ORDER BY 1".to_string()
            }
            _ => format!("SELECT * FROM \"{t}\" ORDER BY 1"),
        };
        let mut stmt = conn.prepare(&sql).unwrap();
        let n = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        out.push_str(&format!("## {t}\n"));
        while let Some(row) = rows.next().unwrap() {
            for i in 0..n {
                let v: rusqlite::types::Value = row.get(i).unwrap();
                out.push_str(&format!("{v:?}|"));
            }
            out.push('\n');
        }
    }
    out
}

/// How a case must end.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Expect {
    /// A typed error, nothing changed.
    Refused,
    /// The sync goes through, with the bad part cleaned.
    Sanitised,
}

struct Case {
    name: &'static str,
    /// The route attacked (path prefix).
    route: &'static str,
    /// A séance is saved before the sync (for the write routes).
    pending: bool,
    answer: fn(u16, &[u8]) -> Answer,
    expect: Expect,
}

fn html(_: u16, _: &[u8]) -> Answer {
    Answer::typed(
        200,
        "text/html",
        "<!DOCTYPE html><html><body>Connexion</body></html>",
    )
}

/// The real answer as JSON, changed by `f`.
fn edit(body: &[u8], f: impl FnOnce(&mut Value)) -> Answer {
    let mut v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    f(&mut v);
    Answer::json(200, v)
}

fn first_row(v: &mut Value) -> &mut Value {
    &mut v.as_array_mut().expect("a list")[0]
}

fn cases() -> Vec<Case> {
    let sessions = "/diary/sessions/own/";
    let homeworks = "/diary/homeworks/own/";
    let courses = "/viescolaire/common/courses/";
    vec![
        Case {
            name: "HTML login page instead of séances",
            route: sessions,
            pending: false,
            answer: html,
            expect: Expect::Refused,
        },
        Case {
            name: "HTML instead of the timetable",
            route: courses,
            pending: false,
            answer: html,
            expect: Expect::Refused,
        },
        Case {
            name: "an object where a list was expected",
            route: sessions,
            pending: false,
            answer: |_, _| Answer::json(200, json!({"sessions": []})),
            expect: Expect::Refused,
        },
        Case {
            name: "JSON cut in the middle",
            route: homeworks,
            pending: false,
            answer: |_, b| Answer::typed(200, "application/json", &b[..b.len() / 2]),
            expect: Expect::Refused,
        },
        Case {
            name: "JSON labelled text/plain",
            route: sessions,
            pending: false,
            answer: |_, b| Answer::typed(200, "text/plain", b.to_vec()),
            expect: Expect::Refused,
        },
        Case {
            name: "a séance without id",
            route: sessions,
            pending: false,
            answer: |_, b| {
                edit(b, |v| {
                    first_row(v).as_object_mut().unwrap().remove("id");
                })
            },
            expect: Expect::Refused,
        },
        Case {
            name: "a séance id that is text",
            route: sessions,
            pending: false,
            answer: |_, b| edit(b, |v| first_row(v)["id"] = json!("../../etc")),
            expect: Expect::Refused,
        },
        Case {
            name: "a date as 16/09/2024",
            route: sessions,
            pending: false,
            answer: |_, b| edit(b, |v| first_row(v)["date"] = json!("16/09/2024")),
            expect: Expect::Refused,
        },
        Case {
            name: "a start time as 8h",
            route: sessions,
            pending: false,
            answer: |_, b| edit(b, |v| first_row(v)["start_time"] = json!("8h")),
            expect: Expect::Refused,
        },
        Case {
            name: "a date in the year 9999",
            route: sessions,
            pending: false,
            answer: |_, b| {
                edit(b, |v| {
                    first_row(v)["date"] = json!("9999-01-01 00:00:00.000000+0100")
                })
            },
            expect: Expect::Refused,
        },
        Case {
            name: "a homework due on no date",
            route: homeworks,
            pending: false,
            answer: |_, b| edit(b, |v| first_row(v)["due_date"] = Value::Null),
            expect: Expect::Refused,
        },
        Case {
            name: "a course with a broken start",
            route: courses,
            pending: false,
            answer: |_, b| edit(b, |v| first_row(v)["startDate"] = json!("lundi 8h")),
            expect: Expect::Refused,
        },
        Case {
            name: "another teacher's séance among hers",
            route: sessions,
            pending: false,
            answer: |_, b| edit(b, |v| first_row(v)["teacher_id"] = json!("u-paul")),
            expect: Expect::Refused,
        },
        Case {
            name: "the same séance twice",
            route: sessions,
            pending: false,
            answer: |_, b| {
                edit(b, |v| {
                    let r = first_row(v).clone();
                    v.as_array_mut().unwrap().push(r);
                })
            },
            expect: Expect::Refused,
        },
        Case {
            name: "a title of 100,000 characters",
            route: sessions,
            pending: false,
            answer: |_, b| edit(b, |v| first_row(v)["title"] = json!("x".repeat(100_000))),
            expect: Expect::Refused,
        },
        Case {
            name: "an answer larger than any may be",
            route: sessions,
            pending: false,
            answer: |_, _| {
                let mut b = b"[".to_vec();
                b.extend(std::iter::repeat_n(b' ', 33 * 1024 * 1024));
                b.push(b']');
                Answer::typed(200, "application/json", b)
            },
            expect: Expect::Refused,
        },
        Case {
            name: "a 302 to the login page on every call",
            route: "/diary/",
            pending: false,
            answer: |_, _| Answer::redirect(302, "http://ent.example/auth/login?callback=%2F"),
            expect: Expect::Refused,
        },
        Case {
            name: "a 302 to a forced password change",
            route: "/viescolaire/",
            pending: false,
            answer: |_, _| {
                Answer::redirect(302, "http://ent.example/auth/reset/forceChangePassword")
            },
            expect: Expect::Refused,
        },
        Case {
            name: "a 401 HTML page on a read",
            route: homeworks,
            pending: false,
            answer: |_, _| Answer::typed(401, "text/html", "<html>401</html>"),
            expect: Expect::Refused,
        },
        Case {
            name: "a 500 on the timetable",
            route: courses,
            pending: false,
            answer: |_, _| Answer::typed(500, "text/html", "<html>Erreur</html>"),
            expect: Expect::Refused,
        },
        Case {
            name: "userinfo without a user id",
            route: "/auth/oauth2/userinfo",
            pending: false,
            answer: |_, b| {
                edit(b, |v| {
                    v.as_object_mut().unwrap().remove("userId");
                })
            },
            expect: Expect::Refused,
        },
        Case {
            name: "userinfo naming another user",
            route: "/auth/oauth2/userinfo",
            pending: false,
            answer: |_, b| edit(b, |v| v["userId"] = json!("u-paul")),
            expect: Expect::Refused,
        },
        Case {
            name: "a creation answered without id",
            route: "/diary/session",
            pending: true,
            answer: |_, _| Answer::json(200, json!({})),
            expect: Expect::Refused,
        },
        Case {
            name: "a creation answered with a negative id",
            route: "/diary/session",
            pending: true,
            answer: |_, _| Answer::json(200, json!({"id": -4})),
            expect: Expect::Refused,
        },
        Case {
            name: "a token answer in HTML",
            route: "/auth/oauth2/token",
            pending: false,
            answer: html,
            expect: Expect::Refused,
        },
        Case {
            name: "script in a séance",
            route: sessions,
            pending: false,
            answer: |_, b| {
                edit(b, |v| {
                    first_row(v)["description"] =
                        json!("<p>Cours</p><script>alert(1)</script><img src=x onerror=alert(2)>")
                })
            },
            expect: Expect::Sanitised,
        },
    ]
}

#[test]
fn every_bad_answer_of_an_open_ent_ng_is_refused_and_changes_nothing() {
    let mut refused = 0;
    let mut sanitised = 0;
    let all = cases();
    for case in &all {
        let dir = tempfile::tempdir().unwrap();
        let ent = FakeEnt::start();
        let url = ent.url();
        let profile = Profile::new(dir.path().join("claire"));
        ardoise_sync::login(&profile, &url, &connector(&url), "claire.martin", PASSWORD).unwrap();
        let replica = Replica::open(&profile.replica_path()).unwrap();
        let mut engine = SyncEngine::new(profile.clone(), replica, Box::new(connector(&url)));
        // A séance of hers, so the lists are not empty.
        let lesson: String = engine
            .replica()
            .sql()
            .query_row(
                "SELECT id FROM course_occurrences ORDER BY date, start_time LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap_or_default();
        if lesson.is_empty() {
            engine.sync_once().unwrap();
        }
        let lesson: String = engine
            .replica()
            .sql()
            .query_row(
                "SELECT id FROM course_occurrences WHERE date >= date('now') ORDER BY date, start_time LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        logbook::save_session(
            engine.replica_mut(),
            json!({"occurrence": lesson, "title": "Séance", "content": "<p>Cours</p>", "state": "published"})
                .as_object()
                .unwrap(),
        )
        .unwrap();
        engine.sync_once().unwrap();
        if case.pending {
            let next: String = engine
                .replica()
                .sql()
                .query_row(
                    "SELECT id FROM course_occurrences WHERE date >= date('now') ORDER BY date, start_time LIMIT 1 OFFSET 1",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            logbook::save_session(
                engine.replica_mut(),
                json!({"occurrence": next, "title": "Nouvelle", "state": "draft"})
                    .as_object()
                    .unwrap(),
            )
            .unwrap();
        }
        if case.route == "/auth/oauth2/token" {
            ent.with(|e| e.expire_tokens());
        }
        let before = dump(&profile.replica_path());
        let answer = case.answer;
        ent.with(|e| e.tamper = Some((case.route.to_string(), Box::new(answer))));
        let result = engine.sync_once();
        let after = dump(&profile.replica_path());
        match case.expect {
            Expect::Refused => {
                let err = match result {
                    Err(e) => e,
                    Ok(r) => panic!("{}: the sync went through ({r:?})", case.name),
                };
                assert!(
                    matches!(
                        err,
                        SyncError::BadResponse(_)
                            | SyncError::Offline(_)
                            | SyncError::Server(_)
                            | SyncError::LoggedOut
                            | SyncError::Protocol(_)
                    ),
                    "{}: {err:?}",
                    case.name
                );
                if before != after {
                    panic!("{}: the replica changed ({err})", case.name);
                }
                refused += 1;
            }
            Expect::Sanitised => {
                result.unwrap_or_else(|e| panic!("{}: {e}", case.name));
                let content: String = engine
                    .replica()
                    .sql()
                    .query_row("SELECT content FROM sessions LIMIT 1", [], |r| r.get(0))
                    .unwrap();
                assert!(
                    !content.contains("script") && !content.contains("onerror"),
                    "{}: {content}",
                    case.name
                );
                sanitised += 1;
            }
        }
        // Once the ENT behaves, the next sync goes through, and what waited is sent.
        ent.with(|e| e.tamper = None);
        if engine.sync_once().is_err() {
            // A refused token needs the password again: the user logs in, nothing is lost.
            ardoise_sync::login(&profile, &url, &connector(&url), "claire.martin", PASSWORD)
                .unwrap();
            engine
                .sync_once()
                .unwrap_or_else(|e| panic!("{}: after the bad answer: {e}", case.name));
        }
        assert_eq!(engine.status().unwrap().pending, 0, "{}", case.name);
        let on_ent = ent.with(|e| e.sessions.len());
        assert_eq!(
            on_ent,
            1 + usize::from(case.pending),
            "{}: nothing twice",
            case.name
        );
    }
    writeln!(
        std::io::stderr(),
        "hostile_open_ent: cases={} refused={refused} sanitised={sanitised} replica_changed=0",
        all.len()
    )
    .unwrap();
}
