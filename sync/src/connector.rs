//! How the engine reaches the central ENT: the [`Connector`] trait, and [`HttpConnector`],
//! which speaks the reference protocol over HTTP (reqwest). Another ENT (Open ENT NG) gets
//! its own connector behind the same trait.
//!
//! Every answer is read with a size limit and parsed strictly: an oversized, truncated or
//! malformed body is a [`SyncError::BadResponse`], never a partial apply.

use std::io::{BufRead, BufReader, Read, Write};
use std::time::Duration;

use ardoise_protocol::documents::{
    BlobsMissing, BlobsQuery, UploadRequest, UploadStatus, OFFSET_HEADER,
};
use ardoise_protocol::ErrorCode;
use ardoise_protocol::{
    ApiError, Health, LoginRequest, PullResponse, PushRequest, PushResponse, Record,
    RefreshRequest, SnapshotEnd, SnapshotHead, SnapshotResponse, TokenResponse, MAX_PAGE_BYTES,
    MAX_SNAPSHOT_BYTES, MAX_SNAPSHOT_LINE_BYTES, PROTOCOL_HEADER, PROTOCOL_VERSION,
    SNAPSHOT_STREAM_TYPE,
};
use serde::de::DeserializeOwned;

use crate::{Result, SyncError};

/// What a backend guarantees by itself, and what its ENT lets Ardoise do (ADR 0011). The
/// core supplies the guarantees it lacks; the conformance suite runs each backend with the
/// faults its guarantees allow; the app hides, with a reason, the actions it cannot do.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Capabilities {
    /// A cursor that misses no change (else windows are read again and compared).
    pub change_feed: bool,
    /// The server merges edits against their base and makes conflict revisions (else the
    /// client merges, with a conditional write).
    pub server_merge: bool,
    /// A request delivered twice is applied once (else creations are looked for by a
    /// natural key before they are sent again).
    pub safe_retries: bool,
    /// Uploads resume from the server's offset (else files go up whole).
    pub resumable_files: bool,
    /// The vie scolaire marks lessons cancelled or replaced from Ardoise.
    pub lesson_status: bool,
    /// The direction signs logbooks off (visas) from Ardoise.
    pub visas: bool,
    /// The espace documentaire is reached from Ardoise.
    pub documents: bool,
    /// The ENT publishes the user's timetable for a calendar to subscribe to.
    pub calendar_feed: bool,
    /// The ENT has an assistance inbox for support reports (else they are saved to a file).
    pub assistance: bool,
    /// The ENT computes the direction's indicators.
    pub indicators: bool,
    /// The ENT keeps the teachers' progressions.
    pub progressions: bool,
}

impl Capabilities {
    /// The reference protocol's: every guarantee on the server's side.
    pub const REFERENCE: Capabilities = Capabilities {
        change_feed: true,
        server_merge: true,
        safe_retries: true,
        resumable_files: true,
        lesson_status: true,
        visas: true,
        documents: true,
        calendar_feed: true,
        assistance: true,
        indicators: true,
        progressions: true,
    };
}

/// The calls the sync engine makes to a central ENT.
pub trait Connector: Send {
    /// What this backend guarantees by itself.
    fn capabilities(&self) -> Capabilities {
        Capabilities::REFERENCE
    }

