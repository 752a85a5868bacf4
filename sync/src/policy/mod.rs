//! School-wide configuration: the policies a school's IT person sets once for every user of
//! a computer, as Firefox, Chrome and VS Code take theirs.
//!
//! On Linux they are read from `/etc/ardoise/policies.json` (root's to write; never shipped
//! in the package, so an update never overwrites it). `ARDOISE_POLICIES` names another file
//! only on a computer that has no system file (tests, a portable install): a user cannot
//! step around the school's policies by setting a variable. On Windows, Group Policy's
//! values under `HKLM\SOFTWARE\Policies\Ardoise` come first ([`registry`], with an ADMX
//! template in `packaging/windows/`); on macOS, the managed preferences of the app's bundle
//! identifier ([`macos`], with an example profile in `packaging/macos/`). The file has
//! Firefox's shape:
//!
//! ```json
//! { "policies": {
//!     "EntUrl": "https://ent.lycee-exemple.fr",
//!     "EntKind": "ardoise",
//!     "OAuthClientId": { "Value": "ardoise-region", "Locked": false },
//!     "Proxy": "http://proxy.lycee-exemple.fr:3128",
//!     "UpdatesEnabled": false
//! } }
//! ```
//!
//! A policy given as a plain value is **locked**: the app shows it as set by the school and
//! no user setting overrides it. `{"Value": …, "Locked": false}` only presets it: the user
//! may change it. Nothing here ever fails the app: a file that cannot be read or is not
//! JSON of that shape is ignored whole, a key with a value of the wrong type or a key this
//! build does not know is ignored alone, and each of these is kept in
//! [`Policies::problems`] for the log and the status bar.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use crate::backend::Ent;

pub mod desktop_proxy;
pub mod macos;
pub mod registry;

/// The system's policy file on Linux.
pub const SYSTEM_FILE: &str = "/etc/ardoise/policies.json";

/// The environment variable that names another policy file.
pub const FILE_ENV: &str = "ARDOISE_POLICIES";

/// The most of a policy file read: a school's policies are a few lines.
const MAX_FILE_BYTES: u64 = 64 * 1024;

/// The features a policy may hide (`HiddenFeatures`): the app does not show them, as when
/// the ENT has no such thing (its capabilities of the same names).
pub const FEATURES: &[&str] = &["documents", "calendarFeed", "indicators", "progressions"];

/// One setting: its value, whether the school locked it, and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Setting<T> {
    /// The value in force.
    pub value: T,
    /// Set by the school and not changeable by the user.
    pub locked: bool,
    /// Where the value came from: the policy file's path.
    pub source: String,
}

/// The school's policies in force on this computer.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Policies {
    /// The file read (or looked for).
    pub file: String,
    /// Whether that file exists.
    pub found: bool,
    /// The ENT's address.
    pub ent_url: Option<Setting<String>>,
    /// The kind of ENT at that address.
    pub ent_kind: Option<Setting<Ent>>,
    /// Ardoise's OAuth2 client id on an Open ENT NG.
    pub oauth_client_id: Option<Setting<String>>,
    /// Its secret (never printed: see [`Policies::for_display`]).
    pub oauth_client_secret: Option<Setting<String>>,
    /// The HTTP(S) proxy every request goes through.
    pub proxy: Option<Setting<String>>,
    /// Whether the app may look for updates itself.
    pub updates_enabled: Option<Setting<bool>>,
    /// Where it looks for them.
    pub update_url: Option<Setting<String>>,
    /// Whether reports may be sent to the ENT's assistance inbox.
    pub support_inbox: Option<Setting<bool>>,
    /// Features not shown (names from [`FEATURES`]).
    pub hidden_features: Option<Setting<Vec<String>>>,
    /// What was wrong with the file, in French, for the log and the status bar.
    pub problems: Vec<String>,
}

/// What the app's screens need of the policies.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyView {
    /// The ENT's address the school set (locked, or only preset).
    pub ent_url: Option<String>,
    /// The user may not change that address.
    pub ent_locked: bool,
    /// Features not shown (names from [`FEATURES`]).
    pub hidden_features: Vec<String>,
    /// What was wrong with the policy file (ignored), for the status bar.
    pub problems: Vec<String>,
}

/// The file policies are read from on this computer: the system's when it exists, else
/// the one `ARDOISE_POLICIES` names, else the system's path (found missing).
pub fn policy_file() -> PathBuf {
    choose_file(Path::new(SYSTEM_FILE), std::env::var_os(FILE_ENV))
}

