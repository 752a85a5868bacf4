//! The foundation's acceptance tests: real `ardoise-server` and `ardoise` processes on
//! loopback, each test with its own server, profiles and data.

use ardoise_testkit::{Client, Fault, Http, Proxy, Server};
use serde_json::{json, Value};

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Martin's lessons in the week of Monday 30 November 2026.
fn martin_week(c: &Client) -> Vec<Value> {
    c.teacher_days("martin", "2026-11-30", 6)
}

fn find<'a>(list: &'a [Value], audience: &str, date: &str, start: &str) -> &'a Value {
    list.iter()
        .find(|o| o["audience"] == audience && o["date"] == date && o["start"] == start)
        .unwrap_or_else(|| panic!("no lesson of {audience} on {date} at {start}"))
}

fn save(c: &Client, what: &str, input: Value) -> Value {
    c.run_with(&[what, "save"], &input.to_string()).ok().json()
}

#[test]
fn story_1_lessons_written_offline_go_up_on_reconnect() {
    let dir = tmp();
    let mut server = Server::demo(dir.path());
    let martin = Client::login_and_sync(dir.path(), &server.url(), "martin");
    let week = martin_week(&martin);
    assert!(
        week.len() >= 10,
        "martin teaches {} lessons that week",
        week.len()
    );

    server.stop();
    let mut ids = Vec::new();
    for (i, lesson) in week.iter().take(3).enumerate() {
        let saved = save(
            &martin,
            "session",
            json!({"occurrence": lesson["id"], "title": format!("Séance hors ligne {i}"),
                   "content": "<p>Étude de documents</p>", "state": "published"}),
        );
        assert!(saved["audienceId"].is_string());
        ids.push((
            saved["id"].as_str().unwrap().to_string(),
            lesson["audience"].clone(),
        ));
    }
    for due in ["2026-12-03", "2026-12-04"] {
        let saved = save(
            &martin,
            "homework",
            json!({"audience": "2nde 3", "subject": "HIGEO", "givenOn": "2026-11-30",
                   "dueOn": due, "description": format!("Exercice pour le {due}")}),
        );
        ids.push((saved["id"].as_str().unwrap().to_string(), json!("2nde 3")));
    }

    let offline = martin.run(&["sync"]);
    assert_eq!(
        offline.code, 3,
        "sync while the server is down: {}",
        offline.stderr
    );
    assert!(offline.stderr.contains("hors ligne"), "{}", offline.stderr);
    let status = martin.status();
    assert_eq!(status["pending"], 5);
    assert_eq!(status["online"], false);
    // The replica still answers while offline, with the new entries in it.
    let listed = martin.list(
        "session",
        ids[0].1.as_str().unwrap(),
        "2026-11-30",
        "2026-12-05",
    );
    assert!(listed.iter().any(|s| s["id"] == ids[0].0.as_str()));

    server.start();
    martin.run(&["sync"]).ok();
    let status = martin.status();
    assert_eq!(status["pending"], 0);
    assert_eq!(status["online"], true);

    let bernard = Client::login_and_sync(dir.path(), &server.url(), "bernard");
    for (i, (id, audience)) in ids.iter().enumerate() {
        let kind = if i < 3 { "session" } else { "homework" };
        let list = bernard.list(kind, audience.as_str().unwrap(), "2026-11-30", "2026-12-05");
        let found: Vec<&Value> = list.iter().filter(|e| e["id"] == id.as_str()).collect();
        assert_eq!(found.len(), 1, "direction sees {kind} {id} exactly once");
    }
}

/// Martin edits the same séance on two devices (title on both, annotation on the laptop,
/// content on the desktop), both sync: the desktop's title becomes a conflict revision.
/// Returns the two devices and the séance id.
fn two_devices_in_conflict(dir: &std::path::Path, server: &Server) -> (Client, Client, String) {
    let laptop = Client::login_and_sync(dir, &server.url(), "martin");
    let desktop = Client::new(dir, "martin-desktop");
    desktop
        .run(&["login", "--server", &server.url(), "--user", "martin"])
        .ok();
    desktop.run(&["sync"]).ok();

    let sessions = laptop.list("session", "2nde 3", "2026-11-23", "2026-11-27");
    let session = sessions
        .iter()
        .find(|s| s["teacherId"] == "usr-martin")
        .expect("a séance of martin with 2nde 3 that week")
        .clone();
    let id = session["id"].as_str().unwrap().to_string();

    save(
        &laptop,
        "session",
        json!({"id": id, "title": "Titre du portable", "annotation": "note A"}),
    );
    save(
        &desktop,
        "session",
        json!({"id": id, "title": "Titre du bureau", "content": "<p>contenu du bureau</p>"}),
    );
    laptop.run(&["sync"]).ok();
    desktop.run(&["sync"]).ok();
    laptop.run(&["sync"]).ok();
    (laptop, desktop, id)
}

