//! The store on PostgreSQL (`ardoise-server --database postgres://…`): the same
//! [`Store`] as [`crate::store::SqliteStore`], for a server that several instances share.
//!
//! Connections come from a small pool of blocking clients (the store is called from
//! blocking threads, as the SQLite one is; see docs/adr/0023). Reads run in `REPEATABLE
//! READ` transactions: one consistent view, like SQLite's. A write transaction first takes
//! the feed's counter row `FOR UPDATE` and holds it until it commits or rolls back, so
//! writers follow one another exactly as SQLite's single writer does, and feed positions
//! are handed out in commit order: a reader can never see position 11 while 10 is still to
//! commit, so a cursor never steps over a change.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Condvar, Mutex};

use ardoise_protocol::{Data, EntityKind, OpResult};
use postgres::types::ToSql;
use postgres::{Client, NoTls, Row, Statement};
use uuid::Uuid;

use crate::store::{
    Account, Collected, JsonRecord, OpLogRow, ReadTx, Result, Store, StoreError, StoredRecord,
    SupportReport, TokenRow, WriteTx,
};

/// Migrations of the PostgreSQL schema, in order: migration `i` brings a store at version
/// `i` to `i + 1` (the version is kept in `schema_version`). Never edit one that shipped.
const MIGRATIONS: &[&str] = &[include_str!("../migrations/postgres/0001_base.sql")];

/// Connections kept open at most; more transactions at once wait for one.
const POOL_SIZE: usize = 16;

/// How long a transaction waits for a connection before the request is told to come back.
const POOL_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// A connection and the statements it prepared.
struct Conn {
    client: Client,
    prepared: HashMap<&'static str, Statement>,
}

impl Conn {
    fn statement(&mut self, sql: &'static str) -> Result<Statement> {
        if let Some(s) = self.prepared.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql)?;
        self.prepared.insert(sql, s.clone());
        Ok(s)
    }

    fn query(&mut self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        let s = self.statement(sql)?;
        Ok(self.client.query(&s, params)?)
    }

    fn query_opt(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>> {
        let s = self.statement(sql)?;
        Ok(self.client.query_opt(&s, params)?)
    }

    fn execute(&mut self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        let s = self.statement(sql)?;
        Ok(self.client.execute(&s, params)?)
    }
}

