//! Opening the replica: pragmas in one place, and numbered migrations embedded in the binary.

use std::path::Path;

use ardoise_protocol::ErrorCode;
use rusqlite::Connection;

use crate::{Result, SyncError};

/// Migrations, in order. Never edit one that shipped: add the next.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_replica.sql"),
    include_str!("../migrations/0002_documents.sql"),
    include_str!("../migrations/0003_attached_index.sql"),
    include_str!("../migrations/0004_homework_kinds.sql"),
    include_str!("../migrations/0005_co_teaching.sql"),
    include_str!("../migrations/0006_school_workload_limits.sql"),
    include_str!("../migrations/0007_charter_and_news.sql"),
    include_str!("../migrations/0008_journal_support_progressions.sql"),
];

/// Schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Opens (creating if missing) a replica file encrypted with `key` (64 hex digits, a raw
/// SQLCipher key: no key derivation on each open) and brings its schema up to date. A
/// replica written before encryption existed is encrypted in place first.
///
/// - `journal_mode=WAL`: readers (the UI) never wait for the sync writer;
/// - `synchronous=NORMAL`: in WAL mode a crash of the process loses nothing committed, and
///   a power cut at most the last transactions, never consistency;
/// - `foreign_keys=ON`, `busy_timeout=5s`: two processes on one profile wait, not fail.
pub fn open_connection(path: &Path, key: &str) -> Result<Connection> {
    if key.len() != 64 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(SyncError::refused(
            ErrorCode::ReplicaBadKey,
            "La clé de la base locale est illisible.",
        ));
    }
    let mut conn = keyed(path, key)?;
    if !readable(&conn) {
        drop(conn);
        encrypt_plain_file(path, key)?;
        conn = keyed(path, key)?;
        if !readable(&conn) {
            return Err(SyncError::refused(
                ErrorCode::ReplicaWrongKey,
                "La base locale ne s'ouvre pas avec la clé de ce profil (clé perdue ou \
                 trousseau changé) : reconnectez-vous pour la recréer depuis l'ENT.",
            ));
        }
    }
    conn.pragma_update(None, "journal_mode", "WAL")?;
    configure(&mut conn)?;
    Ok(conn)
}

fn keyed(path: &Path, key: &str) -> Result<Connection> {
    let conn = Connection::open(path)?;
    // A wrong key is an answer here, not something to print on stderr.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    // Checked above: only hex digits go into the statement.
    conn.execute_batch(&format!("PRAGMA key = \"x'{key}'\";"))?;
    Ok(conn)
}

fn readable(conn: &Connection) -> bool {
    conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .is_ok()
}

/// Encrypts a replica left in clear by an older Ardoise (same path, same content), if that
/// is what the file is; does nothing to anything else.
fn encrypt_plain_file(path: &Path, key: &str) -> Result<()> {
    let plain = Connection::open(path)?;
    if !readable(&plain) {
        return Ok(());
    }
    let version: i64 = plain.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let tmp = path.with_extension("encrypting");
    let _ = std::fs::remove_file(&tmp);
    plain.execute(
        &format!("ATTACH DATABASE ?1 AS encrypted KEY \"x'{key}'\""),
        [tmp.to_string_lossy()],
    )?;
    plain.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
    plain.pragma_update(Some("encrypted"), "user_version", version)?;
    plain.execute("DETACH DATABASE encrypted", [])?;
    drop(plain);
    for side in ["-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(side);
        let _ = std::fs::remove_file(p);
    }
    std::fs::rename(&tmp, path)?;
    tracing::info!(path = %path.display(), "replica encrypted");
    Ok(())
}

/// An in-memory replica, for tests.
pub fn open_in_memory() -> Result<Connection> {
    let mut conn = Connection::open_in_memory()?;
    configure(&mut conn)?;
    Ok(conn)
}

