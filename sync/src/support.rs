//! Help and assistance (« Envoyer un rapport à l'assistance »): what each sync did (the
//! journal), the support bundle, and the reports waiting for the ENT's assistance inbox.
//!
//! A support bundle is a zip of what support staff need to understand a device —
//! versions, the OS, the sync state (pending edits by kind, quarantined edits with their
//! codes, conflicts, transfers), the journal of recent syncs (connectivity and error codes)
//! and the tail of the app's log — and holds **no lesson text, no person's name, no token
//! and no password**:
//! - what Ardoise writes itself is counts, codes, times and ids, never a record's text;
//! - the log, the only free text, is scrubbed: every name, login, lesson title and text,
//!   homework, news, document name and token the replica holds is replaced (matched
//!   whatever its case), then every e-mail address and every long token-like word, and the
//!   home folder becomes `~`.
//!
//! A report to send is queued in the replica, like an edit: the engine sends it after its
//! next successful sync, named by its id so a retried send is stored once.

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use aho_corasick::{AhoCorasick, MatchKind};
use ardoise_protocol::support::{MAX_BUNDLE_BYTES, MAX_ENTRIES};
use ardoise_protocol::ErrorCode;
use rusqlite::params;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::connector::Connector;
use crate::engine::SyncReport;
use crate::profile::{Profile, ProfileInfo};
use crate::replica::{keys, Replica};
use crate::{Result, SyncError};

/// Syncs the journal keeps (at least).
pub const JOURNAL_ROWS: usize = 500;

/// The desktop app's identifier: its data, log and settings folders are named by it in the
/// user's folders (`~/.local/share/fr.ardoise.client/logs` on Linux), where the support
/// bundle looks for its log.
pub const APP_IDENTIFIER: &str = "fr.ardoise.client";

/// The identifiers the app had before [`APP_IDENTIFIER`]; the app moves their folders to
/// the current name once, at its first start.
pub const FORMER_APP_IDENTIFIERS: &[&str] = &["fr.ardoise.app"];
/// Syncs a bundle tells (the latest).
pub const BUNDLE_JOURNAL_ROWS: usize = 200;
/// The most bytes of each log file a bundle takes (its end).
pub const LOG_TAIL_BYTES: u64 = 256 * 1024;
/// What a scrubbed secret becomes.
const HIDDEN: &str = "[masqué]";

/// The journal's file in a profile's folder.
pub(crate) const JOURNAL_FILE: &str = "sync-journal.jsonl";
/// Its next version while the oldest lines go.
pub(crate) const JOURNAL_TMP: &str = "sync-journal.jsonl.tmp";

/// Notes in the profile's journal how a sync that started at `started` ended. Codes only:
/// an error's message may quote a lesson or a name. The journal is a file of its own, one
/// JSON line per sync, beside the replica: a sync refused for a bad answer changes
/// nothing in the replica, not even its bytes, and it still leaves its trace.
pub(crate) fn record_sync(
    dir: &Path,
    result: &Result<SyncReport>,
    started: Instant,
) -> std::io::Result<()> {
    let (outcome, code, pushed, pulled) = match result {
        Ok(r) => ("ok", None, r.pushed, r.pulled),
        Err(SyncError::Offline(_)) => ("offline", None, 0, 0),
        Err(e) => ("error", Some(e.code().as_str().to_string()), 0, 0),
    };
    let entry = JournalEntry {
        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        outcome: outcome.to_string(),
        code,
        pushed: pushed as u32,
        pulled: pulled as u32,
        ms: started.elapsed().as_millis() as u32,
    };
    let path = dir.join(JOURNAL_FILE);
    let mut line = serde_json::to_string(&entry).map_err(std::io::Error::other)?;
    line.push('\n');
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)?;
    file.write_all(line.as_bytes())?;
    // Twice the rows kept: the oldest half goes, through a new file and a rename.
    if file.metadata()?.len() > JOURNAL_ROWS as u64 * 2 * 120 {
        let text = std::fs::read_to_string(&path)?;
        let lines: Vec<&str> = text.lines().collect();
        let kept = lines[lines.len().saturating_sub(JOURNAL_ROWS)..].join("\n") + "\n";
        let tmp = dir.join(JOURNAL_TMP);
        std::fs::write(&tmp, kept)?;
        std::fs::rename(tmp, path)?;
    }
    Ok(())
}

/// One sync as the journal tells it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    /// When it ended (RFC 3339).
    pub at: String,
    /// `ok`, `offline` or `error`.
    pub outcome: String,
    /// The error code, for `error`.
    pub code: Option<String>,
    /// Edits sent.
    pub pushed: u32,
    /// Records received.
    pub pulled: u32,
    /// How long it took.
    pub ms: u32,
}

