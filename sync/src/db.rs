//! Opening the replica: pragmas in one place, and numbered migrations embedded in the binary.

use std::path::Path;

use rusqlite::Connection;

use crate::Result;

/// Migrations, in order. Never edit one that shipped: add the next.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_replica.sql"),
    include_str!("../migrations/0002_documents.sql"),
];

/// Schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Opens (creating if missing) a replica file and brings its schema up to date.
///
/// - `journal_mode=WAL`: readers (the UI) never wait for the sync writer;
/// - `synchronous=NORMAL`: in WAL mode a crash of the process loses nothing committed, and
///   a power cut at most the last transactions, never consistency;
/// - `foreign_keys=ON`, `busy_timeout=5s`: two processes on one profile wait, not fail.
pub fn open_connection(path: &Path) -> Result<Connection> {
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    configure(&mut conn)?;
    Ok(conn)
}

/// An in-memory replica, for tests.
pub fn open_in_memory() -> Result<Connection> {
    let mut conn = Connection::open_in_memory()?;
    configure(&mut conn)?;
    Ok(conn)
}

fn configure(conn: &mut Connection) -> Result<()> {
    conn.pragma_update(None, "synchronous", "NORMAL")?;
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

    #[test]
    fn migrations_bring_a_new_file_to_the_current_version_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.sqlite3");
        let conn = open_connection(&path).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        drop(conn);
        // Reopening applies nothing twice.
        let conn = open_connection(&path).unwrap();
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }
}
