//! A profile: one user on one server, in one folder — the replica (which keeps the session
//! tokens, encrypted), its key when no keyring exists, who the user is.

use std::fs;
use std::path::{Path, PathBuf};

use ardoise_protocol::{TokenResponse, UserInfo};
use serde::{Deserialize, Serialize};

use crate::{Result, SyncError};

/// Who this profile is, kept in `profile.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileInfo {
    /// Base URL of the ENT.
    pub server: String,
    /// The user.
    pub user: UserInfo,
    /// Which kind of ENT it is.
    #[serde(default)]
    pub ent: crate::backend::Ent,
    /// Ardoise's OAuth2 client id on that ENT (Open ENT NG); its secret is in the replica.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The établissement synced, for a user of several (an id, a UAI or part of a name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structure: Option<String>,
}

/// Session tokens, kept inside the encrypted replica ([`crate::Replica::tokens`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tokens {
    /// Bearer token.
    pub access_token: String,
    /// Token to renew it.
    pub refresh_token: String,
    /// When the access token expires (Unix seconds), if the ENT said: it is renewed a few
    /// minutes before, so a sync never starts with a token about to fail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

/// How long before its expiry an access token is renewed.
pub const RENEW_BEFORE_SECS: i64 = 180;

impl Tokens {
    /// The access token expires within [`RENEW_BEFORE_SECS`].
    pub fn expiring(&self) -> bool {
        self.expires_at
            .is_some_and(|at| at - chrono::Utc::now().timestamp() < RENEW_BEFORE_SECS)
    }
}

impl From<&TokenResponse> for Tokens {
    fn from(t: &TokenResponse) -> Tokens {
        Tokens {
            access_token: t.access_token.clone(),
            refresh_token: t.refresh_token.clone(),
            expires_at: (t.expires_in > 0)
                .then(|| chrono::Utc::now().timestamp().saturating_add(t.expires_in)),
        }
    }
}

/// A profile folder.
#[derive(Debug, Clone)]
pub struct Profile {
    dir: PathBuf,
}

impl Profile {
    /// The profile in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Profile {
        Profile { dir: dir.into() }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The content cache of the espace documentaire.
    pub fn cache_dir(&self) -> PathBuf {
        self.dir.join("cache")
    }

    /// Path of the replica file.
    pub fn replica_path(&self) -> PathBuf {
        self.dir.join("replica.sqlite3")
    }

    /// Who is logged in here.
    pub fn info(&self) -> Result<ProfileInfo> {
        let text = fs::read_to_string(self.dir.join("profile.json")).map_err(|_| {
            SyncError::NotFound(format!(
                "aucun compte dans {} : connectez-vous avec « ardoise login »",
                self.dir.display()
            ))
        })?;
        serde_json::from_str(&text).map_err(|e| SyncError::BadResponse(e.to_string()))
    }

    /// Records who is logged in.
    pub fn save_info(&self, info: &ProfileInfo) -> Result<()> {
        let json = serde_json::to_string_pretty(info)
            .map_err(|e| SyncError::BadResponse(e.to_string()))?;
        crate::secrets::write_owner_only(&self.dir.join("profile.json"), json.as_bytes())
    }

    /// Leaves nothing of this profile on the computer: forgets the replica's key (keyring
    /// entry, key file) and deletes what Ardoise wrote here — replica, document cache,
    /// identity, journal of syncs; the folder itself goes when nothing else is in it.
    pub fn wipe(&self) -> Result<()> {
        crate::secrets::forget(&self.dir)?;
        for name in [
            "replica.sqlite3",
            "replica.sqlite3-wal",
            "replica.sqlite3-shm",
            "replica.sqlite3-journal",
            "replica.encrypting",
            "profile.json",
            "session.json",
            crate::support::JOURNAL_FILE,
            crate::support::JOURNAL_TMP,
        ] {
            match fs::remove_file(self.dir.join(name)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
        match fs::remove_dir_all(self.cache_dir()) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
        // Only if empty: a folder chosen by the user may hold other things.
        let _ = fs::remove_dir(&self.dir);
        Ok(())
    }
}
