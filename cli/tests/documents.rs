//! The espace documentaire against real processes: resumable transfers, memory on a 1 GiB
//! file, versions and conflict copies between two users, quotas, and the mirrored folder.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ardoise_protocol::documents::CHUNK_BYTES;
use ardoise_testkit::{Client, Fault, Http, Proxy, Server};
use serde_json::Value;

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// A file of `size` bytes that does not compress (xorshift), and its BLAKE3.
fn make_file(path: &Path, size: u64, seed: u64) -> String {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut hasher = blake3::Hasher::new();
    let mut x = seed | 1;
    let mut buf = vec![0u8; 1024 * 1024];
    let mut left = size;
    while left > 0 {
        for b in buf.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b.copy_from_slice(&x.to_le_bytes()[..b.len()]);
        }
        let n = left.min(buf.len() as u64) as usize;
        f.write_all(&buf[..n]).unwrap();
        hasher.update(&buf[..n]);
        left -= n as u64;
    }
    f.flush().unwrap();
    hasher.finalize().to_hex().to_string()
}

fn hash_of(path: &Path) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher
        .update_reader(std::fs::File::open(path).unwrap())
        .unwrap();
    hasher.finalize().to_hex().to_string()
}

/// A demo server and Martin logged in on it.
fn martin_on_demo() -> (tempfile::TempDir, Server, Client) {
    let dir = tmp();
    let server = Server::demo(dir.path());
    let martin = login(dir.path(), "martin", &server.url(), "martin");
    (dir, server, martin)
}

/// A demo server, a fault proxy in front of it, and Martin logged in through the proxy.
fn martin_through_proxy() -> (tempfile::TempDir, Server, Proxy, Client) {
    let dir = tmp();
    let server = Server::demo(dir.path());
    let proxy = Proxy::start(server.port);
    let martin = login(dir.path(), "martin", &proxy.url(), "martin");
    (dir, server, proxy, martin)
}

fn login(root: &Path, name: &str, url: &str, user: &str) -> Client {
    let c = Client::new(root, name);
    c.run(&["login", "--server", url, "--user", user]).ok();
    c.run(&["sync"]).ok();
    c
}

fn docs(c: &Client, folder: &str) -> Vec<Value> {
    c.run(&["docs", "list", "--folder", folder, "--json"])
        .ok()
        .json()
        .as_array()
        .unwrap()
        .clone()
}

fn doc_at<'a>(list: &'a [Value], path: &str) -> &'a Value {
    list.iter()
        .find(|d| d["path"] == path && d["trashedAt"].is_null())
        .unwrap_or_else(|| panic!("no live document {path} in {list:#?}"))
}

/// `sent_bytes=N received_bytes=M` printed by `ardoise sync`.
fn sync_bytes(c: &Client) -> (u64, u64) {
    let out = c.run(&["sync"]).ok();
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with("sent_bytes="))
        .unwrap();
    let mut parts = line
        .split_whitespace()
        .map(|p| p.split('=').nth(1).unwrap().parse().unwrap());
    (parts.next().unwrap(), parts.next().unwrap())
}

/// `ardoise docs put FILE --folder FOLDER [extra…] --json`, which must succeed.
fn put_json(c: &Client, file: &str, folder: &str, extra: &[&str]) -> Value {
    let mut args = vec!["docs", "put", file, "--folder", folder];
    args.extend_from_slice(extra);
    args.push("--json");
    c.run(&args).ok().json()
}

fn peak_rss_mb(stderr: &str) -> f64 {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("peak_rss_mb="))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no peak_rss_mb in {stderr}"))
}

