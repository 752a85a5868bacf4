//! The local replica: entity tables (the local view), the mirror (merge base), the outbox,
//! the cursor and the change feed — and the rules that keep them consistent.
//!
//! Invariants (checked by the crash tests):
//! - a local edit writes its entity row and its outbox op in one transaction;
//! - a pulled page is applied and the cursor advanced in one transaction, so the cursor is
//!   never ahead of the data;
//! - a record with pending ops shows the server copy (mirror) with those ops replayed on top,
//!   so a pull never hides an edit that has not gone up yet.

use std::collections::BTreeMap;
use std::path::Path;

use ardoise_protocol::ErrorCode;
use ardoise_protocol::{
    check_record, Data, EntityKind, FieldChange, Keep, Op, OpAction, OpResult, Outcome,
    PullResponse, Record,
};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::connector::Snapshot;
use crate::profile::Tokens;
use crate::secrets::{self, KeyStorage};
use crate::spec::spec;
use crate::{db, Result, SyncError};

/// Where a change came from, for the change feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Made on this device.
    Local,
    /// Pulled from the server.
    Remote,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Local => "local",
            Source::Remote => "remote",
        }
    }
}

/// An op the server refused for good, kept so the user sees it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QuarantinedOp {
    /// The op.
    pub op_id: String,
    /// Kind of the record.
    pub kind: String,
    /// Record id.
    pub record_id: String,
    /// Why.
    pub error_code: ErrorCode,
    /// Why, for people.
    pub error_message: String,
}

/// What acknowledging a push did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AckReport {
    /// Ops applied as they were.
    pub applied: usize,
    /// Ops that made a conflict revision.
    pub conflicts: usize,
    /// Ops refused for good, now quarantined.
    pub rejected: Vec<QuarantinedOp>,
}

/// Change feed rows kept (older ones are pruned after each apply).
const FEED_KEEP: i64 = 10_000;

/// The replica of one user's view of the school, encrypted at rest (SQLCipher, its key in
/// the OS keyring: see [`crate::secrets`]).
pub struct Replica {
    conn: Connection,
    key_storage: KeyStorage,
}

/// Keys of `sync_state`.
pub mod keys {
    /// Last `change_seq` applied.
    pub const CURSOR: &str = "cursor";
    /// RFC 3339 time of the last complete sync.
    pub const LAST_SYNC: &str = "last_sync";
    /// The profile's user id.
    pub const USER_ID: &str = "user_id";
    /// The session tokens (JSON), encrypted with the rest.
    pub const SESSION: &str = "session";
    /// The device token the ENT gave at the last login: the ENT does not hold this
    /// computer back for password failures made elsewhere.
    pub const DEVICE: &str = "device";
    /// What the backend keeps between syncs (opaque to the core, ADR 0011): written in the
    /// transaction of the records or acknowledgements it goes with.
    pub const BACKEND: &str = "backend";
    /// Which kind of ENT the profile is on (`Connector::name`), set at login.
    pub const ENT: &str = "ent";
    /// Ardoise's OAuth2 client secret on an Open ENT NG, encrypted with the rest.
    pub const CLIENT_SECRET: &str = "client_secret";
    /// Kinds (comma-separated wire names) a replica synced by an older build never
    /// received — the server hid them from its protocol version — and whose records the
    /// next sync takes from a snapshot (ADR 0019). Set by the migration that adds them.
    pub const CATCH_UP: &str = "catch_up";
}

impl Replica {
    /// Opens (creating if missing) the replica file, with the key of its folder (created
    /// with the replica).
    pub fn open(path: &Path) -> Result<Replica> {
        let dir = path.parent().unwrap_or(Path::new("."));
        let (key, key_storage) = secrets::replica_key(dir)?;
        Ok(Replica {
            conn: db::open_connection(path, &key)?,
            key_storage,
        })
    }

    /// A replica in memory, for tests.
    pub fn in_memory() -> Result<Replica> {
        Ok(Replica {
            conn: db::open_in_memory()?,
            key_storage: KeyStorage::None,
        })
    }

    /// Where the key of this replica is kept (shown in the status when it is a file).
    pub fn key_storage(&self) -> KeyStorage {
        self.key_storage
    }

    /// The session tokens, or [`SyncError::LoggedOut`].
    pub fn tokens(&self) -> Result<Tokens> {
        let text = self.state(keys::SESSION)?.ok_or(SyncError::LoggedOut)?;
        serde_json::from_str(&text).map_err(|_| SyncError::LoggedOut)
    }

    /// Stores the session tokens.
    pub fn save_tokens(&self, tokens: &Tokens) -> Result<()> {
        let json =
            serde_json::to_string(tokens).map_err(|e| SyncError::BadResponse(e.to_string()))?;
        self.set_state(keys::SESSION, &json)
    }

