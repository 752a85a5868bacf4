//! `ardoise-bench` (`make bench`): how Ardoise copes with a large lycée, measured against
//! the real `ardoise-server` on loopback, with release builds.
//!
//! For each school size it starts a server seeded with that school, then measures:
//! - **bootstrap**: a new replica's first sync (streamed snapshot, checks, sanitising, SQLCipher
//!   inserts), against a raw rusqlite bulk insert of the same rows (prepared statements,
//!   one transaction, same encrypted schema) — the limit;
//! - **no-change sync**: bytes on the wire (counted by a proxy) and time;
//! - **push of 1,000 offline edits**, and the client-side apply of one pulled change;
//! - **views**: a teacher's week and every class's day, p50 and p99 over many runs;
//! - **peak RSS** of a client process doing a first sync;
//! - **Open ENT NG**: against the fake Open ENT NG, a teacher's full year (eighteen
//!   lessons a week, a séance for every lesson already taught, homework for a third of
//!   them): the first sync's time, a no-change sync's requests and answer bytes (the
//!   near window read at every sync), and apart the hourly wide read and the whole-year
//!   read made twice a day. `--open-ent-only` measures this alone.
//!
//! It prints a table, then, as its last line, one JSON object with the figures issue 6
//! names (at the largest size; `nochange_ratio` compares the largest with the smallest).
//!
//! - **STS-Web import**: a generated lycée's pair (2,000+ weekly lessons, ISO-8859-15)
//!   imported by `ardoise-server import sts` into an empty store at the start of the year
//!   (every week of the year: the most lessons), then imported again (nothing changes).
//!   `--sts-only` measures this alone; `--sts-write DIR` writes the pair and stops.
//!
//! `ardoise-bench [--sizes 3,large]`: sizes as `ardoise-server --size` takes them.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use ardoise_protocol::{EntityKind, PullResponse, Record, SnapshotResponse};
use ardoise_sync::docs::Cache;
use ardoise_sync::spec::spec;
use ardoise_sync::views::{self, Who};
use ardoise_sync::{logbook, Connector, HttpConnector, Profile, Replica, SyncEngine};
use ardoise_testkit::Proxy;
use chrono::NaiveDate;
use serde_json::{json, Value};

type Error = Box<dyn std::error::Error>;

/// A server process on loopback, stopped on drop.
struct Server {
    child: Child,
    url: String,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sibling(name: &str) -> Result<PathBuf, Error> {
    let exe = std::env::current_exe()?;
    let path = exe.with_file_name(name);
    if !path.exists() {
        return Err(format!(
            "{} is missing: build it with --release first",
            path.display()
        )
        .into());
    }
    Ok(path)
}

fn start_server(dir: &Path, size: &str) -> Result<Server, Error> {
    let mut child = Command::new(sibling("ardoise-server")?)
        .args(["--data"])
        .arg(dir)
        .args(["--listen", "127.0.0.1:0", "--demo", "--size", size])
        .env("ARDOISE_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().ok_or("no stdout")?).read_line(&mut line)?;
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .ok_or_else(|| format!("unexpected first line: {line:?}"))?
        .to_string();
    let port = url.rsplit(':').next().unwrap_or("0").parse()?;
    Ok(Server { child, url, port })
}

/// A logged-in engine on a new profile.
fn engine(dir: &Path, url: &str, login: &str) -> Result<SyncEngine, Error> {
    let profile = Profile::new(dir);
    let connector = HttpConnector::new(url)?;
    ardoise_sync::login(
        &profile,
        url,
        &connector,
        login,
        ardoise_fixtures::DEMO_PASSWORD,
    )?;
    let replica = Replica::open(&profile.replica_path())?;
    Ok(SyncEngine::new(profile, replica, Box::new(connector)))
}

/// p-th percentile (0–100) of durations, in milliseconds.
fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    let i = ((samples.len() - 1) as f64 * p / 100.0).round() as usize;
    samples[i].as_secs_f64() * 1000.0
}

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed())
}