#[test]
fn an_upload_cut_mid_chunk_resumes_from_the_servers_offset() {
    let (dir, server, proxy, martin) = martin_through_proxy();
    let file = dir.path().join("cours.bin");
    let size = 20 * 1024 * 1024;
    let hash = make_file(&file, size, 7);

    // The connection dies in the middle of the second chunk, and stays down.
    proxy.arm_then_down(Fault::CutRequest("PATCH", CHUNK_BYTES + 1_500_000));
    let put = put_json(&martin, file.to_str().unwrap(), "/Test", &[]);
    assert_eq!(put["state"], "queued", "{put}");
    assert_eq!(put["hash"], hash.as_str());

    // The server kept what arrived: more than one chunk, less than two.
    let http = Http::login(&server.url(), "martin");
    let (status, upload) = http.get(&format!("/v1/uploads/{hash}"));
    assert_eq!(status, 200, "{upload}");
    let offset = upload["offset"].as_u64().unwrap();
    assert!(
        offset > CHUNK_BYTES as u64 && offset < 2 * CHUNK_BYTES as u64,
        "offset {offset}"
    );
    assert_eq!(upload["complete"], false);

    // A chunk sent twice is harmless: the server skips what it holds.
    let first = std::fs::read(&file).unwrap()[..1024 * 1024].to_vec();
    let again: Value = http
        .request("PATCH", &format!("/v1/uploads/{hash}"))
        .header("upload-offset", "0")
        .body(first)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(again["offset"].as_u64(), Some(offset), "{again}");
    // A chunk past the server's offset is refused with the offset to resume from.
    let ahead = http
        .request("PATCH", &format!("/v1/uploads/{hash}"))
        .header("upload-offset", (offset + 10).to_string())
        .body(vec![0u8; 10])
        .send()
        .unwrap();
    assert_eq!(ahead.status().as_u16(), 409);
    assert_eq!(
        ahead.json::<Value>().unwrap()["code"],
        "upload.offset_mismatch"
    );
    // Nothing reached the server's documents: the op waits for its content.
    assert!(!http
        .snapshot()
        .iter()
        .any(|r| r["data"]["name"] == "cours.bin"));
    assert_eq!(martin.status()["pending"], 1);

    // Back online: the upload resumes from the server's offset.
    proxy.set_down(false);
    let (sent, _) = sync_bytes(&martin);
    assert_eq!(sent, size - offset, "resent only what the server lacked");
    assert!(sent <= size - offset + CHUNK_BYTES as u64);
    assert_eq!(martin.status()["pending"], 0);
    let record = http
        .snapshot()
        .into_iter()
        .find(|r| r["data"]["name"] == "cours.bin")
        .expect("the document is on the server");
    assert_eq!(record["data"]["hash"], hash.as_str());
    assert_eq!(record["data"]["size"], size);

    // The content the server keeps is the one sent: fetched on another device.
    let other = login(dir.path(), "martin-portable", &server.url(), "martin");
    let out = dir.path().join("copie.bin");
    other
        .run(&[
            "docs",
            "get",
            "/Test/cours.bin",
            "--out",
            out.to_str().unwrap(),
        ])
        .ok();
    assert_eq!(hash_of(&out), hash);
}

