//! The espace documentaire on this machine: the documents of the replica, the content cache
//! (BLAKE3-addressed files), pins for offline use, and the transfer queue.
//!
//! Adding a file is two queued things: a transfer that uploads its content, and the
//! document op (create, or a new version naming its base hash) that stays out of pushes
//! until the transfer is done — so record sync never waits for a file and the server never
//! sees a document whose content it lacks. Downloads land in the cache, checked against
//! their hash before anyone reads them.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use ardoise_protocol::documents::{is_blob_hash, join_path, split_path, CHUNK_BYTES};
use ardoise_protocol::ErrorCode;
use ardoise_protocol::{Data, EntityKind};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use serde_json::{json, Value};

use crate::{Replica, Result, SyncError};

/// Bytes asked for in one download request (each resumable on its own).
pub const DOWNLOAD_RANGE_BYTES: u64 = 16 * 1024 * 1024;

/// The content cache of a profile: `<root>/<ab>/<hash>`, plus `partial/` for downloads
/// under way and `tmp/` for files being imported.
#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
}

impl Cache {
    /// A cache in `root` (created when first written).
    pub fn new(root: impl Into<PathBuf>) -> Cache {
        Cache { root: root.into() }
    }

    /// Where the content `hash` lives. Refuses anything but a BLAKE3 hash, so a name from
    /// the server can never point outside the cache.
    pub fn path(&self, hash: &str) -> Result<PathBuf> {
        if !is_blob_hash(hash) {
            return Err(SyncError::BadResponse(format!(
                "empreinte de contenu invalide : {hash:?}"
            )));
        }
        Ok(self.root.join(&hash[..2]).join(hash))
    }

    /// Whether the content is here.
    pub fn has(&self, hash: &str) -> bool {
        self.path(hash).is_ok_and(|p| p.is_file())
    }

    fn partial(&self, hash: &str) -> Result<PathBuf> {
        self.path(hash)?;
        Ok(self.root.join("partial").join(format!("{hash}.part")))
    }

    /// Copies a file into the cache, hashing it on the way (one read, 1 MiB at a time).
    /// Returns its hash and size.
    pub fn import(&self, src: &Path) -> Result<(String, u64)> {
        let tmp_dir = self.root.join("tmp");
        std::fs::create_dir_all(&tmp_dir)?;
        let mut tmp = tempfile_in(&tmp_dir)?;
        let mut input = File::open(src)?;
        let mut hasher = blake3::Hasher::new();
        let mut buf = vec![0u8; 1024 * 1024];
        let mut size = 0u64;
        loop {
            let n = input.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            tmp.1.write_all(&buf[..n])?;
            size += n as u64;
        }
        tmp.1.sync_all()?;
        let hash = hasher.finalize().to_hex().to_string();
        self.adopt(&tmp.0, &hash)?;
        Ok((hash, size))
    }

    /// Moves a checked file to its place in the cache.
    fn adopt(&self, file: &Path, hash: &str) -> Result<()> {
        let dest = self.path(hash)?;
        if dest.is_file() {
            std::fs::remove_file(file)?;
        } else {
            std::fs::create_dir_all(dest.parent().expect("cache/<ab>"))?;
            std::fs::rename(file, dest)?;
        }
        Ok(())
    }
}

/// A new file in `dir` with a name nobody else picks.
fn tempfile_in(dir: &Path) -> Result<(PathBuf, File)> {
    let path = dir.join(format!(".ardoise-{}.tmp", uuid::Uuid::now_v7()));
    let file = File::options().write(true).create_new(true).open(&path)?;
    Ok((path, file))
}

/// BLAKE3 of a file, read 1 MiB at a time.
pub fn hash_file(path: &Path) -> Result<(String, u64)> {
    let mut file = File::open(path)?;
    let mut hasher = blake3::Hasher::new();
    let mut buf = vec![0u8; 1024 * 1024];
    let mut size = 0;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hasher.finalize().to_hex().to_string(), size))
}

