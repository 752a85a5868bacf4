//! Folder sync: a local folder kept in step with the espace documentaire, both ways.
//!
//! (Called « the mirror » in its first version: the table `mirror_files`, the state keys
//! `mirror.*`, the IPC commands `choose_mirror_dir` / `stop_mirror`, the field `mirrorDir`
//! and the error codes `mirror.*` keep that name, since they are stored or on a wire. In
//! the code, « mirror » now only means the replica's merge base.)
//!
//! [`reconcile`] is one pass of a three-way comparison between the folder on disk, the
//! documents of the replica, and `mirror_files` — what both sides agreed on at the last
//! pass (path, document, content hash, size, mtime). Every decision follows from those
//! three states, so a pass is right whatever happened in between: edits while offline,
//! while the app was closed, an editor's temporary files and save-by-rename (only the end
//! state is seen). [`watch`] runs passes after changes on disk settle (`notify`, debounced).
//!
//! Rules, per file:
//! - changed here only → a new version (its base: the agreed hash);
//! - changed there only → the new content is written here (through a temporary file and a
//!   rename, never half-written);
//! - changed on both sides → the local file is renamed « … (copie de conflit — vous, date) »
//!   and goes up as a new document; the other version takes the original name. Nothing is
//!   overwritten;
//! - moved or renamed on one side → moved or renamed on the other (a file that disappears
//!   here while one with the same content appears elsewhere is a move, not delete + upload);
//! - deleted here → put in the ENT's trash (recoverable); a document you may not edit is
//!   written back instead; deleted there (trash) → removed here, unless changed here, in
//!   which case it goes up as a new document.
//!
//! Names from the server are made safe for Linux, Windows and macOS ([`safe_name`]), names
//! that differ only by case get distinct files, and every write is checked to land inside
//! the root ([`inside`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant, UNIX_EPOCH};

use ardoise_protocol::documents::{conflict_copy_name, paris_time, MAX_NAME_BYTES};
use ardoise_protocol::ErrorCode;
use rusqlite::params;
use serde::Serialize;

use crate::docs::{self, Cache, DocEntry};
use crate::{Replica, Result, SyncError};

/// State key of the folder `mirror_files` describes.
const ROOT_KEY: &str = "mirror.root";

/// Replica state key: the folder of this computer the user chose to keep in step.
pub const CHOSEN_FOLDER_KEY: &str = "mirror.chosen";

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FolderReport {
    /// Local files that became new documents.
    pub created: usize,
    /// Local edits that became new versions.
    pub new_versions: usize,
    /// Documents renamed or moved after the local file was.
    pub renamed_remote: usize,
    /// Local files renamed or moved after the document was.
    pub renamed_local: usize,
    /// Documents put in the trash after the local file was deleted.
    pub trashed: usize,
    /// Files written here (new or changed documents).
    pub written: usize,
    /// Local files removed after their document went to the trash.
    pub removed: usize,
    /// Files changed on both sides, kept as conflict copies.
    pub conflicts: usize,
    /// Documents whose content must be downloaded first (queued).
    pub waiting: usize,
    /// Files left alone, with why (a name the ENT refuses…).
    pub problems: Vec<String>,
}

impl FolderReport {
    /// Whether the pass changed anything on either side.
    pub fn changed_anything(&self) -> bool {
        self.created
            + self.new_versions
            + self.renamed_remote
            + self.renamed_local
            + self.trashed
            + self.written
            + self.removed
            + self.conflicts
            > 0
    }
}

/// Whether a file name is an editor's or a downloader's temporary file, or hidden: such
/// files are never sent.
pub fn is_ignored(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with("~$")
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with('#')
        || [
            ".tmp",
            ".temp",
            ".swp",
            ".swx",
            ".part",
            ".crdownload",
            ".lock",
        ]
        .iter()
        .any(|ext| name.to_ascii_lowercase().ends_with(ext))
        || name.eq_ignore_ascii_case("desktop.ini")
        || name.eq_ignore_ascii_case("thumbs.db")
}

const RESERVED: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// A name from the server made safe as one path component on Linux, Windows and macOS:
/// no separators, NUL, control or reserved characters, no "." or "..", no reserved
/// device name (CON, NUL, COM1…), no trailing dot or space, at most 255 bytes, never
/// empty — and never a name folder sync would take for a temporary file.
pub fn safe_name(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    while s.ends_with(['.', ' ']) {
        s.pop();
    }
    let s = s.trim_start().to_string();
    let mut s = if s.is_empty() { "_".to_string() } else { s };
    let base = s.split('.').next().unwrap_or("").trim_end();
    if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(base)) {
        s.insert(0, '_');
    }
    if is_ignored(&s) {
        s.insert(0, '_');
        if is_ignored(&s) {
            s.push('_');
        }
    }
    truncate_name(&s, MAX_NAME_BYTES)
}

