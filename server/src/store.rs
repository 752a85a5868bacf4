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
    /// PostgreSQL said no, or could not be reached.
    #[error("base de données PostgreSQL du serveur : {0}")]
    Postgres(#[from] postgres::Error),
    /// Every connection to the database stayed busy past the wait: come back later.
    #[error("base de données du serveur occupée")]
    Busy,
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Id of the user record.
    pub user_id: String,
    /// Login.
    pub login: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// When the school disabled it (unix seconds); `None` while it is active.
    pub disabled_at: Option<i64>,
    /// Until when its activation code works (unix seconds): while set, `password_hash` is
    /// the code's hash, and the first login must choose the password.
    pub activation_expires_at: Option<i64>,
}

/// Reads, in one consistent view.
pub trait ReadTx {
    /// One record, tombstones included.
    fn get_record(&self, kind: EntityKind, id: &str) -> Result<Option<StoredRecord>>;
    /// Records changed after `since`, in order, at most `limit`.
    fn changes_since(&self, since: i64, limit: usize) -> Result<Vec<StoredRecord>>;
    /// Every live record of one kind.
    fn live_of_kind(&self, kind: EntityKind) -> Result<Vec<StoredRecord>>;
    /// Every record of one kind, tombstones included (what a bulk write compares with).
    fn of_kind(&self, kind: EntityKind) -> Result<Vec<StoredRecord>>;
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
    /// Whether the account of this user was disabled by the school.
    fn account_disabled(&self, user_id: &str) -> Result<bool>;
    /// The account of a user, if they have one.
    fn account_of_user(&self, user_id: &str) -> Result<Option<Account>>;
    /// The user whose calendar feed has this secret (its hash).
    fn calendar_feed_user(&self, secret_hash: &str) -> Result<Option<String>>;
    /// A setting of the school (`config set`), if set.
    fn setting(&self, key: &str) -> Result<Option<String>>;
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
    /// The support reports received, newest first (without their bundles).
    fn support_reports(&self) -> Result<Vec<SupportReport>>;
    /// One support report and its bundle.
    fn support_report(&self, id: &str) -> Result<Option<(SupportReport, Vec<u8>)>>;
    /// How many support reports `user_id` sent since `since` (unix seconds).
    fn support_reports_since(&self, user_id: &str, since: i64) -> Result<u64>;
    /// Who was active in the weeks from `from_week` to `until_week` (their Mondays).
    fn activity(&self, from_week: &str, until_week: &str) -> Result<Vec<(String, String)>>;
    /// The ops received from `from` to `until` (unix seconds, `until` excluded).
    fn op_log(&self, from: i64, until: i64) -> Result<Vec<OpLogRow>>;
}

/// A support report as the server lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SupportReport {
    /// Made by the app (UUID).
    pub id: String,
    /// Who sent it.
    pub user_id: String,
    /// Unix seconds.
    pub received_at: i64,
    /// Bytes of its zip.
    pub size: u64,
}

/// One op as the indicators count it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpLogRow {
    /// Who sent it.
    pub user_id: String,
    /// Kind of its record (wire name).
    pub kind: String,
    /// Its record.
    pub record_id: String,
    /// `create`, `update`, `delete`, `resolve`.
    pub action: String,
    /// For a resolution: `mine` or `theirs`.
    pub keep: Option<String>,
    /// `applied`, `conflict`, `rejected`.
    pub outcome: String,
    /// When it was made on the device (unix seconds), when its id says so.
    pub made_at: Option<i64>,
    /// When it arrived (unix seconds).
    pub received_at: i64,
}

