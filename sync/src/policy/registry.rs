//! The school's policies on Windows, where Group Policy writes them:
//! `HKLM\SOFTWARE\Policies\Ardoise` holds the **locked** ones and its `Recommended` subkey
//! those only **preset**, as Chrome's. The ADMX template of `packaging/windows/` writes
//! them from the Group Policy editor: a text as `REG_SZ`, a yes/no as a `REG_DWORD` of 1
//! or 0, a list as `REG_MULTI_SZ`. The values mean what the same keys mean in
//! `policies.json` (see the parent module), and are refused alone when of the wrong type.

use serde_json::Value;

use super::Policies;

/// The key under `HKEY_LOCAL_MACHINE`.
pub const KEY: &str = r"SOFTWARE\Policies\Ardoise";

/// Its subkey of preset (not locked) values.
pub const RECOMMENDED: &str = "Recommended";

/// A registry value, as far as policies go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryValue {
    /// `REG_SZ` or `REG_EXPAND_SZ`.
    Text(String),
    /// `REG_DWORD`.
    Number(u32),
    /// `REG_MULTI_SZ`.
    List(Vec<String>),
    /// Any other type (binary, 64-bit…), named for the problem said.
    Other(String),
}

/// The policies of the registry values `(name, value, locked)`: the preset ones first, then
/// the locked ones, so a value set in both keys is the locked one.
pub fn from_registry(entries: Vec<(String, RegistryValue, bool)>) -> Policies {
    let source = format!(r"HKLM\{KEY}");
    let mut policies = Policies {
        file: source.clone(),
        found: true,
        ..Policies::default()
    };
    let mut entries = entries;
    entries.sort_by_key(|(_, _, locked)| *locked);
    for (name, value, locked) in entries {
        let where_ = if locked {
            source.clone()
        } else {
            format!(r"{source}\{RECOMMENDED}")
        };
        let value = match value {
            RegistryValue::Text(t) if name == "HiddenFeatures" => Value::from(
                t.split([';', ','])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>(),
            ),
            RegistryValue::Text(t) => Value::from(t),
            RegistryValue::Number(n @ (0 | 1))
                if matches!(name.as_str(), "UpdatesEnabled" | "SupportInbox") =>
            {
                Value::from(n == 1)
            }
            RegistryValue::Number(n) => Value::from(n),
            // A REG_MULTI_SZ ends with empty strings (its closing NULs): not items.
            RegistryValue::List(items) => Value::from(
                items
                    .into_iter()
                    .filter(|i| !i.trim().is_empty())
                    .collect::<Vec<_>>(),
            ),
            RegistryValue::Other(kind) => {
                policies.problems.push(format!(
                    "{where_} : « {name} » est de type {kind}, que les politiques n'utilisent pas ; clé ignorée"
                ));
                continue;
            }
        };
        super::apply(&mut policies, &where_, &name, value, locked);
    }
    policies
}

