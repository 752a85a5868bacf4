//! Help and assistance with the real server and CLI: a support bundle built from a full
//! demo profile holds no lesson text, no name, no token (the scan); it tells the sync
//! state and the journal of syncs; queued while offline, it reaches the assistance inbox
//! once the ENT is back, where support staff list and save it. The inbox treats every
//! client as hostile (not a zip, a zip bomb, too many, someone else's id).

use std::io::Read;

use ardoise_testkit::{server_cmd, Client, Http, Server};
use serde_json::{json, Value};

/// The files of a zip, by name.
fn unzip(bytes: &[u8]) -> Vec<(String, String)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut text = String::new();
            f.read_to_string(&mut text).unwrap();
            (f.name().unwrap().to_string(), text)
        })
        .collect()
}

fn str_at<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field].as_str().unwrap_or("")
}

/// What no bundle may hold, from every record of the school the direction reads: every
/// person's name and login and the parts of the name, every séance's title and text,
/// homework, news and document names.
fn forbidden(records: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    let mut add = |s: &str| {
        let s = s.trim();
        if s.chars().count() >= 4 {
            out.push(s.to_lowercase());
        }
    };
    for r in records {
        let d = &r["data"];
        match str_at(r, "kind") {
            "user" => {
                add(str_at(d, "login"));
                add(str_at(d, "displayName"));
                str_at(d, "displayName")
                    .split([' ', '-'])
                    .filter(|p| !matches!(*p, "M." | "Mme"))
                    .for_each(&mut add);
            }
            "session" => {
                add(str_at(d, "title"));
                add(&strip_tags(str_at(d, "content")));
            }
            "homework" => add(&strip_tags(str_at(d, "description"))),
            "news" => add(str_at(d, "title")),
            "document" => add(str_at(d, "name")),
            _ => {}
        }
    }
    out.sort();
    out.dedup();
    out
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut tag = false;
    for c in html.chars() {
        match c {
            '<' => tag = true,
            '>' => {
                tag = false;
                out.push(' ');
            }
            c if !tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn a_support_bundle_of_a_full_demo_profile_holds_no_text_no_name_no_token() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::demo(dir.path());
    let url = server.url();
    let martin = Client::login_and_sync(dir.path(), &url, "martin");
    let school = Http::login(&url, "bernard").snapshot();
    let hers = Http::login(&url, "martin");
    let mine = hers.snapshot();

    // Her app's log, as a careless build could have written it: her name, her lessons'
    // titles and text, the people of her classes, a token, an address, her home folder.
    let xdg = dir.path().join("xdg");
    let logs = xdg.join("fr.ardoise.client/logs");
    std::fs::create_dir_all(&logs).unwrap();
    let mut log = String::new();
    for r in &mine {
        let d = &r["data"];
        let line = match str_at(r, "kind") {
            "user" => format!(
                "connexion de {} ({})",
                str_at(d, "displayName"),
                str_at(d, "login")
            ),
            "session" => format!(
                "séance « {} » enregistrée : {}",
                str_at(d, "title"),
                str_at(d, "content")
            ),
            "homework" => format!("travail : {}", str_at(d, "description")),
            _ => continue,
        };
        log.push_str(&format!("[2026-11-30][08:00:01][ardoise][INFO] {line}\n"));
    }
    let home = std::env::var("HOME").unwrap();
    log.push_str(&format!(
        "[2026-11-30][08:00:02][ardoise][WARN] requête refusée : Bearer {} ; copie {home}/Documents/cours.pdf ; écrire à claire.martin@ac-exemple.fr\n",
        hers.token
    ));
    log.push_str("[2026-11-30][08:00:03][ardoise][INFO] Ardoise 0.1.0 démarrée\n");
    std::fs::write(logs.join("Ardoise.log"), &log).unwrap();

    // Offline: an edit waits, a sync fails for want of the network.
    server.stop();
    let week = martin.teacher_days("martin", "2026-11-30", 6);
    martin
        .run_with(
            &["session", "save"],
            &json!({"occurrence": week[0]["id"], "title": "Séance hors ligne secrète",
                    "content": "<p>Texte confidentiel de la leçon</p>"})
            .to_string(),
        )
        .ok();
    assert_ne!(martin.run(&["sync"]).code, 0);

    let out = dir.path().join("rapport.zip");
    let env = [("XDG_DATA_HOME", xdg.to_str().unwrap())];
    martin
        .run_env(&["support-bundle", "--out", out.to_str().unwrap()], &env)
        .ok();
    let bytes = std::fs::read(&out).unwrap();
    let files = unzip(&bytes);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "LISEZMOI.txt",
            "rapport.json",
            "etat.json",
            "journal.json",
            "journaux/app-0.log"
        ]
    );

    // The scan: nothing of the school's people or lessons, no token, no password.
    let mut secrets = forbidden(&school);
    secrets.extend(forbidden(&mine));
    secrets.push("séance hors ligne secrète".into());
    secrets.push("texte confidentiel de la leçon".into());
    assert!(
        secrets.len() > 50,
        "a full demo school: {} strings",
        secrets.len()
    );
    let whole: String = files.iter().map(|(_, t)| t.to_lowercase()).collect();
    let hits: Vec<&String> = secrets
        .iter()
        .filter(|s| whole.contains(s.as_str()))
        .collect();
    // The password is never kept on the device (tests/at_rest.rs); the tokens are.
    let token_hits = files
        .iter()
        .filter(|(_, text)| text.contains(&hers.token))
        .count();
    println!(
        "support bundle scan: {} bytes, {} strings looked for, hits={} token_hits={token_hits}",
        bytes.len(),
        secrets.len(),
        hits.len()
    );
    assert!(hits.is_empty(), "the bundle holds {hits:?}");
    assert_eq!(token_hits, 0, "a token is in the bundle");
    assert!(
        !whole.contains(&home.to_lowercase()),
        "the home folder is in the bundle"
    );

    // What support staff need is there.
    let get = |name: &str| -> Value {
        serde_json::from_str(&files.iter().find(|(n, _)| n == name).unwrap().1).unwrap()
    };
    let state = get("etat.json");
    assert_eq!(state["pending"], 1);
    assert_eq!(state["pendingByKind"]["session"], 1);
    let about = get("rapport.json");
    assert_eq!(about["protocol"], ardoise_protocol::PROTOCOL_VERSION);
    assert_eq!(about["os"], std::env::consts::OS);
    let journal = get("journal.json");
    let outcomes: Vec<&str> = journal
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes.first(),
        Some(&"offline"),
        "newest first: {outcomes:?}"
    );
    assert!(outcomes.contains(&"ok"), "{outcomes:?}");
    let log = &files
        .iter()
        .find(|(n, _)| n == "journaux/app-0.log")
        .unwrap()
        .1;
    assert!(
        log.contains("Ardoise 0.1.0 démarrée") && log.contains("[masqué]"),
        "{log}"
    );
    assert!(
        log.contains("~/Documents/cours.pdf") && log.contains("[adresse]"),
        "{log}"
    );

    // Sent while offline: it waits; once the ENT is back, it goes with the sync and
    // support staff find it, byte for byte.
    let queued = martin
        .run_env(
            &["support-bundle", "--send", "--out", out.to_str().unwrap()],
            &env,
        )
        .ok();
    assert!(queued.stdout.contains("en attente"), "{}", queued.stdout);
    server.start();
    martin.run(&["sync"]).ok();
    let data = dir.path().join("server");
    let listed: Value =
        serde_json::from_str(&server_cmd(&data, &["support", "list", "--json"], &[])).unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["login"], "martin");
    let id = listed[0]["id"].as_str().unwrap();
    let saved_to = dir.path().join("recu.zip");
    server_cmd(
        &data,
        &["support", "save", id, "--out", saved_to.to_str().unwrap()],
        &[],
    );
    assert_eq!(
        std::fs::read(&saved_to).unwrap(),
        std::fs::read(&out).unwrap()
    );
    // A second sync sends nothing again.
    martin.run(&["sync"]).ok();
    let again: Value =
        serde_json::from_str(&server_cmd(&data, &["support", "list", "--json"], &[])).unwrap();
    assert_eq!(again.as_array().unwrap().len(), 1);
}