/// The latest `limit` syncs of the profile in `dir`, newest first (a line that does not
/// read is passed over).
pub fn journal(dir: &Path, limit: usize) -> Vec<JournalEntry> {
    let text = std::fs::read_to_string(dir.join(JOURNAL_FILE)).unwrap_or_default();
    text.lines()
        .rev()
        .filter_map(|l| serde_json::from_str(l).ok())
        .take(limit)
        .collect()
}

/// What the bundle says of the program that made it.
#[derive(Debug, Clone)]
pub struct Maker {
    /// The program and its version (`Ardoise 0.1.0`, `ardoise (CLI) 0.1.0`).
    pub app: String,
    /// Its log files (the tail of each goes in, scrubbed).
    pub logs: Vec<PathBuf>,
}

/// The words a bundle must not hold: every name, login, lesson and homework text, news,
/// document name and token of the replica and profile.
fn secrets(replica: &Replica, info: &ProfileInfo) -> Result<Vec<String>> {
    let conn = replica.conn();
    let mut words: Vec<String> = Vec::new();
    let mut add = |text: &str| {
        let text = text.trim();
        if text.chars().count() >= 3 {
            words.push(text.to_string());
        }
    };
    // People: the whole name, each part of it, the login.
    let mut people = conn.prepare("SELECT login, display_name FROM users")?;
    let rows = people.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (login, name) = row?;
        add(&login);
        add(&name);
        for part in name.split([' ', '-', '\'', '’']) {
            // « M. », « Mme » are no one's name.
            if !matches!(part, "M." | "Mme" | "Mlle" | "Mr") {
                add(part);
            }
        }
    }
    add(&info.user.login);
    add(&info.user.display_name);
    // Texts: titles, and each paragraph of the HTML ones.
    let texts = [
        "SELECT title FROM sessions",
        "SELECT content FROM sessions",
        "SELECT COALESCE(annotation, '') FROM sessions",
        "SELECT description FROM homework",
        "SELECT comment FROM visas",
        "SELECT name FROM documents",
        "SELECT title FROM news",
        "SELECT text FROM news",
    ];
    for sql in texts {
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        for text in rows {
            let text = text?;
            if text.contains('<') {
                crate::text::plain_text(&text).iter().for_each(|p| add(p));
            } else {
                text.lines().for_each(&mut add);
            }
        }
    }
    // Tokens and secrets.
    if let Ok(tokens) = replica.tokens() {
        add(&tokens.access_token);
        add(&tokens.refresh_token);
    }
    for key in [keys::DEVICE, keys::CLIENT_SECRET, keys::SESSION] {
        if let Some(v) = replica.state(key)? {
            add(&v);
        }
    }
    // The computer's account name is often a person's.
    for var in ["USER", "USERNAME", "LOGNAME"] {
        if let Ok(v) = std::env::var(var) {
            add(&v);
        }
    }
    Ok(with_cases(words))
}

/// The words, with their accented ones in lower and upper case too (the matcher folds
/// ASCII letters only: « Élodie », « élodie », « ÉLODIE »), longest first so that a whole
/// name is hidden before its parts.
fn with_cases(mut words: Vec<String>) -> Vec<String> {
    let cased: Vec<String> = words
        .iter()
        .filter(|w| !w.is_ascii())
        .flat_map(|w| [w.to_lowercase(), w.to_uppercase()])
        .collect();
    words.extend(cased);
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    words.dedup();
    words
}

/// Replaces what must not leave the device in free text.
struct Scrubber {
    secrets: Option<AhoCorasick>,
    home: Option<String>,
}

impl Scrubber {
    fn new(words: &[String]) -> Result<Scrubber> {
        let secrets = if words.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(words)
                    .map_err(|e| SyncError::BadResponse(format!("rapport : {e}")))?,
            )
        };
        let home = std::env::var("HOME").ok().filter(|h| h.len() > 1);
        Ok(Scrubber { secrets, home })
    }

    fn scrub(&self, text: &str) -> String {
        let text = match &self.home {
            Some(home) => text.replace(home.as_str(), "~"),
            None => text.to_string(),
        };
        let text = match &self.secrets {
            Some(ac) => ac.replace_all(&text, &vec![HIDDEN; ac.patterns_len()]),
            None => text,
        };
        // Then what looks like an address or a token, whoever's it is.
        let mut out = String::with_capacity(text.len());
        let mut word = String::new();
        let flush = |word: &mut String, out: &mut String| {
            let tokenish = word.len() >= 24
                && word.chars().any(|c| c.is_ascii_digit())
                && word.chars().any(|c| c.is_ascii_alphabetic());
            if word.contains('@') && word.contains('.') {
                out.push_str("[adresse]");
            } else if tokenish {
                out.push_str("[jeton]");
            } else {
                out.push_str(word);
            }
            word.clear();
        };
        for c in text.chars() {
            if c.is_alphanumeric() || "@._-+=/".contains(c) {
                word.push(c);
            } else {
                flush(&mut word, &mut out);
                out.push(c);
            }
        }
        flush(&mut word, &mut out);
        out
    }
}