/// Shortens a name to `max` bytes, keeping its extension and whole characters.
fn truncate_name(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_string();
    }
    let (stem, ext) = split_ext(name);
    let ext = if ext.len() > 16 { "" } else { ext };
    let mut stem = stem.to_string();
    while stem.len() + ext.len() > max {
        stem.pop();
    }
    format!("{stem}{ext}")
}

fn split_ext(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(i) if i > 0 => name.split_at(i),
        _ => (name, ""),
    }
}

/// The relative local path of a document: its safe folder components and name.
fn natural_path(doc: &DocEntry) -> String {
    doc.folder
        .split('/')
        .filter(|c| !c.is_empty())
        .map(safe_name)
        .chain(std::iter::once(safe_name(&doc.name)))
        .collect::<Vec<_>>()
        .join("/")
}

/// `rel` under `root`, if every component of `rel` is a plain name: the only way this
/// module turns a relative path into a place on disk.
pub fn inside(root: &Path, rel: &str) -> Result<PathBuf> {
    let rel_path = Path::new(rel);
    let plain = !rel.is_empty()
        && rel_path.components().all(
            |c| matches!(c, Component::Normal(n) if n.to_str().is_some_and(|n| !n.contains('\\'))),
        );
    if !plain {
        return Err(SyncError::refused(
            ErrorCode::MirrorUnsafePath,
            format!("chemin refusé hors du dossier synchronisé : {rel:?}"),
        ));
    }
    Ok(root.join(rel_path))
}

/// Creates the parents of `path` and checks that, symlinks resolved, they are inside
/// `root` (a symlink planted in the folder cannot send a write elsewhere).
fn prepare_parent(root: &Path, path: &Path) -> Result<()> {
    let parent = path.parent().expect("a file in the root");
    std::fs::create_dir_all(parent)?;
    let real_root = root.canonicalize()?;
    if !parent.canonicalize()?.starts_with(&real_root) {
        return Err(SyncError::refused(
            ErrorCode::MirrorUnsafePath,
            format!("{} sort du dossier synchronisé", path.display()),
        ));
    }
    Ok(())
}

/// A file as found on disk.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Seen {
    size: u64,
    mtime_ns: i64,
}

/// Files under `root` (relative "/"-separated paths), temporary and hidden files and
/// symlinks left out.
fn scan(root: &Path) -> Result<BTreeMap<String, Seen>> {
    let mut out = BTreeMap::new();
    let mut dirs = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = dirs.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e.into()),
        };
        for entry in entries {
            let entry = entry?;
            let Ok(name) = entry.file_name().into_string() else {
                continue; // not UTF-8: not a name the ENT can hold
            };
            if is_ignored(&name) {
                continue;
            }
            let rel = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            let meta = match std::fs::symlink_metadata(entry.path()) {
                Ok(m) => m,
                Err(_) => continue, // gone meanwhile
            };
            if meta.is_dir() {
                dirs.push((entry.path(), rel));
            } else if meta.is_file() {
                out.insert(rel, seen(&meta));
            }
        }
    }
    Ok(out)
}

fn seen(meta: &std::fs::Metadata) -> Seen {
    let mtime_ns = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i64);
    Seen {
        size: meta.len(),
        mtime_ns,
    }
}

/// One row of `mirror_files`.
#[derive(Debug, Clone)]
struct Agreed {
    path: String,
    document_id: String,
    hash: String,
    size: u64,
    mtime_ns: i64,
    /// The document's path in the ENT at that time.
    remote_path: String,
}