/// The PostgreSQL store.
pub struct PgStore {
    url: String,
    idle: Mutex<Vec<Conn>>,
    open: Mutex<usize>,
    freed: Condvar,
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user@host:port/name`, or with
    /// `?host=/run/postgresql` for a socket) and brings its schema up to date.
    pub fn open(url: &str) -> Result<PgStore> {
        let store = PgStore {
            url: url.to_string(),
            idle: Mutex::new(Vec::new()),
            open: Mutex::new(0),
            freed: Condvar::new(),
        };
        let mut conn = store.connect()?;
        migrate(&mut conn.client)?;
        store.give_back(conn);
        Ok(store)
    }

    fn connect(&self) -> Result<Conn> {
        let client = Client::connect(&self.url, NoTls)?;
        Ok(Conn {
            client,
            prepared: HashMap::new(),
        })
    }

    /// A connection from the pool, or a new one while the pool is not full.
    fn take(&self) -> Result<Conn> {
        let deadline = std::time::Instant::now() + POOL_WAIT;
        loop {
            if let Some(c) = lock(&self.idle).pop() {
                if !c.client.is_closed() {
                    return Ok(c);
                }
                *lock(&self.open) -= 1;
                continue;
            }
            let mut open = lock(&self.open);
            if *open < POOL_SIZE {
                *open += 1;
                drop(open);
                return self.connect().inspect_err(|_| *lock(&self.open) -= 1);
            }
            if std::time::Instant::now() > deadline {
                return Err(StoreError::Busy);
            }
            // Full: wait for one to come back (checked again at least every second).
            let _ = self
                .freed
                .wait_timeout(open, std::time::Duration::from_secs(1))
                .unwrap_or_else(|e| e.into_inner());
        }
    }

    fn give_back(&self, conn: Conn) {
        if conn.client.is_closed() {
            *lock(&self.open) -= 1;
        } else {
            lock(&self.idle).push(conn);
        }
        self.freed.notify_one();
    }

    fn begin(&self, sql: &str) -> Result<PgTx<'_>> {
        let mut conn = self.take()?;
        if let Err(e) = conn.client.batch_execute(sql) {
            // A connection the server dropped: not given back.
            *lock(&self.open) -= 1;
            self.freed.notify_one();
            return Err(e.into());
        }
        Ok(PgTx {
            store: self,
            conn: RefCell::new(Some(conn)),
            done: false,
        })
    }
}

impl Drop for PgStore {
    /// Closes the connections on a thread of their own: a client closes by blocking on its
    /// own runtime, which a thread of the server's async runtime (where the last holder of
    /// the store may be dropped, at shutdown) may not do.
    fn drop(&mut self) {
        let idle = std::mem::take(&mut *lock(&self.idle));
        if !idle.is_empty() {
            let _ = std::thread::spawn(move || drop(idle)).join();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Brings the schema up to date, each migration in its own transaction, one server at a
/// time (an advisory lock: instances starting together do not migrate twice).
fn migrate(client: &mut Client) -> Result<()> {
    client.batch_execute(
        "SELECT pg_advisory_lock(7123400);
         CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL);",
    )?;
    let result = (|| -> Result<()> {
        let version: i64 = match client.query_opt("SELECT version FROM schema_version", &[])? {
            Some(row) => row.get(0),
            None => {
                client.execute("INSERT INTO schema_version (version) VALUES (0)", &[])?;
                0
            }
        };
        for (i, step) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let mut tx = client.transaction()?;
            tx.batch_execute(step)?;
            tx.execute("UPDATE schema_version SET version = $1", &[&(i as i64 + 1)])?;
            tx.commit()?;
        }
        Ok(())
    })();
    client.batch_execute("SELECT pg_advisory_unlock(7123400)")?;
    result
}

/// A transaction on one pooled connection: rolled back when dropped without commit.
struct PgTx<'a> {
    store: &'a PgStore,
    conn: RefCell<Option<Conn>>,
    done: bool,
}

impl Drop for PgTx<'_> {
    fn drop(&mut self) {
        if let Some(mut conn) = self.conn.get_mut().take() {
            if !self.done {
                let _ = conn.client.batch_execute("ROLLBACK");
            }
            self.store.give_back(conn);
        }
    }
}

impl Store for PgStore {
    fn read(&self) -> Result<Box<dyn ReadTx + '_>> {
        Ok(Box::new(self.begin(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        )?))
    }

    fn write(&self) -> Result<Box<dyn WriteTx + '_>> {
        let tx = self.begin("BEGIN; SELECT value FROM seq WHERE id = 1 FOR UPDATE")?;
        Ok(Box::new(tx))
    }
}

const RECORDS: &str = "SELECT kind, id, version, change_seq, deleted, ever_public, data::text
     FROM records";

fn record(row: &Row) -> Result<StoredRecord> {
    let kind: String = row.get(0);
    let id: String = row.get(1);
    let json: String = row.get(6);
    let data: Data = serde_json::from_str(&json)
        .map_err(|e| StoreError::Corrupt(format!("{kind} {id}: {e}")))?;
    Ok(StoredRecord {
        kind: EntityKind::parse(&kind).unwrap_or(EntityKind::School),
        id,
        version: row.get(2),
        change_seq: row.get(3),
        deleted: row.get(4),
        ever_public: row.get(5),
        data,
    })
}

fn records(rows: Vec<Row>) -> Result<Vec<StoredRecord>> {
    rows.iter().map(record).collect()
}

fn account(row: &Row) -> Account {
    Account {
        user_id: row.get(0),
        login: row.get(1),
        password_hash: row.get(2),
        disabled_at: row.get(3),
        activation_expires_at: row.get(4),
    }
}

fn support(row: &Row) -> SupportReport {
    SupportReport {
        id: row.get(0),
        user_id: row.get(1),
        received_at: row.get(2),
        size: row.get::<_, i64>(3).max(0) as u64,
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl PgTx<'_> {
    /// The transaction's connection.
    fn conn(&self) -> std::cell::RefMut<'_, Conn> {
        std::cell::RefMut::map(self.conn.borrow_mut(), |c| {
            c.as_mut()
                .expect("a transaction has its connection until dropped")
        })
    }

    fn take_seqs(&self, n: i64) -> Result<i64> {
        let row = self.conn().query_opt(
            "UPDATE seq SET value = value + $1 WHERE id = 1 RETURNING value",
            &[&n],
        )?;
        Ok(row.map(|r| r.get(0)).unwrap_or_default())
    }

    fn insert_row(
        &self,
        kind: EntityKind,
        id: &str,
        (version, deleted, ever_public): (i64, bool, bool),
        seq: i64,
        data: &str,
    ) -> Result<()> {
        self.conn().execute(
            "INSERT INTO records (kind, id, version, change_seq, deleted, ever_public, data)
             VALUES ($1, $2, $3, $4, $5, $6, $7::text::jsonb)
             ON CONFLICT (kind, id) DO UPDATE SET version = excluded.version,
               change_seq = excluded.change_seq, deleted = excluded.deleted,
               ever_public = excluded.ever_public, data = excluded.data",
            &[
                &kind.as_str(),
                &id,
                &version,
                &seq,
                &deleted,
                &ever_public,
                &data,
            ],
        )?;
        Ok(())
    }

    fn account_where(&self, by_login: bool, value: &str) -> Result<Option<Account>> {
        let row = if by_login {
            self.conn().query_opt(
                "SELECT user_id, login, password_hash, disabled_at, activation_expires_at
                   FROM accounts WHERE login = $1",
                &[&value],
            )?
        } else {
            self.conn().query_opt(
                "SELECT user_id, login, password_hash, disabled_at, activation_expires_at
                   FROM accounts WHERE user_id = $1",
                &[&value],
            )?
        };
        Ok(row.as_ref().map(account))
    }
}

impl ReadTx for PgTx<'_> {
    fn get_record(&self, kind: EntityKind, id: &str) -> Result<Option<StoredRecord>> {
        let row = self.conn().query_opt(
            "SELECT kind, id, version, change_seq, deleted, ever_public, data::text
               FROM records WHERE kind = $1 AND id = $2",
            &[&kind.as_str(), &id],
        )?;
        row.as_ref().map(record).transpose()
    }

    fn changes_since(&self, since: i64, limit: usize) -> Result<Vec<StoredRecord>> {
        let rows = self.conn().query(
            "SELECT kind, id, version, change_seq, deleted, ever_public, data::text
               FROM records WHERE change_seq > $1 ORDER BY change_seq LIMIT $2",
            &[&since, &(limit.min(i64::MAX as usize) as i64)],
        )?;
        records(rows)
    }

    fn live_of_kind(&self, kind: EntityKind) -> Result<Vec<StoredRecord>> {
        let rows = self.conn().query(
            "SELECT kind, id, version, change_seq, deleted, ever_public, data::text
               FROM records WHERE kind = $1 AND NOT deleted",
            &[&kind.as_str()],
        )?;
        records(rows)
    }

    fn of_kind(&self, kind: EntityKind) -> Result<Vec<StoredRecord>> {
        let rows = self.conn().query(
            "SELECT kind, id, version, change_seq, deleted, ever_public, data::text
               FROM records WHERE kind = $1",
            &[&kind.as_str()],
        )?;
        records(rows)
    }

    fn each_live_in_order(&self, f: &mut dyn FnMut(StoredRecord) -> bool) -> Result<()> {
        use postgres::fallible_iterator::FallibleIterator;
        let sql = format!(
            "{RECORDS} WHERE NOT deleted
             ORDER BY kind COLLATE \"C\",
                      (data ->> 'date') COLLATE \"C\" NULLS FIRST,
                      (data ->> 'start') COLLATE \"C\" NULLS FIRST,
                      (data ->> 'givenOn') COLLATE \"C\" NULLS FIRST,
                      id COLLATE \"C\""
        );
        let mut conn = self.conn();
        // Rows are handed on as they arrive: a large lycée's snapshot is never held in
        // memory at once.
        let mut rows = conn
            .client
            .query_raw(sql.as_str(), std::iter::empty::<&(dyn ToSql + Sync)>())?;
        while let Some(row) = rows.next()? {
            if !f(record(&row)?) {
                break;
            }
        }
        Ok(())
    }

    fn live_count(&self) -> Result<u64> {
        let row = self
            .conn()
            .query_opt("SELECT COUNT(*) FROM records WHERE NOT deleted", &[])?;
        Ok(row.map_or(0, |r| r.get::<_, i64>(0)).max(0) as u64)
    }

    fn head_seq(&self) -> Result<i64> {
        let row = self
            .conn()
            .query_opt("SELECT value FROM seq WHERE id = 1", &[])?;
        Ok(row.map_or(0, |r| r.get(0)))
    }

    fn op_result(&self, user_id: &str, op_id: Uuid) -> Result<Option<OpResult>> {
        let row = self.conn().query_opt(
            "SELECT result FROM applied_ops WHERE user_id = $1 AND op_id = $2",
            &[&user_id, &op_id.to_string()],
        )?;
        row.map(|r| serde_json::from_str(r.get(0)).map_err(|e| StoreError::Corrupt(e.to_string())))
            .transpose()
    }

    fn account_by_login(&self, login: &str) -> Result<Option<Account>> {
        self.account_where(true, login)
    }

    fn account_disabled(&self, user_id: &str) -> Result<bool> {
        let row = self.conn().query_opt(
            "SELECT disabled_at IS NOT NULL FROM accounts WHERE user_id = $1",
            &[&user_id],
        )?;
        Ok(row.is_some_and(|r| r.get(0)))
    }

    fn account_of_user(&self, user_id: &str) -> Result<Option<Account>> {
        self.account_where(false, user_id)
    }

    fn calendar_feed_user(&self, secret_hash: &str) -> Result<Option<String>> {
        let row = self.conn().query_opt(
            "SELECT user_id FROM calendar_feeds WHERE secret_hash = $1",
            &[&secret_hash],
        )?;
        Ok(row.map(|r| r.get(0)))
    }

    fn setting(&self, key: &str) -> Result<Option<String>> {
        let row = self
            .conn()
            .query_opt("SELECT value FROM settings WHERE key = $1", &[&key])?;
        Ok(row.map(|r| r.get(0)))
    }

    fn token(&self, hash: &str, kind: &str) -> Result<Option<TokenRow>> {
        let row = self.conn().query_opt(
            "SELECT user_id, expires_at, session_id FROM tokens WHERE hash = $1 AND kind = $2",
            &[&hash, &kind],
        )?;
        Ok(row.map(|r| TokenRow {
            user_id: r.get(0),
            expires_at: r.get(1),
            session_id: r.get(2),
        }))
    }

    fn throttle(&self, key: &str) -> Result<(i64, i64)> {
        let row = self.conn().query_opt(
            "SELECT count, last_at FROM login_throttle WHERE key = $1",
            &[&key],
        )?;
        Ok(row.map_or((0, 0), |r| (r.get(0), r.get(1))))
    }

    fn device_known(&self, user_id: &str, device_hash: &str) -> Result<bool> {
        let row = self.conn().query_opt(
            "SELECT 1 FROM devices WHERE user_id = $1 AND hash = $2",
            &[&user_id, &device_hash],
        )?;
        Ok(row.is_some())
    }

    fn blob_size(&self, hash: &str) -> Result<Option<u64>> {
        let row = self
            .conn()
            .query_opt("SELECT size FROM blobs WHERE hash = $1", &[&hash])?;
        Ok(row.map(|r| r.get::<_, i64>(0).max(0) as u64))
    }

    fn blob_granted(&self, hash: &str, user_id: &str) -> Result<bool> {
        let row = self.conn().query_opt(
            "SELECT 1 FROM blob_grants WHERE hash = $1 AND user_id = $2",
            &[&hash, &user_id],
        )?;
        Ok(row.is_some())
    }

    fn documents_with_blob(&self, hash: &str) -> Result<Vec<StoredRecord>> {
        let rows = self.conn().query(
            "SELECT kind, id, version, change_seq, deleted, ever_public, data::text
               FROM records WHERE kind = 'document' AND NOT deleted
                AND id IN (SELECT document_id FROM document_blobs WHERE hash = $1)",
            &[&hash],
        )?;
        records(rows)
    }

    fn upload_size(&self, user_id: &str, hash: &str) -> Result<Option<u64>> {
        let row = self.conn().query_opt(
            "SELECT size FROM uploads WHERE user_id = $1 AND hash = $2",
            &[&user_id, &hash],
        )?;
        Ok(row.map(|r| r.get::<_, i64>(0).max(0) as u64))
    }

    fn storage_used(&self, user_id: &str) -> Result<u64> {
        let row = self.conn().query_opt(
            "SELECT (COALESCE((SELECT SUM((v ->> 'size')::bigint)
                 FROM records r, jsonb_array_elements(
                     CASE jsonb_typeof(r.data -> 'versions')
                       WHEN 'array' THEN r.data -> 'versions' ELSE '[]'::jsonb END) v
                 WHERE r.kind = 'document' AND NOT r.deleted
                   AND v ->> 'authorId' = $1), 0)
             + COALESCE((SELECT SUM(size) FROM uploads WHERE user_id = $1), 0)
             + COALESCE((SELECT SUM(b.size) FROM blob_grants g JOIN blobs b ON b.hash = g.hash
                 WHERE g.user_id = $1 AND NOT EXISTS (
                     SELECT 1 FROM document_blobs d JOIN records r
                       ON r.kind = 'document' AND r.id = d.document_id AND NOT r.deleted
                     WHERE d.hash = g.hash)), 0))::bigint",
            &[&user_id],
        )?;
        Ok(row.map_or(0, |r| r.get::<_, i64>(0)).max(0) as u64)
    }

    fn support_reports(&self) -> Result<Vec<SupportReport>> {
        let rows = self.conn().query(
            "SELECT id, user_id, received_at, octet_length(bundle)::bigint FROM support_reports
             ORDER BY received_at DESC, id COLLATE \"C\"",
            &[],
        )?;
        Ok(rows.iter().map(support).collect())
    }

    fn support_report(&self, id: &str) -> Result<Option<(SupportReport, Vec<u8>)>> {
        let row = self.conn().query_opt(
            "SELECT id, user_id, received_at, octet_length(bundle)::bigint, bundle
               FROM support_reports WHERE id = $1",
            &[&id],
        )?;
        Ok(row.map(|r| (support(&r), r.get(4))))
    }

    fn support_reports_since(&self, user_id: &str, since: i64) -> Result<u64> {
        let row = self.conn().query_opt(
            "SELECT COUNT(*) FROM support_reports WHERE user_id = $1 AND received_at >= $2",
            &[&user_id, &since],
        )?;
        Ok(row.map_or(0, |r| r.get::<_, i64>(0)).max(0) as u64)
    }

    fn activity(&self, from_week: &str, until_week: &str) -> Result<Vec<(String, String)>> {
        let rows = self.conn().query(
            "SELECT user_id, week FROM activity WHERE week >= $1 AND week <= $2",
            &[&from_week, &until_week],
        )?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    fn op_log(&self, from: i64, until: i64) -> Result<Vec<OpLogRow>> {
        let rows = self.conn().query(
            "SELECT user_id, kind, record_id, action, keep, outcome, made_at, received_at
               FROM op_log WHERE received_at >= $1 AND received_at < $2",
            &[&from, &until],
        )?;
        Ok(rows
            .iter()
            .map(|r| OpLogRow {
                user_id: r.get(0),
                kind: r.get(1),
                record_id: r.get(2),
                action: r.get(3),
                keep: r.get(4),
                outcome: r.get(5),
                made_at: r.get(6),
                received_at: r.get(7),
            })
            .collect())
    }
}

impl WriteTx for PgTx<'_> {
    fn put_record(&mut self, rec: &StoredRecord) -> Result<i64> {
        let seq = self.take_seqs(1)?;
        self.insert_row(
            rec.kind,
            &rec.id,
            (rec.version, rec.deleted, rec.ever_public),
            seq,
            &to_json(&rec.data)?,
        )?;
        if rec.kind == EntityKind::Document {
            // The contents its versions hold now (old versions may have been let go).
            let mut conn = self.conn();
            conn.execute(
                "DELETE FROM document_blobs WHERE document_id = $1",
                &[&rec.id],
            )?;
            let versions = rec.data.get("versions").and_then(|v| v.as_array());
            for v in versions.into_iter().flatten() {
                if let Some(hash) = v.get("hash").and_then(|h| h.as_str()) {
                    conn.execute(
                        "INSERT INTO document_blobs (hash, document_id) VALUES ($1, $2)
                         ON CONFLICT DO NOTHING",
                        &[&hash, &rec.id],
                    )?;
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
        for (rec, seq) in recs.iter().zip(first..) {
            self.insert_row(
                rec.kind,
                &rec.id,
                (rec.version, rec.deleted, rec.ever_public),
                seq,
                &to_json(&rec.data)?,
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
        self.conn().execute(
            "INSERT INTO applied_ops (op_id, user_id, result) VALUES ($1, $2, $3)",
            &[&result.op_id.to_string(), &user_id, &to_json(result)?],
        )?;
        Ok(())
    }

    fn put_account(&mut self, a: &Account) -> Result<()> {
        self.conn().execute(
            "INSERT INTO accounts (user_id, login, password_hash, disabled_at,
                                   activation_expires_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (user_id) DO UPDATE SET login = excluded.login,
               password_hash = excluded.password_hash, disabled_at = excluded.disabled_at,
               activation_expires_at = excluded.activation_expires_at",
            &[
                &a.user_id,
                &a.login,
                &a.password_hash,
                &a.disabled_at,
                &a.activation_expires_at,
            ],
        )?;
        Ok(())
    }

    fn put_calendar_feed(&mut self, user_id: &str, secret_hash: &str, now: i64) -> Result<()> {
        self.conn().execute(
            "INSERT INTO calendar_feeds (user_id, secret_hash, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (user_id) DO UPDATE SET secret_hash = excluded.secret_hash,
               created_at = excluded.created_at",
            &[&user_id, &secret_hash, &now],
        )?;
        Ok(())
    }

    fn put_setting(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO settings (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )?;
        Ok(())
    }

    fn put_token(&mut self, hash: &str, kind: &str, row: &TokenRow) -> Result<()> {
        self.conn().execute(
            "INSERT INTO tokens (hash, kind, user_id, expires_at, session_id)
             VALUES ($1, $2, $3, $4, $5)",
            &[&hash, &kind, &row.user_id, &row.expires_at, &row.session_id],
        )?;
        Ok(())
    }

    fn delete_token(&mut self, hash: &str) -> Result<()> {
        self.conn()
            .execute("DELETE FROM tokens WHERE hash = $1", &[&hash])?;
        Ok(())
    }

    fn delete_user_tokens(&mut self, user_id: &str) -> Result<()> {
        self.conn()
            .execute("DELETE FROM tokens WHERE user_id = $1", &[&user_id])?;
        Ok(())
    }

    fn delete_session(&mut self, session_id: &str) -> Result<()> {
        if session_id.is_empty() {
            return Ok(()); // never "every token without a session"
        }
        self.conn()
            .execute("DELETE FROM tokens WHERE session_id = $1", &[&session_id])?;
        Ok(())
    }

    fn note_throttle(&mut self, key: &str, failed: bool, now: i64) -> Result<()> {
        if failed {
            self.conn().execute(
                "INSERT INTO login_throttle (key, count, last_at) VALUES ($1, 1, $2)
                 ON CONFLICT (key) DO UPDATE SET count = login_throttle.count + 1,
                   last_at = excluded.last_at",
                &[&key, &now],
            )?;
        } else {
            self.conn()
                .execute("DELETE FROM login_throttle WHERE key = $1", &[&key])?;
        }
        Ok(())
    }

    fn put_device(&mut self, user_id: &str, device_hash: &str, now: i64) -> Result<()> {
        self.conn().execute(
            "INSERT INTO devices (user_id, hash, last_seen) VALUES ($1, $2, $3)
             ON CONFLICT (user_id, hash) DO UPDATE SET last_seen = excluded.last_seen",
            &[&user_id, &device_hash, &now],
        )?;
        Ok(())
    }

    fn put_blob(&mut self, hash: &str, size: u64, uploader: Option<&str>, now: i64) -> Result<()> {
        let mut conn = self.conn();
        conn.execute(
            "INSERT INTO blobs (hash, size, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (hash) DO UPDATE SET created_at = excluded.created_at",
            &[&hash, &(size.min(i64::MAX as u64) as i64), &now],
        )?;
        if let Some(user_id) = uploader {
            conn.execute(
                "INSERT INTO blob_grants (hash, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&hash, &user_id],
            )?;
        }
        Ok(())
    }

    fn collect(&mut self, now: i64, stale_before: i64) -> Result<Collected> {
        let mut conn = self.conn();
        let mut out = Collected {
            tokens: conn.execute("DELETE FROM tokens WHERE expires_at <= $1", &[&now])?,
            throttles: conn.execute(
                "DELETE FROM login_throttle WHERE last_at < $1",
                &[&(now - crate::auth::THROTTLE_MEMORY_SECS)],
            )?,
            devices: conn.execute(
                "DELETE FROM devices WHERE last_seen < $1",
                &[&(now - crate::auth::DEVICE_MEMORY_SECS)],
            )?,
            ..Collected::default()
        };
        out.uploads = conn
            .query(
                "DELETE FROM uploads WHERE touched_at < $1 RETURNING user_id, hash",
                &[&stale_before],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        out.blobs = conn
            .query(
                "DELETE FROM blobs WHERE NOT EXISTS (SELECT 1 FROM document_blobs d JOIN records r
                       ON r.kind = 'document' AND r.id = d.document_id AND NOT r.deleted
                       WHERE d.hash = blobs.hash)
                   AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.hash = blobs.hash)
                   AND (created_at < $1
                        OR EXISTS (SELECT 1 FROM document_blobs d WHERE d.hash = blobs.hash))
                 RETURNING hash",
                &[&stale_before],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        for hash in &out.blobs {
            conn.execute("DELETE FROM blob_grants WHERE hash = $1", &[&hash])?;
            conn.execute("DELETE FROM document_blobs WHERE hash = $1", &[&hash])?;
        }
        Ok(out)
    }

    fn put_upload(&mut self, user_id: &str, hash: &str, size: u64, now: i64) -> Result<()> {
        self.conn().execute(
            "INSERT INTO uploads (user_id, hash, size, created_at, touched_at)
             VALUES ($1, $2, $3, $4, $4)
             ON CONFLICT (user_id, hash) DO UPDATE SET touched_at = excluded.touched_at",
            &[&user_id, &hash, &(size.min(i64::MAX as u64) as i64), &now],
        )?;
        Ok(())
    }

    fn delete_upload(&mut self, user_id: &str, hash: &str) -> Result<()> {
        self.conn().execute(
            "DELETE FROM uploads WHERE user_id = $1 AND hash = $2",
            &[&user_id, &hash],
        )?;
        Ok(())
    }

    fn put_support_report(&mut self, report: &SupportReport, bundle: &[u8]) -> Result<bool> {
        let added = self.conn().execute(
            "INSERT INTO support_reports (id, user_id, received_at, bundle)
             VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
            &[&report.id, &report.user_id, &report.received_at, &bundle],
        )?;
        Ok(added == 1)
    }

    fn put_activity(&mut self, user_id: &str, week: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO activity (user_id, week) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&user_id, &week],
        )?;
        Ok(())
    }

    fn put_op_log(&mut self, op_id: &str, row: &OpLogRow) -> Result<()> {
        self.conn().execute(
            "INSERT INTO op_log (op_id, user_id, kind, record_id, action, keep, outcome,
                                 made_at, received_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
            &[
                &op_id,
                &row.user_id,
                &row.kind,
                &row.record_id,
                &row.action,
                &row.keep,
                &row.outcome,
                &row.made_at,
                &row.received_at,
            ],
        )?;
        Ok(())
    }

    fn commit(mut self: Box<Self>) -> Result<()> {
        self.conn().client.batch_execute("COMMIT")?;
        self.done = true;
        Ok(())
    }
}
