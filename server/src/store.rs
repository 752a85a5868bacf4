//! Storage of the reference ENT, behind the [`Store`] trait so that another backend (a
//! PostgreSQL store) can follow without touching the sync rules.
//!
//! The rules (`crate::push`, `crate::pull`) run inside a transaction handed out by the store:
//! [`ReadTx`] for reads, [`WriteTx`] for writes. Every write that changes a record takes the
//! next `change_seq` inside its own transaction, so the change feed is gap-free and ordered by
//! commit.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use ardoise_protocol::{Data, EntityKind, OpResult};
use rusqlite::{params, Connection, OptionalExtension};
use uuid::Uuid;

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite said no.
    #[error("base de données du serveur : {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Stored JSON that does not parse (the store was edited by hand?).
    #[error("donnée stockée illisible : {0}")]
    Corrupt(String),
}

/// Result of store calls.
pub type Result<T> = std::result::Result<T, StoreError>;

/// A record as stored: the last data is kept on tombstones, so that who may read the deletion
/// can still be decided.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    /// Kind.
    pub kind: EntityKind,
    /// Id.
    pub id: String,
    /// Version, from 1.
    pub version: i64,
    /// Sequence number of its last change.
    pub change_seq: i64,
    /// Deleted.
    pub deleted: bool,
    /// A séance or homework that was published at least once: readers who saw it must be
    /// told when it is withdrawn.
    pub ever_public: bool,
    /// The data.
    pub data: Data,
}

/// A login and its password hash.
#[derive(Debug, Clone)]
pub struct Account {
    /// Id of the user record.
    pub user_id: String,
    /// Login.
    pub login: String,
    /// Argon2id PHC string.
    pub password_hash: String,
}

/// Reads, in one consistent view.
pub trait ReadTx {
    /// One record, tombstones included.
    fn get_record(&self, kind: EntityKind, id: &str) -> Result<Option<StoredRecord>>;
    /// Records changed after `since`, in order, at most `limit`.
    fn changes_since(&self, since: i64, limit: usize) -> Result<Vec<StoredRecord>>;
    /// Every live record of one kind.
    fn live_of_kind(&self, kind: EntityKind) -> Result<Vec<StoredRecord>>;
    /// Every live record in snapshot order ([`ardoise_protocol::snapshot_order`]), one at a
    /// time, until `f` answers false.
    fn each_live_in_order(&self, f: &mut dyn FnMut(StoredRecord) -> bool) -> Result<()>;
    /// How many live records there are (of every kind, readable or not).
    fn live_count(&self) -> Result<u64>;
    /// The last `change_seq` given out.
    fn head_seq(&self) -> Result<i64>;
    /// The stored answer to an op of `user_id`, if it was applied already (op ids are
    /// scoped to their author: another user's op with the same id is another op).
    fn op_result(&self, user_id: &str, op_id: Uuid) -> Result<Option<OpResult>>;
    /// An account by login.
    fn account_by_login(&self, login: &str) -> Result<Option<Account>>;
    /// A token, by its hash and kind.
    fn token(&self, hash: &str, kind: &str) -> Result<Option<TokenRow>>;
    /// Failed logins counted under a throttle key: (count, unix seconds of the last).
    fn throttle(&self, key: &str) -> Result<(i64, i64)>;
    /// Whether a device token (its hash) is known for this user.
    fn device_known(&self, user_id: &str, device_hash: &str) -> Result<bool>;
    /// Size of a stored blob, if the server has it.
    fn blob_size(&self, hash: &str) -> Result<Option<u64>>;
    /// Whether `user_id` uploaded this blob (and so may read it back).
    fn blob_granted(&self, hash: &str, user_id: &str) -> Result<bool>;
    /// Live documents having a version with this content.
    fn documents_with_blob(&self, hash: &str) -> Result<Vec<StoredRecord>>;
    /// The size announced for an open upload of `user_id`.
    fn upload_size(&self, user_id: &str, hash: &str) -> Result<Option<u64>>;
    /// Bytes counted against the quota of `user_id`: the versions they wrote in live
    /// documents (trash included, whoever owns the document), their open uploads, and the
    /// blobs they uploaded that no live document holds yet (until collected).
    fn storage_used(&self, user_id: &str) -> Result<u64>;
}

/// An issued token, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    /// Whose.
    pub user_id: String,
    /// Unix seconds.
    pub expires_at: i64,
    /// The login session it belongs to (a login, and every refresh after it).
    pub session_id: String,
}

/// What a maintenance pass removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Collected {
    /// Expired tokens.
    pub tokens: u64,
    /// Throttle counters with no failure for a day.
    pub throttles: u64,
    /// Device tokens not seen for a year.
    pub devices: u64,
    /// Uploads left unfinished past their grace period: (user, hash), their files to remove.
    pub uploads: Vec<(String, String)>,
    /// Blobs no live document holds, past their grace period: their files to remove.
    pub blobs: Vec<String>,
}