/// A live record whose data is JSON text already (see [`WriteTx::put_json_records`]).
#[derive(Debug, Clone, PartialEq)]
pub struct JsonRecord {
    /// Kind (never a document).
    pub kind: EntityKind,
    /// Id.
    pub id: String,
    /// Version, from 1.
    pub version: i64,
    /// See [`StoredRecord::ever_public`].
    pub ever_public: bool,
    /// The data: a JSON object, as [`ardoise_protocol::entities::validate`] shapes it.
    pub json: String,
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
    /// Writes records in order, each with the next `change_seq` (a bulk write: an import).
    fn put_records(&mut self, recs: &[StoredRecord]) -> Result<()> {
        for rec in recs {
            self.put_record(rec)?;
        }
        Ok(())
    }
    /// Writes live records whose data is already JSON, in order, each with the next
    /// `change_seq`: a bulk write made from a template (an import's lessons), spared
    /// building and serialising one object per record. Not for documents.
    fn put_json_records(&mut self, recs: &[JsonRecord]) -> Result<()> {
        for r in recs {
            let data = serde_json::from_str(&r.json)
                .map_err(|e| StoreError::Corrupt(format!("{} {}: {e}", r.kind, r.id)))?;
            self.put_record(&StoredRecord {
                kind: r.kind,
                id: r.id.clone(),
                version: r.version,
                change_seq: 0,
                deleted: false,
                ever_public: r.ever_public,
                data,
            })?;
        }
        Ok(())
    }
    /// Stores the answer to an op, in the same transaction as its effect.
    fn put_op_result(&mut self, user_id: &str, result: &OpResult) -> Result<()>;
    /// Creates or replaces an account.
    fn put_account(&mut self, account: &Account) -> Result<()>;
    /// Gives a user a new calendar feed secret (its hash): the old one stops working.
    fn put_calendar_feed(&mut self, user_id: &str, secret_hash: &str, now: i64) -> Result<()>;
    /// Sets a setting of the school.
    fn put_setting(&mut self, key: &str, value: &str) -> Result<()>;
    /// Stores a token hash.
    fn put_token(&mut self, hash: &str, kind: &str, row: &TokenRow) -> Result<()>;
    /// Removes a token.
    fn delete_token(&mut self, hash: &str) -> Result<()>;
    /// Removes every token of a user (their sessions end).
    fn delete_user_tokens(&mut self, user_id: &str) -> Result<()>;
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
    /// Stores a support report; false when one with this id was stored already (kept).
    fn put_support_report(&mut self, report: &SupportReport, bundle: &[u8]) -> Result<bool>;
    /// Notes that `user_id` was active in the week starting on `week` (its Monday).
    fn put_activity(&mut self, user_id: &str, week: &str) -> Result<()>;
    /// Logs an op applied once (never its retries).
    fn put_op_log(&mut self, op_id: &str, row: &OpLogRow) -> Result<()>;
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

/// The schema as the server first shipped it (`user_version = 0`), for a new store.
const BASE: &str = include_str!("../migrations/0000_base.sql");

/// Changes to [`BASE`], in order: migration `i` (from 0) brings a store at
/// `user_version = i` to `i + 1`. A new store runs them all. Never edit one that shipped:
/// each released version is frozen in `tests/schemas/` and upgraded by a test.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_hostile_clients.sql"),
    include_str!("../migrations/0002_homework_kinds.sql"),
    include_str!("../migrations/0003_accounts_disabled_and_calendar_feeds.sql"),
    include_str!("../migrations/0004_settings_and_activation_codes.sql"),
    include_str!("../migrations/0005_support_and_indicators.sql"),
];

