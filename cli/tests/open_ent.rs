//! Ardoise on an Open ENT NG, through the real `ardoise` binary against the fake Open
//! ENT NG on loopback: the teacher's story of issue 15's acceptance.

use ardoise_testkit::open_ent::{FakeEnt, CLIENT_ID, CLIENT_SECRET};
use ardoise_testkit::Client;
use serde_json::{json, Value};

fn save(c: &Client, what: &str, input: Value) -> Value {
    c.run_with(&[what, "save"], &input.to_string()).ok().json()
}

#[test]
fn a_teacher_on_open_ent_ng_writes_offline_and_everything_arrives_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut ent = FakeEnt::start();
    let url = ent.url();
    let claire = Client::new(dir.path(), "claire");
    let secret = [("ARDOISE_CLIENT_SECRET", CLIENT_SECRET)];
    // A wrong client secret is Ardoise not being registered, said plainly.
    let unknown = claire.run_env(
        &[
            "login",
            "--server",
            &url,
            "--user",
            "claire.martin",
            "--client-id",
            CLIENT_ID,
        ],
        &[("ARDOISE_CLIENT_SECRET", "pas-le-bon")],
    );
    assert_eq!(unknown.code, 1, "{}", unknown.stderr);
    assert!(
        unknown.stderr.contains("ne reconnaît pas Ardoise"),
        "{}",
        unknown.stderr
    );
    // `--ent auto` finds out it is an Open ENT NG; the password grant logs her in.
    let login = claire.run_env(
        &[
            "login",
            "--server",
            &url,
            "--user",
            "claire.martin",
            "--client-id",
            CLIENT_ID,
        ],
        &secret,
    );
    assert_eq!(login.code, 0, "{}", login.stderr);
    assert!(login.stderr.contains("Open ENT NG"), "{}", login.stderr);
    claire.run(&["sync"]).ok();

    // Her week, from the replica.
    let today = chrono::Utc::now().date_naive();
    let week = claire.teacher_days("claire.martin", &today.to_string(), 14);
    assert!(week.len() >= 6, "two weeks of lessons: {week:?}");
    let lessons: Vec<&Value> = week.iter().take(3).collect();
    let occurrence = |i: usize| lessons[i]["id"].as_str().unwrap().to_string();

    // A séance she wrote in the browser comes down.
    let first = lessons[0];
    let course = occurrence(0).split('.').next().unwrap().to_string();
    let browser = ent.with(|e| {
        let doc = e
            .courses
            .iter()
            .find(|c| c["_id"] == course.as_str())
            .unwrap()
            .clone();
        let name = doc["classes"][0]
            .as_str()
            .or(doc["groups"][0].as_str())
            .unwrap();
        let audience = e.classes.iter().find(|c| c["name"] == name).unwrap()["id"].clone();
        e.browser_create_session(
            "u-claire",
            json!({"subject_id": doc["subjectId"], "structure_id": "st-0750000A",
                   "audience_id": audience, "title": "Le roman", "room": "B204",
                   "color": "#00ab6f", "date": first["date"],
                   "start_time": format!("{}:00", first["start"].as_str().unwrap()),
                   "end_time": format!("{}:00", first["end"].as_str().unwrap()),
                   "description": "<p>Lecture</p>", "annotation": "", "is_published": true,
                   "course_id": course, "type_id": 1, "is_empty": false}),
        )
    });
    claire.run(&["sync"]).ok();

    // Offline: two séances, a homework, and an edit of the browser's séance.
    ent.stop();
    let s1 = save(
        &claire,
        "session",
        json!({"occurrence": occurrence(1), "title": "Séance A",
        "content": "<p>Hors ligne</p>", "state": "published"}),
    );
    save(
        &claire,
        "session",
        json!({"occurrence": occurrence(2), "title": "Séance B",
        "content": "<p>Hors ligne aussi</p>", "state": "draft"}),
    );
    let due = (today + chrono::Duration::days(9)).to_string();
    save(
        &claire,
        "homework",
        json!({"sessionId": s1["id"], "audience": s1["audienceId"],
        "subject": s1["subjectId"], "givenOn": s1["date"], "dueOn": due,
        "description": "<p>Exercices 1 à 4</p>", "kind": "exercise", "estimatedMinutes": 30,
        "state": "published"}),
    );
    save(
        &claire,
        "session",
        json!({"id": browser.to_string(), "title": "Le roman (suite)",
        "content": "<p>Lecture et débat</p>"}),
    );
    let offline = claire.run(&["sync"]);
    assert_eq!(offline.code, 3, "offline: {}", offline.stderr);
    assert_eq!(claire.status()["pending"], 4);

    // Meanwhile she retitles that séance in the browser.
    ent.with(|e| e.browser_edit_session(browser, |row| row["title"] = json!("Le roman réaliste")));
    // Back online; the answer to the first creation is lost after the ENT committed it.
    ent.restart();
    ent.with(|e| e.lose_answers = 1);
    claire.run(&["sync"]).ok();
    assert_eq!(claire.status()["pending"], 0);

    ent.with(|e| {
        assert_eq!(e.sessions.len(), 3, "nothing twice: {:#?}", e.sessions);
        let a = e
            .sessions
            .values()
            .find(|s| s["title"] == "Séance A")
            .expect("Séance A");
        assert_eq!(a["date"], s1["date"]);
        assert_eq!(
            a["start_time"],
            format!("{}:00", s1["start"].as_str().unwrap())
        );
        assert_eq!(a["audience_id"], s1["audienceId"]);
        assert_eq!(a["subject_id"], s1["subjectId"]);
        assert_eq!(a["structure_id"], "st-0750000A");
        assert_eq!(a["type_id"], 1);
        assert_eq!(a["is_published"], true);
        assert_eq!(a["course_id"], occurrence(1).split('.').next().unwrap());
        let b = e
            .sessions
            .values()
            .find(|s| s["title"] == "Séance B")
            .expect("Séance B");
        assert_eq!(b["is_published"], false);
        let kept = &e.sessions[&browser];
        assert_eq!(
            kept["title"], "Le roman réaliste",
            "the browser's edit is not overwritten"
        );
        assert_eq!(kept["description"], "<p>Lecture et débat</p>");
        assert_eq!(e.homeworks.len(), 1);
        let hw = e.homeworks.values().next().unwrap();
        assert_eq!(hw["due_date"], due.as_str());
        assert_eq!(hw["session_id"], a["id"]);
        assert_eq!(hw["type_id"], 1);
        assert_eq!(hw["estimatedtime"], 30);
    });
    let conflicts = claire.run(&["conflicts", "--json"]).ok().json();
    assert_eq!(conflicts.as_array().unwrap().len(), 1, "{conflicts}");

    // An access token expiring mid-way is renewed without the password.
    ent.with(|e| e.expire_tokens());
    let renewed = claire.run_env(&["sync"], &[("ARDOISE_PASSWORD", "")]);
    assert_eq!(renewed.code, 0, "{}", renewed.stderr);
    let status = claire.run(&["status", "--json"]).ok().json();
    assert_eq!(status["pending"], 0);
}
