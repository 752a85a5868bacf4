//! The Ardoise client core: a local SQLite replica of what one user may read of their school
//! (timetable, cahier de textes, document metadata), an outbox of their edits, and the engine
//! that syncs both with the central ENT — so the school keeps working through outages.
//!
//! Main types:
//! - [`Replica`]: the replica file (entity tables, mirror, outbox, cursor, change feed);
//! - [`SyncEngine`]: probe, push, pull, status;
//! - [`Connector`] and [`HttpConnector`]: how the ENT is reached;
//! - [`Profile`]: one user's folder (replica, identity); [`secrets`]: the replica's
//!   encryption key, in the OS keyring;
//! - [`views`]: the one API the app and the CLI call — what users see and the edits they
//!   make from it; [`logbook`]: the rules those edits are checked against;
//! - [`scheduler`]: when to sync (the background loops a shell runs);
//! - [`policy`]: the school's policies for every user of a computer (the ENT's address,
//!   the proxy every request goes through, …);
//! - [`export`] and [`ical`]: the timetable as a PDF day sheet and as iCalendar;
//! - [`docs`]: the espace documentaire (content cache, pins, transfer queue) and
//!   [`folder_sync`]: a local folder kept in step with it (« mirror » is the replica's
//!   merge base, never this).
//!
//! This crate never depends on tauri: the desktop shell and the CLI are thin layers over it.
//!
//! ```no_run
//! use ardoise_sync::{login, Profile, HttpConnector, SyncEngine, Replica};
//! # fn main() -> ardoise_sync::Result<()> {
//! let profile = Profile::new("/tmp/ardoise-martin");
//! let server = "http://127.0.0.1:8787";
//! login(&profile, server, &HttpConnector::new(server)?, "martin", "ardoise")?;
//! let replica = Replica::open(&profile.replica_path())?;
//! let connector = Box::new(HttpConnector::new("http://127.0.0.1:8787")?);
//! let mut engine = SyncEngine::new(profile, replica, connector);
//! let report = engine.sync_once()?;
//! println!("{} records pulled", report.pulled);
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod archive;
pub mod backend;
pub mod charter;
pub mod connectivity;
pub mod connector;
pub mod db;
pub mod docs;
pub mod engine;
mod error;
pub mod export;
pub mod folder_sync;
pub mod ical;
pub mod logbook;
pub mod news;
pub mod open_ent;
pub mod policy;
pub mod profile;
pub mod progression;
mod queries;
pub mod replica;
pub mod scheduler;
pub mod secrets;
pub mod spec;
pub mod support;
mod text;
pub mod todo;
pub mod views;
pub mod workload;

use ardoise_protocol::ErrorCode;

pub use connector::{snapshot_from_lines, Capabilities, Connector, HttpConnector, Snapshot};
pub use engine::{SyncEngine, SyncPhase, SyncProgress, SyncReport, SyncStatus};
pub use error::{Result, SyncError};
pub use profile::{Profile, ProfileInfo, Tokens};
pub use replica::Replica;

/// Logs in: checks the password with the ENT, records who the profile is and its tokens.
/// A profile that belonged to someone else is refused (one replica holds one user's view).
pub fn login(
    profile: &Profile,
    server: &str,
    connector: &dyn Connector,
    user: &str,
    password: &str,
) -> Result<ProfileInfo> {
    let tokens = connector.login(user, password, device_of(profile)?.as_deref())?;
    adopt(profile, server, connector.name(), &tokens)
}

/// The first login of an account made with a one-time activation code
/// (`auth.activation_required` from [`login`]): the code, and the password the person
/// chooses, which replaces it on the ENT. Then as [`login`].
pub fn activate(
    profile: &Profile,
    server: &str,
    connector: &dyn Connector,
    user: &str,
    code: &str,
    new_password: &str,
) -> Result<ProfileInfo> {
    let device = device_of(profile)?;
    let tokens = connector.activate(user, code, new_password, device.as_deref())?;
    adopt(profile, server, connector.name(), &tokens)
}

/// The device token the ENT gave this profile at its last login, if any.
fn device_of(profile: &Profile) -> Result<Option<String>> {
    if profile.replica_path().exists() {
        Replica::open(&profile.replica_path())?.state(replica::keys::DEVICE)
    } else {
        Ok(None)
    }
}

/// Makes `tokens`, just obtained from the ENT (a password login, or the authorization code
/// an Open ENT NG gave back through the browser), the profile's session: records who the
/// profile is and which kind of ENT (`ent`, a [`Connector::name`]). A profile that belonged
/// to someone else is refused.
pub fn adopt(
    profile: &Profile,
    server: &str,
    ent: &str,
    tokens: &ardoise_protocol::TokenResponse,
) -> Result<ProfileInfo> {
    if let Ok(existing) = profile.info() {
        if existing.user.id != tokens.user.id {
            return Err(SyncError::refused(
                ErrorCode::ProfileOtherUser,
                format!(
                    "Ce profil appartient à {} : choisissez un autre dossier de profil.",
                    existing.user.login
                ),
            ));
        }
    }
    let info = ProfileInfo {
        server: server.trim_end_matches('/').to_string(),
        user: tokens.user.clone(),
        ent: if ent == open_ent::NAME {
            backend::Ent::OpenEntNg
        } else {
            backend::Ent::Ardoise
        },
        client_id: None,
        structure: None,
    };
    profile.save_info(&info)?;
    let replica = Replica::open(&profile.replica_path())?;
    replica.set_state(replica::keys::USER_ID, &tokens.user.id)?;
    replica.set_state(replica::keys::ENT, ent)?;
    replica.save_tokens(&Tokens::from(tokens))?;
    if let Some(device) = &tokens.device {
        replica.set_state(replica::keys::DEVICE, device)?;
    }
    Ok(info)
}

/// What a device does when the ENT says the account was disabled (the person left the
/// school): its data leaves the device, as a logout would, edits not yet sent included.
/// Returns whether `error` said so (and the profile was erased). The caller closes the
/// replica first.
pub fn erase_if_disabled(profile: &Profile, error: &SyncError) -> Result<bool> {
    if error.code() != ErrorCode::AuthAccountDisabled {
        return Ok(false);
    }
    profile.wipe()?;
    Ok(true)
}

/// Logs out and leaves nothing behind: the ENT forgets the session (when it can be
/// reached), then the profile is wiped — replica, key, document cache. Edits not yet sent
/// would be lost, so they refuse the logout unless `discard_pending`.
pub fn logout(profile: &Profile, connector: &dyn Connector, discard_pending: bool) -> Result<()> {
    if profile.replica_path().exists() {
        let replica = Replica::open(&profile.replica_path())?;
        let pending = replica.pending_count()?;
        if pending > 0 && !discard_pending {
            return Err(SyncError::refused(
                ErrorCode::LogoutPending,
                format!(
                    "{pending} modification(s) pas encore envoyée(s) à l'ENT : synchronisez \
                     avant de vous déconnecter, ou confirmez pour les abandonner."
                ),
            ));
        }
        if let Ok(tokens) = replica.tokens() {
            // Offline: the token simply expires on the server.
            let _ = connector.logout(&tokens.access_token);
        }
    }
    profile.wipe()
}
