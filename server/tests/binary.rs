//! The `ardoise-server` binary as an operator runs it: creates its store, seeds the demo
//! school once, says where it listens, and stops cleanly on SIGTERM.
#![cfg(feature = "demo")]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn start(data: &std::path::Path) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ardoise-server"))
        .arg("--data")
        .arg(data)
        .args(["--listen", "127.0.0.1:0", "--demo"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {line:?}"))
        .to_string();
    (child, url)
}

fn stop(mut child: std::process::Child) {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "clean shutdown on SIGTERM: {status}");
}

/// Logs in as the head of the demo school and GETs `path` with the token.
fn get_as_head(url: &str, path: &str) -> serde_json::Value {
    let client = reqwest::blocking::Client::new();
    let login: serde_json::Value = client
        .post(format!("{url}/v1/auth/login"))
        .header(
            "ardoise-protocol",
            ardoise_protocol::PROTOCOL_VERSION.to_string(),
        )
        .json(&serde_json::json!({"login": "bernard", "password": "ardoise"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    client
        .get(format!("{url}{path}"))
        .header(
            "ardoise-protocol",
            ardoise_protocol::PROTOCOL_VERSION.to_string(),
        )
        .bearer_auth(login["accessToken"].as_str().unwrap())
        .send()
        .unwrap()
        .json()
        .unwrap()
}

fn head_seq(url: &str) -> i64 {
    let health: serde_json::Value = reqwest::blocking::get(format!("{url}/v1/health"))
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(health["status"], "ok");
    let page = get_as_head(url, "/v1/changes?since=0&limit=1");
    assert_eq!(page["hasMore"], true);
    page["nextCursor"].as_i64().unwrap()
}

#[test]
fn creates_seeds_once_serves_and_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("ent");
    let (child, url) = start(&data);
    assert!(data.join("ardoise-server.sqlite3").exists());
    assert_eq!(head_seq(&url), 1);
    stop(child);
    // A restart keeps the store and does not seed it again.
    let (child, url) = start(&data);
    let snap = get_as_head(&url, "/v1/snapshot");
    let expected = ardoise_fixtures::generate(&ardoise_fixtures::Options::demo());
    let schools = snap["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "school")
        .count();
    assert_eq!(schools, 1, "seeded once");
    assert_eq!(
        snap["seq"].as_i64().unwrap() as usize,
        expected.records.len()
    );
    stop(child);
}