/// The policies in the registry, or `None` when Group Policy set none.
#[cfg(windows)]
pub fn load() -> Option<Policies> {
    use windows_registry::{Key, Type, LOCAL_MACHINE};
    let root = LOCAL_MACHINE.open(KEY).ok()?;
    let mut entries = Vec::new();
    let mut read = |key: &Key, locked: bool| {
        let Ok(values) = key.values() else { return };
        for (name, value) in values {
            let value = match value.ty() {
                Type::U32 => u32::try_from(value).map(RegistryValue::Number),
                Type::String | Type::ExpandString => {
                    String::try_from(value).map(RegistryValue::Text)
                }
                Type::MultiString => Vec::<String>::try_from(value).map(RegistryValue::List),
                other => Ok(RegistryValue::Other(format!("{other:?}"))),
            };
            let value = value.unwrap_or_else(|e| RegistryValue::Other(e.to_string()));
            entries.push((name, value, locked));
        }
    };
    if let Ok(recommended) = root.open(RECOMMENDED) {
        read(&recommended, false);
    }
    read(&root, true);
    (!entries.is_empty()).then(|| from_registry(entries))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Ent;

    fn text(s: &str) -> RegistryValue {
        RegistryValue::Text(s.into())
    }

    #[test]
    fn group_policy_values_mean_what_the_file_says() {
        let p = from_registry(vec![
            ("EntUrl".into(), text("https://ent.lycee.fr/"), true),
            ("EntKind".into(), text("open-ent-ng"), true),
            ("UpdatesEnabled".into(), RegistryValue::Number(0), true),
            ("SupportInbox".into(), RegistryValue::Number(1), false),
            (
                "HiddenFeatures".into(),
                // As windows-registry reads what the ADMX's multiText wrote: the closing
                // NULs come back as empty strings.
                RegistryValue::List(vec![
                    "documents".into(),
                    "indicators".into(),
                    String::new(),
                    String::new(),
                ]),
                true,
            ),
            ("OAuthClientId".into(), text("ardoise-region"), false),
        ]);
        assert_eq!(p.problems, Vec::<String>::new());
        assert_eq!(p.locked_ent_url(), Some("https://ent.lycee.fr"));
        assert_eq!(
            p.ent_url.as_ref().unwrap().source,
            r"HKLM\SOFTWARE\Policies\Ardoise"
        );
        assert_eq!(p.ent_kind.as_ref().unwrap().value, Ent::OpenEntNg);
        assert!(!p.updates_enabled.as_ref().unwrap().value);
        let inbox = p.support_inbox.as_ref().unwrap();
        assert!(inbox.value && !inbox.locked);
        assert_eq!(inbox.source, r"HKLM\SOFTWARE\Policies\Ardoise\Recommended");
        assert!(p.hides("documents") && p.hides("indicators"));
        assert!(!p.oauth_client_id.unwrap().locked);
        // A list typed by hand as one text, as `reg add` makes it.
        let typed = from_registry(vec![(
            "HiddenFeatures".into(),
            text("documents; progressions"),
            true,
        )]);
        assert!(typed.hides("documents") && typed.hides("progressions"));
    }

    #[test]
    fn a_locked_value_wins_over_a_preset_one_and_a_wrong_type_is_ignored_alone() {
        let p = from_registry(vec![
            ("EntUrl".into(), text("https://verrouillee.fr"), true),
            ("EntUrl".into(), text("https://preremplie.fr"), false),
            ("UpdatesEnabled".into(), RegistryValue::Number(7), true),
            ("Proxy".into(), RegistryValue::Other("Bytes".into()), true),
            ("UpdateUrl".into(), RegistryValue::Number(1), true),
            ("SupportInbox".into(), RegistryValue::Number(0), true),
        ]);
        assert_eq!(p.locked_ent_url(), Some("https://verrouillee.fr"));
        assert_eq!(p.problems.len(), 3, "{:?}", p.problems);
        assert!(
            p.problems.iter().any(|m| m.contains("type Bytes")),
            "{:?}",
            p.problems
        );
        assert!(p.updates_enabled.is_none() && p.proxy.is_none() && p.update_url.is_none());
        assert!(!p.support_inbox.unwrap().value, "the good key is kept");
    }

    /// The Group Policy template the school's IT person loads: every policy this build
    /// knows, at the key this module reads, each string and presentation translated.
    #[test]
    fn the_admx_template_covers_every_policy_in_both_languages() {
        use quick_xml::events::Event;
        use std::collections::BTreeSet;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../packaging/windows");
        let read = |path: &std::path::Path| -> Vec<(String, Vec<(String, String)>)> {
            let text = std::fs::read_to_string(path).unwrap();
            let mut reader = quick_xml::Reader::from_str(&text);
            let mut out = Vec::new();
            loop {
                match reader
                    .read_event()
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
                {
                    Event::Start(t) | Event::Empty(t) => {
                        let attrs = t
                            .attributes()
                            .map(|a| {
                                let a = a.unwrap();
                                let value = a
                                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                    .unwrap();
                                (a.key.as_ref().to_string(), value.into_owned())
                            })
                            .collect();
                        out.push((t.name().as_ref().to_string(), attrs));
                    }
                    Event::Eof => break,
                    _ => {}
                }
            }
            out
        };
        let attr = |attrs: &[(String, String)], name: &str| {
            attrs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let admx = read(&dir.join("ardoise.admx"));
        let (mut locked, mut preset) = (BTreeSet::new(), BTreeSet::new());
        let mut key = String::new();
        let (mut strings, mut presentations) = (BTreeSet::new(), BTreeSet::new());
        for (tag, attrs) in &admx {
            if tag == "policy" {
                key = attr(attrs, "key").unwrap();
            }
            if matches!(tag.as_str(), "policy" | "text" | "enum" | "multiText") {
                if let Some(name) = attr(attrs, "valueName") {
                    // Registry paths are not case-sensitive.
                    if key.eq_ignore_ascii_case(KEY) {
                        locked.insert(name);
                    } else {
                        assert!(
                            key.eq_ignore_ascii_case(&format!(r"{KEY}\{RECOMMENDED}")),
                            "{key}"
                        );
                        preset.insert(name);
                    }
                }
            }
            for (_, v) in attrs {
                if let Some(id) = v.strip_prefix("$(string.") {
                    strings.insert(id.trim_end_matches(')').to_string());
                }
                if let Some(id) = v.strip_prefix("$(presentation.") {
                    presentations.insert(id.trim_end_matches(')').to_string());
                }
            }
        }
        let keys: BTreeSet<String> = super::super::KEYS.iter().map(|k| k.to_string()).collect();
        assert_eq!(locked, keys, "one locked policy per key");
        assert!(preset.is_subset(&keys) && !preset.is_empty(), "{preset:?}");
        for lang in ["fr-FR", "en-US"] {
            let adml = read(&dir.join(lang).join("ardoise.adml"));
            let ids = |tag: &str| -> BTreeSet<String> {
                adml.iter()
                    .filter(|(t, _)| t == tag)
                    .filter_map(|(_, a)| attr(a, "id"))
                    .collect()
            };
            assert!(
                strings.is_subset(&ids("string")),
                "{lang}: {:?}",
                strings.difference(&ids("string"))
            );
            assert_eq!(presentations, ids("presentation"), "{lang}");
        }
    }
}
