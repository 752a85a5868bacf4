//! The sync rules of the reference ENT: pull filtered by what the user may read, snapshot,
//! and push with idempotency, per-field merge, conflict revisions and the visa lock.

use ardoise_protocol::entities::{self, ConflictField};
use ardoise_protocol::merge::merge_fields;
use ardoise_protocol::visa;
use ardoise_protocol::ErrorCode;
use ardoise_protocol::{
    check_op, ApiError, Data, EntityKind, Keep, Op, OpAction, OpResult, Outcome, PullResponse,
    Record, SnapshotHead, SnapshotResponse,
};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::acl::{
    authorize_write, read_access, reads_published_entry, redact, str_of, Access, Principal,
};
use crate::store::{ReadTx, Store, StoreError, StoredRecord, WriteTx};

/// Largest pull page, in records.
pub const MAX_PULL_LIMIT: usize = 5_000;
/// Largest pull page, in bytes of records: a page is cut at whichever comes first, so that
/// no page nears what a client accepts ([`ardoise_protocol::MAX_PAGE_BYTES`]). One record
/// (at most [`ardoise_protocol::entities::MAX_CONFLICT_BYTES`]) always fits.
pub const PAGE_BUDGET_BYTES: usize = 8 * 1024 * 1024;

const _: () = assert!(
    PAGE_BUDGET_BYTES + entities::MAX_CONFLICT_BYTES + 64 * 1024 < ardoise_protocol::MAX_PAGE_BYTES
);

/// Why an op did not go through.
enum Fail {
    Store(StoreError),
    Reject(ApiError),
}

impl From<StoreError> for Fail {
    fn from(e: StoreError) -> Fail {
        Fail::Store(e)
    }
}

impl From<ApiError> for Fail {
    fn from(e: ApiError) -> Fail {
        Fail::Reject(e)
    }
}

fn reject(code: ErrorCode, msg: impl Into<String>) -> Fail {
    Fail::Reject(ApiError::new(code, msg))
}

/// What `p` sees of a stored record, if anything.
fn visible(p: &Principal, rec: StoredRecord) -> Option<Record> {
    let access = read_access(p, rec.kind, &rec.data);
    let tombstone = |rec: &StoredRecord| Record {
        kind: rec.kind,
        id: rec.id.clone(),
        version: rec.version,
        change_seq: rec.change_seq,
        deleted: true,
        data: None,
    };
    match (rec.deleted, access) {
        (true, Access::Hidden) | (false, Access::Hidden) => {
            // A séance withdrawn from readers (unpublished, or deleted after being hidden)
            // must disappear from the replicas that could hold it — and only from those:
            // no one else learns its id.
            (rec.ever_public && could_read_published(p, &rec)).then(|| tombstone(&rec))
        }
        (true, _) => Some(tombstone(&rec)),
        (false, access) => Some(Record {
            kind: rec.kind,
            id: rec.id,
            version: rec.version,
            change_seq: rec.change_seq,
            deleted: false,
            data: Some(redact(rec.kind, rec.data, access)),
        }),
    }
}

/// Whether `p` could read this séance or homework while it was published.
fn could_read_published(p: &Principal, rec: &StoredRecord) -> bool {
    matches!(rec.kind, EntityKind::Session | EntityKind::Homework)
        && reads_published_entry(p, &rec.data)
}

/// Whether `p` may know this record exists: they may read it, or its tombstone.
fn may_see(p: &Principal, rec: &StoredRecord) -> bool {
    read_access(p, rec.kind, &rec.data) != Access::Hidden
        || (rec.deleted && rec.ever_public && could_read_published(p, rec))
}

/// One page of the change feed after `since`, filtered for `p`. The cursor advances over
/// records `p` may not read, so the next page starts after them.
pub fn pull(
    store: &dyn Store,
    p: &Principal,
    since: i64,
    limit: usize,
) -> Result<PullResponse, StoreError> {
    let tx = store.read()?;
    let rows = tx.changes_since(since, limit.clamp(1, MAX_PULL_LIMIT))?;
    let head = tx.head_seq()?;
    let mut next_cursor = since;
    let mut bytes = 0;
    let mut changes = Vec::new();
    for row in rows {
        let seq = row.change_seq;
        if let Some(rec) = visible(p, row) {
            let len = entities::encoded_len(&rec);
            if bytes + len > PAGE_BUDGET_BYTES && !changes.is_empty() {
                break; // the next page starts with this record
            }
            bytes += len;
            changes.push(rec);
        }
        next_cursor = seq;
    }
    Ok(PullResponse {
        changes,
        next_cursor,
        has_more: next_cursor < head,
    })
}

