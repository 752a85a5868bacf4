//! Logging in through the ENT's own page: the OAuth2 authorization code flow of a desktop
//! application. Ardoise opens the ENT's authorize page in the system browser, where the
//! user signs in as she always does (SSO, federated account, password: Ardoise never sees
//! it); the ENT sends the browser back to a one-shot listener on a loopback port with a
//! code, which Ardoise trades for tokens ([`super::OpenEntConnector::login_with_code`]).
//!
//! The ENT has no PKCE, so the client secret is what binds the code to Ardoise; the
//! `state` parameter, random for each login, binds the answer to this request.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use ardoise_protocol::ErrorCode;

use crate::{Result, SyncError};

/// The path the ENT sends the browser back to.
pub const CALLBACK_PATH: &str = "/ardoise/callback";

/// A one-shot listener on a loopback port, waiting for the ENT's answer.
pub struct Loopback {
    listener: TcpListener,
    port: u16,
    state: String,
}

fn random_state() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Decodes `%XX` and `+` of a query value.
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(s.get(i + 1..i + 3).unwrap_or(""), 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Encodes a query value.
pub(crate) fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

const PAGE: &str = "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\">\
<title>Ardoise</title></head><body style=\"font-family:sans-serif;margin:3rem\">\
<h1>Ardoise</h1><p>{}</p></body></html>";

impl Loopback {
    /// Listens on a free port of 127.0.0.1.
    pub fn bind() -> Result<Loopback> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let port = listener.local_addr()?.port();
        Ok(Loopback {
            listener,
            port,
            state: random_state(),
        })
    }

    /// Where the ENT must send the browser back (`redirect_uri`).
    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}{CALLBACK_PATH}", self.port)
    }

    /// The `state` this login expects back.
    pub fn state(&self) -> &str {
        &self.state
    }

    /// Waits for the browser to come back with a code, at most `timeout`; answers it a page
    /// saying to go back to Ardoise. Requests for other paths (a favicon) are answered 404
    /// and waiting goes on. A wrong `state` or an `error` from the ENT ends the login.
    pub fn wait(self, timeout: Duration) -> Result<String> {
        let deadline = Instant::now() + timeout;
        self.listener.set_nonblocking(true)?;
        while Instant::now() < deadline {
            match self.listener.accept() {
                // A connection that says nothing, or not the callback, is not the answer:
                // waiting goes on (a browser opens speculative connections).
                Ok((stream, _)) => {
                    if let Ok(Some(answer)) = self.answer(stream) {
                        return answer;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(SyncError::refused(
            ErrorCode::AuthLoggedOut,
            "La connexion par l'ENT n'a pas abouti à temps : recommencez.",
        ))
    }

    /// One request to the listener: `None` when it was not the callback.
    fn answer(&self, mut stream: TcpStream) -> Result<Option<Result<String>>> {
        stream.set_nonblocking(false)?;
        stream.set_read_timeout(Some(Duration::from_secs(2)))?;
        let mut line = String::new();
        BufReader::new(std::io::Read::take(&stream, 8 * 1024)).read_line(&mut line)?;
        let target = line.split_whitespace().nth(1).unwrap_or("");
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        if path != CALLBACK_PATH {
            let _ = stream.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
            return Ok(None);
        }
        let param = |name: &str| {
            query
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| *k == name)
                .map(|(_, v)| decode(v))
        };
        // Only an answer carrying this login's `state` counts: anything else (another
        // page, another program) is answered and ignored.
        if param("state").as_deref() != Some(self.state.as_str()) {
            let _ = stream.write_all(
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
            return Ok(None);
        }
        let result = match (param("code"), param("error")) {
            (Some(code), None) if !code.is_empty() => Ok(code),
            (_, Some(error)) => Err(SyncError::refused(
                ErrorCode::AuthInvalidCredentials,
                format!("L'ENT a refusé la connexion ({error})."),
            )),
            _ => Err(SyncError::refused(
                ErrorCode::AuthInvalidCredentials,
                "Réponse de connexion incomplète : recommencez.",
            )),
        };
        let text = if result.is_ok() {
            "Connexion réussie : vous pouvez fermer cette page et revenir à Ardoise."
        } else {
            "La connexion n'a pas abouti : revenez à Ardoise pour recommencer."
        };
        let page = PAGE.replace("{}", text);
        let _ = write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
            page.len()
        );
        Ok(Some(result))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visit(url: &str) -> String {
        let rest = url.strip_prefix("http://").unwrap();
        let (host, path) = rest.split_once('/').unwrap();
        let mut s = TcpStream::connect(host).unwrap();
        write!(s, "GET /{path} HTTP/1.1\r\nHost: {host}\r\n\r\n").unwrap();
        let mut out = String::new();
        std::io::Read::read_to_string(&mut s, &mut out).unwrap();
        out
    }

    #[test]
    fn the_code_comes_back_with_its_state_and_nothing_else_is_taken() {
        let lb = Loopback::bind().unwrap();
        let uri = lb.redirect_uri();
        let state = lb.state().to_string();
        let browser = std::thread::spawn(move || {
            assert!(visit(&format!(
                "{}/../favicon.ico",
                uri.trim_end_matches(CALLBACK_PATH)
            ))
            .contains("404"));
            visit(&format!("{uri}?code=abc%2B1&state={state}"))
        });
        assert_eq!(lb.wait(Duration::from_secs(5)).unwrap(), "abc+1");
        assert!(browser.join().unwrap().contains("Connexion réussie"));
    }

    #[test]
    fn a_foreign_state_is_ignored_and_an_error_of_this_login_ends_it() {
        let lb = Loopback::bind().unwrap();
        let uri = lb.redirect_uri();
        let state = lb.state().to_string();
        std::thread::spawn(move || {
            // Another program, with no state or a wrong one, cannot end or hijack it.
            assert!(visit(&format!("{uri}?error=access_denied")).contains("400"));
            assert!(visit(&format!("{uri}?code=volé&state=autre")).contains("400"));
            // A connection that never speaks does not end it either.
            let silent =
                TcpStream::connect(uri.trim_start_matches("http://").split('/').next().unwrap())
                    .unwrap();
            std::thread::sleep(Duration::from_millis(100));
            drop(silent);
            visit(&format!("{uri}?error=access_denied&state={state}"))
        });
        let err = lb.wait(Duration::from_secs(10)).unwrap_err().to_string();
        assert!(err.contains("access_denied"), "{err}");
    }

    #[test]
    fn nobody_coming_back_ends_in_time() {
        let lb = Loopback::bind().unwrap();
        assert!(lb.wait(Duration::from_millis(200)).is_err());
    }
}