    /// The connection, for this crate's queries: the schema is not an API (the app and the
    /// CLI read through [`crate::views`]).
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The raw connection, for tests and benchmarks that look at what is stored (the
    /// `inspect` feature; never enabled by the app or the CLI).
    #[cfg(feature = "inspect")]
    pub fn sql(&self) -> &Connection {
        &self.conn
    }

    /// A value of `sync_state`.
    pub fn state(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM sync_state WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Removes a value of `sync_state`.
    pub fn clear_state(&self, key: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM sync_state WHERE key = ?1", [key])?;
        Ok(())
    }

    /// Sets a value of `sync_state`.
    pub fn set_state(&self, key: &str, value: &str) -> Result<()> {
        set_state(&self.conn, key, value)
    }

    /// The last `change_seq` applied (0 for a new replica).
    pub fn cursor(&self) -> Result<i64> {
        Ok(self
            .state(keys::CURSOR)?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0))
    }

    /// The user this replica belongs to.
    pub fn user_id(&self) -> Result<String> {
        self.state(keys::USER_ID)?
            .ok_or_else(|| SyncError::NotFound("utilisateur du profil (connectez-vous)".into()))
    }

    /// A record's local data and version.
    pub fn get(&self, kind: EntityKind, id: &str) -> Result<Option<(i64, Data)>> {
        read_row(&self.conn, kind, id)
    }

    /// Checks a pulled page, then applies it and advances the cursor in one transaction.
    /// A page that fails any check changes nothing.
    pub fn apply_pull(&mut self, page: PullResponse) -> Result<usize> {
        self.apply_pull_with(page, None)
    }

    /// [`Replica::apply_pull`], keeping the backend's state in the same transaction.
    pub fn apply_pull_with(&mut self, page: PullResponse, backend: Option<&str>) -> Result<usize> {
        let cursor = self.cursor()?;
        if page.next_cursor < cursor {
            return Err(SyncError::BadResponse(format!(
                "le curseur recule ({} < {cursor})",
                page.next_cursor
            )));
        }
        let me = self.state(keys::USER_ID)?;
        let mut last = cursor;
        let mut records = Vec::with_capacity(page.changes.len());
        for rec in page.changes {
            if rec.change_seq <= last || rec.change_seq > page.next_cursor {
                return Err(SyncError::BadResponse(format!(
                    "change_seq {} hors de l'ordre attendu ({last}, {}]",
                    rec.change_seq, page.next_cursor
                )));
            }
            last = rec.change_seq;
            records.push(admit(rec, me.as_deref())?);
        }
        let tx = self.conn.transaction()?;
        let n = apply_records(&tx, &records, records.len() > 500)?;
        set_state(&tx, keys::CURSOR, &page.next_cursor.to_string())?;
        if let Some(state) = backend {
            set_state(&tx, keys::BACKEND, state)?;
        }
        tx.commit()?;
        Ok(n)
    }

    /// Applies a snapshot to a new replica and sets the cursor to its sequence.
    pub fn apply_snapshot(&mut self, snap: impl Into<Snapshot>) -> Result<usize> {
        self.apply_snapshot_with(snap.into(), &mut |_, _| {})
    }

    /// Applies a snapshot while it arrives, in one transaction: a second thread reads,
    /// checks and sanitises the records (`admit`) while this one writes the previous
    /// batch, and `progress(done, estimate)` is told after each batch. Memory holds a few
    /// batches, whatever the school's size. Anything wrong — a refused record, a broken or
    /// lying stream, a write that fails — rolls everything back: the replica stays new.
    pub fn apply_snapshot_with(
        &mut self,
        snap: Snapshot,
        progress: &mut dyn FnMut(u64, Option<u64>),
    ) -> Result<usize> {
        const BATCH: usize = 1_000;
        if snap.seq < 0 {
            return Err(SyncError::BadResponse("séquence négative".into()));
        }
        let me = self.state(keys::USER_ID)?;
        let Snapshot {
            seq,
            estimate,
            records,
            backend_state,
        } = snap;
        let tx = self.conn.transaction()?;
        let written = std::thread::scope(|scope| -> Result<usize> {
            let (send, batches) = std::sync::mpsc::sync_channel::<Result<Vec<Record>>>(4);
            // Written batches go back to be freed where they were allocated: freeing on
            // the writer's thread makes both threads fight over one allocator arena.
            let (give_back, spent) = std::sync::mpsc::sync_channel::<Vec<Record>>(4);
            let me = me.as_deref();
            let reader = std::thread::Builder::new().name("snapshot-reader".into());
            reader.spawn_scoped(scope, move || {
                let mut batch = Vec::with_capacity(BATCH);
                for rec in records {
                    match rec.and_then(|r| admit(r, me)) {
                        Ok(r) => batch.push(r),
                        Err(e) => {
                            let _ = send.send(Err(e));
                            return;
                        }
                    }
                    if batch.len() == BATCH {
                        while let Ok(done) = spent.try_recv() {
                            drop(done);
                        }
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                        if send.send(Ok(full)).is_err() {
                            return; // the writer gave up
                        }
                    }
                }
                let _ = send.send(Ok(batch));
            })?;
            let mut written = 0;
            // Ends when the reader is done; an early return drops `batches`, which stops it.
            for batch in batches {
                let batch = batch?;
                written += apply_records(&tx, &batch, true)?;
                let _ = give_back.try_send(batch);
                progress(written as u64, estimate);
            }
            Ok(written)
        })?;
        set_state(&tx, keys::CURSOR, &seq.to_string())?;
        if let Some(state) = backend_state {
            set_state(&tx, keys::BACKEND, &state)?;
        }
        tx.commit()?;
        Ok(written)
    }

    /// Applies, from a snapshot, the records of the kinds listed in
    /// [`keys::CATCH_UP`] only, and clears that key (one transaction): what an older build
    /// of this replica was never sent. The cursor stays where it is: the pulls after it
    /// bring those kinds' later changes like any other.
    pub fn apply_catch_up(&mut self, snap: Snapshot) -> Result<usize> {
        let kinds: Vec<EntityKind> = self
            .state(keys::CATCH_UP)?
            .unwrap_or_default()
            .split(',')
            .filter_map(EntityKind::parse)
            .collect();
        let me = self.state(keys::USER_ID)?;
        let tx = self.conn.transaction()?;
        let mut written = 0;
        let mut batch = Vec::new();
        for rec in snap.records {
            let rec = admit(rec?, me.as_deref())?;
            if kinds.contains(&rec.kind) {
                batch.push(rec);
            }
            if batch.len() == 1_000 {
                written += apply_records(&tx, &std::mem::take(&mut batch), true)?;
            }
        }
        written += apply_records(&tx, &batch, true)?;
        tx.execute("DELETE FROM sync_state WHERE key = ?1", [keys::CATCH_UP])?;
        tx.commit()?;
        Ok(written)
    }

    /// Creates a record here; queued for the server. Data over the protocol's limits
    /// (a field too long, a record too large) is refused here, before it is queued: the
    /// server would refuse it all the same.
    pub fn local_create(&mut self, kind: EntityKind, id: &str, data: Data) -> Result<Uuid> {
        ardoise_protocol::check_id(id)?;
        let data = ardoise_protocol::entities::validate_owned(kind, data)?;
        let tx = self.conn.transaction()?;
        if read_row(&tx, kind, id)?.is_some() {
            return Err(SyncError::refused(
                ErrorCode::RecordExists,
                "Cet enregistrement existe déjà.",
            ));
        }
        let fields = from_nothing(&data);
        let op_id = enqueue(&tx, OpAction::Create, kind, id, None, &fields, None)?;
        upsert_row(&tx, kind, id, 0, &data)?;
        feed(&tx, kind, Some(id), Source::Local)?;
        tx.commit()?;
        Ok(op_id)
    }

    /// Changes some fields of a record here; queued for the server. Returns None when
    /// nothing changed.
    pub fn local_update(&mut self, kind: EntityKind, id: &str, new: &Data) -> Result<Option<Uuid>> {
        let tx = self.conn.transaction()?;
        let (version, current) =
            read_row(&tx, kind, id)?.ok_or_else(|| SyncError::NotFound(format!("{kind} {id}")))?;
        let mut fields = BTreeMap::new();
        for (k, v) in new {
            let cur = current.get(k).cloned().unwrap_or(Value::Null);
            if &cur != v {
                fields.insert(
                    k.clone(),
                    FieldChange {
                        base: cur,
                        new: v.clone(),
                    },
                );
            }
        }
        if fields.is_empty() {
            return Ok(None);
        }
        let mut edited = current.clone();
        edited.extend(fields.iter().map(|(k, c)| (k.clone(), c.new.clone())));
        ardoise_protocol::entities::validate(kind, &edited)?;
        remember_base(&tx, kind, id, version, &current)?;
        let op_id = enqueue(
            &tx,
            OpAction::Update,
            kind,
            id,
            Some(version),
            &fields,
            None,
        )?;
        let mut data = current;
        for (k, c) in &fields {
            data.insert(k.clone(), c.new.clone());
        }
        upsert_row(&tx, kind, id, version, &data)?;
        feed(&tx, kind, Some(id), Source::Local)?;
        tx.commit()?;
        Ok(Some(op_id))
    }

    /// Deletes a record here; queued for the server.
    pub fn local_delete(&mut self, kind: EntityKind, id: &str) -> Result<Uuid> {
        let tx = self.conn.transaction()?;
        let (version, current) =
            read_row(&tx, kind, id)?.ok_or_else(|| SyncError::NotFound(format!("{kind} {id}")))?;
        remember_base(&tx, kind, id, version, &current)?;
        let op_id = enqueue(
            &tx,
            OpAction::Delete,
            kind,
            id,
            Some(version),
            &BTreeMap::new(),
            None,
        )?;
        delete_row(&tx, kind, id)?;
        feed(&tx, kind, Some(id), Source::Local)?;
        tx.commit()?;
        Ok(op_id)
    }

    /// Resolves a conflict revision here (it disappears at once); queued for the server,
    /// which applies "mine" (or the merged `values`) to the record.
    pub fn local_resolve(&mut self, conflict_id: &str, keep: Keep, values: &Data) -> Result<Uuid> {
        let tx = self.conn.transaction()?;
        let (version, current) = read_row(&tx, EntityKind::Conflict, conflict_id)?
            .ok_or_else(|| SyncError::NotFound(format!("conflit {conflict_id}")))?;
        remember_base(&tx, EntityKind::Conflict, conflict_id, version, &current)?;
        let fields = from_nothing(values);
        let op_id = enqueue(
            &tx,
            OpAction::Resolve,
            EntityKind::Conflict,
            conflict_id,
            Some(version),
            &fields,
            Some(keep),
        )?;
        delete_row(&tx, EntityKind::Conflict, conflict_id)?;
        feed(&tx, EntityKind::Conflict, Some(conflict_id), Source::Local)?;
        tx.commit()?;
        Ok(op_id)
    }

    /// Pending ops, oldest first, but for the document ops still waiting for their upload.
    pub fn pending_ops(&self, limit: usize) -> Result<Vec<Op>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT op_id, action, kind, record_id, base_version, fields, keep FROM outbox
             WHERE state = 'pending'
               -- a document op waits until the server has its content
               AND NOT EXISTS (SELECT 1 FROM transfers t WHERE t.document_id = outbox.record_id
                               AND t.direction = 'up' AND t.state != 'done')
             ORDER BY seq LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<String>>(6)?,
            ))
        })?;
        let mut ops = Vec::new();
        for row in rows {
            let (op_id, action, kind, record_id, base_version, fields, keep) = row?;
            ops.push(Op {
                op_id: op_id.parse().map_err(|_| corrupt("op_id"))?,
                action: serde_json::from_value(Value::String(action))
                    .map_err(|_| corrupt("action"))?,
                kind: EntityKind::parse(&kind).ok_or_else(|| corrupt("kind"))?,
                record_id,
                base_version,
                fields: serde_json::from_str(&fields).map_err(|_| corrupt("fields"))?,
                keep: keep
                    .map(|k| serde_json::from_value(Value::String(k)))
                    .transpose()
                    .map_err(|_| corrupt("keep"))?,
            });
        }
        Ok(ops)
    }

    /// Takes the server's answers to pushed ops: applied and conflicting ops leave the
    /// outbox (the server has them), refused ones are quarantined and their effect undone
    /// locally. One transaction.
    pub fn ack(&mut self, results: &[OpResult]) -> Result<AckReport> {
        self.ack_with(results, None)
    }

    /// [`Replica::ack`], keeping the backend's state in the same transaction.
    pub fn ack_with(&mut self, results: &[OpResult], backend: Option<&str>) -> Result<AckReport> {
        let tx = self.conn.transaction()?;
        if let Some(state) = backend {
            set_state(&tx, keys::BACKEND, state)?;
        }
        let mut report = AckReport::default();
        for r in results {
            let row: Option<(String, String, String)> = tx
                .query_row(
                    "SELECT kind, record_id, action FROM outbox
                     WHERE op_id = ?1 AND state = 'pending'",
                    [r.op_id.to_string()],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()?;
            let Some((kind, record_id, action)) = row else {
                continue; // acknowledged already
            };
            let kind = EntityKind::parse(&kind).ok_or_else(|| corrupt("kind"))?;
            match r.outcome {
                Outcome::Applied | Outcome::Conflict => {
                    tx.execute("DELETE FROM outbox WHERE op_id = ?1", [r.op_id.to_string()])?;
                    if r.outcome == Outcome::Applied {
                        report.applied += 1;
                    } else {
                        report.conflicts += 1;
                        // The server kept its own value (ours is in the conflict revision,
                        // or a conflict copy): show its copy, with what is still pending.
                        // The record may not change on the server, so no pull would.
                        let based: bool = tx.query_row(
                            "SELECT EXISTS (SELECT 1 FROM mirror WHERE kind = ?1 AND id = ?2)",
                            params![kind.as_str(), record_id],
                            |row| row.get(0),
                        )?;
                        if based {
                            rebuild_local(&tx, kind, &record_id)?;
                            feed(&tx, kind, Some(&record_id), Source::Remote)?;
                        }
                    }
                    if !has_pending(&tx, kind, &record_id)? {
                        tx.execute(
                            "DELETE FROM mirror WHERE kind = ?1 AND id = ?2",
                            params![kind.as_str(), record_id],
                        )?;
                        if let (Outcome::Applied, Some(v)) = (r.outcome, r.version) {
                            let sql = format!(
                                "UPDATE {} SET version = ?1 WHERE id = ?2",
                                spec(kind).table
                            );
                            tx.execute(&sql, params![v, record_id])?;
                        }
                    }
                }
                Outcome::Rejected => {
                    let err = r.error.clone().unwrap_or_else(|| {
                        ardoise_protocol::ApiError::new(
                            ErrorCode::SyncRejected,
                            "Refusé par le serveur.",
                        )
                    });
                    tx.execute(
                        "UPDATE outbox SET state = 'quarantined', error_code = ?2,
                         error_message = ?3 WHERE op_id = ?1",
                        params![r.op_id.to_string(), err.code.as_str(), err.message],
                    )?;
                    if action == "create" {
                        // The record will never exist: the edits made to it since can only
                        // be refused too, and for the same reason (not "not found").
                        tx.execute(
                            "UPDATE outbox SET state = 'quarantined', error_code = ?3,
                             error_message = ?4
                             WHERE kind = ?1 AND record_id = ?2 AND state = 'pending'",
                            params![kind.as_str(), record_id, err.code.as_str(), err.message],
                        )?;
                    }
                    rebuild_local(&tx, kind, &record_id)?;
                    if !has_pending(&tx, kind, &record_id)? {
                        tx.execute(
                            "DELETE FROM mirror WHERE kind = ?1 AND id = ?2",
                            params![kind.as_str(), record_id],
                        )?;
                    }
                    feed(&tx, kind, Some(&record_id), Source::Remote)?;
                    report.rejected.push(QuarantinedOp {
                        op_id: r.op_id.to_string(),
                        kind: kind.as_str().into(),
                        record_id,
                        error_code: err.code,
                        error_message: err.message,
                    });
                }
            }
        }
        tx.commit()?;
        Ok(report)
    }

    /// Counts a refusal of one op pushed alone; after `limit` refusals it is quarantined
    /// (a poison op must not hold the queue). Returns the quarantined op, if it was.
    pub fn note_refusal(
        &mut self,
        op_id: Uuid,
        error: &ardoise_protocol::ApiError,
        limit: i64,
    ) -> Result<Option<QuarantinedOp>> {
        let attempts: i64 = self.conn.query_row(
            "UPDATE outbox SET attempts = attempts + 1 WHERE op_id = ?1 RETURNING attempts",
            [op_id.to_string()],
            |r| r.get(0),
        )?;
        if attempts < limit {
            return Ok(None);
        }
        let result = OpResult {
            op_id,
            outcome: Outcome::Rejected,
            version: None,
            conflict_id: None,
            error: Some(error.clone()),
        };
        Ok(self.ack(&[result])?.rejected.pop())
    }

    /// Counts a push that failed for a passing reason against each pending op.
    pub fn note_attempt(&self) -> Result<()> {
        self.conn.execute(
            "UPDATE outbox SET attempts = attempts + 1 WHERE state = 'pending'",
            [],
        )?;
        Ok(())
    }

    /// Ops waiting to go up.
    pub fn pending_count(&self) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM outbox WHERE state = 'pending'",
            [],
            |r| r.get(0),
        )?)
    }

    /// Ops refused for good.
    pub fn quarantined(&self) -> Result<Vec<QuarantinedOp>> {
        let mut stmt = self.conn.prepare(
            "SELECT op_id, kind, record_id, error_code, error_message FROM outbox
             WHERE state = 'quarantined' ORDER BY seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(QuarantinedOp {
                op_id: r.get(0)?,
                kind: r.get(1)?,
                record_id: r.get(2)?,
                error_code: ErrorCode::parse(&r.get::<_, Option<String>>(3)?.unwrap_or_default()),
                error_message: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Open conflict revisions.
    pub fn conflict_count(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM conflicts", [], |r| r.get(0))?)
    }

    /// The newest entry of the change feed (0 when empty).
    pub fn feed_head(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT COALESCE(MAX(seq), 0) FROM change_feed", [], |r| {
                r.get(0)
            })?)
    }

    /// What changed after feed entry `after`: the kinds of records pulled from the ENT and
    /// those changed on this device, for views to refresh only what they show.
    pub fn changes_after(&self, after: i64) -> Result<Changes> {
        let mut changes = Changes {
            head: after,
            complete: true,
            ..Changes::default()
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT kind, source, MIN(seq), MAX(seq) FROM change_feed WHERE seq > ?1
             GROUP BY kind, source ORDER BY kind, source",
        )?;
        let rows = stmt.query_map([after], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        let mut first = i64::MAX;
        for row in rows {
            let (kind, source, min, max) = row?;
            first = first.min(min);
            changes.head = changes.head.max(max);
            let Some(kind) = EntityKind::parse(&kind) else {
                continue;
            };
            let list = if source == Source::Remote.as_str() {
                &mut changes.remote
            } else {
                &mut changes.local
            };
            if !list.contains(&kind) {
                list.push(kind);
            }
        }
        // Entries are numbered one after the other and only the oldest are ever dropped:
        // a gap after `after` means some were dropped before they were read.
        changes.complete = first == i64::MAX || first == after + 1;
        Ok(changes)
    }
}

/// What changed in a replica since a view last looked ([`Replica::changes_after`]).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Changes {
    /// The newest entry read: ask after it next time.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub head: i64,
    /// Kinds of records pulled from the ENT.
    pub remote: Vec<EntityKind>,
    /// Kinds of records changed on this device (the user's edits, folder sync).
    pub local: Vec<EntityKind>,
    /// False when entries were dropped before they were read (the feed keeps the last
    /// ten thousand): a view then takes everything as changed.
    pub complete: bool,
}

