//! `ardoise`: the headless Ardoise client, for support staff, scripts and tests.
//!
//! Every command works on one profile folder (`--profile DIR`); reads come from the local
//! replica, online or not; edits are queued and go up with `ardoise sync`.
//! Exit codes: 0 success; 1 failure (message on stderr); 3 the server cannot be reached.

mod docs;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use ardoise_protocol::ErrorCode;
use ardoise_protocol::{Data, Keep};
use ardoise_sync::archive::{ArchiveOf, SchoolYear};
use ardoise_sync::views::{self, Who};
use ardoise_sync::{backend, logbook, Profile, Replica, SyncEngine, SyncError};
use chrono::NaiveDate;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use serde_json::{json, Value};

/// Ardoise, the offline-first client of the school ENT, from the command line.
#[derive(Parser)]
#[command(name = "ardoise", version, about)]
struct Cli {
    /// Profile folder (one user on one server). Default: the user's data folder.
    #[arg(long, global = true, env = "ARDOISE_PROFILE")]
    profile: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum NewsAction {
    /// The news shown today (unread ones marked « * »).
    List {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Shows one item and marks it read on this device.
    Read {
        /// Its id.
        id: String,
    },
    /// Publishes an item (direction, vie scolaire); queued until the next sync.
    Publish {
        /// Its title.
        #[arg(long)]
        title: String,
        /// Its text (Markdown), or `-` to read it from standard input.
        #[arg(long)]
        text: String,
        /// Who it is for: `school`, `staff`, or a class or group's name.
        #[arg(long, default_value = "school")]
        audience: String,
        /// First day shown (default: today).
        #[arg(long)]
        from: Option<NaiveDate>,
        /// Last day shown.
        #[arg(long)]
        until: NaiveDate,
    },
    /// Deletes an item (one's own; the direction: any).
    Delete {
        /// Its id.
        id: String,
    },
}

#[derive(Subcommand)]
enum CharterAction {
    /// The latest version, and whether you accepted it.
    Show {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Accepts the latest version (queued: it goes up with the next sync).
    Accept,
    /// Who accepted which version (direction).
    Status {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Publishes a new version from a Markdown file (direction).
    Publish {
        /// The Markdown file (UTF-8).
        file: PathBuf,
        /// Its title (default: its first `# ` heading).
        #[arg(long)]
        title: Option<String>,
    },
}

#[derive(Subcommand)]
enum ProgressionAction {
    /// Your progressions.
    List {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// One progression, step by step.
    Show {
        /// Its id.
        id: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Makes a progression from your séances with a class (in date order, with their
    /// homework): the year's work, kept for the next.
    FromClass {
        /// The class or group, e.g. "2nde 3".
        #[arg(long)]
        audience: String,
        /// The subject (code or name), when you teach it several.
        #[arg(long)]
        subject: Option<String>,
        /// The level it is for, e.g. "2nde".
        #[arg(long)]
        level: String,
        /// Its title.
        #[arg(long, default_value = "")]
        title: String,
    },
    /// Makes a progression from a JSON file: {"subject", "level", "title", "steps":
    /// [{"title", "content", "homework": {"description", "kind", "estimatedMinutes"}}]}.
    Import {
        /// The JSON file.
        file: PathBuf,
    },
    /// Fills a class's next lessons of the subject with the steps, as drafts (skipping
    /// holidays, cancelled lessons and lessons already written).
    Apply {
        /// Its id.
        id: String,
        /// The class or group.
        #[arg(long)]
        audience: String,
        /// From this day (default: today).
        #[arg(long)]
        from: Option<NaiveDate>,
        /// Say where the steps would go, change nothing.
        #[arg(long)]
        dry_run: bool,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Deletes one of your progressions (the séances it filled stay).
    Delete {
        /// Its id.
        id: String,
    },
}

#[derive(Subcommand)]
enum Command {
    /// Log in to an ENT (password from ARDOISE_PASSWORD or asked).
    /// On an Open ENT NG, Ardoise's application is registered by the ENT's operator:
    /// its id with --client-id, its secret from ARDOISE_CLIENT_SECRET.
    Login {
        /// Base URL of the ENT, e.g. http://127.0.0.1:8787 (default: the one the school's
        /// policies set; another than a locked one is refused).
        #[arg(long)]
        server: Option<String>,
        /// Login.
        #[arg(long)]
        user: String,
        /// Kind of ENT: found out by asking it (auto), or said.
        #[arg(long, value_enum, default_value = "auto")]
        ent: EntChoice,
        /// Ardoise's OAuth2 client id on an Open ENT NG.
        #[arg(long, env = "ARDOISE_CLIENT_ID")]
        client_id: Option<String>,
        /// The établissement to sync, for a user of several (UAI, id or name).
        #[arg(long)]
        structure: Option<String>,
    },
    /// Prints this command's manual page (roff), for the packages.
    #[command(hide = true)]
    Manpage,
    /// The school's policies on this computer (/etc/ardoise/policies.json, or the file
    /// ARDOISE_POLICIES names): each value, whether it is locked, where it came from, and
    /// what was wrong with the file (ignored). The client secret is never printed.
    Policies {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Log out and wipe this profile from the computer (replica, key, document cache).
    /// Refused while edits wait to be sent, unless --discard-pending.
    Logout {
        /// Abandon the edits not yet sent.
        #[arg(long)]
        discard_pending: bool,
    },
    /// One full sync: push pending edits, pull what is new.
    Sync,
    /// A new address to subscribe to one's timetable from a calendar application (the
    /// previous address stops working). Ardoise's own server only.
    CalendarFeed,
    /// Sync state: online, pending edits, conflicts, last sync.
    Status {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Dated lessons of a class, a teacher or a room, from the replica.
    Timetable(TimetableArgs),
    /// The workload of a class or group for a week: what is due each day, its estimated
    /// minutes and its assessments, and the days over the limits (from the replica).
    Workload {
        /// Class or group name, e.g. "2nde 3".
        #[arg(long)]
        audience: String,
        /// A day of the week (YYYY-MM-DD).
        #[arg(long)]
        week: NaiveDate,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// The homework to do, by due day (a pupil's, with their « fait » ticks; a parent's
    /// child's), from the replica.
    Todo {
        /// First due day (default: today).
        #[arg(long)]
        from: Option<NaiveDate>,
        /// How many days.
        #[arg(long, default_value_t = 14)]
        days: u32,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Ticks a homework done (a pupil); `--undo` unticks it. Queued like any edit.
    Done {
        /// The homework's id.
        id: String,
        /// Untick it.
        #[arg(long)]
        undo: bool,
    },
    /// The school's news: read them, publish one (direction, vie scolaire).
    News {
        #[command(subcommand)]
        action: NewsAction,
    },
    /// The school's usage charter: read it, accept it, publish a new version (direction),
    /// see who accepted it (direction).
    Charter {
        #[command(subcommand)]
        action: CharterAction,
    },
    /// Your progressions: planned séances for a subject and a level, applied to a class as
    /// drafts on its next lessons.
    Progression {
        #[command(subcommand)]
        action: ProgressionAction,
    },
    /// The year's archive of the cahier de textes as a PDF (from the replica): a class's or
    /// group's whole logbook, its groups' séances included, or a teacher's own.
    Archive {
        /// Class or group name, e.g. "2nde 3".
        #[arg(long, required_unless_present = "teacher", conflicts_with = "teacher")]
        audience: Option<String>,
        /// Teacher's login.
        #[arg(long)]
        teacher: Option<String>,
        /// School year, e.g. 2026-2027. Default: the one of today.
        #[arg(long)]
        year: Option<String>,
        /// Where to write the PDF.
        #[arg(long)]
        out: PathBuf,
    },
    /// A report for the school's support staff (versions, sync state, error codes, the
    /// app's log): no lesson text, no name, no token. Saved to a file, or queued for the
    /// ENT's assistance inbox (sent with the next sync).
    SupportBundle {
        /// The zip file to write.
        #[arg(long, required_unless_present = "send")]
        out: Option<PathBuf>,
        /// Queue it for the assistance inbox.
        #[arg(long)]
        send: bool,
    },
    /// The direction's indicators over a period, computed by the ENT (needs the network):
    /// lessons held and séances written per class and per teacher, homework, offline
    /// edits, conflicts, active users per role and week, the charter's acceptance.
    Indicators {
        /// First day (YYYY-MM-DD).
        #[arg(long)]
        from: NaiveDate,
        /// Last day (YYYY-MM-DD).
        #[arg(long)]
        until: NaiveDate,
        /// JSON rather than CSV.
        #[arg(long)]
        json: bool,
    },
    /// Séances of the cahier de textes.
    Session {
        #[command(subcommand)]
        action: EntryAction,
    },
    /// Homework (travail à faire).
    Homework {
        #[command(subcommand)]
        action: EntryAction,
    },
    /// Change the status of a course occurrence (vie scolaire, direction).
    Occurrence {
        #[command(subcommand)]
        action: OccurrenceAction,
    },
    /// Sign off a teacher's logbook for an audience up to a date (direction, inspector),
    /// or revoke a visa (`--revoke ID`, direction).
    Visa {
        /// Teacher's login.
        #[arg(long, required_unless_present = "revoke")]
        teacher: Option<String>,
        /// Class or group name.
        #[arg(long, required_unless_present = "revoke")]
        audience: Option<String>,
        /// Last date covered (YYYY-MM-DD), at most the school year's last day.
        #[arg(long, required_unless_present = "revoke")]
        until: Option<NaiveDate>,
        /// Comment.
        #[arg(long, default_value = "")]
        comment: String,
        /// Revoke this visa (its id): the entries it covered can be edited again.
        #[arg(long, conflicts_with_all = ["teacher", "audience", "until"])]
        revoke: Option<String>,
    },
    /// Conflict revisions of your edits.
    Conflicts {
        /// JSON output.
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        action: Option<ConflictAction>,
    },
    /// Edits the server refused for good (visa, permission), kept for you to see.
    Rejected {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// The espace documentaire: list, add, fetch, keep offline.
    Docs {
        #[command(subcommand)]
        action: docs::DocsAction,
    },
    /// Keep a local folder in step with the espace documentaire, both ways (`mirror`, its
    /// first name, still works).
    #[command(name = "sync-folder", alias = "mirror")]
    SyncFolder {
        /// The local folder.
        #[arg(long)]
        dir: PathBuf,
        /// One reconciliation pass, then exit (else keep watching until SIGTERM).
        #[arg(long)]
        once: bool,
        /// JSON output (with --once).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
struct TimetableArgs {
    /// Class or group name, e.g. "1re B".
    #[arg(long, group = "who")]
    audience: Option<String>,
    /// Teacher's login.
    #[arg(long, group = "who")]
    teacher: Option<String>,
    /// Room code, e.g. B12.
    #[arg(long, group = "who")]
    room: Option<String>,
    /// Every class (the vie scolaire day view).
    #[arg(long, group = "who")]
    all: bool,
    /// First day (YYYY-MM-DD).
    #[arg(long)]
    date: NaiveDate,
    /// Number of days.
    #[arg(long, default_value_t = 1)]
    days: u32,
    /// JSON output.
    #[arg(long)]
    json: bool,
    /// Write the day of every class (`--all`) as a PDF file instead.
    #[arg(long)]
    pdf: Option<PathBuf>,
    /// Write these lessons as an iCalendar file instead, for a phone's or a desktop's
    /// calendar (importing it again updates the lessons, never duplicates them).
    #[arg(long, conflicts_with = "pdf")]
    ics: Option<PathBuf>,
}

#[derive(Subcommand)]
enum EntryAction {
    /// Save one entry read as JSON on stdin; prints it with its id.
    Save,
    /// List the entries of a class or group between two dates.
    List {
        /// Class or group name.
        #[arg(long)]
        audience: String,
        /// From (YYYY-MM-DD).
        #[arg(long)]
        from: NaiveDate,
        /// To, included (YYYY-MM-DD).
        #[arg(long)]
        to: NaiveDate,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Copy a séance (and its homework) to another class's lesson of the same subject.
    Copy {
        /// The séance.
        #[arg(long)]
        id: String,
        /// The course occurrence to copy it to.
        #[arg(long)]
        to: String,
    },
    /// Delete one of your homework.
    Delete {
        /// The homework.
        #[arg(long)]
        id: String,
    },
}

#[derive(Subcommand)]
enum OccurrenceAction {
    /// Mark a course cancelled.
    Cancel {
        /// Occurrence id (from `ardoise timetable --json`).
        id: String,
        /// Note, e.g. "Professeur absent".
        #[arg(long)]
        note: Option<String>,
    },
    /// Put a cancelled or replaced course back as planned.
    Restore {
        /// Occurrence id.
        id: String,
    },
    /// Mark a course taken by a substitute.
    Replace {
        /// Occurrence id.
        id: String,
        /// Substitute's login.
        #[arg(long)]
        substitute: String,
        /// Note.
        #[arg(long)]
        note: Option<String>,
    },
}

#[derive(Subcommand)]
enum ConflictAction {
    /// Choose which version to keep.
    Resolve {
        /// Conflict id.
        id: String,
        /// mine: your edit; theirs: the version applied first.
        #[arg(long, required_unless_present = "merged", conflicts_with = "merged")]
        keep: Option<KeepArg>,
        /// A merged version instead: a JSON object of the fields in conflict, e.g.
        /// '{"title": "…"}'.
        #[arg(long)]
        merged: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum KeepArg {
    Mine,
    Theirs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = run(cli);
    if std::env::var_os("ARDOISE_REPORT_PEAK_RSS").is_some() {
        eprintln!("peak_rss_mb={:.1}", peak_rss_kib() as f64 / 1024.0);
    }
    match code {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ardoise: {e} [{}]", e.code());
            match e {
                SyncError::Offline(_) => ExitCode::from(3),
                _ => ExitCode::from(1),
            }
        }
    }
}

/// Peak resident memory of this process (VmHWM), for the tests that bound it.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn default_profile() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("ardoise").join("default")
}

/// A week's workload as a person reads it, in French: one line per day.
fn workload_text(load: &ardoise_sync::workload::WeekLoad) -> String {
    let mut out = format!(
        "Charge de travail de {} — semaine du {} (limites : {} min, {} évaluation(s) par jour)\n",
        load.audience, load.monday, load.limits.max_minutes, load.limits.max_assessments
    );
    for day in &load.days {
        let mut line = format!(
            "  {} : {} devoir(s), {} min",
            day.date,
            day.items.len(),
            day.minutes
        );
        if day.unestimated > 0 {
            line.push_str(&format!(" (+{} sans durée)", day.unestimated));
        }
        line.push_str(&format!(", {} évaluation(s)", day.assessments));
        if day.too_long || day.too_many_assessments {
            line.push_str("  ⚠ au-delà de la limite");
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn print_json(v: &impl serde::Serialize) {
    println!("{}", serde_json::to_string_pretty(v).expect("serialisable"));
}

fn read_stdin_object() -> Result<Data, SyncError> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text)?;
    parse_object(&text)
}

/// A JSON object given by the user (on stdin, or an option's value).
fn parse_object(text: &str) -> Result<Data, SyncError> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(SyncError::Refused {
            code: ErrorCode::CliInvalidInput,
            message: "un objet JSON est attendu".into(),
        }),
    }
}

/// `--ent`.
#[derive(Clone, Copy, ValueEnum)]
enum EntChoice {
    /// Ask the server what it is.
    Auto,
    /// Ardoise's own server.
    Ardoise,
    /// Open ENT NG / Edifice (monlycee.net…).
    OpenEntNg,
}

fn engine(profile: Profile) -> Result<SyncEngine, SyncError> {
    let info = profile.info()?;
    let replica = Replica::open(&profile.replica_path())?;
    let connector = backend::connector_for(&info, &replica)?;
    Ok(SyncEngine::new(profile, replica, connector))
}

fn run(cli: Cli) -> Result<ExitCode, SyncError> {
    let profile = Profile::new(cli.profile.unwrap_or_else(default_profile));
    match cli.command {
        Command::Login {
            server,
            user,
            ent,
            client_id,
            structure,
        } => {
            let policies = ardoise_sync::policy::load();
            for problem in &policies.problems {
                eprintln!("politique ignorée : {problem}");
            }
            let server = policies.ent_url_for(server.as_deref().unwrap_or(""))?;
            if server.is_empty() {
                return Err(SyncError::refused(
                    ErrorCode::CliInvalidInput,
                    "--server : l'adresse de l'ENT manque (aucune n'est fixée par \
                     l'établissement).",
                ));
            }
            let password = match std::env::var("ARDOISE_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    eprint!("Mot de passe de {user} : ");
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            let asked = match ent {
                EntChoice::Auto => None,
                EntChoice::Ardoise => Some(backend::Ent::Ardoise),
                EntChoice::OpenEntNg => Some(backend::Ent::OpenEntNg),
            };
            let ent = match policies.ent_kind_for(&server, asked) {
                Some(kind) => kind,
                None => backend::probe(&server)?,
            };
            let client = match ent {
                backend::Ent::OpenEntNg => policies.oauth_client(
                    client_id,
                    Some(std::env::var("ARDOISE_CLIENT_SECRET").unwrap_or_default()),
                ),
                backend::Ent::Ardoise => None,
            };
            let connector = backend::connector(&server, ent, client.clone(), structure.clone())?;
            match ardoise_sync::login(&profile, &server, &*connector, &user, &password) {
                Err(e) if e.code() == ErrorCode::AuthActivationRequired => {
                    // The password was the activation code of a new account.
                    let chosen = match std::env::var("ARDOISE_NEW_PASSWORD") {
                        Ok(p) => p,
                        Err(_) => {
                            eprint!(
                                "Première connexion : choisissez votre mot de passe \
                                 (8 caractères au moins) : "
                            );
                            let mut line = String::new();
                            std::io::stdin().read_line(&mut line)?;
                            line.trim_end_matches(['\r', '\n']).to_string()
                        }
                    };
                    if chosen.is_empty() {
                        return Err(SyncError::refused(
                            ErrorCode::AuthActivationRequired,
                            "Première connexion : le mot de passe donné est un code \
                             d'activation ; choisissez votre mot de passe \
                             (ARDOISE_NEW_PASSWORD, ou saisi au clavier).",
                        ));
                    }
                    ardoise_sync::activate(
                        &profile,
                        &server,
                        &*connector,
                        &user,
                        &password,
                        &chosen,
                    )?;
                }
                result => {
                    result?;
                }
            }
            let info = backend::remember(&profile, ent, client.as_ref(), structure.as_deref())?;
            eprintln!(
                "Connecté : {} ({}) sur {} ({})",
                info.user.display_name,
                info.user.login,
                info.server,
                ent.label()
            );
        }
        Command::Manpage => {
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
        }
        Command::Policies { json } => {
            let policies = ardoise_sync::policy::load().for_display();
            if json {
                print_json(&policies);
            } else {
                print!("{}", policies_text(&policies));
            }
        }
        Command::Logout { discard_pending } => {
            let info = profile.info()?;
            let connector = {
                let replica = Replica::open(&profile.replica_path())?;
                backend::connector_for(&info, &replica)?
            };
            ardoise_sync::logout(&profile, &*connector, discard_pending)?;
            eprintln!(
                "Déconnecté : plus rien de ce profil sur cet ordinateur ({}).",
                profile.dir().display()
            );
        }
        Command::Sync => {
            let cache = ardoise_sync::docs::Cache::new(profile.cache_dir());
            let mut engine = engine(profile.clone())?;
            let (report, transfers) = match engine.sync_with_documents(&cache) {
                Ok(done) => done,
                Err(e) => {
                    drop(engine);
                    if ardoise_sync::erase_if_disabled(&profile, &e)? {
                        eprintln!(
                            "Ce compte a été désactivé par l'établissement : ses données ont \
                             été effacées de cet ordinateur ({}).",
                            profile.dir().display()
                        );
                        return Ok(ExitCode::from(1));
                    }
                    return Err(e);
                }
            };
            let status = engine.status()?;
            eprintln!(
                "Synchronisé : {} envoyée(s), {} reçue(s), {} conflit(s) ouvert(s), {} en attente ; fichiers : {} envoyé(s) ({} o), {} reçu(s) ({} o).",
                report.pushed, report.pulled, status.conflicts, status.pending,
                transfers.uploaded, transfers.sent_bytes, transfers.downloaded, transfers.received_bytes
            );
            println!(
                "sent_bytes={} received_bytes={}",
                transfers.sent_bytes, transfers.received_bytes
            );
            for f in &transfers.failed {
                eprintln!("fichier refusé : {f}");
            }
            if !report.rejected.is_empty() {
                for r in &report.rejected {
                    eprintln!(
                        "refusé : {} {} — {} [{}]",
                        r.kind, r.record_id, r.error_message, r.error_code
                    );
                }
                return Ok(ExitCode::from(1));
            }
        }
        Command::CalendarFeed => {
            let url = engine(profile)?.renew_calendar_feed()?;
            println!("{url}");
            eprintln!(
                "Abonnez votre agenda à cette adresse ; l'adresse précédente ne fonctionne plus."
            );
        }
        Command::Status { json } => {
            let key_file = profile.dir().join("replica.key");
            let mut engine = engine(profile)?;
            engine.probe();
            let s = engine.status()?;
            if json {
                print_json(
                    &json!({"online": s.online, "pending": s.pending, "conflicts": s.conflicts,
                    "quarantined": s.quarantined, "lastSync": s.last_sync, "cursor": s.cursor,
                    "keyStorage": s.key_storage}),
                );
            } else {
                if s.key_storage == ardoise_sync::secrets::KeyStorage::File {
                    println!(
                        "Attention : aucun trousseau système, la clé de la base locale est dans {} \
                         (lisible par vous seul·e).",
                        key_file.display()
                    );
                }
                println!(
                    "{} — {} modification(s) en attente, {} conflit(s), dernière synchronisation : {}",
                    if s.online { "En ligne" } else { "Hors ligne" },
                    s.pending,
                    s.conflicts,
                    s.last_sync.as_deref().unwrap_or("jamais")
                );
            }
        }
        Command::Workload {
            audience,
            week,
            json,
        } => {
            let replica = Replica::open(&profile.replica_path())?;
            let load = ardoise_sync::workload::week_load(&replica, &audience, week)?;
            if json {
                print_json(&load);
            } else {
                print!("{}", workload_text(&load));
            }
        }
        Command::Charter { action } => charter(&profile, action)?,
        Command::Progression { action } => progression(&profile, action)?,
        Command::News { action } => news(&profile, action)?,
        Command::Todo { from, days, json } => {
            let replica = Replica::open(&profile.replica_path())?;
            let from =
                from.unwrap_or_else(|| ardoise_protocol::calendar::paris_today(chrono::Utc::now()));
            let items = ardoise_sync::todo::todo(&replica, from, days)?;
            if json {
                print_json(&items);
            } else if items.is_empty() {
                println!(
                    "Rien à faire du {from} au {}.",
                    from + chrono::Duration::days(i64::from(days.max(1)) - 1)
                );
            } else {
                for i in items {
                    let tick = match i.done {
                        Some(true) => "[x] ",
                        Some(false) => "[ ] ",
                        None => "",
                    };
                    println!(
                        "{tick}{} {} — {} [{}]",
                        i.due_on,
                        i.subject,
                        i.description.join(" "),
                        i.id
                    );
                }
            }
        }
        Command::Done { id, undo } => {
            let mut replica = Replica::open(&profile.replica_path())?;
            ardoise_sync::todo::set_done(&mut replica, &id, !undo)?;
        }
        Command::SupportBundle { out, send } => {
            let replica = Replica::open(&profile.replica_path())?;
            let maker = ardoise_sync::support::Maker {
                app: format!("ardoise (ligne de commande) {}", env!("CARGO_PKG_VERSION")),
                logs: app_logs(),
            };
            let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let bundle = ardoise_sync::support::build(&replica, &profile, &maker, &now)?;
            if let Some(out) = out {
                write_out(&out, &bundle)?;
            }
            if send && !profile.info()?.ent.capabilities_here().assistance {
                return Err(SyncError::refused(
                    ErrorCode::BackendUnsupported,
                    "Pas de boîte d'assistance ici (l'ENT n'en a pas, ou l'établissement l'a \
                     fermée) : enregistrez le rapport dans un fichier (--out) et transmettez-le.",
                ));
            }
            if send {
                let id = ardoise_sync::support::queue(&replica, &bundle, &now)?;
                drop(replica);
                let profile_path = profile.replica_path();
                eprintln!("Rapport {id} prêt : il part avec la prochaine synchronisation.");
                match engine(profile)?.sync_once() {
                    Ok(_) => eprintln!("Synchronisé."),
                    Err(SyncError::Offline(_)) => {
                        eprintln!("Hors ligne : le rapport attend dans la file.")
                    }
                    Err(e) => return Err(e),
                }
                let replica = Replica::open(&profile_path)?;
                if let Some(r) = ardoise_sync::support::reports(&replica)?
                    .into_iter()
                    .find(|r| r.id == id)
                {
                    match (&r.sent_at, &r.refused) {
                        (Some(at), _) => println!("{id} envoyé {at}"),
                        (_, Some(code)) => println!("{id} refusé [{code}]"),
                        _ => println!("{id} en attente"),
                    }
                }
            }
        }
        Command::Indicators { from, until, json } => {
            let indicators = engine(profile)?.indicators(from, until)?;
            if json {
                print_json(&indicators);
            } else {
                print!("{}", indicators.to_csv().trim_start_matches('\u{feff}'));
            }
        }
        Command::Archive {
            audience,
            teacher,
            year,
            out,
        } => {
            let replica = Replica::open(&profile.replica_path())?;
            let today = ardoise_protocol::calendar::paris_today(chrono::Utc::now());
            let year: SchoolYear = match year {
                Some(y) => y.parse()?,
                None => SchoolYear::containing(today).ok_or_else(|| SyncError::Refused {
                    code: ErrorCode::ArchiveInvalidYear,
                    message: format!("pas d'année scolaire le {today}"),
                })?,
            };
            let of = match (audience, teacher) {
                (Some(name), _) => ArchiveOf::Audience(name),
                (None, Some(login)) => ArchiveOf::Teacher(login),
                (None, None) => {
                    return Err(SyncError::Refused {
                        code: ErrorCode::CliInvalidInput,
                        message: "précisez --audience ou --teacher".into(),
                    })
                }
            };
            let archive = ardoise_sync::archive::archive(&replica, &of, year, today)?;
            write_out(&out, &archive.pdf)?;
            println!(
                "{} séance(s) et {} travail(s) à faire, année {year}",
                archive.counts.sessions, archive.counts.homework
            );
        }
        Command::Timetable(a) => {
            let replica = Replica::open(&profile.replica_path())?;
            let who = match (a.audience, a.teacher, a.room, a.all) {
                (Some(x), ..) => Who::Audience(x),
                (_, Some(x), ..) => Who::Teacher(x),
                (_, _, Some(x), _) => Who::Room(x),
                (.., true) => Who::Everyone,
                _ => {
                    return Err(SyncError::Refused {
                        code: ErrorCode::CliInvalidInput,
                        message: "précisez --audience, --teacher, --room ou --all".into(),
                    })
                }
            };
            if let Some(path) = a.pdf {
                let pdf = ardoise_sync::export::day_pdf(&replica, &who, a.date)?;
                return write_out(&path, pdf.as_slice());
            }
            if let Some(path) = a.ics {
                let label = ardoise_sync::export::who_label(&replica, &who)?;
                let title = match label {
                    Some(l) => format!("Emploi du temps — {l}"),
                    None => "Emploi du temps".to_string(),
                };
                let ics = ardoise_sync::ical::calendar(
                    &replica,
                    &who,
                    a.date,
                    a.days,
                    &title,
                    chrono::Utc::now(),
                )?;
                return write_out(&path, ics.as_bytes());
            }
            let rows = views::timetable(&replica, &who, a.date, a.days)?;
            if a.json {
                print_json(&rows);
            } else {
                for r in rows {
                    println!(
                        "{} {}–{}  {:<28} {:<12} {:<24} {:<6} {}",
                        r.date,
                        r.start,
                        r.end,
                        r.subject,
                        r.audience,
                        r.teacher,
                        r.room.unwrap_or_default(),
                        if r.status == "planned" {
                            String::new()
                        } else {
                            r.status
                        }
                    );
                }
            }
        }
        Command::Session { action } => entry(&profile, action, true)?,
        Command::Homework { action } => entry(&profile, action, false)?,
        Command::Occurrence { action } => {
            let mut replica = Replica::open(&profile.replica_path())?;
            let saved = match action {
                OccurrenceAction::Cancel { id, note } => {
                    logbook::cancel_occurrence(&mut replica, &id, note.as_deref())?
                }
                OccurrenceAction::Replace {
                    id,
                    substitute,
                    note,
                } => logbook::replace_occurrence(&mut replica, &id, &substitute, note.as_deref())?,
                OccurrenceAction::Restore { id } => logbook::restore_occurrence(&mut replica, &id)?,
            };
            print_json(&saved);
        }
        Command::Visa {
            teacher,
            audience,
            until,
            comment,
            revoke,
        } => {
            let mut replica = Replica::open(&profile.replica_path())?;
            match (revoke, teacher, audience, until) {
                (Some(id), ..) => {
                    logbook::revoke_visa(&mut replica, &id)?;
                    eprintln!(
                        "Visa retiré : les entrées qu'il couvrait sont de nouveau modifiables."
                    );
                }
                (None, Some(teacher), Some(audience), Some(until)) => {
                    print_json(&logbook::sign_visa(
                        &mut replica,
                        &teacher,
                        &audience,
                        until,
                        &comment,
                    )?);
                }
                _ => unreachable!("clap requires --teacher, --audience and --until"),
            }
        }
        Command::Conflicts { json, action } => {
            let mut replica = Replica::open(&profile.replica_path())?;
            match action {
                Some(ConflictAction::Resolve { id, keep, merged }) => {
                    match (keep, merged) {
                        (_, Some(json)) => {
                            let values = parse_object(&json)?;
                            logbook::resolve_conflict_merged(&mut replica, &id, &values)?;
                        }
                        (Some(keep), None) => {
                            let keep = match keep {
                                KeepArg::Mine => Keep::Mine,
                                KeepArg::Theirs => Keep::Theirs,
                            };
                            logbook::resolve_conflict(&mut replica, &id, keep)?;
                        }
                        (None, None) => unreachable!("clap requires --keep or --merged"),
                    }
                    eprintln!(
                        "Conflit résolu ; la résolution part à la prochaine synchronisation."
                    );
                }
                None => {
                    let list = views::conflict_records(&replica)?;
                    if json {
                        print_json(&list);
                    } else {
                        for c in list {
                            println!("{} {} {}", c["id"], c["recordKind"], c["recordId"]);
                        }
                    }
                }
            }
        }
        Command::Docs { action } => return docs::run(profile, action),
        Command::SyncFolder { dir, once, json } => {
            return docs::sync_folder(profile, dir, once, json)
        }
        Command::Rejected { json } => {
            let replica = Replica::open(&profile.replica_path())?;
            let list = replica.quarantined()?;
            if json {
                print_json(&list);
            } else {
                for r in list {
                    println!(
                        "{} {} — {} [{}]",
                        r.kind, r.record_id, r.error_message, r.error_code
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `ardoise news …`.
fn news(profile: &Profile, action: NewsAction) -> Result<(), SyncError> {
    use ardoise_protocol::entities::NewsAudience;
    use ardoise_sync::news;
    let mut replica = Replica::open(&profile.replica_path())?;
    let today = ardoise_protocol::calendar::paris_today(chrono::Utc::now());
    match action {
        NewsAction::List { json } => {
            let items = news::list(&replica, today)?;
            if json {
                print_json(&items);
            } else if items.is_empty() {
                println!("Aucune actualité.");
            } else {
                for n in items {
                    let mark = if n.read { ' ' } else { '*' };
                    println!(
                        "{mark} {} — {} (du {} au {}, {}) [{}]",
                        n.from, n.title, n.from, n.until, n.author, n.id
                    );
                }
            }
        }
        NewsAction::Read { id } => {
            let item = news::list(&replica, today)?
                .into_iter()
                .find(|n| n.id == id)
                .ok_or_else(|| SyncError::NotFound(format!("actualité {id}")))?;
            news::mark_read(&replica, &id)?;
            println!("{}\n\n{}", item.title, item.text.trim_end());
        }
        NewsAction::Publish {
            title,
            text,
            audience,
            from,
            until,
        } => {
            let text = if text == "-" {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .map_err(|e| SyncError::Refused {
                        code: ErrorCode::CliIo,
                        message: e.to_string(),
                    })?;
                s
            } else {
                text
            };
            let (audience, audience_name) = match audience.as_str() {
                "school" => (NewsAudience::School, None),
                "staff" => (NewsAudience::Staff, None),
                name => (NewsAudience::Class, Some(name.to_string())),
            };
            let saved = news::save(
                &mut replica,
                &news::NewsInput {
                    id: None,
                    title,
                    text,
                    audience,
                    audience_name,
                    from: from.unwrap_or(today).to_string(),
                    until: until.to_string(),
                },
            )?;
            print_json(&saved);
        }
        NewsAction::Delete { id } => news::delete(&mut replica, &id)?,
    }
    Ok(())
}

/// `ardoise charter …`.
fn progression(profile: &Profile, action: ProgressionAction) -> Result<(), SyncError> {
    use ardoise_sync::progression::{self, ProgressionView};
    let mut replica = Replica::open(&profile.replica_path())?;
    let summary = |p: &ProgressionView| {
        println!(
            "{}  {} — {}, {} ({} séance(s))",
            p.id,
            p.title,
            p.subject,
            p.level,
            p.steps.len()
        )
    };
    match action {
        ProgressionAction::List { json } => {
            let all = progression::list(&replica)?;
            if json {
                print_json(&all);
            } else if all.is_empty() {
                println!("aucune progression");
            } else {
                all.iter().for_each(summary);
            }
        }
        ProgressionAction::Show { id, json } => {
            let p = progression::get(&replica, &id)?;
            if json {
                print_json(&p);
            } else {
                summary(&p);
                for (i, step) in p.steps.iter().enumerate() {
                    let homework = if step.homework.is_some() {
                        " (+ travail à faire)"
                    } else {
                        ""
                    };
                    println!("{:>3}. {}{homework}", i + 1, step.title);
                }
            }
        }
        ProgressionAction::FromClass {
            audience,
            subject,
            level,
            title,
        } => {
            let p = progression::from_class(
                &mut replica,
                &audience,
                subject.as_deref(),
                &title,
                &level,
            )?;
            summary(&p);
        }
        ProgressionAction::Import { file } => {
            #[derive(serde::Deserialize)]
            struct Input {
                subject: String,
                level: String,
                title: String,
                steps: Vec<ardoise_protocol::entities::ProgressionStep>,
            }
            let bytes = std::fs::read(&file).map_err(|e| SyncError::Refused {
                code: ErrorCode::CliIo,
                message: format!("{} : {e}", file.display()),
            })?;
            let input: Input = serde_json::from_slice(&bytes).map_err(|e| SyncError::Refused {
                code: ErrorCode::CliInvalidInput,
                message: format!("{} : {e}", file.display()),
            })?;
            let p = progression::create(
                &mut replica,
                &input.subject,
                &input.level,
                &input.title,
                &input.steps,
            )?;
            summary(&p);
        }
        ProgressionAction::Apply {
            id,
            audience,
            from,
            dry_run,
            json,
        } => {
            let from =
                from.unwrap_or_else(|| ardoise_protocol::calendar::paris_today(chrono::Utc::now()));
            let done = progression::apply(&mut replica, &id, &audience, from, dry_run)?;
            if json {
                print_json(&done);
            } else {
                for p in &done.placed {
                    let homework = p
                        .homework_due
                        .as_deref()
                        .map(|d| format!(" — travail pour le {d}"))
                        .unwrap_or_default();
                    println!("{} {}  {}{homework}", p.date, p.start, p.title);
                }
                let verb = if dry_run { "seraient" } else { "sont" };
                println!(
                    "{} séance(s) {verb} en brouillon ; {} cours passé(s) ; {} étape(s) sans cours cette année",
                    done.placed.len(),
                    done.skipped,
                    done.left_over
                );
            }
        }
        ProgressionAction::Delete { id } => {
            progression::delete(&mut replica, &id)?;
            println!("progression {id} supprimée");
        }
    }
    Ok(())
}

fn charter(profile: &Profile, action: CharterAction) -> Result<(), SyncError> {
    use ardoise_sync::charter;
    let mut replica = Replica::open(&profile.replica_path())?;
    let none = || SyncError::Refused {
        code: ErrorCode::CharterNone,
        message: "l'établissement n'a pas de charte".into(),
    };
    match action {
        CharterAction::Show { json } => {
            let view = charter::current(&replica)?.ok_or_else(none)?;
            if json {
                print_json(&view);
            } else {
                println!("{} (version {})\n", view.title, view.number);
                println!("{}", view.text.trim_end());
                match &view.accepted_at {
                    Some(at) => println!("\nAcceptée le {at}."),
                    None => println!("\nPas encore acceptée : « ardoise charter accept »."),
                }
            }
        }
        CharterAction::Accept => {
            let number = charter::current(&replica)?.ok_or_else(none)?.number;
            let view = charter::accept(&mut replica, number)?;
            println!(
                "Charte version {} acceptée ; envoyée à la prochaine synchronisation.",
                view.number
            );
        }
        CharterAction::Status { json } => {
            let status = charter::status(&replica)?;
            if json {
                print_json(&status);
            } else {
                let Some(current) = status.current else {
                    return Err(none());
                };
                println!(
                    "Charte version {current} : acceptée par {} personne(s) sur {}.",
                    status.accepted_current,
                    status.people.len()
                );
                for p in status.people.iter().filter(|p| p.accepted != Some(current)) {
                    let last = p.accepted.map_or("jamais acceptée".to_string(), |n| {
                        format!("version {n} acceptée")
                    });
                    println!("  {} ({}) : {last}", p.display_name, p.login);
                }
            }
        }
        CharterAction::Publish { file, title } => {
            let text = std::fs::read_to_string(&file).map_err(|e| SyncError::Refused {
                code: ErrorCode::CliIo,
                message: format!("{} : {e}", file.display()),
            })?;
            let title = title.unwrap_or_else(|| ardoise_protocol::entities::charter_title(&text));
            let view = charter::publish(&mut replica, &title, &text)?;
            println!(
                "Charte version {} prête : publiée à la prochaine synchronisation.",
                view.number
            );
        }
    }
    Ok(())
}

/// The school's policies as a person reads them, in French.
fn policies_text(p: &ardoise_sync::policy::Policies) -> String {
    use ardoise_sync::policy::Setting;
    fn line<T: std::fmt::Display>(out: &mut String, name: &str, s: &Option<Setting<T>>) {
        if let Some(s) = s {
            let how = if s.locked {
                "verrouillé"
            } else {
                "préréglé"
            };
            out.push_str(&format!("  {name} : {} ({how}, {})\n", s.value, s.source));
        }
    }
    let mut out = if p.found {
        format!("Politique de l'établissement : {}\n", p.file)
    } else {
        format!(
            "Aucune politique de l'établissement ({} n'existe pas).\n",
            p.file
        )
    };
    line(&mut out, "Adresse de l'ENT", &p.ent_url);
    line(
        &mut out,
        "Type d'ENT",
        &p.ent_kind.as_ref().map(|s| Setting {
            value: s.value.label(),
            locked: s.locked,
            source: s.source.clone(),
        }),
    );
    line(&mut out, "Identifiant OAuth", &p.oauth_client_id);
    line(&mut out, "Secret OAuth", &p.oauth_client_secret);
    line(&mut out, "Proxy", &p.proxy);
    line(&mut out, "Mises à jour", &p.updates_enabled);
    line(&mut out, "Adresse des mises à jour", &p.update_url);
    line(&mut out, "Boîte de l'assistance", &p.support_inbox);
    line(
        &mut out,
        "Fonctions masquées",
        &p.hidden_features.as_ref().map(|s| Setting {
            value: s.value.join(", "),
            locked: s.locked,
            source: s.source.clone(),
        }),
    );
    for problem in &p.problems {
        out.push_str(&format!("  Problème : {problem}\n"));
    }
    out
}

/// The desktop app's log files, where it writes them on this computer.
fn app_logs() -> Vec<PathBuf> {
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")));
    let Some(data) = data else {
        return Vec::new();
    };
    // The current folder, else the one of a former name the app has not moved yet.
    let Some(dir) = std::iter::once(ardoise_sync::support::APP_IDENTIFIER)
        .chain(
            ardoise_sync::support::FORMER_APP_IDENTIFIERS
                .iter()
                .copied(),
        )
        .map(|id| data.join(id).join("logs"))
        .find(|d| d.is_dir())
    else {
        return Vec::new();
    };
    let mut logs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "log"))
                .collect()
        })
        .unwrap_or_default();
    logs.sort();
    logs
}

/// Writes an exported file and prints its path.
fn write_out(path: &std::path::Path, bytes: &[u8]) -> Result<ExitCode, SyncError> {
    std::fs::write(path, bytes).map_err(|e| SyncError::Refused {
        code: ErrorCode::CliIo,
        message: format!("{} : {e}", path.display()),
    })?;
    println!("{}", path.display());
    Ok(ExitCode::SUCCESS)
}

fn entry(profile: &Profile, action: EntryAction, session: bool) -> Result<(), SyncError> {
    let mut replica = Replica::open(&profile.replica_path())?;
    match action {
        EntryAction::Save => {
            let input = read_stdin_object()?;
            let saved = if session {
                logbook::save_session(&mut replica, &input)?
            } else {
                logbook::save_homework(&mut replica, &input)?
            };
            print_json(&saved);
        }
        EntryAction::Copy { id, to } if session => {
            print_json(&logbook::copy_session(&mut replica, &id, &to)?);
        }
        EntryAction::Delete { id } if !session => {
            logbook::delete_homework(&mut replica, &id)?;
        }
        EntryAction::Copy { .. } | EntryAction::Delete { .. } => {
            return Err(SyncError::Refused {
                code: ErrorCode::CliInvalidInput,
                message: "copy vaut pour les séances, delete pour les devoirs".into(),
            })
        }
        EntryAction::List {
            audience,
            from,
            to,
            json,
        } => {
            let list = if session {
                views::sessions_of(&replica, &audience, from, to)?
            } else {
                views::homework_of(&replica, &audience, from, to)?
            };
            if json {
                print_json(&list);
            } else {
                for e in list {
                    let when = if session { &e["date"] } else { &e["dueOn"] };
                    let what = if session {
                        &e["title"]
                    } else {
                        &e["description"]
                    };
                    println!(
                        "{} {} {}",
                        when.as_str().unwrap_or(""),
                        e["id"].as_str().unwrap_or(""),
                        what.as_str().unwrap_or("")
                    );
                }
            }
        }
    }
    Ok(())
}