/// The same rows, inserted raw: prepared statements (one per kind, written once), one
/// transaction, no checks.
fn raw_insert(path: &Path, records: &[Record]) -> Result<Duration, Error> {
    let replica = Replica::open(path)?;
    let conn = replica.sql();
    let mut sql: std::collections::HashMap<EntityKind, String> = Default::default();
    for r in records {
        sql.entry(r.kind).or_insert_with(|| {
            let s = spec(r.kind);
            let cols: Vec<&str> = s.cols.iter().map(|c| c.1).collect();
            let params: Vec<String> = (1..=cols.len() + 2).map(|i| format!("?{i}")).collect();
            format!(
                "INSERT INTO {} (id, version, {}) VALUES ({})",
                s.table,
                cols.join(", "),
                params.join(", ")
            )
        });
    }
    let (result, elapsed) = time(|| -> Result<(), Error> {
        let tx = conn.unchecked_transaction()?;
        for r in records {
            let mut stmt = tx.prepare_cached(&sql[&r.kind])?;
            let mut values: Vec<rusqlite::types::Value> =
                vec![r.id.clone().into(), r.version.into()];
            values.extend(spec(r.kind).values(r.data.as_ref().ok_or("live record without data")?));
            stmt.execute(rusqlite::params_from_iter(values))?;
        }
        tx.commit()?;
        Ok(())
    });
    result?;
    Ok(elapsed)
}

fn peak_rss_of_first_sync(dir: &Path, url: &str, login: &str) -> Result<f64, Error> {
    let ardoise = sibling("ardoise")?;
    let run = |args: &[&str], rss: bool| -> Result<std::process::Output, Error> {
        let mut cmd = Command::new(&ardoise);
        cmd.arg("--profile").arg(dir).args(args);
        cmd.env("ARDOISE_PASSWORD", ardoise_fixtures::DEMO_PASSWORD);
        if rss {
            cmd.env("ARDOISE_REPORT_PEAK_RSS", "1");
        }
        let out = cmd.output()?;
        if !out.status.success() {
            return Err(
                format!("ardoise {args:?}: {}", String::from_utf8_lossy(&out.stderr)).into(),
            );
        }
        Ok(out)
    };
    run(&["login", "--server", url, "--user", login], false)?;
    let out = run(&["sync"], true)?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mb = stderr
        .lines()
        .find_map(|l| l.strip_prefix("peak_rss_mb="))
        .ok_or("no peak_rss_mb line")?
        .trim()
        .parse()?;
    Ok(mb)
}

/// Devices catching up at once in [`morning`].
const MORNING_CLIENTS: usize = 32;

/// [`MORNING_CLIENTS`] threads, each its own connection, each pulling the changes after
/// `since` four times, all started together: the time of each pull, and how many changes
/// a pull brought.
fn morning(url: &str, token: &str, since: i64) -> Result<(Vec<Duration>, usize), Error> {
    let start = std::sync::Barrier::new(MORNING_CLIENTS);
    std::thread::scope(|scope| {
        let devices: Vec<_> = (0..MORNING_CLIENTS)
            .map(|_| {
                scope.spawn(|| -> Result<Vec<(Duration, usize)>, String> {
                    let http = HttpConnector::new(url).map_err(|e| e.to_string())?;
                    start.wait();
                    (0..4)
                        .map(|_| {
                            let (page, took) =
                                time(|| http.pull(token, since, ardoise_sync::engine::PULL_PAGE));
                            let page = page.map_err(|e| e.to_string())?;
                            if page.changes.is_empty() {
                                return Err("nothing to catch up on".to_string());
                            }
                            Ok((took, page.changes.len()))
                        })
                        .collect()
                })
            })
            .collect();
        let (mut times, mut changes) = (Vec::new(), 0);
        for d in devices {
            for (took, n) in d.join().map_err(|_| "a device panicked")?? {
                times.push(took);
                changes = n;
            }
        }
        Ok((times, changes))
    })
}

/// Everything measured at one size.
#[derive(Default, Debug)]
struct Figures {
    size: String,
    records: usize,
    bootstrap_s: f64,
    fetch_s: f64,
    check_s: f64,
    raw_insert_s: f64,
    nochange_bytes: u64,
    nochange_ms: f64,
    nochange_docs_ms: f64,
    push_1k_ms: f64,
    pull1_apply_ms: f64,
    pull1_apply_p99_ms: f64,
    week_p50_ms: f64,
    week_p99_ms: f64,
    day_all_p50_ms: f64,
    day_all_p99_ms: f64,
    bootstrap_peak_rss_mb: f64,
    morning_changes: usize,
    morning_pull_p50_ms: f64,
    morning_pull_p99_ms: f64,
    morning_pulls_per_s: f64,
    indicators_ms: f64,
    indicators_ops: usize,
}