/// Checks one received record: shape, sanitised data, and that it is something this
/// user may hold (no other teacher's draft or private annotation).
fn admit(rec: Record, me: Option<&str>) -> Result<Record> {
    let rec = check_record(rec)?;
    if let (Some(data), Some(me)) = (&rec.data, me) {
        if matches!(rec.kind, EntityKind::Session | EntityKind::Homework) {
            let owner = data.get("teacherId").and_then(Value::as_str).unwrap_or("");
            let draft = data.get("state").and_then(Value::as_str) == Some("draft");
            let annotated = data.get("annotation").is_some_and(|a| !a.is_null());
            if owner != me && (draft || annotated) {
                return Err(SyncError::BadResponse(format!(
                    "le serveur envoie un brouillon ou une annotation d'un autre enseignant ({})",
                    rec.id
                )));
            }
        }
        if rec.kind == EntityKind::Progression
            && data.get("teacherId").and_then(Value::as_str) != Some(me)
        {
            return Err(SyncError::BadResponse(format!(
                "le serveur envoie la progression d'un autre enseignant ({})",
                rec.id
            )));
        }
        if rec.kind == EntityKind::Conflict
            && data.get("authorId").and_then(Value::as_str) != Some(me)
        {
            return Err(SyncError::BadResponse(format!(
                "le serveur envoie la révision en conflit d'un autre utilisateur ({})",
                rec.id
            )));
        }
    }
    Ok(rec)
}

