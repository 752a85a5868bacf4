//! Updates of the copies no package manager looks after, through the Tauri updater.
//!
//! The channel is a static `latest.json` (the version, the notes, and per platform the
//! package's address and its minisign signature), at the address the school's policy
//! names (`UpdateUrl`), else the one this build was given. The signature must be made by
//! the key whose public half is built into the app, and name the version announced
//! (`requireSignedVersion`): a forged manifest can neither pass off another file nor pair a
//! new version number with an older, genuinely signed package. Managed computers update
//! through APT and have `UpdatesEnabled: false` in their policy.
//!
//! Nothing here runs behind the user's back but the look: the install waits for the edits
//! to be sent (or for the user to say go on), and the user chooses when to restart. A
//! failed or refused update leaves the installed version as it was.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use ardoise_protocol::ErrorCode;
use ardoise_sync::policy::{self, Policies};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, State};
use tauri_plugin_updater::{Update, UpdaterExt};

use crate::error::{CmdResult, CommandError};
use crate::state::{lock, AppState};

/// The public key (as `tauri signer generate` writes it) updates must be signed with. A
/// build made without one (or with an empty one) never updates itself.
pub fn public_key() -> Option<&'static str> {
    option_env!("ARDOISE_UPDATER_PUBKEY").filter(|k| !k.trim().is_empty())
}

/// The channel this build looks at when the school's policy names none.
pub const BUILT_IN_CHANNEL: Option<&str> = option_env!("ARDOISE_UPDATE_URL");

/// How long a look may take.
const LOOK_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a download may take (15 MiB on a slow school link).
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// How long the install waits for pending edits to be sent before asking.
const DRAIN_WAIT: Duration = Duration::from_secs(15);

/// The first look after start (the window and the first sync come first), then how often.
pub const FIRST_LOOK: Duration = Duration::from_secs(30);
const EVERY: Duration = Duration::from_secs(12 * 3600);

/// The event sent when a look finds an update.
pub const FOUND_EVENT: &str = "update-found";

/// Why this copy does not update itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub enum UpdatesOff {
    /// The school turned them off (`UpdatesEnabled: false`): the school updates its computers.
    Policy,
    /// No channel: neither the policy nor this build names one.
    NoChannel,
    /// This build carries no key to check updates with (built from the sources).
    NoKey,
}

/// An update the channel offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct UpdateFound {
    /// Its version.
    pub version: String,
    /// What it brings, as the channel says.
    pub notes: Option<String>,
    /// When it was published (RFC 3339), when the channel says.
    pub date: Option<String>,
}

/// What the « Mises à jour » section shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct UpdateStatus {
    /// The version running.
    pub current: String,
    /// Why updates are off here, when they are.
    pub off: Option<UpdatesOff>,
    /// The channel looked at.
    pub channel: Option<String>,
    /// The channel was set by the school.
    pub channel_from_policy: bool,
    /// The last look found this update.
    pub found: Option<UpdateFound>,
    /// When the last look was made (RFC 3339).
    pub looked_at: Option<String>,
    /// This version was installed: it runs after a restart.
    pub installed: Option<String>,
    /// This copy can install an update itself (it came from a package the updater knows).
    pub can_install: bool,
    /// The package of this version was downloaded and its signature checked, by a copy
    /// that does not install it (built from the sources).
    pub verified: Option<String>,
    /// Why the last look or install failed, until the next one succeeds.
    pub problem: Option<ErrorCode>,
}

/// What the app remembers between commands.
#[derive(Default)]
pub struct Updates {
    found: Mutex<Option<Update>>,
    looked_at: Mutex<Option<String>>,
    installed: Mutex<Option<String>>,
    verified: Mutex<Option<String>>,
    problem: Mutex<Option<ErrorCode>>,
    /// The last version the window was told of (the background look says each once).
    announced: Mutex<Option<String>>,
    /// An install is under way: a second one waits its turn by being refused.
    installing: AtomicBool,
}

impl Updates {
    /// Keeps the outcome of what the user asked (a look, an install) for the section to
    /// show; a background look only logs its failures.
    fn outcome<T>(&self, result: CmdResult<T>, asked: bool) -> CmdResult<T> {
        if asked {
            if let Ok(mut problem) = self.problem.lock() {
                *problem = result.as_ref().err().map(|e| e.code);
            }
        }
        if let Err(e) = &result {
            log::warn!("mise à jour : {} ({})", e.message, e.code);
        }
        result
    }
}

