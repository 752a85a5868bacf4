//! The assistance inbox: support reports the apps send (« Envoyer un rapport à
//! l'assistance », `POST /v1/support/<id>`), listed and saved by the school's support staff
//! (`ardoise-server support list|save`).
//!
//! A report is a zip the app built (versions, sync state, error codes, its log scrubbed of
//! names and lesson text). The server treats it as hostile: at most [`MAX_BUNDLE_BYTES`],
//! a zip it can read, at most [`MAX_ENTRIES`] plain files with safe names and
//! [`MAX_UNPACKED_BYTES`] once unpacked (measured, not trusted from the headers),
//! [`MAX_PER_DAY`] per person. The same report sent twice (a retried request) is stored
//! once.

use std::io::{Cursor, Read};

use ardoise_protocol::support::{MAX_BUNDLE_BYTES, MAX_ENTRIES, MAX_PER_DAY, MAX_UNPACKED_BYTES};
use serde::Serialize;

use crate::store::{Store, StoreError, SupportReport};

/// Why a report is refused.
#[derive(Debug, thiserror::Error)]
pub enum SupportError {
    /// Not a bundle Ardoise makes.
    #[error("rapport refusé : {0}")]
    Invalid(String),
    /// Too many today.
    #[error("trop de rapports aujourd'hui ({MAX_PER_DAY} au plus par personne)")]
    TooMany,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks that `bundle` is a zip of a few plain files with safe names, small once
/// unpacked; each file is read to its end, so a header that lies about sizes is caught.
pub fn check_bundle(bundle: &[u8]) -> Result<(), SupportError> {
    let invalid = |why: String| SupportError::Invalid(why);
    if bundle.len() > MAX_BUNDLE_BYTES {
        return Err(invalid(format!("plus de {MAX_BUNDLE_BYTES} octets")));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bundle))
        .map_err(|e| invalid(format!("ce n'est pas un zip lisible ({e})")))?;
    if zip.len() > MAX_ENTRIES {
        return Err(invalid(format!("plus de {MAX_ENTRIES} fichiers")));
    }
    let mut unpacked = 0u64;
    for i in 0..zip.len() {
        let mut file = zip
            .by_index(i)
            .map_err(|e| invalid(format!("fichier {i} illisible ({e})")))?;
        let name = file
            .name()
            .map_err(|e| invalid(format!("nom du fichier {i} illisible ({e})")))?
            .to_string();
        let safe = !name.is_empty()
            && name.len() <= 100
            && !name.starts_with('/')
            && !name.contains('\\')
            && name
                .split('/')
                .all(|part| !part.is_empty() && part != "." && part != "..")
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-/".contains(c));
        if !safe || !file.is_file() {
            return Err(invalid(format!("nom de fichier refusé : {name:?}")));
        }
        let budget = MAX_UNPACKED_BYTES - unpacked;
        let read = std::io::copy(&mut (&mut file).take(budget + 1), &mut std::io::sink())
            .map_err(|e| invalid(format!("{name} illisible ({e})")))?;
        unpacked += read;
        if unpacked > MAX_UNPACKED_BYTES {
            return Err(invalid(format!(
                "plus de {MAX_UNPACKED_BYTES} octets une fois décompressé"
            )));
        }
    }
    Ok(())
}

/// Stores the report `id` of `user_id`, received at `now` (unix seconds). Returns false
/// when it was stored already (a retry).
pub fn receive(
    store: &dyn Store,
    user_id: &str,
    id: uuid::Uuid,
    bundle: &[u8],
    now: i64,
) -> Result<bool, SupportError> {
    let id = id.to_string();
    {
        let tx = store.read()?;
        if let Some((known, _)) = tx.support_report(&id)? {
            // A report id is the app's: another person's id is not theirs to fill.
            return if known.user_id == user_id {
                Ok(false)
            } else {
                Err(SupportError::Invalid("identifiant déjà pris".into()))
            };
        }
        if tx.support_reports_since(user_id, now - 86_400)? >= MAX_PER_DAY {
            return Err(SupportError::TooMany);
        }
    }
    check_bundle(bundle)?;
    let mut tx = store.write()?;
    let added = tx.put_support_report(
        &SupportReport {
            id,
            user_id: user_id.to_string(),
            received_at: now,
            size: bundle.len() as u64,
        },
        bundle,
    )?;
    tx.commit()?;
    Ok(added)
}

/// A report as support staff list it: who sent it (their login) and when.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Listed {
    /// The report.
    #[serde(flatten)]
    pub report: SupportReport,
    /// The sender's login, to answer them.
    pub login: Option<String>,
}

/// The reports received, newest first.
pub fn list(store: &dyn Store) -> Result<Vec<Listed>, StoreError> {
    let tx = store.read()?;
    tx.support_reports()?
        .into_iter()
        .map(|report| {
            let login = tx.account_of_user(&report.user_id)?.map(|a| a.login);
            Ok(Listed { report, login })
        })
        .collect()
}

/// The zip of report `id`.
pub fn bundle(store: &dyn Store, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(store.read()?.support_report(id)?.map(|(_, b)| b))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, body) in files {
            out.start_file(*name, opts).unwrap();
            out.write_all(body).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn a_bundle_of_a_few_small_files_passes() {
        check_bundle(&zip_of(&[
            ("rapport.json", b"{}"),
            ("journal/sync.json", b"[]"),
        ]))
        .unwrap();
    }

    #[test]
    fn what_is_not_a_small_plain_zip_is_refused() {
        let refused = |b: &[u8]| matches!(check_bundle(b), Err(SupportError::Invalid(_)));
        assert!(refused(b"not a zip at all"));
        assert!(refused(&zip_of(&[("../etc/passwd", b"x")])));
        assert!(refused(&zip_of(&[("/abs", b"x")])));
        assert!(refused(&zip_of(&[("a\\b", b"x")])));
        let many: Vec<(String, Vec<u8>)> = (0..=MAX_ENTRIES)
            .map(|i| (format!("f{i}"), vec![]))
            .collect();
        let many: Vec<(&str, &[u8])> = many
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect();
        assert!(refused(&zip_of(&many)));
        // A zip bomb: small packed, too large unpacked.
        let zeros = vec![0u8; MAX_UNPACKED_BYTES as usize + 1];
        let bomb = zip_of(&[("zeros", &zeros)]);
        assert!(bomb.len() < MAX_BUNDLE_BYTES);
        assert!(refused(&bomb));
    }
}
