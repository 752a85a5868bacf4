//! The transfer queue of the espace documentaire, run by the engine beside record sync:
//! uploads (after asking the ENT which contents it lacks) from the server's offset,
//! downloads into `cache/partial/` by ranges, hashes checked before a content joins the
//! cache, backoff per transfer, and `fetch` for one document to open now.

use std::io::Write;

use ardoise_protocol::documents::{CHUNK_BYTES, MAX_HASHES_PER_QUERY};
use ardoise_protocol::ErrorCode;

use super::{SyncEngine, SyncPhase, SyncReport};
use crate::docs::{self, Cache, Direction, TransferReport};
use crate::{Result, SyncError};

impl SyncEngine {
    /// One full sync with documents: records, then the transfer queue, then records
    /// again when uploads released document ops.
    pub fn sync_with_documents(&mut self, cache: &Cache) -> Result<(SyncReport, TransferReport)> {
        let mut report = self.sync_once()?;
        let transfers = self.transfer_once(cache)?;
        if transfers.uploaded > 0 {
            let again = self.sync_once()?;
            report.pushed += again.pushed;
            report.conflicts += again.conflicts;
            report.rejected.extend(again.rejected);
            report.pulled += again.pulled;
        }
        Ok((report, transfers))
    }

    /// Runs the transfer queue once: the downloads pinned documents lack are queued, then
    /// uploads (after asking the ENT which contents it lacks), then downloads. Stops at the
    /// first sign of being offline, keeping everything queued; a transfer the ENT refuses
    /// for good (quota) is marked failed with the reason.
    pub fn transfer_once(&mut self, cache: &Cache) -> Result<TransferReport> {
        let mut report = TransferReport::default();
        docs::queue_pinned(&self.replica, cache)?;
        let mut seen = std::collections::HashSet::new();
        let ups: Vec<_> = docs::due(&self.replica, Direction::Up)?
            .into_iter()
            .filter(|q| seen.insert(q.hash.clone()))
            .collect();
        for batch in ups.chunks(MAX_HASHES_PER_QUERY) {
            let hashes: Vec<String> = batch.iter().map(|q| q.hash.clone()).collect();
            let missing = self.authed(|c, t| c.blobs_missing(t, &hashes))?;
            for q in batch {
                let result = if missing.contains(&q.hash) {
                    self.upload_one(cache, q, &mut report)
                } else {
                    Ok(())
                };
                self.settle(q, Direction::Up, result, &mut report)?;
            }
        }
        let mut seen = std::collections::HashSet::new();
        for q in docs::due(&self.replica, Direction::Down)? {
            if !seen.insert(q.hash.clone()) {
                continue;
            }
            let result = if cache.has(&q.hash) {
                Ok(())
            } else {
                self.download_one(cache, &q, &mut report)
            };
            self.settle(&q, Direction::Down, result, &mut report)?;
        }
        self.progress = None;
        Ok(report)
    }

    /// Downloads one content into the cache now (to open a document that is not there),
    /// apart from the rest of the queue.
    pub fn fetch(&mut self, cache: &Cache, hash: &str, size: u64) -> Result<()> {
        if cache.has(hash) {
            return Ok(());
        }
        docs::queue_download(&self.replica, hash, size)?;
        let queued = docs::queued(&self.replica, Direction::Down, hash)?
            .ok_or_else(|| SyncError::NotFound(format!("contenu {hash}")))?;
        let mut report = TransferReport::default();
        let result = self.download_one(cache, &queued, &mut report);
        self.progress = None;
        self.settle(&queued, Direction::Down, result, &mut report)?;
        if cache.has(hash) {
            Ok(())
        } else {
            Err(SyncError::refused(
                ErrorCode::DocumentNotDownloaded,
                report
                    .failed
                    .pop()
                    .unwrap_or_else(|| "Téléchargement impossible pour le moment.".into()),
            ))
        }
    }

