//! A profile: one user on one server, in one folder — the replica, who the user is, and the
//! session tokens (file mode 0600).

use std::fs;
use std::io::Write;
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
}

/// Session tokens, kept in `session.json` readable by the owner only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tokens {
    /// Bearer token.
    pub access_token: String,
    /// Token to renew it.
    pub refresh_token: String,
}

impl From<&TokenResponse> for Tokens {
    fn from(t: &TokenResponse) -> Tokens {
        Tokens {
            access_token: t.access_token.clone(),
            refresh_token: t.refresh_token.clone(),
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
        write_private(&self.dir.join("profile.json"), json.as_bytes())
    }

    /// The session tokens.
    pub fn tokens(&self) -> Result<Tokens> {
        let text =
            fs::read_to_string(self.dir.join("session.json")).map_err(|_| SyncError::LoggedOut)?;
        serde_json::from_str(&text).map_err(|_| SyncError::LoggedOut)
    }

    /// Stores the session tokens (owner-only file, replaced atomically).
    pub fn save_tokens(&self, tokens: &Tokens) -> Result<()> {
        let json =
            serde_json::to_string(tokens).map_err(|e| SyncError::BadResponse(e.to_string()))?;
        write_private(&self.dir.join("session.json"), json.as_bytes())
    }
}

/// Writes a file readable by its owner only, through a temporary file and a rename so a
/// crash never leaves half a file.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
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
