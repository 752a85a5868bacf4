//! The conformance suite (ADR 0011), and model-based convergence (docs/guarantees.md, T1
//! and T2): the real sync engine of five replicas — two devices of one teacher, the vie
//! scolaire, the direction, a pupil — against the real rules of the reference server, in
//! one thread, through a simulated network that the seed drives.
//!
//! Each seed runs a random script: séances and homework written, edited, published, deleted,
//! conflicts resolved, lessons cancelled, visas signed, the charter published and accepted,
//! news written, changed and deleted, homework ticked done by the pupil, interleaved with
//! syncs whose every call may lose its request, lose its answer after the server
//! committed, be delivered twice, or be held back and delivered late (after newer
//! requests); devices go offline and come back, the server restarts, its clock jumps. Then
//! the network heals and every queue drains, and the guarantees are checked:
//! - no loss: every op a user saved reached the server; when first applied, each value it
//!   set was either in the record or in a conflict revision for its author; a refusal is
//!   only the visa lock, and it is shown (quarantined) on the device that made it;
//! - no duplicate: a request delivered again never changes the server;
//! - liveness: the queues drain within a few syncs once the network is back;
//! - convergence: every replica equals what the server gives its user.
//!
//! Deterministic: the seed decides every choice (the record ids made from the clock do not
//! take part in any decision). A failure prints its seed and the script, then shrinks it:
//! the shortest prefix of the same script that still fails, and its script;
//! `ARDOISE_SEED=… cargo test -p ardoise-sync --test convergence` replays one seed,
//! `ARDOISE_SEEDS=N` runs N seeds (200 by default; `make soak SEEDS=10000`).
//!
//! Each backend runs it with the faults its capabilities allow: a request is delivered
//! twice, or late after the client gave up on it, only to a backend that declares safe
//! retries. The reference backend declares every guarantee and gets every fault; the run
//! ends with `conformance: backend=ardoise seeds=… lost=0 duplicated=0`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use ardoise_fixtures::Rng;
use ardoise_protocol::{
    Data, EntityKind, Health, Keep, Op, OpAction, OpResult, Outcome, PullResponse, PushRequest,
    PushResponse, TokenResponse, UserInfo,
};
use ardoise_server::acl::Principal;
use ardoise_server::rules;
use ardoise_server::store::{SqliteStore, Store};
use ardoise_sync::spec::spec;
use ardoise_sync::{
    charter, logbook, news, views, Capabilities, Connector, Profile, Replica, SyncEngine, SyncError,
};
use serde_json::{json, Value};
use uuid::Uuid;

/// The four replicas: (login, profile folder).
const CLIENTS: [(&str, &str); 5] = [
    ("martin", "martin-laptop"),
    ("martin", "martin-desktop"),
    ("diallo", "diallo"),
    ("bernard", "bernard"),
    ("eleve", "eleve"),
];

/// The weeks the script works in: written lessons before the demo's "today", empty after.
const FROM: &str = "2026-11-16";
const TO: &str = "2026-12-05";

/// What one network call suffers.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    None,
    /// Never reaches the server.
    LoseRequest,
    /// The server commits, the answer is lost.
    LoseResponse,
    /// Delivered twice; the client gets the second answer.
    Duplicate,
    /// Held back and delivered later, after newer requests; the client times out.
    Delay,
}

#[derive(Default)]
struct Stats {
    ops: usize,
    applied: usize,
    conflicts: usize,
    rejected: usize,
    redelivered: usize,
    restarts: usize,
    /// Ops first applied or answered, by kind: every kind the script writes is covered.
    by_kind: BTreeMap<&'static str, usize>,
}

/// The backend under test: its name, and what it guarantees by itself.
const BACKEND: (&str, Capabilities) = ("ardoise", Capabilities::REFERENCE);

/// The reference server's rules behind a simulated network.
struct Sim {
    /// What the backend guarantees: which faults it must survive.
    caps: Capabilities,
    path: PathBuf,
    store: Arc<SqliteStore>,
    rng: Rng,
    /// Faults happen only while the script runs; draining is on a healed network.
    faulty: bool,
    /// Devices cut off from the network.
    partitioned: BTreeSet<String>,
    /// Pushes held back, delivered later.
    late: Vec<(String, PushRequest)>,
    /// The first answer to each op id, and what the server held right after it.
    answers: HashMap<Uuid, OpResult>,
    /// Records whose creation the server refused.
    refused_creates: BTreeSet<String>,
    /// Server clock skew, minutes.
    skew: i64,
    violations: Vec<String>,
    log: Vec<String>,
    stats: Stats,
}

impl Sim {
    fn principal(&self, user_id: &str) -> Principal {
        let tx = self.store.read().unwrap();
        Principal::load(&*tx, user_id).unwrap().unwrap()
    }

