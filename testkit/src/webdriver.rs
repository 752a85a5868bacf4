//! A minimal W3C WebDriver client for Debian's `WebKitWebDriver`, which drives the real app
//! binary in a real WebKitGTK window (run under Xvfb). Only what the end-to-end tests use:
//! find, click, type, read text, run a script, screenshot — and the processes' memory.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};

/// A WebDriver session on the app; the app and the driver stop on drop.
pub struct Driver {
    base: String,
    session: String,
    driver: Child,
    http: reqwest::blocking::Client,
    /// When the session was asked for: the app's process start.
    pub started: Instant,
}

/// An element reference.
#[derive(Debug, Clone)]
pub struct Element(String);

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Driver {
    /// Starts `WebKitWebDriver` and the app `binary` under it, with `env` for the app.
    pub fn launch(binary: &Path, env: &[(&str, &str)]) -> Driver {
        let port = free_port();
        let mut cmd = Command::new("WebKitWebDriver");
        cmd.arg(format!("--port={port}"))
            .env("TAURI_WEBVIEW_AUTOMATION", "true")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        // The app's settings and caches beside its data folder: a story never reads or
        // moves the folders of the account running the tests.
        if let Some((_, data)) = env.iter().find(|(k, _)| *k == "XDG_DATA_HOME") {
            let data = Path::new(data);
            for (var, name) in [("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache")] {
                if !env.iter().any(|(k, _)| *k == var) {
                    cmd.env(var, data.join(name));
                }
            }
        }
        let driver = cmd
            .spawn()
            .expect("start WebKitWebDriver (package webkit2gtk-driver)");
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("http client");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while http.get(format!("{base}/status")).send().is_err() {
            assert!(Instant::now() < deadline, "WebKitWebDriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        let started = Instant::now();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "webkitgtk:browserOptions": {"binary": binary, "args": []}}}});
        let resp: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .and_then(|r| r.json())
            .expect("new WebDriver session");
        let session = resp["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {resp}"))
            .to_string();
        Driver {
            base,
            session,
            driver,
            http,
            started,
        }
    }

    fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp: Value = req.send().and_then(|r| r.json()).expect("webdriver call");
        resp["value"].clone()
    }

    /// Runs a script in the page and returns its value.
    pub fn execute(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Runs a script that calls its last argument (the callback) with its result.
    pub fn execute_async(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Waits until `script` returns true (polling), or panics after `timeout` with `what`.
    pub fn wait_until(&self, what: &str, script: &str, timeout: Duration) -> Duration {
        let start = Instant::now();
        loop {
            if self.execute(script, json!([])) == Value::Bool(true) {
                return start.elapsed();
            }
            if start.elapsed() >= timeout {
                // What the window shows, to tell why from the log alone.
                let page = self.execute(
                    "const t = document.body.innerText; return t.length > 3000 ? t.slice(0, 1500) + '\\n[…]\\n' + t.slice(-1500) : t",
                    json!([]),
                );
                panic!(
                    "timed out waiting for {what}; the window shows:\n{}",
                    page.as_str().unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// The first element matching a CSS selector, waiting for it up to 10 s.
    pub fn find(&self, css: &str) -> Element {
        let start = Instant::now();
        loop {
            let v = self.call(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            );
            if let Some(id) = v[ELEMENT_KEY].as_str() {
                return Element(id.to_string());
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "no element {css}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Clicks an element.
    pub fn click(&self, e: &Element) {
        // As a person would: scrolled to the middle of its pane first, clear of the status
        // bar at the bottom of the window.
        self.execute(
            "arguments[0].scrollIntoView({block: 'center'})",
            json!([{ ELEMENT_KEY: e.0 }]),
        );
        let answer = self.call(
            reqwest::Method::POST,
            &format!("/element/{}/click", e.0),
            Some(json!({})),
        );
        // A click the window did not take (covered by another element…) fails here, not
        // later as a wait that never ends.
        if let Some(error) = answer.get("error") {
            panic!("click refused: {error}: {}", answer["message"]);
        }
    }

    /// Replaces the text of a field.
    pub fn type_into(&self, e: &Element, text: &str) {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/clear", e.0),
            Some(json!({})),
        );
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/value", e.0),
            Some(json!({"text": text})),
        );
    }

    /// The visible text of an element.
    pub fn text(&self, e: &Element) -> String {
        self.call(
            reqwest::Method::GET,
            &format!("/element/{}/text", e.0),
            None,
        )
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    /// Saves a PNG of the window, after two animation frames so the frame is current.
    pub fn screenshot(&self, path: &Path) {
        let _ = self.call(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({"script": "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));", "args": []})),
        );
        let b64 = self.call(reqwest::Method::GET, "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap_or_default())
            .expect("base64 screenshot");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("screenshot folder");
        }
        std::fs::write(path, png).expect("write screenshot");
    }

    /// Resident memory of the app and its WebKit processes (every descendant of the
    /// driver), in MiB.
    pub fn app_rss_mb(&self) -> f64 {
        let mut total_kb = 0u64;
        for pid in descendants(self.driver.id()) {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
            if let Some(kb) = status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
            {
                total_kb += kb;
            }
        }
        total_kb as f64 / 1024.0
    }
}

impl Driver {
    /// Memory of the app's processes (the app, WebKit's web and network processes…), one
    /// entry per process name: (name, RSS MB, PSS MB). PSS shares each shared page among
    /// the processes that map it (WebKit's libraries are in all three), RSS counts it in
    /// each; both are given.
    pub fn app_memory_by_process(&self) -> Vec<(String, f64, f64)> {
        let mut by_name: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
        for pid in descendants(self.driver.id()) {
            let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            if name.trim() == "WebKitWebDriver" || name.trim().is_empty() {
                continue;
            }
            let field = |file: &str, key: &str| {
                std::fs::read_to_string(format!("/proc/{pid}/{file}"))
                    .unwrap_or_default()
                    .lines()
                    .find(|l| l.starts_with(key))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            let entry = by_name.entry(name.trim().to_string()).or_default();
            entry.0 += field("status", "VmRSS:");
            entry.1 += field("smaps_rollup", "Pss:");
        }
        by_name
            .into_iter()
            .map(|(name, (rss, pss))| (name, rss as f64 / 1024.0, pss as f64 / 1024.0))
            .collect()
    }
}

/// Every process below `root` (not `root` itself), from /proc.
fn descendants(root: u32) -> Vec<u32> {
    let mut parent_of: Vec<(u32, u32)> = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // The command name is in parentheses and may hold spaces: read after the last ')'.
            if let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) {
                if let Some(ppid) = rest.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
                    parent_of.push((pid, ppid));
                }
            }
        }
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let p = found[i];
        found.extend(parent_of.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    found.remove(0);
    found
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Ending the session terminates the app; then stop the driver gently.
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.base, self.session))
            .send();
        let _ = Command::new("kill")
            .args(["-TERM", &self.driver.id().to_string()])
            .status();
        let _ = self.driver.wait();
    }
}
