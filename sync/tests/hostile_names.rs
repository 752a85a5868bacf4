//! A server that sends hostile document names (`../x`, `/etc/passwd`, `CON`, 300-char
//! names, names differing only by case…) cannot make folder sync write anywhere but inside
//! its root, and each document still gets a file of its own.

use std::path::Path;

use ardoise_protocol::{EntityKind, Record, SnapshotResponse};
use ardoise_sync::docs::Cache;
use ardoise_sync::{folder_sync, Replica};
use serde_json::json;

fn document(id: &str, folder: &str, name: &str, hash: &str, size: u64) -> Record {
    Record {
        kind: EntityKind::Document,
        id: id.into(),
        version: 1,
        change_seq: 1,
        deleted: false,
        data: json!({"folder": folder, "name": name, "mediaType": "text/plain", "size": size,
            "ownerId": "usr-moi", "hash": hash, "versions": [], "shares": []})
        .as_object()
        .cloned(),
    }
}

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let meta = std::fs::symlink_metadata(e.path()).unwrap();
        if meta.is_dir() {
            out.extend(files_under(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[test]
fn hostile_names_from_the_server_stay_inside_the_mirror_root() {
    let sandbox = tempfile::tempdir().unwrap();
    let root = sandbox.path().join("miroir");
    let cache = Cache::new(sandbox.path().join("cache"));
    let src = sandbox.path().join("contenu.txt");
    std::fs::write(&src, "contenu").unwrap();
    let (hash, size) = cache.import(&src).unwrap();
    std::fs::remove_file(&src).unwrap();

    let hostile: Vec<(&str, String)> = vec![
        ("/", "../x".into()),
        ("/", "../../../../tmp/evil".into()),
        ("/", "/etc/passwd".into()),
        ("/", "..".into()),
        ("/", ".".into()),
        ("/", "".into()),
        ("/", "CON".into()),
        ("/", "nul.txt".into()),
        ("/", "COM1".into()),
        ("/", "a\\..\\b".into()),
        ("/", "C:\\Windows\\system.ini".into()),
        ("/", "fin avec point.".into()),
        ("/", "x".repeat(300)),
        ("/", format!("{}.pdf", "é".repeat(150))),
        ("/", "Fiche.pdf".into()),
        ("/", "fiche.pdf".into()),
        ("/", "FICHE.PDF".into()),
        ("/../..", "remonte.txt".into()),
        ("/a/../../..", "remonte2.txt".into()),
        ("../etc", "passwd".into()),
        ("/./.", "point.txt".into()),
        ("/dossier:étrange?", "f.txt".into()),
        ("/", ".bashrc".into()),
        ("/", "~$verrou.docx".into()),
        ("/", "tab\tet\nretour".into()),
    ];
    let records: Vec<Record> = hostile
        .iter()
        .enumerate()
        .map(|(i, (folder, name))| document(&format!("doc-{i}"), folder, name, &hash, size))
        .collect();
    let mut replica = Replica::open(&sandbox.path().join("replica.sqlite3")).unwrap();
    replica
        .set_state(ardoise_sync::replica::keys::USER_ID, "usr-moi")
        .unwrap();
    replica
        .apply_snapshot(SnapshotResponse { seq: 1, records })
        .unwrap();

    let report = folder_sync::reconcile(&mut replica, &cache, &root).unwrap();
    assert_eq!(report.written, hostile.len(), "{report:?}");

    // Nothing outside the root: the sandbox holds the root, the cache and the replica (with
    // its key when no keyring is around) only.
    let mut top: Vec<String> = std::fs::read_dir(sandbox.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().into_string().unwrap())
        .filter(|n| !n.starts_with("replica.") && n != "vault-id")
        .collect();
    top.sort();
    assert_eq!(top, ["cache", "miroir"]);
    let real_root = root.canonicalize().unwrap();
    let files = files_under(&root);
    assert_eq!(
        files.len(),
        hostile.len(),
        "one file per document: {files:#?}"
    );
    let mut lower = std::collections::HashSet::new();
    for f in &files {
        assert!(f.canonicalize().unwrap().starts_with(&real_root), "{f:?}");
        let rel = f
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .to_lowercase();
        assert!(
            lower.insert(rel.clone()),
            "two files differ only by case: {rel}"
        );
        for part in f.strip_prefix(&root).unwrap().components() {
            let part = part.as_os_str().to_str().unwrap();
            assert!(part.len() <= 255, "{part}");
            assert!(!part.contains(['\\', ':', '\0', '\n', '\t']), "{part:?}");
            assert!(
                !folder_sync::is_ignored(part),
                "{part:?} would be taken for a temp file"
            );
            let base = part.split('.').next().unwrap().to_ascii_uppercase();
            assert!(!["CON", "NUL", "COM1"].contains(&base.as_str()), "{part}");
        }
        assert_eq!(std::fs::read(f).unwrap(), b"contenu");
    }
    // A second pass changes nothing and queues nothing: every file is recognised.
    let again = folder_sync::reconcile(&mut replica, &cache, &root).unwrap();
    assert!(!again.changed_anything(), "{again:?}");
    assert_eq!(replica.pending_count().unwrap(), 0);
}

#[test]
fn a_nul_in_a_name_or_a_bad_hash_is_refused_and_changes_nothing() {
    let sandbox = tempfile::tempdir().unwrap();
    let path = sandbox.path().join("replica.sqlite3");
    let mut replica = Replica::open(&path).unwrap();
    replica
        .set_state(ardoise_sync::replica::keys::USER_ID, "usr-moi")
        .unwrap();
    let good = "ab".repeat(32);
    for bad in [
        document("doc-nul", "/", "a\0b", &good, 1),
        document("doc-hash", "/", "x.txt", "../../etc/passwd", 1),
    ] {
        let before = std::fs::read(&path).unwrap();
        let err = replica
            .apply_snapshot(SnapshotResponse {
                seq: 1,
                records: vec![bad],
            })
            .unwrap_err();
        assert_eq!(err.code(), "protocol.invalid_data", "{err}");
        assert_eq!(replica.cursor().unwrap(), 0);
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }
}