    /// The backend's name, as the conformance suite and the status bar say it.
    fn name(&self) -> &'static str {
        "ardoise"
    }

    /// The cheap health probe.
    fn health(&self) -> Result<Health>;
    /// Password login.
    /// `device` is the device token the ENT gave this profile at its last login, if any.
    fn login(&self, login: &str, password: &str, device: Option<&str>) -> Result<TokenResponse>;
    /// First login of an account the school made with a one-time activation code: the
    /// code, and the password the person chooses.
    fn activate(
        &self,
        login: &str,
        code: &str,
        new_password: &str,
        device: Option<&str>,
    ) -> Result<TokenResponse> {
        let _ = (login, code, new_password, device);
        Err(crate::SyncError::refused(
            ardoise_protocol::ErrorCode::BackendUnsupported,
            "Cet ENT n'a pas de codes d'activation : connectez-vous avec votre mot de passe.",
        ))
    }
    /// New tokens from a refresh token.
    fn refresh(&self, refresh_token: &str) -> Result<TokenResponse>;
    /// One page of changes after `since`.
    fn pull(&self, token: &str, since: i64, limit: usize) -> Result<PullResponse>;
    /// Everything readable, for a new replica; its records may still be arriving.
    fn snapshot(&self, token: &str) -> Result<Snapshot>;
    /// Sends ops; one result per op.
    fn push(&self, token: &str, req: &PushRequest) -> Result<PushResponse>;
    /// Ends the session on the ENT.
    fn logout(&self, _token: &str) -> Result<()> {
        Ok(())
    }
    /// A new address for the user's calendar subscription, relative to the ENT (the old
    /// one stops working). Only Ardoise's own server has one.
    fn calendar_feed(&self, _token: &str) -> Result<ardoise_protocol::CalendarFeed> {
        Err(SyncError::refused(
            ErrorCode::BackendUnsupported,
            "Cet ENT ne publie pas d'abonnement d'agenda.",
        ))
    }
    /// Sends a support report (a zip) to the ENT's assistance inbox, named by `id`: sent
    /// twice, it is stored once.
    fn send_support(&self, _token: &str, _id: &str, _bundle: &[u8]) -> Result<()> {
        Err(SyncError::refused(
            ErrorCode::BackendUnsupported,
            "Cet ENT n'a pas de boîte d'assistance : enregistrez le rapport dans un fichier.",
        ))
    }
    /// The direction's indicators from `from` to `until`.
    fn indicators(
        &self,
        _token: &str,
        _from: chrono::NaiveDate,
        _until: chrono::NaiveDate,
    ) -> Result<ardoise_protocol::indicators::Indicators> {
        Err(SyncError::refused(
            ErrorCode::BackendUnsupported,
            "Cet ENT ne calcule pas d'indicateurs pour Ardoise.",
        ))
    }
    /// What a backend without a change feed or server-side ids must remember between
    /// syncs (the items it last saw, its ids for ours, conflicts it made): opaque to the
    /// core, which stores it with the records or acknowledgements it goes with, in one
    /// transaction. `None` when there is nothing to keep.
    fn backend_state(&self) -> Option<String> {
        None
    }
    /// Gives back what [`Connector::backend_state`] returned last time it was stored,
    /// before a sync starts.
    fn restore_backend_state(&self, _state: Option<&str>) -> Result<()> {
        Ok(())
    }
    /// Which of these blobs the server lacks (for this user).
    fn blobs_missing(&self, _token: &str, _hashes: &[String]) -> Result<Vec<String>> {
        Err(no_documents())
    }
    /// Opens (or finds) the upload of a blob: where the server stands.
    fn upload_open(&self, _token: &str, _hash: &str, _size: u64) -> Result<UploadStatus> {
        Err(no_documents())
    }
    /// Sends one chunk starting at `offset`; the answer is the server's new offset.
    fn upload_chunk(
        &self,
        _token: &str,
        _hash: &str,
        _offset: u64,
        _chunk: &[u8],
    ) -> Result<UploadStatus> {
        Err(no_documents())
    }
    /// Writes bytes `from..to` of a blob to `out`; returns how many were written.
    fn download(
        &self,
        _token: &str,
        _hash: &str,
        _from: u64,
        _to: u64,
        _out: &mut dyn Write,
    ) -> Result<u64> {
        Err(no_documents())
    }
}

fn no_documents() -> SyncError {
    SyncError::refused(
        ErrorCode::DocumentsUnsupported,
        "Cet ENT ne propose pas l'espace documentaire.",
    )
}

/// A snapshot as it arrives: where it stands in the change feed, about how many records
/// it holds, and the records, read one at a time — from the network, for
/// [`HttpConnector`], so a first sync never holds the whole school in memory. An item is an
/// error when the stream breaks ([`SyncError::Offline`]) or lies ([`SyncError::BadResponse`]:
/// a malformed line, a count that is not what was sent, no end line).
pub struct Snapshot {
    /// The change feed position the snapshot reflects.
    pub seq: i64,
    /// About how many records follow (for progress only).
    pub estimate: Option<u64>,
    /// The records, in the order to write them.
    pub records: Box<dyn Iterator<Item = Result<Record>> + Send>,
    /// The backend's state after this snapshot ([`Connector::backend_state`]), kept with
    /// the records.
    pub backend_state: Option<String>,
}

impl From<SnapshotResponse> for Snapshot {
    fn from(whole: SnapshotResponse) -> Snapshot {
        Snapshot {
            seq: whole.seq,
            estimate: Some(whole.records.len() as u64),
            records: Box::new(whole.records.into_iter().map(Ok)),
            backend_state: None,
        }
    }
}