/// Everything `p` may read, at one `change_seq`.
pub fn snapshot(store: &dyn Store, p: &Principal) -> Result<SnapshotResponse, StoreError> {
    let mut seq = 0;
    let mut records = Vec::new();
    snapshot_each(
        store,
        p,
        &mut |head| {
            seq = head.seq;
            true
        },
        &mut |rec| {
            records.push(rec);
            true
        },
    )?;
    Ok(SnapshotResponse { seq, records })
}

/// The snapshot of what `p` may read, given as it is read, in one read transaction: its
/// head (the `change_seq` it stands at and how many live records the school has, an upper
/// bound for progress bars), then each record in [`ardoise_protocol::snapshot_order`].
/// Either callback stops it by answering false. Returns how many records were given.
pub fn snapshot_each(
    store: &dyn Store,
    p: &Principal,
    head: &mut dyn FnMut(SnapshotHead) -> bool,
    each: &mut dyn FnMut(Record) -> bool,
) -> Result<u64, StoreError> {
    let tx = store.read_long()?;
    let seq = tx.head_seq()?;
    if !head(SnapshotHead {
        seq,
        estimate: tx.live_count()?,
    }) {
        return Ok(0);
    }
    let mut given = 0;
    // A new replica has nothing to remove: withdrawal tombstones stay out of snapshots.
    tx.each_live_in_order(&mut |stored| match visible(p, stored) {
        Some(rec) if !rec.deleted => {
            given += 1;
            each(rec)
        }
        _ => true,
    })?;
    Ok(given)
}

/// Applies one op for `p`, at most once: a retried op id gets the stored answer.
pub fn apply_op(
    store: &dyn Store,
    p: &Principal,
    op: &Op,
    now: &str,
) -> Result<OpResult, StoreError> {
    let mut tx = store.write()?;
    if let Some(done) = tx.op_result(&p.id, op.op_id)? {
        return Ok(done);
    }
    let result = match decide(&mut *tx, p, op, now) {
        Ok(r) => r,
        Err(Fail::Store(e)) => return Err(e),
        Err(Fail::Reject(error)) => {
            // Nothing was written before the refusal (checks come first), but start from a
            // clean transaction anyway so a refusal can never carry a half effect.
            drop(tx);
            tx = store.write()?;
            if let Some(done) = tx.op_result(&p.id, op.op_id)? {
                return Ok(done);
            }
            OpResult {
                op_id: op.op_id,
                outcome: Outcome::Rejected,
                version: None,
                conflict_id: None,
                error: Some(error),
            }
        }
    };
    tx.put_op_result(&p.id, &result)?;
    let at = chrono::DateTime::parse_from_rfc3339(now)
        .map_or_else(|_| chrono::Utc::now().timestamp(), |t| t.timestamp());
    crate::indicators::log_op(&mut *tx, &p.id, op, &result, at)?;
    tx.commit()?;
    Ok(result)
}

fn applied(op: &Op, version: i64) -> OpResult {
    OpResult {
        op_id: op.op_id,
        outcome: Outcome::Applied,
        version: Some(version),
        conflict_id: None,
        error: None,
    }
}

fn validate(kind: EntityKind, data: &Data) -> Result<Data, Fail> {
    entities::validate(kind, data).map_err(|e| reject(e.code(), e.to_string()))
}

fn is_published(kind: EntityKind, data: &Data) -> bool {
    matches!(kind, EntityKind::Session | EntityKind::Homework)
        && str_of(data, "state") == "published"
}

/// Refuses changes to séances and homework covered by a visa.
fn check_visa(tx: &dyn ReadTx, kind: EntityKind, data: &Data) -> Result<(), Fail> {
    let Some(date_field) = visa::dated_by(kind) else {
        return Ok(());
    };
    let date = str_of(data, date_field);
    for visa in tx.live_of_kind(EntityKind::Visa)? {
        let v = &visa.data;
        if str_of(v, "teacherId") == str_of(data, "teacherId")
            && str_of(v, "audienceId") == str_of(data, "audienceId")
            && visa::locks(str_of(v, "until"), date)
        {
            return Err(reject(
                ErrorCode::LogbookVisaLocked,
                visa::locked_message(date, str_of(v, "until")),
            ));
        }
    }
    Ok(())
}

/// Refuses changes to records dated in a closed school year (as stored, or as the change
/// would leave them): its logbook is archived.
fn check_year_open(tx: &dyn ReadTx, kind: EntityKind, data: &[&Data]) -> Result<(), Fail> {
    if let Some(year) = crate::school_year::closed_year_of(tx, kind, data)? {
        return Err(reject(
            ErrorCode::LogbookYearClosed,
            format!(
                "L'année scolaire {year} est close : son cahier de textes est archivé et ne \
                 change plus."
            ),
        ));
    }
    Ok(())
}

