//! A forwarding HTTP proxy on loopback, as a school's proxy would sit between the app and
//! the ENT: it takes requests in absolute form (`GET http://host:port/path HTTP/1.1`),
//! passes each to its origin and the answer back, and remembers what went through, so a
//! test can prove that every request (the login included) used it.
//!
//! One request per connection: the proxy asks the origin to close after answering, so it
//! never has to parse an answer; clients open a new connection for the next request.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// A running forwarding proxy.
pub struct ForwardProxy {
    /// Its port on 127.0.0.1.
    pub port: u16,
    seen: Arc<Mutex<Vec<String>>>,
}

impl ForwardProxy {
    /// Starts a proxy on a free port of 127.0.0.1.
    pub fn start() -> ForwardProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let log = log.clone();
                std::thread::spawn(move || {
                    let _ = forward(conn, &log);
                });
            }
        });
        ForwardProxy { port, seen }
    }

    /// Its address, as `HTTP_PROXY` or a policy takes it.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Each request that went through: `METHOD /path` (the query left out).
    pub fn requests(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

fn forward(client: TcpStream, log: &Mutex<Vec<String>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Ok(());
    };
    let Some(rest) = target.strip_prefix("http://") else {
        // Not a proxy request (or CONNECT, which no test needs): refused.
        let mut c = client;
        c.write_all(
            b"HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        )?;
        return Ok(());
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    log.lock().unwrap().push(format!(
        "{method} {}",
        path.split('?').next().unwrap_or(path)
    ));
    let mut upstream = TcpStream::connect(authority)?;
    let mut head = format!("{method} {path} {version}\r\n");
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 {
            break;
        }
        if header == "\r\n" || header == "\n" {
            break;
        }
        let name = header.split(':').next().unwrap_or("").to_ascii_lowercase();
        if name != "connection" && name != "proxy-connection" && name != "keep-alive" {
            head.push_str(&header);
        }
    }
    head.push_str("Connection: close\r\n\r\n");
    upstream.write_all(head.as_bytes())?;
    // The body (whatever the client sends next), then the answer until the origin closes.
    let mut up = upstream.try_clone()?;
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut reader, &mut up);
        let _ = up.shutdown(Shutdown::Write);
    });
    let mut down = client;
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = upstream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        down.write_all(&buf[..n])?;
    }
    down.shutdown(Shutdown::Both)
}
