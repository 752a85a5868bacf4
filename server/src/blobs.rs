//! Document contents on the server's disk: finished blobs under `blobs/<ab>/<hash>`, open
//! uploads under `uploads/<user>/<hash>.part`. An upload's offset is the length of its file,
//! so it survives a lost answer, a killed client and a server restart alike.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ardoise_protocol::check_id;
use ardoise_protocol::documents::is_blob_hash;

/// The blob folders of one server.
pub struct BlobStore {
    root: PathBuf,
    /// One lock per open upload: two chunks of the same upload never interleave.
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Held while blobs are collected, and while a finished upload becomes a blob: a blob
    /// uploaded again is never removed between its file and its row.
    collecting: Mutex<()>,
}

impl BlobStore {
    /// Blobs under `root` (created when first written).
    pub fn new(root: &Path) -> BlobStore {
        BlobStore {
            root: root.to_path_buf(),
            locks: Mutex::new(HashMap::new()),
            collecting: Mutex::new(()),
        }
    }

    /// Keeps blobs from being collected while held (see [`crate::maintain`]).
    pub fn collecting(&self) -> std::sync::MutexGuard<'_, ()> {
        self.collecting.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Removes a collected blob's file (gone already is fine).
    pub fn remove_blob(&self, hash: &str) -> std::io::Result<()> {
        ignore_missing(std::fs::remove_file(self.blob_path(hash)))
    }

    /// Removes an abandoned upload's file and lock.
    pub fn remove_upload(&self, user_id: &str, hash: &str) -> std::io::Result<()> {
        if check_id(user_id).is_err() || !is_blob_hash(hash) {
            return Ok(());
        }
        self.locks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&format!("{user_id}/{hash}"));
        ignore_missing(std::fs::remove_file(self.upload_path(user_id, hash)))
    }

    /// Where a finished blob lives. `hash` must be a checked BLAKE3 hash.
    pub fn blob_path(&self, hash: &str) -> PathBuf {
        assert!(is_blob_hash(hash), "unchecked blob hash");
        self.root.join("blobs").join(&hash[..2]).join(hash)
    }

    /// Where an open upload is written.
    pub fn upload_path(&self, user_id: &str, hash: &str) -> PathBuf {
        assert!(
            is_blob_hash(hash) && check_id(user_id).is_ok(),
            "unchecked upload key"
        );
        self.root
            .join("uploads")
            .join(user_id)
            .join(format!("{hash}.part"))
    }

    /// Bytes received so far for an upload.
    pub fn offset(&self, user_id: &str, hash: &str) -> u64 {
        std::fs::metadata(self.upload_path(user_id, hash)).map_or(0, |m| m.len())
    }

    /// The lock of one upload.
    pub fn lock(&self, user_id: &str, hash: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(|e| e.into_inner());
        locks
            .entry(format!("{user_id}/{hash}"))
            .or_default()
            .clone()
    }

    /// Checks a complete upload against its hash (reading it all: done before
    /// [`BlobStore::finish`], without holding anything). Returns false (and removes the
    /// upload) when the content does not match.
    pub fn check(&self, user_id: &str, hash: &str) -> std::io::Result<bool> {
        let part = self.upload_path(user_id, hash);
        if hash_file(&part)? != hash {
            std::fs::remove_file(&part)?;
            return Ok(false);
        }
        Ok(true)
    }

    /// Moves a checked upload among the blobs.
    pub fn finish(&self, user_id: &str, hash: &str) -> std::io::Result<()> {
        let part = self.upload_path(user_id, hash);
        let dest = self.blob_path(hash);
        if dest.exists() {
            std::fs::remove_file(&part)?;
        } else {
            std::fs::create_dir_all(dest.parent().expect("blobs/<ab>"))?;
            std::fs::rename(&part, &dest)?;
        }
        self.locks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&format!("{user_id}/{hash}"));
        Ok(())
    }

    /// Stores a whole blob at once (demo seeding).
    pub fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let hash = blake3::hash(bytes).to_hex().to_string();
        let dest = self.blob_path(&hash);
        std::fs::create_dir_all(dest.parent().expect("blobs/<ab>"))?;
        std::fs::write(dest, bytes)?;
        Ok(hash)
    }
}

fn ignore_missing(r: std::io::Result<()>) -> std::io::Result<()> {
    match r {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        r => r,
    }
}

/// BLAKE3 of a file, read in 1 MiB pieces.
pub fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = blake3::Hasher::new();
    let mut buf = vec![0u8; 1024 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().to_hex().to_string())
}