/// The end of a log file, from its first whole line.
fn log_tail(path: &std::path::Path) -> Option<String> {
    let mut file = std::fs::File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let start = len.saturating_sub(LOG_TAIL_BYTES);
    file.seek(SeekFrom::Start(start)).ok()?;
    let mut bytes = Vec::new();
    file.take(LOG_TAIL_BYTES).read_to_end(&mut bytes).ok()?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Some(match (start > 0, text.find('\n')) {
        (true, Some(i)) => text[i + 1..].to_string(),
        _ => text,
    })
}

fn count(replica: &Replica, sql: &str) -> Result<i64> {
    Ok(replica.conn().query_row(sql, [], |r| r.get(0))?)
}

fn grouped(replica: &Replica, sql: &str) -> Result<BTreeMap<String, i64>> {
    let mut stmt = replica.conn().prepare(sql)?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The kernel's release, on Linux.
fn os_release() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .ok()
        .map(|s| s.trim().to_string())
}

/// Builds the support bundle of a profile (a zip) from its replica, made `now` (RFC 3339).
pub fn build(replica: &Replica, profile: &Profile, maker: &Maker, now: &str) -> Result<Vec<u8>> {
    let info = &profile.info()?;
    let scrubber = Scrubber::new(&secrets(replica, info)?)?;
    let host = reqwest::Url::parse(&info.server)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    let about = json!({
        "format": 1,
        "madeAt": now,
        "app": maker.app,
        "syncCore": env!("CARGO_PKG_VERSION"),
        "protocol": ardoise_protocol::PROTOCOL_VERSION,
        "replicaSchema": crate::db::SCHEMA_VERSION,
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
        "kernel": os_release(),
        "ent": info.ent.as_str(),
        "entHost": scrubber.scrub(&host),
        "capabilities": info.ent.capabilities(),
        "roles": info.user.roles,
    });
    let quarantined: Vec<_> = replica
        .quarantined()?
        .into_iter()
        .map(|q| json!({"opId": q.op_id, "kind": q.kind, "code": q.error_code.as_str()}))
        .collect();
    let state = json!({
        "lastSync": replica.state(keys::LAST_SYNC)?,
        "cursor": replica.cursor()?,
        "pending": replica.pending_count()?,
        "pendingByKind": grouped(replica, "SELECT kind, COUNT(*) FROM outbox WHERE state = 'pending' GROUP BY kind")?,
        "quarantined": quarantined,
        "conflicts": replica.conflict_count()?,
        "transfers": grouped(replica, "SELECT direction || '-' || state, COUNT(*) FROM transfers GROUP BY 1")?,
        "supportReportsWaiting": count(replica, "SELECT COUNT(*) FROM support_reports WHERE sent_at IS NULL AND refused IS NULL")?,
        "records": {
            "users": count(replica, "SELECT COUNT(*) FROM users")?,
            "audiences": count(replica, "SELECT COUNT(*) FROM audiences")?,
            "lessons": count(replica, "SELECT COUNT(*) FROM course_occurrences")?,
            "seances": count(replica, "SELECT COUNT(*) FROM sessions")?,
            "homework": count(replica, "SELECT COUNT(*) FROM homework")?,
            "documents": count(replica, "SELECT COUNT(*) FROM documents")?,
            "news": count(replica, "SELECT COUNT(*) FROM news")?,
        },
    });
    let journal = journal(profile.dir(), BUNDLE_JOURNAL_ROWS);

    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut put = |name: &str, body: &[u8]| -> Result<()> {
        zip.start_file(name, opts)
            .and_then(|()| zip.write_all(body).map_err(zip::result::ZipError::from))
            .map_err(|e| SyncError::BadResponse(format!("rapport : {e}")))
    };
    let pretty = |v: &serde_json::Value| serde_json::to_vec_pretty(v).unwrap_or_default();
    put("LISEZMOI.txt", README.as_bytes())?;
    put("rapport.json", &pretty(&about))?;
    put("etat.json", &pretty(&state))?;
    put("journal.json", &pretty(&json!(journal)))?;
    // Log files, as many as the zip may hold.
    for (i, path) in maker.logs.iter().take(MAX_ENTRIES - 4).enumerate() {
        if let Some(tail) = log_tail(path) {
            put(
                &format!("journaux/app-{i}.log"),
                scrubber.scrub(&tail).as_bytes(),
            )?;
        }
    }
    let bytes = zip
        .finish()
        .map_err(|e| SyncError::BadResponse(format!("rapport : {e}")))?
        .into_inner();
    if bytes.len() > MAX_BUNDLE_BYTES {
        return Err(SyncError::refused(
            ErrorCode::SupportInvalid,
            "Le rapport dépasse la taille qu'accepte l'ENT.",
        ));
    }
    Ok(bytes)
}