fn measure(size: &str, root: &Path) -> Result<Figures, Error> {
    let mut f = Figures {
        size: size.to_string(),
        ..Figures::default()
    };
    let dir = root.join(format!("size-{size}"));
    eprintln!("[{size}] seeding the server…");
    let server = start_server(&dir.join("server"), size)?;

    // Bootstrap of the vie scolaire (the whole timetable and the published logbook).
    eprintln!("[{size}] first sync of a new replica…");
    let mut office = engine(&dir.join("diallo"), &server.url, "diallo")?;
    let (report, took) = time(|| office.sync_once());
    f.records = report.map_err(|e| format!("first sync: {e}"))?.pulled;
    f.bootstrap_s = took.as_secs_f64();

    // The same rows, raw.
    let token = office.replica().tokens()?.access_token;
    // The whole stream read (server, wire, gzip, JSON), nothing written.
    let (snapshot, took) = time(|| -> Result<SnapshotResponse, Error> {
        let snap = HttpConnector::new(&server.url)?.snapshot(&token)?;
        let seq = snap.seq;
        let records = snap.records.collect::<Result<Vec<_>, _>>()?;
        Ok(SnapshotResponse { seq, records })
    });
    let snapshot = snapshot?;
    f.fetch_s = took.as_secs_f64();
    // Where a bootstrap's time goes: the stream read alone (server, wire, gzip, JSON)
    // above, the checks and sanitising alone (one thread) here, and the writing, which
    // costs about the raw insert below. A bootstrap reads and checks on one thread while
    // it writes on another.
    let unchecked: Vec<Record> = snapshot
        .records
        .into_iter()
        .filter(|r| !r.deleted)
        .collect();
    let (records, took) = time(|| {
        unchecked
            .into_iter()
            .map(ardoise_protocol::check_record)
            .collect::<Result<Vec<Record>, _>>()
    });
    // As the replica stores them (defaults filled in).
    let records = records?;
    f.check_s = took.as_secs_f64();
    // In the order the replica writes them, so both pay the same page layout.
    let mut records = records;
    ardoise_protocol::snapshot_order(&mut records);
    f.raw_insert_s = raw_insert(&dir.join("raw").join("replica.sqlite3"), &records)
        .map_err(|e| format!("raw insert: {e}"))?
        .as_secs_f64();

    // No-change sync: bytes through a counting proxy, time direct.
    let proxy = Proxy::start(server.port);
    {
        let profile = Profile::new(dir.join("diallo"));
        let replica = Replica::open(&profile.replica_path())?;
        let mut via_proxy = SyncEngine::new(
            profile,
            replica,
            Box::new(HttpConnector::new(&proxy.url())?),
        );
        via_proxy.sync_once()?; // warm: connection open
        proxy.bytes_up.store(0, Ordering::SeqCst);
        proxy.bytes_down.store(0, Ordering::SeqCst);
        via_proxy.sync_once()?;
        f.nochange_bytes =
            proxy.bytes_up.load(Ordering::SeqCst) + proxy.bytes_down.load(Ordering::SeqCst);
    }
    // A millisecond each: many samples, after a few to settle, so the median is steady.
    let mut samples = Vec::new();
    for i in 0..210 {
        let (r, took) = time(|| office.sync_once());
        r?;
        if i >= 10 {
            samples.push(took);
        }
    }
    f.nochange_ms = percentile(&mut samples, 50.0);
    // The same with the espace documentaire, as the app syncs: records, then the transfer
    // queue (documents pinned or attached to a lesson that the cache lacks).
    let cache = Cache::new(Profile::new(dir.join("diallo")).cache_dir());
    office.sync_with_documents(&cache)?; // the attached documents come down once
    let mut samples = Vec::new();
    for i in 0..60 {
        let (r, took) = time(|| office.sync_with_documents(&cache));
        r?;
        if i >= 10 {
            samples.push(took);
        }
    }
    f.nochange_docs_ms = percentile(&mut samples, 50.0);

    // One pulled change applied into the big replica.
    let occurrence = records
        .iter()
        .find(|r| r.kind == EntityKind::CourseOccurrence)
        .ok_or("no occurrence")?
        .clone();
    let mut samples = Vec::new();
    for i in 0..50 {
        let replica = office.replica_mut();
        let cursor = replica.cursor()?;
        let mut rec = occurrence.clone();
        rec.version += i + 1;
        rec.change_seq = cursor + 1;
        if let Some(d) = rec.data.as_mut() {
            d.insert("note".into(), json!(format!("note {i}")));
        }
        let page = PullResponse {
            changes: vec![rec],
            next_cursor: cursor + 1,
            has_more: false,
        };
        let (r, took) = time(|| replica.apply_pull(page));
        r?;
        samples.push(took);
    }
    f.pull1_apply_ms = percentile(&mut samples, 50.0);
    f.pull1_apply_p99_ms = percentile(&mut samples, 99.0);

    // Every class's day, the vie scolaire view, over many days.
    let first_day = NaiveDate::from_ymd_opt(2026, 9, 7).ok_or("date")?;
    let mut samples = Vec::new();
    for d in 0..200 {
        let day = first_day + chrono::Duration::days(d % 180);
        let (r, took) = time(|| views::timetable(office.replica(), &Who::Everyone, day, 1));
        r?;
        samples.push(took);
    }
    f.day_all_p50_ms = percentile(&mut samples, 50.0);
    f.day_all_p99_ms = percentile(&mut samples, 99.0);

    // A teacher: the week (lessons and séances), then 1,000 edits made offline, pushed.
    eprintln!("[{size}] a teacher's week and 1,000 offline edits…");
    let mut teacher = engine(&dir.join("martin"), &server.url, "martin")?;
    teacher.sync_once()?;
    let me = teacher.replica().user_id()?;
    let user = Profile::new(dir.join("martin")).info()?.user;
    let mut samples = Vec::new();
    for w in 0..200 {
        let monday = first_day + chrono::Duration::weeks(w % 30);
        // The app's week view: lessons, séances written, homework counts, semaine A/B.
        let (r, took) = time(|| views::week(teacher.replica(), &user, monday));
        r?;
        samples.push(took);
    }
    f.week_p50_ms = percentile(&mut samples, 50.0);
    f.week_p99_ms = percentile(&mut samples, 99.0);
    let sessions: Vec<String> = {
        let conn = teacher.replica().sql();
        let mut stmt =
            conn.prepare("SELECT id FROM sessions WHERE teacher_id = ?1 ORDER BY date")?;
        let rows = stmt.query_map([&me], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    if sessions.is_empty() {
        return Err("martin has no séance".into());
    }
    for n in 0..1000 {
        let id = &sessions[n % sessions.len()];
        let input = json!({"id": id, "title": format!("Revu hors ligne {n}")});
        let Value::Object(input) = input else {
            unreachable!("object literal")
        };
        // Séances under a visa are refused by the app, as they would be for the teacher.
        let _ = logbook::save_session(teacher.replica_mut(), &input);
    }
    let queued = teacher.replica().pending_count()?;
    let before_push = teacher.replica().cursor()?;
    let (r, took) = time(|| teacher.sync_once());
    let pushed = r?.pushed;
    f.push_1k_ms = took.as_secs_f64() * 1000.0 * 1000.0 / (queued.max(1) as f64);
    eprintln!(
        "[{size}] pushed {pushed} of {queued} queued edits in {:.0} ms",
        took.as_secs_f64() * 1000.0
    );

    // The morning after an outage: many devices ask for what changed, at once.
    eprintln!("[{size}] {MORNING_CLIENTS} devices catching up at once…");
    let (samples, took) = time(|| morning(&server.url, &token, before_push));
    let (mut samples, changes) = samples?;
    f.morning_changes = changes;
    f.morning_pull_p50_ms = percentile(&mut samples, 50.0);
    f.morning_pull_p99_ms = percentile(&mut samples, 99.0);
    f.morning_pulls_per_s = samples.len() as f64 / took.as_secs_f64();

    // The direction's indicators over the school year so far, after those edits.
    eprintln!("[{size}] the direction's indicators over the year…");
    let mut direction = engine(&dir.join("bernard"), &server.url, "bernard")?;
    let today = ardoise_protocol::calendar::paris_today(chrono::Utc::now());
    let year_start = NaiveDate::from_ymd_opt(2026, 9, 1).ok_or("date")?;
    let from = year_start.min(today);
    let (ind, took) = time(|| direction.indicators(from, today.max(year_start)));
    let ind = ind.map_err(|e| format!("indicators: {e}"))?;
    f.indicators_ms = took.as_secs_f64() * 1000.0;
    f.indicators_ops = ind.teachers.iter().map(|t| t.edits as usize).sum();
    eprintln!(
        "[{size}] indicators: {} classes, {} teachers, {} edits counted in {:.0} ms",
        ind.classes.len(),
        ind.teachers.len(),
        f.indicators_ops,
        f.indicators_ms
    );

    eprintln!("[{size}] peak memory of a first sync (client process)…");
    f.bootstrap_peak_rss_mb = peak_rss_of_first_sync(&dir.join("rss"), &server.url, "diallo")?;
    drop(server);
    Ok(f)
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let sizes: Vec<String> = args
        .iter()
        .position(|a| a == "--sizes")
        .and_then(|i| args.get(i + 1))
        .map_or("3,large", String::as_str)
        .split(',')
        .map(str::to_string)
        .collect();
    let root = tempfile::tempdir()?;
    if args.iter().any(|a| a == "--open-ent-only") {
        println!("{}", open_ent(root.path())?);
        return Ok(());
    }
    if let Some(dir) = args
        .iter()
        .position(|a| a == "--sts-write")
        .and_then(|i| args.get(i + 1))
    {
        // The generated pair alone, to try the import by hand.
        let pair =
            ardoise_fixtures::sts::lycee(75, NaiveDate::from_ymd_opt(2026, 9, 1).ok_or("date")?);
        std::fs::create_dir_all(dir)?;
        std::fs::write(Path::new(dir).join("sts_emp_lycee.xml"), &pair.reference)?;
        std::fs::write(Path::new(dir).join("emp_lycee.xml"), &pair.timetable)?;
        return Ok(());
    }
    if args.iter().any(|a| a == "--sts-only") {
        println!("{}", sts_import(root.path())?);
        return Ok(());
    }
    let mut all = Vec::new();
    for size in &sizes {
        all.push(measure(size, root.path())?);
    }
    println!(
        "| size | records | bootstrap s (read alone; checks alone) | raw insert s | ratio | no-change B | no-change ms (with documents) | push 1k ms | apply 1 ms (p99) | week ms p50/p99 | day, all classes ms p50/p99 | first sync peak MB | 32 devices catching up: changes, pull ms p50/p99, pulls/s |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for f in &all {
        println!(
            "| {} | {} | {:.2} ({:.2}; {:.2}) | {:.3} | {:.1} | {} | {:.1} ({:.1}) | {:.0} | {:.2} ({:.2}) | {:.2} / {:.2} | {:.2} / {:.2} | {:.0} | {}, {:.1} / {:.1}, {:.0} |",
            f.size,
            f.records,
            f.bootstrap_s,
            f.fetch_s,
            f.check_s,
            f.raw_insert_s,
            f.bootstrap_s / f.raw_insert_s,
            f.nochange_bytes,
            f.nochange_ms,
            f.nochange_docs_ms,
            f.push_1k_ms,
            f.pull1_apply_ms,
            f.pull1_apply_p99_ms,
            f.week_p50_ms,
            f.week_p99_ms,
            f.day_all_p50_ms,
            f.day_all_p99_ms,
            f.bootstrap_peak_rss_mb,
            f.morning_changes,
            f.morning_pull_p50_ms,
            f.morning_pull_p99_ms,
            f.morning_pulls_per_s
        );
    }
    let oe = open_ent(root.path())?;
    println!("{oe}");
    let sts = sts_import(root.path())?;
    println!("{sts}");
    let big = all.last().ok_or("no size")?;
    let small = all.first().ok_or("no size")?;
    let summary = json!({
        "size": big.size,
        "records": big.records,
        "bootstrap_s": round(big.bootstrap_s, 3),
        "raw_insert_s": round(big.raw_insert_s, 3),
        "bootstrap_ratio": round(big.bootstrap_s / big.raw_insert_s, 2),
        "nochange_bytes": big.nochange_bytes,
        "nochange_ratio": round(big.nochange_ms / small.nochange_ms, 2),
        "nochange_docs_ratio": round(big.nochange_docs_ms / small.nochange_docs_ms, 2),
        "push_1k_ms": round(big.push_1k_ms, 1),
        "pull1_apply_ms": round(big.pull1_apply_ms, 3),
        "week_p99_ms": round(big.week_p99_ms, 3),
        "day_all_p99_ms": round(big.day_all_p99_ms, 3),
        "bootstrap_peak_rss_mb": round(big.bootstrap_peak_rss_mb, 1),
        "morning_pull_p99_ms": round(big.morning_pull_p99_ms, 1),
        "morning_pulls_per_s": round(big.morning_pulls_per_s, 0),
        "indicators_year_ms": round(big.indicators_ms, 0),
        "open_ent_records": oe.records,
        "open_ent_first_sync_s": round(oe.first_sync_s, 3),
        "open_ent_nochange_requests": oe.nochange_requests,
        "open_ent_nochange_bytes": oe.nochange_bytes,
        "open_ent_wide_read_requests": oe.wide_requests,
        "open_ent_wide_read_bytes": oe.wide_bytes,
        "open_ent_full_poll_requests": oe.full_requests,
        "open_ent_full_poll_bytes": oe.full_bytes,
        "sts_weekly_lessons": sts.weekly_lessons,
        "sts_lessons": sts.dated_lessons,
        "sts_import_s": round(sts.import_s, 3),
        "sts_reimport_s": round(sts.reimport_s, 3),
    });
    println!("{summary}");
    Ok(())
}

/// What importing a large lycée's STS-Web pair costs.
struct StsImport {
    weekly_lessons: usize,
    dated_lessons: u64,
    import_s: f64,
    reimport_s: f64,
}

impl std::fmt::Display for StsImport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "STS-Web import: {} weekly lessons, {} dated lessons: {:.2} s; the same pair again: {:.2} s",
            self.weekly_lessons, self.dated_lessons, self.import_s, self.reimport_s
        )
    }
}