fn load(replica: &Replica) -> Result<Vec<Agreed>> {
    let mut stmt = replica.conn().prepare_cached(
        "SELECT path, document_id, hash, size, mtime_ns, remote_path FROM mirror_files ORDER BY path",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Agreed {
            path: r.get(0)?,
            document_id: r.get(1)?,
            hash: r.get(2)?,
            size: r.get::<_, i64>(3)?.max(0) as u64,
            mtime_ns: r.get(4)?,
            remote_path: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

fn save(replica: &Replica, a: &Agreed) -> Result<()> {
    replica.conn().execute(
        "DELETE FROM mirror_files WHERE path = ?1 OR document_id = ?2",
        params![a.path, a.document_id],
    )?;
    replica.conn().execute(
        "INSERT INTO mirror_files (path, document_id, hash, size, mtime_ns, remote_path)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            a.path,
            a.document_id,
            a.hash,
            a.size as i64,
            a.mtime_ns,
            a.remote_path
        ],
    )?;
    Ok(())
}

fn forget(replica: &Replica, document_id: &str) -> Result<()> {
    replica.conn().execute(
        "DELETE FROM mirror_files WHERE document_id = ?1",
        [document_id],
    )?;
    Ok(())
}

/// Paths taken in the folder, compared without case (Windows and macOS would mix them):
/// files, and the folders above them (a file and a folder cannot share a name).
#[derive(Default)]
struct Taken {
    files: HashSet<String>,
    dirs: HashMap<String, usize>,
}

impl Taken {
    fn take(&mut self, rel: &str) {
        let rel = rel.to_lowercase();
        let mut at = 0;
        while let Some(i) = rel[at..].find('/') {
            *self.dirs.entry(rel[..at + i].to_string()).or_default() += 1;
            at += i + 1;
        }
        self.files.insert(rel);
    }
    fn release(&mut self, rel: &str) {
        let rel = rel.to_lowercase();
        if self.files.remove(&rel) {
            let mut at = 0;
            while let Some(i) = rel[at..].find('/') {
                let dir = &rel[..at + i];
                if let Some(n) = self.dirs.get_mut(dir) {
                    *n -= 1;
                    if *n == 0 {
                        self.dirs.remove(dir);
                    }
                }
                at += i + 1;
            }
        }
    }
    fn is_file(&self, rel: &str) -> bool {
        self.files.contains(&rel.to_lowercase())
    }
    fn is_taken(&self, rel: &str) -> bool {
        let lower = rel.to_lowercase();
        self.files.contains(&lower) || self.dirs.contains_key(&lower)
    }
    /// `rel`, or with "name (2).ext", "name (3).ext"… where a file or a folder is in the
    /// way (folders get a numbered name too when a file holds theirs).
    fn allocate(&mut self, rel: &str) -> String {
        let parts: Vec<&str> = rel.split('/').collect();
        let mut dir = String::new();
        for part in &parts[..parts.len() - 1] {
            let mut name = part.to_string();
            let mut n = 2;
            while self.is_file(&format!("{dir}{name}")) {
                name = numbered(part, n, false);
                n += 1;
            }
            dir = format!("{dir}{name}/");
        }
        let file = parts[parts.len() - 1];
        let mut candidate = format!("{dir}{file}");
        let mut n = 2;
        while self.is_taken(&candidate) {
            candidate = format!("{dir}{}", numbered(file, n, true));
            n += 1;
        }
        self.take(&candidate);
        candidate
    }
}

/// "name (n).ext" (or "name (n)" for a folder), within the length limit.
fn numbered(name: &str, n: usize, keep_ext: bool) -> String {
    let (stem, ext) = if keep_ext {
        split_ext(name)
    } else {
        (name, "")
    };
    let suffix = format!(" ({n}){ext}");
    format!(
        "{}{suffix}",
        truncate_name(stem, MAX_NAME_BYTES - suffix.len())
    )
}

/// What happened to a file here since the agreed state.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Local {
    Missing,
    Same(Seen),
    Changed(Seen),
}

/// What happened to its document there since the agreed state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Remote {
    /// In the trash, or no longer readable.
    Gone,
    /// Still there: whether its content changed, whether it moved or was renamed, and
    /// whether this user may edit it.
    There {
        changed: bool,
        moved: bool,
        can_edit: bool,
    },
}

/// What a pass does about one agreed file: the three-way rule of the module's
/// documentation, decided from the two changes alone (no disk, no replica), then carried
/// out by [`reconcile`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Nothing changed on either side.
    Keep,
    /// Gone there, unchanged here: the file is removed here (if still as seen).
    RemoveHere,
    /// Gone there, changed here: the file goes up as a new document.
    UploadAsNew,
    /// Gone on both sides: nothing left to agree on.
    Forget,
    /// Moved or renamed there only: the file follows here.
    MoveHere,
    /// New content there, unchanged here: written here (at its new place if it moved).
    WriteHere,
    /// Edited here only: a new version (then the file follows a move made there).
    NewVersion,
    /// Edited here, but the document is read-only to this user: kept here, and said.
    KeepReadOnly,
    /// Edited on both sides: ours becomes a conflict copy, theirs takes the place.
    Conflict,
    /// Deleted here after it changed there: forgotten, so theirs is written back.
    WriteBack,
    /// Deleted here, unchanged there: a move here if the same content appeared elsewhere,
    /// else the document goes to the trash (or comes back if not ours to delete).
    GoneHere,
}