/// A document as the Documents view and `ardoise docs list` show it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct DocEntry {
    pub id: String,
    /// "/Cours/Maths/fiche.pdf".
    pub path: String,
    pub folder: String,
    pub name: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
    pub media_type: String,
    pub hash: Option<String>,
    pub owner_id: String,
    /// Name of the owner, for documents shared with you.
    pub owner_name: String,
    pub versions: Vec<ardoise_protocol::documents::DocumentVersion>,
    pub trashed_at: Option<String>,
    /// A conflict copy of that document.
    pub conflict_of: Option<String>,
    /// Its content is in the cache: it opens offline.
    pub cached: bool,
    /// Kept in the cache (itself or a folder above it is pinned).
    pub pinned: bool,
    /// Its content is still to go up (or was refused: see the transfers).
    pub pending_upload: bool,
    /// Who it is shared with.
    pub shares: Vec<ardoise_protocol::documents::Share>,
    /// You may add versions, rename, move and trash it (yours, or shared for editing).
    pub can_edit: bool,
}

/// Which way a content goes.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Direction {
    /// To the ENT.
    Up,
    /// From the ENT, into the cache.
    Down,
}

impl Direction {
    /// As the `transfers` table stores it.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }

    fn parse(s: &str) -> rusqlite::Result<Direction> {
        match s {
            "up" => Ok(Direction::Up),
            "down" => Ok(Direction::Down),
            other => Err(rusqlite::Error::InvalidColumnType(
                1,
                format!("direction {other}"),
                rusqlite::types::Type::Text,
            )),
        }
    }
}

/// One queued, finished or failed transfer.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct TransferView {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    pub direction: Direction,
    pub hash: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub done_bytes: u64,
    /// "queued", "done" or "failed".
    pub state: String,
    pub error: Option<String>,
    /// Path of the document it is for, when known.
    pub path: Option<String>,
}

/// What adding a file did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct PutOutcome {
    pub document_id: String,
    pub hash: String,
    pub size: u64,
    /// Same content as the document's head: nothing queued.
    pub unchanged: bool,
    /// A new document (else a new version of an existing one).
    pub created: bool,
}

const DOC_COLS: &str = "d.id, d.folder, d.name, d.size, d.media_type, d.hash, d.owner_id,
    COALESCE(u.display_name, ''), d.versions, d.trashed_at, d.conflict_of,
    EXISTS (SELECT 1 FROM cached_blobs c WHERE c.hash = d.hash),
    EXISTS (SELECT 1 FROM transfers t WHERE t.document_id = d.id AND t.direction = 'up'
            AND t.state != 'done'),
    d.shares";

fn doc_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DocEntry> {
    let folder: String = r.get(1)?;
    let name: String = r.get(2)?;
    let versions: String = r.get(8)?;
    Ok(DocEntry {
        id: r.get(0)?,
        path: join_path(&folder, &name),
        folder,
        name,
        size: r.get::<_, i64>(3)?.max(0) as u64,
        media_type: r.get(4)?,
        hash: r.get(5)?,
        owner_id: r.get(6)?,
        owner_name: r.get(7)?,
        versions: serde_json::from_str(&versions).unwrap_or_default(),
        trashed_at: r.get(9)?,
        conflict_of: r.get(10)?,
        cached: r.get(11)?,
        pinned: false,
        pending_upload: r.get(12)?,
        shares: serde_json::from_str(&r.get::<_, String>(13)?).unwrap_or_default(),
        can_edit: false,
    })
}

/// Whether `path` is `pin` or inside it.
fn under(path: &str, pin: &str) -> bool {
    path == pin || pin == "/" || path.starts_with(&format!("{}/", pin.trim_end_matches('/')))
}

/// Fills in what depends on this replica: pins, and whether this user may edit.
fn with_pins(replica: &Replica, mut docs: Vec<DocEntry>) -> Result<Vec<DocEntry>> {
    let pins = pins(replica)?;
    let me = replica.user_id().unwrap_or_default();
    for d in &mut docs {
        d.pinned = pins.iter().any(|p| under(&d.path, p));
        d.can_edit = d.owner_id == me || d.shares.iter().any(|s| s.to == me && s.can_edit);
    }
    Ok(docs)
}

