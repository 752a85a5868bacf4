//! How the engine reaches the central ENT: the [`Connector`] trait, and [`HttpConnector`],
//! which speaks the reference protocol over HTTP (reqwest). Another ENT (Open ENT NG) gets
//! its own connector behind the same trait.
//!
//! Every answer is read with a size limit and parsed strictly: an oversized, truncated or
//! malformed body is a [`SyncError::BadResponse`], never a partial apply.

use std::io::Read;
use std::time::Duration;

use ardoise_protocol::{
    ApiError, Health, LoginRequest, PullResponse, PushRequest, PushResponse, RefreshRequest,
    SnapshotResponse, TokenResponse, MAX_PAGE_BYTES, MAX_SNAPSHOT_BYTES, PROTOCOL_HEADER,
    PROTOCOL_VERSION,
};
use serde::de::DeserializeOwned;

use crate::{Result, SyncError};

/// The calls the sync engine makes to a central ENT.
pub trait Connector: Send {
    /// The cheap health probe.
    fn health(&self) -> Result<Health>;
    /// Password login.
    fn login(&self, login: &str, password: &str) -> Result<TokenResponse>;
    /// New tokens from a refresh token.
    fn refresh(&self, refresh_token: &str) -> Result<TokenResponse>;
    /// One page of changes after `since`.
    fn pull(&self, token: &str, since: i64, limit: usize) -> Result<PullResponse>;
    /// Everything readable, for a new replica.
    fn snapshot(&self, token: &str) -> Result<SnapshotResponse>;
    /// Sends ops; one result per op.
    fn push(&self, token: &str, req: &PushRequest) -> Result<PushResponse>;
}

/// The reference protocol over HTTP.
pub struct HttpConnector {
    base: String,
    client: reqwest::blocking::Client,
}

impl HttpConnector {
    /// A connector to `base` (e.g. `http://127.0.0.1:8787`).
    pub fn new(base: &str) -> Result<HttpConnector> {
        let client = reqwest::blocking::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(120))
            .user_agent(concat!("ardoise/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SyncError::BadResponse(e.to_string()))?;
        Ok(HttpConnector {
            base: base.trim_end_matches('/').to_string(),
            client,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn send<T: DeserializeOwned>(
        &self,
        req: reqwest::blocking::RequestBuilder,
        limit: usize,
    ) -> Result<T> {
        let resp = req
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
            .send()
            .map_err(|e| self.transport_error(e))?;
        let status = resp.status();
        let mut body = Vec::new();
        resp.take(limit as u64 + 1)
            .read_to_end(&mut body)
            .map_err(|e| SyncError::Offline(format!("{} ({e})", self.base)))?;
        if body.len() > limit {
            return Err(SyncError::BadResponse(format!(
                "réponse trop grande (plus de {limit} octets)"
            )));
        }
        if !status.is_success() {
            return Err(match serde_json::from_slice::<ApiError>(&body) {
                Ok(e) if status.is_server_error() => SyncError::Unavailable(e),
                Ok(e) => SyncError::Server(e),
                Err(_) if status.is_server_error() => {
                    SyncError::Offline(format!("{} (erreur {status})", self.base))
                }
                Err(_) => SyncError::BadResponse(format!("statut {status} sans erreur lisible")),
            });
        }
        serde_json::from_slice(&body)
            .map_err(|e| SyncError::BadResponse(format!("JSON invalide : {e}")))
    }

    fn transport_error(&self, e: reqwest::Error) -> SyncError {
        SyncError::Offline(format!("{} ({})", self.base, root_cause(&e)))
    }
}

fn root_cause(e: &dyn std::error::Error) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

impl Connector for HttpConnector {
    fn health(&self) -> Result<Health> {
        let req = self
            .client
            .get(self.url("/v1/health"))
            .timeout(Duration::from_secs(3));
        self.send(req, 4096)
    }

    fn login(&self, login: &str, password: &str) -> Result<TokenResponse> {
        let body = LoginRequest {
            login: login.into(),
            password: password.into(),
        };
        self.send(
            self.client.post(self.url("/v1/auth/login")).json(&body),
            64 * 1024,
        )
    }

    fn refresh(&self, refresh_token: &str) -> Result<TokenResponse> {
        let body = RefreshRequest {
            refresh_token: refresh_token.into(),
        };
        self.send(
            self.client.post(self.url("/v1/auth/refresh")).json(&body),
            64 * 1024,
        )
    }

    fn pull(&self, token: &str, since: i64, limit: usize) -> Result<PullResponse> {
        let req = self
            .client
            .get(self.url("/v1/changes"))
            .query(&[("since", since.to_string()), ("limit", limit.to_string())])
            .bearer_auth(token);
        self.send(req, MAX_PAGE_BYTES)
    }

    fn snapshot(&self, token: &str) -> Result<SnapshotResponse> {
        let req = self.client.get(self.url("/v1/snapshot")).bearer_auth(token);
        self.send(req, MAX_SNAPSHOT_BYTES)
    }

    fn push(&self, token: &str, req: &PushRequest) -> Result<PushResponse> {
        let req = self
            .client
            .post(self.url("/v1/push"))
            .bearer_auth(token)
            .json(req);
        self.send(req, MAX_PAGE_BYTES)
    }
}