/// The three-way rule for one file.
fn decide(here: &Local, there: Remote) -> Step {
    let Remote::There {
        changed,
        moved,
        can_edit,
    } = there
    else {
        return match here {
            Local::Same(_) => Step::RemoveHere,
            Local::Changed(_) => Step::UploadAsNew,
            Local::Missing => Step::Forget,
        };
    };
    match here {
        Local::Same(_) if !changed && !moved => Step::Keep,
        Local::Same(_) if !changed => Step::MoveHere,
        Local::Same(_) => Step::WriteHere,
        Local::Changed(_) if !changed && !can_edit => Step::KeepReadOnly,
        Local::Changed(_) if !changed => Step::NewVersion,
        Local::Changed(_) => Step::Conflict,
        Local::Missing if changed => Step::WriteBack,
        Local::Missing => Step::GoneHere,
    }
}

/// One reconciliation pass over the folder `root` (created if missing). Local changes are
/// queued (transfers and ops), remote changes written from the cache; contents not cached
/// yet are queued for download and written by a later pass.
pub fn reconcile(replica: &mut Replica, cache: &Cache, root: &Path) -> Result<FolderReport> {
    std::fs::create_dir_all(root)?;
    let root = root.canonicalize()?;
    let root_text = root.to_string_lossy().to_string();
    if replica.state(ROOT_KEY)?.as_deref() != Some(root_text.as_str()) {
        // Another folder than last time: nothing was agreed about this one.
        replica.conn().execute("DELETE FROM mirror_files", [])?;
        replica.set_state(ROOT_KEY, &root_text)?;
    }
    let mut report = FolderReport::default();
    let me = replica.user_id()?;
    let my_name: String = replica
        .conn()
        .query_row("SELECT display_name FROM users WHERE id = ?1", [&me], |r| {
            r.get(0)
        })
        .unwrap_or_else(|_| "vous".into());
    let remote: HashMap<String, DocEntry> = docs::list(replica, None)?
        .into_iter()
        .filter(|d| d.trashed_at.is_none() && d.hash.is_some())
        .map(|d| (d.id.clone(), d))
        .collect();
    let mut local = scan(&root)?;
    let agreed = load(replica)?;
    let mut taken = Taken::default();
    for rel in local.keys() {
        taken.take(rel);
    }
    for a in &agreed {
        taken.take(&a.path);
    }
    let agreed_paths: HashSet<String> = agreed.iter().map(|a| a.path.clone()).collect();
    // Local files nobody agreed on yet: new here, or the new place of a moved one.
    let mut fresh: Vec<String> = local
        .keys()
        .filter(|p| !agreed_paths.contains(*p))
        .cloned()
        .collect();
    let mut claimed: HashSet<String> = HashSet::new();
    let mut hashes: HashMap<String, String> = HashMap::new();
    let hash_of = |rel: &str, hashes: &mut HashMap<String, String>| -> Result<String> {
        if let Some(h) = hashes.get(rel) {
            return Ok(h.clone());
        }
        let (h, _) = docs::hash_file(&inside(&root, rel)?)?;
        hashes.insert(rel.to_string(), h.clone());
        Ok(h)
    };
    let mut mapped: HashSet<String> = HashSet::new();

    for a in &agreed {
        let state = match local.get(&a.path) {
            None => Local::Missing,
            Some(s) if s.size == a.size && s.mtime_ns == a.mtime_ns => Local::Same(*s),
            Some(s) => {
                if hash_of(&a.path, &mut hashes)? == a.hash {
                    save(
                        replica,
                        &Agreed {
                            mtime_ns: s.mtime_ns,
                            ..a.clone()
                        },
                    )?;
                    Local::Same(*s)
                } else {
                    Local::Changed(*s)
                }
            }
        };
        let doc = remote.get(&a.document_id);
        let there = match doc {
            None => Remote::Gone,
            Some(d) => Remote::There {
                changed: d.hash.as_deref() != Some(a.hash.as_str()),
                moved: d.path != a.remote_path,
                can_edit: d.can_edit,
            },
        };
        let step = decide(&state, there);
        let (Some(doc), Local::Same(s) | Local::Changed(s)) = (doc, state) else {
            // Gone there, or deleted here.
            match (step, doc) {
                (Step::RemoveHere | Step::UploadAsNew | Step::Forget, _) => {
                    forget(replica, &a.document_id)?;
                    if step == Step::UploadAsNew {
                        fresh.push(a.path.clone());
                    }
                    if let (Step::RemoveHere, Local::Same(s)) = (step, state) {
                        if remove_if_unchanged(&root, &a.path, s)? {
                            taken.release(&a.path);
                            local.remove(&a.path);
                            report.removed += 1;
                        }
                    }
                }
                (Step::WriteBack, Some(doc)) => forget(replica, &doc.id)?,
                (Step::GoneHere, Some(doc)) => {
                    // Moved here? A new file with the same content.
                    let mut found = None;
                    for f in &fresh {
                        if claimed.contains(f) || local.get(f).is_none_or(|s| s.size != a.size) {
                            continue;
                        }
                        if hash_of(f, &mut hashes)? == a.hash {
                            found = Some(f.clone());
                            break;
                        }
                    }
                    if let Some(f) = found {
                        claimed.insert(f.clone());
                        let (folder, name) = remote_place(&f);
                        if !doc.can_edit {
                            report.problems.push(format!(
                                "{f} : document en lecture seule, non déplacé dans l'ENT"
                            ));
                            forget(replica, &doc.id)?;
                            continue;
                        }
                        match docs::rename(replica, &doc.id, &folder, &name) {
                            Ok(()) => {
                                let s = local[&f];
                                save(
                                    replica,
                                    &Agreed {
                                        path: f.clone(),
                                        remote_path: ardoise_protocol::documents::join_path(
                                            &folder, &name,
                                        ),
                                        mtime_ns: s.mtime_ns,
                                        ..a.clone()
                                    },
                                )?;
                                report.renamed_remote += 1;
                                mapped.insert(doc.id.clone());
                            }
                            Err(e) => {
                                report.problems.push(format!("{f} : {e}"));
                                forget(replica, &doc.id)?;
                            }
                        }
                    } else if doc.can_edit {
                        docs::set_trashed(replica, &doc.id, true)?;
                        forget(replica, &doc.id)?;
                        taken.release(&a.path);
                        report.trashed += 1;
                        mapped.insert(doc.id.clone());
                    } else {
                        // Not ours to delete: it comes back.
                        forget(replica, &doc.id)?;
                        taken.release(&a.path);
                    }
                }
                _ => unreachable!("decide gives {step:?} only for a file here"),
            }
            continue;
        };
        let doc_hash = doc.hash.clone().unwrap_or_default();
        let moved_there = doc.path != a.remote_path;
        match step {
            Step::Keep | Step::KeepReadOnly => {
                if step == Step::KeepReadOnly {
                    report.problems.push(format!(
                        "{} : document en lecture seule, modification gardée ici",
                        a.path
                    ));
                }
                mapped.insert(doc.id.clone());
            }
            Step::MoveHere => {
                let target = taken.allocate(&natural_path(doc));
                rename_local(&root, &a.path, &target)?;
                taken.release(&a.path);
                save(
                    replica,
                    &Agreed {
                        path: target,
                        remote_path: doc.path.clone(),
                        mtime_ns: s.mtime_ns,
                        ..a.clone()
                    },
                )?;
                report.renamed_local += 1;
                mapped.insert(doc.id.clone());
            }
            Step::WriteHere => {
                if !cache.has(&doc_hash) {
                    docs::queue_download(replica, &doc_hash, doc.size)?;
                    report.waiting += 1;
                    mapped.insert(doc.id.clone());
                    continue;
                }
                let target = if moved_there {
                    taken.allocate(&natural_path(doc))
                } else {
                    a.path.clone()
                };
                if let Some(written) =
                    write_from_cache(cache, &doc_hash, &root, &target, Some((&a.path, s)))?
                {
                    if target != a.path {
                        remove_if_unchanged(&root, &a.path, s)?;
                        taken.release(&a.path);
                    }
                    save(
                        replica,
                        &Agreed {
                            path: target,
                            document_id: doc.id.clone(),
                            hash: doc_hash.clone(),
                            size: written.size,
                            mtime_ns: written.mtime_ns,
                            remote_path: doc.path.clone(),
                        },
                    )?;
                    report.written += 1;
                }
                mapped.insert(doc.id.clone());
            }
            Step::NewVersion => {
                let (hash, size) = cache.import(&inside(&root, &a.path)?)?;
                docs::new_version(replica, &doc.id, &hash, size)?;
                report.new_versions += 1;
                let mut path = a.path.clone();
                if moved_there {
                    let target = taken.allocate(&natural_path(doc));
                    rename_local(&root, &a.path, &target)?;
                    taken.release(&a.path);
                    path = target;
                }
                let mtime_ns = std::fs::metadata(inside(&root, &path)?)
                    .map_or(s.mtime_ns, |m| seen(&m).mtime_ns);
                save(
                    replica,
                    &Agreed {
                        path,
                        document_id: doc.id.clone(),
                        hash,
                        size,
                        mtime_ns,
                        remote_path: doc.path.clone(),
                    },
                )?;
                mapped.insert(doc.id.clone());
            }
            Step::Conflict => {
                // Both sides changed: keep ours under a conflict name, theirs takes the place.
                let copy = conflict_name(&a.path, &my_name, &mut taken);
                rename_local(&root, &a.path, &copy)?;
                taken.release(&a.path);
                if let Some(s) = local.remove(&a.path) {
                    local.insert(copy.clone(), s);
                }
                fresh.push(copy);
                forget(replica, &doc.id)?;
                report.conflicts += 1;
            }
            _ => unreachable!("decide gives {step:?} only for a file gone here or there"),
        }
    }

    // Documents placed nowhere yet, by where they would go.
    let mut unmapped: Vec<&DocEntry> = remote
        .values()
        .filter(|d| !mapped.contains(&d.id))
        .collect();
    unmapped.sort_by(|a, b| (natural_path(a), &a.id).cmp(&(natural_path(b), &b.id)));
    let mut by_path: HashMap<String, &DocEntry> = HashMap::new();
    for d in &unmapped {
        by_path.entry(natural_path(d)).or_insert(d);
    }

    // New local files: adopted by a document at the same place with the same content,
    // kept as a conflict copy if that document differs, else new documents.
    fresh.sort();
    for f in fresh {
        if claimed.contains(&f) || !local.contains_key(&f) {
            continue;
        }
        claimed.insert(f.clone());
        let s = local[&f];
        if let Some(doc) = by_path.get(&f).copied() {
            let hash = hash_of(&f, &mut hashes)?;
            if doc.hash.as_deref() == Some(hash.as_str()) {
                save(
                    replica,
                    &Agreed {
                        path: f.clone(),
                        document_id: doc.id.clone(),
                        hash,
                        size: s.size,
                        mtime_ns: s.mtime_ns,
                        remote_path: doc.path.clone(),
                    },
                )?;
                mapped.insert(doc.id.clone());
                continue;
            }
            let copy = conflict_name(&f, &my_name, &mut taken);
            rename_local(&root, &f, &copy)?;
            taken.release(&f);
            report.conflicts += 1;
            upload_new(replica, cache, &root, &copy, &mut report)?;
            continue;
        }
        upload_new(replica, cache, &root, &f, &mut report)?;
    }

    // What is left: write it here.
    for d in unmapped {
        if mapped.contains(&d.id) {
            continue;
        }
        let hash = d.hash.clone().unwrap_or_default();
        if !cache.has(&hash) {
            docs::queue_download(replica, &hash, d.size)?;
            report.waiting += 1;
            continue;
        }
        let natural = natural_path(d);
        let target = taken.allocate(&natural);
        match write_from_cache(cache, &hash, &root, &target, None)? {
            Some(w) => {
                save(
                    replica,
                    &Agreed {
                        path: target,
                        document_id: d.id.clone(),
                        hash,
                        size: w.size,
                        mtime_ns: w.mtime_ns,
                        remote_path: d.path.clone(),
                    },
                )?;
                report.written += 1;
            }
            None => report
                .problems
                .push(format!("{target} : un fichier local occupe déjà la place")),
        }
    }
    Ok(report)
}