/// The fields of `data` as changes from nothing (a create, or values chosen outright).
fn from_nothing(data: &Data) -> BTreeMap<String, FieldChange> {
    data.iter()
        .map(|(k, v)| {
            let change = FieldChange {
                base: Value::Null,
                new: v.clone(),
            };
            (k.clone(), change)
        })
        .collect()
}

fn corrupt(what: &str) -> SyncError {
    SyncError::BadResponse(format!("file d'attente locale illisible ({what})"))
}

fn set_state(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_state (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Reads a record's local row.
pub(crate) fn read_row(
    conn: &Connection,
    kind: EntityKind,
    id: &str,
) -> Result<Option<(i64, Data)>> {
    let s = spec(kind);
    let mut stmt = conn.prepare_cached(s.select_sql())?;
    Ok(stmt
        .query_row([id], |r| Ok((r.get(0)?, s.data_from_row(r, 1)?)))
        .optional()?)
}

fn upsert_row(
    conn: &Connection,
    kind: EntityKind,
    id: &str,
    version: i64,
    data: &Data,
) -> Result<()> {
    let s = spec(kind);
    let mut stmt = conn.prepare_cached(s.upsert_sql())?;
    let mut values: Vec<rusqlite::types::Value> = vec![id.to_string().into(), version.into()];
    values.extend(s.values(data));
    stmt.execute(rusqlite::params_from_iter(values))?;
    if kind == EntityKind::Audience {
        conn.execute("DELETE FROM audience_members WHERE group_id = ?1", [id])?;
        if let Some(members) = data.get("memberClassIds").and_then(Value::as_array) {
            let mut ins = conn.prepare_cached(
                "INSERT OR IGNORE INTO audience_members (class_id, group_id) VALUES (?1, ?2)",
            )?;
            for m in members.iter().filter_map(Value::as_str) {
                ins.execute(params![m, id])?;
            }
        }
    }
    Ok(())
}

fn delete_row(conn: &Connection, kind: EntityKind, id: &str) -> Result<()> {
    let sql = format!("DELETE FROM {} WHERE id = ?1", spec(kind).table);
    conn.prepare_cached(&sql)?.execute([id])?;
    if kind == EntityKind::Audience {
        conn.execute("DELETE FROM audience_members WHERE group_id = ?1", [id])?;
    }
    Ok(())
}

fn feed(conn: &Connection, kind: EntityKind, id: Option<&str>, source: Source) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO change_feed (kind, record_id, source, at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![kind.as_str(), id, source.as_str(), now()])?;
    Ok(())
}

fn has_pending(conn: &Connection, kind: EntityKind, id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM outbox WHERE kind = ?1 AND record_id = ?2 AND state = 'pending' LIMIT 1",
        )?
        .exists(params![kind.as_str(), id])?)
}