const README: &str = "Rapport d'assistance d'Ardoise\n\
\n\
rapport.json : versions, système, ENT.\n\
etat.json : modifications en attente, refusées (codes), conflits, transferts.\n\
journal.json : les dernières synchronisations (réseau, codes d'erreur).\n\
journaux/ : la fin du journal de l'application, sans noms, textes de séances ni jetons.\n";

/// A report made on this device, sent or waiting.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "SupportReport"))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Its id.
    pub id: String,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// When the ENT received it; `None` while it waits.
    pub sent_at: Option<String>,
    /// The code of the ENT's refusal, for good.
    pub refused: Option<String>,
    /// Bytes.
    pub size: u32,
}

/// Queues `bundle` for the assistance inbox; its id.
pub fn queue(replica: &Replica, bundle: &[u8], now: &str) -> Result<String> {
    let id = uuid::Uuid::now_v7().to_string();
    replica.conn().execute(
        "INSERT INTO support_reports (id, created_at, bundle) VALUES (?1, ?2, ?3)",
        params![id, now, bundle],
    )?;
    Ok(id)
}

/// The reports made on this device, newest first.
pub fn reports(replica: &Replica) -> Result<Vec<Report>> {
    let mut stmt = replica.conn().prepare(
        "SELECT id, created_at, sent_at, refused, length(bundle) FROM support_reports
         ORDER BY created_at DESC, id DESC",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Report {
            id: r.get(0)?,
            created_at: r.get(1)?,
            sent_at: r.get(2)?,
            refused: r.get(3)?,
            size: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Sends the waiting reports; how many went. A report the ENT refuses for good is marked
/// so; too many today, or the network gone, and the rest waits for the next sync.
pub(crate) fn send_waiting(
    replica: &Replica,
    connector: &dyn Connector,
    token: &str,
) -> Result<usize> {
    if !connector.capabilities().assistance {
        return Ok(0);
    }
    let waiting: Vec<(String, Vec<u8>)> = {
        let mut stmt = replica.conn().prepare(
            "SELECT id, bundle FROM support_reports WHERE sent_at IS NULL AND refused IS NULL
             ORDER BY created_at",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut sent = 0;
    for (id, bundle) in waiting {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        match connector.send_support(token, &id, &bundle) {
            Ok(()) => {
                replica.conn().execute(
                    "UPDATE support_reports SET sent_at = ?2 WHERE id = ?1",
                    params![id, now],
                )?;
                sent += 1;
            }
            Err(SyncError::Server(e)) if e.code != ErrorCode::SupportTooMany => {
                replica.conn().execute(
                    "UPDATE support_reports SET refused = ?2 WHERE id = ?1",
                    params![id, e.code.as_str()],
                )?;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scrubber_hides_names_whatever_their_case_then_addresses_and_tokens() {
        let words = ["Camille Martin", "Le théorème de Pythagore", "Élodie"]
            .iter()
            .flat_map(|w| {
                [w.to_string()]
                    .into_iter()
                    .chain(w.split(' ').map(str::to_string))
            })
            .filter(|w| w.chars().count() >= 3)
            .collect();
        let s = Scrubber {
            home: Some("/home/cmartin".into()),
            ..Scrubber::new(&with_cases(words)).unwrap()
        };
        let out = s.scrub(
            "séance « le théorème de pythagore » de camille martin ; MARTIN ; ÉLODIE ; élodie ; \
             /home/cmartin/x.pdf ; camille.martin@ac-paris.fr ; Bearer eyJhbGciOiJIUzI1NiJ9abc123xyz",
        );
        for gone in ["martin", "pythagore", "élodie"] {
            assert!(!out.to_lowercase().contains(gone), "{gone}: {out}");
        }
        assert!(!out.contains("ÉLODIE"), "{out}");
        assert!(out.contains("~/x.pdf"), "{out}");
        assert!(
            out.contains("[adresse]") && out.contains("[jeton]"),
            "{out}"
        );
        assert!(
            out.starts_with("séance « [masqué] » de [masqué] ; [masqué] ; [masqué] ; [masqué] ;"),
            "{out}"
        );
    }
}