/// Documents of the replica, in `folder` and below (every one with None), trash
/// included, by path.
pub fn list(replica: &Replica, folder: Option<&str>) -> Result<Vec<DocEntry>> {
    let sql = format!(
        "SELECT {DOC_COLS} FROM documents d LEFT JOIN users u ON u.id = d.owner_id
         ORDER BY d.folder, d.name, d.id"
    );
    let mut stmt = replica.conn().prepare_cached(&sql)?;
    let docs = stmt
        .query_map([], doc_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let docs = docs
        .into_iter()
        .filter(|d| folder.is_none_or(|f| under(&d.folder, f)))
        .collect();
    with_pins(replica, docs)
}

/// The live (not trashed) document at `path`.
pub fn find(replica: &Replica, path: &str) -> Result<Option<DocEntry>> {
    let Some((folder, name)) = split_path(path) else {
        return Ok(None);
    };
    let sql = format!(
        "SELECT {DOC_COLS} FROM documents d LEFT JOIN users u ON u.id = d.owner_id
         WHERE d.folder = ?1 AND d.name = ?2 AND d.trashed_at IS NULL ORDER BY d.id LIMIT 1"
    );
    let doc = replica
        .conn()
        .query_row(&sql, params![folder, name], doc_from_row)
        .optional()?;
    Ok(with_pins(replica, doc.into_iter().collect())?.pop())
}

/// One document by id.
pub fn get(replica: &Replica, id: &str) -> Result<Option<DocEntry>> {
    let sql = format!(
        "SELECT {DOC_COLS} FROM documents d LEFT JOIN users u ON u.id = d.owner_id
         WHERE d.id = ?1"
    );
    let doc = replica
        .conn()
        .query_row(&sql, [id], doc_from_row)
        .optional()?;
    Ok(with_pins(replica, doc.into_iter().collect())?.pop())
}

/// How many conflict copies the replica holds: two versions of a document met and the
/// later one was kept beside the other. A new one is told to the user.
pub fn conflict_copies(replica: &Replica) -> i64 {
    replica
        .conn()
        .query_row(
            "SELECT COUNT(*) FROM documents WHERE conflict_of IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap_or(0)
}

/// A media type from a file name's extension.
pub fn media_type(name: &str) -> &'static str {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("pdf") => "application/pdf",
        Some("odt") => "application/vnd.oasis.opendocument.text",
        Some("ods") => "application/vnd.oasis.opendocument.spreadsheet",
        Some("odp") => "application/vnd.oasis.opendocument.presentation",
        Some("docx") => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some("pptx") => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        Some("txt") => "text/plain",
        Some("md") => "text/markdown",
        Some("html" | "htm") => "text/html",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("svg") => "image/svg+xml",
        Some("mp3") => "audio/mpeg",
        Some("mp4") => "video/mp4",
        _ => "application/octet-stream",
    }
}

