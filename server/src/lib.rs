//! The reference central ENT of Ardoise: a small server that speaks the sync protocol of
//! `ardoise-protocol`, so the whole system runs and is tested on one machine.
//!
//! - [`store`]: the storage trait and its SQLite implementation (a gap-free change feed);
//! - [`acl`]: who may read and write what, by role;
//! - [`rules`]: pull, snapshot, and push with idempotency, per-field merge, conflict
//!   revisions and the visa lock;
//! - [`auth`]: argon2id passwords, tokens, slowing down of password guessing;
//! - [`blobs`]: document contents on disk, resumable uploads;
//! - [`http`]: the axum routes;
//! - [`net`]: connections, with their timeouts and cap.
//!
//! Every client is taken as hostile: docs/security.md says what each limit is and why.
//!
//! ```no_run
//! # async fn run() -> anyhow::Result<()> {
//! let demo = ardoise_fixtures::Options::demo();
//! let ent = ardoise_server::open(std::path::Path::new("/tmp/ent"), Some(&demo))?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! ardoise_server::serve(ent, listener, std::future::pending()).await?;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod acl;
pub mod auth;
pub mod blobs;
pub mod http;
pub mod net;
pub mod rules;
pub mod store;

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use blobs::BlobStore;
use store::{Account, SqliteStore, Store, StoredRecord};

/// Default storage quota of each user.
pub const DEFAULT_QUOTA_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// The server's limits (docs/security.md says why each is what it is).
#[derive(Debug, Clone)]
pub struct Limits {
    /// Connections: timeouts and cap.
    pub net: net::NetLimits,
    /// Bytes each user may keep in the espace documentaire.
    pub quota_bytes: u64,
    /// Password checks (argon2id, 19 MiB each) run at once; more wait.
    pub password_checks: usize,
    /// How long a login waits for a check to be free before it is told to come back.
    pub password_wait: Duration,
    /// Password checks one address may have at once before it is held to the rate.
    pub login_burst: u32,
    /// Password checks per minute one address is given back.
    pub login_per_minute: u32,
    /// Unfinished uploads, and blobs no document holds, are removed after this.
    pub grace: Duration,
    /// How often expired tokens, counters, uploads and blobs are collected.
    pub maintenance_every: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            net: net::NetLimits::default(),
            quota_bytes: DEFAULT_QUOTA_BYTES,
            password_checks: std::thread::available_parallelism().map_or(2, |n| n.get().max(2)),
            password_wait: Duration::from_secs(5),
            login_burst: 60,
            login_per_minute: 120,
            grace: Duration::from_secs(7 * 24 * 3600),
            maintenance_every: Duration::from_secs(600),
        }
    }
}

/// One ENT: its store, its blobs and its limits.
pub struct Ent {
    /// Records, accounts, tokens, uploads.
    pub store: Arc<SqliteStore>,
    /// Document contents.
    pub blobs: Arc<BlobStore>,
    /// Limits.
    pub limits: Limits,
}

/// Opens the ENT in `dir` (created if missing); with `demo`, seeds a generated school into
/// an empty store.
pub fn open(dir: &Path, demo: Option<&ardoise_fixtures::Options>) -> anyhow::Result<Ent> {
    std::fs::create_dir_all(dir)?;
    let store = SqliteStore::open(&dir.join("ardoise-server.sqlite3"))?;
    let blobs = BlobStore::new(dir);
    if let Some(options) = demo {
        if store.is_empty()? {
            let school = ardoise_fixtures::generate(options);
            for content in &school.blobs {
                blobs.put(content)?;
            }
            seed(&store, &school)?;
        }
    }
    Ok(Ent {
        store: Arc::new(store),
        blobs: Arc::new(blobs),
        limits: Limits::default(),
    })
}

