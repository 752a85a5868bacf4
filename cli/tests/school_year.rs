//! The end of a school year, with the real server and CLI processes: the direction prints
//! a class's archive of the year (`ardoise archive`), the school closes the year
//! (`ardoise-server year close`, the server running), and from then on the year's
//! logbook and lessons are read-only: an edit made offline before the closing and sent
//! after it is refused once with `logbook.year_closed` and kept aside, the server's copy
//! unchanged; reading and printing the archive still work.

use ardoise_testkit::{pdf_text, server_cmd, server_refused, Client, Server};
use serde_json::json;

#[test]
fn a_closed_year_is_kept_read_only_and_its_archive_still_prints() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    let martin = Client::login_and_sync(dir.path(), &server.url(), "martin");
    let bernard = Client::login_and_sync(dir.path(), &server.url(), "bernard");
    let diallo = Client::login_and_sync(dir.path(), &server.url(), "diallo");

    // A published séance of hers from November, its title as the archive prints it.
    let sessions = martin.list("session", "2nde 3", "2026-11-23", "2026-11-27");
    let seance = sessions
        .iter()
        .find(|s| s["teacherId"] == "usr-martin" && s["state"] == "published")
        .expect("the demo school has her November séances")
        .clone();
    let id = seance["id"].as_str().unwrap();
    let title = seance["title"].as_str().unwrap();

    // Edited offline, not sent yet.
    martin
        .run_with(
            &["session", "save"],
            &json!({"id": id, "title": "Réécrite pendant l'été"}).to_string(),
        )
        .ok();

    // Not while lessons are still to come.
    let refused = server_refused(
        &server.data,
        &["year", "close", "2026-2027", "--today", "2027-05-17"],
        &[],
    );
    assert!(refused.contains("n'est pas finie"), "{refused}");
    let refused = server_refused(&server.data, &["year", "close", "2026-2028"], &[]);
    assert!(refused.contains("année scolaire invalide"), "{refused}");
    assert!(server_cmd(&server.data, &["year", "list"], &[]).contains("aucune année close"));

    let closed = server_cmd(
        &server.data,
        &[
            "year",
            "close",
            "2026-2027",
            "--today",
            "2027-07-20",
            "--json",
        ],
        &[],
    );
    let closed: serde_json::Value = serde_json::from_str(&closed).unwrap();
    assert_eq!(closed["already"], false);
    assert!(closed["sessions"].as_u64().unwrap() > 0, "{closed}");
    assert!(closed["lessons"].as_u64().unwrap() > 1000, "{closed}");
    let again = server_cmd(
        &server.data,
        &["year", "close", "2026-2027", "--today", "2027-07-20"],
        &[],
    );
    assert!(again.contains("était déjà close"), "{again}");
    assert!(server_cmd(&server.data, &["year", "list"], &[]).contains("2026-2027 close"));

    // Her edit is refused once, kept aside, and the server's copy is the original.
    let sent = martin.run(&["sync"]);
    assert_eq!(sent.code, 1);
    assert!(
        sent.stderr.contains("logbook.year_closed"),
        "{}",
        sent.stderr
    );
    assert_eq!(martin.run(&["sync"]).code, 0, "reported once, not retried");
    let status = martin.status();
    assert_eq!(
        (status["pending"].as_u64(), status["quarantined"].as_u64()),
        (Some(0), Some(1))
    );
    let rejected = martin.run(&["rejected", "--json"]).ok().json();
    assert_eq!(rejected[0]["errorCode"], "logbook.year_closed");
    let http = ardoise_testkit::Http::login(&server.url(), "martin");
    let on_server = http.snapshot().into_iter().find(|r| r["id"] == id).unwrap();
    assert_eq!(on_server["data"]["title"], title);

    // The lessons too: the vie scolaire cannot cancel one of that year any more.
    let lesson = martin.teacher_days("martin", "2026-12-07", 1)[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    diallo
        .run(&["occurrence", "cancel", &lesson, "--note", "Grève"])
        .ok();
    let cancel = diallo.run(&["sync"]);
    assert!(
        cancel.stderr.contains("logbook.year_closed"),
        "{}",
        cancel.stderr
    );

    // Reading goes on: the direction prints the class's archive of the closed year.
    bernard.run(&["sync"]).ok();
    let file = dir.path().join("2nde3.pdf");
    let out = bernard
        .run(&[
            "archive",
            "--audience",
            "2nde 3",
            "--year",
            "2026-2027",
            "--out",
            file.to_str().unwrap(),
        ])
        .ok();
    assert!(out.stdout.contains("séance(s)"), "{}", out.stdout);
    let text = pdf_text(&file);
    assert!(text.contains("Cahier de textes — 2nde 3"), "{text}");
    assert!(text.contains(title), "« {title} » in the archive");
    assert!(!text.contains("Réécrite pendant l'été"));
    // A year written wrong: a typed refusal, no file.
    let bad = bernard.run(&[
        "archive",
        "--audience",
        "2nde 3",
        "--year",
        "2026/27",
        "--out",
        dir.path().join("x.pdf").to_str().unwrap(),
    ]);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr.contains("archive.invalid_year"),
        "{}",
        bad.stderr
    );
    assert!(!dir.path().join("x.pdf").exists());
}