fn check_name(folder: &str, name: &str) -> Result<()> {
    use ardoise_protocol::documents::{folder_problem, name_problem};
    if let Some(problem) = name_problem(name).or_else(|| folder_problem(folder)) {
        return Err(SyncError::refused(
            ErrorCode::DocumentBadName,
            format!("« {} » : {problem}", join_path(folder, name)),
        ));
    }
    Ok(())
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Queues the upload of a cached content for a document. Two documents with the same
/// content get a row each (each holds its own op back) but the content goes up once.
fn queue_upload(replica: &Replica, hash: &str, size: u64, document_id: &str) -> Result<()> {
    replica.conn().execute(
        "INSERT INTO transfers (direction, hash, size, document_id, created_at)
         SELECT 'up', ?1, ?2, ?3, ?4
         WHERE NOT EXISTS (SELECT 1 FROM transfers WHERE direction = 'up' AND hash = ?1
                           AND document_id = ?3 AND state = 'queued')",
        params![hash, size as i64, document_id, now()],
    )?;
    note_cached(replica, hash, size)
}

fn note_cached(replica: &Replica, hash: &str, size: u64) -> Result<()> {
    replica.conn().execute(
        "INSERT INTO cached_blobs (hash, size, last_used) VALUES (?1, ?2, ?3)
         ON CONFLICT (hash) DO UPDATE SET last_used = excluded.last_used",
        params![hash, size as i64, now()],
    )?;
    Ok(())
}

/// Adds a file: a new document in `folder`, or a new version of the live document of that
/// name there. The content is copied into the cache at once (it opens offline, and later
/// edits of the source do not change what goes up); the upload and the op are queued.
pub fn put(
    replica: &mut Replica,
    cache: &Cache,
    src: &Path,
    folder: &str,
    name: &str,
) -> Result<PutOutcome> {
    check_name(folder, name)?;
    let (hash, size) = cache.import(src)?;
    put_content(replica, &hash, size, folder, name)
}

/// Like [`put`], for a content already in the cache.
pub fn put_content(
    replica: &mut Replica,
    hash: &str,
    size: u64,
    folder: &str,
    name: &str,
) -> Result<PutOutcome> {
    check_name(folder, name)?;
    note_cached(replica, hash, size)?;
    match find(replica, &join_path(folder, name))? {
        Some(doc) if doc.hash.as_deref() == Some(hash) => Ok(PutOutcome {
            document_id: doc.id,
            hash: hash.into(),
            size,
            unchanged: true,
            created: false,
        }),
        Some(doc) => {
            new_version(replica, &doc.id, hash, size)?;
            Ok(PutOutcome {
                document_id: doc.id,
                hash: hash.into(),
                size,
                unchanged: false,
                created: false,
            })
        }
        None => {
            let id = create(replica, hash, size, folder, name, None)?;
            Ok(PutOutcome {
                document_id: id,
                hash: hash.into(),
                size,
                unchanged: false,
                created: true,
            })
        }
    }
}

/// A new document holding a cached content; returns its id.
pub fn create(
    replica: &mut Replica,
    hash: &str,
    size: u64,
    folder: &str,
    name: &str,
    conflict_of: Option<&str>,
) -> Result<String> {
    check_name(folder, name)?;
    let id = uuid::Uuid::now_v7().to_string();
    let owner = replica.user_id()?;
    // The transfer first: if the process dies in between, a queued upload without its
    // document is harmless; the reverse would push a document the server cannot fill.
    queue_upload(replica, hash, size, &id)?;
    let data = json!({"folder": folder, "name": name, "mediaType": media_type(name),
        "size": size, "ownerId": owner, "hash": hash, "versions": [], "shares": [], "trashedAt": null,
        "conflictOf": conflict_of});
    let Value::Object(data) = data else {
        unreachable!("json! object")
    };
    replica.local_create(EntityKind::Document, &id, data)?;
    Ok(id)
}

/// A new version of document `id` (its base: the head this replica knows).
pub fn new_version(replica: &mut Replica, id: &str, hash: &str, size: u64) -> Result<()> {
    queue_upload(replica, hash, size, id)?;
    let mut data = Data::new();
    data.insert("hash".into(), json!(hash));
    data.insert("size".into(), json!(size));
    replica.local_update(EntityKind::Document, id, &data)?;
    Ok(())
}

/// Renames or moves a document.
pub fn rename(replica: &mut Replica, id: &str, folder: &str, name: &str) -> Result<()> {
    check_name(folder, name)?;
    let mut data = Data::new();
    data.insert("folder".into(), json!(folder));
    data.insert("name".into(), json!(name));
    replica.local_update(EntityKind::Document, id, &data)?;
    Ok(())
}

/// Puts a document in the ENT's trash (recoverable), or takes it out.
pub fn set_trashed(replica: &mut Replica, id: &str, trashed: bool) -> Result<()> {
    let mut data = Data::new();
    data.insert(
        "trashedAt".into(),
        if trashed { json!(now()) } else { Value::Null },
    );
    replica.local_update(EntityKind::Document, id, &data)?;
    Ok(())
}

/// Deletes a document of the trash for good (its owner only): the space its versions
/// took in the espace documentaire is given back once the ENT collects them.
pub fn delete_forever(replica: &mut Replica, id: &str) -> Result<()> {
    let (_, data) = replica
        .get(EntityKind::Document, id)?
        .ok_or_else(|| SyncError::NotFound(format!("document {id}")))?;
    if data.get("ownerId").and_then(Value::as_str) != Some(replica.user_id()?.as_str()) {
        return Err(SyncError::refused(
            ErrorCode::AclForbidden,
            "Seul le propriétaire d'un document le supprime.",
        ));
    }
    if data.get("trashedAt").is_none_or(Value::is_null) {
        return Err(SyncError::refused(
            ErrorCode::DocumentNotInTrash,
            "Un document se met d'abord à la corbeille ; il se supprime ensuite depuis la corbeille.",
        ));
    }
    replica.local_delete(EntityKind::Document, id)?;
    Ok(())
}

/// Pinned paths.
pub fn pins(replica: &Replica) -> Result<Vec<String>> {
    let mut stmt = replica
        .conn()
        .prepare_cached("SELECT path FROM pins ORDER BY path")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Keeps a folder or a document in the cache (`pinned`), or lets it go.
pub fn pin(replica: &Replica, path: &str, pinned: bool) -> Result<()> {
    let path = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    if !path.starts_with('/') {
        return Err(SyncError::refused(
            ErrorCode::DocumentBadName,
            "Un chemin commence par / (par exemple /Cours).",
        ));
    }
    if pinned {
        replica
            .conn()
            .execute("INSERT OR IGNORE INTO pins (path) VALUES (?1)", [path])?;
    } else {
        replica
            .conn()
            .execute("DELETE FROM pins WHERE path = ?1", [path])?;
    }
    Ok(())
}

/// Queues the download of a content (once).
pub fn queue_download(replica: &Replica, hash: &str, size: u64) -> Result<()> {
    if !is_blob_hash(hash) {
        return Err(SyncError::BadResponse(format!(
            "empreinte invalide : {hash:?}"
        )));
    }
    replica.conn().execute(
        "INSERT INTO transfers (direction, hash, size, created_at) SELECT 'down', ?1, ?2, ?3
         WHERE NOT EXISTS (SELECT 1 FROM transfers WHERE direction = 'down' AND hash = ?1
                           AND state = 'queued')",
        params![hash, size as i64, now()],
    )?;
    Ok(())
}

/// Ids of the documents attached to séances and homework of the replica.
fn attachments(replica: &Replica) -> Result<std::collections::HashSet<String>> {
    let mut stmt = replica.conn().prepare_cached(ATTACHED_SQL)?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every document attached to a séance or homework, from the lessons that have some
/// (a partial index each: the logbook is not read whole after every sync).
pub const ATTACHED_SQL: &str =
    "SELECT j.value FROM sessions s, json_each(s.attachments) j WHERE s.attachments <> '[]'
     UNION SELECT j.value FROM homework h, json_each(h.attachments) j WHERE h.attachments <> '[]'";

/// Queues the downloads that pinned documents lack, and those of documents attached to
/// séances and homework (they must open offline in class). Returns how many were queued.
pub fn queue_pinned(replica: &Replica, cache: &Cache) -> Result<usize> {
    let attached = attachments(replica)?;
    let mut n = 0;
    for d in list(replica, None)? {
        let wanted = d.pinned || attached.contains(&d.id);
        if let (true, None, Some(hash)) = (wanted, &d.trashed_at, &d.hash) {
            if !cache.has(hash) {
                queue_download(replica, hash, d.size)?;
                n += 1;
            }
        }
    }
    Ok(n)
}

/// The transfer queue, newest first (finished ones of the last day included).
pub fn transfers(replica: &Replica) -> Result<Vec<TransferView>> {
    let mut stmt = replica.conn().prepare_cached(
        "SELECT t.id, t.direction, t.hash, t.size, t.done_bytes, t.state, t.error,
                (SELECT CASE WHEN d.folder = '/' THEN '/' || d.name ELSE d.folder || '/' || d.name END
                   FROM documents d WHERE d.id = t.document_id OR (t.document_id IS NULL AND d.hash = t.hash) LIMIT 1)
         FROM transfers t
         WHERE t.state != 'done' OR t.created_at >= ?1
         ORDER BY t.id DESC LIMIT 200",
    )?;
    let since = (chrono::Utc::now() - chrono::Duration::days(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let rows = stmt.query_map([since], |r| {
        Ok(TransferView {
            id: r.get(0)?,
            direction: Direction::parse(&r.get::<_, String>(1)?)?,
            hash: r.get(2)?,
            size: r.get::<_, i64>(3)?.max(0) as u64,
            done_bytes: r.get::<_, i64>(4)?.max(0) as u64,
            state: r.get(5)?,
            error: r.get(6)?,
            path: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Copies a cached content to `out` (a file the user chose), through a temporary file in
/// the same folder so `out` is never half-written.
pub fn export(cache: &Cache, hash: &str, out: &Path) -> Result<()> {
    let src = cache.path(hash)?;
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let (tmp, _) = tempfile_in(dir)?;
    std::fs::copy(&src, &tmp)?;
    std::fs::rename(&tmp, out)?;
    Ok(())
}

/// What one run of the transfer queue did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct TransferReport {
    pub uploaded: usize,
    pub downloaded: usize,
    /// Bytes that went over the network up, all tries of this run.
    pub sent_bytes: u64,
    /// Bytes that came down.
    pub received_bytes: u64,
    /// Transfers refused for good in this run (quota, size), with the reason.
    pub failed: Vec<String>,
}

/// One queued transfer.
#[derive(Debug, Clone)]
pub(crate) struct Queued {
    pub id: i64,
    pub hash: String,
    pub size: u64,
}

/// The queued transfers of one direction whose backoff is over.
pub(crate) fn due(replica: &Replica, direction: Direction) -> Result<Vec<Queued>> {
    let mut stmt = replica.conn().prepare_cached(
        "SELECT id, hash, size FROM transfers
         WHERE direction = ?1 AND state = 'queued' AND (next_try_at IS NULL OR next_try_at <= ?2)
         ORDER BY id",
    )?;
    let rows = stmt.query_map(params![direction.as_str(), now()], |r| {
        Ok(Queued {
            id: r.get(0)?,
            hash: r.get(1)?,
            size: r.get::<_, i64>(2)?.max(0) as u64,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The queued transfer of one content in one direction, backoff or not.
pub(crate) fn queued(
    replica: &Replica,
    direction: Direction,
    hash: &str,
) -> Result<Option<Queued>> {
    Ok(replica
        .conn()
        .query_row(
            "SELECT id, hash, size FROM transfers
             WHERE direction = ?1 AND hash = ?2 AND state = 'queued' ORDER BY id LIMIT 1",
            params![direction.as_str(), hash],
            |r| {
                Ok(Queued {
                    id: r.get(0)?,
                    hash: r.get(1)?,
                    size: r.get::<_, i64>(2)?.max(0) as u64,
                })
            },
        )
        .optional()?)
}

pub(crate) fn progress(replica: &Replica, id: i64, done: u64, sent: u64) -> Result<()> {
    replica.conn().execute(
        "UPDATE transfers SET done_bytes = ?2, sent_bytes = sent_bytes + ?3 WHERE id = ?1",
        params![id, done as i64, sent as i64],
    )?;
    Ok(())
}

/// Marks every queued transfer of that content in that direction done (which releases
/// the document ops waiting on an upload).
pub(crate) fn finished(
    replica: &Replica,
    direction: Direction,
    hash: &str,
    size: u64,
) -> Result<()> {
    replica.conn().execute(
        "UPDATE transfers SET state = 'done', done_bytes = size, error = NULL
         WHERE direction = ?1 AND hash = ?2 AND state = 'queued'",
        params![direction.as_str(), hash],
    )?;
    note_cached(replica, hash, size)
}

/// A failed try: retried later with backoff, or refused for good.
pub(crate) fn failed(replica: &Replica, id: i64, error: &SyncError, for_good: bool) -> Result<()> {
    let attempts: i64 = replica.conn().query_row(
        "UPDATE transfers SET attempts = attempts + 1, error = ?2 WHERE id = ?1 RETURNING attempts",
        params![id, error.to_string()],
        |r| r.get(0),
    )?;
    if for_good {
        replica
            .conn()
            .execute("UPDATE transfers SET state = 'failed' WHERE id = ?1", [id])?;
    } else {
        let wait = 2i64.pow(attempts.clamp(1, 10) as u32).min(600);
        let at = (chrono::Utc::now() + chrono::Duration::seconds(wait))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        replica.conn().execute(
            "UPDATE transfers SET next_try_at = ?2 WHERE id = ?1",
            params![id, at],
        )?;
    }
    Ok(())
}

/// Puts failed and waiting transfers back in the queue, to be tried now.
pub fn retry_all(replica: &Replica) -> Result<usize> {
    Ok(replica.conn().execute(
        "UPDATE transfers SET state = 'queued', next_try_at = NULL
         WHERE state = 'failed' OR (state = 'queued' AND next_try_at IS NOT NULL)",
        [],
    )?)
}

/// Reads the chunk of a cached file that starts at `offset` into `buf`.
pub(crate) fn read_chunk(file: &mut File, offset: u64, buf: &mut Vec<u8>) -> Result<()> {
    buf.clear();
    file.seek(SeekFrom::Start(offset))?;
    file.take(CHUNK_BYTES as u64).read_to_end(buf)?;
    Ok(())
}

/// The partial download of a content, and where it ends now.
pub(crate) fn open_partial(cache: &Cache, hash: &str, size: u64) -> Result<(PathBuf, File, u64)> {
    let path = cache.partial(hash)?;
    std::fs::create_dir_all(path.parent().expect("cache/partial"))?;
    let file = File::options().create(true).append(true).open(&path)?;
    let mut len = file.metadata()?.len();
    if len > size {
        file.set_len(0)?;
        len = 0;
    }
    Ok((path, file, len))
}

/// Checks a finished download against its hash and moves it into the cache.
pub(crate) fn adopt_partial(cache: &Cache, path: &Path, hash: &str) -> Result<()> {
    let (actual, _) = hash_file(path)?;
    if actual != hash {
        std::fs::remove_file(path)?;
        return Err(SyncError::BadResponse(format!(
            "contenu téléchargé altéré (empreinte {actual} au lieu de {hash}) : il sera retéléchargé"
        )));
    }
    cache.adopt(path, hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_refuses_names_that_are_not_hashes() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        for bad in ["../../etc/passwd", "/etc/passwd", "", &"A".repeat(64)] {
            assert!(cache.path(bad).is_err(), "{bad:?}");
        }
        let src = dir.path().join("a.txt");
        std::fs::write(&src, b"bonjour").unwrap();
        let (hash, size) = cache.import(&src).unwrap();
        assert_eq!(hash, blake3::hash(b"bonjour").to_hex().to_string());
        assert_eq!(size, 7);
        assert!(cache.has(&hash));
        assert!(cache.path(&hash).unwrap().starts_with(dir.path()));
        // Importing the same content again keeps one copy.
        cache.import(&src).unwrap();
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0
        );
    }

    #[test]
    fn pins_cover_what_is_below_them() {
        assert!(under("/Cours/Maths/a.pdf", "/Cours"));
        assert!(under("/Cours", "/Cours"));
        assert!(!under("/Cours2/a.pdf", "/Cours"));
        assert!(under("/x", "/"));
    }
}