/// Writes; dropped without [`WriteTx::commit`], everything is rolled back.
pub trait WriteTx: ReadTx {
    /// Writes a record with the next `change_seq`, which it returns.
    fn put_record(&mut self, rec: &StoredRecord) -> Result<i64>;
    /// Stores the answer to an op, in the same transaction as its effect.
    fn put_op_result(&mut self, user_id: &str, result: &OpResult) -> Result<()>;
    /// Creates or replaces an account.
    fn put_account(&mut self, account: &Account) -> Result<()>;
    /// Stores a token hash.
    fn put_token(&mut self, hash: &str, kind: &str, row: &TokenRow) -> Result<()>;
    /// Removes a token.
    fn delete_token(&mut self, hash: &str) -> Result<()>;
    /// Removes every token of a login session.
    fn delete_session(&mut self, session_id: &str) -> Result<()>;
    /// Counts a failed login under a throttle key (or clears it with `failed = false`).
    fn note_throttle(&mut self, key: &str, failed: bool, now: i64) -> Result<()>;
    /// Remembers a device token (its hash) of a user, seen now.
    fn put_device(&mut self, user_id: &str, device_hash: &str, now: i64) -> Result<()>;
    /// Records a blob as stored and readable by its uploader (if any).
    fn put_blob(&mut self, hash: &str, size: u64, uploader: Option<&str>, now: i64) -> Result<()>;
    /// Removes what has expired at `now`: tokens, old throttle counters, devices not seen
    /// for a year, uploads not written to since `stale_before`, and the blobs no live document holds — those of deleted
    /// documents at once, those no document ever held when stored before `stale_before`
    /// (their rows; the caller removes their files).
    fn collect(&mut self, now: i64, stale_before: i64) -> Result<Collected>;
    /// Opens an upload, or notes that it moved (an open upload keeps its size).
    fn put_upload(&mut self, user_id: &str, hash: &str, size: u64, now: i64) -> Result<()>;
    /// Closes an upload.
    fn delete_upload(&mut self, user_id: &str, hash: &str) -> Result<()>;
    /// Commits.
    fn commit(self: Box<Self>) -> Result<()>;
}

/// A storage backend.
pub trait Store: Send + Sync + 'static {
    /// Starts a read transaction.
    fn read(&self) -> Result<Box<dyn ReadTx + '_>>;
    /// Starts a write transaction (one writer at a time).
    fn write(&self) -> Result<Box<dyn WriteTx + '_>>;
    /// Starts a read transaction that may stay open a long time (a snapshot streamed to a
    /// slow client) without holding up other readers.
    fn read_long(&self) -> Result<Box<dyn ReadTx + '_>> {
        self.read()
    }
}

/// The SQLite store: one writer connection, one reader connection, WAL.
pub struct SqliteStore {
    path: std::path::PathBuf,
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
}

