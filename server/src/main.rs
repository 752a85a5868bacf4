//! `ardoise-server`: the reference central ENT.

use std::io::Write;
use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand};

/// The reference central ENT of Ardoise.
#[derive(Parser)]
#[command(version, about, args_override_self = true)]
struct Args {
    /// A TOML file of these options (`listen`, `data`, `quota_mb`, …); what the command
    /// line says wins over it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Folder of the server's data (created if missing): its SQLite store and the
    /// contents of documents.
    #[arg(long)]
    data: PathBuf,
    /// Keep records, accounts and tokens in this PostgreSQL database
    /// (`postgres://user:password@host:5432/name`) instead of the SQLite store of `--data`;
    /// several servers may share it, with one `--data` folder for document contents (NFS).
    #[arg(long, env = "ARDOISE_DATABASE_URL", hide_env_values = true)]
    database: Option<String>,
    /// Address to listen on, e.g. 127.0.0.1:8787 (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: String,
    /// Seed the demo school into an empty store (builds with the `demo` feature only).
    #[arg(long)]
    demo: bool,
    /// Size of the demo school: demo (20 classes), large (about 100,000 records), or a
    /// number of classes.
    #[arg(long, default_value = "demo", requires = "demo")]
    size: String,
    /// Storage quota of each user in the espace documentaire, in MiB.
    #[arg(long, default_value_t = ardoise_server::DEFAULT_QUOTA_BYTES / (1024 * 1024))]
    quota_mb: u64,
    /// Seconds a request's head (request line and headers) may take to arrive.
    #[arg(long, default_value_t = 20)]
    header_timeout_secs: u64,
    /// Seconds a connection may stay without moving a byte before it is closed (a stalled
    /// body, an idle keep-alive, an answer nobody reads).
    #[arg(long, default_value_t = 60)]
    idle_timeout_secs: u64,
    /// Connections served at once.
    #[arg(long, default_value_t = 4096)]
    max_connections: usize,
    /// Connections one address may hold at once.
    #[arg(long, default_value_t = 256)]
    max_connections_per_address: usize,
    /// Password checks run at once (each takes 19 MiB); default: one per core, at least 2.
    #[arg(long)]
    password_checks: Option<usize>,
    /// Seconds between two collections of expired tokens, stale uploads and unused blobs.
    #[arg(long, default_value_t = 600)]
    maintenance_secs: u64,
    /// What to do instead of serving.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Loads a school's data into the store (in one transaction; nothing on error).
    #[command(subcommand)]
    Import(Import),
    /// Manages the accounts of the school.
    #[command(subcommand)]
    Users(Users),
    /// The school's settings.
    #[command(subcommand)]
    Config(Config),
    /// The school years.
    #[command(subcommand)]
    Year(Year),
    /// The school's usage charter.
    #[command(subcommand)]
    Charter(CharterCmd),
    /// The assistance inbox: the support reports the apps sent.
    #[command(subcommand)]
    Support(SupportCmd),
    /// The direction's indicators over a period, as CSV (or JSON).
    Indicators {
        /// First day (YYYY-MM-DD).
        #[arg(long)]
        from: chrono::NaiveDate,
        /// Last day (YYYY-MM-DD).
        #[arg(long)]
        until: chrono::NaiveDate,
        /// As JSON rather than CSV.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum SupportCmd {
    /// Lists the reports received, newest first: id, when, who, size.
    List {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Saves one report's zip to a file.
    Save {
        /// The report's id.
        id: String,
        /// The zip file to write.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum CharterCmd {
    /// Publishes a new version of the charter (Markdown, UTF-8): everyone accepts it at
    /// their next start of the app.
    Publish {
        /// The Markdown file.
        file: PathBuf,
        /// Its title (default: its first `# ` heading).
        #[arg(long)]
        title: Option<String>,
    },
    /// Who accepted which version: the count, then those who have not accepted the latest.
    Status {
        /// Everyone, as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum Year {
    /// Closes a school year once its last lesson is past: its cahier de textes and its
    /// lessons are kept, read-only (every change refused), for the archive.
    Close {
        /// The year, e.g. 2026-2027.
        year: String,
        /// The day it is closed on (default: today in Paris).
        #[arg(long)]
        today: Option<chrono::NaiveDate>,
        /// The report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Lists the closed years.
    List,
}

#[derive(Subcommand)]
enum Config {
    /// Sets a setting: `zone` (A, B, C, Corse, Guadeloupe, Guyane, Martinique, Mayotte,
    /// La Réunion…; setting it writes its holidays), `workload-minutes` (most minutes of
    /// homework for one day, 90 by default) or `workload-assessments` (most assessments
    /// due on one day, 1 by default).
    Set {
        /// The setting's name.
        key: String,
        /// Its value.
        value: String,
    },
    /// Shows the settings.
    Show,
}

/// Where the activation codes of new accounts are printed besides the terminal.
#[derive(clap::Args)]
struct SlipArgs {
    /// Writes the connection slips (login and activation code of each person, four to an
    /// A4 page) to this PDF file.
    #[arg(long)]
    slips: Option<PathBuf>,
    /// The server's address printed on the slips (as users type it in the app).
    #[arg(long)]
    server_url: Option<String>,
}

#[derive(Subcommand)]
enum Users {
    /// Makes an account with a one-time activation code (printed, and on a slip with
    /// --slips); or, for scripts, with the password in ARDOISE_PASSWORD
    /// (--password-from-env).
    Add {
        /// The login.
        #[arg(long)]
        login: String,
        /// teacher, vie_scolaire, direction, inspector, pupil or parent.
        #[arg(long)]
        role: String,
        /// The name shown (default: the imported one, else the login).
        #[arg(long)]
        name: Option<String>,
        /// For a teacher imported from STS-Web: her number in the files (INDIVIDU ID).
        #[arg(long)]
        sts_id: Option<String>,
        /// Classes or groups, by name, `,` between them: a pupil's class, a parent's
        /// child's, a teacher's.
        #[arg(long, value_delimiter = ',')]
        classes: Vec<String>,
        /// For scripts and tests: the account's password is ARDOISE_PASSWORD, no code.
        #[arg(long)]
        password_from_env: bool,
        #[command(flatten)]
        slips: SlipArgs,
    },
    /// Makes the accounts of a CSV file (`;`, UTF-8 or Windows-1252; columns nom, prénom,
    /// rôle, and optionally identifiant, classes, matières, id_sts), each with an
    /// activation code; people who have an account already are left as they are.
    Import {
        /// The CSV file.
        file: PathBuf,
        /// The report as JSON (with the codes), for scripts.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        slips: SlipArgs,
    },
    /// Gives an account a new activation code (a forgotten password): its password stops
    /// working and its sessions end.
    Reset {
        /// The login.
        login: String,
        #[command(flatten)]
        slips: SlipArgs,
    },
    /// Disables an account (the person left): no more logins, and every device it is
    /// signed in on erases its data at its next contact.
    Disable {
        /// The login.
        login: String,
    },
}

#[derive(Subcommand)]
enum Import {
    /// The timetable exported for STS-Web: the two XML files, in any order.
    Sts {
        /// The reference file (root STS_EDT) and the timetable file (root EDT_STS).
        #[arg(num_args = 2, required = true)]
        files: Vec<PathBuf>,
        /// Reads and reports, writes nothing.
        #[arg(long)]
        dry_run: bool,
        /// The report as JSON, for scripts.
        #[arg(long)]
        json: bool,
        /// The import's day (YYYY-MM-DD): lessons before it are left as they are.
        /// Default: today.
        #[arg(long)]
        today: Option<chrono::NaiveDate>,
        /// The school is in Alsace or Moselle (two more public holidays).
        #[arg(long)]
        alsace_moselle: bool,
    },
    /// The ministry's school calendar of a zone, as iCalendar (for years or zones the
    /// server does not ship).
    Calendar {
        /// The .ics file.
        file: PathBuf,
        /// The report as JSON, for scripts.
        #[arg(long)]
        json: bool,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Logins, failures, lockouts and refused ops at `info`. The HTML parser's own logging
    // quotes the lessons it reads: silenced at every level, whatever ARDOISE_LOG says.
    let filter = tracing_subscriber::EnvFilter::try_from_env("ARDOISE_LOG")
        .unwrap_or_else(|_| "info".into())
        .add_directive("html5ever=off".parse()?)
        .add_directive("markup5ever=off".parse()?)
        .add_directive("ammonia=off".parse()?);
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    // The manual page the package carries, before anything else is asked for (--data).
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == "--print-manpage")
    {
        clap_mangen::Man::new(Args::command()).render(&mut std::io::stdout())?;
        return Ok(());
    }
    let args = match ardoise_server::config_file::expand_args(std::env::args_os().collect()) {
        Ok(argv) => Args::parse_from(argv),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    // The store is blocking code (PostgreSQL's client runs its own runtime): off the async
    // workers, as every request's store work is.
    if let Some(command) = &args.command {
        std::process::exit(tokio::task::block_in_place(|| run(&args, command)));
    }
    let mut ent = tokio::task::block_in_place(|| open(&args))?;
    let limits = &mut ent.limits;
    limits.quota_bytes = args.quota_mb.saturating_mul(1024 * 1024);
    limits.net.header_timeout = std::time::Duration::from_secs(args.header_timeout_secs.max(1));
    limits.net.idle_timeout = std::time::Duration::from_secs(args.idle_timeout_secs.max(1));
    limits.net.max_connections = args.max_connections.max(1);
    limits.net.max_per_address = args.max_connections_per_address.max(1);
    limits.maintenance_every = std::time::Duration::from_secs(args.maintenance_secs.max(1));
    if let Some(n) = args.password_checks {
        limits.password_checks = n.max(1);
    }
    if let Some(file) = &args.config {
        tracing::info!("configuration read from {}", file.display());
    }
    let listener = tokio::net::TcpListener::bind(&args.listen).await?;
    let addr = listener.local_addr()?;
    println!("listening on http://{addr}");
    std::io::stdout().flush()?;
    ardoise_server::serve(ent, listener, shutdown_signal()).await?;
    tracing::info!("stopped cleanly");
    Ok(())
}

/// Opens the store of `--data` and runs `f` on it; any failure as the text to print.
fn on_store<T, E: std::fmt::Display>(
    args: &Args,
    f: impl FnOnce(&dyn ardoise_server::store::Store) -> Result<T, E>,
) -> Result<T, String> {
    let ent =
        ardoise_server::open_on(&args.data, args.database.as_deref()).map_err(|e| e.to_string())?;
    f(&*ent.store).map_err(|e| e.to_string())
}

/// Prints a command's report (as JSON for scripts, else as `text` makes it) or why it
/// was refused (after `refused`); its exit status.
fn outcome<R: serde::Serialize>(
    result: Result<R, String>,
    json: bool,
    text: impl Fn(&R) -> String,
    refused: &str,
) -> i32 {
    match result {
        Ok(report) if json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&report).expect("a report serialises")
            );
            0
        }
        Ok(report) => {
            print!("{}", text(&report));
            0
        }
        Err(e) => {
            eprintln!("{refused} : {e}");
            2
        }
    }
}

/// Where the slips of a command go: the file is made before anything is written to the
/// store, new (a file there may hold the only copy of earlier codes) and readable by its
/// owner only, so that a slip that cannot be written never leaves codes nobody has.
struct SlipFile {
    path: PathBuf,
    file: std::fs::File,
    server_url: Option<String>,
}

impl SlipFile {
    /// Makes the file `--slips` names, if any.
    fn open(args: &SlipArgs) -> Result<Option<SlipFile>, String> {
        use std::os::unix::fs::OpenOptionsExt;
        let Some(path) = &args.slips else {
            return Ok(None);
        };
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| {
                format!(
                    "fiches {} : {e} (donnez un fichier qui n'existe pas encore : il garde les \
                     seuls exemplaires des codes)",
                    path.display()
                )
            })?;
        Ok(Some(SlipFile {
            path: path.clone(),
            file,
            server_url: args.server_url.clone(),
        }))
    }

    /// Writes the slips of `activations` (the file is removed when there are none). A
    /// failure is told, not fatal: the codes are printed besides.
    fn write(
        mut self,
        store: &dyn ardoise_server::store::Store,
        activations: &[ardoise_server::accounts::Activation],
    ) {
        use std::io::Write as _;
        if activations.is_empty() {
            let _ = std::fs::remove_file(&self.path);
            eprintln!(
                "aucun nouveau code : pas de fiche ({})",
                self.path.display()
            );
            return;
        }
        let school = store
            .read()
            .and_then(|r| r.get_record(ardoise_protocol::EntityKind::School, "school"))
            .ok()
            .flatten()
            .and_then(|r| r.data.get("name")?.as_str().map(str::to_string))
            .unwrap_or_else(|| "votre établissement".into());
        let header = ardoise_server::slips::SlipHeader {
            school,
            server_url: self.server_url.clone(),
        };
        let pdf = ardoise_server::slips::slips_pdf(&header, activations);
        match self
            .file
            .write_all(&pdf)
            .and_then(|()| self.file.sync_all())
        {
            Ok(()) => eprintln!(
                "{} fiche(s) de connexion dans {}",
                activations.len(),
                self.path.display()
            ),
            Err(e) => eprintln!(
                "ATTENTION : fiches non écrites dans {} ({e}) ; les codes sont affichés ici",
                self.path.display()
            ),
        }
    }
}

/// Runs `op` (a command that makes activation codes) on the store, the slips file of
/// `slips` made first; then writes there the slips of the codes `op` made (`codes`), or
/// removes the file when it made none.
fn with_slips<T, E: std::fmt::Display>(
    args: &Args,
    slips: &SlipArgs,
    op: impl FnOnce(&dyn ardoise_server::store::Store) -> Result<T, E>,
    codes: impl Fn(&T) -> Vec<ardoise_server::accounts::Activation>,
) -> Result<T, String> {
    let slips = SlipFile::open(slips)?;
    on_store(args, |store| {
        let result = op(store);
        if let Some(slips) = slips {
            let made = result.as_ref().map(&codes).unwrap_or_default();
            slips.write(store, &made);
        }
        result
    })
}

/// Runs a command; its exit status.
fn run(args: &Args, command: &Command) -> i32 {
    use ardoise_server::school_calendar;
    match command {
        Command::Config(Config::Set { key, value }) if key == "zone" => outcome(
            on_store(args, |store| school_calendar::set_zone(store, value)),
            false,
            |r| r.to_text(),
            "calendrier inchangé",
        ),
        Command::Config(Config::Set { key, value })
            if key == "workload-minutes" || key == "workload-assessments" =>
        {
            let Ok(n) = value.parse::<u32>() else {
                eprintln!("réglage inchangé : « {value} » n'est pas un nombre");
                return 2;
            };
            let (minutes, assessments) = if key == "workload-minutes" {
                (Some(n), None)
            } else {
                (None, Some(n))
            };
            let result = on_store(args, |store| {
                ardoise_server::school_settings::set_workload(store, minutes, assessments)
            });
            match result {
                Ok(l) => {
                    println!(
                        "charge de travail : {} min et {} évaluation(s) par jour au plus",
                        l.max_minutes, l.max_assessments
                    );
                    0
                }
                Err(e) => {
                    eprintln!("réglage inchangé : {e}");
                    2
                }
            }
        }
        Command::Config(Config::Set { key, .. }) => {
            eprintln!("réglage inconnu « {key} » : zone, workload-minutes, workload-assessments");
            2
        }
        Command::Config(Config::Show) => match on_store(args, |store| {
            Ok::<_, ardoise_server::store::StoreError>((
                school_calendar::zone(store)?,
                ardoise_server::school_settings::workload(store)?,
            ))
        }) {
            Ok((zone, workload)) => {
                println!("zone = {}", zone.as_deref().unwrap_or("(non définie)"));
                println!("workload-minutes = {}", workload.max_minutes);
                println!("workload-assessments = {}", workload.max_assessments);
                0
            }
            Err(e) => {
                eprintln!("{e}");
                2
            }
        },
        Command::Year(Year::Close { year, today, json }) => {
            let year: ardoise_protocol::calendar::SchoolYear = match year.parse() {
                Ok(y) => y,
                Err(e) => {
                    eprintln!("année inchangée : {e}");
                    return 2;
                }
            };
            let today = today
                .unwrap_or_else(|| ardoise_protocol::calendar::paris_today(chrono::Utc::now()));
            outcome(
                on_store(args, |store| {
                    ardoise_server::school_year::close(store, year, today)
                }),
                *json,
                |r| r.to_text(),
                "année inchangée",
            )
        }
        Command::Charter(CharterCmd::Publish { file, title }) => {
            let text = match ardoise_server::read_limited(file, 256 * 1024)
                .and_then(|b| String::from_utf8(b).map_err(|_| "pas en UTF-8".to_string()))
            {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("charte inchangée : {} : {e}", file.display());
                    return 2;
                }
            };
            let title = title
                .clone()
                .unwrap_or_else(|| ardoise_protocol::entities::charter_title(&text));
            let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            outcome(
                on_store(args, |store| {
                    ardoise_server::charter::publish(store, &title, &text, &now)
                }),
                false,
                |p| format!("Charte version {} publiée : {}\n", p.number, p.title),
                "charte inchangée",
            )
        }
        Command::Support(SupportCmd::List { json }) => outcome(
            on_store(args, ardoise_server::support::list),
            *json,
            |reports| {
                if reports.is_empty() {
                    return "aucun rapport reçu\n".to_string();
                }
                reports
                    .iter()
                    .map(|r| {
                        let at = chrono::DateTime::from_timestamp(r.report.received_at, 0)
                            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                            .unwrap_or_default();
                        format!(
                            "{}  {at}  {}  {} octets\n",
                            r.report.id,
                            r.login.as_deref().unwrap_or(&r.report.user_id),
                            r.report.size
                        )
                    })
                    .collect()
            },
            "rapports illisibles",
        ),
        Command::Support(SupportCmd::Save { id, out }) => {
            match on_store(args, |store| ardoise_server::support::bundle(store, id)) {
                Ok(Some(zip)) => match std::fs::write(out, zip) {
                    Ok(()) => {
                        println!("rapport {id} enregistré : {}", out.display());
                        0
                    }
                    Err(e) => {
                        eprintln!("rapport non enregistré : {} : {e}", out.display());
                        2
                    }
                },
                Ok(None) => {
                    eprintln!("aucun rapport {id}");
                    2
                }
                Err(e) => {
                    eprintln!("rapport illisible : {e}");
                    2
                }
            }
        }
        Command::Indicators { from, until, json } => {
            let today = ardoise_protocol::calendar::paris_today(chrono::Utc::now());
            let result = ardoise_server::indicators::check_period(*from, *until)
                .map_err(|e| e.to_string())
                .and_then(|()| {
                    on_store(args, |store| {
                        ardoise_server::indicators::compute(store, *from, *until, today)
                    })
                });
            outcome(result, *json, |i| i.to_csv(), "indicateurs non calculés")
        }
        Command::Charter(CharterCmd::Status { json }) => outcome(
            on_store(args, ardoise_server::charter::status),
            *json,
            |s| s.to_text(),
            "état de la charte illisible",
        ),
        Command::Year(Year::List) => match on_store(args, |store| {
            ardoise_server::school_year::closed(&*store.read()?)
        }) {
            Ok(years) if years.is_empty() => {
                println!("aucune année close");
                0
            }
            Ok(years) => {
                for y in years {
                    println!("{y} close");
                }
                0
            }
            Err(e) => {
                eprintln!("{e}");
                2
            }
        },
        Command::Import(Import::Calendar { file, json }) => outcome(
            on_store(args, |store| school_calendar::import_ics(store, file)),
            *json,
            |r| r.to_text(),
            "calendrier inchangé",
        ),
        Command::Users(Users::Disable { login }) => {
            let result = on_store(args, |store| {
                let now = chrono::Utc::now().timestamp();
                ardoise_server::accounts::disable_user(store, login, now)
            });
            match result {
                Ok(_) => {
                    println!(
                        "compte « {login} » désactivé : ses appareils effaceront ses données à leur prochaine connexion"
                    );
                    0
                }
                Err(e) => {
                    eprintln!("compte non désactivé : {e}");
                    2
                }
            }
        }
        Command::Users(Users::Reset { login, slips }) => {
            let now = chrono::Utc::now().timestamp();
            let result = with_slips(
                args,
                slips,
                |store| ardoise_server::accounts::reset_user(store, login, now),
                |a| vec![a.clone()],
            );
            match result {
                Ok(a) => {
                    println!(
                        "compte « {} » : nouveau code d'activation {} (ses sessions sont fermées)",
                        a.login, a.code
                    );
                    0
                }
                Err(e) => {
                    eprintln!("compte inchangé : {e}");
                    2
                }
            }
        }
        Command::Users(Users::Import { file, json, slips }) => {
            let now = chrono::Utc::now().timestamp();
            let result = with_slips(
                args,
                slips,
                |store| ardoise_server::users_csv::import_users(store, file, now),
                |report| report.created.clone(),
            );
            outcome(
                result,
                *json,
                |r| r.to_text(),
                "import refusé, aucun compte créé",
            )
        }
        Command::Users(Users::Add {
            login,
            role,
            name,
            sts_id,
            classes,
            password_from_env,
            slips,
        }) => {
            let Ok(role) =
                serde_json::from_value::<ardoise_protocol::Role>(serde_json::json!(role))
            else {
                eprintln!(
                    "rôle inconnu « {role} » : teacher, vie_scolaire, direction, inspector, pupil ou parent"
                );
                return 2;
            };
            let password = if *password_from_env {
                match std::env::var("ARDOISE_PASSWORD") {
                    Ok(p) => Some(p),
                    Err(_) => {
                        eprintln!("compte non créé : --password-from-env sans ARDOISE_PASSWORD");
                        return 2;
                    }
                }
            } else {
                None
            };
            let now = chrono::Utc::now().timestamp();
            let result = with_slips(
                args,
                slips,
                |store| {
                    let new = ardoise_server::accounts::NewUser {
                        login: login.clone(),
                        role,
                        name: name.clone(),
                        sts_id: sts_id.clone(),
                        password,
                        audience_ids: ardoise_server::users_csv::audience_ids(store, classes)?,
                        subject_ids: Vec::new(),
                    };
                    Ok::<_, anyhow::Error>(ardoise_server::accounts::add_user(store, &new, now)?)
                },
                |created| created.activation.iter().cloned().collect(),
            );
            match result {
                Ok(created) => {
                    match &created.activation {
                        Some(a) => println!(
                            "compte « {login} » créé ({}) : code d'activation {}",
                            created.user_id, a.code
                        ),
                        None => println!(
                            "compte « {login} » créé ({}) avec le mot de passe d'ARDOISE_PASSWORD",
                            created.user_id
                        ),
                    }
                    0
                }
                Err(e) => {
                    eprintln!("compte non créé : {e}");
                    2
                }
            }
        }
        Command::Import(Import::Sts {
            files,
            dry_run,
            json,
            today,
            alsace_moselle,
        }) => {
            let options = ardoise_server::import::Options {
                dry_run: *dry_run,
                today: today
                    .unwrap_or_else(|| ardoise_protocol::calendar::paris_today(chrono::Utc::now())),
                region: if *alsace_moselle {
                    ardoise_protocol::calendar::Region::AlsaceMoselle
                } else {
                    ardoise_protocol::calendar::Region::National
                },
            };
            let result = on_store(args, |store| {
                ardoise_server::import::import_sts(store, &files[0], &files[1], &options)
            });
            outcome(
                result,
                *json,
                |r| r.to_text(),
                "import refusé, rien n'a été importé",
            )
        }
    }
}

#[cfg(feature = "demo")]
fn open(args: &Args) -> anyhow::Result<ardoise_server::Ent> {
    if !args.demo {
        return ardoise_server::open_on(&args.data, args.database.as_deref());
    }
    let options = ardoise_fixtures::Options::for_size(&args.size)
        .ok_or_else(|| anyhow::anyhow!("--size: demo, large or a number of classes (3 or more)"))?;
    ardoise_server::open_demo_on(&args.data, args.database.as_deref(), &options)
}

#[cfg(not(feature = "demo"))]
fn open(args: &Args) -> anyhow::Result<ardoise_server::Ent> {
    anyhow::ensure!(
        !args.demo,
        "--demo: this server is built without the demo school (cargo build --features demo)"
    );
    ardoise_server::open_on(&args.data, args.database.as_deref())
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = term.recv() => {},
        _ = tokio::signal::ctrl_c() => {},
    }
}