    fn roll(&mut self, push: bool) -> Fault {
        if !self.faulty {
            return Fault::None;
        }
        // Now and then a request held back earlier arrives first (reordering), or the
        // server restarts between two calls.
        if !self.late.is_empty() && self.rng.below(4) == 0 {
            let i = self.rng.below(self.late.len());
            let (user, req) = self.late.remove(i);
            self.log
                .push(format!("  late delivery of {} op(s)", req.ops.len()));
            self.deliver(&user, &req);
        }
        if self.rng.below(40) == 0 {
            self.restart();
        }
        match self.rng.below(20) {
            0..=9 => Fault::None,
            10..=11 => Fault::LoseRequest,
            12..=14 => Fault::LoseResponse,
            15..=16 if push && self.caps.safe_retries => Fault::Duplicate,
            17..=18 if push && self.caps.safe_retries => Fault::Delay,
            _ => Fault::None,
        }
    }

    fn restart(&mut self) {
        self.log.push("  server restart".into());
        self.stats.restarts += 1;
        self.store =
            Arc::new(SqliteStore::open(&self.path.join("ardoise-server.sqlite3")).unwrap());
        self.skew = self.rng.below(4 * 24 * 60) as i64 - 2 * 24 * 60;
    }

    fn now(&self) -> String {
        let base = chrono::DateTime::parse_from_rfc3339("2026-11-20T09:00:00Z").unwrap();
        (base + chrono::Duration::minutes(self.skew))
            .to_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    /// Applies a push the way the HTTP handler does (op by op, each in its transaction),
    /// checking each op's effect the first time it is applied and that a repeat changes
    /// nothing.
    fn deliver(&mut self, user_id: &str, req: &PushRequest) -> PushResponse {
        let p = self.principal(user_id);
        let now = self.now();
        let mut results = Vec::new();
        for op in &req.ops {
            let head = self.head();
            let r = rules::apply_op(&*self.store as &dyn Store, &p, op, &now).unwrap();
            match self.answers.get(&op.op_id) {
                Some(first) => {
                    self.stats.redelivered += 1;
                    if first != &r || self.head() != head {
                        self.violations
                            .push(format!("duplicated: op {} applied twice", op.op_id));
                    }
                }
                None => {
                    self.check_first(&p, op, &r);
                    self.answers.insert(op.op_id, r.clone());
                }
            }
            results.push(r);
        }
        PushResponse { results }
    }

    fn head(&self) -> i64 {
        self.store.read().unwrap().head_seq().unwrap()
    }

    /// No loss at the moment of truth: each value an op sets is in the record, or kept in a
    /// conflict revision for its author.
    fn check_first(&mut self, p: &Principal, op: &Op, r: &OpResult) {
        self.stats.ops += 1;
        *self.stats.by_kind.entry(op.kind.as_str()).or_default() += 1;
        let tx = self.store.read().unwrap();
        let rec = tx.get_record(op.kind, &op.record_id).unwrap();
        let conflict = r.conflict_id.as_ref().and_then(|id| {
            tx.get_record(EntityKind::Conflict, id)
                .unwrap()
                .map(|c| c.data)
        });
        let what = format!("{:?} {} {}", op.action, op.kind.as_str(), op.record_id);
        match r.outcome {
            Outcome::Rejected => {
                self.stats.rejected += 1;
                let code = r.error.as_ref().map_or("", |e| e.code.as_str());
                if op.action == OpAction::Create {
                    self.refused_creates.insert(op.record_id.clone());
                }
                // A record whose creation was refused cannot be edited: the device shows
                // the creation's reason for both (checked after draining).
                let after_refused_create =
                    code == "record.not_found" && self.refused_creates.contains(&op.record_id);
                if code != "logbook.visa_locked" && !after_refused_create {
                    self.violations
                        .push(format!("lost: {what} refused with {code}: {:?}", r.error));
                }
            }
            _ if op.keep.is_some() => {} // a resolution: the author's choice, not a new value
            Outcome::Applied if op.action == OpAction::Delete => {
                self.stats.applied += 1;
                if !rec.is_some_and(|r| r.deleted) {
                    self.violations
                        .push(format!("lost: {what} applied, record not deleted"));
                }
            }
            Outcome::Applied | Outcome::Conflict => {
                if r.outcome == Outcome::Applied {
                    self.stats.applied += 1;
                } else {
                    self.stats.conflicts += 1;
                }
                let data = rec.filter(|r| !r.deleted).map(|r| r.data);
                for (name, change) in &op.fields {
                    // The server dates a version of the charter itself.
                    if op.kind == EntityKind::Charter && name == "publishedAt" {
                        continue;
                    }
                    let in_record = data.as_ref().and_then(|d| d.get(name)) == Some(&change.new);
                    let kept = conflict.as_ref().is_some_and(|c| {
                        c["authorId"] == json!(p.id) && c["fields"][name]["mine"] == change.new
                    });
                    if !in_record && !kept {
                        self.violations.push(format!(
                            "lost: {what} ({:?}) field {name} = {} is neither applied nor in a conflict revision",
                            r.outcome, change.new
                        ));
                    }
                }
            }
        }
    }
}

/// One device's connection to the simulated network.
struct SimConnector {
    sim: Arc<Mutex<Sim>>,
    device: String,
    user: UserInfo,
}

impl SimConnector {
    fn offline(&self) -> SyncError {
        SyncError::Offline(format!("sim ({})", self.device))
    }