const SCHEMA: &str = r#"
-- Every record of the school, one row per (kind, id), holding its latest version.
CREATE TABLE IF NOT EXISTS records (
    kind        TEXT NOT NULL,     -- EntityKind wire name
    id          TEXT NOT NULL,     -- record id
    version     INTEGER NOT NULL,  -- bumped on each change, from 1
    change_seq  INTEGER NOT NULL UNIQUE, -- global sequence of its last change
    deleted     INTEGER NOT NULL DEFAULT 0,  -- tombstone
    ever_public INTEGER NOT NULL DEFAULT 0,  -- was published once (readers must see its removal)
    data        TEXT NOT NULL,     -- JSON object, validated by ardoise-protocol
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS records_kind_live ON records(kind) WHERE deleted = 0;
-- Snapshots are read in this order and streamed as they are read (a day's lessons together).
CREATE INDEX IF NOT EXISTS records_snapshot_order ON records(
    kind, json_extract(data, '$.date'), json_extract(data, '$.start'),
    json_extract(data, '$.givenOn'), id) WHERE deleted = 0;
-- The single counter behind change_seq: incremented inside each write transaction.
CREATE TABLE IF NOT EXISTS seq (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
INSERT OR IGNORE INTO seq (id, value) VALUES (1, 0);
-- Idempotency: the answer to each op id, written with its effect.
CREATE TABLE IF NOT EXISTS applied_ops (
    op_id   TEXT PRIMARY KEY,  -- UUID made by the client
    user_id TEXT NOT NULL,     -- who sent it
    result  TEXT NOT NULL      -- OpResult as JSON
) WITHOUT ROWID;
-- Logins and their argon2id hashes (never synced).
CREATE TABLE IF NOT EXISTS accounts (
    user_id       TEXT PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL
);
-- Issued tokens, by SHA-256 of the token (the token itself is never stored).
CREATE TABLE IF NOT EXISTS tokens (
    hash       TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,     -- access | refresh
    user_id    TEXT NOT NULL,
    expires_at INTEGER NOT NULL   -- unix seconds
);
-- Stored blobs (document contents, by BLAKE3), and who uploaded each: an uploader may read
-- back what they sent; anyone else needs a readable document with that version.
CREATE TABLE IF NOT EXISTS blobs (
    hash TEXT PRIMARY KEY,
    size INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blob_grants (
    hash    TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (hash, user_id)
) WITHOUT ROWID;
-- Open uploads; their offset is the length of their file on disk (the truth).
CREATE TABLE IF NOT EXISTS uploads (
    user_id    TEXT NOT NULL,
    hash       TEXT NOT NULL,
    size       INTEGER NOT NULL,
    created_at INTEGER NOT NULL,  -- unix seconds
    PRIMARY KEY (user_id, hash)
) WITHOUT ROWID;
-- Finds the documents holding a version of a blob (download access).
CREATE TABLE IF NOT EXISTS document_blobs (
    hash        TEXT NOT NULL,
    document_id TEXT NOT NULL,
    PRIMARY KEY (hash, document_id)
) WITHOUT ROWID;
-- Failed logins, to slow down password guessing.
CREATE TABLE IF NOT EXISTS login_failures (
    login   TEXT PRIMARY KEY,
    count   INTEGER NOT NULL,
    last_at INTEGER NOT NULL      -- unix seconds
);
"#;

/// Changes to [`SCHEMA`], in order: migration `i` (from 0) brings a store at
/// `user_version = i` to `i + 1`. A new store runs them all. Never edit one that shipped.
const MIGRATIONS: &[&str] = &[
    // 1 — hostile clients (issue 13): op ids scoped to their author; tokens grouped by
    // login session (logout revokes them all); failed logins counted per throttle key
    // (account and address, or known device) and forgotten after a day; devices that
    // logged in; blobs dated, so those no document holds are collected after a grace.
    r#"
    CREATE TABLE applied_ops_by_user (
        user_id TEXT NOT NULL,
        op_id   TEXT NOT NULL,
        result  TEXT NOT NULL,
        PRIMARY KEY (user_id, op_id)
    ) WITHOUT ROWID;
    INSERT INTO applied_ops_by_user (user_id, op_id, result)
        SELECT user_id, op_id, result FROM applied_ops;
    DROP TABLE applied_ops;
    ALTER TABLE applied_ops_by_user RENAME TO applied_ops;
    ALTER TABLE tokens ADD COLUMN session_id TEXT NOT NULL DEFAULT '';
    -- Tokens issued before sessions: one session per user (a logout ends them all).
    UPDATE tokens SET session_id = 'legacy:' || user_id;
    CREATE INDEX tokens_session ON tokens(session_id);
    CREATE INDEX tokens_expiry ON tokens(expires_at);
    DROP TABLE login_failures;
    CREATE TABLE login_throttle (
        key     TEXT PRIMARY KEY,     -- "acct:<login>@<address>" or "dev:<device hash>"
        count   INTEGER NOT NULL,
        last_at INTEGER NOT NULL      -- unix seconds
    ) WITHOUT ROWID;
    CREATE TABLE devices (
        user_id   TEXT NOT NULL,
        hash      TEXT NOT NULL,      -- SHA-256 of the device token
        last_seen INTEGER NOT NULL,   -- unix seconds
        PRIMARY KEY (user_id, hash)
    ) WITHOUT ROWID;
    ALTER TABLE blobs ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
    -- Blobs already there get their grace from now: one whose document op is still to
    -- come is not collected at the first pass.
    UPDATE blobs SET created_at = CAST(strftime('%s', 'now') AS INTEGER);
    -- An upload expires after its last chunk, not after it was opened.
    ALTER TABLE uploads ADD COLUMN touched_at INTEGER NOT NULL DEFAULT 0;
    UPDATE uploads SET touched_at = CAST(strftime('%s', 'now') AS INTEGER);
    CREATE INDEX uploads_touched ON uploads(touched_at);
    CREATE INDEX document_blobs_document ON document_blobs(document_id);
    "#,
];

/// Brings the schema up to date, each migration in its own transaction.
fn migrate(conn: &mut Connection) -> Result<()> {
    let mut version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    while let Some(step) = usize::try_from(version)
        .ok()
        .and_then(|v| MIGRATIONS.get(v))
    {
        let tx = conn.transaction()?;
        tx.execute_batch(step)?;
        version += 1;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

fn open(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    // WAL: readers never wait for the writer. NORMAL is durable across process crashes in
    // WAL mode. busy_timeout covers the reader/writer hand-over at checkpoints.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

impl SqliteStore {
    /// Opens (creating if missing) the store at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        let mut writer = open(path)?;
        writer.execute_batch(SCHEMA)?;
        migrate(&mut writer)?;
        let reader = open(path)?;
        Ok(SqliteStore {
            path: path.to_path_buf(),
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
        })
    }

    /// Whether the store holds no record yet.
    pub fn is_empty(&self) -> Result<bool> {
        let conn = lock(&self.reader);
        let n: i64 = conn.query_row("SELECT COUNT(*) FROM records", [], |r| r.get(0))?;
        Ok(n == 0)
    }
}

fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic while holding the lock leaves SQLite consistent (the transaction rolls back
    // on drop), so a poisoned lock is safe to take.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

struct SqliteTx<'a> {
    conn: Held<'a>,
    done: bool,
}

/// The connection of a transaction: one of the store's, or one of its own.
enum Held<'a> {
    Shared(MutexGuard<'a, Connection>),
    Own(Connection),
}

impl std::ops::Deref for Held<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        match self {
            Held::Shared(guard) => guard,
            Held::Own(conn) => conn,
        }
    }
}

impl Drop for SqliteTx<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

impl Store for SqliteStore {
    fn read(&self) -> Result<Box<dyn ReadTx + '_>> {
        let conn = lock(&self.reader);
        conn.execute_batch("BEGIN DEFERRED")?;
        Ok(Box::new(SqliteTx {
            conn: Held::Shared(conn),
            done: false,
        }))
    }

    fn write(&self) -> Result<Box<dyn WriteTx + '_>> {
        let conn = lock(&self.writer);
        conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(Box::new(SqliteTx {
            conn: Held::Shared(conn),
            done: false,
        }))
    }

    /// A connection of its own, read-only: WAL keeps what it reads as of its first read
    /// while writers go on.
    fn read_long(&self) -> Result<Box<dyn ReadTx + '_>> {
        use rusqlite::OpenFlags;
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch("BEGIN DEFERRED")?;
        Ok(Box::new(SqliteTx {
            conn: Held::Own(conn),
            done: false,
        }))
    }
}

const RECORD_COLS: &str = "kind, id, version, change_seq, deleted, ever_public, data";

/// Every live record in snapshot order, read from the index that has it.
const SNAPSHOT_SQL: &str = "SELECT kind, id, version, change_seq, deleted, ever_public, data
     FROM records INDEXED BY records_snapshot_order
     WHERE deleted = 0
     ORDER BY kind, json_extract(data, '$.date'), json_extract(data, '$.start'),
              json_extract(data, '$.givenOn'), id";

fn row_to_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<(String, StoredRecord)> {
    let kind: String = row.get(0)?;
    let data: String = row.get(6)?;
    Ok((
        data,
        StoredRecord {
            kind: EntityKind::parse(&kind).unwrap_or(EntityKind::School),
            id: row.get(1)?,
            version: row.get(2)?,
            change_seq: row.get(3)?,
            deleted: row.get(4)?,
            ever_public: row.get(5)?,
            data: Data::new(),
        },
    ))
}

fn finish(rows: Vec<(String, StoredRecord)>) -> Result<Vec<StoredRecord>> {
    rows.into_iter().map(with_data).collect()
}

/// A record with its data parsed (after the row was read: parsing outside the SQLite
/// callback keeps errors typed).
fn with_data((json, mut rec): (String, StoredRecord)) -> Result<StoredRecord> {
    rec.data = serde_json::from_str(&json)
        .map_err(|e| StoreError::Corrupt(format!("{} {}: {e}", rec.kind, rec.id)))?;
    Ok(rec)
}

impl SqliteTx<'_> {
    fn query_records(&self, sql: &str, params: impl rusqlite::Params) -> Result<Vec<StoredRecord>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt
            .query_map(params, row_to_record)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        finish(rows)
    }
}

