//! Test harness of Ardoise: the real `ardoise-server` binary on loopback ([`Server`]), real
//! `ardoise` client processes with their own profile folders ([`Client`]), a small fault
//! proxy between them ([`Proxy`]), direct HTTP for protocol tests ([`Http`]), a minimal
//! WebDriver client for end-to-end tests of the app ([`webdriver`]) and an update channel
//! ([`update_channel`]).
//!
//! The binaries are looked up next to the running test executable (`target/debug`); a
//! workspace test run builds them.

pub mod forward_proxy;
pub mod open_ent;
pub mod postgres;
pub mod update_channel;
pub mod webdriver;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

/// Folder of the workspace's binaries (target/debug), next to the test executable.
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/debug/deps/<test>")
        .to_path_buf()
}

/// Path of a workspace binary; panics with a hint when it was not built.
pub fn bin(name: &str) -> PathBuf {
    let path = bin_dir().join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo test --workspace` so the server binary is built",
        path.display()
    );
    path
}

/// Runs `script` with the tests' reference Python (`make pyenv`: the packages of
/// `scripts/test-requirements.txt`, independent of Ardoise), `input` on its stdin; its
/// stdout. Panics, with the script's stderr, when it fails.
pub fn python(script: &str, input: &str) -> String {
    let python = std::env::var_os("ARDOISE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| bin_dir().join("../pyenv/bin/python"));
    assert!(
        python.exists(),
        "{} is missing: run `make pyenv` (make test does)",
        python.display()
    );
    let mut child = Command::new(&python)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the reference Python starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("python's stdin");
    let out = child.wait_with_output().expect("python ends");
    assert!(
        out.status.success(),
        "the reference Python failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 from python")
}

/// The reference ENT as a child process; stopped with SIGTERM on drop.
pub struct Server {
    pub data: PathBuf,
    pub port: u16,
    child: Option<Child>,
    args: Vec<String>,
    log: Option<(PathBuf, String)>,
}

impl Server {
    /// Starts a server with the demo school in a new folder of `root`.
    pub fn demo(root: &Path) -> Server {
        Server::demo_with(root, &[])
    }

    /// Starts a server with the demo school and extra arguments (e.g. `--quota-mb`).
    pub fn demo_with(root: &Path, args: &[&str]) -> Server {
        let mut s = Server {
            data: root.join("server"),
            port: 0,
            child: None,
            args: args.iter().map(|a| a.to_string()).collect(),
            log: None,
        };
        s.start();
        s
    }

    /// Like [`Server::demo_with`], its log (at `level`, as `ARDOISE_LOG` takes it)
    /// written to `log`.
    pub fn demo_logged(root: &Path, args: &[&str], log: &Path, level: &str) -> Server {
        let mut s = Server {
            data: root.join("server"),
            port: 0,
            child: None,
            args: args.iter().map(|a| a.to_string()).collect(),
            log: Some((log.to_path_buf(), level.to_string())),
        };
        s.start();
        s
    }

    /// The server's process id (while it runs).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts (again) on the same port and data.
    pub fn start(&mut self) {
        assert!(self.child.is_none(), "already running");
        let mut child = Command::new(bin("ardoise-server"))
            .arg("--data")
            .arg(&self.data)
            .arg("--listen")
            .arg(format!("127.0.0.1:{}", self.port))
            .arg("--demo")
            .args(&self.args)
            .env(
                "ARDOISE_LOG",
                self.log
                    .as_ref()
                    .map_or("warn", |(_, level)| level.as_str()),
            )
            .stdout(Stdio::piped())
            .stderr(match &self.log {
                Some((path, _)) => Stdio::from(
                    std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(path)
                        .expect("server log file"),
                ),
                None => Stdio::inherit(),
            })
            .spawn()
            .expect("start ardoise-server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the server's first line");
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"));
        self.port = addr.rsplit(':').next().unwrap().parse().unwrap();
        self.child = Some(child);
    }

    /// Stops with SIGTERM and waits: the server shuts down cleanly.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let status = child.wait().expect("wait for server");
            assert!(status.success(), "server did not stop cleanly: {status}");
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `ardoise-server --data DATA ARGS` (an administration command) with `env`, run to its end.
pub fn server_run(data: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    Command::new(bin("ardoise-server"))
        .arg("--data")
        .arg(data)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

/// An administration command the server refuses (exit status 2, nothing changed); what
/// it says.
pub fn server_refused(data: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = server_run(data, args, env);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?} not refused: {stderr}");
    stderr
}

/// An administration command that succeeds; what it prints.
pub fn server_cmd(data: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = server_run(data, args, env);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "ardoise-server {args:?}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The text of a PDF file as `pdftotext` (poppler-utils) reads it, white space collapsed:
/// a line the layout cut in two reads as one.
pub fn pdf_text(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils, installed by scripts/install-deps.sh)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a client command gave.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr))
    }

    pub fn ok(self) -> Out {
        assert_eq!(
            self.code, 0,
            "stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }
}

/// One `ardoise` profile.
pub struct Client {
    pub profile: PathBuf,
}

impl Client {
    pub fn new(root: &Path, name: &str) -> Client {
        Client {
            profile: root.join(name),
        }
    }

    /// Runs `ardoise --profile … args`, with `stdin` as input.
    pub fn run_with(&self, args: &[&str], stdin: &str) -> Out {
        let mut child = Command::new(bin("ardoise"))
            .arg("--profile")
            .arg(&self.profile)
            .args(args)
            .env("ARDOISE_PASSWORD", "ardoise")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start ardoise");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().expect("ardoise output");
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn run(&self, args: &[&str]) -> Out {
        self.run_with(args, "")
    }

    /// Runs `ardoise --profile … args` with extra environment variables.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Out {
        let out = Command::new(bin("ardoise"))
            .arg("--profile")
            .arg(&self.profile)
            .args(args)
            .env("ARDOISE_PASSWORD", "ardoise")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .output()
            .expect("run ardoise");
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Logs in as `user` (password ardoise) on `url` and syncs.
    pub fn login_and_sync(root: &Path, url: &str, user: &str) -> Client {
        let c = Client::new(root, user);
        c.run(&["login", "--server", url, "--user", user]).ok();
        c.run(&["sync"]).ok();
        c
    }

    /// `ardoise <kind> list --audience … --from … --to … --json`, as a list.
    pub fn list(&self, kind: &str, audience: &str, from: &str, to: &str) -> Vec<Value> {
        let out = self
            .run(&[
                kind,
                "list",
                "--audience",
                audience,
                "--from",
                from,
                "--to",
                to,
                "--json",
            ])
            .ok()
            .json();
        out.as_array().expect("a JSON list").clone()
    }

    /// `ardoise timetable --teacher LOGIN --date DATE --days N --json`, as a list.
    pub fn teacher_days(&self, login: &str, date: &str, days: u32) -> Vec<Value> {
        let out = self
            .run(&[
                "timetable",
                "--teacher",
                login,
                "--date",
                date,
                "--days",
                &days.to_string(),
                "--json",
            ])
            .ok()
            .json();
        out.as_array().expect("a JSON list").clone()
    }

    /// `ardoise status --json`.
    pub fn status(&self) -> Value {
        self.run(&["status", "--json"]).ok().json()
    }
}

/// A fault to inject on the next matching request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// Pass everything through.
    None,
    /// Forward the next request whose first line starts with the prefix, let the server
    /// answer, and drop the answer (the client sees the connection close).
    DropResponse(&'static str),
    /// Forward the answer to the next matching request but cut it after this many bytes.
    Truncate(&'static str, usize),
    /// Forward only this many bytes of the next matching request, then cut the connection
    /// both ways (a client that dies mid-upload, seen from the server).
    CutRequest(&'static str, usize),
    /// Forward only this many bytes of the next matching request, then hold the rest back
    /// without closing anything: the client hangs mid-request (until it is killed).
    StallRequest(&'static str, usize),
}

/// A TCP proxy on loopback with one-shot faults, and random ones ([`Proxy::chaos`]).
pub struct Proxy {
    pub port: u16,
    fault: Arc<Mutex<Fault>>,
    pub faults_fired: Arc<AtomicUsize>,
    down: Arc<std::sync::atomic::AtomicBool>,
    then_down: Arc<std::sync::atomic::AtomicBool>,
    chaos: Arc<Mutex<Option<Chaos>>>,
    /// Bytes relayed from clients to the server, and back (all connections).
    pub bytes_up: Arc<AtomicU64>,
    pub bytes_down: Arc<AtomicU64>,
}

/// Random faults, one draw per connection, from a seed.
struct Chaos {
    rng: ardoise_fixtures::Rng,
    percent: usize,
}

impl Chaos {
    /// What happens to a new connection: refused (`None`), or relayed with a fault of its
    /// first request and a delay on each chunk of the answer.
    fn draw(&mut self) -> Option<(Fault, u64)> {
        if self.rng.below(100) >= self.percent {
            return Some((Fault::None, 0));
        }
        let any = "";
        Some(match self.rng.below(5) {
            0 => return None,
            1 => (Fault::DropResponse(any), 0),
            2 => (Fault::CutRequest(any, self.rng.below(600)), 0),
            3 => (Fault::Truncate(any, self.rng.below(3000)), 0),
            _ => (Fault::None, 5 + self.rng.below(60) as u64),
        })
    }
}

impl Proxy {
    pub fn start(upstream_port: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let fault = Arc::new(Mutex::new(Fault::None));
        let fired = Arc::new(AtomicUsize::new(0));
        let down = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let then_down = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let chaos: Arc<Mutex<Option<Chaos>>> = Arc::new(Mutex::new(None));
        let bytes_up = Arc::new(AtomicU64::new(0));
        let bytes_down = Arc::new(AtomicU64::new(0));
        let (f, n, d, t, c) = (
            fault.clone(),
            fired.clone(),
            down.clone(),
            then_down.clone(),
            chaos.clone(),
        );
        let (up, down_bytes) = (bytes_up.clone(), bytes_down.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                if d.load(Ordering::SeqCst) {
                    let _ = conn.shutdown(Shutdown::Both);
                    continue;
                }
                let drawn = c.lock().unwrap().as_mut().map(Chaos::draw);
                let (first, delay) = match drawn {
                    None => (Fault::None, 0),
                    Some(Some(d)) => d,
                    Some(None) => {
                        n.fetch_add(1, Ordering::SeqCst);
                        let _ = conn.shutdown(Shutdown::Both);
                        continue;
                    }
                };
                let (f, n, d, t) = (f.clone(), n.clone(), d.clone(), t.clone());
                let faults = Faults {
                    armed: f,
                    fired: n,
                    down: d,
                    then_down: t,
                    first,
                    delay_ms: delay,
                    bytes_up: up.clone(),
                    bytes_down: down_bytes.clone(),
                };
                std::thread::spawn(move || relay(conn, upstream_port, faults));
            }
        });
        Proxy {
            port,
            fault,
            faults_fired: fired,
            down,
            then_down,
            chaos,
            bytes_up,
            bytes_down,
        }
    }

    /// From now on, `percent` % of new connections (drawn from `seed`) are refused, lose
    /// the answer after the server handled the request, are cut mid-request or mid-answer,
    /// or are slowed down.
    pub fn chaos(&self, seed: u64, percent: usize) {
        *self.chaos.lock().unwrap() = Some(Chaos {
            rng: ardoise_fixtures::Rng(seed),
            percent,
        });
    }

    /// Ends [`Proxy::chaos`].
    pub fn calm(&self) {
        *self.chaos.lock().unwrap() = None;
    }

    /// Refuse every connection (and cut those under way) until set back to false.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn arm(&self, fault: Fault) {
        self.then_down.store(false, Ordering::SeqCst);
        *self.fault.lock().unwrap() = fault;
    }

    /// Like [`Proxy::arm`], and once the fault has cut its connection, the network stays
    /// down (every connection refused) until `set_down(false)`: the client cannot repair
    /// in the same run, as if it had been killed.
    pub fn arm_then_down(&self, fault: Fault) {
        *self.fault.lock().unwrap() = fault;
        self.then_down.store(true, Ordering::SeqCst);
    }
}

/// What a relayed connection may suffer: the proxy's armed one-shot fault, a fault drawn
/// for this connection's first request, a delay on each chunk of the answers.
struct Faults {
    armed: Arc<Mutex<Fault>>,
    fired: Arc<AtomicUsize>,
    down: Arc<std::sync::atomic::AtomicBool>,
    then_down: Arc<std::sync::atomic::AtomicBool>,
    first: Fault,
    delay_ms: u64,
    bytes_up: Arc<AtomicU64>,
    bytes_down: Arc<AtomicU64>,
}

fn relay(client: TcpStream, upstream_port: u16, faults: Faults) {
    let Faults {
        armed: fault,
        fired,
        down,
        then_down,
        first,
        delay_ms,
        bytes_up,
        bytes_down,
    } = faults;
    let Ok(server) = TcpStream::connect(("127.0.0.1", upstream_port)) else {
        return;
    };
    // What to do with the answer of the request under way on this connection.
    let mode = Arc::new(Mutex::new(Fault::None));
    let (mut c_in, mut s_out) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    let up_mode = mode.clone();
    let up_down = down.clone();
    let up_then_down = then_down.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        // Bytes of the request under way still allowed through (CutRequest, StallRequest).
        let mut allowance: Option<usize> = None;
        let mut stall = false;
        let mut first = Some(first).filter(|f| *f != Fault::None);
        loop {
            let n = match c_in.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if up_down.load(Ordering::SeqCst) {
                break;
            }
            let text = String::from_utf8_lossy(&buf[..n.min(64)]);
            let drawn = first.take();
            let armed = drawn.unwrap_or_else(|| *fault.lock().unwrap());
            let prefix = match armed {
                Fault::DropResponse(p)
                | Fault::Truncate(p, _)
                | Fault::CutRequest(p, _)
                | Fault::StallRequest(p, _) => Some(p),
                Fault::None => None,
            };
            if let Some(p) = prefix {
                if text.starts_with(p) {
                    if drawn.is_none() {
                        *fault.lock().unwrap() = Fault::None;
                    }
                    fired.fetch_add(1, Ordering::SeqCst);
                    match armed {
                        Fault::CutRequest(_, limit) => allowance = Some(limit),
                        Fault::StallRequest(_, limit) => {
                            allowance = Some(limit);
                            stall = true;
                        }
                        _ => *up_mode.lock().unwrap() = armed,
                    }
                }
            }
            if let Some(left) = allowance {
                let take = left.min(n);
                let _ = s_out.write_all(&buf[..take]);
                allowance = Some(left - take);
                if left - take == 0 && stall {
                    continue; // swallow the rest until the client goes away
                }
                if left - take == 0 {
                    if up_then_down.load(Ordering::SeqCst) {
                        up_down.store(true, Ordering::SeqCst);
                    }
                    let _ = s_out.shutdown(Shutdown::Both);
                    let _ = c_in.shutdown(Shutdown::Both);
                    return;
                }
                continue;
            }
            if s_out.write_all(&buf[..n]).is_err() {
                break;
            }
            bytes_up.fetch_add(n as u64, Ordering::Relaxed);
        }
        let _ = s_out.shutdown(Shutdown::Write);
    });
    let (mut s_in, mut c_out) = (server, client);
    let mut buf = [0u8; 16 * 1024];
    let mut sent = 0usize;
    loop {
        let n = match s_in.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if down.load(Ordering::SeqCst) {
            break;
        }
        if delay_ms > 0 {
            std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        }
        let current = *mode.lock().unwrap();
        match current {
            Fault::DropResponse(_) | Fault::CutRequest(..) | Fault::StallRequest(..) => break,
            Fault::Truncate(_, limit) => {
                let take = limit.saturating_sub(sent).min(n);
                let _ = c_out.write_all(&buf[..take]);
                sent += take;
                if sent >= limit {
                    if then_down.load(Ordering::SeqCst) {
                        down.store(true, Ordering::SeqCst);
                    }
                    break;
                }
            }
            Fault::None => {
                if c_out.write_all(&buf[..n]).is_err() {
                    break;
                }
                bytes_down.fetch_add(n as u64, Ordering::Relaxed);
            }
        }
    }
    let _ = c_out.shutdown(Shutdown::Both);
    let _ = s_in.shutdown(Shutdown::Both);
}

/// Direct HTTP to the server, for the ACL and protocol tests.
pub struct Http {
    pub base: String,
    pub token: String,
    client: reqwest::blocking::Client,
}

impl Http {
    pub fn login(base: &str, user: &str) -> Http {
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let resp = client
            .post(format!("{base}/v1/auth/login"))
            .header(
                "ardoise-protocol",
                ardoise_protocol::PROTOCOL_VERSION.to_string(),
            )
            .json(&serde_json::json!({"login": user, "password": "ardoise"}))
            .send()
            .unwrap();
        assert!(
            resp.status().is_success(),
            "login {user}: {}",
            resp.status()
        );
        let body: Value = resp.json().unwrap();
        Http {
            base: base.into(),
            token: body["accessToken"].as_str().unwrap().into(),
            client,
        }
    }

    pub fn get(&self, path: &str) -> (u16, Value) {
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .header(
                "ardoise-protocol",
                ardoise_protocol::PROTOCOL_VERSION.to_string(),
            )
            .bearer_auth(&self.token)
            .send()
            .unwrap();
        (resp.status().as_u16(), resp.json().unwrap_or(Value::Null))
    }

    pub fn push(&self, ops: Value) -> Value {
        let resp = self
            .client
            .post(format!("{}/v1/push", self.base))
            .header(
                "ardoise-protocol",
                ardoise_protocol::PROTOCOL_VERSION.to_string(),
            )
            .bearer_auth(&self.token)
            .json(&serde_json::json!({ "ops": ops }))
            .send()
            .unwrap();
        assert!(resp.status().is_success(), "push: {}", resp.status());
        resp.json().unwrap()
    }

    /// A request with the protocol header and this user's token.
    pub fn request(&self, method: &str, path: &str) -> reqwest::blocking::RequestBuilder {
        self.client
            .request(method.parse().unwrap(), format!("{}{path}", self.base))
            .header(
                "ardoise-protocol",
                ardoise_protocol::PROTOCOL_VERSION.to_string(),
            )
            .bearer_auth(&self.token)
    }

    /// Every live record this user may read, by kind and id.
    pub fn snapshot(&self) -> Vec<Value> {
        let (status, body) = self.get("/v1/snapshot");
        assert_eq!(status, 200);
        body["records"].as_array().unwrap().clone()
    }
}

/// What a browser shows at `url`: follows redirections (to a loopback port too), returns
/// the last page's text.
pub fn get_following_redirects(url: &str) -> String {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
        .get(url)
        .send()
        .and_then(|r| r.text())
        .unwrap_or_else(|e| panic!("{url}: {e}"))
}