/// A new version of the charter is the next number, under the id `charter-<number>`, and
/// is dated by the server.
fn charter_version(tx: &dyn ReadTx, id: &str, mut data: Data, now: &str) -> Result<Data, Fail> {
    let number = data.get("number").and_then(Value::as_u64).unwrap_or(0);
    let next = crate::charter::latest(tx)?.map_or(1, |(n, _)| u64::from(n) + 1);
    if number != next {
        return Err(reject(
            ErrorCode::CharterVersion,
            format!("La prochaine version de la charte est la {next}, pas la {number}."),
        ));
    }
    if id != crate::charter::record_id(next as u32) {
        return Err(reject(
            ErrorCode::ProtocolInvalidData,
            format!("La version {next} de la charte a pour identifiant « charter-{next} »."),
        ));
    }
    data.insert("publishedAt".into(), Value::String(now.to_string()));
    Ok(data)
}

/// An acceptance is of a version that exists. Its date is the device's, as the user
/// accepted (offline too): a device with a wrong clock must not lose an acceptance.
fn charter_acceptance(tx: &dyn ReadTx, data: Data) -> Result<Data, Fail> {
    let number = data.get("number").and_then(Value::as_u64).unwrap_or(0);
    let exists = tx
        .get_record(
            EntityKind::Charter,
            &crate::charter::record_id(number as u32),
        )?
        .is_some_and(|r| !r.deleted);
    if !exists {
        return Err(reject(
            ErrorCode::CharterVersion,
            format!("La version {number} de la charte n'existe pas."),
        ));
    }
    Ok(data)
}

/// A tick is on a homework the pupil may read (published, for their class or a group of
/// it): a record they cannot see is, to them, one that does not exist. One deleted since
/// (ticked offline before its teacher removed it) takes the tick, which changes nothing.
fn homework_done(tx: &dyn ReadTx, p: &Principal, data: Data) -> Result<Data, Fail> {
    let homework = tx.get_record(EntityKind::Homework, str_of(&data, "homeworkId"))?;
    match homework {
        Some(h) if h.deleted || read_access(p, EntityKind::Homework, &h.data) != Access::Hidden => {
            Ok(data)
        }
        _ => Err(reject(
            ErrorCode::RecordNotFound,
            "Ce travail à faire n'existe pas.",
        )),
    }
}

/// A séance or homework keeps its class: its readers are those of its class, and moved,
/// the first class's replicas would keep it. A lesson goes to another class as a copy.
fn check_audience_kept(kind: EntityKind, before: &Data, after: &Data) -> Result<(), Fail> {
    if matches!(kind, EntityKind::Session | EntityKind::Homework)
        && after.get("audienceId") != before.get("audienceId")
    {
        return Err(reject(
            ErrorCode::LogbookAudienceFixed,
            "Une séance ou un devoir ne change pas de classe : copiez-le vers l'autre classe.",
        ));
    }
    Ok(())
}

/// A visa covers at most the school year: one dated 2100 would lock a teacher's logbook
/// for good.
fn check_visa_bound(tx: &dyn ReadTx, data: &Data, now: &str) -> Result<(), Fail> {
    let until = str_of(data, "until");
    let school = tx.live_of_kind(EntityKind::School)?;
    let year_end = match school.first() {
        Some(s) => str_of(&s.data, "yearEnd").to_string(),
        // No school record: a year from now.
        None => chrono::DateTime::parse_from_rfc3339(now)
            .map(|t| (t.date_naive() + chrono::Duration::days(366)).to_string())
            .unwrap_or_default(),
    };
    if until > year_end.as_str() {
        return Err(reject(
            ErrorCode::LogbookVisaOutOfYear,
            format!("Un visa ne va pas au-delà de la fin de l'année scolaire ({year_end})."),
        ));
    }
    Ok(())
}

/// The direction revokes a visa (one signed by mistake, or too far): the entries it
/// covered can be edited again.
fn revoke_visa(
    tx: &mut dyn WriteTx,
    p: &Principal,
    op: &Op,
    cur: StoredRecord,
) -> Result<OpResult, Fail> {
    if !p.is(ardoise_protocol::Role::Direction) {
        return Err(reject(
            ErrorCode::AclForbidden,
            "Seule la direction retire un visa.",
        ));
    }
    tombstone(tx, op, cur)
}

/// Deletes `cur` (a tombstone of the next version); a record deleted already is done.
fn tombstone(tx: &mut dyn WriteTx, op: &Op, cur: StoredRecord) -> Result<OpResult, Fail> {
    if cur.deleted {
        return Ok(applied(op, cur.version));
    }
    let version = cur.version + 1;
    put(
        tx,
        cur.kind,
        &op.record_id,
        version,
        true,
        cur.ever_public,
        cur.data,
    )?;
    Ok(applied(op, version))
}

