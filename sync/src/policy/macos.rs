//! The school's policies on macOS: the managed preferences an MDM profile sets for the
//! app's bundle identifier (a "Custom Settings" payload for `fr.ardoise.client`). macOS
//! writes them, root's and forced, to `/Library/Managed Preferences/fr.ardoise.client.plist`
//! for the computer and `/Library/Managed Preferences/<user>/fr.ardoise.client.plist` for
//! one user; a managed value is **locked**, as Chromium counts only forced ones. The keys
//! and values are those of `policies.json` (see the parent module): a text, a boolean, an
//! array of texts. `packaging/macos/` holds an example profile.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::Policies;

/// Where macOS keeps managed preferences.
pub const MANAGED: &str = "/Library/Managed Preferences";

/// The managed preference files of `user`, the computer's first: a value set in both is
/// the user's.
pub fn managed_files(root: &Path, user: Option<&str>) -> Vec<PathBuf> {
    let name = format!("{}.plist", crate::support::APP_IDENTIFIER);
    let mut files = vec![root.join(&name)];
    if let Some(user) = user.filter(|u| !u.is_empty() && !u.contains(['/', '\0']) && *u != "..") {
        files.push(root.join(user).join(&name));
    }
    files
}

/// The policies of the managed preference files among `files` that exist, or `None` when
/// none does. A file that cannot be read or is not a property list of keys is a problem,
/// ignored whole, as a broken `policies.json`.
pub fn from_files(files: &[PathBuf]) -> Option<Policies> {
    let present: Vec<&PathBuf> = files.iter().filter(|f| f.exists()).collect();
    let first = present.first()?;
    let mut policies = Policies {
        file: first.display().to_string(),
        found: true,
        ..Policies::default()
    };
    for file in present {
        let source = file.display().to_string();
        let dict = match plist::Value::from_file(file) {
            Ok(plist::Value::Dictionary(d)) => d,
            Ok(_) => {
                policies.problems.push(format!(
                    "{source} : ce n'est pas un dictionnaire de préférences ; ignoré"
                ));
                continue;
            }
            Err(e) => {
                policies
                    .problems
                    .push(format!("{source} : illisible ({e}) ; ignoré"));
                continue;
            }
        };
        for (key, value) in dict {
            // A profile's own bookkeeping (PayloadUUID…), not a policy.
            if key.starts_with("Payload") {
                continue;
            }
            let value = match value {
                plist::Value::String(s) => Value::from(s),
                plist::Value::Boolean(b) => Value::from(b),
                plist::Value::Array(items) => Value::from(
                    items
                        .into_iter()
                        .map(|i| match i {
                            plist::Value::String(s) => Value::from(s),
                            _ => Value::Null,
                        })
                        .collect::<Vec<_>>(),
                ),
                plist::Value::Integer(n) => n.as_signed().map(Value::from).unwrap_or(Value::Null),
                _ => Value::Null,
            };
            super::apply(&mut policies, &source, &key, value, true);
        }
    }
    Some(policies)
}

/// The managed preferences of this computer and its user, or `None` when there are none.
#[cfg(target_os = "macos")]
pub fn load() -> Option<Policies> {
    // The account's name from the system, never from `USER`, which the user sets.
    let user = nix::unistd::User::from_uid(nix::unistd::getuid())
        .ok()
        .flatten()
        .map(|u| u.name);
    from_files(&managed_files(Path::new(MANAGED), user.as_deref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, dict: plist::Dictionary) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        // Binary, as macOS writes managed preferences.
        plist::Value::Dictionary(dict).to_file_binary(path).unwrap();
    }

    #[test]
    fn managed_preferences_are_locked_and_the_users_win_over_the_computers() {
        let dir = tempfile::tempdir().unwrap();
        let files = managed_files(dir.path(), Some("cmartin"));
        assert!(
            from_files(&files).is_none(),
            "no managed preferences, no policy"
        );
        let mut computer = plist::Dictionary::new();
        computer.insert("EntUrl".into(), "https://ent.lycee.fr".into());
        computer.insert("UpdatesEnabled".into(), false.into());
        computer.insert(
            "HiddenFeatures".into(),
            plist::Value::Array(vec!["indicators".into()]),
        );
        write(&files[0], computer);
        let mut user = plist::Dictionary::new();
        user.insert("EntUrl".into(), "https://ent.autre-lycee.fr".into());
        write(&files[1], user);
        let p = from_files(&files).unwrap();
        assert_eq!(p.problems, Vec::<String>::new());
        assert_eq!(p.locked_ent_url(), Some("https://ent.autre-lycee.fr"));
        assert!(p.hides("indicators") && !p.updates_enabled.unwrap().value);
        assert!(p
            .ent_url
            .unwrap()
            .source
            .ends_with("cmartin/fr.ardoise.client.plist"));
    }

    #[test]
    fn a_broken_file_or_a_wrong_value_is_said_and_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let files = managed_files(dir.path(), Some("../etc"));
        assert_eq!(files.len(), 1, "a user name is never a path");
        std::fs::write(&files[0], b"pas une liste de proprietes").unwrap();
        let p = from_files(&files).unwrap();
        assert!(p.problems[0].contains("illisible"), "{:?}", p.problems);
        let mut d = plist::Dictionary::new();
        d.insert("SupportInbox".into(), "non".into());
        d.insert("Proxy".into(), "http://proxy:3128".into());
        write(&files[0], d);
        let p = from_files(&files).unwrap();
        assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
        assert!(p.proxy.unwrap().locked && p.support_inbox.is_none());
    }

    /// The example profile of `packaging/macos/` sets only keys this build knows, with
    /// values of the right type.
    #[test]
    fn the_example_profile_holds_good_policies() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../packaging/macos/fr.ardoise.client.mobileconfig");
        let profile = plist::Value::from_file(path).unwrap();
        let payload = profile.as_dictionary().unwrap()["PayloadContent"]
            .as_array()
            .unwrap()[0]
            .as_dictionary()
            .unwrap()
            .clone();
        assert_eq!(
            payload["PayloadType"].as_string(),
            Some(crate::support::APP_IDENTIFIER)
        );
        let dir = tempfile::tempdir().unwrap();
        let files = managed_files(dir.path(), None);
        write(&files[0], payload);
        let p = from_files(&files).unwrap();
        assert_eq!(p.problems, Vec::<String>::new());
        assert_eq!(p.locked_ent_url(), Some("https://ent.lycee-exemple.fr"));
    }
}