fn choose_file(system: &Path, named: Option<std::ffi::OsString>) -> PathBuf {
    // Only a file that is not there gives way: one this user may not read (a folder made
    // 0700) stays the one read, and load_from reports it, rather than its locks being
    // dropped.
    match std::fs::symlink_metadata(system) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        _ => return system.to_path_buf(),
    }
    named
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| system.to_path_buf())
}

/// The policies of this computer; never fails. On Windows, the registry's ([`registry`]);
/// on macOS, the managed preferences when a profile set some ([`macos`]), else the file's
/// ([`policy_file`]), as on Linux.
pub fn load() -> Policies {
    #[cfg(windows)]
    {
        if let Some(policies) = registry::load() {
            return policies;
        }
        // No file is the system's on Windows (any user may make `C:\etc` or a folder of
        // ProgramData): only the tests' variable, and with no registry policy only.
        match std::env::var_os(FILE_ENV).filter(|f| !f.is_empty()) {
            Some(file) => load_from(Path::new(&file)),
            None => Policies {
                file: format!(r"HKLM\{}", registry::KEY),
                ..Policies::default()
            },
        }
    }
    #[cfg(not(windows))]
    {
        #[cfg(target_os = "macos")]
        if let Some(policies) = macos::load() {
            return policies;
        }
        load_from(&policy_file())
    }
}

/// The policies of `path`; never fails (see the module's documentation).
pub fn load_from(path: &Path) -> Policies {
    let file = path.display().to_string();
    let mut policies = Policies {
        file: file.clone(),
        ..Policies::default()
    };
    let text = match read_small(path) {
        Ok(Some(text)) => text,
        Ok(None) => return policies,
        Err(why) => {
            policies.found = true;
            policies
                .problems
                .push(format!("{file} : illisible ({why}) ; ignoré"));
            return policies;
        }
    };
    policies.found = true;
    parse_into(&mut policies, &text);
    policies
}

fn read_small(path: &Path) -> Result<Option<String>, String> {
    use std::io::Read;
    let f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let mut text = String::new();
    f.take(MAX_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| e.to_string())?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(format!("plus de {} Kio", MAX_FILE_BYTES / 1024));
    }
    Ok(Some(text))
}

/// Reads the text of a policy file into `policies` (whose `file` names it in problems).
pub fn parse_into(policies: &mut Policies, text: &str) {
    let file = policies.file.clone();
    let root: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            policies.problems.push(format!(
                "{file} : ce n'est pas du JSON valide (ligne {}, colonne {}) ; ignoré",
                e.line(),
                e.column()
            ));
            return;
        }
    };
    let Some(map) = root.get("policies").and_then(Value::as_object) else {
        policies
            .problems
            .push(format!("{file} : l'objet « policies » manque ; ignoré"));
        return;
    };
    for (key, raw) in map {
        let (value, locked) = match raw {
            Value::Object(o) if o.contains_key("Value") => {
                let locked = match o.get("Locked") {
                    None => true,
                    Some(Value::Bool(b)) => *b,
                    Some(_) => {
                        policies.problems.push(format!(
                            "{file} : « {key}.Locked » doit valoir true ou false ; clé ignorée"
                        ));
                        continue;
                    }
                };
                (o["Value"].clone(), locked)
            }
            v => (v.clone(), true),
        };
        apply(policies, &file, key, value, locked);
    }
}

/// The names of every policy this build knows.
pub const KEYS: &[&str] = &[
    "EntUrl",
    "EntKind",
    "OAuthClientId",
    "OAuthClientSecret",
    "Proxy",
    "UpdatesEnabled",
    "UpdateUrl",
    "SupportInbox",
    "HiddenFeatures",
];

