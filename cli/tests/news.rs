//! The school's news with the real server and CLI processes: the direction writes news
//! with the server down, for the whole school, for the staff and for one class; once it is
//! back and everyone syncs, each reads what is for them (the pupil and her parent: the
//! school's and their class's; a teacher: all three), with unread marks kept on the
//! device; an item whose last day is past leaves the replicas; only the direction and the
//! vie scolaire write, each changing their own (the direction: any).

use ardoise_testkit::{Client, Http, Server};
use serde_json::Value;

fn titles(c: &Client) -> Vec<String> {
    let list = c.run(&["news", "list", "--json"]).ok().json();
    let mut out: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

fn publish(c: &Client, title: &str, audience: &str, from: &str, until: &str) -> Value {
    c.run(&[
        "news",
        "publish",
        "--title",
        title,
        "--text",
        "**Important** : lire.",
        "--audience",
        audience,
        "--from",
        from,
        "--until",
        until,
    ])
    .ok()
    .json()
}

#[test]
fn news_written_offline_reach_their_audience_and_leave_once_past() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::demo(dir.path());
    let url = server.url();
    let bernard = Client::login_and_sync(dir.path(), &url, "bernard");
    let eleve = Client::login_and_sync(dir.path(), &url, "eleve");
    let parent = Client::login_and_sync(dir.path(), &url, "parent");
    let leroy = Client::login_and_sync(dir.path(), &url, "leroy");
    let diallo = Client::login_and_sync(dir.path(), &url, "diallo");
    let today = ardoise_protocol::calendar::paris_today(chrono::Utc::now());
    let (from, until) = (
        today.to_string(),
        (today + chrono::Duration::days(10)).to_string(),
    );
    let yesterday = (today - chrono::Duration::days(1)).to_string();

    // Written with the server down.
    server.stop();
    let school = publish(&bernard, "Portes ouvertes samedi", "school", &from, &until);
    publish(
        &bernard,
        "Conseil pédagogique jeudi",
        "staff",
        &from,
        &until,
    );
    publish(
        &bernard,
        "Sortie au musée de la 2nde 1",
        "2nde 1",
        &from,
        &until,
    );
    publish(
        &bernard,
        "Semaine passée",
        "school",
        "2026-09-01",
        &yesterday,
    );
    assert_eq!(bernard.status()["pending"], 4);
    assert!(titles(&bernard).contains(&"Portes ouvertes samedi".to_string()));
    server.start();
    bernard.run(&["sync"]).ok();
    assert_eq!(bernard.status()["pending"], 0);

    for c in [&eleve, &parent, &leroy, &diallo] {
        c.run(&["sync"]).ok();
    }
    let has = |c: &Client, title: &str| titles(c).iter().any(|t| t == title);
    for family in [&eleve, &parent] {
        assert!(has(family, "Portes ouvertes samedi"));
        assert!(has(family, "Sortie au musée de la 2nde 1"));
        assert!(!has(family, "Conseil pédagogique jeudi"));
    }
    for title in [
        "Portes ouvertes samedi",
        "Sortie au musée de la 2nde 1",
        "Conseil pédagogique jeudi",
    ] {
        assert!(has(&leroy, title), "{title}");
    }
    // Not even in the pupil's replica: what the server sends her.
    let hers = Http::login(&url, "eleve")
        .snapshot()
        .into_iter()
        .filter(|r| r["kind"] == "news")
        .map(|r| r["data"]["title"].as_str().unwrap().to_string())
        .collect::<Vec<_>>();
    assert!(
        !hers.contains(&"Conseil pédagogique jeudi".to_string()),
        "{hers:?}"
    );
    // The item past its last day left every replica, its author's too.
    assert!(!has(&bernard, "Semaine passée"));
    assert!(!has(&leroy, "Semaine passée"));

    // Unread until shown on this device.
    let id = school["id"].as_str().unwrap();
    let unread = |c: &Client| {
        let list = c.run(&["news", "list", "--json"]).ok().json();
        list.as_array()
            .unwrap()
            .iter()
            .filter(|n| n["read"] == false)
            .count()
    };
    let before = unread(&eleve);
    assert!(before >= 2, "the demo's and these");
    let shown = eleve.run(&["news", "read", id]).ok();
    assert!(
        shown.stdout.contains("**Important** : lire."),
        "{}",
        shown.stdout
    );
    assert_eq!(unread(&eleve), before - 1);

    // Who writes: the direction and the vie scolaire, each their own (the direction: any).
    let refused = eleve.run(&[
        "news", "publish", "--title", "x", "--text", "x", "--until", &until,
    ]);
    assert!(
        refused.stderr.contains("acl.forbidden"),
        "{}",
        refused.stderr
    );
    let cpe = publish(
        &diallo,
        "Carnets de correspondance — CPE",
        "school",
        &from,
        &until,
    );
    diallo.run(&["sync"]).ok();
    let not_hers = diallo.run(&["news", "delete", id]);
    assert!(
        not_hers.stderr.contains("acl.forbidden"),
        "{}",
        not_hers.stderr
    );
    bernard.run(&["sync"]).ok();
    bernard
        .run(&["news", "delete", cpe["id"].as_str().unwrap()])
        .ok();
    bernard.run(&["sync"]).ok();
    eleve.run(&["sync"]).ok();
    assert!(!has(&eleve, "Carnets de correspondance — CPE"));
    // A class that does not exist: a typed refusal, nothing queued.
    let before = bernard.status()["pending"].clone();
    let unknown = bernard.run(&[
        "news",
        "publish",
        "--title",
        "x",
        "--text",
        "x",
        "--audience",
        "9e Z",
        "--until",
        &until,
    ]);
    assert_eq!(unknown.code, 1);
    assert_eq!(bernard.status()["pending"], before);
}