/// Keeps the server copy of a record the first time it is edited here, as merge base.
fn remember_base(
    conn: &Connection,
    kind: EntityKind,
    id: &str,
    version: i64,
    data: &Data,
) -> Result<()> {
    if has_pending(conn, kind, id)? {
        return Ok(()); // the base is already kept
    }
    conn.execute(
        "INSERT OR REPLACE INTO mirror (kind, id, version, deleted, data) VALUES (?1, ?2, ?3, 0, ?4)",
        params![kind.as_str(), id, version, Value::Object(data.clone()).to_string()],
    )?;
    Ok(())
}

fn enqueue(
    conn: &Connection,
    action: OpAction,
    kind: EntityKind,
    id: &str,
    base_version: Option<i64>,
    fields: &BTreeMap<String, FieldChange>,
    keep: Option<Keep>,
) -> Result<Uuid> {
    let op_id = Uuid::now_v7();
    let action = serde_json::to_value(action).map_err(|_| corrupt("action"))?;
    let keep = keep
        .map(serde_json::to_value)
        .transpose()
        .map_err(|_| corrupt("keep"))?;
    conn.prepare_cached(
        "INSERT INTO outbox (op_id, action, kind, record_id, base_version, fields, keep, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        op_id.to_string(),
        action.as_str(),
        kind.as_str(),
        id,
        base_version,
        serde_json::to_string(fields).map_err(|_| corrupt("fields"))?,
        keep.as_ref().and_then(Value::as_str),
        now()
    ])?;
    Ok(op_id)
}