/// Reads a streamed snapshot (JSON lines, see [`SNAPSHOT_STREAM_TYPE`]) from `body`: the
/// head now, the records as the returned iterator is driven, each line limited to
/// [`MAX_SNAPSHOT_LINE_BYTES`] and the whole to [`MAX_SNAPSHOT_BYTES`]. `origin` names the
/// server in errors.
pub fn snapshot_from_lines(body: impl Read + Send + 'static, origin: &str) -> Result<Snapshot> {
    let (head, lines) = SnapshotLines::open(Box::new(body), origin)?;
    Ok(Snapshot {
        seq: head.seq,
        estimate: Some(head.estimate),
        records: Box::new(lines),
        backend_state: None,
    })
}

/// The lines of a streamed snapshot after its head.
struct SnapshotLines {
    reader: BufReader<Box<dyn Read + Send>>,
    base: String,
    line: Vec<u8>,
    bytes: usize,
    seen: u64,
    finished: bool,
}

impl SnapshotLines {
    /// Opens the stream: its first line must be the head.
    fn open(body: Box<dyn Read + Send>, base: &str) -> Result<(SnapshotHead, Self)> {
        let mut lines = SnapshotLines {
            reader: BufReader::with_capacity(256 * 1024, body),
            base: base.to_string(),
            line: Vec::new(),
            bytes: 0,
            seen: 0,
            finished: false,
        };
        if !lines.read_line()? {
            return Err(SyncError::BadResponse("instantané vide".into()));
        }
        let head: SnapshotHead = serde_json::from_slice(&lines.line)
            .map_err(|e| SyncError::BadResponse(format!("début d'instantané invalide : {e}")))?;
        if head.seq < 0 {
            return Err(SyncError::BadResponse("séquence négative".into()));
        }
        Ok((head, lines))
    }

    /// Reads the next line into `self.line` (without its newline); false at the end of
    /// the body.
    fn read_line(&mut self) -> Result<bool> {
        self.line.clear();
        let limit = MAX_SNAPSHOT_LINE_BYTES as u64 + 1;
        let n = (&mut self.reader)
            .take(limit)
            .read_until(b'\n', &mut self.line)
            .map_err(|e| SyncError::Offline(format!("{} ({e})", self.base)))?;
        self.bytes += n;
        if self.bytes > MAX_SNAPSHOT_BYTES {
            return Err(SyncError::BadResponse(format!(
                "instantané trop grand (plus de {MAX_SNAPSHOT_BYTES} octets)"
            )));
        }
        if self.line.last() == Some(&b'\n') {
            self.line.pop();
        } else if self.line.len() > MAX_SNAPSHOT_LINE_BYTES {
            return Err(SyncError::BadResponse(format!(
                "ligne d'instantané trop longue (plus de {MAX_SNAPSHOT_LINE_BYTES} octets)"
            )));
        }
        Ok(n > 0)
    }

    /// The next record; None after a valid end line.
    fn next_record(&mut self) -> Result<Option<Record>> {
        if !self.read_line()? {
            return Err(SyncError::BadResponse(format!(
                "instantané coupé après {} enregistrements (pas de ligne de fin)",
                self.seen
            )));
        }
        let record_error = match serde_json::from_slice::<Record>(&self.line) {
            Ok(rec) => {
                self.seen += 1;
                return Ok(Some(rec));
            }
            Err(e) => e,
        };
        let Ok(end) = serde_json::from_slice::<SnapshotEnd>(&self.line) else {
            return Err(SyncError::BadResponse(format!(
                "instantané : enregistrement {} illisible ({record_error})",
                self.seen + 1
            )));
        };
        if end.end != self.seen {
            return Err(SyncError::BadResponse(format!(
                "instantané : {} enregistrements reçus, {} selon la ligne de fin",
                self.seen, end.end
            )));
        }
        if self.read_line()? {
            return Err(SyncError::BadResponse(
                "instantané : des données suivent la fin".into(),
            ));
        }
        Ok(None)
    }
}

impl Iterator for SnapshotLines {
    type Item = Result<Record>;

    fn next(&mut self) -> Option<Result<Record>> {
        if self.finished {
            return None;
        }
        let next = self.next_record();
        self.finished = !matches!(next, Ok(Some(_)));
        next.transpose()
    }
}

/// The reference protocol over HTTP.
pub struct HttpConnector {
    base: String,
    client: reqwest::blocking::Client,
}

