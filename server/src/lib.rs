//! The reference central ENT of Ardoise: a small server that speaks the sync protocol of
//! `ardoise-protocol`, so the whole system runs and is tested on one machine.
//!
//! - [`store`]: the storage trait and its SQLite implementation (a gap-free change feed);
//! - [`acl`]: who may read and write what, by role;
//! - [`rules`]: pull, snapshot, and push with idempotency, per-field merge, conflict
//!   revisions and the visa lock;
//! - [`auth`]: argon2id passwords, tokens, slowing down of password guessing;
//! - [`blobs`]: document contents on disk, resumable uploads;
//! - [`http`]: the axum routes.
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
pub mod rules;
pub mod store;

use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use blobs::BlobStore;
use store::{Account, SqliteStore, Store, StoredRecord};

/// Default storage quota of each user.
pub const DEFAULT_QUOTA_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// One ENT: its store, its blobs and its limits.
pub struct Ent {
    /// Records, accounts, tokens, uploads.
    pub store: Arc<SqliteStore>,
    /// Document contents.
    pub blobs: Arc<BlobStore>,
    /// Bytes each user may keep in the espace documentaire.
    pub quota_bytes: u64,
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
        quota_bytes: DEFAULT_QUOTA_BYTES,
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
        tx.put_blob(&hash, content.len() as u64, None)?;
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
/// under way.
pub async fn serve(
    ent: Ent,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = http::router(http::AppState {
        store: ent.store,
        blobs: ent.blobs,
        quota_bytes: ent.quota_bytes,
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