/// Takes the policy `key` with its `value` from `source` (a file, a registry key), locked
/// or only preset; a wrong value or an unknown key is kept in the problems, and ignored.
pub fn apply(policies: &mut Policies, source: &str, key: &str, value: Value, locked: bool) {
    let file = source;
    let wrong = |expected: &str| format!("{file} : « {key} » attend {expected} ; clé ignorée");
    match key {
        "EntUrl" | "OAuthClientId" | "OAuthClientSecret" | "Proxy" | "UpdateUrl" => {
            let Some(s) = value.as_str().map(str::trim).filter(|s| !s.is_empty()) else {
                policies.problems.push(wrong("un texte"));
                return;
            };
            if matches!(key, "EntUrl" | "Proxy" | "UpdateUrl")
                && !(s.starts_with("http://") || s.starts_with("https://"))
            {
                policies
                    .problems
                    .push(wrong("une adresse http:// ou https://"));
                return;
            }
            // An address is compared without its trailing '/'; an id or a secret is
            // kept as written.
            let s = if key.ends_with("Url") || key == "Proxy" {
                s.trim_end_matches('/')
            } else {
                s
            };
            let s = at(locked, file, s.to_string());
            match key {
                "EntUrl" => policies.ent_url = Some(s),
                "OAuthClientId" => policies.oauth_client_id = Some(s),
                "OAuthClientSecret" => policies.oauth_client_secret = Some(s),
                "Proxy" => policies.proxy = Some(s),
                _ => policies.update_url = Some(s),
            }
        }
        "EntKind" => match value.as_str() {
            Some("ardoise") => policies.ent_kind = Some(at(locked, file, Ent::Ardoise)),
            Some("open-ent-ng") => policies.ent_kind = Some(at(locked, file, Ent::OpenEntNg)),
            _ => policies
                .problems
                .push(wrong("« ardoise » ou « open-ent-ng »")),
        },
        "UpdatesEnabled" | "SupportInbox" => {
            let Some(b) = value.as_bool() else {
                policies.problems.push(wrong("true ou false"));
                return;
            };
            if key == "UpdatesEnabled" {
                policies.updates_enabled = Some(at(locked, file, b));
            } else {
                policies.support_inbox = Some(at(locked, file, b));
            }
        }
        "HiddenFeatures" => {
            let names: Option<Vec<String>> = value.as_array().and_then(|a| {
                a.iter()
                    .map(|v| {
                        v.as_str()
                            .filter(|s| FEATURES.contains(s))
                            .map(String::from)
                    })
                    .collect()
            });
            match names {
                Some(names) => policies.hidden_features = Some(at(locked, file, names)),
                None => policies
                    .problems
                    .push(wrong(&format!("une liste parmi {}", FEATURES.join(", ")))),
            }
        }
        _ => policies
            .problems
            .push(format!("{file} : clé inconnue « {key} » ; ignorée")),
    }
}

impl Policies {
    /// The ENT's address the school locked, if it did.
    pub fn locked_ent_url(&self) -> Option<&str> {
        self.ent_url
            .as_ref()
            .filter(|s| s.locked)
            .map(|s| s.value.as_str())
    }

    /// The address to log in to: the locked one whatever is asked, else what the user
    /// typed. Refused when the user asks for another address than a locked one, so that
    /// a script learns it rather than reaching a server it did not name.
    pub fn ent_url_for(&self, asked: &str) -> crate::Result<String> {
        let asked = asked.trim().trim_end_matches('/');
        match self.locked_ent_url() {
            Some(locked) if !asked.is_empty() && !same_url(asked, locked) => {
                Err(crate::SyncError::refused(
                    ardoise_protocol::ErrorCode::PolicyLocked,
                    format!(
                        "L'établissement a fixé l'adresse de l'ENT : {locked} ({}).",
                        self.file
                    ),
                ))
            }
            Some(locked) => Ok(locked.to_string()),
            None => Ok(asked.to_string()),
        }
    }

    /// Ardoise's registration on an Open ENT NG: each of the id and the secret is the
    /// school's when it locked it, else the one given here (`ARDOISE_CLIENT_ID`,
    /// `ARDOISE_CLIENT_SECRET`, `--client-id`), else the school's preset.
    pub fn oauth_client(
        &self,
        given_id: Option<String>,
        given_secret: Option<String>,
    ) -> Option<crate::open_ent::Client> {
        let pick = |setting: &Option<Setting<String>>, given: Option<String>| match setting {
            Some(s) if s.locked => Some(s.value.clone()),
            _ => given
                .filter(|g| !g.trim().is_empty())
                .or_else(|| setting.as_ref().map(|s| s.value.clone())),
        };
        Some(crate::open_ent::Client {
            id: pick(&self.oauth_client_id, given_id)?,
            secret: pick(&self.oauth_client_secret, given_secret)?,
        })
    }

