//! An update channel on loopback, as a school's web server publishes one: static files
//! (`latest.json` and the packages it names) that a test puts and swaps, and the log of what
//! was asked. Packages are signed with the tests' updater key, the one `make e2e` builds the
//! app with (`scripts/updater-key.sh`), through the Tauri CLI of `ui/node_modules`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

type Files = Arc<Mutex<HashMap<String, Vec<u8>>>>;

/// A running static file server.
pub struct UpdateChannel {
    /// Its port on 127.0.0.1.
    pub port: u16,
    files: Files,
    asked: Arc<Mutex<Vec<String>>>,
}

impl UpdateChannel {
    /// Starts an empty channel on a free port of 127.0.0.1.
    pub fn start() -> UpdateChannel {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the update channel");
        let port = listener.local_addr().unwrap().port();
        let files: Files = Arc::default();
        let asked = Arc::new(Mutex::new(Vec::new()));
        let (f, a) = (files.clone(), asked.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let (f, a) = (f.clone(), a.clone());
                std::thread::spawn(move || {
                    let _ = serve(conn, &f, &a);
                });
            }
        });
        UpdateChannel { port, files, asked }
    }

    /// The address of `path` (`/latest.json`…) on this channel.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Publishes `body` at `path`, replacing what was there.
    pub fn put(&self, path: &str, body: impl Into<Vec<u8>>) {
        self.files
            .lock()
            .unwrap()
            .insert(path.to_string(), body.into());
    }

    /// The paths asked for so far, in order.
    pub fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }
}

fn serve(conn: TcpStream, files: &Files, asked: &Mutex<Vec<String>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    // The headers are read and dropped: nothing here depends on them.
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    asked.lock().unwrap().push(path.clone());
    let body = files.lock().unwrap().get(&path).cloned();
    let mut out = conn;
    match body {
        Some(body) => {
            let kind = if path.ends_with(".json") {
                "application/json"
            } else {
                "application/octet-stream"
            };
            write!(
                out,
                "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )?;
            out.write_all(&body)?;
        }
        None => write!(
            out,
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )?,
    }
    out.flush()
}

/// The tests' updater key: `ARDOISE_UPDATER_KEY`, else `<target>/updater-key/ardoise.key`
/// (made by `scripts/updater-key.sh`, which `make e2e` runs).
pub fn test_key() -> PathBuf {
    std::env::var_os("ARDOISE_UPDATER_KEY")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            crate::bin_dir()
                .parent()
                .expect("target/<profile>")
                .join("updater-key/ardoise.key")
        })
}

/// The signature (`.sig` text) of `file` for `version`, made with [`test_key`] by the
/// Tauri CLI, bound to the version as release builds are.
pub fn sign(file: &Path, version: &str) -> String {
    let key = test_key();
    assert!(
        key.exists(),
        "{} is missing: run scripts/updater-key.sh (make e2e does)",
        key.display()
    );
    let tauri = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/node_modules/.bin/tauri");
    let out = std::process::Command::new(&tauri)
        .args(["signer", "sign", "--password", "", "--app-version", version])
        .arg("--private-key-path")
        .arg(&key)
        .arg(file)
        .env_remove("TAURI_SIGNING_PRIVATE_KEY")
        .output()
        .unwrap_or_else(|e| panic!("{}: {e} (make deps)", tauri.display()));
    assert!(
        out.status.success(),
        "tauri signer sign: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut sig = file.as_os_str().to_owned();
    sig.push(".sig");
    std::fs::read_to_string(PathBuf::from(sig)).expect("the .sig beside the file")
}

/// A `latest.json` announcing `version` for the Debian package at `url`.
pub fn manifest(version: &str, notes: &str, url: &str, signature: &str) -> Value {
    json!({
        "version": version,
        "notes": notes,
        "pub_date": "2026-12-01T08:00:00Z",
        "platforms": {
            format!("linux-{}-deb", std::env::consts::ARCH): { "url": url, "signature": signature }
        }
    })
}