fn put(
    tx: &mut dyn WriteTx,
    kind: EntityKind,
    id: &str,
    version: i64,
    deleted: bool,
    ever_public: bool,
    data: Data,
) -> Result<i64, Fail> {
    let ever_public = ever_public || is_published(kind, &data);
    tx.put_record(&StoredRecord {
        kind,
        id: id.to_string(),
        version,
        change_seq: 0,
        deleted,
        ever_public,
        data,
    })?;
    Ok(version)
}

fn new_conflict(
    tx: &mut dyn WriteTx,
    p: &Principal,
    kind: EntityKind,
    record_id: &str,
    fields: std::collections::BTreeMap<String, ConflictField>,
    now: &str,
) -> Result<String, Fail> {
    let id = Uuid::now_v7().to_string();
    let data = json!({"recordKind": kind, "recordId": record_id, "authorId": p.id,
                      "fields": fields, "createdAt": now});
    let Value::Object(data) = data else {
        unreachable!("json! object")
    };
    let data = validate(EntityKind::Conflict, &data)?;
    put(tx, EntityKind::Conflict, &id, 1, false, false, data)?;
    Ok(id)
}

fn decide(tx: &mut dyn WriteTx, p: &Principal, op: &Op, now: &str) -> Result<OpResult, Fail> {
    check_op(op).map_err(|e| reject(e.code(), e.to_string()))?;
    let current = tx.get_record(op.kind, &op.record_id)?;
    // A record the user may not read is, to them, a record that does not exist: an edit
    // of another teacher's draft is answered as one of a record never made. (A creation
    // with a taken id is refused either way; ids are random UUIDs.)
    let current = match current {
        Some(cur) if op.action != OpAction::Create && !may_see(p, &cur) => None,
        cur => cur,
    };
    if op.kind == EntityKind::Document {
        return decide_document(tx, p, op, current, now);
    }
    match op.action {
        OpAction::Create => {
            if current.is_some() {
                return Err(reject(
                    ErrorCode::RecordExists,
                    "Cet enregistrement existe déjà.",
                ));
            }
            let fields: Data = op
                .fields
                .iter()
                .map(|(k, c)| (k.clone(), c.new.clone()))
                .collect();
            let data = validate(op.kind, &fields)?;
            let names: Vec<String> = op.fields.keys().cloned().collect();
            authorize_write(p, op.kind, None, &data, &names)?;
            if op.kind == EntityKind::Visa {
                check_visa_bound(tx, &data, now)?;
            }
            let data = match op.kind {
                EntityKind::Charter => charter_version(tx, &op.record_id, data, now)?,
                EntityKind::CharterAcceptance => charter_acceptance(tx, data)?,
                EntityKind::HomeworkDone => homework_done(tx, p, data)?,
                _ => data,
            };
            check_visa(tx, op.kind, &data)?;
            check_year_open(tx, op.kind, &[&data])?;
            put(tx, op.kind, &op.record_id, 1, false, false, data)?;
            Ok(applied(op, 1))
        }
        OpAction::Update => {
            let Some(cur) = current else {
                return Err(reject(
                    ErrorCode::RecordNotFound,
                    "Cet enregistrement n'existe pas.",
                ));
            };
            let names: Vec<String> = op.fields.keys().cloned().collect();
            authorize_write(p, op.kind, Some(&cur.data), &cur.data, &names)?;
            if cur.deleted {
                // An edit against a deleted record is kept as a conflict, never dropped.
                let fields = op
                    .fields
                    .iter()
                    .map(|(k, c)| {
                        let f = ConflictField {
                            base: c.base.clone(),
                            mine: c.new.clone(),
                            theirs: Value::Null,
                        };
                        (k.clone(), f)
                    })
                    .collect();
                let cid = new_conflict(tx, p, op.kind, &op.record_id, fields, now)?;
                return Ok(OpResult {
                    op_id: op.op_id,
                    outcome: Outcome::Conflict,
                    version: Some(cur.version),
                    conflict_id: Some(cid),
                    error: None,
                });
            }
            let merge = merge_fields(&cur.data, &op.fields);
            let merged = validate(op.kind, &merge.merged)?;
            check_audience_kept(op.kind, &cur.data, &merged)?;
            authorize_write(p, op.kind, Some(&cur.data), &merged, &names)?;
            check_visa(tx, op.kind, &cur.data)?;
            check_visa(tx, op.kind, &merged)?;
            check_year_open(tx, op.kind, &[&cur.data, &merged])?;
            let mut version = cur.version;
            if merged != cur.data {
                version += 1;
                put(
                    tx,
                    op.kind,
                    &op.record_id,
                    version,
                    false,
                    cur.ever_public,
                    merged,
                )?;
            }
            if merge.conflicts.is_empty() {
                return Ok(applied(op, version));
            }
            let cid = new_conflict(tx, p, op.kind, &op.record_id, merge.conflicts, now)?;
            Ok(OpResult {
                op_id: op.op_id,
                outcome: Outcome::Conflict,
                version: Some(version),
                conflict_id: Some(cid),
                error: None,
            })
        }
        OpAction::Delete => {
            let Some(cur) = current else {
                return Err(reject(
                    ErrorCode::RecordNotFound,
                    "Cet enregistrement n'existe pas.",
                ));
            };
            check_year_open(tx, op.kind, &[&cur.data])?;
            if op.kind == EntityKind::Visa {
                return revoke_visa(tx, p, op, cur);
            }
            if !matches!(
                op.kind,
                EntityKind::Session
                    | EntityKind::Homework
                    | EntityKind::News
                    | EntityKind::Progression
            ) {
                return Err(reject(
                    ErrorCode::AclForbidden,
                    "Ce type d'enregistrement ne se supprime pas.",
                ));
            }
            authorize_write(p, op.kind, Some(&cur.data), &cur.data, &[])?;
            if !cur.deleted {
                check_visa(tx, op.kind, &cur.data)?;
            }
            tombstone(tx, op, cur)
        }
        OpAction::Resolve => resolve(tx, p, op, current),
    }
}

