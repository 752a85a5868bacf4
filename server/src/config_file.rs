//! The server's configuration file (`--config FILE`, `/etc/ardoise-server/config.toml` in
//! the package): TOML whose keys are the long options of `ardoise-server`, written with
//! underscores or dashes (`listen`, `data`, `quota_mb`, …).
//!
//! The file gives the defaults; an option on the command line wins over it. A key the
//! server does not know, or a value of the wrong type, is refused with the key's name: a
//! misspelt limit must not be silently ignored on a school's server.

use std::ffi::OsString;
use std::path::Path;

/// Keys the file may hold: (key, takes a number).
const KEYS: &[(&str, bool)] = &[
    ("data", false),
    ("database", false),
    ("listen", false),
    ("quota_mb", true),
    ("header_timeout_secs", true),
    ("idle_timeout_secs", true),
    ("max_connections", true),
    ("max_connections_per_address", true),
    ("password_checks", true),
    ("maintenance_secs", true),
];

/// Why a configuration file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigFileError {
    /// The file could not be read.
    #[error("{file} : lecture impossible : {source}")]
    Read {
        /// The file.
        file: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not TOML.
    #[error("{file} : ce n'est pas du TOML valide : {message}")]
    Syntax {
        /// The file.
        file: String,
        /// The parser's message (it names the line).
        message: String,
    },
    /// A key the server does not know.
    #[error("{file} : clé inconnue « {key} » (clés possibles : {known})")]
    UnknownKey {
        /// The file.
        file: String,
        /// The key.
        key: String,
        /// The keys the server knows.
        known: String,
    },
    /// A value of the wrong type.
    #[error("{file} : « {key} » attend {expected}")]
    BadValue {
        /// The file.
        file: String,
        /// The key.
        key: String,
        /// What the key takes.
        expected: &'static str,
    },
}

/// Reads `path` and turns it into command-line options (`--listen=…`), to be placed
/// before the ones given on the command line so that those win.
pub fn options_from_file(path: &Path) -> Result<Vec<OsString>, ConfigFileError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ConfigFileError::Read {
        file: file.clone(),
        source,
    })?;
    options_from_text(&file, &text)
}

/// [`options_from_file`] on text already read; `file` names it in errors.
pub fn options_from_text(file: &str, text: &str) -> Result<Vec<OsString>, ConfigFileError> {
    let table: toml::Table =
        text.parse()
            .map_err(|e: toml::de::Error| ConfigFileError::Syntax {
                file: file.to_string(),
                message: e.to_string().trim().to_string(),
            })?;
    let mut out = Vec::new();
    for (key, value) in &table {
        let name = key.replace('-', "_");
        let Some(&(_, numeric)) = KEYS.iter().find(|(k, _)| *k == name) else {
            return Err(ConfigFileError::UnknownKey {
                file: file.to_string(),
                key: key.clone(),
                known: KEYS.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", "),
            });
        };
        let text = match (value, numeric) {
            (toml::Value::Integer(n), true) if *n >= 0 => n.to_string(),
            (toml::Value::String(s), false) => s.clone(),
            _ => {
                return Err(ConfigFileError::BadValue {
                    file: file.to_string(),
                    key: key.clone(),
                    expected: if numeric {
                        "un nombre entier positif"
                    } else {
                        "un texte entre guillemets"
                    },
                })
            }
        };
        out.push(OsString::from(format!(
            "--{}={text}",
            name.replace('_', "-")
        )));
    }
    Ok(out)
}

/// The command line with the file of its `--config FILE` (or `--config=FILE`) read into
/// options placed right after the program's name, so that the command line wins.
pub fn expand_args(args: Vec<OsString>) -> Result<Vec<OsString>, ConfigFileError> {
    let mut path = None;
    let mut iter = args.iter().skip(1);
    while let Some(arg) = iter.next() {
        let Some(s) = arg.to_str() else { continue };
        if s == "--" {
            break;
        }
        if s == "--config" {
            path = iter.next().cloned();
        } else if let Some(p) = s.strip_prefix("--config=") {
            path = Some(OsString::from(p));
        }
    }
    let Some(path) = path else { return Ok(args) };
    let mut out: Vec<OsString> = args.iter().take(1).cloned().collect();
    out.extend(options_from_file(Path::new(&path))?);
    out.extend(args.into_iter().skip(1));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn keys_become_options_with_dashes() {
        let got = options_from_text(
            "c.toml",
            "# commentaire\ndata = \"/var/lib/ardoise-server\"\nlisten = \"0.0.0.0:8787\"\nquota-mb = 512\n",
        )
        .unwrap();
        assert_eq!(
            got,
            os(&[
                "--data=/var/lib/ardoise-server",
                "--listen=0.0.0.0:8787",
                "--quota-mb=512"
            ])
        );
    }

    #[test]
    fn unknown_keys_and_wrong_types_are_refused_by_name() {
        let e = options_from_text("c.toml", "quota_mo = 5\n").unwrap_err();
        assert!(e.to_string().contains("« quota_mo »"), "{e}");
        let e = options_from_text("c.toml", "max_connections = \"beaucoup\"\n").unwrap_err();
        assert!(e.to_string().contains("nombre entier"), "{e}");
        let e = options_from_text("c.toml", "listen = 8787\n").unwrap_err();
        assert!(e.to_string().contains("texte"), "{e}");
        let e = options_from_text("c.toml", "quota_mb = -1\n").unwrap_err();
        assert!(e.to_string().contains("« quota_mb »"), "{e}");
        let e = options_from_text("c.toml", "listen = \n").unwrap_err();
        assert!(
            e.to_string().starts_with("c.toml : ce n'est pas du TOML"),
            "{e}"
        );
    }

    #[test]
    fn the_command_line_comes_after_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(&file, "listen = \"127.0.0.1:9000\"\n").unwrap();
        let f = file.to_str().unwrap();
        let got = expand_args(os(&[
            "ardoise-server",
            "--config",
            f,
            "--listen",
            "127.0.0.1:1",
        ]))
        .unwrap();
        assert_eq!(
            got,
            os(&[
                "ardoise-server",
                "--listen=127.0.0.1:9000",
                "--config",
                f,
                "--listen",
                "127.0.0.1:1"
            ])
        );
        let got = expand_args(os(&[
            "ardoise-server",
            &format!("--config={f}"),
            "year",
            "list",
        ]))
        .unwrap();
        assert_eq!(got[1], OsString::from("--listen=127.0.0.1:9000"));
        // No file named: the command line as it was.
        let plain = os(&["ardoise-server", "--data", "d"]);
        assert_eq!(expand_args(plain.clone()).unwrap(), plain);
        assert!(expand_args(os(&["ardoise-server", "--config", "/nowhere/c.toml"])).is_err());
    }
}
