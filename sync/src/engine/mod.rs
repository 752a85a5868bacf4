//! The sync engine: probe, push the outbox in order, pull (snapshot for a new replica, then
//! pages), and report a status the UI shows.

use ardoise_protocol::ErrorCode;
use ardoise_protocol::{PushRequest, MAX_OPS_PER_PUSH};
use serde::Serialize;

use crate::connector::Connector;
use crate::profile::{Profile, Tokens};
use crate::replica::{keys, QuarantinedOp, Replica};
use crate::secrets::KeyStorage;
use crate::{Result, SyncError};

mod transfers;

/// Records asked per pull page.
pub const PULL_PAGE: usize = 2000;
/// Times an op refused alone (the whole request refused, 4xx) is tried before quarantine.
pub const POISON_LIMIT: i64 = 3;
/// How often a first sync tells its progress while it writes the snapshot.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// What the status bar shows.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    /// The ENT answered the last probe.
    pub online: bool,
    /// A sync is running.
    pub syncing: bool,
    /// Local edits waiting to go up.
    pub pending: i64,
    /// Edits refused for good, kept for the user to see.
    pub quarantined: i64,
    /// Open conflict revisions.
    pub conflicts: i64,
    /// End of the last complete sync (RFC 3339).
    pub last_sync: Option<String>,
    /// Last change applied.
    pub cursor: i64,
    /// What the running sync has done so far, while it runs.
    pub progress: Option<SyncProgress>,
    /// Where the replica's key is kept: `file` means no keyring protects it (shown).
    pub key_storage: KeyStorage,
    /// Which kind of ENT this is (`ardoise`, `open-ent-ng`).
    pub ent: String,
    /// What it guarantees and lets Ardoise do.
    pub capabilities: crate::Capabilities,
}

/// What a running sync is doing.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SyncPhase {
    /// Sending the outbox (ops).
    Push,
    /// A first sync: the whole school at once (records).
    Snapshot,
    /// Receiving changes (records).
    Pull,
    /// Sending a file (bytes).
    Upload,
    /// Receiving a file (bytes).
    Download,
}

/// How far a running sync is, for the progress bar.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncProgress {
    /// Sending, receiving, a file.
    pub phase: SyncPhase,
    /// Ops sent, or records received, in this sync.
    pub done: i64,
    /// Ops to send when pushing; unknown while receiving.
    pub total: Option<i64>,
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncReport {
    /// Ops the server applied.
    pub pushed: usize,
    /// Ops that became conflict revisions.
    pub conflicts: usize,
    /// Ops refused for good in this sync (each reported once).
    pub rejected: Vec<QuarantinedOp>,
    /// Records pulled.
    pub pulled: usize,
}

type Listener = Box<dyn Fn(&SyncStatus) + Send>;

/// Refusals about the request itself (protocol version, session), not about one op: the
/// outbox is kept whole until the user updates Ardoise or logs in again.
fn is_about_the_request(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::ProtocolUnsupported | ErrorCode::ProtocolMissingVersion
    ) || code.area() == "auth"
}

/// Syncs one profile's replica with its ENT.
pub struct SyncEngine {
    replica: Replica,
    connector: Box<dyn Connector>,
    profile: Profile,
    online: bool,
    listener: Option<Listener>,
    progress: Option<SyncProgress>,
    /// What the ENT lets Ardoise do, less what the school's policies turn off.
    capabilities: crate::Capabilities,
}

impl SyncEngine {
    /// An engine over an open replica.
    pub fn new(profile: Profile, replica: Replica, connector: Box<dyn Connector>) -> SyncEngine {
        let capabilities = crate::policy::load().restrict(connector.capabilities());
        SyncEngine {
            replica,
            connector,
            profile,
            online: false,
            listener: None,
            progress: None,
            capabilities,
        }
    }

    /// The replica.
    pub fn replica(&self) -> &Replica {
        &self.replica
    }

    /// The replica, for local edits.
    pub fn replica_mut(&mut self) -> &mut Replica {
        &mut self.replica
    }

    /// Calls `f` with every new status.
    pub fn on_status(&mut self, f: impl Fn(&SyncStatus) + Send + 'static) {
        self.listener = Some(Box::new(f));
    }

    /// The direction's indicators from `from` to `until`, computed by the ENT.
    pub fn indicators(
        &mut self,
        from: chrono::NaiveDate,
        until: chrono::NaiveDate,
    ) -> Result<ardoise_protocol::indicators::Indicators> {
        self.authed(|c, token| c.indicators(token, from, until))
    }

