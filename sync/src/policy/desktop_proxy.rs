//! The desktop's own proxy setting, for a computer where neither the school's policy nor
//! the session's variables (`HTTPS_PROXY`…) name one: GNOME's « Paramètres › Réseau ›
//! Proxy », read with `gsettings` (GLib's own tool, there wherever GNOME is). Only the
//! manual mode is taken; an automatic one (a PAC script) cannot be followed without a
//! JavaScript engine and is said in the log. Read once per process.

use std::sync::OnceLock;

/// A proxy set in the desktop's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesktopProxy {
    /// `http://host:port`, for every request.
    pub url: String,
    /// The hosts it leaves out, as `NO_PROXY` lists them.
    pub ignore: String,
}

/// The desktop's manual proxy, when it sets one (read once, then remembered).
pub fn desktop_proxy() -> Option<DesktopProxy> {
    static READ: OnceLock<Option<DesktopProxy>> = OnceLock::new();
    READ.get_or_init(|| from_settings(gsettings)).clone()
}

/// Whether the session names a proxy itself (reqwest then reads it): an empty variable
/// names none.
pub fn session_names_one() -> bool {
    [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ]
    .iter()
    .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

/// One GNOME setting as `gsettings get SCHEMA KEY` prints it (GVariant text), or `None`
/// when the tool, the schema or the key is missing.
fn gsettings(schema: &str, key: &str) -> Option<String> {
    let out = std::process::Command::new("gsettings")
        .args(["get", schema, key])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The proxy the settings `get` reads describe: GNOME's schemas `org.gnome.system.proxy`
/// (`mode`, `ignore-hosts`) and `….https` / `….http` (`host`, `port`), the https one
/// first since the ENT is reached over https.
pub fn from_settings(get: impl Fn(&str, &str) -> Option<String>) -> Option<DesktopProxy> {
    const BASE: &str = "org.gnome.system.proxy";
    match get(BASE, "mode").as_deref().map(unquote) {
        Some(mode) if mode == "manual" => {}
        Some(mode) if mode == "auto" => {
            tracing::warn!(
                "proxy du bureau : configuration automatique (PAC) non prise en charge ; \
                 indiquez le proxy dans la politique de l'établissement"
            );
            return None;
        }
        _ => return None,
    }
    let (host, port) = ["https", "http"].iter().find_map(|scheme| {
        let schema = format!("{BASE}.{scheme}");
        let host = unquote(&get(&schema, "host")?);
        let port: u16 = get(&schema, "port")?.trim().parse().ok()?;
        (!host.is_empty() && port != 0).then_some((host, port))
    })?;
    let ignore = get(BASE, "ignore-hosts")
        .map(|list| list_items(&list).join(","))
        .unwrap_or_default();
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host
    };
    Some(DesktopProxy {
        url: format!("http://{host}:{port}"),
        ignore,
    })
}

/// `'text'` → `text` (GVariant's quoting of a string).
fn unquote(s: &str) -> String {
    let s = s.trim();
    s.strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .unwrap_or(s)
        .replace("\\'", "'")
}

/// `['a', 'b']` (or `@as []`) → the items.
fn list_items(s: &str) -> Vec<String> {
    let s = s.trim().trim_start_matches("@as").trim();
    let Some(inner) = s.strip_prefix('[').and_then(|s| s.strip_suffix(']')) else {
        return Vec::new();
    };
    inner
        .split(',')
        .map(unquote)
        .filter(|i| !i.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings<'a>(
        pairs: &'a [(&'a str, &'a str, &'a str)],
    ) -> impl Fn(&str, &str) -> Option<String> + 'a {
        move |schema, key| {
            pairs
                .iter()
                .find(|(s, k, _)| *s == schema && *k == key)
                .map(|(_, _, v)| v.to_string())
        }
    }

    #[test]
    fn a_manual_proxy_is_taken_https_first_with_the_hosts_it_leaves_out() {
        let got = from_settings(settings(&[
            ("org.gnome.system.proxy", "mode", "'manual'"),
            (
                "org.gnome.system.proxy.http",
                "host",
                "'http-proxy.lycee.fr'",
            ),
            ("org.gnome.system.proxy.http", "port", "8080"),
            ("org.gnome.system.proxy.https", "host", "'proxy.lycee.fr'"),
            ("org.gnome.system.proxy.https", "port", "3128"),
            (
                "org.gnome.system.proxy",
                "ignore-hosts",
                "['localhost', '127.0.0.0/8', '::1', '.lycee.fr']",
            ),
        ]));
        assert_eq!(
            got,
            Some(DesktopProxy {
                url: "http://proxy.lycee.fr:3128".into(),
                ignore: "localhost,127.0.0.0/8,::1,.lycee.fr".into(),
            })
        );
        // Only an http proxy set: it serves https too.
        let http_only = from_settings(settings(&[
            ("org.gnome.system.proxy", "mode", "'manual'"),
            ("org.gnome.system.proxy.https", "host", "''"),
            ("org.gnome.system.proxy.https", "port", "0"),
            ("org.gnome.system.proxy.http", "host", "'10.0.0.1'"),
            ("org.gnome.system.proxy.http", "port", "8080"),
            ("org.gnome.system.proxy", "ignore-hosts", "@as []"),
        ]));
        assert_eq!(http_only.unwrap().url, "http://10.0.0.1:8080");
    }

    #[test]
    fn no_proxy_unless_one_is_set_by_hand() {
        for mode in ["'none'", "'auto'"] {
            let got = from_settings(settings(&[
                ("org.gnome.system.proxy", "mode", mode),
                ("org.gnome.system.proxy.https", "host", "'proxy.lycee.fr'"),
                ("org.gnome.system.proxy.https", "port", "3128"),
            ]));
            assert_eq!(got, None, "{mode}");
        }
        // No GNOME (no tool, no schema), or a manual mode with no host.
        assert_eq!(from_settings(|_, _| None), None);
        let empty = from_settings(settings(&[("org.gnome.system.proxy", "mode", "'manual'")]));
        assert_eq!(empty, None);
    }
}
