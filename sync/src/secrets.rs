//! The key of the replica: a random 256-bit SQLCipher key per profile folder, kept in the
//! OS keyring (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows).
//!
//! Where no keyring answers (a server without a desktop session, CI), the key goes to a file
//! of the profile readable by its owner only (`replica.key`, mode 0600) — and says so, in
//! the log and in the status ([`KeyStorage::File`]), because that file is then all a thief
//! needs. A key already in a file keeps being used from there, so a replica never becomes
//! unreadable because a keyring appeared or went away.
//!
//! The session tokens live inside the encrypted replica (see `Replica::tokens`): the keyring
//! holds the one secret that protects everything else.
//!
//! The keyring entry is named by a random id kept beside the replica (`vault-id`, not a
//! secret), so a profile folder that is moved or copied still finds its key.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use rand::RngCore;
use serde::Serialize;

use crate::Result;

/// Keyring service name of the replica keys.
const SERVICE: &str = "fr.ardoise.replica";
/// The key, when no keyring exists.
const KEY_FILE: &str = "replica.key";
/// Names the keyring entry of this profile folder.
const ID_FILE: &str = "vault-id";
/// Set to `file` to skip the keyring (tests that copy profile folders between machines'
/// sessions, or an administrator's choice).
pub const ENV_STORAGE: &str = "ARDOISE_KEY_STORAGE";

/// Where the replica's key is kept.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum KeyStorage {
    /// In the OS keyring.
    Keyring,
    /// In `replica.key` (0600) in the profile folder: no keyring was available.
    File,
    /// No key: a replica in memory.
    None,
}

/// Keys already looked up by this process, by profile folder: the app opens a replica
/// connection per thread and per document opened, and asking the keyring each time is a
/// D-Bus round trip.
fn known() -> &'static Mutex<HashMap<PathBuf, (String, KeyStorage)>> {
    static KNOWN: OnceLock<Mutex<HashMap<PathBuf, (String, KeyStorage)>>> = OnceLock::new();
    KNOWN.get_or_init(Mutex::default)
}

/// The hex key of the replica in `dir` (created on first use), and where it is kept.
pub fn replica_key(dir: &Path) -> Result<(String, KeyStorage)> {
    if let Some(found) = known().lock().ok().and_then(|k| k.get(dir).cloned()) {
        return Ok(found);
    }
    let found = look_up(dir)?;
    if let Ok(mut k) = known().lock() {
        k.insert(dir.to_path_buf(), found.clone());
    }
    Ok(found)
}

fn look_up(dir: &Path) -> Result<(String, KeyStorage)> {
    fs::create_dir_all(dir)?;
    let file = dir.join(KEY_FILE);
    if let Ok(key) = fs::read_to_string(&file) {
        return Ok((key.trim().to_string(), KeyStorage::File));
    }
    if std::env::var(ENV_STORAGE).as_deref() != Ok("file") {
        match keyring_key(dir) {
            Ok(key) => return Ok((key, KeyStorage::Keyring)),
            Err(e) => tracing::warn!(
                error = %e,
                "no OS keyring: the replica's key is kept in {} (owner-only file); \
                 anyone who can read this profile folder can read the replica",
                file.display()
            ),
        }
    }
    let key = new_key();
    write_owner_only(&file, key.as_bytes())?;
    Ok((key, KeyStorage::File))
}

/// Forgets the key of the replica in `dir` (keyring entry and files): what it encrypted is
/// unreadable from then on.
pub fn forget(dir: &Path) -> Result<()> {
    if let Ok(mut k) = known().lock() {
        k.remove(dir);
    }
    if let Ok(id) = fs::read_to_string(dir.join(ID_FILE)) {
        if let Ok(entry) = keyring::Entry::new(SERVICE, id.trim()) {
            // Nothing to delete, or no keyring: nothing was kept there.
            let _ = entry.delete_credential();
        }
    }
    for name in [KEY_FILE, ID_FILE] {
        match fs::remove_file(dir.join(name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
    }
    Ok(())
}

fn keyring_key(dir: &Path) -> std::result::Result<String, String> {
    let id_file = dir.join(ID_FILE);
    let id = match fs::read_to_string(&id_file) {
        Ok(id) => id.trim().to_string(),
        Err(_) => {
            let id = uuid::Uuid::new_v4().to_string();
            write_owner_only(&id_file, id.as_bytes()).map_err(|e| e.to_string())?;
            id
        }
    };
    let entry = keyring::Entry::new(SERVICE, &id).map_err(|e| e.to_string())?;
    match entry.get_password() {
        Ok(key) => Ok(key),
        Err(keyring::Error::NoEntry) => {
            let key = new_key();
            entry.set_password(&key).map_err(|e| e.to_string())?;
            // Read back: a keyring that accepts and forgets would lose the replica.
            match entry.get_password() {
                Ok(back) if back == key => Ok(key),
                _ => Err("le trousseau n'a pas gardé la clé".into()),
            }
        }
        Err(e) => Err(e.to_string()),
    }
}

fn new_key() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes a file readable by its owner only, whole or not at all.
pub(crate) fn write_owner_only(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let tmp = path.with_extension("tmp");
    {
        let mut opts = fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_keyring_the_key_is_an_owner_only_file_and_stays_the_same() {
        let dir = tempfile::tempdir().unwrap();
        // Whatever this machine has, a key already in a file is used from there.
        let key = new_key();
        write_owner_only(&dir.path().join(KEY_FILE), key.as_bytes()).unwrap();
        let (got, storage) = replica_key(dir.path()).unwrap();
        assert_eq!((got.as_str(), storage), (key.as_str(), KeyStorage::File));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(key.len(), 64);
        assert!(key.bytes().all(|b| b.is_ascii_hexdigit()));
        forget(dir.path()).unwrap();
        assert!(!dir.path().join(KEY_FILE).exists());
        // Forgotten for this process too: the next replica here gets a new key.
        let (next, _) = replica_key(dir.path()).unwrap();
        assert_ne!(next, key);
        forget(dir.path()).unwrap();
    }

    #[test]
    fn a_new_profile_gets_a_key_that_it_finds_again() {
        let dir = tempfile::tempdir().unwrap();
        let (first, storage) = replica_key(dir.path()).unwrap();
        let (again, storage_again) = replica_key(dir.path()).unwrap();
        assert_eq!(first, again);
        assert_eq!(storage, storage_again);
        assert_ne!(storage, KeyStorage::None);
        forget(dir.path()).unwrap();
    }
}