    /// A new address of the user's calendar subscription, whole (the ENT's base URL and
    /// the path it gave); the previous address stops working. Needs the network.
    pub fn renew_calendar_feed(&mut self) -> Result<String> {
        let feed = self.authed(|c, token| c.calendar_feed(token))?;
        if !feed.path.starts_with("/ical/") || !feed.path.ends_with(".ics") {
            return Err(SyncError::BadResponse(format!(
                "adresse d'agenda inattendue : {}",
                feed.path.chars().take(80).collect::<String>()
            )));
        }
        let base = self.profile.info()?.server;
        Ok(format!("{}{}", base.trim_end_matches('/'), feed.path))
    }

    /// The current status.
    pub fn status(&self) -> Result<SyncStatus> {
        Ok(SyncStatus {
            online: self.online,
            syncing: false,
            pending: self.replica.pending_count()?,
            quarantined: self.replica.quarantined()?.len() as i64,
            conflicts: self.replica.conflict_count()?,
            last_sync: self.replica.state(keys::LAST_SYNC)?,
            cursor: self.replica.cursor()?,
            progress: self.progress.clone(),
            key_storage: self.replica.key_storage(),
            ent: self.connector.name().to_string(),
            capabilities: self.capabilities,
        })
    }

    fn set_progress(&mut self, phase: SyncPhase, done: i64, total: Option<i64>) {
        self.progress = Some(SyncProgress { phase, done, total });
        self.emit(true);
    }

    fn emit(&self, syncing: bool) {
        if let (Some(f), Ok(mut s)) = (&self.listener, self.status()) {
            s.syncing = syncing;
            f(&s);
        }
    }

    /// Asks the ENT whether it is there.
    pub fn probe(&mut self) -> bool {
        self.online = self.connector.health().is_ok();
        self.online
    }

    /// One full sync: push everything pending, then pull everything new.
    pub fn sync_once(&mut self) -> Result<SyncReport> {
        let started = std::time::Instant::now();
        let result = self.sync_probed();
        // The journal is for the help page and support reports: a failure to write it
        // never fails the sync.
        if let Err(e) = crate::support::record_sync(self.profile.dir(), &result, started) {
            tracing::warn!("sync journal: {e}");
        }
        result
    }

    fn sync_probed(&mut self) -> Result<SyncReport> {
        if !self.probe() {
            self.emit(false);
            return Err(SyncError::Offline(
                self.profile.info().map(|i| i.server).unwrap_or_default(),
            ));
        }
        self.emit(true);
        let mut result = self.push_then_pull();
        if result.is_ok() {
            // Support reports go once the edits are up; one that cannot go waits.
            // The sync just renewed the token if it had to.
            // Not when the school turned its assistance inbox off (SupportInbox).
            let sent = match self.capabilities.assistance {
                true => self.replica.tokens().and_then(|t| {
                    crate::support::send_waiting(&self.replica, &*self.connector, &t.access_token)
                }),
                false => Ok(0),
            };
            if let Err(e) = sent {
                result = Err(e);
            }
        }
        self.progress = None;
        if let Err(SyncError::Offline(_)) = &result {
            self.online = false;
        }
        if result.is_ok() {
            let now = chrono::Utc::now();
            let stamp = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            self.replica.set_state(keys::LAST_SYNC, &stamp)?;
            // News past their last day leave the replica.
            crate::news::purge_expired(
                &self.replica,
                ardoise_protocol::calendar::paris_today(now),
            )?;
        }
        self.emit(false);
        result
    }