fn resolve(
    tx: &mut dyn WriteTx,
    p: &Principal,
    op: &Op,
    current: Option<StoredRecord>,
) -> Result<OpResult, Fail> {
    if op.kind != EntityKind::Conflict {
        return Err(reject(
            ErrorCode::ProtocolInvalidOp,
            "Seul un conflit se résout.",
        ));
    }
    let Some(conflict) = current else {
        return Err(reject(
            ErrorCode::RecordNotFound,
            "Ce conflit n'existe pas.",
        ));
    };
    if str_of(&conflict.data, "authorId") != p.id {
        return Err(reject(
            ErrorCode::AclForbidden,
            "Seul l'auteur d'un conflit le résout.",
        ));
    }
    if conflict.deleted {
        return Ok(applied(op, conflict.version));
    }
    let keep = op
        .keep
        .ok_or_else(|| reject(ErrorCode::ProtocolInvalidOp, "Préciser mine ou theirs."))?;
    if keep == Keep::Mine {
        let kind = conflict
            .data
            .get("recordKind")
            .and_then(Value::as_str)
            .and_then(EntityKind::parse)
            .ok_or_else(|| reject(ErrorCode::ProtocolInvalidData, "Conflit illisible."))?;
        let record_id = str_of(&conflict.data, "recordId").to_string();
        if let Some(target) = tx.get_record(kind, &record_id)?.filter(|t| !t.deleted) {
            // "mine" values, or the merged version the user edited when the op carries one.
            let mut values: Data = conflict
                .data
                .get("fields")
                .and_then(Value::as_object)
                .map(|f| {
                    f.iter()
                        .map(|(k, v)| (k.clone(), v.get("mine").cloned().unwrap_or(Value::Null)))
                        .collect()
                })
                .unwrap_or_default();
            for (k, c) in &op.fields {
                values.insert(k.clone(), c.new.clone());
            }
            let names: Vec<String> = values.keys().cloned().collect();
            let mut data = target.data.clone();
            data.extend(values);
            let data = validate(kind, &data)?;
            authorize_write(p, kind, Some(&target.data), &data, &names)?;
            check_audience_kept(kind, &target.data, &data)?;
            check_visa(tx, kind, &target.data)?;
            check_visa(tx, kind, &data)?;
            if data != target.data {
                put(
                    tx,
                    kind,
                    &record_id,
                    target.version + 1,
                    false,
                    target.ever_public,
                    data,
                )?;
            }
        }
    }
    let version = conflict.version + 1;
    put(
        tx,
        EntityKind::Conflict,
        &conflict.id,
        version,
        true,
        false,
        conflict.data,
    )?;
    Ok(applied(op, version))
}

/// Whether `p` may read the blob `hash`: they uploaded it, or they may read a document
/// holding a version of it.
pub fn may_read_blob(tx: &dyn ReadTx, p: &Principal, hash: &str) -> Result<bool, StoreError> {
    if tx.blob_size(hash)?.is_none() {
        return Ok(false);
    }
    if tx.blob_granted(hash, &p.id)? {
        return Ok(true);
    }
    Ok(tx
        .documents_with_blob(hash)?
        .iter()
        .any(|d| read_access(p, EntityKind::Document, &d.data) != Access::Hidden))
}

