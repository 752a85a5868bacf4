//! The pupils' and parents' side of the cahier de textes, with the real server and CLI
//! processes: a teacher gives homework to 2nde 1; the pupil sees it in her list, ticks it
//! done on her laptop with the server down; once back, the tick reaches her phone, once;
//! her parent sees the homework but not the tick; nobody else reads her ticks, and only a
//! pupil ticks.

use ardoise_testkit::{Client, Http, Server};
use serde_json::{json, Value};

fn todo(c: &Client, from: &str) -> Vec<Value> {
    let out = c
        .run(&["todo", "--from", from, "--days", "14", "--json"])
        .ok()
        .json();
    out.as_array().unwrap().clone()
}

#[test]
fn a_pupil_ticks_homework_done_offline_and_her_devices_agree() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::demo(dir.path());
    let url = server.url();
    // Martin's Histoire-géographie homework for 2nde 1, due on 10 December.
    let martin = Client::login_and_sync(dir.path(), &url, "martin");
    let given = martin
        .run_with(
            &["homework", "save"],
            &json!({"audience": "2nde 1", "subject": "HIGEO", "givenOn": "2026-12-07",
                    "dueOn": "2026-12-10", "description": "<p>Lire le <b>document 3</b></p>",
                    "kind": "reading", "estimatedMinutes": 25, "state": "published"})
            .to_string(),
        )
        .ok()
        .json();
    let id = given["id"].as_str().unwrap().to_string();
    martin.run(&["sync"]).ok();

    let laptop = Client::login_and_sync(dir.path(), &url, "eleve");
    let phone = Client::new(dir.path(), "eleve-phone");
    phone
        .run(&["login", "--server", &url, "--user", "eleve"])
        .ok();
    phone.run(&["sync"]).ok();
    let parent = Client::login_and_sync(dir.path(), &url, "parent");

    let find = |list: &[Value]| list.iter().find(|i| i["id"] == id.as_str()).cloned();
    let mine = find(&todo(&laptop, "2026-12-07")).expect("in her list");
    assert_eq!(mine["done"], false);
    assert_eq!(mine["description"], json!(["Lire le document 3"]));
    assert_eq!(
        (mine["kind"].as_str(), mine["minutes"].as_u64()),
        (Some("reading"), Some(25))
    );

    // Ticked with the server down.
    server.stop();
    laptop.run(&["done", &id]).ok();
    assert_eq!(find(&todo(&laptop, "2026-12-07")).unwrap()["done"], true);
    // Ticked again: nothing more queued.
    laptop.run(&["done", &id]).ok();
    assert_eq!(laptop.status()["pending"], 1);
    server.start();
    laptop.run(&["sync"]).ok();
    phone.run(&["sync"]).ok();
    assert_eq!(find(&todo(&phone, "2026-12-07")).unwrap()["done"], true);

    // Unticked on the phone: the laptop follows.
    phone.run(&["done", &id, "--undo"]).ok();
    phone.run(&["sync"]).ok();
    laptop.run(&["sync"]).ok();
    assert_eq!(find(&todo(&laptop, "2026-12-07")).unwrap()["done"], false);
    let on_server = Http::login(&url, "eleve")
        .snapshot()
        .into_iter()
        .filter(|r| r["kind"] == "homeworkDone" && r["data"]["homeworkId"] == id.as_str())
        .count();
    assert_eq!(on_server, 2, "one tick, one untick");

    // Her parent sees the homework, without her ticks; nobody else reads them.
    parent.run(&["sync"]).ok();
    let theirs = find(&todo(&parent, "2026-12-07")).expect("in the parent's list");
    assert!(theirs["done"].is_null(), "{theirs}");
    for login in ["parent", "martin", "bernard"] {
        let seen = Http::login(&url, login)
            .snapshot()
            .into_iter()
            .filter(|r| r["kind"] == "homeworkDone")
            .count();
        assert_eq!(seen, 0, "{login}");
    }
    let refused = parent.run(&["done", &id]);
    assert!(
        refused.stderr.contains("acl.forbidden"),
        "{}",
        refused.stderr
    );
    // A homework she cannot see: nothing to tick.
    let unknown = laptop.run(&["done", "0190d1a0-0000-7000-8000-000000000000"]);
    assert_eq!(unknown.code, 1);
}

/// A parent of two children, in 2nde 1 and 2nde 3: each class's homework, apart, and
/// nothing of the classes they have no child in.
#[test]
fn a_parent_of_two_children_reads_each_ones_homework() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    let url = server.url();
    let martin = Client::login_and_sync(dir.path(), &url, "martin");
    for (audience, text) in [
        ("2nde 1", "<p>Pour la 2nde 1</p>"),
        ("2nde 3", "<p>Pour la 2nde 3</p>"),
        ("1re D", "<p>Pour la 1re D</p>"),
    ] {
        martin
            .run_with(
                &["homework", "save"],
                &json!({"audience": audience, "subject": "HIGEO", "givenOn": "2026-12-07",
                        "dueOn": "2026-12-10", "description": text, "kind": "reading",
                        "state": "published"})
                .to_string(),
            )
            .ok();
    }
    martin.run(&["sync"]).ok();
    ardoise_testkit::server_cmd(
        &dir.path().join("server"),
        &[
            "users",
            "add",
            "--login",
            "durand",
            "--role",
            "parent",
            "--name",
            "Mme Sophie Durand",
            "--classes",
            "2nde 1,2nde 3",
            "--password-from-env",
        ],
        &[("ARDOISE_PASSWORD", "deux-enfants")],
    );
    let parent = Client::new(dir.path(), "durand");
    parent
        .run_env(
            &["login", "--server", &url, "--user", "durand"],
            &[("ARDOISE_PASSWORD", "deux-enfants")],
        )
        .ok();
    parent.run(&["sync"]).ok();
    let list = todo(&parent, "2026-12-07");
    let of = |class: &str| -> Vec<String> {
        list.iter()
            .filter(|i| i["class"] == class)
            .flat_map(|i| i["description"].as_array().unwrap().clone())
            .map(|d| d.as_str().unwrap().to_string())
            .collect()
    };
    assert!(
        of("2nde 1").contains(&"Pour la 2nde 1".to_string()),
        "{list:?}"
    );
    assert!(
        of("2nde 3").contains(&"Pour la 2nde 3".to_string()),
        "{list:?}"
    );
    assert!(
        list.iter().all(|i| i["done"].is_null()),
        "no ticks for a parent"
    );
    assert!(
        !list.iter().any(|i| i["description"][0] == "Pour la 1re D"),
        "no child in 1re D"
    );
    let refused = parent.run(&["done", list[0]["id"].as_str().unwrap()]);
    assert_ne!(refused.code, 0, "a parent ticks nothing");
}