    /// Records how a transfer ended; offline and logged-out end the run.
    fn settle(
        &mut self,
        q: &docs::Queued,
        direction: Direction,
        result: Result<()>,
        report: &mut TransferReport,
    ) -> Result<()> {
        match result {
            Ok(()) => {
                docs::finished(&self.replica, direction, &q.hash, q.size)?;
                if direction == Direction::Up {
                    report.uploaded += 1;
                } else {
                    report.downloaded += 1;
                }
                Ok(())
            }
            Err(e @ (SyncError::Offline(_) | SyncError::LoggedOut)) => Err(e),
            Err(e) => {
                let code = e.code();
                let for_good = matches!(
                    code,
                    ErrorCode::QuotaExceeded
                        | ErrorCode::UploadTooLarge
                        | ErrorCode::UploadBadHash
                        | ErrorCode::BlobNotFound
                );
                tracing::warn!(hash = %q.hash, %code, "transfer failed: {e}");
                docs::failed(&self.replica, q.id, &e, for_good)?;
                if for_good {
                    report.failed.push(e.to_string());
                }
                Ok(())
            }
        }
    }

    /// Sends one content from the server's offset on, a chunk at a time. A lost answer or
    /// a refused offset is repaired by asking the server where it stands.
    fn upload_one(
        &mut self,
        cache: &Cache,
        q: &docs::Queued,
        report: &mut TransferReport,
    ) -> Result<()> {
        let mut status = self.authed(|c, t| c.upload_open(t, &q.hash, q.size))?;
        let mut file = std::fs::File::open(cache.path(&q.hash)?)?;
        let mut buf = Vec::with_capacity(CHUNK_BYTES);
        let mut lost = 0;
        while !status.complete {
            docs::read_chunk(&mut file, status.offset, &mut buf)?;
            if buf.is_empty() {
                return Err(SyncError::refused(
                    ErrorCode::DocumentCacheDamaged,
                    "Le fichier à envoyer est plus court que prévu dans le cache.",
                ));
            }
            report.sent_bytes += buf.len() as u64;
            let offset = status.offset;
            match self.authed(|c, t| c.upload_chunk(t, &q.hash, offset, &buf)) {
                Ok(s) => {
                    status = s;
                    lost = 0;
                }
                Err(
                    e @ (SyncError::Offline(_) | SyncError::Server(_) | SyncError::Unavailable(_)),
                ) if lost < 3 => {
                    lost += 1;
                    tracing::info!(hash = %q.hash, "chunk at {offset} not confirmed ({e}): asking the server");
                    status = self.authed(|c, t| c.upload_open(t, &q.hash, q.size))?;
                }
                Err(e) => return Err(e),
            }
            docs::progress(&self.replica, q.id, status.offset, buf.len() as u64)?;
            self.set_progress(SyncPhase::Upload, status.offset as i64, Some(q.size as i64));
        }
        Ok(())
    }

    /// Receives one content into the cache's partial file, from where it stopped, in
    /// ranges; checks its hash before it joins the cache.
    fn download_one(
        &mut self,
        cache: &Cache,
        q: &docs::Queued,
        report: &mut TransferReport,
    ) -> Result<()> {
        let (path, mut file, mut have) = docs::open_partial(cache, &q.hash, q.size)?;
        while have < q.size {
            let to = (have + docs::DOWNLOAD_RANGE_BYTES).min(q.size);
            let from = have;
            let got = self.authed(|c, t| c.download(t, &q.hash, from, to, &mut file));
            file.flush()?;
            let got = got?;
            if got == 0 {
                return Err(SyncError::Offline("téléchargement interrompu".into()));
            }
            have += got;
            report.received_bytes += got;
            docs::progress(&self.replica, q.id, have, got)?;
            self.set_progress(SyncPhase::Download, have as i64, Some(q.size as i64));
        }
        file.sync_all()?;
        drop(file);
        docs::adopt_partial(cache, &path, &q.hash)
    }
}