/// Whether `p` may start sending a file of `size` bytes: only staff upload (pupils and
/// parents read), no file is over the protocol's limit, and what `p` stores plus this file
/// fits `quota_bytes`. Called in the write transaction that opens the upload, so uploads
/// opened at once are counted one after the other. `Ok(Err(refusal))` is a typed refusal.
pub fn may_open_upload(
    tx: &dyn ReadTx,
    p: &Principal,
    size: u64,
    quota_bytes: u64,
) -> Result<Result<(), ApiError>, StoreError> {
    use ardoise_protocol::documents::MAX_FILE_BYTES;
    if !p.is_staff() {
        return Ok(Err(ApiError::new(
            ErrorCode::AclForbidden,
            "Les élèves et les parents ne déposent pas de documents.",
        )));
    }
    if size > MAX_FILE_BYTES {
        return Ok(Err(ApiError::new(
            ErrorCode::UploadTooLarge,
            format!("Fichier trop grand (au plus {} Gio).", MAX_FILE_BYTES >> 30),
        )));
    }
    let used = tx.storage_used(&p.id)?;
    if used.saturating_add(size) > quota_bytes {
        return Ok(Err(ApiError::new(
            ErrorCode::QuotaExceeded,
            format!(
                "Espace documentaire plein : {} Mo utilisés sur {} Mo, ce fichier en demande {}.",
                used.div_ceil(1 << 20),
                quota_bytes >> 20,
                size.div_ceil(1 << 20)
            ),
        )));
    }
    Ok(Ok(()))
}

/// Fields of a document only the server writes (set once at creation).
const SERVER_DOCUMENT_FIELDS: [&str; 4] = ["versions", "headVersion", "ownerId", "conflictOf"];

fn check_document_names(data: &Data) -> Result<(), Fail> {
    use ardoise_protocol::documents::{folder_problem, name_problem};
    if let Some(problem) = name_problem(str_of(data, "name")) {
        return Err(reject(
            ErrorCode::DocumentBadName,
            format!("Nom de fichier refusé : {problem}."),
        ));
    }
    if let Some(problem) = folder_problem(str_of(data, "folder")) {
        return Err(reject(
            ErrorCode::DocumentBadName,
            format!("Dossier refusé : {problem}."),
        ));
    }
    Ok(())
}

/// The size of a blob `p` may use in a document, or a refusal.
fn usable_blob(tx: &dyn ReadTx, p: &Principal, hash: &Value) -> Result<(String, u64), Fail> {
    let hash = hash.as_str().unwrap_or_default();
    match tx.blob_size(hash)? {
        Some(size) if may_read_blob(tx, p, hash)? => Ok((hash.to_string(), size)),
        _ => Err(reject(
            ErrorCode::DocumentBlobMissing,
            "Le contenu de ce document n'a pas été envoyé au serveur.",
        )),
    }
}

fn new_version(p: &Principal, hash: &str, size: u64, now: &str) -> Value {
    json!({"id": Uuid::now_v7().to_string(), "hash": hash, "size": size,
           "authorId": p.id, "createdAt": now})
}

/// Owners edit their documents; so do those it is shared with for editing.
fn may_edit_document(p: &Principal, data: &Data) -> bool {
    if str_of(data, "ownerId") == p.id {
        return true;
    }
    data.get("shares")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|s| s.get("to").and_then(Value::as_str) == Some(&p.id) && s["canEdit"] == true)
}