/// The channel to look at, or why there is none. An address must be https, but for one on
/// this computer (a test, or a school's machine serving itself): the manifest is not
/// signed, only the packages are.
pub fn channel(policies: &Policies, built_in: Option<&str>) -> Result<(String, bool), UpdatesOff> {
    if policies.updates_enabled.as_ref().is_some_and(|s| !s.value) {
        return Err(UpdatesOff::Policy);
    }
    match (&policies.update_url, built_in.filter(|u| !u.is_empty())) {
        (Some(s), _) => Ok((s.value.clone(), true)),
        (None, Some(url)) => Ok((url.to_string(), false)),
        (None, None) => Err(UpdatesOff::NoChannel),
    }
}

/// `url` when it may carry a manifest: https, or http to this computer.
pub fn checked_url(url: &str) -> CmdResult<url::Url> {
    let bad = |why: &str| {
        CommandError::new(
            ErrorCode::UpdateInsecureUrl,
            format!("adresse des mises à jour « {url} » : {why}"),
        )
    };
    let parsed = url::Url::parse(url).map_err(|e| bad(&e.to_string()))?;
    let loopback = match parsed.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if loopback => Ok(parsed),
        _ => Err(bad("https:// est exigé hors de cet ordinateur")),
    }
}

/// Whether this copy came from a package the updater can replace (the bundler marks the
/// binary: `.deb`, `.rpm`, AppImage…). A copy built from the sources finds updates but
/// does not install them.
fn can_install() -> bool {
    tauri::utils::platform::bundle_type().is_some()
}

/// The channel and the key, or why updates are off here.
fn source(policies: &Policies) -> Result<(String, bool, &'static str), UpdatesOff> {
    let (url, from_policy) = channel(policies, BUILT_IN_CHANNEL)?;
    let key = public_key().ok_or(UpdatesOff::NoKey)?;
    Ok((url, from_policy, key))
}

fn off_error(why: UpdatesOff) -> CommandError {
    let message = match why {
        UpdatesOff::Policy => "l'établissement a désactivé les mises à jour (UpdatesEnabled)",
        UpdatesOff::NoChannel => "aucune adresse de mises à jour (UpdateUrl)",
        UpdatesOff::NoKey => "cette version n'a pas de clé pour vérifier les mises à jour",
    };
    CommandError::new(ErrorCode::UpdateOff, message)
}

fn status(updates: &Updates) -> CmdResult<UpdateStatus> {
    let policies = policy::load();
    let chosen = channel(&policies, BUILT_IN_CHANNEL);
    let off = source(&policies).err();
    let found = lock(&updates.found)?.as_ref().map(|u| UpdateFound {
        version: u.version.clone(),
        notes: u.body.clone().filter(|n| !n.trim().is_empty()),
        date: u
            .raw_json
            .get("pub_date")
            .and_then(|d| d.as_str())
            .map(String::from),
    });
    Ok(UpdateStatus {
        current: env!("CARGO_PKG_VERSION").to_string(),
        off,
        channel: chosen.as_ref().ok().map(|(u, _)| u.clone()),
        channel_from_policy: chosen.as_ref().is_ok_and(|(_, p)| *p),
        found,
        looked_at: lock(&updates.looked_at)?.clone(),
        installed: lock(&updates.installed)?.clone(),
        can_install: can_install(),
        verified: lock(&updates.verified)?.clone(),
        problem: *lock(&updates.problem)?,
    })
}

fn failed(code: ErrorCode) -> impl Fn(tauri_plugin_updater::Error) -> CommandError {
    move |e| {
        use tauri_plugin_updater::Error as E;
        let code = match e {
            E::Minisign(_)
            | E::Base64(_)
            | E::SignatureUtf8(_)
            | E::SignedVersionMismatch { .. }
            | E::MissingSignedVersion => ErrorCode::UpdateBadSignature,
            E::InsecureTransportProtocol => ErrorCode::UpdateInsecureUrl,
            _ => code,
        };
        CommandError::new(code, format!("mise à jour : {e}"))
    }
}

