//! `ardoise docs …` and `ardoise sync-folder`: the espace documentaire from the command line.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ardoise_protocol::ErrorCode;
use ardoise_sync::docs::{self, Cache, TransferReport};
use ardoise_sync::{folder_sync, Profile, Replica, SyncEngine, SyncError};
use clap::Subcommand;
use serde_json::json;

use crate::{engine, print_json};

#[derive(Subcommand)]
pub enum DocsAction {
    /// Documents of the replica (trash included, marked), with their versions.
    List {
        /// Only this folder and below, e.g. /Cours.
        #[arg(long)]
        folder: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Add a file: a new document, or a new version of the one of that name in the folder.
    /// Queued, then sent at once when the ENT is reachable.
    Put {
        /// The file.
        file: PathBuf,
        /// Folder in the ENT, e.g. /Cours/Maths.
        #[arg(long, default_value = "/")]
        folder: String,
        /// Name in the ENT (default: the file's name).
        #[arg(long)]
        name: Option<String>,
        /// Queue only: send with the next `ardoise sync`.
        #[arg(long)]
        queue_only: bool,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Write a document's content to a file (from the cache offline, else downloaded).
    Get {
        /// Path in the ENT, e.g. /Cours/Maths/fiche.pdf.
        path: String,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Keep a folder or a document available offline (`--off` to let it go).
    Pin {
        /// Path in the ENT, e.g. /Cours.
        path: String,
        /// Unpin.
        #[arg(long)]
        off: bool,
    },
    /// Put a document in the ENT's trash (recoverable with `restore`).
    Trash {
        /// Path in the ENT.
        path: String,
    },
    /// Take a document out of the trash.
    Restore {
        /// Document id (from `docs list --json`).
        id: String,
    },
    /// Delete a document of the trash for good (its owner): frees its space.
    Purge {
        /// Document id (from `docs list --json`).
        id: String,
    },
    /// The transfer queue (`--retry` puts failed transfers back in it).
    Transfers {
        /// Retry failed and waiting transfers now.
        #[arg(long)]
        retry: bool,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

fn not_found(path: &str) -> SyncError {
    SyncError::NotFound(format!("document {path}"))
}

fn transfer_json(r: &TransferReport) -> serde_json::Value {
    json!({"uploaded": r.uploaded, "downloaded": r.downloaded, "sentBytes": r.sent_bytes,
           "receivedBytes": r.received_bytes, "failed": r.failed})
}

/// Sync and transfers, when the ENT is there. Offline is not a failure: all stays queued.
fn send_now(engine: &mut SyncEngine, cache: &Cache) -> Result<Option<TransferReport>, SyncError> {
    match engine.sync_with_documents(cache) {
        Ok((_, t)) => Ok(Some(t)),
        Err(SyncError::Offline(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

pub fn run(profile: Profile, action: DocsAction) -> Result<ExitCode, SyncError> {
    let cache = Cache::new(profile.cache_dir());
    match action {
        DocsAction::List { folder, json } => {
            let replica = Replica::open(&profile.replica_path())?;
            let list = docs::list(&replica, folder.as_deref())?;
            if json {
                print_json(&list);
            } else {
                for d in list {
                    let mut marks = Vec::new();
                    if d.trashed_at.is_some() {
                        marks.push("corbeille");
                    }
                    if d.conflict_of.is_some() {
                        marks.push("copie de conflit");
                    }
                    if d.pinned {
                        marks.push("hors ligne");
                    }
                    if d.pending_upload {
                        marks.push("envoi en attente");
                    }
                    println!(
                        "{}  {} o  {} version(s){}",
                        d.path,
                        d.size,
                        d.versions.len(),
                        if marks.is_empty() {
                            String::new()
                        } else {
                            format!("  [{}]", marks.join(", "))
                        }
                    );
                }
            }
        }
        DocsAction::Put {
            file,
            folder,
            name,
            queue_only,
            json,
        } => {
            let name = match name {
                Some(n) => n,
                None => file
                    .file_name()
                    .and_then(|n| n.to_str())
                    .ok_or_else(|| not_found(&file.display().to_string()))?
                    .to_string(),
            };
            let mut engine = engine(profile)?;
            let put = docs::put(engine.replica_mut(), &cache, &file, &folder, &name)?;
            let sent = if queue_only || put.unchanged {
                None
            } else {
                send_now(&mut engine, &cache)?
            };
            let doc = docs::get(engine.replica(), &put.document_id)?;
            // Someone else's version came first: ours was kept beside it.
            let copy = docs::list(engine.replica(), None)?.into_iter().find(|d| {
                d.conflict_of.as_deref() == Some(put.document_id.as_str())
                    && d.hash.as_deref() == Some(put.hash.as_str())
            });
            let state = match (&sent, &doc) {
                (_, Some(d)) if d.pending_upload => "queued",
                (None, _) if !put.unchanged => "queued",
                _ => "sent",
            };
            if json {
                print_json(&json!({"documentId": put.document_id, "hash": put.hash,
                    "size": put.size, "unchanged": put.unchanged, "created": put.created,
                    "state": state, "conflictCopy": copy.as_ref().map(|c| &c.path),
                    "transfer": sent.as_ref().map(transfer_json)}));
            } else if put.unchanged {
                eprintln!("Inchangé : rien à envoyer.");
            } else if let Some(c) = &copy {
                eprintln!(
                    "{name} avait changé entre-temps : votre version est gardée à côté, « {} ».",
                    c.path
                );
            } else {
                eprintln!(
                    "{} : {}",
                    name,
                    if state == "sent" {
                        "envoyé"
                    } else {
                        "en attente d'envoi"
                    }
                );
            }
            if let Some(t) = &sent {
                if !t.failed.is_empty() {
                    for f in &t.failed {
                        eprintln!("refusé : {f}");
                    }
                    return Ok(ExitCode::from(1));
                }
            }
        }
        DocsAction::Get { path, out, json } => {
            let mut engine = engine(profile)?;
            let doc = docs::find(engine.replica(), &path)?.ok_or_else(|| not_found(&path))?;
            let hash = doc.hash.clone().ok_or_else(|| not_found(&path))?;
            let mut report = TransferReport::default();
            if !cache.has(&hash) {
                docs::queue_download(engine.replica(), &hash, doc.size)?;
                report = engine.transfer_once(&cache)?;
                if !cache.has(&hash) {
                    return Err(SyncError::refused(
                        ErrorCode::DocumentNotDownloaded,
                        format!(
                            "{path} n'a pas pu être téléchargé : {}",
                            report.failed.join(" ; ")
                        ),
                    ));
                }
            }
            docs::export(&cache, &hash, &out)?;
            if json {
                print_json(
                    &json!({"documentId": doc.id, "hash": hash, "size": doc.size,
                    "fromCache": report.downloaded == 0, "transfer": transfer_json(&report)}),
                );
            }
        }
        DocsAction::Pin { path, off } => {
            let replica = Replica::open(&profile.replica_path())?;
            docs::pin(&replica, &path, !off)?;
            let n = docs::queue_pinned(&replica, &cache)?;
            eprintln!(
                "{path} : {} ({n} téléchargement(s) en attente)",
                if off {
                    "plus gardé hors ligne"
                } else {
                    "gardé hors ligne"
                }
            );
        }
        DocsAction::Trash { path } => {
            let mut replica = Replica::open(&profile.replica_path())?;
            let doc = docs::find(&replica, &path)?.ok_or_else(|| not_found(&path))?;
            docs::set_trashed(&mut replica, &doc.id, true)?;
            eprintln!("{path} : mis à la corbeille de l'ENT (récupérable).");
        }
        DocsAction::Restore { id } => {
            let mut replica = Replica::open(&profile.replica_path())?;
            docs::set_trashed(&mut replica, &id, false)?;
        }
        DocsAction::Purge { id } => {
            let mut replica = Replica::open(&profile.replica_path())?;
            docs::delete_forever(&mut replica, &id)?;
            eprintln!("Document supprimé définitivement : son espace sera libéré.");
        }
        DocsAction::Transfers { retry, json } => {
            let replica = Replica::open(&profile.replica_path())?;
            if retry {
                docs::retry_all(&replica)?;
            }
            let list = docs::transfers(&replica)?;
            if json {
                print_json(&list);
            } else {
                for t in list {
                    println!(
                        "{} {} {}/{} o {} {}",
                        if t.direction == ardoise_sync::docs::Direction::Up {
                            "↑"
                        } else {
                            "↓"
                        },
                        t.path.as_deref().unwrap_or(&t.hash[..12]),
                        t.done_bytes,
                        t.size,
                        t.state,
                        t.error.unwrap_or_default()
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `ardoise sync-folder --dir DIR [--once]`.
pub fn sync_folder(
    profile: Profile,
    dir: PathBuf,
    once: bool,
    json: bool,
) -> Result<ExitCode, SyncError> {
    let cache = Cache::new(profile.cache_dir());
    let mut engine = engine(profile)?;
    let pass = |engine: &mut SyncEngine| -> Result<folder_sync::FolderReport, SyncError> {
        // Bring the replica up to date, reconcile, send what the pass queued, and write
        // what had to be downloaded first.
        let online = send_now(engine, &cache)?.is_some();
        let mut report = folder_sync::reconcile(engine.replica_mut(), &cache, &dir)?;
        let mut last = report.clone();
        // What a pass queued goes up, what it waits for comes down; a few rounds settle it.
        for _ in 0..3 {
            if !online || !(last.changed_anything() || last.waiting > 0) {
                break;
            }
            send_now(engine, &cache)?;
            last = folder_sync::reconcile(engine.replica_mut(), &cache, &dir)?;
            report = merge(report, last.clone());
        }
        Ok(report)
    };
    if once {
        let report = pass(&mut engine)?;
        if json {
            print_json(&report);
        } else {
            eprintln!(
                "Dossier synchronisé : {} nouveau(x), {} version(s), {} écrit(s), {} renommé(s), {} à la corbeille, {} supprimé(s) ici, {} conflit(s), {} en attente.",
                report.created,
                report.new_versions,
                report.written,
                report.renamed_local + report.renamed_remote,
                report.trashed,
                report.removed,
                report.conflicts,
                report.waiting
            );
        }
        for p in &report.problems {
            eprintln!("laissé de côté : {p}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, stop.clone())?;
    }
    std::fs::create_dir_all(&dir)?;
    eprintln!(
        "Dossier synchronisé {} : surveillance (SIGTERM pour arrêter).",
        dir.display()
    );
    pass(&mut engine)?;
    folder_sync::watch(
        &dir,
        Duration::from_millis(700),
        Duration::from_secs(5),
        Duration::from_secs(30),
        &|| stop.load(Ordering::Relaxed),
        &mut || {
            let report = pass(&mut engine)?;
            if report.changed_anything() {
                eprintln!(
                    "Dossier synchronisé : {}",
                    serde_json::to_string(&report).unwrap_or_default()
                );
            }
            Ok(())
        },
    )?;
    eprintln!("Synchronisation du dossier arrêtée.");
    Ok(ExitCode::SUCCESS)
}

fn merge(a: folder_sync::FolderReport, b: folder_sync::FolderReport) -> folder_sync::FolderReport {
    folder_sync::FolderReport {
        created: a.created + b.created,
        new_versions: a.new_versions + b.new_versions,
        renamed_remote: a.renamed_remote + b.renamed_remote,
        renamed_local: a.renamed_local + b.renamed_local,
        trashed: a.trashed + b.trashed,
        written: a.written + b.written,
        removed: a.removed + b.removed,
        conflicts: a.conflicts + b.conflicts,
        waiting: b.waiting,
        problems: [a.problems, b.problems].concat(),
    }
}