    /// Runs `call` on the server unless the fault says otherwise.
    fn call<T>(
        &self,
        push: bool,
        call: impl FnOnce(&mut Sim, &Principal) -> T,
    ) -> ardoise_sync::Result<T> {
        let mut sim = self.sim.lock().unwrap();
        if sim.partitioned.contains(&self.device) {
            return Err(self.offline());
        }
        let fault = sim.roll(push);
        if fault != Fault::None {
            sim.log.push(format!("  {}: {fault:?}", self.device));
        }
        if fault == Fault::LoseRequest {
            return Err(self.offline());
        }
        let p = sim.principal(&self.user.id);
        let answer = call(&mut sim, &p);
        match fault {
            Fault::LoseResponse => Err(self.offline()),
            _ => Ok(answer),
        }
    }
}

impl Connector for SimConnector {
    fn capabilities(&self) -> Capabilities {
        self.sim.lock().unwrap().caps
    }

    fn health(&self) -> ardoise_sync::Result<Health> {
        if self.sim.lock().unwrap().partitioned.contains(&self.device) {
            return Err(self.offline());
        }
        Ok(Health {
            status: "ok".into(),
            protocol: ardoise_protocol::PROTOCOL_VERSION,
            min_protocol: ardoise_protocol::MIN_PROTOCOL_VERSION,
        })
    }

    fn login(
        &self,
        _login: &str,
        _password: &str,
        _device: Option<&str>,
    ) -> ardoise_sync::Result<TokenResponse> {
        self.refresh("")
    }

    fn refresh(&self, _refresh_token: &str) -> ardoise_sync::Result<TokenResponse> {
        // Authentication is the HTTP layer's business, tested elsewhere.
        Ok(TokenResponse {
            access_token: format!("sim-{}", self.user.id),
            refresh_token: format!("sim-{}", self.user.id),
            expires_in: 3600,
            user: self.user.clone(),
            device: None,
        })
    }

    fn pull(&self, _token: &str, since: i64, limit: usize) -> ardoise_sync::Result<PullResponse> {
        self.call(false, |sim, p| {
            // Small pages, so that a sync pulls several and faults fall between them.
            let limit = limit.min(1 + sim.rng.below(12));
            rules::pull(&*sim.store as &dyn Store, p, since, limit).unwrap()
        })
    }

    fn snapshot(&self, _token: &str) -> ardoise_sync::Result<ardoise_sync::Snapshot> {
        self.call(false, |sim, p| {
            rules::snapshot(&*sim.store as &dyn Store, p).unwrap()
        })
        .map(ardoise_sync::Snapshot::from)
    }

    fn push(&self, _token: &str, req: &PushRequest) -> ardoise_sync::Result<PushResponse> {
        let mut sim = self.sim.lock().unwrap();
        if sim.partitioned.contains(&self.device) {
            return Err(self.offline());
        }
        let fault = sim.roll(true);
        if fault != Fault::None {
            sim.log.push(format!(
                "  {}: push of {} op(s): {fault:?}",
                self.device,
                req.ops.len()
            ));
        }
        match fault {
            Fault::LoseRequest => Err(self.offline()),
            Fault::Delay => {
                sim.late.push((self.user.id.clone(), req.clone()));
                Err(self.offline())
            }
            Fault::LoseResponse => {
                sim.deliver(&self.user.id, req);
                Err(self.offline())
            }
            Fault::Duplicate => {
                sim.deliver(&self.user.id, req);
                Ok(sim.deliver(&self.user.id, req))
            }
            Fault::None => Ok(sim.deliver(&self.user.id, req)),
        }
    }
}

/// The school and the four replicas after their first sync, made once and copied per seed.
struct Template {
    dir: tempfile::TempDir,
    /// The server's change feed head when it was made.
    head: i64,
}

fn template() -> &'static Template {
    static TEMPLATE: OnceLock<Template> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let options = ardoise_fixtures::Options {
            classes: 3,
            ..ardoise_fixtures::Options::demo()
        };
        let server = dir.path().join("server");
        drop(ardoise_server::open_demo(&server, &options).unwrap());
        let sim = new_sim(&server, 0);
        for (login, device) in CLIENTS {
            let profile = Profile::new(dir.path().join(device));
            let connector = connector(&sim, login, device);
            ardoise_sync::login(&profile, "sim://ent", &connector, login, "-").unwrap();
            let replica = Replica::open(&profile.replica_path()).unwrap();
            let mut engine = SyncEngine::new(profile, replica, Box::new(connector));
            engine.sync_once().unwrap();
            // The baseline every seed starts from, compared record by record once; each
            // seed then compares what changed since (see `diverging`).
            let sim = sim.lock().unwrap();
            let theirs = server_view(&sim, &format!("usr-{login}"));
            assert!(
                theirs == replica_view(engine.replica()),
                "the first sync of {device} differs from the server"
            );
        }
        let head = sim.lock().unwrap().head();
        Template { dir, head }
    })
}

fn new_sim(server: &Path, seed: u64) -> Arc<Mutex<Sim>> {
    Arc::new(Mutex::new(Sim {
        caps: BACKEND.1,
        path: server.to_path_buf(),
        store: Arc::new(SqliteStore::open(&server.join("ardoise-server.sqlite3")).unwrap()),
        rng: Rng(seed),
        faulty: false,
        partitioned: BTreeSet::new(),
        late: Vec::new(),
        answers: HashMap::new(),
        refused_creates: BTreeSet::new(),
        skew: 0,
        violations: Vec::new(),
        log: Vec::new(),
        stats: Stats::default(),
    }))
}

