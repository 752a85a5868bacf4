//! The Open ENT NG backend against the fake Open ENT NG (a real HTTP server on loopback):
//! a teacher's week, offline writes that reach the ENT once and only once, a browser edit
//! that is never overwritten, an expired token renewed without a password.

use ardoise_protocol::EntityKind;
use ardoise_sync::open_ent::{Client, OpenEntConnector};
use ardoise_sync::{logbook, Profile, Replica, SyncEngine, SyncError};
use ardoise_testkit::open_ent::{FakeEnt, CLIENT_ID, CLIENT_SECRET, PASSWORD};
use serde_json::{json, Value};

fn connector(url: &str) -> OpenEntConnector {
    let client = Client {
        id: CLIENT_ID.into(),
        secret: CLIENT_SECRET.into(),
    };
    OpenEntConnector::new(url, client, None).unwrap()
}

fn engine(dir: &std::path::Path, url: &str, login: &str) -> SyncEngine {
    let profile = Profile::new(dir.join(login));
    ardoise_sync::login(&profile, url, &connector(url), login, PASSWORD).unwrap();
    let replica = Replica::open(&profile.replica_path()).unwrap();
    SyncEngine::new(profile, replica, Box::new(connector(url)))
}

/// An engine whose every sync reads the wide window (two weeks of timetable, five of
/// séances), as one does every hour.
fn wide_engine(dir: &std::path::Path, url: &str, login: &str) -> SyncEngine {
    let profile = Profile::new(dir.join(login));
    ardoise_sync::login(&profile, url, &connector(url), login, PASSWORD).unwrap();
    let replica = Replica::open(&profile.replica_path()).unwrap();
    let every_sync = chrono::Duration::zero();
    let connector = connector(url).with_schedule(every_sync, chrono::Duration::hours(12));
    SyncEngine::new(profile, replica, Box::new(connector))
}