/// Looks at the channel (`asked`: by the user); remembers what it offers, and forgets an
/// earlier find when the look fails or updates went off meanwhile.
async fn look(app: &AppHandle, asked: bool) -> CmdResult<UpdateStatus> {
    let updates = app.state::<Updates>();
    let found = find(app).await;
    if found.is_err() {
        *lock(&updates.found)? = None;
    }
    let found = updates.outcome(found, asked)?;
    *lock(&updates.found)? = found;
    *lock(&updates.looked_at)? = Some(chrono::Utc::now().to_rfc3339());
    status(&updates)
}

async fn find(app: &AppHandle) -> CmdResult<Option<Update>> {
    let policies = policy::load();
    let (url, _, key) = source(&policies).map_err(off_error)?;
    let url = checked_url(&url)?;
    let mut builder = app
        .updater_builder()
        .pubkey(key)
        .timeout(LOOK_TIMEOUT)
        .endpoints(vec![url])
        .map_err(failed(ErrorCode::UpdateCheckFailed))?;
    // The same proxy as every other request: the school's, else the session's (read by
    // the plugin's client itself), else the desktop's.
    let proxy = match &policies.proxy {
        Some(p) => Some(p.value.clone()),
        None if policy::desktop_proxy::session_names_one() => None,
        None => policy::desktop_proxy::desktop_proxy().map(|d| d.url),
    };
    if let Some(proxy) = proxy.and_then(|p| url::Url::parse(&p).ok()) {
        builder = builder.proxy(proxy);
    }
    if !can_install() {
        // A copy built from the sources reads the entry of the Debian package, the one
        // the school's channel carries, so that the look is the one users get.
        builder = builder.target(format!("linux-{}-deb", std::env::consts::ARCH));
    }
    let found = match builder
        .build()
        .map_err(failed(ErrorCode::UpdateCheckFailed))?
        .check()
        .await
    {
        // A channel with nothing for this platform or kind of package offers no update.
        Err(
            tauri_plugin_updater::Error::TargetNotFound(_)
            | tauri_plugin_updater::Error::TargetsNotFound(_),
        ) => None,
        other => other.map_err(failed(ErrorCode::UpdateCheckFailed))?,
    };
    if let Some(u) = &found {
        log::info!("mise à jour {} disponible ({})", u.version, u.download_url);
    }
    Ok(found)
}

/// What the « Mises à jour » section shows, without looking.
#[tauri::command]
pub fn update_status(updates: State<'_, Updates>) -> CmdResult<UpdateStatus> {
    status(&updates)
}

/// Looks for an update now.
#[tauri::command]
pub async fn check_update(app: AppHandle) -> CmdResult<UpdateStatus> {
    look(&app, true).await
}

/// Downloads the update found, checks its signature and installs it; the new version runs
/// after a restart. Waits up to 15 s for pending edits to be sent, then refuses with
/// `update.pending_edits` unless `anyway` (the user said go on: the edits stay in the
/// replica and leave after the restart).
#[tauri::command]
pub async fn install_update(
    state: State<'_, AppState>,
    updates: State<'_, Updates>,
    anyway: bool,
) -> CmdResult<UpdateStatus> {
    if updates.installing.swap(true, Ordering::SeqCst) {
        return Err(CommandError::new(
            ErrorCode::UpdateBusy,
            "une mise à jour est déjà en cours",
        ));
    }
    let done = install(&state, &updates, anyway).await;
    updates.installing.store(false, Ordering::SeqCst);
    match updates.outcome(done, true)? {
        Done::Installed(version) => {
            log::info!("mise à jour {version} installée : elle démarre au prochain lancement");
            *lock(&updates.installed)? = Some(version);
            *lock(&updates.found)? = None;
        }
        Done::Verified(version) => {
            log::info!(
                "mise à jour {version} téléchargée et vérifiée ; cette copie ne l'installe pas"
            );
            *lock(&updates.verified)? = Some(version);
        }
    }
    status(&updates)
}

/// What an install did.
enum Done {
    /// Installed this version: it runs after a restart.
    Installed(String),
    /// Downloaded and checked this version, not installed (a copy built from the sources).
    Verified(String),
}