fn post(who: &Http, id: &str, content_type: &str, body: Vec<u8>) -> (u16, String) {
    let resp = who
        .request("POST", &format!("/v1/support/{id}"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .unwrap();
    let status = resp.status().as_u16();
    let body: Value = resp.json().unwrap_or(Value::Null);
    (status, body["code"].as_str().unwrap_or("").to_string())
}

fn small_zip(text: &str) -> Vec<u8> {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    z.start_file("rapport.json", zip::write::SimpleFileOptions::default())
        .unwrap();
    z.write_all(text.as_bytes()).unwrap();
    z.finish().unwrap().into_inner()
}

#[test]
fn the_assistance_inbox_treats_every_client_as_hostile() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    let url = server.url();
    let martin = Http::login(&url, "martin");
    let leroy = Http::login(&url, "leroy");
    let zip = "application/zip";
    let id = uuid::Uuid::now_v7().to_string();

    assert_eq!(
        post(&martin, "pas-un-uuid", zip, small_zip("{}")),
        (400, "protocol.invalid_path".into())
    );
    assert_eq!(
        post(&martin, &id, "application/json", small_zip("{}")).0,
        415
    );
    assert_eq!(
        post(&martin, &id, zip, b"MZ not a zip".to_vec()),
        (422, "support.invalid".into())
    );
    let bomb = {
        use std::io::Write;
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        z.start_file("zeros", opts).unwrap();
        z.write_all(&vec![0u8; 20 * 1024 * 1024]).unwrap();
        z.finish().unwrap().into_inner()
    };
    assert_eq!(
        post(&martin, &id, zip, bomb),
        (422, "support.invalid".into())
    );
    let huge = vec![b'x'; ardoise_protocol::support::MAX_BUNDLE_BYTES + 1];
    assert_eq!(post(&martin, &id, zip, huge).0, 413);

    // Sent twice (a retry): stored once; someone else's id: refused.
    assert_eq!(post(&martin, &id, zip, small_zip("{}")).0, 204);
    assert_eq!(post(&martin, &id, zip, small_zip("{}")).0, 204);
    assert_eq!(
        post(&leroy, &id, zip, small_zip("{}")),
        (422, "support.invalid".into())
    );
    // A day's worth, then no more.
    for _ in 1..ardoise_protocol::support::MAX_PER_DAY {
        let other = uuid::Uuid::now_v7().to_string();
        assert_eq!(post(&martin, &other, zip, small_zip("{}")).0, 204);
    }
    let one_more = uuid::Uuid::now_v7().to_string();
    assert_eq!(
        post(&martin, &one_more, zip, small_zip("{}")),
        (429, "support.too_many".into())
    );

    let listed: Value = serde_json::from_str(&server_cmd(
        &dir.path().join("server"),
        &["support", "list", "--json"],
        &[],
    ))
    .unwrap();
    assert_eq!(
        listed.as_array().unwrap().len() as u64,
        ardoise_protocol::support::MAX_PER_DAY
    );
}
