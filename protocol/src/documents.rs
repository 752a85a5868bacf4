//! The espace documentaire on the wire: document metadata (a [`crate::EntityKind::Document`]
//! record), its immutable versions, and the blob transfer messages.
//!
//! A version's content is a **blob** named by its BLAKE3 hash (64 lowercase hex digits). A
//! client uploads a blob through a resumable session keyed by (user, hash) whose server-side
//! offset is the truth: after a lost answer the client asks the offset and goes on from
//! there. Then it pushes the document op naming the hash; the server appends the version.
//!
//! Names here are checked for what the *server* accepts. What a client writes to its own
//! disk is made safe separately (a hostile server is not trusted to have checked).

use serde::{Deserialize, Serialize};

/// Size of the chunks a client sends (one chunk is all it holds in memory).
pub const CHUNK_BYTES: usize = 4 * 1024 * 1024;
/// Largest chunk the server takes in one request.
pub const MAX_CHUNK_BYTES: usize = 8 * 1024 * 1024;
/// Largest file.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024 * 1024;
/// Longest file or folder name, in bytes.
pub const MAX_NAME_BYTES: usize = 255;
/// Most hashes in one "which blobs do you lack?" request.
pub const MAX_HASHES_PER_QUERY: usize = 1000;
/// HTTP header carrying the offset a chunk starts at.
pub const OFFSET_HEADER: &str = "upload-offset";

/// One immutable version of a document: appended by the server, never changed.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentVersion {
    /// Version id.
    pub id: String,
    /// BLAKE3 of the content.
    pub hash: String,
    /// Bytes.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
    /// Who uploaded it.
    pub author_id: String,
    /// When the server took it (RFC 3339).
    pub created_at: String,
}

/// A document shared with a user or an audience; editors may add versions.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Share {
    /// A user id or an audience id.
    pub to: String,
    /// May add versions, rename, move and trash.
    #[serde(default)]
    pub can_edit: bool,
}

/// Opens (or finds) the upload session of a blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadRequest {
    /// BLAKE3 of the whole content.
    pub hash: String,
    /// Total bytes.
    pub size: u64,
}

/// Where an upload stands, as the server knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadStatus {
    /// BLAKE3 of the whole content.
    pub hash: String,
    /// Total bytes.
    pub size: u64,
    /// Bytes the server holds: the next chunk starts here.
    pub offset: u64,
    /// The blob is stored and checked: nothing more to send.
    pub complete: bool,
}

/// "Which of these blobs do you lack?"
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobsQuery {
    /// BLAKE3 hashes.
    pub hashes: Vec<String>,
}

/// The blobs the server lacks (or this user may not read: they must upload them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobsMissing {
    /// BLAKE3 hashes, a subset of the query.
    pub missing: Vec<String>,
}

/// A BLAKE3 hash as the protocol writes it: 64 lowercase hex digits.
pub fn is_blob_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Why a name or folder is refused.
pub fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() || name.trim().is_empty() {
        Some("le nom est vide")
    } else if name.len() > MAX_NAME_BYTES {
        Some("le nom dépasse 255 octets")
    } else if name == "." || name == ".." {
        Some("« . » et « .. » ne sont pas des noms")
    } else if name.contains(['/', '\\', '\0']) {
        Some("le nom contient / ou \\ ou un caractère nul")
    } else if name.chars().any(char::is_control) {
        Some("le nom contient un caractère de contrôle")
    } else {
        None
    }
}

/// Why a folder path ("/" or "/Cours/Maths") is refused.
pub fn folder_problem(folder: &str) -> Option<&'static str> {
    if folder == "/" {
        return None;
    }
    let Some(rest) = folder.strip_prefix('/') else {
        return Some("un dossier commence par /");
    };
    if folder.len() > 1024 {
        return Some("le chemin du dossier dépasse 1024 octets");
    }
    rest.split('/').find_map(name_problem)
}

/// The folder and name of a path such as "/Cours/Maths/fiche.pdf".
pub fn split_path(path: &str) -> Option<(String, String)> {
    let path = path.trim_end_matches('/');
    let (folder, name) = path.rsplit_once('/')?;
    let folder = if folder.is_empty() { "/" } else { folder };
    Some((folder.to_string(), name.to_string()))
}

/// The path of a document from its folder and name.
pub fn join_path(folder: &str, name: &str) -> String {
    if folder == "/" {
        format!("/{name}")
    } else {
        format!("{folder}/{name}")
    }
}