/// Installs the update found.
async fn install(state: &AppState, updates: &Updates, anyway: bool) -> CmdResult<Done> {
    // Updates may have been turned off since the look.
    source(&policy::load()).map_err(off_error)?;
    let mut update = lock(&updates.found)?
        .clone()
        .ok_or_else(|| CommandError::new(ErrorCode::UpdateNone, "aucune mise à jour trouvée"))?;
    // The package's address follows the manifest's rule; its bytes are checked anyway.
    checked_url(update.download_url.as_str())?;
    update.timeout = Some(DOWNLOAD_TIMEOUT);
    if !anyway {
        let mut pending = super::sync::status_of(state)?.pending;
        if pending > 0 {
            state.wake();
            let until = std::time::Instant::now() + DRAIN_WAIT;
            while pending > 0 && std::time::Instant::now() < until {
                tokio::time::sleep(Duration::from_millis(500)).await;
                pending = super::sync::status_of(state)?.pending;
            }
        }
        if pending > 0 {
            return Err(CommandError::new(
                ErrorCode::UpdatePendingEdits,
                format!("{pending} modification(s) pas encore envoyée(s) à l'ENT"),
            ));
        }
    }
    let bytes = update
        .download(|_, _| {}, || {})
        .await
        .map_err(failed(ErrorCode::UpdateCheckFailed))?;
    if !can_install() {
        return Ok(Done::Verified(update.version.clone()));
    }
    let version = update.version.clone();
    tauri::async_runtime::spawn_blocking(move || update.install(bytes))
        .await
        .map_err(|e| CommandError::new(ErrorCode::AppTask, e.to_string()))?
        .map_err(failed(ErrorCode::UpdateInstallFailed))?;
    Ok(Done::Installed(version))
}

/// Restarts the app on the version installed, when the user chooses to.
#[tauri::command]
pub fn restart_app(app: AppHandle) {
    log::info!("redémarrage demandé");
    app.restart()
}

/// The background look: once soon after start, then twice a day, while updates are on and
/// nothing waits for a restart. Tells the window of each new version once; a failed look
/// is only logged (it is looked again later).
pub fn watch(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let mut wait = FIRST_LOOK;
        loop {
            tokio::time::sleep(wait).await;
            wait = EVERY;
            let updates = app.state::<Updates>();
            let waiting = lock(&updates.installed).map_or(true, |i| i.is_some());
            if waiting || source(&policy::load()).is_err() {
                continue;
            }
            let Ok(s) = look(&app, false).await else {
                continue;
            };
            let Some(version) = s.found.as_ref().map(|f| f.version.clone()) else {
                continue;
            };
            let new = lock(&updates.announced)
                .map(|mut a| a.replace(version.clone()) != Some(version))
                .unwrap_or(false);
            if new {
                let _ = app.emit(FOUND_EVENT, &s);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policies(text: &str) -> Policies {
        let mut p = Policies {
            file: "policies.json".into(),
            found: true,
            ..Policies::default()
        };
        policy::parse_into(&mut p, text);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        p
    }

    #[test]
    fn the_schools_channel_wins_and_the_school_may_turn_updates_off() {
        let none = Policies::default();
        assert_eq!(channel(&none, None), Err(UpdatesOff::NoChannel));
        assert_eq!(
            channel(&none, Some("https://maj.ardoise.fr/latest.json")),
            Ok(("https://maj.ardoise.fr/latest.json".into(), false))
        );
        let school =
            policies(r#"{"policies": {"UpdateUrl": "https://ent.lycee.fr/maj/latest.json"}}"#);
        assert_eq!(
            channel(&school, Some("https://maj.ardoise.fr/latest.json")),
            Ok(("https://ent.lycee.fr/maj/latest.json".into(), true))
        );
        let off = policies(
            r#"{"policies": {"UpdatesEnabled": false, "UpdateUrl": "https://ent.lycee.fr/maj/latest.json"}}"#,
        );
        assert_eq!(
            channel(&off, Some("https://maj.ardoise.fr/latest.json")),
            Err(UpdatesOff::Policy)
        );
    }

    #[test]
    fn a_manifest_comes_over_https_or_from_this_computer_only() {
        for ok in [
            "https://ent.lycee.fr/maj/latest.json",
            "http://127.0.0.1:8080/latest.json",
            "http://localhost/latest.json",
            "http://[::1]:9/latest.json",
        ] {
            assert!(checked_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://ent.lycee.fr/maj/latest.json",
            "http://10.0.0.1/latest.json",
            "ftp://127.0.0.1/latest.json",
            "file:///etc/passwd",
            "pas une adresse",
        ] {
            assert_eq!(
                checked_url(bad).unwrap_err().code,
                ErrorCode::UpdateInsecureUrl,
                "{bad}"
            );
        }
    }
}