impl HttpConnector {
    /// Sends a login (a password, or an activation code with the chosen password).
    fn send_login(&self, body: &LoginRequest) -> Result<TokenResponse> {
        self.send(
            self.client.post(self.url("/v1/auth/login")).json(body),
            64 * 1024,
        )
    }

    /// A connector to `base` (e.g. `http://127.0.0.1:8787`).
    pub fn new(base: &str) -> Result<HttpConnector> {
        let client = crate::policy::http_client()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(120))
            // Below the ENT's own idle timeout (ours: 60 s), so a pooled connection is
            // never reused just as the ENT closes it.
            .pool_idle_timeout(Duration::from_secs(15))
            .user_agent(concat!("ardoise/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SyncError::BadResponse(e.to_string()))?;
        Ok(HttpConnector {
            base: base.trim_end_matches('/').to_string(),
            client,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn send<T: DeserializeOwned>(
        &self,
        req: reqwest::blocking::RequestBuilder,
        limit: usize,
    ) -> Result<T> {
        let resp = self
            .with_protocol(req)
            .send()
            .map_err(|e| self.transport_error(e))?;
        self.read_answer(resp, limit)
    }

    fn read_answer<T: DeserializeOwned>(
        &self,
        resp: reqwest::blocking::Response,
        limit: usize,
    ) -> Result<T> {
        let status = resp.status();
        let body = read_body(resp, limit, &self.base)?;
        if !status.is_success() {
            return Err(match serde_json::from_slice::<ApiError>(&body) {
                Ok(e) if status.is_server_error() => SyncError::Unavailable(e),
                Ok(e) => SyncError::Server(e),
                Err(_) if status.is_server_error() => {
                    SyncError::Offline(format!("{} (erreur {status})", self.base))
                }
                Err(_) => SyncError::BadResponse(format!("statut {status} sans erreur lisible")),
            });
        }
        serde_json::from_slice(&body)
            .map_err(|e| SyncError::BadResponse(format!("JSON invalide : {e}")))
    }

    fn with_protocol(
        &self,
        req: reqwest::blocking::RequestBuilder,
    ) -> reqwest::blocking::RequestBuilder {
        req.header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
    }

    fn transport_error(&self, e: reqwest::Error) -> SyncError {
        SyncError::Offline(format!("{} ({})", self.base, root_cause(&e)))
    }
}

/// The body of an answer from `origin`, read to at most `limit` bytes: a longer one is
/// refused as it arrives (never held whole), a read cut midway is the network failing.
/// Every answer of every backend is read through here.
pub(crate) fn read_body(mut body: impl Read, limit: usize, origin: &str) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    (&mut body)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| SyncError::Offline(format!("{origin} ({e})")))?;
    if out.len() > limit {
        return Err(SyncError::BadResponse(format!(
            "réponse de {origin} trop grande (plus de {limit} octets)"
        )));
    }
    Ok(out)
}

pub(crate) fn root_cause(e: &dyn std::error::Error) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

impl Connector for HttpConnector {
    fn health(&self) -> Result<Health> {
        let req = self
            .client
            .get(self.url("/v1/health"))
            .timeout(Duration::from_secs(3));
        self.send(req, 4096)
    }

    fn login(&self, login: &str, password: &str, device: Option<&str>) -> Result<TokenResponse> {
        self.send_login(&LoginRequest {
            login: login.into(),
            password: password.into(),
            device: device.map(str::to_string),
            new_password: None,
        })
    }

    fn activate(
        &self,
        login: &str,
        code: &str,
        new_password: &str,
        device: Option<&str>,
    ) -> Result<TokenResponse> {
        self.send_login(&LoginRequest {
            login: login.into(),
            password: code.into(),
            device: device.map(str::to_string),
            new_password: Some(new_password.into()),
        })
    }

    fn refresh(&self, refresh_token: &str) -> Result<TokenResponse> {
        let body = RefreshRequest {
            refresh_token: refresh_token.into(),
        };
        self.send(
            self.client.post(self.url("/v1/auth/refresh")).json(&body),
            64 * 1024,
        )
    }

    fn pull(&self, token: &str, since: i64, limit: usize) -> Result<PullResponse> {
        let req = self
            .client
            .get(self.url("/v1/changes"))
            .query(&[("since", since.to_string()), ("limit", limit.to_string())])
            .bearer_auth(token);
        self.send(req, MAX_PAGE_BYTES)
    }

    fn snapshot(&self, token: &str) -> Result<Snapshot> {
        let req = self
            .client
            .get(self.url("/v1/snapshot"))
            .bearer_auth(token)
            .header(reqwest::header::ACCEPT, SNAPSHOT_STREAM_TYPE)
            // A large school over a slow school link: minutes, not the default two.
            .timeout(Duration::from_secs(900));
        let resp = self
            .with_protocol(req)
            .send()
            .map_err(|e| self.transport_error(e))?;
        let streamed = resp.status().is_success()
            && resp
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with(SNAPSHOT_STREAM_TYPE));
        if !streamed {
            // An error, or a server that sends the snapshot as one document.
            let whole: SnapshotResponse = self.read_answer(resp, MAX_SNAPSHOT_BYTES)?;
            return Ok(whole.into());
        }
        snapshot_from_lines(resp, &self.base)
    }

    fn push(&self, token: &str, req: &PushRequest) -> Result<PushResponse> {
        let req = self
            .client
            .post(self.url("/v1/push"))
            .bearer_auth(token)
            .json(req);
        self.send(req, MAX_PAGE_BYTES)
    }

    fn calendar_feed(&self, token: &str) -> Result<ardoise_protocol::CalendarFeed> {
        let req = self
            .client
            .post(self.url("/v1/calendar-feed"))
            .bearer_auth(token);
        self.send(req, 4096)
    }

    fn send_support(&self, token: &str, id: &str, bundle: &[u8]) -> Result<()> {
        let req = self
            .client
            .post(self.url(&format!("/v1/support/{id}")))
            .bearer_auth(token)
            .header("content-type", ardoise_protocol::support::CONTENT_TYPE)
            .body(bundle.to_vec());
        let resp = self
            .with_protocol(req)
            .send()
            .map_err(|e| self.transport_error(e))?;
        if resp.status().is_success() {
            return Ok(());
        }
        // An error answer is read like any other; a success there is not one.
        match self.read_answer::<serde_json::Value>(resp, 64 * 1024) {
            Err(e) => Err(e),
            Ok(_) => Err(SyncError::BadResponse("rapport : statut inattendu".into())),
        }
    }

    fn indicators(
        &self,
        token: &str,
        from: chrono::NaiveDate,
        until: chrono::NaiveDate,
    ) -> Result<ardoise_protocol::indicators::Indicators> {
        let req = self
            .client
            .get(self.url(&format!("/v1/indicators?from={from}&until={until}")))
            .bearer_auth(token);
        self.send(req, 4 * 1024 * 1024)
    }

    fn logout(&self, token: &str) -> Result<()> {
        let req = self
            .client
            .post(self.url("/v1/auth/logout"))
            .bearer_auth(token)
            .timeout(Duration::from_secs(5));
        let resp = self
            .with_protocol(req)
            .send()
            .map_err(|e| self.transport_error(e))?;
        match resp.status() {
            s if s.is_success() => Ok(()),
            s => Err(SyncError::BadResponse(format!("déconnexion : statut {s}"))),
        }
    }

    fn blobs_missing(&self, token: &str, hashes: &[String]) -> Result<Vec<String>> {
        let body = BlobsQuery {
            hashes: hashes.to_vec(),
        };
        let req = self
            .client
            .post(self.url("/v1/blobs/missing"))
            .bearer_auth(token)
            .json(&body);
        let answer: BlobsMissing = self.send(req, MAX_PAGE_BYTES)?;
        if answer.missing.iter().any(|h| !hashes.contains(h)) {
            return Err(SyncError::BadResponse(
                "le serveur réclame un contenu qu'on ne lui a pas proposé".into(),
            ));
        }
        Ok(answer.missing)
    }

    fn upload_open(&self, token: &str, hash: &str, size: u64) -> Result<UploadStatus> {
        let body = UploadRequest {
            hash: hash.into(),
            size,
        };
        let req = self
            .client
            .post(self.url("/v1/uploads"))
            .bearer_auth(token)
            .json(&body);
        checked_status(self.send(req, 64 * 1024)?, hash, size)
    }

    fn upload_chunk(
        &self,
        token: &str,
        hash: &str,
        offset: u64,
        chunk: &[u8],
    ) -> Result<UploadStatus> {
        let req = self
            .client
            .patch(self.url(&format!("/v1/uploads/{hash}")))
            .bearer_auth(token)
            .header(OFFSET_HEADER, offset.to_string())
            .header("content-type", "application/octet-stream")
            .body(chunk.to_vec());
        let status: UploadStatus = self.send(req, 64 * 1024)?;
        checked_status(status, hash, u64::MAX)
    }

    fn download(
        &self,
        token: &str,
        hash: &str,
        from: u64,
        to: u64,
        out: &mut dyn Write,
    ) -> Result<u64> {
        let req = self
            .client
            .get(self.url(&format!("/v1/blobs/{hash}")))
            .bearer_auth(token)
            .header("range", format!("bytes={from}-{}", to.saturating_sub(1)));
        let resp = self
            .with_protocol(req)
            .send()
            .map_err(|e| self.transport_error(e))?;
        if !resp.status().is_success() {
            return self
                .read_answer::<serde_json::Value>(resp, 64 * 1024)
                .and_then(|_| Err(SyncError::BadResponse("téléchargement sans contenu".into())));
        }
        if resp.status() != reqwest::StatusCode::PARTIAL_CONTENT {
            return Err(SyncError::BadResponse(format!(
                "le serveur ignore la reprise (statut {})",
                resp.status()
            )));
        }
        let wanted = to - from;
        let mut body = resp.take(wanted + 1);
        let mut buf = vec![0u8; 256 * 1024];
        let mut written = 0u64;
        loop {
            let n = match body.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                // Keep what arrived: the caller resumes from there.
                Err(_) if written > 0 => break,
                Err(e) => return Err(SyncError::Offline(format!("{} ({e})", self.base))),
            };
            written += n as u64;
            if written > wanted {
                return Err(SyncError::BadResponse(
                    "le serveur envoie plus que la plage demandée".into(),
                ));
            }
            out.write_all(&buf[..n])?;
        }
        Ok(written)
    }
}

