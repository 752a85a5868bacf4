//! Progressions with the real server and CLI: Mme Martin's progression (in the demo school)
//! applied to 2nde 3 fills its next lessons with drafts, in order, passing over a cancelled
//! lesson, one already written and the Christmas holidays, each homework due at the next
//! lesson; the drafts and the progression go up like any edit; a progression made from a
//! class reaches her other device, and no one else's replica; a client of protocol 2 never
//! receives one; another teacher cannot write hers.

use ardoise_testkit::{Client, Http, Server};
use serde_json::{json, Value};
use uuid::Uuid;

const DEMO: &str = "prog-martin-2nde-histoire";

/// Her lessons with 2nde 3 from `from` on, as (id, date).
fn lessons_2nde3(c: &Client, from: &str, days: u32) -> Vec<(String, String)> {
    c.teacher_days("martin", from, days)
        .into_iter()
        .filter(|o| o["audience"] == "2nde 3")
        .map(|o| {
            (
                o["id"].as_str().unwrap().to_string(),
                o["date"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_progression_fills_the_next_free_lessons_with_drafts() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    let url = server.url();
    let martin = Client::login_and_sync(dir.path(), &url, "martin");
    let diallo = Client::login_and_sync(dir.path(), &url, "diallo");

    let list = martin.run(&["progression", "list", "--json"]).ok().json();
    let demo = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == DEMO)
        .expect("the demo progression")
        .clone();
    assert_eq!(demo["steps"].as_array().unwrap().len(), 8);
    assert!(demo["classes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "2nde 3"));

    // From 7 December: the first lesson is cancelled, the second already written.
    let next = lessons_2nde3(&martin, "2026-12-07", 40);
    assert!(next.len() >= 10, "{next:?}");
    diallo
        .run(&["occurrence", "cancel", &next[0].0, "--note", "Sortie"])
        .ok();
    diallo.run(&["sync"]).ok();
    martin
        .run_with(
            &["session", "save"],
            &json!({"occurrence": next[1].0, "title": "Déjà écrite", "content": "<p>x</p>"})
                .to_string(),
        )
        .ok();
    martin.run(&["sync"]).ok();

    let preview = martin
        .run(&[
            "progression",
            "apply",
            DEMO,
            "--audience",
            "2nde 3",
            "--from",
            "2026-12-07",
            "--dry-run",
            "--json",
        ])
        .ok()
        .json();
    let placed = preview["placed"].as_array().unwrap().clone();
    assert_eq!(placed.len(), 8);
    assert_eq!(preview["skipped"], 2, "{preview}");
    assert_eq!(placed[0]["occurrenceId"], next[2].0.as_str());
    assert_eq!(placed[0]["title"], demo["steps"][0]["title"]);
    for p in &placed {
        let d = p["date"].as_str().unwrap();
        assert!(
            !("2026-12-19".."2027-01-04").contains(&d),
            "a step in the holidays: {p}"
        );
    }
    // A step with homework: due at the following lesson.
    let with_homework = placed
        .iter()
        .position(|p| !p["homeworkDue"].is_null())
        .unwrap();
    let at = next
        .iter()
        .position(|(id, _)| id == placed[with_homework]["occurrenceId"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        placed[with_homework]["homeworkDue"],
        next[at + 1].1.as_str()
    );
    // The dry run changed nothing.
    assert_eq!(martin.status()["pending"], 0);

    martin
        .run(&[
            "progression",
            "apply",
            DEMO,
            "--audience",
            "2nde 3",
            "--from",
            "2026-12-07",
        ])
        .ok();
    martin.run(&["sync"]).ok();
    assert_eq!(martin.status()["pending"], 0);
    let ent = Http::login(&url, "martin").snapshot();
    let drafts: Vec<&Value> = ent
        .iter()
        .filter(|r| {
            r["kind"] == "session"
                && r["data"]["state"] == "draft"
                && placed
                    .iter()
                    .any(|p| p["occurrenceId"] == r["data"]["occurrenceId"])
        })
        .collect();
    assert_eq!(drafts.len(), 8, "one draft per step on the ENT");
    let homework = ent
        .iter()
        .filter(|r| {
            r["kind"] == "homework" && drafts.iter().any(|d| d["id"] == r["data"]["sessionId"])
        })
        .count();
    let with = demo["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !s["homework"].is_null())
        .count();
    assert_eq!(homework, with, "each step's homework, once");
    // Drafts: no pupil sees them.
    let eleve = Http::login(&url, "eleve").snapshot();
    assert!(!eleve
        .iter()
        .any(|r| drafts.iter().any(|d| d["id"] == r["id"])));
}

#[test]
fn a_progression_is_its_teachers_alone_and_only_for_clients_that_know_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    let url = server.url();
    let martin = Client::login_and_sync(dir.path(), &url, "martin");
    let made = martin
        .run(&[
            "progression",
            "from-class",
            "--audience",
            "2nde 3",
            "--level",
            "2nde",
            "--title",
            "Mon année de 2nde",
        ])
        .ok()
        .stdout;
    let id = made.split_whitespace().next().unwrap().to_string();
    martin.run(&["sync"]).ok();

    // Her other computer has it; no one else's replica does.
    let laptop = Client::new(dir.path(), "martin-laptop");
    laptop
        .run(&["login", "--server", &url, "--user", "martin"])
        .ok();
    laptop.run(&["sync"]).ok();
    let there = laptop
        .run(&["progression", "show", &id, "--json"])
        .ok()
        .json();
    assert_eq!(there["title"], "Mon année de 2nde");
    assert!(there["steps"].as_array().unwrap().len() > 10, "{there}");
    for who in ["leroy", "bernard", "eleve"] {
        assert!(
            !Http::login(&url, who)
                .snapshot()
                .iter()
                .any(|r| r["kind"] == "progression"),
            "{who} reads a progression"
        );
    }

    // A client of protocol 2 is served, without the kind it does not know.
    let http = Http::login(&url, "martin");
    let v2 = |path: &str| {
        reqwest::blocking::Client::new()
            .get(format!("{url}{path}"))
            .header("ardoise-protocol", "2")
            .bearer_auth(&http.token)
            .send()
            .unwrap()
    };
    let old = v2("/v1/snapshot");
    assert_eq!(old.status(), 200);
    let body: Value = old.json().unwrap();
    let records = body["records"].as_array().unwrap();
    assert!(!records.is_empty());
    assert!(!records.iter().any(|r| r["kind"] == "progression"));
    // The change feed around it: the page a protocol 3 client reads has it, the same
    // page for protocol 2 does not.
    let seq = http
        .snapshot()
        .into_iter()
        .find(|r| r["kind"] == "progression" && r["id"] == id.as_str())
        .unwrap()["changeSeq"]
        .as_i64()
        .unwrap();
    let page = format!("/v1/changes?since={}&limit=5", seq - 1);
    let new: Value = http.get(&page).1;
    assert!(new["changes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == id.as_str()));
    let old: Value = v2(&page).json().unwrap();
    assert!(!old["changes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["kind"] == "progression"));

    // Written by another teacher, or by a pupil: refused; over 120 steps: refused.
    let create = |teacher: &str, steps: usize| {
        let steps: Vec<Value> = (0..steps)
            .map(|i| json!({"title": format!("Séance {i}"), "content": "<p>x</p><script>alert(1)</script>"}))
            .collect();
        json!({"opId": Uuid::now_v7(), "action": "create", "kind": "progression",
               "recordId": format!("prog-{}", Uuid::now_v7().simple()),
               "fields": {"teacherId": {"base": null, "new": teacher},
                          "subjectId": {"base": null, "new": "sub-higeo"},
                          "level": {"base": null, "new": "2nde"},
                          "title": {"base": null, "new": "P"},
                          "steps": {"base": null, "new": steps}}})
    };
    let code = |who: &Http, op: Value| {
        let r = who.push(json!([op]));
        (
            r["results"][0]["outcome"].as_str().unwrap().to_string(),
            r["results"][0]["error"]["code"]
                .as_str()
                .unwrap_or("")
                .to_string(),
        )
    };
    let leroy = Http::login(&url, "leroy");
    assert_eq!(
        code(&leroy, create("usr-martin", 2)),
        ("rejected".into(), "acl.forbidden".into())
    );
    assert_eq!(
        code(&Http::login(&url, "eleve"), create("usr-eleve", 2)),
        ("rejected".into(), "acl.forbidden".into())
    );
    assert_eq!(
        code(&leroy, create("usr-leroy", 121)),
        ("rejected".into(), "protocol.invalid_data".into())
    );
    assert_eq!(code(&leroy, create("usr-leroy", 3)).0, "applied");
    let his = leroy
        .snapshot()
        .into_iter()
        .find(|r| r["kind"] == "progression")
        .unwrap();
    let content = his["data"]["steps"][0]["content"].as_str().unwrap();
    assert!(!content.contains("script"), "{content}");
    // And his is not hers.
    martin.run(&["sync"]).ok();
    let hers = martin.run(&["progression", "list", "--json"]).ok().json();
    assert!(hers
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["id"] != his["id"]));
}