#[test]
fn an_upload_killed_mid_chunk_resumes_from_the_servers_offset() {
    let (dir, server, proxy, martin) = martin_through_proxy();
    let file = dir.path().join("cours.bin");
    let size: u64 = 16 * 1024 * 1024;
    let hash = make_file(&file, size, 13);

    // The second chunk is held back half-way: the client hangs there, and is killed.
    proxy.arm(Fault::StallRequest("PATCH", CHUNK_BYTES + 2_000_000));
    let mut child = std::process::Command::new(ardoise_testkit::bin("ardoise"))
        .args(["--profile", martin.profile.to_str().unwrap()])
        .args(["docs", "put", file.to_str().unwrap(), "--folder", "/Test"])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let http = Http::login(&server.url(), "martin");
    let deadline = Instant::now() + Duration::from_secs(30);
    let offset = loop {
        let (status, upload) = http.get(&format!("/v1/uploads/{hash}"));
        let offset = upload["offset"].as_u64().unwrap_or(0);
        if status == 200 && offset > CHUNK_BYTES as u64 + 1_000_000 {
            break offset;
        }
        assert!(
            Instant::now() < deadline,
            "the upload never got mid-chunk: {upload}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let (_, upload) = http.get(&format!("/v1/uploads/{hash}"));
    let kept = upload["offset"].as_u64().unwrap();
    assert!(
        kept >= offset && kept < 2 * CHUNK_BYTES as u64,
        "kept {kept}"
    );

    // Started again, the client resumes from what the server kept.
    let (sent, _) = sync_bytes(&martin);
    assert_eq!(sent, size - kept);
    let record = http
        .snapshot()
        .into_iter()
        .find(|r| r["data"]["name"] == "cours.bin")
        .expect("the document is on the server");
    assert_eq!(record["data"]["hash"], hash.as_str());
}

#[test]
fn a_download_cut_midway_resumes_where_it_stopped() {
    let (dir, server, martin) = martin_on_demo();
    let file = dir.path().join("film.bin");
    let size: u64 = 24 * 1024 * 1024;
    let hash = make_file(&file, size, 11);
    martin
        .run(&["docs", "put", file.to_str().unwrap(), "--folder", "/Vidéos"])
        .ok();

    let proxy = Proxy::start(server.port);
    let portable = login(dir.path(), "portable", &proxy.url(), "martin");
    proxy.arm_then_down(Fault::Truncate("GET /v1/blobs/", 5 * 1024 * 1024));
    let out = dir.path().join("film-copie.bin");
    let first = portable.run(&[
        "docs",
        "get",
        "/Vidéos/film.bin",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(first.code, 3, "offline after the cut: {}", first.stderr);
    assert!(!out.exists(), "nothing half-written where the user asked");
    let partial = portable.profile.join(format!("cache/partial/{hash}.part"));
    let kept = std::fs::metadata(&partial).unwrap().len();
    assert!(kept > 4 * 1024 * 1024 && kept < size, "kept {kept}");

    proxy.set_down(false);
    let second = portable
        .run(&[
            "docs",
            "get",
            "/Vidéos/film.bin",
            "--out",
            out.to_str().unwrap(),
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(second["transfer"]["receivedBytes"], size - kept, "{second}");
    assert_eq!(hash_of(&out), hash);
    assert!(!partial.exists());
    // Offline, it opens from the cache.
    proxy.set_down(true);
    let again = dir.path().join("film-hors-ligne.bin");
    let third = portable
        .run(&[
            "docs",
            "get",
            "/Vidéos/film.bin",
            "--out",
            again.to_str().unwrap(),
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(third["fromCache"], true);
    assert_eq!(hash_of(&again), hash);
}

#[test]
fn a_gigabyte_goes_up_and_down_in_little_memory() {
    let (dir, server, martin) = martin_on_demo();
    let file = dir.path().join("gros.bin");
    let size: u64 = 1024 * 1024 * 1024;
    let hash = make_file(&file, size, 3);
    let env = [("ARDOISE_REPORT_PEAK_RSS", "1")];

    let t = Instant::now();
    let up = martin.run_env(
        &[
            "docs",
            "put",
            file.to_str().unwrap(),
            "--folder",
            "/Gros",
            "--json",
        ],
        &env,
    );
    let up_s = t.elapsed().as_secs_f64();
    assert_eq!(up.code, 0, "{}", up.stderr);
    assert_eq!(up.json()["state"], "sent");
    let up_mb = peak_rss_mb(&up.stderr);
    std::fs::remove_file(&file).unwrap();

    let portable = login(dir.path(), "portable", &server.url(), "martin");
    let out = dir.path().join("gros-copie.bin");
    let t = Instant::now();
    let down = portable.run_env(
        &[
            "docs",
            "get",
            "/Gros/gros.bin",
            "--out",
            out.to_str().unwrap(),
        ],
        &env,
    );
    let down_s = t.elapsed().as_secs_f64();
    assert_eq!(down.code, 0, "{}", down.stderr);
    let down_mb = peak_rss_mb(&down.stderr);
    assert_eq!(hash_of(&out), hash);
    // Written past the test harness's capture, so `make test` shows it.
    let _ = writeln!(
        std::io::stderr(),
        "docs_1gib: size_mib=1024 up_s={up_s:.1} up_peak_rss_mb={up_mb:.1} down_s={down_s:.1} down_peak_rss_mb={down_mb:.1}"
    );
    assert!(up_mb < 100.0, "upload peak {up_mb} MB");
    assert!(down_mb < 100.0, "download peak {down_mb} MB");
}

#[test]
fn an_unchanged_file_sends_nothing() {
    let (dir, server, martin) = martin_on_demo();
    let file = dir.path().join("fiche.pdf");
    make_file(&file, 3 * 1024 * 1024, 5);
    let first = put_json(&martin, file.to_str().unwrap(), "/Cours", &[]);
    assert_eq!(first["transfer"]["sentBytes"], 3 * 1024 * 1024);
    let second = put_json(&martin, file.to_str().unwrap(), "/Cours", &[]);
    assert_eq!(second["unchanged"], true);
    assert!(second["transfer"].is_null(), "{second}");
    // The same content under another name, from another device: the server has it.
    let portable = login(dir.path(), "portable", &server.url(), "martin");
    let third = put_json(
        &portable,
        file.to_str().unwrap(),
        "/Archives",
        &["--name", "copie.pdf"],
    );
    assert_eq!(third["created"], true);
    assert_eq!(third["transfer"]["sentBytes"], 0, "{third}");
    assert_eq!(third["state"], "sent");
    let list = docs(&portable, "/");
    assert_eq!(
        doc_at(&list, "/Cours/fiche.pdf")["versions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(doc_at(&list, "/Archives/copie.pdf")["hash"], first["hash"]);
}

#[test]
fn concurrent_new_versions_give_one_head_and_one_conflict_copy() {
    let dir = tmp();
    let server = Server::demo(dir.path());
    let martin = login(dir.path(), "martin", &server.url(), "martin");
    let leroy = login(dir.path(), "leroy", &server.url(), "leroy");
    let path = "/Équipe pédagogique/Projet interdisciplinaire.md";
    let folder = "/Équipe pédagogique";
    let base = doc_at(&docs(&leroy, folder), path)["hash"].clone();
    assert_eq!(doc_at(&docs(&martin, folder), path)["hash"], base);

    let mine = dir.path().join("martin.md");
    std::fs::write(&mine, "# Projet — version de Claire Martin\n").unwrap();
    let theirs = dir.path().join("leroy.md");
    std::fs::write(&theirs, "# Projet — version de Paul Leroy\n").unwrap();
    let name = "Projet interdisciplinaire.md";
    // Both start from the same head; Martin's goes first.
    martin
        .run(&[
            "docs",
            "put",
            mine.to_str().unwrap(),
            "--folder",
            folder,
            "--name",
            name,
        ])
        .ok();
    let told = put_json(&leroy, theirs.to_str().unwrap(), folder, &["--name", name]);
    // Leroy is told where his version went.
    let copy_path = told["conflictCopy"]
        .as_str()
        .expect("a conflict copy")
        .to_string();
    assert!(
        copy_path.starts_with("/Équipe pédagogique/Projet interdisciplinaire (copie de conflit"),
        "{told}"
    );
    martin.run(&["sync"]).ok();

    for who in [&martin, &leroy] {
        let list = docs(who, folder);
        assert_eq!(list.len(), 2, "{list:#?}");
        let head = doc_at(&list, path);
        assert_eq!(
            head["hash"],
            blake3::hash(&std::fs::read(&mine).unwrap())
                .to_hex()
                .as_str()
        );
        assert_eq!(head["versions"].as_array().unwrap().len(), 2);
        let copy = list
            .iter()
            .find(|d| !d["conflictOf"].is_null())
            .expect("a conflict copy");
        assert_eq!(copy["conflictOf"], head["id"]);
        assert_eq!(
            copy["hash"],
            blake3::hash(&std::fs::read(&theirs).unwrap())
                .to_hex()
                .as_str()
        );
        let copy_name = copy["name"].as_str().unwrap();
        assert!(
            copy_name.starts_with("Projet interdisciplinaire (copie de conflit — M. Paul Leroy, ")
                && copy_name.ends_with(").md"),
            "{copy_name}"
        );
    }
    // Both contents are there to open.
    let out = dir.path().join("copie.md");
    martin
        .run(&["docs", "get", &copy_path, "--out", out.to_str().unwrap()])
        .ok();
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(&theirs).unwrap()
    );
}

#[test]
fn a_full_quota_is_a_clear_refusal_and_loses_nothing() {
    let dir = tmp();
    let server = Server::demo_with(dir.path(), &["--quota-mb", "1"]);
    let martin = login(dir.path(), "martin", &server.url(), "martin");
    let file = dir.path().join("trop-gros.bin");
    make_file(&file, 2 * 1024 * 1024, 9);
    let out = martin.run(&["docs", "put", file.to_str().unwrap(), "--folder", "/Test"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("Espace documentaire plein"),
        "{}",
        out.stderr
    );
    let transfers = martin.run(&["docs", "transfers", "--json"]).ok().json();
    let t = &transfers.as_array().unwrap()[0];
    assert_eq!(t["state"], "failed");
    assert!(
        t["error"]
            .as_str()
            .unwrap()
            .contains("Mo utilisés sur 1 Mo"),
        "{t}"
    );
    // Still here, marked, and held back from the server.
    let d = doc_at(&docs(&martin, "/Test"), "/Test/trop-gros.bin").clone();
    assert_eq!(d["pendingUpload"], true);
    assert_eq!(martin.status()["pending"], 1);
    let http = Http::login(&server.url(), "martin");
    assert!(!http.snapshot().iter().any(|r| r["id"] == d["id"]));
}

/// The owner can always free space: a full space, a document put in the trash and
/// deleted from it, and the next upload goes through once the ENT has collected it.
#[test]
fn emptying_the_trash_frees_the_space() {
    let dir = tmp();
    let server = Server::demo_with(dir.path(), &["--quota-mb", "1", "--maintenance-secs", "1"]);
    let martin = login(dir.path(), "martin", &server.url(), "martin");
    let first = dir.path().join("cours.bin");
    make_file(&first, 700 * 1024, 3);
    martin
        .run(&["docs", "put", first.to_str().unwrap(), "--folder", "/Test"])
        .ok();
    let second = dir.path().join("suite.bin");
    make_file(&second, 700 * 1024, 4);
    let full = martin.run(&["docs", "put", second.to_str().unwrap(), "--folder", "/Test"]);
    assert!(
        full.stderr.contains("Espace documentaire plein"),
        "{}",
        full.stderr
    );
    let d = doc_at(&docs(&martin, "/Test"), "/Test/cours.bin").clone();
    let id = d["id"].as_str().unwrap();
    // Not from outside the trash.
    let refused = martin.run(&["docs", "purge", id]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("document.not_in_trash"),
        "{}",
        refused.stderr
    );
    martin.run(&["docs", "trash", "/Test/cours.bin"]).ok();
    martin.run(&["docs", "purge", id]).ok();
    martin.run(&["sync"]).ok();
    let started = std::time::Instant::now();
    loop {
        martin.run(&["docs", "transfers", "--retry"]).ok();
        martin.run(&["sync"]).ok();
        let list = docs(&martin, "/Test");
        let up = list
            .iter()
            .find(|d| d["path"] == "/Test/suite.bin")
            .is_some_and(|d| d["pendingUpload"] == false);
        if up {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the space never came back: {list:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    assert!(!docs(&martin, "/Test").iter().any(|d| d["id"] == id));
}

/// Every file under `root`, relative, "/"-separated, with its content.
fn tree(root: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let name = e.file_name().into_string().unwrap();
            let rel = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            if e.file_type().unwrap().is_dir() {
                walk(&e.path(), &rel, out);
            } else {
                out.push((rel, std::fs::read(e.path()).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, "", &mut out);
    out.sort();
    out
}

fn mirror_once(c: &Client, root: &Path) -> Value {
    // `mirror`, the command's first name, still works (scripts written for it).
    c.run(&[
        "mirror",
        "--dir",
        root.to_str().unwrap(),
        "--once",
        "--json",
    ])
    .ok()
    .json()
}

fn live(list: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = list
        .iter()
        .filter(|d| d["trashedAt"].is_null())
        .map(|d| d["path"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn the_mirrored_folder_follows_both_sides() {
    let dir = tmp();
    let mut server = Server::demo(dir.path());
    let url = server.url();
    let desk = login(dir.path(), "bureau", &url, "martin");
    let laptop = login(dir.path(), "portable", &url, "martin");
    let root: PathBuf = dir.path().join("Documents ENT");
    let fiche1 = "Cours/Histoire-géographie/Fiche d'exercices n°1.txt";
    let projet = "Équipe pédagogique/Projet interdisciplinaire.md";

    // First pass: everything readable comes down.
    let r = mirror_once(&desk, &root);
    assert_eq!(r["written"], 4, "{r}");
    assert!(tree(&root).iter().any(|(p, _)| p == fiche1));

    // Create, then modify: a new document, then a second version of it.
    std::fs::create_dir_all(root.join("Test")).unwrap();
    std::fs::write(root.join("Test/notes.txt"), "première version\n").unwrap();
    assert_eq!(mirror_once(&desk, &root)["created"], 1);
    std::fs::write(
        root.join("Test/notes.txt"),
        "deuxième version, plus longue\n",
    )
    .unwrap();
    assert_eq!(mirror_once(&desk, &root)["newVersions"], 1);
    laptop.run(&["sync"]).ok();
    let list = docs(&laptop, "/Test");
    let notes = doc_at(&list, "/Test/notes.txt").clone();
    assert_eq!(notes["versions"].as_array().unwrap().len(), 2);

    // Rename, then move: the same document, not a new one.
    std::fs::rename(
        root.join("Test/notes.txt"),
        root.join("Test/notes de cours.txt"),
    )
    .unwrap();
    assert_eq!(mirror_once(&desk, &root)["renamedRemote"], 1);
    std::fs::create_dir_all(root.join("Archives")).unwrap();
    std::fs::rename(
        root.join("Test/notes de cours.txt"),
        root.join("Archives/notes de cours.txt"),
    )
    .unwrap();
    assert_eq!(mirror_once(&desk, &root)["renamedRemote"], 1);
    laptop.run(&["sync"]).ok();
    let moved = doc_at(&docs(&laptop, "/"), "/Archives/notes de cours.txt").clone();
    assert_eq!(moved["id"], notes["id"]);
    assert_eq!(moved["versions"].as_array().unwrap().len(), 2);

    // An editor's save: lock file, temporary file renamed over the original, backup
    // file removed. One new version, no stray document.
    let before = live(&docs(&laptop, "/")).len();
    std::fs::write(
        root.join("Cours/Histoire-géographie/.~lock.Fiche d'exercices n°1.txt#"),
        "lock",
    )
    .unwrap();
    std::fs::write(
        root.join("Cours/Histoire-géographie/Fiche d'exercices n°1.txt~"),
        "sauvegarde",
    )
    .unwrap();
    std::fs::write(
        root.join("Cours/Histoire-géographie/.goutputstream-X1Y2Z3"),
        "Exercice 1 corrigé\n",
    )
    .unwrap();
    std::fs::rename(
        root.join("Cours/Histoire-géographie/.goutputstream-X1Y2Z3"),
        root.join(fiche1),
    )
    .unwrap();
    std::fs::remove_file(root.join("Cours/Histoire-géographie/Fiche d'exercices n°1.txt~"))
        .unwrap();
    let r = mirror_once(&desk, &root);
    // The editor closes: its lock file goes.
    std::fs::remove_file(root.join("Cours/Histoire-géographie/.~lock.Fiche d'exercices n°1.txt#"))
        .unwrap();
    assert_eq!(
        (r["newVersions"].as_u64(), r["created"].as_u64()),
        (Some(1), Some(0)),
        "{r}"
    );
    laptop.run(&["sync"]).ok();
    let list = docs(&laptop, "/");
    assert_eq!(live(&list).len(), before);
    assert_eq!(
        doc_at(&list, &format!("/{fiche1}"))["versions"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Delete: into the ENT's trash, recoverable.
    std::fs::remove_file(root.join("Archives/notes de cours.txt")).unwrap();
    assert_eq!(mirror_once(&desk, &root)["trashed"], 1);
    laptop.run(&["sync"]).ok();
    let trashed = docs(&laptop, "/Archives");
    assert!(!trashed[0]["trashedAt"].is_null(), "{trashed:#?}");

    // Changes on the other side come down: a new version and a rename.
    let v2 = dir.path().join("progression.md");
    std::fs::write(&v2, "# Progression revue\n").unwrap();
    laptop
        .run(&[
            "docs",
            "put",
            v2.to_str().unwrap(),
            "--folder",
            "/Cours/Histoire-géographie",
            "--name",
            "Progression Histoire-géographie.md",
        ])
        .ok();
    let r = mirror_once(&desk, &root);
    assert_eq!(r["written"], 1, "{r}");
    assert_eq!(
        std::fs::read_to_string(
            root.join("Cours/Histoire-géographie/Progression Histoire-géographie.md")
        )
        .unwrap(),
        "# Progression revue\n"
    );

    // Changed on both sides: both kept, nothing overwritten.
    let theirs = dir.path().join("projet-portable.md");
    std::fs::write(&theirs, "version du portable\n").unwrap();
    laptop
        .run(&[
            "docs",
            "put",
            theirs.to_str().unwrap(),
            "--folder",
            "/Équipe pédagogique",
            "--name",
            "Projet interdisciplinaire.md",
        ])
        .ok();
    std::fs::write(root.join(projet), "version du bureau\n").unwrap();
    let r = mirror_once(&desk, &root);
    assert_eq!(r["conflicts"], 1, "{r}");
    let files = tree(&root);
    let team: Vec<_> = files
        .iter()
        .filter(|(p, _)| p.starts_with("Équipe pédagogique/"))
        .collect();
    assert_eq!(team.len(), 2, "{team:?}");
    assert!(team
        .iter()
        .any(|(p, c)| p == projet && c == b"version du portable\n"));
    assert!(team.iter().any(
        |(p, c)| p.contains("(copie de conflit — Mme Claire Martin, ")
            && c == b"version du bureau\n"
    ));
    laptop.run(&["sync"]).ok();
    assert_eq!(live(&docs(&laptop, "/Équipe pédagogique")).len(), 2);

    // Offline (server down): changes wait, then go up on reconnect.
    server.stop();
    std::fs::write(root.join("Test/hors-ligne.txt"), "écrit pendant la panne\n").unwrap();
    std::fs::write(root.join(fiche1), "Exercice 1 corrigé, version 3\n").unwrap();
    std::fs::remove_file(root.join("Cours/Histoire-géographie/Fiche d'exercices n°2.txt")).unwrap();
    let r = mirror_once(&desk, &root);
    assert_eq!(
        (
            r["created"].as_u64(),
            r["newVersions"].as_u64(),
            r["trashed"].as_u64()
        ),
        (Some(1), Some(1), Some(1)),
        "{r}"
    );
    server.start();
    // The app was closed meanwhile: the next start reconciles.
    mirror_once(&desk, &root);
    laptop.run(&["sync"]).ok();
    let list = docs(&laptop, "/");
    assert!(live(&list).contains(&"/Test/hors-ligne.txt".to_string()));
    assert_eq!(
        doc_at(&list, &format!("/{fiche1}"))["versions"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert!(!live(&list).iter().any(|p| p.ends_with("n°2.txt")));
    assert_eq!(desk.status()["pending"], 0);

    // Every live document is a file here with the same content, and nothing else is.
    let files: Vec<String> = tree(&root)
        .into_iter()
        .map(|(p, _)| format!("/{p}"))
        .collect();
    assert_eq!(files, live(&list));
}

#[test]
fn the_mirror_watches_the_folder_until_sigterm() {
    let dir = tmp();
    let server = Server::demo(dir.path());
    let desk = login(dir.path(), "bureau", &server.url(), "martin");
    let laptop = login(dir.path(), "portable", &server.url(), "martin");
    let root = dir.path().join("miroir");
    let mut child = std::process::Command::new(ardoise_testkit::bin("ardoise"))
        .args([
            "--profile",
            desk.profile.to_str().unwrap(),
            "sync-folder",
            "--dir",
            root.to_str().unwrap(),
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !root
        .join("Équipe pédagogique/Projet interdisciplinaire.md")
        .exists()
    {
        assert!(
            Instant::now() < deadline,
            "first pass did not write the files"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::fs::write(
        root.join("nouveau.txt"),
        "ajouté pendant que le miroir tourne\n",
    )
    .unwrap();
    let t = Instant::now();
    loop {
        laptop.run(&["sync"]).ok();
        if live(&docs(&laptop, "/")).contains(&"/nouveau.txt".to_string()) {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "the new file never went up"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let _ = writeln!(
        std::io::stderr(),
        "mirror_watch: new_file_on_server_ms={}",
        t.elapsed().as_millis()
    );
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
}

#[test]
fn a_published_seance_brings_its_attachments_to_the_class_even_offline() {
    let dir = tmp();
    let mut server = Server::demo(dir.path());
    let martin = login(dir.path(), "martin", &server.url(), "martin");
    let eleve = login(dir.path(), "eleve", &server.url(), "eleve");
    let fiche = doc_at(
        &docs(&martin, "/Cours"),
        "/Cours/Histoire-géographie/Fiche d'exercices n°1.txt",
    )
    .clone();
    let hash = fiche["hash"].as_str().unwrap().to_string();
    let http = Http::login(&server.url(), "eleve");
    assert_eq!(
        http.get(&format!("/v1/blobs/{hash}")).0,
        404,
        "not the pupil's before"
    );

    let lessons = martin
        .run(&[
            "timetable",
            "--audience",
            "2nde 1",
            "--date",
            "2026-12-01",
            "--json",
        ])
        .ok()
        .json();
    let lesson = lessons
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["teacher"] == "Mme Claire Martin")
        .expect("Martin teaches 2nde 1 on 1 December")
        .clone();
    let input = serde_json::json!({"occurrence": lesson["id"], "title": "Exercices sur la carte",
        "state": "published", "attachments": [fiche["id"]]});
    let saved = martin
        .run_with(&["session", "save"], &input.to_string())
        .ok()
        .json();
    assert_eq!(saved["attachments"], serde_json::json!([fiche["id"]]));
    martin.run(&["sync"]).ok();

    // The class may read it now; the pupil's sync brings it into the cache by itself.
    let (_, received) = sync_bytes(&eleve);
    assert_eq!(
        received,
        fiche["size"].as_u64().unwrap(),
        "the attachment came down"
    );
    let entries = eleve.list("session", "2nde 1", "2026-12-01", "2026-12-01");
    let entry = entries
        .iter()
        .find(|e| e["title"] == "Exercices sur la carte")
        .unwrap();
    assert_eq!(entry["attachments"], serde_json::json!([fiche["id"]]));
    server.stop();
    let out = dir.path().join("fiche.txt");
    let got = eleve
        .run(&[
            "docs",
            "get",
            "/Cours/Histoire-géographie/Fiche d'exercices n°1.txt",
            "--out",
            out.to_str().unwrap(),
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(got["fromCache"], true, "it opens offline");
    assert_eq!(hash_of(&out), hash);

    // Only one's own documents are attached.
    server.start();
    let leroy = login(dir.path(), "leroy", &server.url(), "leroy");
    let projet = doc_at(
        &docs(&leroy, "/"),
        "/Équipe pédagogique/Projet interdisciplinaire.md",
    )
    .clone();
    let week = leroy.teacher_days("leroy", "2026-12-01", 1);
    let lesson = &week[0];
    let refused = leroy.run_with(
        &["session", "save"],
        &serde_json::json!({"occurrence": lesson["id"], "title": "x", "attachments": [projet["id"]]}).to_string(),
    );
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("logbook.attachment_not_yours"),
        "{}",
        refused.stderr
    );
}