/// The name of a conflict copy: "fiche (copie de conflit — Luc Leroy, 28-11-2026 23h40).odt".
/// (No "/" or ":" in it, so it is a valid name on every system.)
pub fn conflict_copy_name(name: &str, author: &str, when: &str) -> String {
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => name.split_at(i),
        _ => (name, ""),
    };
    let author: String = author
        .chars()
        .filter(|c| !matches!(c, '/' | '\\' | '\0'))
        .collect();
    let suffix = format!(" (copie de conflit — {author}, {when}){ext}");
    let mut stem = stem.to_string();
    while stem.len() + suffix.len() > MAX_NAME_BYTES && !stem.is_empty() {
        stem.pop();
    }
    format!("{stem}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_server_refuses() {
        for bad in [
            "",
            " ",
            ".",
            "..",
            "a/b",
            "a\\b",
            "a\0b",
            "a\nb",
            &"x".repeat(256),
        ] {
            assert!(name_problem(bad).is_some(), "{bad:?}");
        }
        for good in ["fiche.pdf", "CON", "Été 2026 — bilan.odt", ".cache"] {
            assert_eq!(name_problem(good), None, "{good:?}");
        }
        assert_eq!(folder_problem("/"), None);
        assert_eq!(folder_problem("/Cours/Maths"), None);
        for bad in ["Cours", "/Cours/../x", "//x", "/a/"] {
            assert!(folder_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn paths_split_and_join() {
        assert_eq!(split_path("/a.pdf"), Some(("/".into(), "a.pdf".into())));
        assert_eq!(
            split_path("/Cours/Maths/a.pdf"),
            Some(("/Cours/Maths".into(), "a.pdf".into()))
        );
        assert_eq!(join_path("/", "a"), "/a");
        assert_eq!(join_path("/x", "a"), "/x/a");
    }

    #[test]
    fn a_conflict_copy_keeps_the_extension_and_fits() {
        assert_eq!(
            conflict_copy_name("fiche.odt", "Luc Leroy", "28-11-2026 23h40"),
            "fiche (copie de conflit — Luc Leroy, 28-11-2026 23h40).odt"
        );
        let long = conflict_copy_name(&"é".repeat(200), "A", "1");
        assert!(long.len() <= MAX_NAME_BYTES && name_problem(&long).is_none());
        assert!(is_blob_hash(&"ab".repeat(32)));
        assert!(!is_blob_hash(&"AB".repeat(32)));
        assert!(!is_blob_hash("../../etc/passwd"));
    }
}

/// Wall-clock time in Europe/Paris (CET, CEST from the last Sunday of March to the last
/// Sunday of October, both at 01:00 UTC) — what a conflict copy's name shows.
pub fn paris_time(utc: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    use chrono::{Datelike, Duration, NaiveDate, Weekday};
    let last_sunday = |month: u32| {
        let mut d =
            NaiveDate::from_ymd_opt(utc.year(), month, 31).expect("March and October have 31 days");
        while d.weekday() != Weekday::Sun {
            d = d.pred_opt().expect("a day before");
        }
        d.and_hms_opt(1, 0, 0).expect("01:00").and_utc()
    };
    let summer = utc >= last_sunday(3) && utc < last_sunday(10);
    (utc + Duration::hours(if summer { 2 } else { 1 })).naive_utc()
}

#[cfg(test)]
mod paris_tests {
    use super::paris_time;
    use chrono::{TimeZone, Utc};

    #[test]
    fn paris_is_one_hour_ahead_in_winter_and_two_in_summer() {
        // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
        let cases = [
            ((2026, 11, 28, 23, 40), "29/11 00:40"),
            ((2026, 7, 1, 10, 0), "01/07 12:00"),
            ((2026, 3, 29, 0, 59), "29/03 01:59"),
            ((2026, 3, 29, 1, 0), "29/03 03:00"),
            ((2026, 10, 25, 0, 59), "25/10 02:59"),
            ((2026, 10, 25, 1, 0), "25/10 02:00"),
        ];
        for ((y, m, d, h, mi), paris) in cases {
            let utc = Utc.with_ymd_and_hms(y, m, d, h, mi, 0).unwrap();
            assert_eq!(
                paris_time(utc).format("%d/%m %H:%M").to_string(),
                paris,
                "{utc}"
            );
        }
    }
}