fn count(engine: &SyncEngine, table: &str) -> i64 {
    engine
        .replica()
        .sql()
        .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

/// The replica's lessons of a day, earliest first: (id, start, audience id).
fn lessons(engine: &SyncEngine, day: &str) -> Vec<(String, String, String)> {
    let conn = engine.replica().sql();
    let mut stmt = conn
        .prepare(
            "SELECT id, start_time, audience_id FROM course_occurrences WHERE date = ?1 ORDER BY start_time",
        )
        .unwrap();
    stmt.query_map([day], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn data(v: Value) -> ardoise_protocol::Data {
    v.as_object().unwrap().clone()
}

/// A weekday of the current week with lessons (the fake has lessons Monday to Friday).
fn a_school_day(engine: &SyncEngine) -> String {
    // Today as the connector's window counts it: in Paris.
    let today = ardoise_protocol::calendar::paris_today(chrono::Utc::now());
    (0..14)
        .map(|d| today + chrono::Duration::days(d))
        .map(|d| d.to_string())
        .find(|d| !lessons(engine, d).is_empty())
        .expect("a day with lessons in the next two weeks")
}

#[test]
fn a_teacher_works_offline_and_every_edit_reaches_the_ent_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut ent = FakeEnt::start();
    let url = ent.url();
    let mut claire = engine(dir.path(), &url, "claire.martin");
    claire.sync_once().unwrap();
    assert!(
        count(&claire, "course_occurrences") > 100,
        "a year of lessons"
    );
    assert_eq!(count(&claire, "subjects"), 2);
    assert_eq!(count(&claire, "audiences"), 3);

    // A séance she wrote in the browser before: it comes down with its lesson.
    let day = a_school_day(&claire);
    let day_lessons = lessons(&claire, &day);
    let course = |id: &str| id.split('.').next().unwrap().to_string();
    let first = day_lessons[0].clone();
    let browser = ent.with(|e| {
        let subject = e
            .courses
            .iter()
            .find(|c| c["_id"] == course(&first.0).as_str())
            .unwrap()["subjectId"]
            .clone();
        e.browser_create_session(
            "u-claire",
            json!({"subject_id": subject, "structure_id": "st-0750000A", "audience_id": first.2,
                   "title": "Le roman", "room": "B204", "color": "#00ab6f", "date": day,
                   "start_time": format!("{}:00", first.1), "end_time": "23:00:00",
                   "description": "<p>Lecture</p>", "annotation": "", "is_published": true,
                   "course_id": course(&first.0), "type_id": 1, "is_empty": false}),
        )
    });
    claire.sync_once().unwrap();
    let (_, mine) = claire
        .replica()
        .get(EntityKind::Session, &browser.to_string())
        .unwrap()
        .expect("the browser's séance is in the replica");
    assert_eq!(mine["title"], "Le roman");
    assert_eq!(mine["occurrenceId"], first.0.as_str());
    assert_eq!(mine["state"], "published");

    // The ENT goes away; she writes two séances and a homework, and edits the first one.
    ent.stop();
    let start = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d").unwrap();
    let more: Vec<_> = (0..14)
        .flat_map(|d| lessons(&claire, &(start + chrono::Duration::days(d)).to_string()))
        .skip(1)
        .take(2)
        .collect();
    assert_eq!(more.len(), 2, "three lessons from {day}");
    let mut written = Vec::new();
    for (n, (occurrence, _, _)) in more.iter().enumerate() {
        let saved = logbook::save_session(
            claire.replica_mut(),
            &data(
                json!({"occurrence": occurrence, "title": format!("Séance {n}"),
                         "content": "<p>Écrit hors ligne</p>", "state": "published"}),
            ),
        )
        .unwrap();
        written.push(saved["id"].as_str().unwrap().to_string());
    }
    let due = (chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d").unwrap()
        + chrono::Duration::days(7))
    .to_string();
    let homework = logbook::save_homework(
        claire.replica_mut(),
        &data(
            json!({"sessionId": written[0], "audience": more[0].2, "subject": mine["subjectId"],
                     "givenOn": day, "dueOn": due, "description": "<p>Exercices 1 à 4</p>",
                     "kind": "exercise", "estimatedMinutes": 30, "state": "published"}),
        ),
    );
    let homework = match homework {
        Ok(h) => h,
        // The subject of the second lesson may differ: take the lesson's own.
        Err(_) => {
            let (_, s) = claire
                .replica()
                .get(EntityKind::Session, &written[0])
                .unwrap()
                .unwrap();
            logbook::save_homework(
                claire.replica_mut(),
                &data(json!({"sessionId": written[0], "audience": s["audienceId"], "subject": s["subjectId"],
                             "givenOn": day, "dueOn": due, "description": "<p>Exercices 1 à 4</p>",
                             "kind": "exercise", "estimatedMinutes": 30, "state": "published"})),
            )
            .unwrap()
        }
    };
    logbook::save_session(
        claire.replica_mut(),
        &data(
            json!({"id": browser.to_string(), "title": "Le roman (suite)",
                     "content": "<p>Lecture et débat</p>"}),
        ),
    )
    .unwrap();
    assert!(matches!(claire.sync_once(), Err(SyncError::Offline(_))));
    assert_eq!(claire.status().unwrap().pending, 4);

    // Meanwhile, in the browser, she retitles the séance she is also editing offline.
    ent.with(|e| e.browser_edit_session(browser, |row| row["title"] = json!("Le roman réaliste")));

    // The ENT comes back; the answer to the first creation is lost after it committed.
    ent.restart();
    ent.with(|e| e.lose_answers = 1);
    // The lost answer is noticed, the séance found on the ENT and adopted at once.
    claire.sync_once().unwrap();
    assert_eq!(claire.status().unwrap().pending, 0);

    ent.with(|e| {
        let sessions: Vec<&Value> = e.sessions.values().collect();
        assert_eq!(sessions.len(), 3, "nothing created twice: {sessions:#?}");
        let titles: Vec<&str> = sessions
            .iter()
            .map(|s| s["title"].as_str().unwrap())
            .collect();
        assert!(
            titles.contains(&"Séance 0") && titles.contains(&"Séance 1"),
            "{titles:?}"
        );
        for s in &sessions {
            assert_eq!(s["structure_id"], "st-0750000A");
            assert_eq!(s["teacher_id"], "u-claire");
            assert_eq!(s["type_id"], 1);
            assert!(s["course_id"].is_string());
        }
        let moved = &e.sessions[&browser];
        assert_eq!(
            moved["title"], "Le roman réaliste",
            "the browser's edit stays"
        );
        assert_eq!(
            moved["description"], "<p>Lecture et débat</p>",
            "ours merged in"
        );
        let hw: Vec<&Value> = e.homeworks.values().collect();
        assert_eq!(hw.len(), 1, "{hw:#?}");
        assert_eq!(hw[0]["due_date"], due.as_str());
        assert_eq!(hw[0]["estimatedtime"], 30);
        assert_eq!(hw[0]["type_id"], 1);
        assert_eq!(hw[0]["is_published"], true);
        let linked = hw[0]["session_id"].as_i64().unwrap();
        assert_eq!(e.sessions[&linked]["title"], "Séance 0");
    });
    assert_eq!(count(&claire, "sessions"), 3, "no duplicate in the replica");
    assert_eq!(count(&claire, "homework"), 1);
    assert_eq!(
        claire.status().unwrap().conflicts,
        1,
        "the title is a conflict"
    );
    let (_, hw) = claire
        .replica()
        .get(EntityKind::Homework, homework["id"].as_str().unwrap())
        .unwrap()
        .expect("the homework keeps its id");
    assert_eq!(hw["dueOn"], due.as_str());

    // An access token about to expire is renewed before the sync, not after a refusal.
    ent.with(|e| {
        e.token_ttl = std::time::Duration::from_secs(120);
        e.expire_tokens();
    });
    claire.sync_once().unwrap(); // refused, renewed: the new token lives 120 s
    ent.with(|e| e.grants.clear());
    claire.sync_once().unwrap(); // still valid, but within 3 minutes of its end
    let grants = ent.with(|e| e.grants.clone());
    assert_eq!(
        grants,
        ["refresh_token"],
        "renewed before the sync: {grants:?}"
    );
    ent.with(|e| e.token_ttl = std::time::Duration::from_secs(3600));

    // The access token expires: the next sync renews it without the password.
    ent.with(|e| e.expire_tokens());
    ent.with(|e| e.browser_edit_session(browser, |row| row["annotation"] = json!("à revoir")));
    claire.sync_once().unwrap();
    let (_, after) = claire
        .replica()
        .get(EntityKind::Session, &browser.to_string())
        .unwrap()
        .unwrap();
    assert_eq!(after["annotation"], "à revoir");
}

#[test]
fn a_lesson_gone_from_the_timetable_is_shown_removed_and_a_deleted_seance_goes() {
    let dir = tempfile::tempdir().unwrap();
    let ent = FakeEnt::start();
    let url = ent.url();
    let mut claire = wide_engine(dir.path(), &url, "claire.martin");
    claire.sync_once().unwrap();
    let day = a_school_day(&claire);
    let (lesson, _, _) = lessons(&claire, &day)[0].clone();
    let session = logbook::save_session(
        claire.replica_mut(),
        &data(json!({"occurrence": lesson, "title": "À supprimer", "state": "draft"})),
    )
    .unwrap();
    claire.sync_once().unwrap();
    ent.with(|e| {
        assert_eq!(e.sessions.len(), 1);
        e.sessions.clear(); // deleted in the browser
        e.courses.retain(|c| c["_id"] != lesson.as_str()); // removed from the timetable
    });
    claire.sync_once().unwrap();
    assert!(claire
        .replica()
        .get(EntityKind::Session, session["id"].as_str().unwrap())
        .unwrap()
        .is_none());
    let (_, occurrence) = claire
        .replica()
        .get(EntityKind::CourseOccurrence, &lesson)
        .unwrap()
        .expect("the lesson is still shown");
    assert_eq!(occurrence["status"], "cancelled");
    assert_eq!(occurrence["note"], "Retiré de l'emploi du temps de l'ENT");
}

#[test]
fn what_the_ent_refuses_is_quarantined_with_its_reason_and_nothing_else_stops() {
    let dir = tempfile::tempdir().unwrap();
    let ent = FakeEnt::start();
    let url = ent.url();
    let mut claire = engine(dir.path(), &url, "claire.martin");
    claire.sync_once().unwrap();
    let day = a_school_day(&claire);
    let (lesson, _, _) = lessons(&claire, &day)[0].clone();
    // A séance of Paul's in Claire's class: she sees it nowhere, and cannot write it.
    let foreign = ent.with(|e| {
        e.browser_create_session(
            "u-paul",
            json!({"subject_id": "sub-fr", "structure_id": "st-0750000A", "audience_id": "c-2nde3",
                   "title": "Paul", "date": day, "start_time": "08:00:00", "end_time": "09:00:00",
                   "description": "", "color": "#000000", "course_id": null, "is_published": true,
                   "type_id": 1, "is_empty": false}),
        )
    });
    claire.sync_once().unwrap();
    assert!(claire
        .replica()
        .get(EntityKind::Session, &foreign.to_string())
        .unwrap()
        .is_none());
    // A title longer than the ENT's column is refused before it is queued.
    let long = logbook::save_session(
        claire.replica_mut(),
        &data(json!({"occurrence": lesson, "title": "T".repeat(60), "state": "draft"})),
    );
    match long {
        Err(SyncError::Refused { message, .. }) => assert!(message.contains("50"), "{message}"),
        other => panic!("a 60-character title is refused at once: {other:?}"),
    }
    assert_eq!(claire.status().unwrap().pending, 0);
    // What the ENT refuses on its own is quarantined with its reason; the next edit goes.
    ent.with(|e| e.refuse_writes = Some("violates check constraint".into()));
    let refused = logbook::save_session(
        claire.replica_mut(),
        &data(json!({"occurrence": lesson, "title": "Refusée", "state": "draft"})),
    )
    .unwrap();
    let report = claire.sync_once().unwrap();
    assert_eq!(report.rejected.len(), 1, "{report:?}");
    assert!(
        report.rejected[0]
            .error_message
            .contains("violates check constraint"),
        "{:?}",
        report.rejected[0]
    );
    let refused = refused["id"].as_str().unwrap();
    assert!(claire
        .replica()
        .get(EntityKind::Session, refused)
        .unwrap()
        .is_none());
    ent.with(|e| e.refuse_writes = None);
    logbook::save_session(
        claire.replica_mut(),
        &data(json!({"occurrence": lesson, "title": "Acceptée", "state": "draft"})),
    )
    .unwrap();
    claire.sync_once().unwrap();
    let titles: Vec<String> = ent.with(|e| {
        e.sessions
            .values()
            .map(|s| s["title"].as_str().unwrap().to_string())
            .collect()
    });
    assert_eq!(titles, ["Paul", "Acceptée"]);
}

#[test]
fn a_teacher_signs_in_through_the_ent_page_and_ardoise_never_sees_her_password() {
    use ardoise_sync::open_ent::oauth::Loopback;
    let dir = tempfile::tempdir().unwrap();
    let ent = FakeEnt::start();
    let url = ent.url();
    // Her browser has an ENT session (she signed in there, by SSO or otherwise).
    ent.with(|e| e.browser_session = Some("claire.martin".into()));
    let claire = connector(&url);
    let loopback = Loopback::bind().unwrap();
    let redirect = loopback.redirect_uri();
    let page = claire.authorize_url(&redirect, loopback.state());
    // The system browser: follows the ENT's redirection back to Ardoise's loopback port.
    let browser = std::thread::spawn(move || reqwest::blocking::get(page).unwrap().text().unwrap());
    let code = loopback.wait(std::time::Duration::from_secs(10)).unwrap();
    assert!(browser.join().unwrap().contains("Connexion réussie"));
    let tokens = claire.login_with_code(&code, &redirect).unwrap();
    assert_eq!(tokens.user.login, "claire.martin");
    // A code serves once.
    assert!(claire.login_with_code(&code, &redirect).is_err());
    let profile = Profile::new(dir.path().join("claire"));
    ardoise_sync::adopt(&profile, &url, "open-ent-ng", &tokens).unwrap();
    let replica = Replica::open(&profile.replica_path()).unwrap();
    let mut engine = SyncEngine::new(profile, replica, Box::new(claire));
    engine.sync_once().unwrap();
    assert!(count(&engine, "course_occurrences") > 100);

    // Signed in nowhere, the browser stays on the ENT's login page: no code comes back.
    ent.with(|e| e.browser_session = None);
    let loopback = Loopback::bind().unwrap();
    let page = connector(&url).authorize_url(&loopback.redirect_uri(), loopback.state());
    let shown = reqwest::blocking::get(page).unwrap().text().unwrap();
    assert!(shown.contains("Connexion"), "{shown}");
    assert!(loopback
        .wait(std::time::Duration::from_millis(300))
        .is_err());
}

#[test]
fn a_seance_put_off_in_the_browser_beyond_the_window_read_is_moved_not_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let ent = FakeEnt::start();
    let url = ent.url();
    let mut claire = engine(dir.path(), &url, "claire.martin");
    claire.sync_once().unwrap(); // the whole year
    let day = a_school_day(&claire);
    let (lesson, _, _) = lessons(&claire, &day)[0].clone();
    let saved = logbook::save_session(
        claire.replica_mut(),
        &data(json!({"occurrence": lesson, "title": "Reportée", "state": "draft"})),
    )
    .unwrap();
    let id = saved["id"].as_str().unwrap().to_string();
    claire.sync_once().unwrap();
    // Put off by three weeks in the browser: out of the window every sync reads.
    let later = (chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d").unwrap()
        + chrono::Duration::days(21))
    .to_string();
    ent.with(|e| {
        let ent_id = *e.sessions.keys().next().unwrap();
        e.browser_edit_session(ent_id, |row| row["date"] = json!(later));
    });
    claire.sync_once().unwrap();
    let (_, moved) = claire
        .replica()
        .get(EntityKind::Session, &id)
        .unwrap()
        .expect("still there, under the same id");
    assert_eq!(moved["date"], later.as_str());
    assert_eq!(moved["title"], "Reportée");
}

#[test]
fn a_pupil_sees_her_class_timetable_and_its_published_seances_only() {
    let dir = tempfile::tempdir().unwrap();
    let ent = FakeEnt::start();
    let url = ent.url();
    let mut claire = engine(dir.path(), &url, "claire.martin");
    claire.sync_once().unwrap();
    // Two lessons of her class (2NDE 3) in the coming weeks: one séance published, one
    // left a draft (one séance per lesson).
    let today = chrono::Utc::now().date_naive();
    let in_2nde3: Vec<String> = (0..21)
        .flat_map(|d| lessons(&claire, &(today + chrono::Duration::days(d)).to_string()))
        .filter(|l| l.2 == "c-2nde3")
        .map(|l| l.0)
        .take(2)
        .collect();
    assert_eq!(in_2nde3.len(), 2, "the fake teaches 2NDE 3 every week");
    for (lesson, (title, state)) in in_2nde3
        .iter()
        .zip([("Publiée", "published"), ("Brouillon", "draft")])
    {
        logbook::save_session(
            claire.replica_mut(),
            &data(json!({"occurrence": lesson, "title": title, "state": state})),
        )
        .unwrap();
    }
    claire.sync_once().unwrap();

    let mut lea = engine(dir.path(), &url, "lea.petit");
    lea.sync_once().unwrap();
    let audiences: Vec<String> = {
        let conn = lea.replica().sql();
        let mut stmt = conn
            .prepare("SELECT DISTINCT audience_id FROM course_occurrences")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(audiences, ["c-2nde3"], "her class's lessons only");
    let titles: Vec<String> = {
        let conn = lea.replica().sql();
        let mut stmt = conn.prepare("SELECT title FROM sessions").unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(
        titles,
        ["Publiée"],
        "published séances of her class, no draft"
    );
}