/// Recomputes a record's local row: its server copy (mirror) with the pending ops replayed.
fn rebuild_local(conn: &Connection, kind: EntityKind, id: &str) -> Result<()> {
    let base: Option<(i64, bool, String)> = conn
        .query_row(
            "SELECT version, deleted, data FROM mirror WHERE kind = ?1 AND id = ?2",
            params![kind.as_str(), id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let (version, mut data) = match base {
        Some((v, false, json)) => (
            v,
            Some(serde_json::from_str::<Data>(&json).map_err(|_| corrupt("mirror"))?),
        ),
        Some((v, true, _)) => (v, None),
        None => (0, None),
    };
    let mut stmt = conn.prepare_cached(
        "SELECT action, fields FROM outbox WHERE kind = ?1 AND record_id = ?2 AND state = 'pending'
         ORDER BY seq",
    )?;
    let ops = stmt
        .query_map(params![kind.as_str(), id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (action, fields) in ops {
        let fields: BTreeMap<String, FieldChange> =
            serde_json::from_str(&fields).map_err(|_| corrupt("fields"))?;
        match action.as_str() {
            "create" => data = Some(fields.into_iter().map(|(k, c)| (k, c.new)).collect()),
            "update" => {
                if let Some(d) = data.as_mut() {
                    for (k, c) in fields {
                        d.insert(k, c.new);
                    }
                }
            }
            _ => data = None, // delete, resolve
        }
    }
    match data {
        Some(d) => upsert_row(conn, kind, id, version, &d),
        None => delete_row(conn, kind, id),
    }
}

/// Applies checked records. `bulk` writes one feed row per kind instead of one per record.
fn apply_records(conn: &Connection, records: &[Record], bulk: bool) -> Result<usize> {
    let mut kinds = std::collections::BTreeSet::new();
    let any_pending: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM outbox WHERE state = 'pending')")?
        .query_row([], |r| r.get(0))?;

    for rec in records {
        let pending = any_pending && has_pending(conn, rec.kind, &rec.id)?;
        if pending {
            // Refresh the merge base, then show it with the pending edits on top.
            let data = rec.data.clone().map(Value::Object).unwrap_or(Value::Null);
            conn.execute(
                "INSERT OR REPLACE INTO mirror (kind, id, version, deleted, data) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![rec.kind.as_str(), rec.id, rec.version, rec.deleted, data.to_string()],
            )?;
            rebuild_local(conn, rec.kind, &rec.id)?;
        } else {
            match &rec.data {
                Some(data) if !rec.deleted => {
                    upsert_row(conn, rec.kind, &rec.id, rec.version, data)?
                }
                _ => delete_row(conn, rec.kind, &rec.id)?,
            }
        }
        if bulk {
            kinds.insert(rec.kind);
        } else {
            feed(conn, rec.kind, Some(&rec.id), Source::Remote)?;
        }
    }
    for kind in kinds {
        feed(conn, kind, None, Source::Remote)?;
    }
    // The feed is for views to catch up, not an archive: keep the last rows only.
    conn.prepare_cached(
        "DELETE FROM change_feed WHERE seq <= (SELECT MAX(seq) FROM change_feed) - ?1",
    )?
    .execute([FEED_KEEP])?;
    Ok(records.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Data {
        v.as_object().unwrap().clone()
    }

    fn room(id: &str, seq: i64, label: &str) -> Record {
        Record {
            kind: EntityKind::Room,
            id: id.into(),
            version: 1,
            change_seq: seq,
            deleted: false,
            data: Some(obj(json!({"code": id, "label": label}))),
        }
    }

    fn session_data(title: &str) -> Data {
        obj(
            json!({"audienceId": "c1", "subjectId": "s1", "teacherId": "t1", "date": "2026-11-30",
                   "start": "10:00", "end": "11:00", "title": title, "content": "",
                   "annotation": null, "state": "draft", "publishAt": null, "occurrenceId": null}),
        )
    }

    /// The server's answer refusing an op under a visa.
    fn visa_refusal(op_id: Uuid) -> OpResult {
        OpResult {
            op_id,
            outcome: Outcome::Rejected,
            version: None,
            conflict_id: None,
            error: Some(ardoise_protocol::ApiError::new(
                ErrorCode::LogbookVisaLocked,
                "visée",
            )),
        }
    }

    fn lesson(id: &str, seq: i64, co_teachers: &[&str]) -> Record {
        Record {
            kind: EntityKind::CourseOccurrence,
            id: id.into(),
            version: seq,
            change_seq: seq,
            deleted: false,
            data: Some(obj(
                json!({"courseId": "crs-1", "date": "2026-11-30", "start": "09:00",
                "end": "10:00", "subjectId": "s1", "teacherId": "t1", "coTeacherIds": co_teachers,
                "audienceId": "c1", "roomId": null, "status": "planned", "substituteId": null,
                "note": null}),
            )),
        }
    }

    fn co_teachers(r: &Replica) -> Vec<(String, String)> {
        let mut stmt = r
            .conn
            .prepare("SELECT occurrence_id, teacher_id FROM lesson_co_teachers ORDER BY 1, 2")
            .unwrap();
        let rows = stmt
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap();
        rows.map(|row| row.unwrap()).collect()
    }

    #[test]
    fn a_lessons_co_teachers_follow_it_through_snapshot_pull_and_deletion() {
        let mut r = Replica::in_memory().unwrap();
        r.apply_snapshot(ardoise_protocol::SnapshotResponse {
            seq: 2,
            records: vec![lesson("o1", 1, &["t2", "t3"]), lesson("o2", 2, &[])],
        })
        .unwrap();
        let pair = |o: &str, t: &str| (o.to_string(), t.to_string());
        assert_eq!(co_teachers(&r), [pair("o1", "t2"), pair("o1", "t3")]);
        let page = |changes, next_cursor| PullResponse {
            changes,
            next_cursor,
            has_more: false,
        };
        let changed = vec![lesson("o1", 3, &["t3"]), lesson("o2", 4, &["t2"])];
        r.apply_pull(page(changed, 4)).unwrap();
        assert_eq!(co_teachers(&r), [pair("o1", "t3"), pair("o2", "t2")]);
        let mut gone = lesson("o1", 10, &[]);
        gone.deleted = true;
        gone.data = None;
        r.apply_pull(page(vec![gone], 10)).unwrap();
        assert_eq!(co_teachers(&r), [pair("o2", "t2")]);
    }

    #[test]
    fn a_page_moves_the_cursor_with_its_data() {
        let mut r = Replica::in_memory().unwrap();
        let page = PullResponse {
            changes: vec![room("a", 1, "A"), room("b", 2, "B")],
            next_cursor: 5,
            has_more: false,
        };
        assert_eq!(r.apply_pull(page).unwrap(), 2);
        assert_eq!(r.cursor().unwrap(), 5);
        assert_eq!(
            r.get(EntityKind::Room, "b").unwrap().unwrap().1["label"],
            "B"
        );
    }

    #[test]
    fn a_bad_page_changes_nothing() {
        let mut r = Replica::in_memory().unwrap();
        let mut bad = room("b", 2, "B");
        bad.data.as_mut().unwrap().insert("code".into(), json!(12));
        let page = PullResponse {
            changes: vec![room("a", 1, "A"), bad],
            next_cursor: 2,
            has_more: false,
        };
        assert!(r.apply_pull(page).is_err());
        assert_eq!(r.cursor().unwrap(), 0);
        assert!(r.get(EntityKind::Room, "a").unwrap().is_none());
        // Sequence numbers going backwards are refused too.
        let page = PullResponse {
            changes: vec![room("a", 2, "A"), room("b", 1, "B")],
            next_cursor: 2,
            has_more: false,
        };
        assert!(matches!(r.apply_pull(page), Err(SyncError::BadResponse(_))));
    }

    /// A snapshot of `n` rooms whose record `fail_at` is an error (a broken stream) or,
    /// with `refused`, a record the checks refuse.
    fn rooms_then(n: usize, fail_at: usize, refused: bool) -> Snapshot {
        let records = (0..n).map(move |i| {
            let mut r = room(&format!("s{i}"), i as i64 + 1, "Salle");
            match (i == fail_at, refused) {
                (false, _) => Ok(r),
                (true, true) => {
                    r.id = "../s".into();
                    Ok(r)
                }
                (true, false) => Err(SyncError::Offline("coupé".into())),
            }
        });
        Snapshot {
            seq: n as i64,
            estimate: Some(n as u64),
            records: Box::new(records),
            backend_state: None,
        }
    }

    #[test]
    fn a_snapshot_arrives_in_batches_and_a_failure_late_in_it_leaves_the_replica_new() {
        for (fail_at, refused) in [(3_500, false), (4_999, true), (0, false)] {
            let mut r = Replica::in_memory().unwrap();
            let mut told = Vec::new();
            let err = r
                .apply_snapshot_with(rooms_then(5_000, fail_at, refused), &mut |done, of| {
                    told.push((done, of))
                })
                .unwrap_err();
            assert!(
                matches!(
                    (&err, refused),
                    (SyncError::Protocol(_) | SyncError::BadResponse(_), true)
                        | (SyncError::Offline(_), false)
                ),
                "{err:?}"
            );
            let rooms: i64 = r
                .conn()
                .query_row("SELECT COUNT(*) FROM rooms", [], |row| row.get(0))
                .unwrap();
            assert_eq!((rooms, r.cursor().unwrap()), (0, 0), "failing at {fail_at}");
            // Batches before the failure were written (then rolled back).
            assert_eq!(told.len(), fail_at / 1_000, "{told:?}");
        }
        let mut r = Replica::in_memory().unwrap();
        let mut told = Vec::new();
        let n = r
            .apply_snapshot_with(rooms_then(5_000, usize::MAX, false), &mut |done, of| {
                told.push((done, of))
            })
            .unwrap();
        assert_eq!((n, r.cursor().unwrap()), (5_000, 5_000));
        assert_eq!(told.last(), Some(&(5_000, Some(5_000))));
    }

    #[test]
    fn changes_say_which_kinds_came_from_the_ent_and_which_were_made_here() {
        let mut r = Replica::in_memory().unwrap();
        r.set_state(keys::USER_ID, "t1").unwrap();
        let start = r.feed_head().unwrap();
        let mut seance = session_data("Les Lumières");
        seance.insert("attachments".into(), json!([]));
        r.local_create(EntityKind::Session, "s1", seance).unwrap();
        r.apply_pull(PullResponse {
            changes: vec![room("b12", 1, "Salle B12"), room("b13", 2, "Salle B13")],
            next_cursor: 2,
            has_more: false,
        })
        .unwrap();
        let changes = r.changes_after(start).unwrap();
        assert_eq!(changes.local, [EntityKind::Session]);
        assert_eq!(changes.remote, [EntityKind::Room]);
        assert!(changes.complete);
        assert_eq!(changes.head, r.feed_head().unwrap());
        let none = r.changes_after(changes.head).unwrap();
        assert!(none.local.is_empty() && none.remote.is_empty() && none.complete);
        // Entries dropped before a view read them: it is told to take everything as changed.
        r.conn
            .execute("DELETE FROM change_feed WHERE seq = ?1", [start + 1])
            .unwrap();
        assert!(!r.changes_after(start).unwrap().complete);
    }

    #[test]
    fn an_edit_over_the_protocols_limits_is_refused_before_it_is_queued() {
        let mut r = Replica::in_memory().unwrap();
        r.set_state(keys::USER_ID, "t1").unwrap();
        let with_room = |mut d: Data| {
            d.insert("attachments".into(), json!([]));
            d
        };
        let mut big = with_room(session_data("Les Lumières"));
        big.insert("content".into(), json!("a".repeat(190_000)));
        big.insert("annotation".into(), json!("b".repeat(190_000)));
        let err = r.local_create(EntityKind::Session, "s1", big).unwrap_err();
        assert_eq!(err.code(), ErrorCode::ProtocolInvalidData);
        r.local_create(EntityKind::Session, "s2", with_room(session_data("ok")))
            .unwrap();
        let mut late = Data::new();
        late.insert("publishAt".into(), json!("x".repeat(500)));
        let err = r
            .local_update(EntityKind::Session, "s2", &late)
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::ProtocolInvalidData);
        assert_eq!(
            r.pending_count().unwrap(),
            1,
            "only the valid creation waits"
        );
    }

    #[test]
    fn pending_edits_survive_a_pull_and_a_refusal_restores_the_server_copy() {
        let mut r = Replica::in_memory().unwrap();
        r.set_state(keys::USER_ID, "t1").unwrap();
        let server = |title: &str, version: i64, seq: i64| Record {
            kind: EntityKind::Session,
            id: "s".into(),
            version,
            change_seq: seq,
            deleted: false,
            data: Some(session_data(title)),
        };
        r.apply_pull(PullResponse {
            changes: vec![server("v1", 1, 1)],
            next_cursor: 1,
            has_more: false,
        })
        .unwrap();
        let mut edit = Data::new();
        edit.insert("content".into(), json!("<p>fait en classe</p>"));
        r.local_update(EntityKind::Session, "s", &edit)
            .unwrap()
            .unwrap();
        // The server changed the title meanwhile: the local view has both.
        r.apply_pull(PullResponse {
            changes: vec![server("v2", 2, 2)],
            next_cursor: 2,
            has_more: false,
        })
        .unwrap();
        let (_, local) = r.get(EntityKind::Session, "s").unwrap().unwrap();
        assert_eq!(local["title"], "v2");
        assert_eq!(local["content"], "<p>fait en classe</p>");
        assert_eq!(r.pending_count().unwrap(), 1);
        // The server refuses the edit for good: quarantined, server copy shown.
        let op = r.pending_ops(10).unwrap().remove(0);
        let report = r.ack(&[visa_refusal(op.op_id)]).unwrap();
        assert_eq!(report.rejected.len(), 1);
        assert_eq!(r.pending_count().unwrap(), 0);
        assert_eq!(
            r.quarantined().unwrap()[0].error_code,
            ErrorCode::LogbookVisaLocked
        );
        let (_, local) = r.get(EntityKind::Session, "s").unwrap().unwrap();
        assert_eq!(local["content"], "");
    }

    #[test]
    fn a_refused_creation_takes_the_later_edits_of_its_record_with_it() {
        // Found by the convergence simulation: a séance written offline on a date the
        // direction then signed off is refused; the edit made to it afterwards used to be
        // sent alone and refused as "not found", a reason that made no sense to the teacher.
        let mut r = Replica::in_memory().unwrap();
        r.set_state(keys::USER_ID, "t1").unwrap();
        let mut data = session_data("v1");
        data.insert("attachments".into(), json!([]));
        r.local_create(EntityKind::Session, "s", data).unwrap();
        let mut edit = Data::new();
        edit.insert("title".into(), json!("v2"));
        r.local_update(EntityKind::Session, "s", &edit)
            .unwrap()
            .unwrap();
        let create = r.pending_ops(10).unwrap().remove(0);
        let report = r.ack(&[visa_refusal(create.op_id)]).unwrap();
        assert_eq!(report.rejected.len(), 1);
        assert_eq!(r.pending_count().unwrap(), 0);
        let quarantined = r.quarantined().unwrap();
        assert_eq!(quarantined.len(), 2);
        assert!(quarantined
            .iter()
            .all(|q| q.error_code == ErrorCode::LogbookVisaLocked));
        assert!(r.get(EntityKind::Session, "s").unwrap().is_none());
    }

    #[test]
    fn a_draft_of_another_teacher_is_refused() {
        let mut r = Replica::in_memory().unwrap();
        r.set_state(keys::USER_ID, "t2").unwrap();
        let rec = Record {
            kind: EntityKind::Session,
            id: "s".into(),
            version: 1,
            change_seq: 1,
            deleted: false,
            data: Some(session_data("secret")),
        };
        let page = PullResponse {
            changes: vec![rec],
            next_cursor: 1,
            has_more: false,
        };
        assert!(r.apply_pull(page).is_err());
        assert!(r.get(EntityKind::Session, "s").unwrap().is_none());
    }
}