    /// The kind of ENT at `server`, when it need not be asked of the ENT: the school's
    /// when it locked one, else `asked` (the user's `--ent`), else the school's preset.
    /// The school's kind is for its own address only (or for any when it set none), so
    /// that another address the user types is still probed.
    pub fn ent_kind_for(&self, server: &str, asked: Option<Ent>) -> Option<Ent> {
        let schools = self.ent_kind.as_ref().filter(|_| match &self.ent_url {
            Some(url) => same_url(&url.value, server),
            None => true,
        });
        match schools {
            Some(kind) if kind.locked => Some(kind.value),
            _ => asked.or(schools.map(|k| k.value)),
        }
    }

    /// Whether the school hid `feature` (a name of [`FEATURES`]).
    pub fn hides(&self, feature: &str) -> bool {
        self.hidden_features
            .as_ref()
            .is_some_and(|s| s.value.iter().any(|f| f == feature))
    }

    /// What the app's screens need of them.
    pub fn view(&self) -> PolicyView {
        PolicyView {
            ent_url: self.ent_url.as_ref().map(|s| s.value.clone()),
            ent_locked: self.locked_ent_url().is_some(),
            hidden_features: self
                .hidden_features
                .as_ref()
                .map(|s| s.value.clone())
                .unwrap_or_default(),
            problems: self.problems.clone(),
        }
    }

    /// What the ENT offers (`caps`) less what the school turned off: the hidden features,
    /// and the assistance inbox when `SupportInbox` is false (reports are then saved to a
    /// file, as with an ENT without an inbox).
    pub fn restrict(&self, caps: crate::Capabilities) -> crate::Capabilities {
        let inbox = self.support_inbox.as_ref().is_none_or(|s| s.value);
        crate::Capabilities {
            documents: caps.documents && !self.hides("documents"),
            calendar_feed: caps.calendar_feed && !self.hides("calendarFeed"),
            indicators: caps.indicators && !self.hides("indicators"),
            progressions: caps.progressions && !self.hides("progressions"),
            assistance: caps.assistance && inbox,
            ..caps
        }
    }

    /// The same policies with the client secret masked, for printing.
    pub fn for_display(&self) -> Policies {
        let mut shown = self.clone();
        if let Some(s) = &mut shown.oauth_client_secret {
            s.value = "••••••••".into();
        }
        shown
    }
}

/// A blocking HTTP client to build on, going through the school's proxy: the policy's
/// (`Proxy`; `NO_PROXY` honoured for a preset one only) when set, else the session's
/// (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`, which reqwest reads itself), else
/// the desktop's ([`desktop_proxy`]). Every client Ardoise makes — the login's included —
/// starts here.
pub(crate) fn http_client() -> reqwest::blocking::ClientBuilder {
    let builder = reqwest::blocking::Client::builder();
    let Some(proxy) = load().proxy else {
        if desktop_proxy::session_names_one() {
            return builder;
        }
        let Some(desktop) = desktop_proxy::desktop_proxy() else {
            return builder;
        };
        return match reqwest::Proxy::all(&desktop.url) {
            Ok(p) => builder.proxy(p.no_proxy(reqwest::NoProxy::from_string(&desktop.ignore))),
            Err(e) => {
                tracing::warn!(
                    "proxy du bureau {} inutilisable ({e}) ; ignoré",
                    desktop.url
                );
                builder
            }
        };
    };
    match reqwest::Proxy::all(&proxy.value) {
        // A locked proxy is the only way out: the user's NO_PROXY does not step around it.
        Ok(p) if proxy.locked => builder.proxy(p),
        Ok(p) => builder.proxy(p.no_proxy(reqwest::NoProxy::from_env())),
        // A value parse_into accepted but reqwest does not: said, and as if there were no
        // policy proxy (the system's then applies).
        Err(e) => {
            tracing::warn!(
                "politique : proxy {} inutilisable ({e}) ; ignoré",
                proxy.value
            );
            builder
        }
    }
}

/// A setting read from `file`.
fn at<T>(locked: bool, file: &str, value: T) -> Setting<T> {
    Setting {
        value,
        locked,
        source: file.to_string(),
    }
}