/// Brings the schema up to date, each migration in its own transaction.
fn migrate(conn: &mut Connection) -> Result<()> {
    let mut version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let empty: bool = conn.query_row(
        "SELECT NOT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'records')",
        [],
        |r| r.get(0),
    )?;
    if version == 0 && empty {
        let tx = conn.transaction()?;
        tx.execute_batch(BASE)?;
        tx.commit()?;
    }
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
        // The writer's page cache: a large write (a timetable import, a morning's pushes)
        // touches the records table and its indexes all over; 64 MiB keeps them in memory.
        writer.pragma_update(None, "cache_size", -65536)?;
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

fn support_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SupportReport> {
    Ok(SupportReport {
        id: r.get(0)?,
        user_id: r.get(1)?,
        received_at: r.get(2)?,
        size: r.get::<_, i64>(3)? as u64,
    })
}

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

impl SqliteTx<'_> {
    /// The account whose `column` (a unique one: `login` or `user_id`) is `value`.
    fn account_where(&self, column: &'static str, value: &str) -> Result<Option<Account>> {
        let sql = format!(
            "SELECT user_id, login, password_hash, disabled_at, activation_expires_at
               FROM accounts WHERE {column} = ?1"
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row([value], |r| {
                Ok(Account {
                    user_id: r.get(0)?,
                    login: r.get(1)?,
                    password_hash: r.get(2)?,
                    disabled_at: r.get(3)?,
                    activation_expires_at: r.get(4)?,
                })
            })
            .optional()?)
    }

    /// Takes the next `n` change sequence numbers; the last one.
    fn take_seqs(&self, n: i64) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached("UPDATE seq SET value = value + ?1 WHERE id = 1 RETURNING value")?
            .query_row([n], |r| r.get(0))?)
    }

    /// Inserts or replaces a record's row with change sequence `seq`.
    fn insert_record(&self, rec: &StoredRecord, seq: i64) -> Result<()> {
        let data =
            serde_json::to_string(&rec.data).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.insert_row(
            rec.kind,
            &rec.id,
            (rec.version, rec.deleted, rec.ever_public),
            seq,
            &data,
        )
    }

    /// [`Self::insert_record`] with the data already as JSON; `state` is (version,
    /// deleted, ever public).
    fn insert_row(
        &self,
        kind: EntityKind,
        id: &str,
        (version, deleted, ever_public): (i64, bool, bool),
        seq: i64,
        data: &str,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO records (kind, id, version, change_seq, deleted, ever_public, data)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (kind, id) DO UPDATE SET version = excluded.version,
                   change_seq = excluded.change_seq, deleted = excluded.deleted,
                   ever_public = excluded.ever_public, data = excluded.data",
            )?
            .execute(params![
                kind.as_str(),
                id,
                version,
                seq,
                deleted,
                ever_public,
                data
            ])?;
        Ok(())
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

    fn of_kind(&self, kind: EntityKind) -> Result<Vec<StoredRecord>> {
        let sql = format!("SELECT {RECORD_COLS} FROM records WHERE kind = ?1");
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
        self.account_where("login", login)
    }

    fn calendar_feed_user(&self, secret_hash: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT user_id FROM calendar_feeds WHERE secret_hash = ?1")?
            .query_row([secret_hash], |r| r.get(0))
            .optional()?)
    }

    fn account_of_user(&self, user_id: &str) -> Result<Option<Account>> {
        self.account_where("user_id", user_id)
    }

    fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    fn account_disabled(&self, user_id: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT disabled_at IS NOT NULL FROM accounts WHERE user_id = ?1")?
            .query_row([user_id], |r| r.get(0))
            .optional()?
            .unwrap_or(false))
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

    fn support_reports(&self) -> Result<Vec<SupportReport>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, user_id, received_at, length(bundle) FROM support_reports
             ORDER BY received_at DESC, id",
        )?;
        let rows = stmt.query_map([], support_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn support_report(&self, id: &str) -> Result<Option<(SupportReport, Vec<u8>)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, user_id, received_at, length(bundle), bundle FROM support_reports
                 WHERE id = ?1",
                [id],
                |r| Ok((support_row(r)?, r.get(4)?)),
            )
            .optional()?)
    }

    fn support_reports_since(&self, user_id: &str, since: i64) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM support_reports WHERE user_id = ?1 AND received_at >= ?2",
            params![user_id, since],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    fn activity(&self, from_week: &str, until_week: &str) -> Result<Vec<(String, String)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT user_id, week FROM activity WHERE week >= ?1 AND week <= ?2")?;
        let rows = stmt.query_map([from_week, until_week], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn op_log(&self, from: i64, until: i64) -> Result<Vec<OpLogRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT user_id, kind, record_id, action, keep, outcome, made_at, received_at
             FROM op_log WHERE received_at >= ?1 AND received_at < ?2",
        )?;
        let rows = stmt.query_map([from, until], |r| {
            Ok(OpLogRow {
                user_id: r.get(0)?,
                kind: r.get(1)?,
                record_id: r.get(2)?,
                action: r.get(3)?,
                keep: r.get(4)?,
                outcome: r.get(5)?,
                made_at: r.get(6)?,
                received_at: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl WriteTx for SqliteTx<'_> {
    fn put_record(&mut self, rec: &StoredRecord) -> Result<i64> {
        let seq = self.take_seqs(1)?;
        self.insert_record(rec, seq)?;
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

    fn put_records(&mut self, recs: &[StoredRecord]) -> Result<()> {
        if recs.iter().any(|r| r.kind == EntityKind::Document) {
            for rec in recs {
                self.put_record(rec)?;
            }
            return Ok(());
        }
        // One counter update for the whole batch: the same numbers, in the same order.
        let last = self.take_seqs(recs.len() as i64)?;
        let first = last - recs.len() as i64 + 1;
        let mut json = Vec::new();
        for (rec, seq) in recs.iter().zip(first..) {
            json.clear();
            serde_json::to_writer(&mut json, &rec.data)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let json = std::str::from_utf8(&json).expect("JSON is UTF-8");
            self.insert_row(
                rec.kind,
                &rec.id,
                (rec.version, rec.deleted, rec.ever_public),
                seq,
                json,
            )?;
        }
        Ok(())
    }

    fn put_json_records(&mut self, recs: &[JsonRecord]) -> Result<()> {
        assert!(
            recs.iter().all(|r| r.kind != EntityKind::Document),
            "documents are written one at a time (their blobs are counted)"
        );
        let last = self.take_seqs(recs.len() as i64)?;
        let first = last - recs.len() as i64 + 1;
        for (r, seq) in recs.iter().zip(first..) {
            self.insert_row(
                r.kind,
                &r.id,
                (r.version, false, r.ever_public),
                seq,
                &r.json,
            )?;
        }
        Ok(())
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
            "INSERT INTO accounts (user_id, login, password_hash, disabled_at,
                                   activation_expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (user_id) DO UPDATE SET login = excluded.login,
               password_hash = excluded.password_hash, disabled_at = excluded.disabled_at,
               activation_expires_at = excluded.activation_expires_at",
            params![
                a.user_id,
                a.login,
                a.password_hash,
                a.disabled_at,
                a.activation_expires_at
            ],
        )?;
        Ok(())
    }

    fn put_calendar_feed(&mut self, user_id: &str, secret_hash: &str, now: i64) -> Result<()> {
        self.conn.execute(
            "INSERT INTO calendar_feeds (user_id, secret_hash, created_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (user_id) DO UPDATE SET secret_hash = excluded.secret_hash,
               created_at = excluded.created_at",
            params![user_id, secret_hash, now],
        )?;
        Ok(())
    }

    fn put_setting(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
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

    fn delete_user_tokens(&mut self, user_id: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM tokens WHERE user_id = ?1", [user_id])?;
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

    fn put_support_report(&mut self, report: &SupportReport, bundle: &[u8]) -> Result<bool> {
        let added = self.conn.execute(
            "INSERT INTO support_reports (id, user_id, received_at, bundle) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO NOTHING",
            params![report.id, report.user_id, report.received_at, bundle],
        )?;
        Ok(added == 1)
    }

    fn put_activity(&mut self, user_id: &str, week: &str) -> Result<()> {
        self.conn
            .prepare_cached("INSERT OR IGNORE INTO activity (user_id, week) VALUES (?1, ?2)")?
            .execute([user_id, week])?;
        Ok(())
    }

    fn put_op_log(&mut self, op_id: &str, row: &OpLogRow) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT OR IGNORE INTO op_log (op_id, user_id, kind, record_id, action, keep,
                                               outcome, made_at, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                op_id,
                row.user_id,
                row.kind,
                row.record_id,
                row.action,
                row.keep,
                row.outcome,
                row.made_at,
                row.received_at
            ])?;
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

    /// The stores every released version left: schema and data, frozen in
    /// `tests/schemas/` (never regenerated; a new schema version adds its file).
    const FROZEN: &[(usize, &str)] = &[
        (0, include_str!("../tests/schemas/store_v0.sql")),
        (1, include_str!("../tests/schemas/store_v1.sql")),
        (2, include_str!("../tests/schemas/store_v2.sql")),
        (3, include_str!("../tests/schemas/store_v3.sql")),
        (4, include_str!("../tests/schemas/store_v4.sql")),
    ];

    fn schema_of(path: &Path) -> Vec<(String, String)> {
        let conn = Connection::open(path).unwrap();
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

    #[test]
    fn every_released_store_upgrades_to_the_current_schema_with_its_data() {
        assert_eq!(
            FROZEN.last().unwrap().0 + 1,
            MIGRATIONS.len(),
            "freeze the schema version that shipped before adding a migration"
        );
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("fresh.db");
        SqliteStore::open(&fresh).unwrap();
        for (version, dump) in FROZEN {
            let path = dir.path().join(format!("v{version}.db"));
            Connection::open(&path)
                .unwrap()
                .execute_batch(dump)
                .unwrap();
            let store = SqliteStore::open(&path).unwrap();
            assert_eq!(schema_of(&path), schema_of(&fresh), "v{version}: schema");
            let r = store.read().unwrap();
            // Answers, tokens, blobs and records are all still there.
            let op = Uuid::parse_str("0190c000-0000-7000-8000-000000000001").unwrap();
            assert!(
                r.op_result("usr-martin", op).unwrap().is_some(),
                "v{version}"
            );
            assert!(
                r.op_result("usr-leroy", op).unwrap().is_none(),
                "v{version}: op ids are per author"
            );
            let token = r.token("h-access", "access").unwrap().unwrap();
            assert_eq!(token.user_id, "usr-martin", "v{version}");
            assert_eq!(
                r.account_by_login("martin").unwrap().unwrap().user_id,
                "usr-martin"
            );
            assert_eq!(
                r.blob_size(&format!("ab{}", "00".repeat(31))).unwrap(),
                Some(1024)
            );
            assert_eq!(r.head_seq().unwrap(), 14, "v{version}");
            let session = r.get_record(EntityKind::Session, "ses-1").unwrap().unwrap();
            assert_eq!(session.data["title"], "Les Lumières", "v{version}");
            assert_eq!(session.version, 3, "v{version}");
            // Homework kinds carry the protocol's names, versions unchanged.
            let kinds: Vec<String> = (0..9)
                .map(|i| {
                    let hw = r
                        .get_record(EntityKind::Homework, &format!("hw-{i}"))
                        .unwrap();
                    let hw = hw.unwrap();
                    assert_eq!(hw.version, 1);
                    hw.data["kind"].as_str().unwrap().to_string()
                })
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
            let gone = r
                .get_record(EntityKind::Homework, "hw-gone")
                .unwrap()
                .unwrap();
            assert!(gone.deleted && gone.data["kind"] == "reading", "v{version}");
            let conflict = r.get_record(EntityKind::Conflict, "cf-1").unwrap().unwrap();
            assert_eq!(
                conflict.data["fields"]["kind"],
                json!({"base": "test", "mine": "presentation", "theirs": "reading"}),
                "v{version}"
            );
            let other = r.get_record(EntityKind::Conflict, "cf-2").unwrap().unwrap();
            assert_eq!(
                other.data["fields"]["kind"]["base"], "lecture",
                "v{version}"
            );
            for id in ["hw-0", "hw-1", "hw-2", "hw-3", "hw-4", "hw-8"] {
                let hw = r.get_record(EntityKind::Homework, id).unwrap().unwrap();
                ardoise_protocol::entities::validate(EntityKind::Homework, &hw.data)
                    .unwrap_or_else(|e| panic!("v{version}: {id}: {e}"));
            }
            // Tokens of before sessions are one session per user: one user's logout is
            // not everyone's.
            let session_id = token.session_id;
            if *version == 0 {
                assert_eq!(session_id, "legacy:usr-martin");
            }
            drop(r);
            let mut w = store.write().unwrap();
            w.delete_session(&session_id).unwrap();
            w.commit().unwrap();
            let r = store.read().unwrap();
            assert!(r.token("h-access", "access").unwrap().is_none());
            if *version == 1 {
                assert!(r.token("h-session", "access").unwrap().is_some());
                assert_eq!(r.throttle("acct:leroy@127.0.0.1").unwrap().0, 2);
            }
            drop(r);
            drop(store);
            // Opening again runs nothing twice.
            SqliteStore::open(&path).unwrap();
        }
    }
}