fn connector(sim: &Arc<Mutex<Sim>>, login: &str, device: &str) -> SimConnector {
    let user_id = format!("usr-{login}");
    let user = {
        let sim = sim.lock().unwrap();
        let p = sim.principal(&user_id);
        UserInfo {
            id: p.id,
            login: p.login,
            display_name: p.display_name,
            roles: p.roles,
        }
    };
    SimConnector {
        sim: sim.clone(),
        device: device.into(),
        user,
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn object(v: Value) -> Data {
    match v {
        Value::Object(map) => map,
        _ => unreachable!("object literal"),
    }
}

fn ids(replica: &Replica, sql: &str) -> Vec<String> {
    let mut stmt = replica.sql().prepare(sql).unwrap();
    let rows = stmt
        .query_map([FROM, TO], |r| r.get::<_, String>(0))
        .unwrap();
    rows.map(Result::unwrap).collect()
}

/// One user action on device `c`; returns what was tried (saved or refused by the app).
fn act(rng: &mut Rng, engine: &mut SyncEngine, c: usize, n: usize) -> String {
    let replica = engine.replica_mut();
    let mark = format!("{}-{n}", CLIENTS[c].1);
    let lessons = ids(
        replica,
        "SELECT id FROM course_occurrences WHERE teacher_id = 'usr-martin'
         AND date >= ?1 AND date <= ?2 ORDER BY date, start_time, id",
    );
    let pick = |rng: &mut Rng, v: &[String]| v.get(rng.below(v.len().max(1))).cloned();
    let (what, result) = match CLIENTS[c].0 {
        // The charter: the direction publishes a new version now and then; everyone
        // accepts the latest they have.
        "bernard" if rng.below(12) == 0 => (
            "publish charter",
            charter::publish(replica, &format!("Charte {mark}"), &format!("Texte {mark}"))
                .map(drop),
        ),
        // The pupil ticks and unticks her class's homework (the demo's, before the script's
        // weeks: the teacher's new homework is for her own classes).
        "eleve" if rng.below(2) == 0 => {
            let homework = ardoise_sync::todo::todo(
                replica,
                chrono::NaiveDate::parse_from_str("2026-09-01", "%F").unwrap(),
                300,
            )
            .unwrap();
            match homework.get(rng.below(homework.len().max(1))) {
                Some(h) => (
                    "tick homework",
                    ardoise_sync::todo::set_done(replica, &h.id, h.done != Some(true)),
                ),
                None => ("no homework to tick", Ok(())),
            }
        }
        // News: the direction and the vie scolaire write, change and delete their own.
        "bernard" | "diallo" if rng.below(8) == 0 => news_act(rng, replica, &mark),
        // Her progressions: made, renamed, deleted, applied to a class as drafts.
        "martin" if rng.below(10) == 0 => progression_act(rng, replica, &mark),
        _ if rng.below(10) == 0 => match charter::to_accept(replica) {
            Ok(Some(latest)) => (
                "accept charter",
                charter::accept(replica, latest.number).map(drop),
            ),
            Ok(None) => ("no charter to accept", Ok(())),
            Err(e) => ("accept charter", Err(e)),
        },
        "martin" => {
            let sessions = ids(
                replica,
                "SELECT id FROM sessions WHERE teacher_id = 'usr-martin' AND date >= ?1 AND date <= ?2 ORDER BY date, start_time, id",
            );
            let homework = ids(
                replica,
                "SELECT id FROM homework WHERE teacher_id = 'usr-martin' AND given_on >= ?1 AND given_on <= ?2 ORDER BY given_on, id",
            );
            match rng.below(10) {
                0 | 1 => {
                    let occ = pick(rng, &lessons).unwrap();
                    let input = json!({"occurrence": occ, "title": mark, "content": format!("<p>{mark}</p>")});
                    (
                        "new séance",
                        logbook::save_session(replica, &object(input)).map(drop),
                    )
                }
                2..=4 if !sessions.is_empty() => {
                    let id = pick(rng, &sessions).unwrap();
                    let field = ["title", "content", "annotation"][rng.below(3)];
                    let value = if field == "content" {
                        format!("<p>{mark}</p>")
                    } else {
                        mark.clone()
                    };
                    let input = object(json!({"id": id, field: value}));
                    (
                        "edit séance",
                        logbook::save_session(replica, &input).map(drop),
                    )
                }
                5 if !sessions.is_empty() => {
                    let id = pick(rng, &sessions).unwrap();
                    let state = ["draft", "published"][rng.below(2)];
                    let input = object(json!({"id": id, "state": state}));
                    (
                        "publish séance",
                        logbook::save_session(replica, &input).map(drop),
                    )
                }
                6 if !sessions.is_empty() => {
                    let id = pick(rng, &sessions).unwrap();
                    let (_, s) = replica.get(EntityKind::Session, &id).unwrap().unwrap();
                    let input = object(
                        json!({"audience": s["audienceId"], "subject": s["subjectId"],
                        "givenOn": s["date"], "dueOn": TO, "description": mark, "sessionId": id}),
                    );
                    (
                        "new homework",
                        logbook::save_homework(replica, &input).map(drop),
                    )
                }
                7 if !homework.is_empty() => {
                    let id = pick(rng, &homework).unwrap();
                    let input = object(json!({"id": id, "description": mark}));
                    (
                        "edit homework",
                        logbook::save_homework(replica, &input).map(drop),
                    )
                }
                8 if !homework.is_empty() => {
                    let id = pick(rng, &homework).unwrap();
                    ("delete homework", logbook::delete_homework(replica, &id))
                }
                _ => {
                    let conflicts = views::conflict_records(replica).unwrap();
                    match conflicts.get(rng.below(conflicts.len().max(1))) {
                        Some(conflict) => {
                            let id = conflict["id"].as_str().unwrap().to_string();
                            let keep = [Keep::Mine, Keep::Theirs][rng.below(2)];
                            (
                                "resolve conflict",
                                logbook::resolve_conflict(replica, &id, keep),
                            )
                        }
                        None => ("nothing to resolve", Ok(())),
                    }
                }
            }
        }
        _ if rng.below(6) == 0 && CLIENTS[c].0 == "bernard" => {
            let occ = pick(rng, &lessons).unwrap();
            let (_, o) = replica
                .get(EntityKind::CourseOccurrence, &occ)
                .unwrap()
                .unwrap();
            let until = chrono::NaiveDate::parse_from_str(FROM, "%F").unwrap()
                + chrono::Duration::days(rng.below(8) as i64);
            let audience = o["audienceId"].as_str().unwrap().to_string();
            (
                "visa",
                logbook::sign_visa(replica, "martin", &audience, until, &mark).map(drop),
            )
        }
        _ => {
            let occ = pick(rng, &lessons).unwrap();
            (
                "cancel lesson",
                logbook::cancel_occurrence(replica, &occ, Some(&mark)).map(drop),
            )
        }
    };
    match result {
        Ok(()) => format!("{}: {what} ({mark})", CLIENTS[c].1),
        Err(e) => format!(
            "{}: {what} ({mark}) refused by the app: {}",
            CLIENTS[c].1,
            e.code()
        ),
    }
}

/// A progression action of the teacher: a new one, a change to or the deletion of one of
/// hers, or one applied to 2nde 3 (drafts on its next free lessons).
fn progression_act(
    rng: &mut Rng,
    replica: &mut Replica,
    mark: &str,
) -> (&'static str, ardoise_sync::Result<()>) {
    use ardoise_protocol::entities::ProgressionStep;
    use ardoise_sync::progression;
    let mine = progression::list(replica).unwrap();
    let steps = |n: usize| -> Vec<ProgressionStep> {
        (0..n)
            .map(|i| ProgressionStep {
                title: format!("{mark} étape {i}"),
                content: format!("<p>{mark}</p>"),
                homework: None,
            })
            .collect()
    };
    match rng.below(4) {
        0 if !mine.is_empty() => {
            let p = &mine[rng.below(mine.len())];
            let me = ardoise_sync::logbook::Me::load(replica).unwrap();
            (
                "edit progression",
                progression::save(
                    replica,
                    &me,
                    Some(&p.id),
                    &p.subject_id,
                    &p.level,
                    &format!("Progression {mark}"),
                    &steps(1 + rng.below(3)),
                )
                .map(drop),
            )
        }
        1 if !mine.is_empty() => {
            let id = mine[rng.below(mine.len())].id.clone();
            ("delete progression", progression::delete(replica, &id))
        }
        2 if !mine.is_empty() => {
            let id = mine[rng.below(mine.len())].id.clone();
            let from = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
                + chrono::Duration::days(rng.below(60) as i64);
            (
                "apply progression",
                progression::apply(replica, &id, "2nde 3", from, false).map(drop),
            )
        }
        _ => (
            "new progression",
            progression::create(
                replica,
                "HIGEO",
                "2nde",
                &format!("Progression {mark}"),
                &steps(2),
            )
            .map(drop),
        ),
    }
}

/// A news action of the direction or the vie scolaire: a new item (for the school, the
/// staff or 2nde 3), or a change to or the deletion of one of their own.
fn news_act(
    rng: &mut Rng,
    replica: &mut Replica,
    mark: &str,
) -> (&'static str, ardoise_sync::Result<()>) {
    use ardoise_protocol::entities::NewsAudience;
    let today = ardoise_protocol::calendar::paris_today(chrono::Utc::now());
    let until = (today + chrono::Duration::days(30)).to_string();
    let mine: Vec<String> = news::list(replica, today)
        .unwrap()
        .into_iter()
        .filter(|n| n.mine)
        .map(|n| n.id)
        .collect();
    let input = |id: Option<String>, audience, name: Option<&str>| news::NewsInput {
        id,
        title: format!("Actualité {mark}"),
        text: format!("Texte {mark}"),
        audience,
        audience_name: name.map(str::to_string),
        from: today.to_string(),
        until: until.clone(),
    };
    match rng.below(4) {
        0 if !mine.is_empty() => {
            let id = mine[rng.below(mine.len())].clone();
            (
                "edit news",
                news::save(replica, &input(Some(id), NewsAudience::School, None)).map(drop),
            )
        }
        1 if !mine.is_empty() => {
            let id = mine[rng.below(mine.len())].clone();
            ("delete news", news::delete(replica, &id))
        }
        n => {
            let (audience, name) = [
                (NewsAudience::School, None),
                (NewsAudience::Staff, None),
                (NewsAudience::Class, Some("2nde 3")),
            ][n % 3];
            (
                "new news",
                news::save(replica, &input(None, audience, name)).map(drop),
            )
        }
    }
}

/// Every record of a replica, as (kind, id) → (version, data).
fn replica_view(replica: &Replica) -> BTreeMap<(String, String), (i64, Data)> {
    let mut out = BTreeMap::new();
    for kind in EntityKind::ALL {
        let sql = format!("SELECT id FROM {}", spec(kind).table);
        let mut stmt = replica.sql().prepare(&sql).unwrap();
        let ids: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for id in ids {
            let (version, data) = replica.get(kind, &id).unwrap().unwrap();
            out.insert((kind.as_str().to_string(), id), (version, normal(data)));
        }
    }
    out
}

/// The records on which a replica and the server disagree. Both started from the template,
/// where they were equal: only records the server changed since (its feed after the
/// template's head, as the user sees it) and rows the replica changed (compared with its
/// template copy in SQL) can differ, and those are compared one by one.
fn diverging(sim: &Sim, replica: &Replica, device: &str, user_id: &str) -> Vec<String> {
    let p = sim.principal(user_id);
    let mut server: BTreeMap<(String, String), Option<(i64, Data)>> = BTreeMap::new();
    let mut since = template().head;
    loop {
        let page =
            rules::pull(&*sim.store as &dyn Store, &p, since, rules::MAX_PULL_LIMIT).unwrap();
        for r in page.changes {
            let value = (!r.deleted).then(|| (r.version, normal(r.data.unwrap_or_default())));
            server.insert((r.kind.as_str().to_string(), r.id), value);
        }
        if !page.has_more {
            break;
        }
        since = page.next_cursor;
    }
    let conn = replica.sql();
    let original = Profile::new(template().dir.path().join(device)).replica_path();
    // Immutable: other seeds copy the template at the same time; nothing may appear in it.
    let uri = format!("file:{}?immutable=1", original.display());
    let (key, _) = ardoise_sync::secrets::replica_key(original.parent().unwrap()).unwrap();
    conn.execute(
        "ATTACH DATABASE ?1 AS original KEY ?2",
        [uri, format!("x'{key}'")],
    )
    .unwrap();
    let mut touched = BTreeSet::new();
    for kind in EntityKind::ALL {
        let t = spec(kind).table;
        let sql = format!(
            "SELECT id FROM (SELECT * FROM main.{t} EXCEPT SELECT * FROM original.{t})
             UNION SELECT id FROM (SELECT * FROM original.{t} EXCEPT SELECT * FROM main.{t})"
        );
        let mut stmt = conn.prepare(&sql).unwrap();
        let ids = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
        for id in ids {
            touched.insert((kind.as_str().to_string(), id.unwrap()));
        }
    }
    conn.execute("DETACH DATABASE original", []).unwrap();
    touched.extend(server.keys().cloned());
    touched
        .into_iter()
        .filter_map(|key| {
            let kind = EntityKind::parse(&key.0).unwrap();
            let mine = replica
                .get(kind, &key.1)
                .unwrap()
                .map(|(v, d)| (v, normal(d)));
            match server.get(&key) {
                Some(theirs) => (theirs != &mine)
                    .then(|| format!("{key:?}: {}", field_diff(theirs.as_ref(), mine.as_ref()))),
                // The server did not change it since the template, the replica did.
                None => Some(format!("{key:?}: changed in the replica only")),
            }
        })
        .collect()
}

/// A record's data without absent values: the replica's columns hold `null` and `[]` for
/// what the server's JSON leaves out.
fn normal(mut data: Data) -> Data {
    data.retain(|_, v| !(v.is_null() || v.as_array().is_some_and(Vec::is_empty)));
    data
}

/// The fields of two versions of a record that differ.
fn field_diff(a: Option<&(i64, Data)>, b: Option<&(i64, Data)>) -> String {
    let (Some((va, a)), Some((vb, b))) = (a, b) else {
        return format!("server {:?} / replica {:?}", a.map(|r| r.0), b.map(|r| r.0));
    };
    let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let fields: Vec<String> = names
        .into_iter()
        .filter(|n| a.get(*n) != b.get(*n))
        .map(|n| format!("{n}: {:?} / {:?}", a.get(n), b.get(n)))
        .collect();
    format!("version {va} / {vb}; {}", fields.join(", "))
}

fn server_view(sim: &Sim, user_id: &str) -> BTreeMap<(String, String), (i64, Data)> {
    let p = sim.principal(user_id);
    rules::snapshot(&*sim.store as &dyn Store, &p)
        .unwrap()
        .records
        .into_iter()
        .map(|r| {
            let key = (r.kind.as_str().to_string(), r.id);
            (key, (r.version, normal(r.data.unwrap_or_default())))
        })
        .collect()
}

struct SeedResult {
    ops: usize,
    stats: Stats,
}

/// Runs one seed; `Err` holds the failure, with the script.
fn run(seed: u64) -> Result<SeedResult, String> {
    run_steps(seed, None)
}

/// Shrinks a failing seed: the shortest prefix of its script (the same choices, cut after
/// `n` steps, then healed and checked) that still fails, found by bisection. Returns the
/// number of steps and that run's failure.
fn shrink(seed: u64, failure: String) -> (usize, String) {
    let (mut fails, mut passes) = (usize::MAX, 0);
    let mut smallest = failure;
    // The full script is at most 90 steps.
    let mut hi = 90;
    while passes + 1 < hi {
        let mid = (passes + hi) / 2;
        match run_steps(seed, Some(mid)) {
            Err(f) => {
                (fails, hi, smallest) = (mid, mid, f);
            }
            Ok(_) => passes = mid,
        }
    }
    (fails, smallest)
}

/// Explains a failing seed: its replay command, and the shortest failing prefix.
fn report(seed: u64, failure: String) -> String {
    let (steps, smallest) = shrink(seed, failure.clone());
    let shrunk = if steps == usize::MAX {
        "(no shorter prefix fails)".to_string()
    } else {
        format!("shrunk to its first {steps} step(s):\n{smallest}")
    };
    format!(
        "replay: ARDOISE_SEED={seed} cargo test -p ardoise-sync --test convergence\n{failure}\n\n{shrunk}"
    )
}

fn run_steps(seed: u64, limit: Option<usize>) -> Result<SeedResult, String> {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(template().dir.path(), dir.path());
    let sim = new_sim(&dir.path().join("server"), seed);
    let mut engines: Vec<SyncEngine> = CLIENTS
        .iter()
        .map(|(login, device)| {
            let profile = Profile::new(dir.path().join(device));
            let replica = Replica::open(&profile.replica_path()).unwrap();
            SyncEngine::new(profile, replica, Box::new(connector(&sim, login, device)))
        })
        .collect();
    let mut rng = Rng(seed ^ 0x5EED);
    // Every op any device queued, and by whom.
    let mut made: HashMap<String, usize> = HashMap::new();
    let note = |engines: &[SyncEngine], made: &mut HashMap<String, usize>| {
        for (c, e) in engines.iter().enumerate() {
            for id in outbox(e.replica()) {
                made.entry(id).or_insert(c);
            }
        }
    };
    sim.lock().unwrap().faulty = true;
    let steps = (30 + rng.below(60)).min(limit.unwrap_or(usize::MAX));
    for n in 0..steps {
        let c = rng.below(CLIENTS.len());
        let mark = sim.lock().unwrap().log.len();
        let line = match rng.below(100) {
            0..=54 => act(&mut rng, &mut engines[c], c, n),
            55..=89 => match engines[c].sync_once() {
                Ok(r) => format!(
                    "{}: sync pushed={} conflicts={} pulled={}",
                    CLIENTS[c].1, r.pushed, r.conflicts, r.pulled
                ),
                Err(SyncError::Offline(_)) => format!("{}: sync, offline", CLIENTS[c].1),
                Err(e) => {
                    let mut s = sim.lock().unwrap();
                    s.violations.push(format!("sync failed: {e}"));
                    format!("{}: sync failed: {e}", CLIENTS[c].1)
                }
            },
            90..=96 => {
                let mut s = sim.lock().unwrap();
                let device = CLIENTS[c].1.to_string();
                if !s.partitioned.remove(&device) {
                    s.partitioned.insert(device);
                    format!("{}: goes offline", CLIENTS[c].1)
                } else {
                    format!("{}: back online", CLIENTS[c].1)
                }
            }
            _ => {
                sim.lock().unwrap().restart();
                "server restart".into()
            }
        };
        note(&engines, &mut made);
        sim.lock().unwrap().log.insert(mark, line);
    }
    // Heal: faults off, everyone online, late requests arrive, then everyone syncs.
    {
        let mut s = sim.lock().unwrap();
        s.faulty = false;
        s.partitioned.clear();
        for (user, req) in std::mem::take(&mut s.late) {
            s.deliver(&user, &req);
        }
        s.log.push("-- healed".into());
    }
    let mut drained = false;
    for _round in 0..4 {
        let mut quiet = true;
        for (c, e) in engines.iter_mut().enumerate() {
            match e.sync_once() {
                Ok(r) => quiet &= r.pushed + r.conflicts + r.rejected.len() + r.pulled == 0,
                Err(err) => {
                    sim.lock().unwrap().violations.push(format!(
                        "liveness: {} sync failed after healing: {err}",
                        CLIENTS[c].1
                    ));
                    quiet = false;
                }
            }
        }
        if quiet
            && engines
                .iter()
                .all(|e| e.replica().pending_count().unwrap() == 0)
        {
            drained = true;
            break;
        }
    }
    let mut s = sim.lock().unwrap();
    if !drained {
        s.violations
            .push("liveness: queues not drained after 4 rounds of syncs".into());
    }
    // No loss: every op queued anywhere reached the server; refused ones are shown.
    for (op_id, &c) in &made {
        let id: Uuid = op_id.parse().unwrap();
        match s.answers.get(&id) {
            None => s.violations.push(format!(
                "lost: op {op_id} of {} never reached the server",
                CLIENTS[c].1
            )),
            Some(r) if r.outcome == Outcome::Rejected => {
                let quarantined = engines[c].replica().quarantined().unwrap();
                let shown = quarantined.iter().find(|q| &q.op_id == op_id);
                // "Not found" tells a user nothing about a record they can see: an edit
                // of a record whose creation was refused shows the creation's reason.
                if shown.is_some_and(|q| q.error_code == "record.not_found") {
                    s.violations.push(format!(
                        "op {op_id} shown on {} as refused for \"not found\", not for its creation's reason",
                        CLIENTS[c].1
                    ));
                }
                if shown.is_none() {
                    s.violations.push(format!(
                        "lost: op {op_id} refused but not shown on {}",
                        CLIENTS[c].1
                    ));
                }
            }
            Some(_) => {}
        }
    }
    // Convergence.
    for (c, e) in engines.iter().enumerate() {
        let (login, device) = CLIENTS[c];
        let diff = diverging(&s, e.replica(), device, &format!("usr-{login}"));
        if !diff.is_empty() {
            let first: Vec<&str> = diff.iter().take(5).map(String::as_str).collect();
            s.violations.push(format!(
                "convergence: {device} differs from the server on {} record(s): {}",
                diff.len(),
                first.join("; ")
            ));
        }
    }
    if s.violations.is_empty() {
        Ok(SeedResult {
            ops: made.len(),
            stats: std::mem::take(&mut s.stats),
        })
    } else {
        Err(format!(
            "{}\nscript:\n{}",
            s.violations.join("\n"),
            s.log.join("\n")
        ))
    }
}

fn outbox(replica: &Replica) -> Vec<String> {
    let mut stmt = replica
        .sql()
        .prepare_cached("SELECT op_id FROM outbox")
        .unwrap();
    let rows = stmt.query_map([], |r| r.get(0)).unwrap();
    rows.map(Result::unwrap).collect()
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|s| s.parse().ok())
}

#[test]
fn replicas_converge_and_nothing_is_lost_or_duplicated() {
    let started = Instant::now();
    let (first, count) = match env_u64("ARDOISE_SEED") {
        Some(seed) => (seed, 1),
        None => {
            let first = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_secs());
            (first * 100_000, env_u64("ARDOISE_SEEDS").unwrap_or(200))
        }
    };
    template();
    // Two workers (the machine's two cores), each its own seeds; a seed's run does not
    // depend on which worker runs it.
    let results: Vec<(u64, Result<SeedResult, String>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|w| {
                scope.spawn(move || {
                    (first + w..first + count)
                        .step_by(2)
                        .map(|seed| (seed, run(seed)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let mut total = Stats::default();
    let mut ops = 0;
    let mut failures: Vec<(u64, String)> = Vec::new();
    for (seed, result) in results {
        match result {
            Ok(o) => {
                ops += o.ops;
                total.applied += o.stats.applied;
                total.conflicts += o.stats.conflicts;
                total.rejected += o.stats.rejected;
                total.redelivered += o.stats.redelivered;
                total.restarts += o.stats.restarts;
                for (kind, n) in o.stats.by_kind {
                    *total.by_kind.entry(kind).or_default() += n;
                }
            }
            Err(failure) => failures.push((seed, failure)),
        }
    }
    if let Some((seed, failure)) = failures.iter().min_by_key(|f| f.0) {
        let all: Vec<String> = failures.iter().map(|f| f.0.to_string()).collect();
        panic!(
            "convergence: {} seed(s) failed: {}\nfirst: {}",
            failures.len(),
            all.join(" "),
            report(*seed, failure.clone())
        );
    }
    // Past the harness's capture, so the figures show in `make test`.
    let (backend, caps) = BACKEND;
    let yes = |b: bool| if b { "yes" } else { "no" };
    writeln!(
        std::io::stderr(),
        "conformance: backend={backend} seeds={count} lost=0 duplicated=0 change_feed={} server_merge={} safe_retries={} resumable_files={}",
        yes(caps.change_feed),
        yes(caps.server_merge),
        yes(caps.safe_retries),
        yes(caps.resumable_files)
    )
    .unwrap();
    writeln!(
        std::io::stderr(),
        "convergence: seeds={count} ops={ops} lost=0 duplicated=0 applied={} conflicts={} rejected={} redelivered={} restarts={} kinds={} first_seed={first} secs={:.1}",
        total.applied,
        total.conflicts,
        total.rejected,
        total.redelivered,
        total.restarts,
        total
            .by_kind
            .iter()
            .map(|(k, n)| format!("{k}:{n}"))
            .collect::<Vec<_>>()
            .join(","),
        started.elapsed().as_secs_f64()
    )
    .unwrap();
}

/// Seeds that once failed, replayed on every run.
#[test]
fn regression_seeds_stay_green() {
    for seed in REGRESSIONS {
        if let Err(failure) = run(*seed) {
            panic!(
                "convergence: regression seed {seed} failed again\n{}",
                report(*seed, failure)
            );
        }
    }
}

const REGRESSIONS: &[u64] = &[
    // Homework created offline, then edited, on a date the direction signed off before
    // the device came back: the edit was refused as "not found" instead of with the visa.
    // (Found again with these seeds when the fix is taken out; shrunk to 41 steps.)
    179592526700055,
    179592526700142,
];