/// Imports a generated lycée's pair twice with the real `ardoise-server import sts`
/// (the process's whole run: start, read, plan, write, commit).
fn sts_import(root: &Path) -> Result<StsImport, Error> {
    eprintln!("STS-Web import of a large lycée…");
    let start = NaiveDate::from_ymd_opt(2026, 9, 1).ok_or("date")?;
    let pair = ardoise_fixtures::sts::lycee(75, start);
    let dir = root.join("sts");
    std::fs::create_dir_all(&dir)?;
    let (reference, timetable) = (dir.join("sts_emp.xml"), dir.join("emp.xml"));
    std::fs::write(&reference, &pair.reference)?;
    std::fs::write(&timetable, &pair.timetable)?;
    let run = || -> Result<(f64, Value), Error> {
        let begun = Instant::now();
        let out = Command::new(sibling("ardoise-server")?)
            .arg("--data")
            .arg(dir.join("server"))
            .args(["import", "sts", "--json", "--today", "2026-08-31"])
            .arg(&reference)
            .arg(&timetable)
            .output()?;
        let secs = begun.elapsed().as_secs_f64();
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned().into());
        }
        Ok((secs, serde_json::from_slice(&out.stdout)?))
    };
    let (import_s, first) = run()?;
    let (reimport_s, second) = run()?;
    let lessons = &second["counts"]["lessons"];
    if lessons["created"] != 0 || lessons["changed"] != 0 || lessons["removed"] != 0 {
        return Err(format!("the same pair again changed lessons: {lessons}").into());
    }
    Ok(StsImport {
        weekly_lessons: pair.lessons,
        dated_lessons: first["counts"]["lessons"]["created"].as_u64().unwrap_or(0),
        import_s,
        reimport_s,
    })
}

