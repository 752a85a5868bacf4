//! The school's usage charter, with the real server and CLI processes: the newcomer of the
//! demo school has it to accept; the school publishes a new version; a teacher accepts it
//! while the server is down and the acceptance goes up once it is back, once; the
//! direction sees who accepted which version, from its replica and on the server; nobody
//! else reads anyone's acceptance, and only the direction publishes.

use ardoise_testkit::{server_cmd, Client, Http, Server};
use serde_json::Value;

fn charter(c: &Client) -> Value {
    c.run(&["charter", "show", "--json"]).ok().json()
}

#[test]
fn a_new_version_accepted_offline_goes_up_once_and_the_direction_sees_who_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::demo(dir.path());
    let url = server.url();

    // The newcomer has the charter to accept; the others accepted it in September.
    let nouveau = Client::login_and_sync(dir.path(), &url, "nouveau");
    let shown = charter(&nouveau);
    assert_eq!(shown["number"], 1);
    assert!(shown["acceptedAt"].is_null(), "{shown}");
    assert!(shown["text"]
        .as_str()
        .unwrap()
        .contains("## 3. Le cahier de textes"));
    let martin = Client::login_and_sync(dir.path(), &url, "martin");
    assert!(charter(&martin)["acceptedAt"].is_string());

    // The school publishes version 2 on the server.
    let v2 = dir.path().join("charte-v2.md");
    std::fs::write(
        &v2,
        "# Charte d'usage, version de janvier\n\nLes téléphones restent rangés en classe.\n",
    )
    .unwrap();
    let published = server_cmd(
        &server.data,
        &["charter", "publish", v2.to_str().unwrap()],
        &[],
    );
    assert!(
        published.contains("Charte version 2 publiée : Charte d'usage, version de janvier"),
        "{published}"
    );

    // Martin gets it, and accepts it with the server down.
    martin.run(&["sync"]).ok();
    let shown = charter(&martin);
    assert_eq!(
        (shown["number"].as_u64(), shown["acceptedAt"].is_null()),
        (Some(2), true)
    );
    server.stop();
    martin.run(&["charter", "accept"]).ok();
    assert_eq!(martin.status()["pending"], 1);
    assert_eq!(martin.run(&["sync"]).code, 3, "the server is down");
    assert!(
        charter(&martin)["acceptedAt"].is_string(),
        "accepted here already"
    );
    server.start();
    martin.run(&["sync"]).ok();
    assert_eq!(martin.status()["pending"], 0);
    // Accepting again queues nothing.
    martin.run(&["charter", "accept"]).ok();
    assert_eq!(martin.status()["pending"], 0);

    // The direction sees it, in its replica and on the server.
    let bernard = Client::login_and_sync(dir.path(), &url, "bernard");
    bernard.run(&["charter", "accept"]).ok();
    bernard.run(&["sync"]).ok();
    let status = bernard.run(&["charter", "status", "--json"]).ok().json();
    assert_eq!(status["current"], 2);
    assert_eq!(status["acceptedCurrent"], 2, "{status}");
    let person = |login: &str| {
        status["people"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["login"] == login)
            .unwrap()
            .clone()
    };
    assert_eq!(person("martin")["accepted"], 2);
    assert_eq!(person("leroy")["accepted"], 1);
    assert!(person("nouveau")["accepted"].is_null());
    let on_server = server_cmd(&server.data, &["charter", "status", "--json"], &[]);
    let on_server: Value = serde_json::from_str(&on_server).unwrap();
    assert_eq!(on_server["acceptedCurrent"], 2);
    let text = server_cmd(&server.data, &["charter", "status"], &[]);
    assert!(
        text.contains("M. Hugo Lambert (nouveau) : jamais acceptée"),
        "{text}"
    );
    assert!(!text.contains("Mme Claire Martin"), "she accepted: {text}");
    // Exactly one acceptance of version 2 by her reached the server.
    let hers = Http::login(&url, "bernard")
        .snapshot()
        .into_iter()
        .filter(|r| {
            r["kind"] == "charterAcceptance"
                && r["data"]["userId"] == "usr-martin"
                && r["data"]["number"] == 2
        })
        .count();
    assert_eq!(hers, 1);

    // Nobody else reads anyone's acceptance, nor asks who accepted.
    let leroy = Client::login_and_sync(dir.path(), &url, "leroy");
    let others = Http::login(&url, "leroy")
        .snapshot()
        .into_iter()
        .filter(|r| r["kind"] == "charterAcceptance" && r["data"]["userId"] != "usr-leroy")
        .count();
    assert_eq!(others, 0);
    let refused = leroy.run(&["charter", "status"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("acl.forbidden"),
        "{}",
        refused.stderr
    );
    // Only the direction publishes, and the server takes it from its client too.
    let v3 = dir.path().join("charte-v3.md");
    std::fs::write(&v3, "# Charte, version 3\n\nRespect de tous.\n").unwrap();
    let refused = leroy.run(&["charter", "publish", v3.to_str().unwrap()]);
    assert!(
        refused.stderr.contains("acl.forbidden"),
        "{}",
        refused.stderr
    );
    bernard
        .run(&["charter", "publish", v3.to_str().unwrap()])
        .ok();
    bernard.run(&["sync"]).ok();
    leroy.run(&["sync"]).ok();
    let shown = charter(&leroy);
    assert_eq!(shown["number"], 3);
    assert_eq!(shown["title"], "Charte, version 3");
}