impl ReadTx for SqliteTx<'_> {
    fn get_record(&self, kind: EntityKind, id: &str) -> Result<Option<StoredRecord>> {
        let sql = format!("SELECT {RECORD_COLS} FROM records WHERE kind = ?1 AND id = ?2");
        Ok(self
            .query_records(&sql, params![kind.as_str(), id])?
            .into_iter()
            .next())
    }

    fn changes_since(&self, since: i64, limit: usize) -> Result<Vec<StoredRecord>> {
        let sql = format!(
            "SELECT {RECORD_COLS} FROM records WHERE change_seq > ?1 ORDER BY change_seq LIMIT ?2"
        );
        self.query_records(&sql, params![since, limit as i64])
    }

    fn live_of_kind(&self, kind: EntityKind) -> Result<Vec<StoredRecord>> {
        let sql = format!("SELECT {RECORD_COLS} FROM records WHERE kind = ?1 AND deleted = 0");
        self.query_records(&sql, params![kind.as_str()])
    }

    fn each_live_in_order(&self, f: &mut dyn FnMut(StoredRecord) -> bool) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(SNAPSHOT_SQL)?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            if !f(with_data(row_to_record(row)?)?) {
                break;
            }
        }
        Ok(())
    }

    fn live_count(&self) -> Result<u64> {
        let n: i64 =
            self.conn
                .query_row("SELECT COUNT(*) FROM records WHERE deleted = 0", [], |r| {
                    r.get(0)
                })?;
        Ok(n.max(0) as u64)
    }

    fn head_seq(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT value FROM seq WHERE id = 1", [], |r| r.get(0))?)
    }

    fn op_result(&self, user_id: &str, op_id: Uuid) -> Result<Option<OpResult>> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT result FROM applied_ops WHERE user_id = ?1 AND op_id = ?2",
                [user_id, &op_id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        json.map(|j| serde_json::from_str(&j).map_err(|e| StoreError::Corrupt(e.to_string())))
            .transpose()
    }

    fn account_by_login(&self, login: &str) -> Result<Option<Account>> {
        Ok(self
            .conn
            .query_row(
                "SELECT user_id, login, password_hash FROM accounts WHERE login = ?1",
                [login],
                |r| {
                    Ok(Account {
                        user_id: r.get(0)?,
                        login: r.get(1)?,
                        password_hash: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    fn token(&self, hash: &str, kind: &str) -> Result<Option<TokenRow>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT user_id, expires_at, session_id FROM tokens WHERE hash = ?1 AND kind = ?2",
            )?
            .query_row([hash, kind], |r| {
                Ok(TokenRow {
                    user_id: r.get(0)?,
                    expires_at: r.get(1)?,
                    session_id: r.get(2)?,
                })
            })
            .optional()?)
    }

    fn throttle(&self, key: &str) -> Result<(i64, i64)> {
        Ok(self
            .conn
            .query_row(
                "SELECT count, last_at FROM login_throttle WHERE key = ?1",
                [key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .unwrap_or((0, 0)))
    }

    fn device_known(&self, user_id: &str, device_hash: &str) -> Result<bool> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM devices WHERE user_id = ?1 AND hash = ?2",
                [user_id, device_hash],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    fn blob_size(&self, hash: &str) -> Result<Option<u64>> {
        Ok(self
            .conn
            .query_row("SELECT size FROM blobs WHERE hash = ?1", [hash], |r| {
                r.get::<_, i64>(0)
            })
            .optional()?
            .map(|n| n as u64))
    }

    fn blob_granted(&self, hash: &str, user_id: &str) -> Result<bool> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM blob_grants WHERE hash = ?1 AND user_id = ?2",
                [hash, user_id],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    fn documents_with_blob(&self, hash: &str) -> Result<Vec<StoredRecord>> {
        let sql = format!(
            "SELECT {RECORD_COLS} FROM records WHERE kind = 'document' AND deleted = 0
               AND id IN (SELECT document_id FROM document_blobs WHERE hash = ?1)"
        );
        self.query_records(&sql, [hash])
    }

    fn upload_size(&self, user_id: &str, hash: &str) -> Result<Option<u64>> {
        Ok(self
            .conn
            .query_row(
                "SELECT size FROM uploads WHERE user_id = ?1 AND hash = ?2",
                [user_id, hash],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .map(|n| n as u64))
    }

    fn storage_used(&self, user_id: &str) -> Result<u64> {
        let used: i64 = self
            .conn
            .prepare_cached(
                "SELECT COALESCE((SELECT SUM(json_extract(v.value, '$.size'))
                 FROM records r, json_each(r.data, '$.versions') v
                 WHERE r.kind = 'document' AND r.deleted = 0
                   AND json_extract(v.value, '$.authorId') = ?1), 0)
             + COALESCE((SELECT SUM(size) FROM uploads WHERE user_id = ?1), 0)
             + COALESCE((SELECT SUM(b.size) FROM blob_grants g JOIN blobs b ON b.hash = g.hash
                 WHERE g.user_id = ?1 AND NOT EXISTS (
                     SELECT 1 FROM document_blobs d JOIN records r
                       ON r.kind = 'document' AND r.id = d.document_id AND r.deleted = 0
                     WHERE d.hash = g.hash)), 0)",
            )?
            .query_row([user_id], |r| r.get(0))?;
        Ok(used.max(0) as u64)
    }
}

impl WriteTx for SqliteTx<'_> {
    fn put_record(&mut self, rec: &StoredRecord) -> Result<i64> {
        let seq: i64 = self.conn.query_row(
            "UPDATE seq SET value = value + 1 WHERE id = 1 RETURNING value",
            [],
            |r| r.get(0),
        )?;
        let data = serde_json::Value::Object(rec.data.clone()).to_string();
        self.conn
            .prepare_cached(
                "INSERT INTO records (kind, id, version, change_seq, deleted, ever_public, data)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (kind, id) DO UPDATE SET version = excluded.version,
                   change_seq = excluded.change_seq, deleted = excluded.deleted,
                   ever_public = excluded.ever_public, data = excluded.data",
            )?
            .execute(params![
                rec.kind.as_str(),
                rec.id,
                rec.version,
                seq,
                rec.deleted,
                rec.ever_public,
                data
            ])?;
        if rec.kind == EntityKind::Document {
            // The contents its versions hold now (old versions may have been let go).
            self.conn
                .prepare_cached("DELETE FROM document_blobs WHERE document_id = ?1")?
                .execute([rec.id.as_str()])?;
            let versions = rec.data.get("versions").and_then(|v| v.as_array());
            for v in versions.into_iter().flatten() {
                if let Some(hash) = v.get("hash").and_then(|h| h.as_str()) {
                    self.conn
                        .prepare_cached(
                            "INSERT OR IGNORE INTO document_blobs (hash, document_id) VALUES (?1, ?2)",
                        )?
                        .execute([hash, rec.id.as_str()])?;
                }
            }
        }
        Ok(seq)
    }

    fn put_op_result(&mut self, user_id: &str, result: &OpResult) -> Result<()> {
        let json = serde_json::to_string(result).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.conn.execute(
            "INSERT INTO applied_ops (op_id, user_id, result) VALUES (?1, ?2, ?3)",
            params![result.op_id.to_string(), user_id, json],
        )?;
        Ok(())
    }

    fn put_account(&mut self, a: &Account) -> Result<()> {
        self.conn.execute(
            "INSERT INTO accounts (user_id, login, password_hash) VALUES (?1, ?2, ?3)
             ON CONFLICT (user_id) DO UPDATE SET login = excluded.login,
               password_hash = excluded.password_hash",
            params![a.user_id, a.login, a.password_hash],
        )?;
        Ok(())
    }

    fn put_token(&mut self, hash: &str, kind: &str, row: &TokenRow) -> Result<()> {
        self.conn.execute(
            "INSERT INTO tokens (hash, kind, user_id, expires_at, session_id)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![hash, kind, row.user_id, row.expires_at, row.session_id],
        )?;
        Ok(())
    }

    fn delete_session(&mut self, session_id: &str) -> Result<()> {
        if session_id.is_empty() {
            return Ok(()); // never "every token without a session"
        }
        self.conn
            .execute("DELETE FROM tokens WHERE session_id = ?1", [session_id])?;
        Ok(())
    }

    fn delete_token(&mut self, hash: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM tokens WHERE hash = ?1", [hash])?;
        Ok(())
    }

    fn note_throttle(&mut self, key: &str, failed: bool, now: i64) -> Result<()> {
        if failed {
            self.conn.execute(
                "INSERT INTO login_throttle (key, count, last_at) VALUES (?1, 1, ?2)
                 ON CONFLICT (key) DO UPDATE SET count = count + 1, last_at = excluded.last_at",
                params![key, now],
            )?;
        } else {
            self.conn
                .execute("DELETE FROM login_throttle WHERE key = ?1", [key])?;
        }
        Ok(())
    }

    fn put_device(&mut self, user_id: &str, device_hash: &str, now: i64) -> Result<()> {
        self.conn.execute(
            "INSERT INTO devices (user_id, hash, last_seen) VALUES (?1, ?2, ?3)
             ON CONFLICT (user_id, hash) DO UPDATE SET last_seen = excluded.last_seen",
            params![user_id, device_hash, now],
        )?;
        Ok(())
    }

    fn collect(&mut self, now: i64, stale_before: i64) -> Result<Collected> {
        let mut out = Collected {
            tokens: self
                .conn
                .execute("DELETE FROM tokens WHERE expires_at <= ?1", [now])?
                as u64,
            throttles: self.conn.execute(
                "DELETE FROM login_throttle WHERE last_at < ?1",
                [now - crate::auth::THROTTLE_MEMORY_SECS],
            )? as u64,
            devices: self.conn.execute(
                "DELETE FROM devices WHERE last_seen < ?1",
                [now - crate::auth::DEVICE_MEMORY_SECS],
            )? as u64,
            ..Collected::default()
        };
        out.uploads = self
            .conn
            .prepare("DELETE FROM uploads WHERE touched_at < ?1 RETURNING user_id, hash")?
            .query_map([stale_before], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        out.blobs = self
            .conn
            .prepare(
                "DELETE FROM blobs WHERE NOT EXISTS (SELECT 1 FROM document_blobs d JOIN records r
                       ON r.kind = 'document' AND r.id = d.document_id AND r.deleted = 0
                       WHERE d.hash = blobs.hash)
                   AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.hash = blobs.hash)
                   AND (created_at < ?1
                        OR EXISTS (SELECT 1 FROM document_blobs d WHERE d.hash = blobs.hash))
                 RETURNING hash",
            )?
            .query_map([stale_before], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for hash in &out.blobs {
            self.conn
                .execute("DELETE FROM blob_grants WHERE hash = ?1", [hash])?;
            self.conn
                .execute("DELETE FROM document_blobs WHERE hash = ?1", [hash])?;
        }
        Ok(out)
    }

    fn put_blob(&mut self, hash: &str, size: u64, uploader: Option<&str>, now: i64) -> Result<()> {
        self.conn.execute(
            "INSERT INTO blobs (hash, size, created_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (hash) DO UPDATE SET created_at = excluded.created_at",
            params![hash, size as i64, now],
        )?;
        if let Some(user_id) = uploader {
            self.conn.execute(
                "INSERT OR IGNORE INTO blob_grants (hash, user_id) VALUES (?1, ?2)",
                params![hash, user_id],
            )?;
        }
        Ok(())
    }

    fn put_upload(&mut self, user_id: &str, hash: &str, size: u64, now: i64) -> Result<()> {
        self.conn.execute(
            "INSERT INTO uploads (user_id, hash, size, created_at, touched_at)
             VALUES (?1, ?2, ?3, ?4, ?4)
             ON CONFLICT (user_id, hash) DO UPDATE SET touched_at = excluded.touched_at",
            params![user_id, hash, size as i64, now],
        )?;
        Ok(())
    }

    fn delete_upload(&mut self, user_id: &str, hash: &str) -> Result<()> {
        self.conn.execute(
            "DELETE FROM uploads WHERE user_id = ?1 AND hash = ?2",
            [user_id, hash],
        )?;
        Ok(())
    }

    fn commit(mut self: Box<Self>) -> Result<()> {
        self.conn.execute_batch("COMMIT")?;
        self.done = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec(id: &str) -> StoredRecord {
        StoredRecord {
            kind: EntityKind::Room,
            id: id.into(),
            version: 1,
            change_seq: 0,
            deleted: false,
            ever_public: false,
            data: json!({"code": id, "label": id})
                .as_object()
                .unwrap()
                .clone(),
        }
    }

    fn dated(kind: EntityKind, id: &str, data: serde_json::Value) -> StoredRecord {
        StoredRecord {
            kind,
            id: id.into(),
            data: data.as_object().unwrap().clone(),
            ..rec(id)
        }
    }

    #[test]
    fn a_long_read_streams_in_snapshot_order_at_one_seq_while_others_write_and_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
        let occ = |id: &str, date: &str, start: &str| {
            dated(
                EntityKind::CourseOccurrence,
                id,
                json!({"date": date, "start": start}),
            )
        };
        let mut tx = store.write().unwrap();
        for r in [
            rec("r2"),
            occ("o3", "2026-09-03", "08:00"),
            dated(EntityKind::Homework, "h1", json!({"givenOn": "2026-09-02"})),
            occ("o1", "2026-09-01", "10:00"),
            rec("r1"),
            occ("o2", "2026-09-01", "08:00"),
        ] {
            tx.put_record(&r).unwrap();
        }
        tx.commit().unwrap();

        let long = store.read_long().unwrap();
        let seq = long.head_seq().unwrap();
        let mut seen = Vec::new();
        long.each_live_in_order(&mut |r| {
            if seen.is_empty() {
                // Mid-stream: a writer changes and deletes records still to come, and the
                // store's shared reader answers others meanwhile.
                let mut w = store.write().unwrap();
                let mut renamed = rec("r1");
                renamed.data.insert("label".into(), json!("renommée"));
                w.put_record(&renamed).unwrap();
                let mut gone = occ("o3", "2026-09-03", "08:00");
                gone.deleted = true;
                w.put_record(&gone).unwrap();
                w.commit().unwrap();
                assert_eq!(store.read().unwrap().head_seq().unwrap(), seq + 2);
            }
            seen.push((r.id.clone(), r.data.get("label").cloned()));
            true
        })
        .unwrap();
        let ids: Vec<&str> = seen.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(
            ids,
            ["o2", "o1", "o3", "h1", "r1", "r2"],
            "by kind, date, start"
        );
        assert_eq!(seen[4].1, Some(json!("r1")), "the stream stays at its seq");

        // The order clients are told to expect.
        let mut records: Vec<ardoise_protocol::Record> = ids
            .iter()
            .rev()
            .map(|id| {
                let r = long.get_record(kind_of(id), id).unwrap().unwrap();
                ardoise_protocol::Record {
                    kind: r.kind,
                    id: r.id,
                    version: r.version,
                    change_seq: r.change_seq,
                    deleted: false,
                    data: Some(r.data),
                }
            })
            .collect();
        ardoise_protocol::snapshot_order(&mut records);
        let sorted: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(sorted, ids);
    }

    fn kind_of(id: &str) -> EntityKind {
        match &id[..1] {
            "o" => EntityKind::CourseOccurrence,
            "h" => EntityKind::Homework,
            _ => EntityKind::Room,
        }
    }

    #[test]
    fn the_snapshot_is_read_from_its_index_without_sorting() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
        let conn = lock(&store.reader);
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {SNAPSHOT_SQL}"))
            .unwrap()
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert!(
            plan.iter().any(|p| p.contains("records_snapshot_order"))
                && !plan.iter().any(|p| p.contains("TEMP B-TREE")),
            "{plan:?}"
        );
        // Rows are read back by position, as for every other query of records.
        assert!(SNAPSHOT_SQL.starts_with(&format!("SELECT {RECORD_COLS}\n")));
    }

    #[test]
    fn a_store_of_the_first_schema_is_migrated_keeping_its_answers_and_tokens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        {
            // The schema as it shipped before migrations (user_version 0).
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(SCHEMA).unwrap();
            conn.execute_batch(
                "INSERT INTO applied_ops VALUES ('00000000-0000-0000-0000-000000000001', 'u1', '{\"opId\":\"00000000-0000-0000-0000-000000000001\",\"outcome\":\"applied\",\"version\":1}');
                 INSERT INTO tokens VALUES ('h', 'access', 'u1', 99);
                 INSERT INTO tokens VALUES ('h2', 'refresh', 'u2', 99);
                 INSERT INTO login_failures VALUES ('leroy', 3, 10);
                 INSERT INTO blobs VALUES ('b', 4);",
            )
            .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        let r = store.read().unwrap();
        let op = Uuid::from_u128(1);
        assert!(r.op_result("u1", op).unwrap().is_some());
        assert!(
            r.op_result("u2", op).unwrap().is_none(),
            "op ids are per author"
        );
        assert_eq!(r.token("h", "access").unwrap().unwrap().user_id, "u1");
        assert_eq!(r.throttle("acct:leroy@x").unwrap(), (0, 0));
        assert_eq!(r.blob_size("b").unwrap(), Some(4));
        // Tokens of before sessions are one session per user: one user's logout is not
        // everyone's.
        let session = r.token("h", "access").unwrap().unwrap().session_id;
        drop(r);
        let mut w = store.write().unwrap();
        w.delete_session(&session).unwrap();
        w.commit().unwrap();
        let r = store.read().unwrap();
        assert!(r.token("h", "access").unwrap().is_none());
        assert!(r.token("h2", "refresh").unwrap().is_some());
        drop(r);
        drop(store);
        // Opening again runs nothing twice.
        SqliteStore::open(&path).unwrap();
    }

    #[test]
    fn collection_removes_what_expired_and_keeps_what_a_live_document_holds() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
        let doc = |id: &str, hash: &str, deleted: bool| StoredRecord {
            kind: EntityKind::Document,
            deleted,
            data: json!({"versions": [{"hash": hash}]})
                .as_object()
                .unwrap()
                .clone(),
            ..rec(id)
        };
        let mut w = store.write().unwrap();
        let row = |exp| TokenRow {
            user_id: "u".into(),
            expires_at: exp,
            session_id: "s".into(),
        };
        w.put_token("old", "access", &row(50)).unwrap();
        w.put_token("new", "access", &row(500)).unwrap();
        w.note_throttle("acct:a@x", true, 100 - 2 * 86_400).unwrap();
        w.note_throttle("acct:b@x", true, 90).unwrap();
        for hash in ["kept", "fresh", "unused", "deleted"] {
            w.put_blob(hash, 10, Some("u"), 10).unwrap();
        }
        w.put_blob("fresh", 10, Some("u"), 95).unwrap();
        w.put_record(&doc("d1", "kept", false)).unwrap();
        w.put_record(&doc("d2", "deleted", true)).unwrap();
        w.put_upload("u", "stale", 5, 10).unwrap();
        w.put_upload("u", "open", 5, 95).unwrap();
        w.commit().unwrap();
        assert_eq!(
            store.read().unwrap().storage_used("u").unwrap(),
            10 + 10 + 10 + 5 + 5
        );

        let mut w = store.write().unwrap();
        let c = w.collect(100, 90).unwrap();
        w.commit().unwrap();
        assert_eq!(c.tokens, 1);
        assert_eq!(c.throttles, 1);
        assert_eq!(c.uploads, vec![("u".to_string(), "stale".to_string())]);
        let mut blobs = c.blobs.clone();
        blobs.sort();
        assert_eq!(blobs, ["deleted", "unused"]);
        let r = store.read().unwrap();
        assert!(r.blob_size("kept").unwrap().is_some() && r.blob_size("fresh").unwrap().is_some());
        assert_eq!(
            r.storage_used("u").unwrap(),
            10 + 5,
            "the fresh upload and the open one"
        );
    }

    #[test]
    fn change_seq_is_gap_free_and_rollback_gives_nothing_away() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
        let mut tx = store.write().unwrap();
        assert_eq!(tx.put_record(&rec("a")).unwrap(), 1);
        assert_eq!(tx.put_record(&rec("b")).unwrap(), 2);
        tx.commit().unwrap();
        {
            let mut tx = store.write().unwrap();
            tx.put_record(&rec("c")).unwrap();
            // dropped: rolled back
        }
        let mut tx = store.write().unwrap();
        assert_eq!(tx.put_record(&rec("a")).unwrap(), 3);
        tx.commit().unwrap();
        let r = store.read().unwrap();
        let changes = r.changes_since(0, 10).unwrap();
        let ids: Vec<_> = changes
            .iter()
            .map(|c| (c.id.as_str(), c.change_seq))
            .collect();
        assert_eq!(ids, vec![("b", 2), ("a", 3)]);
        assert!(r.get_record(EntityKind::Room, "c").unwrap().is_none());
    }
}