fn same_url(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Policies {
        let mut p = Policies {
            file: "/etc/ardoise/policies.json".into(),
            found: true,
            ..Policies::default()
        };
        parse_into(&mut p, text);
        p
    }

    #[test]
    fn plain_values_are_locked_and_value_objects_may_only_preset() {
        let p = parse(
            r#"{"policies": {
                "EntUrl": "https://ent.lycee.fr/",
                "EntKind": "open-ent-ng",
                "OAuthClientId": {"Value": "ardoise", "Locked": false},
                "OAuthClientSecret": "s3cret",
                "Proxy": {"Value": "http://proxy:3128"},
                "UpdatesEnabled": false,
                "HiddenFeatures": ["indicators", "documents"]
            }}"#,
        );
        assert_eq!(p.problems, Vec::<String>::new());
        let url = p.ent_url.as_ref().unwrap();
        assert_eq!(
            (url.value.as_str(), url.locked, url.source.as_str()),
            ("https://ent.lycee.fr", true, "/etc/ardoise/policies.json")
        );
        assert_eq!(p.ent_kind.as_ref().unwrap().value, Ent::OpenEntNg);
        assert!(!p.oauth_client_id.as_ref().unwrap().locked);
        // Only addresses lose their trailing '/': a secret is kept as written.
        let slash = parse(r#"{"policies": {"OAuthClientSecret": "ab/cd/"}}"#);
        assert_eq!(slash.oauth_client_secret.unwrap().value, "ab/cd/");
        assert!(
            p.proxy.as_ref().unwrap().locked,
            "a Value without Locked is locked"
        );
        assert!(!p.updates_enabled.as_ref().unwrap().value);
        assert!(p.hides("indicators") && !p.hides("news"));
        assert_eq!(
            p.for_display().oauth_client_secret.unwrap().value,
            "••••••••"
        );
        assert_eq!(p.oauth_client_secret.unwrap().value, "s3cret");
    }

    #[test]
    fn a_locked_address_wins_and_another_one_is_refused() {
        let p = parse(r#"{"policies": {"EntUrl": "https://ent.lycee.fr"}}"#);
        assert_eq!(p.ent_url_for("").unwrap(), "https://ent.lycee.fr");
        assert_eq!(
            p.ent_url_for("HTTPS://ent.lycee.fr/").unwrap(),
            "https://ent.lycee.fr"
        );
        let e = p.ent_url_for("http://127.0.0.1:8787").unwrap_err();
        assert_eq!(e.code(), ardoise_protocol::ErrorCode::PolicyLocked);
        let preset =
            parse(r#"{"policies": {"EntUrl": {"Value": "https://a.fr", "Locked": false}}}"#);
        assert_eq!(preset.ent_url_for("https://b.fr").unwrap(), "https://b.fr");
        assert_eq!(
            Policies::default().ent_url_for("https://b.fr/").unwrap(),
            "https://b.fr"
        );
    }

    #[test]
    fn the_oauth_client_is_the_schools_when_locked_else_the_given_one_else_the_preset() {
        let given = || (Some("env-id".to_string()), Some("env-secret".to_string()));
        let locked = parse(r#"{"policies": {"OAuthClientId": "ecole", "OAuthClientSecret": "s"}}"#);
        let (id, secret) = given();
        let c = locked.oauth_client(id, secret).unwrap();
        assert_eq!((c.id.as_str(), c.secret.as_str()), ("ecole", "s"));
        let preset = parse(
            r#"{"policies": {"OAuthClientId": {"Value": "ecole", "Locked": false},
                "OAuthClientSecret": {"Value": "s", "Locked": false}}}"#,
        );
        let (id, secret) = given();
        assert_eq!(preset.oauth_client(id, secret).unwrap().id, "env-id");
        assert_eq!(
            preset
                .oauth_client(None, Some(String::new()))
                .unwrap()
                .secret,
            "s"
        );
        assert!(Policies::default()
            .oauth_client(Some("id".into()), None)
            .is_none());
    }

    #[test]
    fn hidden_features_and_a_closed_inbox_are_taken_off_the_ents_capabilities() {
        let caps = crate::Capabilities::REFERENCE;
        assert_eq!(Policies::default().restrict(caps), caps);
        let p = parse(
            r#"{"policies": {"HiddenFeatures": ["documents", "indicators"], "SupportInbox": false}}"#,
        );
        let got = p.restrict(caps);
        assert!(!got.documents && !got.indicators && !got.assistance);
        assert!(got.calendar_feed && got.progressions && got.visas && got.server_merge);
        // A policy never turns on what the ENT lacks.
        let none = crate::Capabilities {
            documents: false,
            ..caps
        };
        assert!(
            !parse(r#"{"policies": {"SupportInbox": true}}"#)
                .restrict(none)
                .documents
        );
    }

    #[test]
    fn a_broken_file_is_ignored_whole_and_a_bad_key_alone() {
        let p = parse("{\"policies\": {\"EntUrl\": \"https://a.fr\",,}}");
        assert!(p.ent_url.is_none());
        assert!(
            p.problems[0].contains("pas du JSON valide (ligne 1"),
            "{:?}",
            p.problems
        );
        let p = parse(r#"{"EntUrl": "https://a.fr"}"#);
        assert!(p.ent_url.is_none() && p.problems[0].contains("« policies » manque"));
        let p = parse(
            r#"{"policies": {"EntUrl": "ftp://a.fr", "UpdatesEnabled": "non",
                "HiddenFeatures": ["nothing"], "Color": "red", "Proxy": "http://p:3128",
                "SupportInbox": {"Value": true, "Locked": "oui"}}}"#,
        );
        assert_eq!(p.problems.len(), 5, "{:?}", p.problems);
        assert!(p
            .problems
            .iter()
            .any(|m| m.contains("clé inconnue « Color »")));
        assert_eq!(
            p.proxy.unwrap().value,
            "http://p:3128",
            "the good key is kept"
        );
        assert!(p.ent_url.is_none() && p.updates_enabled.is_none() && p.support_inbox.is_none());
    }

    #[test]
    fn the_schools_kind_of_ent_is_for_its_own_address_only() {
        let p = parse(
            r#"{"policies": {"EntUrl": {"Value": "https://ent.lycee.fr", "Locked": false},
            "EntKind": "open-ent-ng"}}"#,
        );
        assert_eq!(
            p.ent_kind_for("https://ent.lycee.fr/", None),
            Some(Ent::OpenEntNg)
        );
        assert_eq!(
            p.ent_kind_for("http://127.0.0.1:8787", None),
            None,
            "another address is asked"
        );
        let any = parse(r#"{"policies": {"EntKind": "ardoise"}}"#);
        assert_eq!(
            any.ent_kind_for("http://127.0.0.1:8787", None),
            Some(Ent::Ardoise)
        );
        // The user's --ent wins over a preset kind, not over a locked one.
        let preset = parse(r#"{"policies": {"EntKind": {"Value": "ardoise", "Locked": false}}}"#);
        assert_eq!(
            preset.ent_kind_for("https://a.fr", Some(Ent::OpenEntNg)),
            Some(Ent::OpenEntNg)
        );
        assert_eq!(
            any.ent_kind_for("https://a.fr", Some(Ent::OpenEntNg)),
            Some(Ent::Ardoise)
        );
        assert_eq!(Policies::default().ent_kind_for("https://a.fr", None), None);
    }

    #[test]
    fn the_variable_never_steps_around_a_system_file() {
        let dir = tempfile::tempdir().unwrap();
        let system = dir.path().join("etc-policies.json");
        let mine = Some(std::ffi::OsString::from("/home/eleve/mes-regles.json"));
        // No system file: the variable's (tests, portable installs), else the system path.
        assert_eq!(
            choose_file(&system, mine.clone()),
            PathBuf::from("/home/eleve/mes-regles.json")
        );
        assert_eq!(choose_file(&system, None), system);
        // A system file: always it.
        std::fs::write(&system, "{}").unwrap();
        assert_eq!(choose_file(&system, mine), system);
    }

    #[test]
    fn every_key_listed_is_one_the_parser_knows() {
        for key in KEYS {
            let mut p = Policies::default();
            apply(&mut p, "t", key, Value::Null, true);
            assert!(
                p.problems.len() == 1 && !p.problems[0].contains("clé inconnue"),
                "{key}: {:?}",
                p.problems
            );
        }
    }

    #[test]
    fn a_missing_file_is_no_policy_and_an_unreadable_one_a_problem() {
        let dir = tempfile::tempdir().unwrap();
        let none = load_from(&dir.path().join("policies.json"));
        assert!(!none.found && none.problems.is_empty() && none.ent_url.is_none());
        let big = dir.path().join("big.json");
        std::fs::write(&big, vec![b' '; 70 * 1024]).unwrap();
        let p = load_from(&big);
        assert!(
            p.found && p.problems[0].contains("plus de 64 Kio"),
            "{:?}",
            p.problems
        );
        let good = dir.path().join("good.json");
        std::fs::write(&good, r#"{"policies": {"EntUrl": "https://a.fr"}}"#).unwrap();
        assert_eq!(load_from(&good).locked_ent_url(), Some("https://a.fr"));
    }
}