/// The ENT folder and name of a local relative path.
fn remote_place(rel: &str) -> (String, String) {
    match rel.rsplit_once('/') {
        Some((dir, name)) => (format!("/{dir}"), name.to_string()),
        None => ("/".to_string(), rel.to_string()),
    }
}

fn upload_new(
    replica: &mut Replica,
    cache: &Cache,
    root: &Path,
    rel: &str,
    report: &mut FolderReport,
) -> Result<()> {
    let (folder, name) = remote_place(rel);
    let path = inside(root, rel)?;
    let (hash, size) = cache.import(&path)?;
    match docs::create(replica, &hash, size, &folder, &name, None) {
        Ok(id) => {
            let mtime_ns = std::fs::metadata(&path).map_or(0, |m| seen(&m).mtime_ns);
            save(
                replica,
                &Agreed {
                    path: rel.to_string(),
                    document_id: id,
                    hash,
                    size,
                    mtime_ns,
                    remote_path: ardoise_protocol::documents::join_path(&folder, &name),
                },
            )?;
            report.created += 1;
        }
        Err(e @ SyncError::Refused { .. }) => report.problems.push(format!("{rel} : {e}")),
        Err(e) => return Err(e),
    }
    Ok(())
}

fn conflict_name(rel: &str, who: &str, taken: &mut Taken) -> String {
    let when = paris_time(chrono::Utc::now())
        .format("%d-%m-%Y %Hh%M")
        .to_string();
    let (dir, file) = match rel.rsplit_once('/') {
        Some((d, f)) => (format!("{d}/"), f),
        None => (String::new(), rel),
    };
    taken.allocate(&format!("{dir}{}", conflict_copy_name(file, who, &when)))
}