fn configure(conn: &mut Connection) -> Result<()> {
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // Pages are decrypted when read: keep up to 16 MiB of them (the default is 2 MiB), so
    // the views of a large school read memory, not the cipher, once warm.
    conn.pragma_update(None, "cache_size", -16_000)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    migrate(conn)
}

/// Applies the migrations the file lacks, each in a transaction that bumps `user_version`.
fn migrate(conn: &mut Connection) -> Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(conn: &Connection, key: &str) -> String {
        conn.query_row("SELECT value FROM sync_state WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .unwrap()
    }

    const KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    #[test]
    fn migrations_bring_a_new_file_to_the_current_version_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.sqlite3");
        let conn = open_connection(&path, KEY).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        drop(conn);
        // Reopening applies nothing twice.
        let conn = open_connection(&path, KEY).unwrap();
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn the_file_is_encrypted_and_opens_only_with_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.sqlite3");
        let conn = open_connection(&path, KEY).unwrap();
        conn.execute(
            "INSERT INTO sync_state (key, value) VALUES ('secret', 'Les fractions')",
            [],
        )
        .unwrap();
        drop(conn);
        let bytes = std::fs::read(&path).unwrap();
        assert!(!bytes.starts_with(b"SQLite format 3"));
        assert!(!bytes.windows(13).any(|w| w == b"Les fractions"));
        // Without the key, or with another: not a database.
        assert!(!readable(&Connection::open(&path).unwrap()));
        let other = KEY.replace('0', "1");
        assert!(matches!(
            open_connection(&path, &other),
            Err(SyncError::Refused { code, .. }) if code == ErrorCode::ReplicaWrongKey
        ));
        // The right key opens it, data intact.
        let conn = open_connection(&path, KEY).unwrap();
        assert_eq!(state(&conn, "secret"), "Les fractions");
        assert!(open_connection(&path, "not hex").is_err());
    }

    #[test]
    fn a_replica_left_in_clear_is_encrypted_in_place_with_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.sqlite3");
        {
            let mut conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "journal_mode", "WAL").unwrap();
            migrate(&mut conn).unwrap();
            conn.execute(
                "INSERT INTO sync_state (key, value) VALUES ('cursor', '42')",
                [],
            )
            .unwrap();
        }
        let conn = open_connection(&path, KEY).unwrap();
        assert_eq!(state(&conn, "cursor"), "42");
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        drop(conn);
        assert!(!std::fs::read(&path)
            .unwrap()
            .starts_with(b"SQLite format 3"));
    }

    /// The replicas every released version left: schema and data, frozen in
    /// `tests/schemas/` (never regenerated; a new schema version adds its file).
    const FROZEN: &[(i64, &str)] = &[
        (1, include_str!("../tests/schemas/replica_v1.sql")),
        (2, include_str!("../tests/schemas/replica_v2.sql")),
        (3, include_str!("../tests/schemas/replica_v3.sql")),
        (4, include_str!("../tests/schemas/replica_v4.sql")),
        (5, include_str!("../tests/schemas/replica_v5.sql")),
        (6, include_str!("../tests/schemas/replica_v6.sql")),
        (7, include_str!("../tests/schemas/replica_v7.sql")),
    ];

    fn schema_of(conn: &Connection) -> Vec<(String, String)> {
        let mut stmt = conn
            .prepare(
                "SELECT name, sql FROM sqlite_master
                  WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )
            .unwrap();
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get::<_, String>(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            // The same DDL, however indented.
            .map(|(name, sql)| (name, sql.split_whitespace().collect::<Vec<_>>().join(" ")))
            .collect();
        rows
    }

    fn one<T: rusqlite::types::FromSql>(conn: &Connection, sql: &str) -> T {
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn every_released_replica_upgrades_to_the_current_schema_with_its_data() {
        assert_eq!(
            FROZEN.last().unwrap().0 + 1,
            SCHEMA_VERSION,
            "freeze the schema version that shipped before adding a migration"
        );
        let dir = tempfile::tempdir().unwrap();
        let fresh = open_connection(&dir.path().join("fresh.sqlite3"), KEY).unwrap();
        for (version, dump) in FROZEN {
            let path = dir.path().join(format!("v{version}.sqlite3"));
            Connection::open(&path)
                .unwrap()
                .execute_batch(dump)
                .unwrap();
            let conn = open_connection(&path, KEY).unwrap();
            let at: i64 = conn
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .unwrap();
            assert_eq!(at, SCHEMA_VERSION, "v{version}");
            assert_eq!(schema_of(&conn), schema_of(&fresh), "v{version}: schema");
            // What the user had is still there.
            assert_eq!(state(&conn, "cursor"), "42", "v{version}");
            // A replica synced before progressions takes them from a snapshot once.
            assert_eq!(state(&conn, "catch_up"), "progression", "v{version}");
            let co_teachers: String = one(
                &conn,
                "SELECT co_teacher_ids FROM course_occurrences WHERE id = 'occ-1'",
            );
            assert_eq!(
                co_teachers, "[]",
                "v{version}: no co-teacher before co-teaching"
            );
            let title: String = one(&conn, "SELECT title FROM sessions WHERE id = 'ses-1'");
            assert_eq!(title, "Les Lumières", "v{version}");
            let pending: i64 = one(&conn, "SELECT count(*) FROM outbox WHERE state = 'pending'");
            assert_eq!(pending, 2, "v{version}");
            let attachments: String =
                one(&conn, "SELECT attachments FROM homework WHERE id = 'hw-1'");
            let expected = if *version >= 2 { r#"["doc-1"]"# } else { "[]" };
            assert_eq!(attachments, expected, "v{version}");
            // Homework kinds carry the protocol's names everywhere they are kept.
            let kinds: Vec<String> = conn
                .prepare("SELECT kind FROM homework ORDER BY id")
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(|r| r.unwrap())
                .collect();
            assert_eq!(
                kinds,
                [
                    "exercise",
                    "reading",
                    "test",
                    "presentation",
                    "other",
                    "exercise",
                    "reading",
                    "test",
                    "other"
                ],
                "v{version}"
            );
            let mirrored: String = one(
                &conn,
                "SELECT json_extract(data, '$.kind') FROM mirror WHERE id = 'hw-1'",
            );
            assert_eq!(mirrored, "reading", "v{version}");
            let untouched: String = one(
                &conn,
                "SELECT json_extract(data, '$.kind') FROM mirror WHERE id = 'ses-1'",
            );
            assert_eq!(
                untouched, "lecture",
                "v{version}: a séance's field is not a kind"
            );
            let edit: String = one(&conn, "SELECT fields FROM outbox WHERE record_id = 'hw-1'");
            let edit: serde_json::Value = serde_json::from_str(&edit).unwrap();
            assert_eq!(
                edit["kind"],
                serde_json::json!({"base": "reading", "new": "test"})
            );
            assert_eq!(edit["estimatedMinutes"]["new"], 45);
            let created: String = one(
                &conn,
                "SELECT json_extract(fields, '$.kind') FROM outbox WHERE record_id = 'hw-9'",
            );
            assert_eq!(created, r#"{"base":null,"new":"exercise"}"#, "v{version}");
            let conflict: String = one(
                &conn,
                "SELECT json_extract(fields, '$.kind') FROM conflicts",
            );
            assert_eq!(
                conflict, r#"{"base":"test","mine":"presentation","theirs":"reading"}"#,
                "v{version}"
            );
            if *version >= 2 {
                let queued: i64 = one(&conn, "SELECT done_bytes FROM transfers");
                assert_eq!(queued, 1024, "v{version}: the upload resumes where it was");
                let folder: String = one(&conn, "SELECT remote_path FROM mirror_files");
                assert_eq!(folder, "/Cours/Lumières.pdf", "v{version}");
            }
        }
    }
}