/// Writes a generated school into the store, in one transaction (the contents of its
/// documents go to the [`BlobStore`] first).
pub fn seed(store: &dyn Store, school: &ardoise_fixtures::School) -> anyhow::Result<()> {
    // Demo accounts all share the demo password; one hash (with its own salt) serves them
    // all, so seeding stays fast. Never do this with real passwords.
    let demo_hash = auth::hash_password(ardoise_fixtures::DEMO_PASSWORD);
    let mut tx = store.write()?;
    for r in &school.records {
        let published = r.data.get("state").and_then(|s| s.as_str()) == Some("published");
        tx.put_record(&StoredRecord {
            kind: r.kind,
            id: r.id.clone(),
            version: 1,
            change_seq: 0,
            deleted: false,
            ever_public: published,
            data: r.data.clone(),
        })?;
    }
    for content in &school.blobs {
        let hash = blake3::hash(content).to_hex().to_string();
        tx.put_blob(&hash, content.len() as u64, None, 0)?;
    }
    for a in &school.accounts {
        let password_hash = if a.password == ardoise_fixtures::DEMO_PASSWORD {
            demo_hash.clone()
        } else {
            auth::hash_password(&a.password)
        };
        tx.put_account(&Account {
            user_id: a.user_id.clone(),
            login: a.login.clone(),
            password_hash,
        })?;
    }
    tx.commit()?;
    Ok(())
}

/// Serves the ENT on `listener` until `shutdown` completes, then finishes the requests
/// under way. Expired tokens, counters, stale uploads and unreferenced blobs are collected
/// meanwhile, every [`Limits::maintenance_every`].
pub async fn serve(
    ent: Ent,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = Arc::new(ent.limits);
    let app = http::router(http::AppState {
        store: ent.store.clone(),
        blobs: ent.blobs.clone(),
        hashing: Arc::new(tokio::sync::Semaphore::new(limits.password_checks.max(1))),
        checkers: Arc::new(http::PasswordThreads::new(limits.password_checks)),
        budget: Arc::new(auth::AddressBudget::new(
            limits.login_burst,
            limits.login_per_minute,
        )),
        device_budget: Arc::new(auth::AddressBudget::new(10, 6)),
        limits: limits.clone(),
    });
    let maintenance = tokio::spawn({
        let (store, blobs, limits) = (ent.store, ent.blobs, limits.clone());
        async move {
            // Not at start: the first pass comes one interval in.
            let mut every = tokio::time::interval_at(
                tokio::time::Instant::now() + limits.maintenance_every,
                limits.maintenance_every,
            );
            loop {
                every.tick().await;
                let (store, blobs, grace) = (store.clone(), blobs.clone(), limits.grace);
                let now = chrono::Utc::now().timestamp();
                let done =
                    tokio::task::spawn_blocking(move || maintain(&*store, &blobs, now, grace))
                        .await;
                match done {
                    Ok(Ok(c)) => tracing::info!(
                        tokens = c.tokens,
                        throttles = c.throttles,
                        devices = c.devices,
                        uploads = c.uploads.len(),
                        blobs = c.blobs.len(),
                        "maintenance"
                    ),
                    Ok(Err(e)) => tracing::error!(error = %e, "maintenance failed"),
                    Err(e) => tracing::error!(error = %e, "maintenance task failed"),
                }
            }
        }
    });
    let served = net::serve(app, listener, limits.net.clone(), shutdown).await;
    maintenance.abort();
    served
}

/// One maintenance pass at `now` (unix seconds): removes expired tokens and throttle
/// counters, uploads left unfinished for longer than `grace`, and the blobs that no live
/// document holds, stored more than `grace` ago — rows, then files. Uploads finishing
/// meanwhile wait (a blob just uploaded again is never removed under its uploader).
pub fn maintain(
    store: &dyn Store,
    blobs: &BlobStore,
    now: i64,
    grace: Duration,
) -> anyhow::Result<store::Collected> {
    let _quiet = blobs.collecting();
    let mut tx = store.write()?;
    let collected = tx.collect(now, now - grace.as_secs() as i64)?;
    tx.commit()?;
    for (user, hash) in &collected.uploads {
        blobs.remove_upload(user, hash)?;
    }
    for hash in &collected.blobs {
        blobs.remove_blob(hash)?;
    }
    Ok(collected)
}
