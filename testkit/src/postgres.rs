//! A PostgreSQL for tests, with nothing to set up: the server named by
//! `ARDOISE_TEST_DATABASE_URL` when it answers (a role that may create databases), else a
//! throwaway cluster of this test process's own — Debian's PostgreSQL binaries, `initdb` in
//! a temporary folder, as an unprivileged user (`postgres` when the tests run as root), on
//! a free loopback port — stopped and removed when the process ends, by a watchdog that
//! outlives it. Each [`TestDatabase`] is a database of its own, dropped after, so tests run
//! in parallel.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// One fresh, empty database.
pub struct TestDatabase {
    /// Its address, for `ardoise-server --database` or `PgStore::open`.
    pub url: String,
    name: String,
    admin: String,
}

impl TestDatabase {
    /// Creates a database with a name of its own.
    pub fn new() -> TestDatabase {
        static N: AtomicU64 = AtomicU64::new(0);
        let admin = admin_url();
        let name = format!(
            "ardoise_t{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let mut client = ::postgres::Client::connect(admin, ::postgres::NoTls)
            .unwrap_or_else(|e| panic!("test PostgreSQL at {admin}: {e}"));
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        TestDatabase {
            url: with_database(admin, &name),
            name,
            admin: admin.to_string(),
        }
    }
}

impl Default for TestDatabase {
    fn default() -> TestDatabase {
        TestDatabase::new()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Ok(mut client) = ::postgres::Client::connect(&self.admin, ::postgres::NoTls) {
            let _ = client.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// `postgres://…/db?…` with its database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let rest = base.strip_prefix("postgres://").unwrap_or(base);
    let authority = rest.split('/').next().unwrap_or(rest);
    let mut out = format!("postgres://{authority}/{name}");
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// The address of a role that may create databases: the environment's, else the
/// throwaway cluster's (started at the first call).
fn admin_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("ARDOISE_TEST_DATABASE_URL") {
            if !url.is_empty() && ::postgres::Client::connect(&url, ::postgres::NoTls).is_ok() {
                return url;
            }
            eprintln!("ARDOISE_TEST_DATABASE_URL={url} does not answer: a cluster of our own");
        }
        start_cluster()
    })
}

/// Debian's PostgreSQL binaries (the newest installed major version).
fn bin_dir() -> PathBuf {
    let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let major = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((major, bin))
        })
        .collect();
    dirs.sort();
    dirs.pop().map(|(_, d)| d).unwrap_or_else(|| {
        panic!(
            "PostgreSQL is not installed: scripts/install-deps.sh installs it \
             (or set ARDOISE_TEST_DATABASE_URL)"
        )
    })
}

/// A command run as the cluster's owner: this user, or `postgres` when running as root
/// (`initdb` and `postgres` refuse root).
fn as_owner(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid=postgres",
            "--regid=postgres",
            "--init-groups",
            "--",
        ])
        .arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn start_cluster() -> String {
    let bin = bin_dir();
    let dir = std::env::temp_dir().join(format!("ardoise-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the cluster's folder");
    if is_root() {
        let ok = Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "chown of {} to postgres", dir.display());
    }
    let data = dir.join("data");
    let out = as_owner(&bin.join("initdb"))
        .args(["-D"])
        .arg(&data)
        .args([
            "-U",
            "ardoise",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        ])
        .output()
        .expect("initdb");
    assert!(
        out.status.success(),
        "initdb: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let log = std::fs::File::create(dir.join("log")).expect("the cluster's log");
    let mut server = as_owner(&bin.join("postgres"))
        .arg("-D")
        .arg(&data)
        .args(["-p", &port.to_string(), "-k"])
        .arg(&dir)
        .args([
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "max_connections=300",
            // A test cluster: losing it on a power cut loses nothing of value.
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start postgres");
    // Stopped and removed once this process is gone, however it ends.
    let watchdog = format!(
        "while kill -0 {me} 2>/dev/null; do sleep 1; done; kill -QUIT {pg} 2>/dev/null; \
         for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 {pg} 2>/dev/null || break; sleep 1; done; \
         rm -rf '{dir}'",
        me = std::process::id(),
        pg = server.id(),
        dir = dir.display()
    );
    let mut watchdog = Command::new("setsid")
        .args(["sh", "-c", &watchdog])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the cluster's watchdog");
    // Both are reaped if they end while this process runs (the cluster's early death is
    // then said by the connection below).
    std::thread::spawn(move || server.wait());
    std::thread::spawn(move || watchdog.wait());
    let url = format!("postgres://ardoise@127.0.0.1:{port}/postgres");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match ::postgres::Client::connect(&url, ::postgres::NoTls) {
            Ok(_) => return url,
            Err(e) if Instant::now() > deadline => panic!(
                "the test cluster did not answer: {e}\n{}",
                std::fs::read_to_string(dir.join("log")).unwrap_or_default()
            ),
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_name_replaces_the_one_in_the_address() {
        assert_eq!(
            with_database("postgres://ardoise@127.0.0.1:5432/postgres", "t1"),
            "postgres://ardoise@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u:p@db/x?sslmode=disable", "t2"),
            "postgres://u:p@db/t2?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "t3"), "postgres://u@h/t3");
    }
}