/// What the Open ENT NG backend costs.
struct OpenEnt {
    records: i64,
    first_sync_s: f64,
    nochange_requests: usize,
    nochange_bytes: usize,
    wide_requests: usize,
    wide_bytes: usize,
    full_requests: usize,
    full_bytes: usize,
}

impl std::fmt::Display for OpenEnt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Open ENT NG, a teacher's full year ({} records): first sync {:.2} s; \
             no-change sync {} requests, {} B; hourly wide read {} requests, {} B; \
             twice-daily whole-year read {} requests, {} B",
            self.records,
            self.first_sync_s,
            self.nochange_requests,
            self.nochange_bytes,
            self.wide_requests,
            self.wide_bytes,
            self.full_requests,
            self.full_bytes
        )
    }
}

fn open_ent(root: &Path) -> Result<OpenEnt, Error> {
    use ardoise_sync::open_ent::{Client, OpenEntConnector};
    use ardoise_testkit::open_ent::{Ent, FakeEnt, CLIENT_ID, CLIENT_SECRET, PASSWORD};
    let today = chrono::Utc::now().date_naive();
    let mut school = Ent::school(today, 18);
    // A séance for every lesson already taught, homework for one in three.
    let taught: Vec<Value> = school
        .courses
        .iter()
        .filter(|c| {
            c["startDate"]
                .as_str()
                .is_some_and(|d| d < today.to_string().as_str())
        })
        .cloned()
        .collect();
    for (n, c) in taught.iter().enumerate() {
        let day = &c["startDate"].as_str().unwrap_or_default()[..10];
        let audience = match c["classes"][0].as_str().or(c["groups"][0].as_str()) {
            Some("2NDE 3") => "c-2nde3",
            Some("1ERE 2") => "c-1ere2",
            _ => "g-2nde3-g1",
        };
        let id = school.browser_create_session(
            "u-claire",
            json!({"subject_id": c["subjectId"], "structure_id": "st-0750000A", "audience_id": audience,
                   "title": format!("Séance {n}"), "room": "B204", "color": "#2e86de", "date": day,
                   "start_time": &c["startDate"].as_str().unwrap_or_default()[11..],
                   "end_time": &c["endDate"].as_str().unwrap_or_default()[11..],
                   "description": format!("<p>Ce que nous avons fait, séance {n} : lecture, analyse, exercices.</p>"),
                   "annotation": "", "is_published": true, "course_id": c["_id"], "type_id": 1, "is_empty": false}),
        );
        if n % 3 == 0 {
            let due = NaiveDate::parse_from_str(day, "%Y-%m-%d")? + chrono::Duration::days(7);
            school.homeworks.insert(
                id,
                json!({"id": id, "subject_id": c["subjectId"], "structure_id": "st-0750000A",
                       "teacher_id": "u-claire", "owner_id": "u-claire", "audience_id": audience,
                       "due_date": due.to_string(), "session_id": id, "description": "<p>Exercices</p>",
                       "color": "#2e86de", "is_published": true, "type_id": 1, "estimatedtime": 30,
                       "created": format!("{day}T18:00:00.000"), "modified": format!("{day}T18:00:00.000"),
                       "publish_date": null, "exceptional_label": null}),
            );
        }
    }
    let ent = FakeEnt::start_with(school);
    let url = ent.url();
    let client = || Client {
        id: CLIENT_ID.into(),
        secret: CLIENT_SECRET.into(),
    };
    let profile = Profile::new(root.join("open-ent"));
    let login = OpenEntConnector::new(&url, client(), None)?;
    ardoise_sync::login(&profile, &url, &login, "claire.martin", PASSWORD)?;
    let replica = Replica::open(&profile.replica_path())?;
    let mut engine = SyncEngine::new(
        profile,
        replica,
        Box::new(OpenEntConnector::new(&url, client(), None)?),
    );
    let started = Instant::now();
    engine.sync_once()?;
    let first_sync_s = started.elapsed().as_secs_f64();
    let records: i64 = ["course_occurrences", "sessions", "homework"]
        .iter()
        .map(|t| {
            engine
                .replica()
                .sql()
                .query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| {
                    r.get::<_, i64>(0)
                })
                .unwrap_or(0)
        })
        .sum();
    let cost = |engine: &mut SyncEngine| -> Result<(usize, usize), Error> {
        ent.with(|e| {
            e.requests = 0;
            e.bytes = 0;
            e.log.clear();
        });
        engine.sync_once()?;
        Ok(ent.with(|e| (e.requests, e.bytes)))
    };
    cost(&mut engine)?; // the first steady state
    let (nochange_requests, nochange_bytes) = cost(&mut engine)?;
    // The wider reads, made when the last one is an hour (twelve hours) old.
    let mut again = |key: &str| -> Result<(usize, usize), Error> {
        let stored = engine
            .replica()
            .state(ardoise_sync::replica::keys::BACKEND)?
            .ok_or("no backend state")?;
        let mut state: Value = serde_json::from_str(&stored)?;
        state[key] = Value::Null;
        engine
            .replica()
            .set_state(ardoise_sync::replica::keys::BACKEND, &state.to_string())?;
        cost(&mut engine)
    };
    let (wide_requests, wide_bytes) = again("last_wide")?;
    let (full_requests, full_bytes) = again("last_full")?;
    Ok(OpenEnt {
        records,
        first_sync_s,
        nochange_requests,
        nochange_bytes,
        wide_requests,
        wide_bytes,
        full_requests,
        full_bytes,
    })
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}