/// An upload status must be about the blob asked for, and make sense.
fn checked_status(status: UploadStatus, hash: &str, size: u64) -> Result<UploadStatus> {
    let sane = status.hash == hash
        && status.offset <= status.size
        && (size == u64::MAX || status.size == size)
        && (!status.complete || status.offset == status.size);
    if sane {
        Ok(status)
    } else {
        Err(SyncError::BadResponse(format!(
            "état d'envoi incohérent pour {hash}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A valid stream of three rooms.
    fn stream() -> Vec<u8> {
        let mut out = Vec::new();
        let mut line = |v: serde_json::Value| {
            serde_json::to_writer(&mut out, &v).unwrap();
            out.push(b'\n');
        };
        line(json!({"seq": 7, "estimate": 3}));
        for i in 0..3 {
            line(
                json!({"kind": "room", "id": format!("r{i}"), "version": 1, "changeSeq": i + 1,
                        "data": {"code": format!("R{i}"), "label": "Salle"}}),
            );
        }
        line(json!({"end": 3}));
        out
    }

    fn read_all(bytes: Vec<u8>) -> Result<(i64, Vec<Record>)> {
        let snap = snapshot_from_lines(std::io::Cursor::new(bytes), "test")?;
        let records = snap.records.collect::<Result<Vec<_>>>()?;
        Ok((snap.seq, records))
    }

    #[test]
    fn a_whole_stream_gives_its_records_and_every_cut_of_it_is_refused() {
        let whole = stream();
        let (seq, records) = read_all(whole.clone()).unwrap();
        assert_eq!(seq, 7);
        let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["r0", "r1", "r2"]);
        // Cut anywhere before the end line is complete: never taken for a whole snapshot.
        let end_starts = whole[..whole.len() - 1]
            .iter()
            .rposition(|b| *b == b'\n')
            .unwrap()
            + 1;
        for cut in 0..whole.len() - 1 {
            let result = read_all(whole[..cut].to_vec());
            assert!(
                matches!(result, Err(SyncError::BadResponse(_))),
                "cut at {cut} of {} (end line from {end_starts}): {result:?}",
                whole.len()
            );
        }
        // Without its last newline the end line is still whole.
        assert!(read_all(whole[..whole.len() - 1].to_vec()).is_ok());
    }

    #[test]
    fn a_changed_byte_is_refused_or_still_reads_as_a_whole_snapshot() {
        let whole = stream();
        let (_, records) = read_all(whole.clone()).unwrap();
        for at in 0..whole.len() {
            for byte in [b'x', b'9', b'\n', b'}', b'"', 0xff] {
                let mut bytes = whole.clone();
                bytes[at] = byte;
                if let Ok((_, got)) = read_all(bytes) {
                    // A change that keeps valid JSON of the same shape (a digit, a letter
                    // inside a string): the count still matches the end line.
                    assert_eq!(got.len(), records.len(), "byte {at} set to {byte}");
                }
            }
        }
    }
}