fn rename_local(root: &Path, from: &str, to: &str) -> Result<()> {
    let (from, to) = (inside(root, from)?, inside(root, to)?);
    prepare_parent(root, &to)?;
    std::fs::rename(from, to)?;
    Ok(())
}

/// Removes a file if it is still as seen (a file changed meanwhile is kept).
fn remove_if_unchanged(root: &Path, rel: &str, was: Seen) -> Result<bool> {
    let path = inside(root, rel)?;
    match std::fs::symlink_metadata(&path) {
        Ok(m) if m.is_file() && seen(&m) == was => {
            std::fs::remove_file(path)?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Writes a cached content at `rel` through a temporary file and a rename. With
/// `replacing`, only if the file there is still as seen; without, only if nothing is
/// there. Returns what was written, or None when the place was not free.
fn write_from_cache(
    cache: &Cache,
    hash: &str,
    root: &Path,
    rel: &str,
    replacing: Option<(&str, Seen)>,
) -> Result<Option<Seen>> {
    let target = inside(root, rel)?;
    prepare_parent(root, &target)?;
    let parent = target.parent().expect("a file in the root");
    let tmp = parent.join(format!(".ardoise-{}.tmp", uuid::Uuid::now_v7()));
    std::fs::copy(cache.path(hash)?, &tmp)?;
    let free = match (replacing, std::fs::symlink_metadata(&target)) {
        (_, Err(_)) => true,
        (Some((old, was)), Ok(m)) => old == rel && m.is_file() && seen(&m) == was,
        (None, Ok(_)) => false,
    };
    if !free {
        std::fs::remove_file(&tmp)?;
        return Ok(None);
    }
    std::fs::rename(&tmp, &target)?;
    Ok(Some(seen(&std::fs::metadata(&target)?)))
}

/// Keeps calling `pass` while the program runs: after changes under `root` settle
/// (`quiet` without a new event, at most `max_wait` after the first), and every `period`
/// anyway (for changes on the server). Returns when `stop` says so.
pub fn watch(
    root: &Path,
    quiet: Duration,
    max_wait: Duration,
    period: Duration,
    stop: &dyn Fn() -> bool,
    pass: &mut dyn FnMut() -> Result<()>,
) -> Result<()> {
    use notify::{RecursiveMode, Watcher};
    let (tx, rx) = std::sync::mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(e) = event {
            let relevant = e.paths.iter().any(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_none_or(|n| !n.starts_with(".ardoise-"))
            });
            if relevant {
                let _ = tx.send(());
            }
        }
    })
    .map_err(|e| {
        SyncError::refused(
            ErrorCode::MirrorWatch,
            format!("surveillance du dossier impossible : {e}"),
        )
    })?;
    watcher.watch(root, RecursiveMode::Recursive).map_err(|e| {
        SyncError::refused(
            ErrorCode::MirrorWatch,
            format!("surveillance du dossier impossible : {e}"),
        )
    })?;
    let tick = Duration::from_millis(100);
    let mut last_pass = Instant::now();
    let mut first_event: Option<Instant> = None;
    let mut last_event = Instant::now();
    while !stop() {
        match rx.recv_timeout(tick) {
            Ok(()) => {
                last_event = Instant::now();
                first_event.get_or_insert(last_event);
                continue;
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
        let settled =
            first_event.is_some_and(|f| last_event.elapsed() >= quiet || f.elapsed() >= max_wait);
        if settled || last_pass.elapsed() >= period {
            first_event = None;
            if let Err(e) = pass() {
                tracing::warn!("folder sync pass failed: {e}");
            }
            // Our own writes raised events: drop them.
            while rx.try_recv().is_ok() {}
            last_pass = Instant::now();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_become_safe_names() {
        let cases = [
            ("../x", "_.._x"),
            ("..", "_"),
            (".", "_"),
            ("/etc/passwd", "_etc_passwd"),
            ("CON", "_CON"),
            ("con.txt", "_con.txt"),
            ("LPT9.doc", "_LPT9.doc"),
            ("a\0b", "a_b"),
            ("a:b*c?.txt", "a_b_c_.txt"),
            ("fin. ", "fin"),
            ("", "_"),
            (".bashrc", "_.bashrc"),
            ("notes.tmp", "_notes.tmp_"),
            ("fiche.pdf", "fiche.pdf"),
        ];
        for (from, to) in cases {
            assert_eq!(safe_name(from), to, "{from:?}");
        }
        let long = safe_name(&format!("{}.pdf", "é".repeat(200)));
        assert!(long.len() <= 255 && long.ends_with(".pdf"), "{long}");
        for (from, _) in cases {
            let s = safe_name(from);
            assert!(
                !is_ignored(&s) && inside(Path::new("/r"), &s).is_ok(),
                "{from:?} → {s:?}"
            );
        }
    }

    #[test]
    fn only_plain_relative_paths_are_inside() {
        for bad in ["", "../x", "/etc/passwd", "a/../../x", "a\\..\\x", "./"] {
            assert!(inside(Path::new("/r"), bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            inside(Path::new("/r"), "a/b.txt").unwrap(),
            Path::new("/r/a/b.txt")
        );
    }

    #[test]
    fn names_differing_by_case_get_their_own_place() {
        let mut t = Taken::default();
        assert_eq!(t.allocate("Cours/Fiche.pdf"), "Cours/Fiche.pdf");
        assert_eq!(t.allocate("Cours/fiche.pdf"), "Cours/fiche (2).pdf");
        assert_eq!(t.allocate("Cours/FICHE.PDF"), "Cours/FICHE (3).PDF");
    }

    /// The three-way rule, case by case, without a disk: every pair of a change here and
    /// a change there gives the step the module's documentation promises.
    #[test]
    fn each_pair_of_changes_gives_its_step() {
        let s = Seen {
            size: 1,
            mtime_ns: 1,
        };
        let (same, edited, deleted) = (Local::Same(s), Local::Changed(s), Local::Missing);
        let there = |changed, moved, can_edit| Remote::There {
            changed,
            moved,
            can_edit,
        };
        let cases = [
            (same, there(false, false, true), Step::Keep),
            (same, there(false, true, true), Step::MoveHere),
            (same, there(true, false, true), Step::WriteHere),
            (same, there(true, true, false), Step::WriteHere),
            (edited, there(false, false, true), Step::NewVersion),
            (edited, there(false, true, true), Step::NewVersion),
            (edited, there(false, false, false), Step::KeepReadOnly),
            (edited, there(true, false, true), Step::Conflict),
            (edited, there(true, true, false), Step::Conflict),
            (deleted, there(true, false, true), Step::WriteBack),
            (deleted, there(false, false, true), Step::GoneHere),
            (deleted, there(false, true, false), Step::GoneHere),
            (same, Remote::Gone, Step::RemoveHere),
            (edited, Remote::Gone, Step::UploadAsNew),
            (deleted, Remote::Gone, Step::Forget),
        ];
        for (here, there, step) in cases {
            assert_eq!(decide(&here, there), step, "{here:?} / {there:?}");
        }
    }

    #[test]
    fn editors_temporary_files_are_ignored() {
        for name in [
            ".~lock.cours.odt#",
            "~$cours.docx",
            ".cours.txt.swp",
            "cours.txt~",
            ".goutputstream-ABC",
            "x.crdownload",
            "#cours#",
        ] {
            assert!(is_ignored(name), "{name}");
        }
        for name in ["cours.odt", "Fiche n°1.pdf"] {
            assert!(!is_ignored(name), "{name}");
        }
    }
}
