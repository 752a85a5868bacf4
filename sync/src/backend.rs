//! Which ENT a profile talks to, and the connector for it: the reference protocol
//! ([`HttpConnector`]) or Open ENT NG ([`OpenEntConnector`]). The app and the CLI build
//! every connector here, from what the profile remembers.

use std::time::Duration;

use ardoise_protocol::ErrorCode;
use serde::{Deserialize, Serialize};

use crate::connector::{Connector, HttpConnector};
use crate::open_ent::{Client, OpenEntConnector};
use crate::profile::ProfileInfo;
use crate::replica::{keys, Replica};
use crate::{Result, SyncError};

/// The most a probed address's answer is read (its health or OpenID description).
const PROBE_ANSWER_BYTES: usize = 64 * 1024;

/// A kind of ENT.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ent {
    /// Ardoise's own reference server.
    #[default]
    Ardoise,
    /// Open ENT NG / Edifice (monlycee.net…).
    OpenEntNg,
}

impl Ent {
    /// The name shown and stored (`ardoise`, `open-ent-ng`).
    pub fn as_str(self) -> &'static str {
        match self {
            Ent::Ardoise => "ardoise",
            Ent::OpenEntNg => crate::open_ent::NAME,
        }
    }

    /// What this kind of ENT guarantees and lets Ardoise do.
    pub fn capabilities(self) -> crate::Capabilities {
        match self {
            Ent::Ardoise => crate::Capabilities::REFERENCE,
            Ent::OpenEntNg => crate::open_ent::CAPABILITIES,
        }
    }

    /// What this kind of ENT lets Ardoise do on this computer: its capabilities less what
    /// the school's policies turn off (`policy::Policies::restrict`).
    pub fn capabilities_here(self) -> crate::Capabilities {
        crate::policy::load().restrict(self.capabilities())
    }

    /// What people call it.
    pub fn label(self) -> &'static str {
        match self {
            Ent::Ardoise => "ENT Ardoise",
            Ent::OpenEntNg => "Open ENT NG",
        }
    }
}

/// Finds out which kind of ENT answers at `server`: the reference protocol's health
/// route, else Open ENT NG's OpenID configuration.
pub fn probe(server: &str) -> Result<Ent> {
    let http = crate::policy::http_client()
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| SyncError::BadResponse(e.to_string()))?;
    let base = server.trim_end_matches('/');
    let answers = |path: &str, needle: &str| -> Result<bool> {
        let resp = http.get(format!("{base}{path}")).send().map_err(|e| {
            SyncError::Offline(format!("{base} ({})", crate::connector::root_cause(&e)))
        })?;
        if !resp.status().is_success() {
            return Ok(false);
        }
        // An answer too long for what is asked here is not the one looked for.
        match crate::connector::read_body(resp, PROBE_ANSWER_BYTES, base) {
            Ok(body) => Ok(String::from_utf8_lossy(&body).contains(needle)),
            Err(SyncError::BadResponse(_)) => Ok(false),
            Err(e) => Err(e),
        }
    };
    if answers("/v1/health", "\"protocol\"")? {
        return Ok(Ent::Ardoise);
    }
    if answers(
        "/auth/openid/.well-known/openid-configuration",
        "\"issuer\"",
    )? {
        return Ok(Ent::OpenEntNg);
    }
    Err(SyncError::refused(
        ErrorCode::BackendUnsupported,
        format!("{base} ne répond ni comme un ENT Ardoise ni comme un Open ENT NG."),
    ))
}

/// A connector to `server`, of the given kind. Open ENT NG needs Ardoise's registration
/// on it (`client`) and may be told which établissement to sync (`structure`).
pub fn connector(
    server: &str,
    ent: Ent,
    client: Option<Client>,
    structure: Option<String>,
) -> Result<Box<dyn Connector>> {
    Ok(match ent {
        Ent::Ardoise => Box::new(HttpConnector::new(server)?),
        Ent::OpenEntNg => {
            let client = client.ok_or_else(|| {
                SyncError::refused(
                    ErrorCode::BackendInvalidClient,
                    "Open ENT NG : l'identifiant et le secret de l'application Ardoise \
                     enregistrée sur l'ENT sont nécessaires.",
                )
            })?;
            Box::new(OpenEntConnector::new(server, client, structure)?)
        }
    })
}

/// The connector of a logged-in profile: its ENT, and for Open ENT NG the application's
/// secret kept in the replica (encrypted).
pub fn connector_for(info: &ProfileInfo, replica: &Replica) -> Result<Box<dyn Connector>> {
    let client = match (&info.client_id, replica.state(keys::CLIENT_SECRET)?) {
        (Some(id), Some(secret)) => Some(Client {
            id: id.clone(),
            secret,
        }),
        _ => None,
    };
    connector(&info.server, info.ent, client, info.structure.clone())
}

/// Remembers how to reach the ENT again after a login: its kind, Ardoise's client id and
/// the établissement chosen in the profile, the client secret inside the encrypted replica.
pub fn remember(
    profile: &crate::Profile,
    ent: Ent,
    client: Option<&Client>,
    structure: Option<&str>,
) -> Result<ProfileInfo> {
    let mut info = profile.info()?;
    info.ent = ent;
    info.client_id = client.map(|c| c.id.clone());
    info.structure = structure.map(str::to_string);
    profile.save_info(&info)?;
    if let Some(c) = client {
        Replica::open(&profile.replica_path())?.set_state(keys::CLIENT_SECRET, &c.secret)?;
    }
    Ok(info)
}