fn conflict_id(c: &Client) -> String {
    c.run(&["conflicts", "--json"]).ok().json()[0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn story_3_same_session_edited_on_two_devices_makes_one_visible_conflict() {
    let dir = tmp();
    let server = Server::demo(dir.path());
    let (laptop, desktop, id) = two_devices_in_conflict(dir.path(), &server);
    let id = id.as_str();

    for c in [&laptop, &desktop] {
        let conflicts = c.run(&["conflicts", "--json"]).ok().json();
        let list = conflicts.as_array().unwrap();
        assert_eq!(list.len(), 1, "one conflict, seen from {:?}", c.profile);
        assert_eq!(list[0]["recordId"], id);
        assert_eq!(list[0]["fields"]["title"]["theirs"], "Titre du portable");
        assert_eq!(list[0]["fields"]["title"]["mine"], "Titre du bureau");
        assert_eq!(c.status()["conflicts"], 1);
    }
    // No edit lost: the fields changed on one side only were applied.
    let now = laptop.list("session", "2nde 3", "2026-11-23", "2026-11-27");
    let now = now.iter().find(|s| s["id"] == id).unwrap().clone();
    assert_eq!(now["title"], "Titre du portable");
    assert_eq!(now["annotation"], "note A");
    assert_eq!(now["content"], "<p>contenu du bureau</p>");

    desktop
        .run(&[
            "conflicts",
            "resolve",
            &conflict_id(&desktop),
            "--keep",
            "mine",
        ])
        .ok();
    desktop.run(&["sync"]).ok();
    laptop.run(&["sync"]).ok();
    for c in [&laptop, &desktop] {
        assert_eq!(c.status()["conflicts"], 0);
        let list = c.list("session", "2nde 3", "2026-11-23", "2026-11-27");
        let s = list.iter().find(|s| s["id"] == id).unwrap().clone();
        assert_eq!(s["title"], "Titre du bureau", "the kept version everywhere");
    }
}

#[test]
fn a_conflict_resolved_with_a_merged_version_reaches_every_device() {
    let dir = tmp();
    let server = Server::demo(dir.path());
    let (laptop, desktop, id) = two_devices_in_conflict(dir.path(), &server);
    let conflict = conflict_id(&desktop);
    let outside = desktop.run(&[
        "conflicts",
        "resolve",
        &conflict,
        "--merged",
        r#"{"annotation": "pas en conflit"}"#,
    ]);
    assert_eq!(outside.code, 1, "only fields in conflict can be merged");
    assert_eq!(
        desktop.status()["conflicts"],
        1,
        "the refusal changed nothing"
    );
    desktop
        .run(&[
            "conflicts",
            "resolve",
            &conflict,
            "--merged",
            r#"{"title": "Titre du portable et du bureau"}"#,
        ])
        .ok();
    desktop.run(&["sync"]).ok();
    laptop.run(&["sync"]).ok();
    for c in [&laptop, &desktop] {
        assert_eq!(c.status()["conflicts"], 0);
        let list = c.list("session", "2nde 3", "2026-11-23", "2026-11-27");
        let s = list
            .iter()
            .find(|s| s["id"] == id.as_str())
            .unwrap()
            .clone();
        assert_eq!(
            s["title"], "Titre du portable et du bureau",
            "the merged version everywhere"
        );
        assert_eq!(
            s["annotation"], "note A",
            "fields outside the conflict kept"
        );
        assert_eq!(s["content"], "<p>contenu du bureau</p>");
    }
}

#[test]
fn story_2_vie_scolaire_cancels_offline_and_the_teacher_sees_it() {
    let dir = tmp();
    let mut server = Server::demo(dir.path());
    let diallo = Client::login_and_sync(dir.path(), &server.url(), "diallo");
    let leroy = Client::login_and_sync(dir.path(), &server.url(), "leroy");

    server.stop();
    // Where is 1re B at 14:00 on Monday? French, M. Leroy, room B12.
    let day = diallo
        .run(&[
            "timetable",
            "--audience",
            "1re B",
            "--date",
            "2026-11-30",
            "--json",
        ])
        .ok()
        .json();
    let lesson = find(day.as_array().unwrap(), "1re B", "2026-11-30", "14:00").clone();
    assert_eq!(lesson["subject"], "Français");
    assert_eq!(lesson["teacher"], "M. Paul Leroy");
    assert_eq!(lesson["room"], "B12");
    let id = lesson["id"].as_str().unwrap();
    let cancelled = diallo
        .run(&["occurrence", "cancel", id, "--note", "Professeur absent"])
        .ok()
        .json();
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(diallo.run(&["sync"]).code, 3);
    assert_eq!(diallo.status()["pending"], 1);

    server.start();
    diallo.run(&["sync"]).ok();
    leroy.run(&["sync"]).ok();
    let week = leroy.teacher_days("leroy", "2026-11-30", 1);
    let seen = find(&week, "1re B", "2026-11-30", "14:00");
    assert_eq!(seen["status"], "cancelled");
    assert_eq!(seen["note"], "Professeur absent");

    // Cancelled by mistake: the vie scolaire puts it back, and the teacher sees it planned.
    let restored = diallo.run(&["occurrence", "restore", id]).ok().json();
    assert_eq!(restored["status"], "planned");
    assert_eq!(restored["note"], serde_json::Value::Null);
    diallo.run(&["sync"]).ok();
    leroy.run(&["sync"]).ok();
    let week = leroy.teacher_days("leroy", "2026-11-30", 1);
    let seen = find(&week, "1re B", "2026-11-30", "14:00");
    assert_eq!(
        (&seen["status"], &seen["note"]),
        (&json!("planned"), &serde_json::Value::Null)
    );
}

#[test]
fn a_lost_push_response_and_a_cut_pull_lose_and_duplicate_nothing() {
    let dir = tmp();
    let server = Server::demo(dir.path());
    let proxy = Proxy::start(server.port);
    let martin = Client::login_and_sync(dir.path(), &proxy.url(), "martin");
    let week = martin_week(&martin);
    save(
        &martin,
        "session",
        json!({"occurrence": week[0]["id"], "title": "Une seule fois", "state": "published"}),
    );

    // The server commits the push, then the answer is lost.
    proxy.arm(Fault::DropResponse("POST /v1/push"));
    let failed = martin.run(&["sync"]);
    assert_ne!(failed.code, 0, "the lost answer is a failed sync");
    assert_eq!(
        proxy.faults_fired.load(std::sync::atomic::Ordering::SeqCst),
        1
    );
    assert_eq!(
        martin.status()["pending"],
        1,
        "the op stays queued until acknowledged"
    );
    martin.run(&["sync"]).ok();
    assert_eq!(martin.status()["pending"], 0);

    let head = Http::login(&server.url(), "bernard");
    let copies = head
        .snapshot()
        .into_iter()
        .filter(|r| r["kind"] == "session" && r["data"]["title"] == "Une seule fois")
        .count();
    assert_eq!(copies, 1, "the retried op was applied once");

    // A pull page cut in the middle leaves the cursor where it was.
    let diallo = Client::login_and_sync(dir.path(), &server.url(), "diallo");
    diallo
        .run(&[
            "occurrence",
            "cancel",
            week[1]["id"].as_str().unwrap(),
            "--note",
            "Sortie",
        ])
        .ok();
    diallo.run(&["sync"]).ok();
    let before = martin.status()["cursor"].clone();
    proxy.arm(Fault::Truncate("GET /v1/changes", 300));
    let cut = martin.run(&["sync"]);
    assert_ne!(
        cut.code, 0,
        "a truncated page fails the sync: {}",
        cut.stderr
    );
    assert_eq!(martin.status()["cursor"], before, "cursor unchanged");
    martin.run(&["sync"]).ok();
    let after = martin_week(&martin);
    let seen = after.iter().find(|o| o["id"] == week[1]["id"]).unwrap();
    assert_eq!(seen["status"], "cancelled");
}

#[test]
fn a_visa_locks_entries_and_a_refused_edit_is_reported_once() {
    let dir = tmp();
    let server = Server::demo(dir.path());
    let martin = Client::login_and_sync(dir.path(), &server.url(), "martin");
    let bernard = Client::login_and_sync(dir.path(), &server.url(), "bernard");
    let visa = bernard
        .run(&[
            "visa",
            "--teacher",
            "martin",
            "--audience",
            "2nde 3",
            "--until",
            "2026-11-27",
            "--comment",
            "Vu",
        ])
        .ok()
        .json();
    let visa_id = visa["id"].as_str().unwrap().to_string();
    bernard.run(&["sync"]).ok();

    // Martin has not synced since: her replica does not know the visa yet.
    let sessions = martin.list("session", "2nde 3", "2026-11-23", "2026-11-27");
    let id = sessions
        .iter()
        .find(|s| s["teacherId"] == "usr-martin")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    save(
        &martin,
        "session",
        json!({"id": id, "title": "Modifiée après le visa"}),
    );
    let first = martin.run(&["sync"]);
    assert_eq!(first.code, 1);
    assert!(
        first.stderr.contains("logbook.visa_locked"),
        "{}",
        first.stderr
    );
    let second = martin.run(&["sync"]);
    assert_eq!(
        second.code, 0,
        "reported once, not retried: {}",
        second.stderr
    );
    assert!(!second.stderr.contains("visa_locked"));
    let status = martin.status();
    assert_eq!(status["pending"], 0);
    assert_eq!(status["quarantined"], 1);
    let rejected = martin.run(&["rejected", "--json"]).ok().json();
    assert_eq!(rejected[0]["errorCode"], "logbook.visa_locked");
    // The replica shows the signed version, and now refuses edits itself.
    let list = martin.list("session", "2nde 3", "2026-11-23", "2026-11-27");
    let s = list
        .iter()
        .find(|s| s["id"] == id.as_str())
        .unwrap()
        .clone();
    assert_ne!(s["title"], "Modifiée après le visa");
    let again = martin.run_with(
        &["session", "save"],
        &json!({"id": id, "title": "encore"}).to_string(),
    );
    assert_eq!(again.code, 1);
    assert!(
        again.stderr.contains("logbook.visa_locked"),
        "{}",
        again.stderr
    );

    // Only the direction revokes a visa; once revoked, the entries open again.
    let not_hers = martin.run(&["visa", "--revoke", &visa_id]);
    assert_eq!(not_hers.code, 1);
    assert!(
        not_hers.stderr.contains("acl.forbidden"),
        "{}",
        not_hers.stderr
    );
    bernard.run(&["visa", "--revoke", &visa_id]).ok();
    bernard.run(&["sync"]).ok();
    martin.run(&["sync"]).ok();
    save(
        &martin,
        "session",
        json!({"id": id, "title": "Reprise après le retrait du visa"}),
    );
    martin.run(&["sync"]).ok();
    assert_eq!(martin.status()["pending"], 0);
    let http = ardoise_testkit::Http::login(&server.url(), "martin");
    let on_server = http
        .snapshot()
        .into_iter()
        .find(|r| r["id"] == id.as_str())
        .unwrap();
    assert_eq!(
        on_server["data"]["title"],
        "Reprise après le retrait du visa"
    );
}

#[test]
fn a_seance_copied_to_another_class_brings_its_homework_and_reaches_the_ent_once() {
    let dir = tmp();
    let server = Server::demo(dir.path());
    let martin = Client::login_and_sync(dir.path(), &server.url(), "martin");
    let week = martin_week(&martin);
    let source = find(&week, "2nde 3", "2026-11-30", "10:00").clone();
    let target = week
        .iter()
        .find(|o| {
            o["subject"] == source["subject"]
                && o["audience"] != "2nde 3"
                && o["status"] != "cancelled"
        })
        .expect("another class of the same subject this week")
        .clone();
    let session = save(
        &martin,
        "session",
        json!({"occurrence": source["id"], "title": "La Révolution", "content": "<p>Causes</p>", "state": "published"}),
    );
    let homework = save(
        &martin,
        "homework",
        json!({"audience": "2nde 3", "subject": session["subjectId"], "sessionId": session["id"],
               "givenOn": "2026-11-30", "dueOn": "2026-12-07", "description": "Lire p. 40", "kind": "reading",
               "estimatedMinutes": 20}),
    );

    let twice = martin.run_with(
        &["session", "save"],
        &json!({"occurrence": source["id"], "title": "Encore"}).to_string(),
    );
    assert_eq!(
        twice.code, 1,
        "a second séance for the same lesson is refused"
    );
    assert!(
        twice.stderr.contains("logbook.already_written"),
        "{}",
        twice.stderr
    );

    let copy = martin
        .run(&[
            "session",
            "copy",
            "--id",
            session["id"].as_str().unwrap(),
            "--to",
            target["id"].as_str().unwrap(),
        ])
        .ok()
        .json();
    assert_eq!(copy["occurrenceId"], target["id"]);
    assert_eq!(
        (copy["title"].as_str(), copy["state"].as_str()),
        (Some("La Révolution"), Some("draft"))
    );
    assert_eq!(copy["date"], target["date"]);
    let again = martin.run(&[
        "session",
        "copy",
        "--id",
        session["id"].as_str().unwrap(),
        "--to",
        target["id"].as_str().unwrap(),
    ]);
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("déjà sa séance"), "{}", again.stderr);

    // The homework came along, due as many days after the target lesson as before.
    let target_date: chrono::NaiveDate = target["date"].as_str().unwrap().parse().unwrap();
    let shift = target_date - "2026-11-30".parse::<chrono::NaiveDate>().unwrap();
    let due = ("2026-12-07".parse::<chrono::NaiveDate>().unwrap() + shift).to_string();
    let copied_hw = martin.list("homework", target["audience"].as_str().unwrap(), &due, &due);
    let copied_hw: Vec<_> = copied_hw
        .iter()
        .filter(|h| h["sessionId"] == copy["id"])
        .collect();
    assert_eq!(copied_hw.len(), 1);
    assert_eq!(copied_hw[0]["description"], "Lire p. 40");

    martin
        .run(&[
            "homework",
            "delete",
            "--id",
            homework["id"].as_str().unwrap(),
        ])
        .ok();
    martin.run(&["sync"]).ok();
    assert_eq!(martin.status()["pending"], 0);
    let on_server = Http::login(&server.url(), "bernard").snapshot();
    let count = |pred: &dyn Fn(&Value) -> bool| on_server.iter().filter(|r| pred(r)).count();
    assert_eq!(
        count(&|r| r["kind"] == "session" && r["data"]["title"] == "La Révolution"),
        1,
        "bernard sees the published original only (the copy is a draft)"
    );
    assert_eq!(
        count(&|r| r["kind"] == "homework" && r["id"] == homework["id"]),
        0,
        "the deleted homework is gone"
    );
    let martin_view = Http::login(&server.url(), "martin").snapshot();
    assert_eq!(
        martin_view
            .iter()
            .filter(|r| r["kind"] == "session" && r["data"]["title"] == "La Révolution")
            .count(),
        2,
        "martin's own replica on the ENT: original and copy, once each"
    );
}

#[test]
fn the_day_of_every_class_exports_as_a_pdf() {
    let dir = tmp();
    let server = Server::demo(dir.path());
    let diallo = Client::login_and_sync(dir.path(), &server.url(), "diallo");
    let file = dir.path().join("jour.pdf");
    diallo
        .run(&[
            "timetable",
            "--all",
            "--date",
            "2026-11-30",
            "--pdf",
            file.to_str().unwrap(),
        ])
        .ok();
    let pdf = std::fs::read(&file).unwrap();
    let text = String::from_utf8_lossy(&pdf);
    assert!(pdf.starts_with(b"%PDF-1.4") && text.ends_with("%%EOF\n"));
    assert!(text.contains("(Emploi du temps du lundi 30 novembre 2026)"));
    for class in ["(1re B)", "(2nde 3)", "(Tle 2)"] {
        assert!(text.contains(class), "{class} in the PDF");
    }
}
