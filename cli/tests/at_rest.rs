//! At rest, a stolen laptop gives nothing away: after syncing the demo school, no lesson
//! text, no token and no password can be found in clear anywhere in the profile folder;
//! logging out leaves nothing of the profile, and the ENT no longer takes its token.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use ardoise_sync::Replica;
use ardoise_testkit::{Client, Http, Server};
use serde_json::json;

/// Length of the window the scan compares: every needle is at least this long.
const WINDOW: usize = 12;

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.file_type().unwrap().is_dir() {
            out.extend(files_under(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

/// Which needles occur in which files: every window of every file is looked up among the
/// needles' first bytes, then confirmed.
fn find_in_clear(dir: &Path, needles: &[String]) -> Vec<String> {
    let starts: HashSet<&[u8]> = needles.iter().map(|n| &n.as_bytes()[..WINDOW]).collect();
    let mut found = Vec::new();
    for file in files_under(dir) {
        let bytes = std::fs::read(&file).unwrap();
        for i in 0..bytes.len().saturating_sub(WINDOW - 1) {
            if !starts.contains(&bytes[i..i + WINDOW]) {
                continue;
            }
            for n in needles {
                if bytes[i..].starts_with(n.as_bytes()) {
                    found.push(format!("{n:?} in {}", file.display()));
                }
            }
        }
    }
    found
}

#[test]
fn the_profile_folder_holds_nothing_in_clear_and_logout_wipes_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    let martin = Client::login_and_sync(dir.path(), &server.url(), "martin");
    // An edit made offline-style, so the outbox and the WAL hold lesson text too.
    let week = martin.teacher_days("martin", "2026-11-30", 6);
    let secret_title = "Chapitre secret : les nombres complexes";
    martin
        .run_with(
            &["session", "save"],
            &json!({"occurrence": week[0]["id"], "title": secret_title,
                    "content": "<p>Démonstration confidentielle du théorème</p>"})
            .to_string(),
        )
        .ok();

    // What must not be readable: martin's lesson texts as the ENT has them, the tokens,
    // the password.
    let ent = Http::login(&server.url(), "martin");
    let mut needles: Vec<String> = ent
        .snapshot()
        .iter()
        .filter(|r| r["kind"] == "session" || r["kind"] == "homework")
        .flat_map(|r| {
            ["title", "content", "description"]
                .iter()
                .filter_map(|f| r["data"][*f].as_str().map(str::to_string))
                .collect::<Vec<_>>()
        })
        .filter(|t| t.len() >= WINDOW)
        .collect();
    needles.sort();
    needles.dedup();
    let lessons = needles.len();
    assert!(lessons > 50, "martin's logbook has {lessons} texts");
    needles.push(secret_title.into());
    needles.push("<p>Démonstration confidentielle du théorème</p>".into());
    let tokens = Replica::open(&martin.profile.join("replica.sqlite3"))
        .unwrap()
        .tokens()
        .unwrap();
    needles.push(tokens.access_token.clone());
    needles.push(tokens.refresh_token.clone());
    // The demo password is the app's name: look for it as JSON would store it.
    needles.push("\"password\":\"ardoise\"".into());
    needles.push("\"password\": \"ardoise\"".into());

    let found = find_in_clear(&martin.profile, &needles);
    assert!(found.is_empty(), "in clear in the profile: {found:?}");
    let replica = std::fs::read(martin.profile.join("replica.sqlite3")).unwrap();
    assert!(!replica.starts_with(b"SQLite format 3"));
    // The sanity check of the scan itself: the same texts are found in the server's store.
    let store = dir.path().join("server");
    assert!(
        !find_in_clear(&store, &needles[..lessons]).is_empty(),
        "the scan finds lesson texts where they are in clear"
    );

    // No keyring on this machine: the key is an owner-only file, and the status says so.
    let status = martin.status();
    if status["keyStorage"] == "file" {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(martin.profile.join("replica.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let text = martin.run(&["status"]).ok().stdout;
        assert!(text.contains("aucun trousseau système"), "{text}");
    } else {
        assert_eq!(status["keyStorage"], "keyring");
    }

    // Logout with an edit not sent: refused, nothing touched.
    let refused = martin.run(&["logout"]);
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains("pas encore envoyée"),
        "{}",
        refused.stderr
    );
    assert!(martin.profile.join("replica.sqlite3").exists());
    martin.run(&["sync"]).ok();
    martin.run(&["logout"]).ok();
    let left: Vec<PathBuf> = if martin.profile.exists() {
        files_under(&martin.profile)
    } else {
        Vec::new()
    };
    assert!(left.is_empty(), "left after logout: {left:?}");
    // The ENT no longer takes the old token.
    let old = reqwest::blocking::Client::new()
        .get(format!("{}/v1/changes?since=0&limit=1", server.url()))
        .header(
            ardoise_protocol::PROTOCOL_HEADER,
            ardoise_protocol::PROTOCOL_VERSION.to_string(),
        )
        .bearer_auth(&tokens.access_token)
        .send()
        .unwrap();
    assert_eq!(old.status().as_u16(), 401);
}