/// Documents: a version is appended when the content changes from the head the client
/// started from; if the head moved meanwhile, the upload becomes a sibling conflict copy.
/// Documents go to the trash (`trashedAt`), never away.
fn decide_document(
    tx: &mut dyn WriteTx,
    p: &Principal,
    op: &Op,
    current: Option<StoredRecord>,
    now: &str,
) -> Result<OpResult, Fail> {
    if !p.is_staff() {
        return Err(reject(
            ErrorCode::AclForbidden,
            "Les élèves et les parents ne déposent pas de documents.",
        ));
    }
    let server_field = op
        .fields
        .keys()
        .any(|k| SERVER_DOCUMENT_FIELDS.contains(&k.as_str()));
    if op.action == OpAction::Update && server_field {
        return Err(reject(
            ErrorCode::AclForbidden,
            "Les versions et le propriétaire d'un document sont tenus par le serveur.",
        ));
    }
    match op.action {
        OpAction::Create => {
            if current.is_some() {
                return Err(reject(ErrorCode::RecordExists, "Ce document existe déjà."));
            }
            let mut data: Data = op
                .fields
                .iter()
                .map(|(k, c)| (k.clone(), c.new.clone()))
                .collect();
            if str_of(&data, "ownerId") != p.id {
                return Err(reject(
                    ErrorCode::AclForbidden,
                    "Un document créé vous appartient.",
                ));
            }
            check_document_names(&data)?;
            if let Some(original) = data.get("conflictOf").and_then(Value::as_str) {
                let own = tx
                    .get_record(EntityKind::Document, original)?
                    .is_some_and(|d| !d.deleted && str_of(&d.data, "ownerId") == p.id);
                if !own {
                    return Err(reject(
                        ErrorCode::AclForbidden,
                        "Une copie de conflit ne se rattache qu'à un de vos documents.",
                    ));
                }
            }
            let (hash, size) = usable_blob(tx, p, data.get("hash").unwrap_or(&Value::Null))?;
            let version = new_version(p, &hash, size, now);
            data.insert("headVersion".into(), version["id"].clone());
            data.insert("size".into(), json!(size));
            data.insert("versions".into(), json!([version]));
            let data = validate(EntityKind::Document, &data)?;
            check_shares(tx, p, &data, None)?;
            put(
                tx,
                EntityKind::Document,
                &op.record_id,
                1,
                false,
                false,
                data,
            )?;
            Ok(applied(op, 1))
        }
        OpAction::Update => {
            let Some(cur) = current.filter(|c| !c.deleted) else {
                return Err(reject(
                    ErrorCode::RecordNotFound,
                    "Ce document n'existe pas.",
                ));
            };
            if read_access(p, EntityKind::Document, &cur.data) == Access::Hidden
                || !may_edit_document(p, &cur.data)
            {
                return Err(reject(
                    ErrorCode::AclForbidden,
                    "Vous ne pouvez pas modifier ce document.",
                ));
            }
            if op.fields.contains_key("shares") && str_of(&cur.data, "ownerId") != p.id {
                return Err(reject(
                    ErrorCode::AclForbidden,
                    "Seul le propriétaire d'un document le partage.",
                ));
            }
            let mut fields = op.fields.clone();
            let content = fields.remove("hash");
            fields.remove("size");
            let merge = merge_fields(&cur.data, &fields);
            let mut merged = merge.merged;
            let mut sibling = None;
            if let Some(change) = content {
                let (hash, size) = usable_blob(tx, p, &change.new)?;
                let head = cur.data.get("hash").cloned().unwrap_or(Value::Null);
                if head == change.new {
                    // Already the head: nothing to add.
                } else if head == change.base {
                    let version = new_version(p, &hash, size, now);
                    merged.insert("headVersion".into(), version["id"].clone());
                    merged.insert("hash".into(), json!(hash));
                    merged.insert("size".into(), json!(size));
                    if let Some(Value::Array(versions)) = merged.get_mut("versions") {
                        versions.push(version);
                        // A document keeps its newest versions; the oldest go.
                        let extra = versions
                            .len()
                            .saturating_sub(entities::MAX_DOCUMENT_VERSIONS);
                        versions.drain(..extra);
                    }
                } else {
                    sibling = Some(conflict_copy(tx, p, &cur, &merged, &hash, size, now)?);
                }
            }
            let merged = validate(EntityKind::Document, &merged)?;
            if merged.get("shares") != cur.data.get("shares") {
                check_shares(tx, p, &merged, Some(&cur.data))?;
            }
            if merged.get("name") != cur.data.get("name")
                || merged.get("folder") != cur.data.get("folder")
            {
                check_document_names(&merged)?;
            }
            let mut version = cur.version;
            if merged != cur.data {
                version += 1;
                put(
                    tx,
                    EntityKind::Document,
                    &op.record_id,
                    version,
                    false,
                    false,
                    merged,
                )?;
            }
            let conflict_id = match (sibling, merge.conflicts.is_empty()) {
                (Some(id), _) => Some(id),
                (None, false) => Some(new_conflict(
                    tx,
                    p,
                    EntityKind::Document,
                    &op.record_id,
                    merge.conflicts,
                    now,
                )?),
                (None, true) => None,
            };
            Ok(OpResult {
                op_id: op.op_id,
                outcome: if conflict_id.is_some() {
                    Outcome::Conflict
                } else {
                    Outcome::Applied
                },
                version: Some(version),
                conflict_id,
                error: None,
            })
        }
        OpAction::Delete => {
            // Emptying the trash: the owner deletes a trashed document for good, and the
            // space its versions took is freed (the contents are collected later).
            let Some(cur) = current else {
                return Err(reject(
                    ErrorCode::RecordNotFound,
                    "Ce document n'existe pas.",
                ));
            };
            if str_of(&cur.data, "ownerId") != p.id {
                return Err(reject(
                    ErrorCode::AclForbidden,
                    "Seul le propriétaire d'un document le supprime.",
                ));
            }
            if !cur.deleted && cur.data.get("trashedAt").is_none_or(Value::is_null) {
                return Err(reject(
                    ErrorCode::DocumentNotInTrash,
                    "Un document se met d'abord à la corbeille ; il se supprime ensuite depuis la corbeille.",
                ));
            }
            tombstone(tx, op, cur)
        }
        OpAction::Resolve => Err(reject(
            ErrorCode::ProtocolInvalidOp,
            "Seul un conflit se résout.",
        )),
    }
}

