//! The app's identifier, and the one move of the folders of its former name.
//!
//! Tauri names the app's data, log, settings and cache folders after the identifier of
//! `tauri.conf.json`. The first builds were `fr.ardoise.app`, a name the bundler warns
//! about (macOS reads a trailing `.app` as a bundle); the identifier became
//! `fr.ardoise.client` before the first packaged release. At its start, before anything
//! creates a folder, the app renames each folder of a former name to the current one —
//! a rename, so the encrypted replicas, the queued edits and the logs come along whole.
//! A folder is never merged into one that already exists: that case is left as it is and
//! reported in the log.

use std::path::{Path, PathBuf};

pub use ardoise_sync::support::{APP_IDENTIFIER, FORMER_APP_IDENTIFIERS};

/// What happened to one former folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Move {
    /// Renamed from the first path to the second.
    Moved(PathBuf, PathBuf),
    /// Left in place: the current folder exists already (both are kept).
    BothExist(PathBuf, PathBuf),
    /// The rename failed (reason).
    Failed(PathBuf, PathBuf, String),
}

/// The user's folders Tauri puts the app's folders in, each once.
pub fn base_folders() -> Vec<PathBuf> {
    let mut bases: Vec<PathBuf> = Vec::new();
    for base in [
        dirs::data_dir(),
        dirs::data_local_dir(),
        dirs::config_dir(),
        dirs::cache_dir(),
    ]
    .into_iter()
    .flatten()
    {
        if !bases.contains(&base) {
            bases.push(base);
        }
    }
    bases
}

/// Moves, in each of `bases`, the folder of a former identifier to the current name.
pub fn move_former_folders(bases: &[PathBuf]) -> Vec<Move> {
    let mut moves = Vec::new();
    for base in bases {
        let current = base.join(APP_IDENTIFIER);
        for former in FORMER_APP_IDENTIFIERS {
            let old = base.join(former);
            if !is_real_dir(&old) {
                continue;
            }
            if current.exists() {
                moves.push(Move::BothExist(old, current.clone()));
                continue;
            }
            moves.push(match std::fs::rename(&old, &current) {
                Ok(()) => Move::Moved(old, current.clone()),
                Err(e) => Move::Failed(old, current.clone(), e.to_string()),
            });
        }
    }
    moves
}

fn is_real_dir(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir())
}

/// Writes what [`move_former_folders`] did to the log.
pub fn log_moves(moves: &[Move]) {
    for m in moves {
        match m {
            Move::Moved(from, to) => {
                log::info!("dossier déplacé : {} → {}", from.display(), to.display())
            }
            Move::BothExist(from, to) => log::warn!(
                "{} existe à côté de {} : laissé tel quel",
                from.display(),
                to.display()
            ),
            Move::Failed(from, to, why) => log::error!(
                "déplacement de {} vers {} impossible : {why}",
                from.display(),
                to.display()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_identifier_is_the_one_tauri_uses() {
        let conf: serde_json::Value =
            serde_json::from_str(include_str!("../tauri.conf.json")).unwrap();
        assert_eq!(conf["identifier"], APP_IDENTIFIER);
        assert!(!APP_IDENTIFIER.ends_with(".app"));
    }

    #[test]
    fn former_folders_move_once_and_are_never_merged() {
        let home = tempfile::tempdir().unwrap();
        let data = home.path().join("data");
        let config = home.path().join("config");
        let cache = home.path().join("cache");
        // data: a former profile with its replica; config: both names exist; cache: nothing.
        let old_profile = data.join("fr.ardoise.app/profiles/martin");
        std::fs::create_dir_all(&old_profile).unwrap();
        std::fs::write(old_profile.join("replica.db"), b"encrypted").unwrap();
        std::fs::create_dir_all(config.join("fr.ardoise.app")).unwrap();
        std::fs::create_dir_all(config.join(APP_IDENTIFIER)).unwrap();
        std::fs::create_dir_all(&cache).unwrap();

        let bases = vec![data.clone(), config.clone(), cache.clone()];
        let moves = move_former_folders(&bases);
        assert_eq!(
            moves,
            vec![
                Move::Moved(data.join("fr.ardoise.app"), data.join(APP_IDENTIFIER)),
                Move::BothExist(config.join("fr.ardoise.app"), config.join(APP_IDENTIFIER)),
            ]
        );
        let moved = data.join(APP_IDENTIFIER).join("profiles/martin/replica.db");
        assert_eq!(std::fs::read(moved).unwrap(), b"encrypted");
        assert!(!data.join("fr.ardoise.app").exists());
        assert!(config.join("fr.ardoise.app").exists(), "never merged");
        // A second start has nothing left to move.
        assert_eq!(
            move_former_folders(&bases),
            vec![Move::BothExist(
                config.join("fr.ardoise.app"),
                config.join(APP_IDENTIFIER)
            )]
        );
    }
}
