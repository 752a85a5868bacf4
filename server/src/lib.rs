//! The reference central ENT of Ardoise: a small server that speaks the sync protocol of
//! `ardoise-protocol`, so the whole system runs and is tested on one machine.
//!
//! - [`store`]: the storage trait and its SQLite implementation (a gap-free change feed);
//! - [`acl`]: who may read and write what, by role;
//! - [`rules`]: pull, snapshot, and push with idempotency, per-field merge, conflict
//!   revisions and the visa lock;
//! - [`auth`]: argon2id passwords, tokens, slowing down of password guessing;
//! - [`http`]: the axum routes.
//!
//! ```no_run
//! # async fn run() -> anyhow::Result<()> {
//! let demo = ardoise_fixtures::Options::demo();
//! let store = ardoise_server::open_store(std::path::Path::new("/tmp/ent"), Some(&demo))?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! ardoise_server::serve(store, listener, std::future::pending()).await?;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod acl;
pub mod auth;
pub mod http;
pub mod rules;
pub mod store;

use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use store::{Account, SqliteStore, Store, StoredRecord};

/// Opens the store in `dir` (created if missing); with `demo`, seeds a generated school into
/// an empty store.
pub fn open_store(
    dir: &Path,
    demo: Option<&ardoise_fixtures::Options>,
) -> anyhow::Result<Arc<SqliteStore>> {
    std::fs::create_dir_all(dir)?;
    let store = SqliteStore::open(&dir.join("ardoise-server.sqlite3"))?;
    if let Some(options) = demo {
        if store.is_empty()? {
            seed(&store, &ardoise_fixtures::generate(options))?;
        }
    }
    Ok(Arc::new(store))
}

/// Writes a generated school into the store, in one transaction.
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
    store: Arc<SqliteStore>,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = http::router(http::AppState { store });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