/// Who a document may be shared with: colleagues (any staff account); pupils and parents
/// of an audience the sharer teaches (anyone's, for the vie scolaire and the direction);
/// audiences the sharer teaches (any, for the vie scolaire and the direction). Only
/// colleagues may be given the right to edit: pupils and parents write nothing.
/// Only the shares `data` adds to `before` (or gives the right to edit) are checked: one
/// made when the sharer still taught that class never blocks the document's other edits.
fn check_shares(
    tx: &dyn ReadTx,
    p: &Principal,
    data: &Data,
    before: Option<&Data>,
) -> Result<(), Fail> {
    let shares_of = |d: &Data| -> Vec<(String, bool)> {
        d.get("shares")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|s| {
                let to = s.get("to").and_then(Value::as_str).unwrap_or_default();
                (to.to_string(), s.get("canEdit") == Some(&Value::Bool(true)))
            })
            .collect()
    };
    let had = before.map(shares_of).unwrap_or_default();
    for (to, can_edit) in shares_of(data) {
        let kept = had.iter().any(|(t, e)| *t == to && (*e || !can_edit));
        if kept {
            continue;
        }
        let to = to.as_str();
        let refused = |why: &str| {
            reject(
                ErrorCode::DocumentBadShare,
                format!("Partage refusé : {why}."),
            )
        };
        if let Some(target) = Principal::load(tx, to)? {
            if target.is_staff() {
                continue;
            }
            if can_edit {
                return Err(refused("un élève ou un parent ne modifie pas un document"));
            }
            if !(p.reads_whole_logbook()
                || target.audiences.iter().any(|a| p.audiences.contains(a)))
            {
                return Err(refused("cette personne n'est pas dans vos classes"));
            }
        } else if tx
            .get_record(EntityKind::Audience, to)?
            .is_some_and(|a| !a.deleted)
        {
            if can_edit {
                return Err(refused(
                    "une classe ou un groupe ne modifie pas un document",
                ));
            }
            if !(p.reads_whole_logbook() || p.audiences.contains(to)) {
                return Err(refused("vous n'enseignez pas à cette classe ou ce groupe"));
            }
        } else {
            return Err(refused("destinataire inconnu"));
        }
    }
    Ok(())
}

/// Keeps an upload whose base is no longer the head as a sibling document, "copie de
/// conflit — <author>, <date>", shared with the original's owner so both see it.
fn conflict_copy(
    tx: &mut dyn WriteTx,
    p: &Principal,
    original: &StoredRecord,
    merged: &Data,
    hash: &str,
    size: u64,
    now: &str,
) -> Result<String, Fail> {
    let when = chrono::DateTime::parse_from_rfc3339(now)
        .map(|t| ardoise_protocol::documents::paris_time(t.to_utc()))
        .map(|t| t.format("%d-%m-%Y %Hh%M").to_string())
        .unwrap_or_else(|_| now.to_string());
    let author = if p.display_name.is_empty() {
        &p.login
    } else {
        &p.display_name
    };
    let name =
        ardoise_protocol::documents::conflict_copy_name(str_of(merged, "name"), author, &when);
    let mut shares: Vec<Value> = merged
        .get("shares")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let owner = str_of(&original.data, "ownerId");
    if owner != p.id {
        shares.push(json!({"to": owner, "canEdit": true}));
    }
    let version = new_version(p, hash, size, now);
    let data = json!({
        "folder": merged.get("folder"), "name": name, "mediaType": merged.get("mediaType"),
        "size": size, "ownerId": p.id, "hash": hash, "headVersion": version["id"],
        "versions": [version], "shares": shares, "conflictOf": original.id,
    });
    let Value::Object(data) = data else {
        unreachable!("json! object")
    };
    let data = validate(EntityKind::Document, &data)?;
    let id = Uuid::now_v7().to_string();
    put(tx, EntityKind::Document, &id, 1, false, false, data)?;
    Ok(id)
}