    fn push_then_pull(&mut self) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        let to_push = self.replica.pending_count()?;
        // A backend without a change feed or server-side ids remembers what it saw: it
        // starts from what the replica stored, whatever an interrupted sync left in memory.
        let stored = self.replica.state(keys::BACKEND)?;
        self.connector.restore_backend_state(stored.as_deref())?;
        // Without safe retries each op goes alone, so what the ENT did is acknowledged
        // op by op and a failure in the middle never makes the done ones run again.
        let batch = if self.connector.capabilities().safe_retries {
            MAX_OPS_PER_PUSH
        } else {
            1
        };
        loop {
            let ops = self.replica.pending_ops(batch)?;
            if ops.is_empty() {
                break;
            }
            let req = PushRequest { ops };
            let resp = match self.authed(|c, t| c.push(t, &req)) {
                Ok(r) => r,
                Err(SyncError::Server(e)) if is_about_the_request(e.code) => {
                    // An outdated client or a bad session: keep every op, never quarantine.
                    return Err(SyncError::Server(e));
                }
                Err(SyncError::Server(_)) => {
                    // The server refused the whole request: find the op it chokes on by
                    // sending the first alone, and quarantine it if it keeps being refused.
                    let first = PushRequest {
                        ops: vec![req.ops[0].clone()],
                    };
                    match self.authed(|c, t| c.push(t, &first)) {
                        Ok(resp)
                            if resp.results.len() == 1
                                && resp.results[0].op_id == first.ops[0].op_id =>
                        {
                            let state = self.connector.backend_state();
                            let ack = self.replica.ack_with(&resp.results, state.as_deref())?;
                            report.pushed += ack.applied;
                            report.conflicts += ack.conflicts;
                            report.rejected.extend(ack.rejected);
                            continue;
                        }
                        Ok(_) => {
                            return Err(SyncError::BadResponse(
                                "les résultats de l'envoi ne correspondent pas aux opérations"
                                    .into(),
                            ))
                        }
                        Err(SyncError::Server(e)) => {
                            match self
                                .replica
                                .note_refusal(first.ops[0].op_id, &e, POISON_LIMIT)?
                            {
                                Some(q) => {
                                    report.rejected.push(q);
                                    continue;
                                }
                                None => return Err(SyncError::Server(e)),
                            }
                        }
                        Err(e) => return Err(e),
                    }
                }
                Err(e) => {
                    self.replica.note_attempt()?;
                    return Err(e);
                }
            };
            let matches = resp.results.len() == req.ops.len()
                && resp
                    .results
                    .iter()
                    .zip(&req.ops)
                    .all(|(r, o)| r.op_id == o.op_id);
            if !matches {
                self.replica.note_attempt()?;
                return Err(SyncError::BadResponse(
                    "les résultats de l'envoi ne correspondent pas aux opérations".into(),
                ));
            }
            let state = self.connector.backend_state();
            let ack = self.replica.ack_with(&resp.results, state.as_deref())?;
            report.pushed += ack.applied;
            report.conflicts += ack.conflicts;
            report.rejected.extend(ack.rejected);
            let sent = (report.pushed + report.conflicts + report.rejected.len()) as i64;
            self.set_progress(SyncPhase::Push, sent, Some(to_push.max(sent)));
        }
        if self.replica.cursor()? == 0 {
            self.set_progress(SyncPhase::Snapshot, 0, None);
            let snap = self.authed(|c, t| c.snapshot(t))?;
            let total = snap.estimate.map(|c| c as i64);
            self.set_progress(SyncPhase::Snapshot, 0, total);
            // The replica is busy writing: progress goes out with the status from before.
            let before = self.status()?;
            let listener = &self.listener;
            let mut told = std::time::Instant::now();
            let mut tell = |done: u64, total: Option<u64>| {
                if told.elapsed() < PROGRESS_EVERY {
                    return;
                }
                told = std::time::Instant::now();
                if let Some(f) = listener {
                    let mut s = before.clone();
                    s.syncing = true;
                    s.progress = Some(SyncProgress {
                        phase: SyncPhase::Snapshot,
                        done: done as i64,
                        total: total.map(|t| t as i64),
                    });
                    f(&s);
                }
            };
            report.pulled += self.replica.apply_snapshot_with(snap, &mut tell)?;
            self.set_progress(SyncPhase::Snapshot, report.pulled as i64, total);
        } else if self.replica.state(keys::CATCH_UP)?.is_some() {
            // Kinds an older build was never sent (ADR 0019): from a snapshot, once. A
            // backend without a change feed reads every window again anyway.
            if self.connector.capabilities().change_feed {
                self.set_progress(SyncPhase::Snapshot, 0, None);
                let snap = self.authed(|c, t| c.snapshot(t))?;
                report.pulled += self.replica.apply_catch_up(snap)?;
            } else {
                self.replica.clear_state(keys::CATCH_UP)?;
            }
        }
        loop {
            let since = self.replica.cursor()?;
            let page = self.authed(|c, t| c.pull(t, since, PULL_PAGE))?;
            let more = page.has_more && page.next_cursor > since;
            let state = self.connector.backend_state();
            report.pulled += self.replica.apply_pull_with(page, state.as_deref())?;
            if !more {
                break;
            }
            self.set_progress(SyncPhase::Pull, report.pulled as i64, None);
        }
        Ok(report)
    }

    /// Tokens an older Ardoise left in `session.json`, in clear: moved into the encrypted
    /// replica and the file deleted, so an update never logs anyone out.
    fn adopt_old_session(&mut self) -> Result<Tokens> {
        let file = self.profile.dir().join("session.json");
        let text = std::fs::read_to_string(&file).map_err(|_| SyncError::LoggedOut)?;
        let tokens: Tokens = serde_json::from_str(&text).map_err(|_| SyncError::LoggedOut)?;
        self.replica.save_tokens(&tokens)?;
        std::fs::remove_file(&file)?;
        Ok(tokens)
    }

    /// Calls the ENT with the access token, renewing it once if it expired.
    fn authed<T>(&mut self, mut call: impl FnMut(&dyn Connector, &str) -> Result<T>) -> Result<T> {
        let mut tokens = match self.replica.tokens() {
            Err(SyncError::LoggedOut) => self.adopt_old_session()?,
            other => other?,
        };
        if tokens.expiring() {
            // Renewed before it fails (an ENT may refuse it mid-sync otherwise); if the
            // ENT says no, the token is tried as it is and renewed when refused.
            if let Ok(fresh) = self.connector.refresh(&tokens.refresh_token) {
                tokens = Tokens::from(&fresh);
                self.replica.save_tokens(&tokens)?;
            }
        }
        match call(&*self.connector, &tokens.access_token) {
            Err(SyncError::Server(e)) if e.code == ErrorCode::AuthInvalidToken => {
                let fresh = match self.connector.refresh(&tokens.refresh_token) {
                    Ok(t) => t,
                    Err(SyncError::Server(_)) => {
                        // Another engine of this profile (the transfer queue, another
                        // process) may have renewed the tokens first: use theirs.
                        let now = self.replica.tokens()?;
                        if now.access_token != tokens.access_token {
                            return call(&*self.connector, &now.access_token);
                        }
                        return Err(SyncError::LoggedOut);
                    }
                    Err(e) => return Err(e),
                };
                self.replica.save_tokens(&Tokens::from(&fresh))?;
                call(&*self.connector, &fresh.access_token)
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ardoise_protocol::{
        ApiError, EntityKind, Health, OpResult, Outcome, PullResponse, PushResponse, TokenResponse,
    };
    use serde_json::json;

    /// An ENT in memory that refuses any request containing the op of record "poison", with
    /// the given code.
    struct PoisonAllergic(ErrorCode);

    impl Connector for PoisonAllergic {
        fn health(&self) -> Result<Health> {
            Ok(Health {
                status: "ok".into(),
                protocol: 1,
                min_protocol: 1,
            })
        }
        fn login(&self, _: &str, _: &str, _: Option<&str>) -> Result<TokenResponse> {
            unreachable!("not used")
        }
        fn refresh(&self, _: &str) -> Result<TokenResponse> {
            unreachable!("not used")
        }
        fn pull(&self, _: &str, since: i64, _: usize) -> Result<PullResponse> {
            Ok(PullResponse {
                changes: vec![],
                next_cursor: since,
                has_more: false,
            })
        }
        /// 2,500 rooms, arriving slowly after the first 1,000 (a slow network).
        fn snapshot(&self, _: &str) -> Result<crate::Snapshot> {
            let room = |i: u64| ardoise_protocol::Record {
                kind: EntityKind::Room,
                id: format!("salle-{i}"),
                version: 1,
                change_seq: 1,
                deleted: false,
                data: json!({"code": format!("S{i}"), "label": "Salle"})
                    .as_object()
                    .cloned(),
            };
            let records = (0..SNAPSHOT_ROOMS).map(move |i| {
                if i == 1_000 {
                    std::thread::sleep(std::time::Duration::from_millis(150));
                }
                Ok(room(i))
            });
            Ok(crate::Snapshot {
                seq: 1,
                estimate: Some(SNAPSHOT_ROOMS),
                records: Box::new(records),
                backend_state: None,
            })
        }
        fn push(&self, _: &str, req: &PushRequest) -> Result<PushResponse> {
            if req.ops.iter().any(|o| o.record_id == "poison") {
                return Err(SyncError::Server(ApiError::new(self.0, "refusé")));
            }
            Ok(PushResponse {
                results: req
                    .ops
                    .iter()
                    .map(|o| OpResult {
                        op_id: o.op_id,
                        outcome: Outcome::Applied,
                        version: Some(1),
                        conflict_id: None,
                        error: None,
                    })
                    .collect(),
            })
        }
    }

    fn engine_with_two_rooms(dir: &std::path::Path, code: ErrorCode) -> SyncEngine {
        engine_with_rooms(dir, code, &["poison", "good"])
    }

    fn engine_with_rooms(dir: &std::path::Path, code: ErrorCode, ids: &[&str]) -> SyncEngine {
        let profile = Profile::new(dir);
        let mut replica = Replica::in_memory().unwrap();
        replica
            .save_tokens(&Tokens {
                access_token: "a".into(),
                refresh_token: "r".into(),
                expires_at: None,
            })
            .unwrap();
        let room = |code: &str| {
            json!({"code": code, "label": code})
                .as_object()
                .unwrap()
                .clone()
        };
        for id in ids {
            replica
                .local_create(ardoise_protocol::EntityKind::Room, id, room(id))
                .unwrap();
        }
        SyncEngine::new(profile, replica, Box::new(PoisonAllergic(code)))
    }

    #[test]
    fn tokens_left_in_clear_by_an_older_version_move_into_the_replica() {
        let dir = tempfile::tempdir().unwrap();
        let mut engine = engine_with_rooms(dir.path(), ErrorCode::Unknown, &["good"]);
        engine
            .replica_mut()
            .conn()
            .execute("DELETE FROM sync_state WHERE key = 'session'", [])
            .unwrap();
        let old = dir.path().join("session.json");
        std::fs::write(&old, r#"{"accessToken":"a","refreshToken":"r"}"#).unwrap();
        engine.sync_once().unwrap();
        assert!(!old.exists());
        assert_eq!(engine.replica().tokens().unwrap().access_token, "a");
    }

    #[test]
    fn an_outdated_client_keeps_its_whole_outbox() {
        let dir = tempfile::tempdir().unwrap();
        let mut engine = engine_with_two_rooms(dir.path(), ErrorCode::ProtocolUnsupported);
        for _ in 0..(POISON_LIMIT + 2) {
            let r = engine.sync_once();
            assert!(matches!(r, Err(SyncError::Server(_))), "{r:?}");
        }
        let status = engine.status().unwrap();
        assert_eq!((status.pending, status.quarantined), (2, 0));
    }

    #[test]
    fn a_poison_op_is_quarantined_after_a_few_tries_and_the_queue_moves_on() {
        let dir = tempfile::tempdir().unwrap();
        let mut engine = engine_with_two_rooms(dir.path(), ErrorCode::ProtocolInvalidOp);
        for _ in 1..POISON_LIMIT {
            assert!(matches!(engine.sync_once(), Err(SyncError::Server(_))));
            assert_eq!(
                engine.status().unwrap().pending,
                2,
                "nothing lost meanwhile"
            );
        }
        let report = engine.sync_once().unwrap();
        assert_eq!(report.rejected.len(), 1);
        assert_eq!(report.rejected[0].record_id, "poison");
        assert_eq!(report.pushed, 1);
        let status = engine.status().unwrap();
        assert_eq!((status.pending, status.quarantined), (0, 1));
    }

    const SNAPSHOT_ROOMS: u64 = 2_500;

    #[test]
    fn the_status_reports_progress_while_a_first_sync_runs_and_none_after() {
        let dir = tempfile::tempdir().unwrap();
        let ids: Vec<String> = (0..(MAX_OPS_PER_PUSH + 3))
            .map(|i| format!("r{i}"))
            .collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut engine = engine_with_rooms(dir.path(), ErrorCode::ProtocolInvalidOp, &refs);
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        engine.on_status(move |s| log.lock().unwrap().push((s.syncing, s.progress.clone())));
        engine.sync_once().unwrap();
        let seen = seen.lock().unwrap();
        let phases: Vec<(SyncPhase, i64, Option<i64>)> = seen
            .iter()
            .filter_map(|(_, p)| p.as_ref().map(|p| (p.phase, p.done, p.total)))
            .collect();
        let total = Some(ids.len() as i64);
        assert_eq!(
            phases[..4],
            [
                (SyncPhase::Push, MAX_OPS_PER_PUSH as i64, total),
                (SyncPhase::Push, ids.len() as i64, total),
                (SyncPhase::Snapshot, 0, None),
                (SyncPhase::Snapshot, 0, Some(SNAPSHOT_ROOMS as i64)),
            ],
            "two push batches, then the snapshot: asked, then its size known"
        );
        let rooms = SNAPSHOT_ROOMS as i64;
        let during: Vec<i64> = phases[4..].iter().map(|p| p.1).collect();
        assert!(
            phases[4..]
                .iter()
                .all(|p| p.0 == SyncPhase::Snapshot && p.2 == Some(rooms)),
            "{phases:?}"
        );
        assert!(during.windows(2).all(|w| w[0] <= w[1]), "{during:?}");
        assert!(
            during.contains(&2_000),
            "told while writing, after the slow part: {during:?}"
        );
        assert_eq!(during.last(), Some(&rooms), "then done");
        assert_eq!(
            seen.last().unwrap(),
            &(false, None),
            "no progress once done"
        );
    }
}
