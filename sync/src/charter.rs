//! The school's usage charter (charte d'usage) as the replica holds it: the version to
//! accept before anything else, accepting it (offline too: the acceptance is queued like
//! any edit), publishing a new version (direction), and who accepted which (the direction's
//! replica holds everyone's acceptances; anyone else's, only their own).

use ardoise_protocol::entities::validate;
use ardoise_protocol::ErrorCode;
use ardoise_protocol::{EntityKind, Role};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::logbook::Me;
use crate::replica::Replica;
use crate::{Result, SyncError};

/// One version of the charter, and whether the reader accepted it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct CharterView {
    /// Its number: 1, 2…
    pub number: u32,
    /// Its title.
    pub title: String,
    /// Its text, Markdown (to be shown as text, never as HTML).
    pub text: String,
    /// When the server took it (RFC 3339).
    pub published_at: String,
    /// When the reader accepted it, if they did (RFC 3339).
    pub accepted_at: Option<String>,
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The latest version, with the reader's acceptance of it; `None` when the school has no
/// charter.
pub fn current(replica: &Replica) -> Result<Option<CharterView>> {
    let me = replica.user_id()?;
    let conn = replica.conn();
    Ok(conn
        .query_row(
            "SELECT c.number, c.title, c.text, c.published_at,
                    (SELECT min(a.accepted_at) FROM charter_acceptances a
                      WHERE a.user_id = ?1 AND a.number = c.number)
               FROM charters c ORDER BY c.number DESC LIMIT 1",
            params![me],
            |r| {
                Ok(CharterView {
                    number: r.get(0)?,
                    title: r.get(1)?,
                    text: r.get(2)?,
                    published_at: r.get(3)?,
                    accepted_at: r.get(4)?,
                })
            },
        )
        .optional()?)
}

/// The version the reader must accept before anything else, if any: the latest, when they
/// have not accepted it.
pub fn to_accept(replica: &Replica) -> Result<Option<CharterView>> {
    Ok(current(replica)?.filter(|c| c.accepted_at.is_none()))
}

/// Accepts version `number`, which must be the latest (one read on screen while a newer
/// one arrived is refused: the newer one is shown instead). Accepting it again changes
/// nothing. The acceptance goes up with the next sync.
pub fn accept(replica: &mut Replica, number: u32) -> Result<CharterView> {
    let me = replica.user_id()?;
    let Some(latest) = current(replica)? else {
        return Err(SyncError::refused(
            ErrorCode::CharterNone,
            "L'établissement n'a pas de charte à accepter.",
        ));
    };
    if latest.number != number {
        return Err(SyncError::refused(
            ErrorCode::CharterVersion,
            format!(
                "La charte a changé : c'est la version {} qu'il faut lire et accepter.",
                latest.number
            ),
        ));
    }
    if latest.accepted_at.is_some() {
        return Ok(latest);
    }
    let data = json!({"userId": me, "number": number, "acceptedAt": now()});
    let data = validate(
        EntityKind::CharterAcceptance,
        data.as_object().unwrap_or(&Default::default()),
    )?;
    replica.local_create(
        EntityKind::CharterAcceptance,
        &Uuid::now_v7().to_string(),
        data,
    )?;
    current(replica)?.ok_or_else(|| SyncError::NotFound("la charte".into()))
}

/// Publishes a new version (direction): `title` and `text` (Markdown) as the next number.
/// Everyone is asked to accept it once it reaches their replica.
pub fn publish(replica: &mut Replica, title: &str, text: &str) -> Result<CharterView> {
    let me = Me::load(replica)?;
    if !me.is(Role::Direction) {
        return Err(SyncError::refused(
            ErrorCode::AclForbidden,
            "Seule la direction publie la charte.",
        ));
    }
    let number = current(replica)?.map_or(1, |c| c.number + 1);
    let data = json!({"number": number, "title": title.trim(), "text": text, "publishedAt": now()});
    let data = validate(
        EntityKind::Charter,
        data.as_object().unwrap_or(&Default::default()),
    )?;
    replica.local_create(EntityKind::Charter, &format!("charter-{number}"), data)?;
    current(replica)?.ok_or_else(|| SyncError::NotFound("la charte".into()))
}

/// One person and the highest version they accepted.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Acceptance {
    /// Login.
    pub login: String,
    /// Name shown.
    pub display_name: String,
    /// Roles, as the protocol names them.
    pub roles: Vec<String>,
    /// The highest version they accepted.
    pub accepted: Option<u32>,
    /// When they first accepted it (RFC 3339).
    pub accepted_at: Option<String>,
}

/// Who accepted which version (the direction's view; anyone else's replica holds only
/// their own acceptances, so this is the direction's to call).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct CharterStatus {
    /// The latest version, if any.
    pub current: Option<u32>,
    /// How many people accepted it.
    pub accepted_current: usize,
    /// Everyone, those who have not accepted the latest first, then by name.
    pub people: Vec<Acceptance>,
}

/// Who accepted which version (direction).
pub fn status(replica: &Replica) -> Result<CharterStatus> {
    let me = Me::load(replica)?;
    if !me.is(Role::Direction) {
        return Err(SyncError::refused(
            ErrorCode::AclForbidden,
            "Seule la direction voit qui a accepté la charte.",
        ));
    }
    let current = current(replica)?.map(|c| c.number);
    let conn = replica.conn();
    let mut stmt = conn.prepare(
        "SELECT u.login, u.display_name, u.roles, best.number,
                (SELECT min(a.accepted_at) FROM charter_acceptances a
                  WHERE a.user_id = u.id AND a.number = best.number)
           FROM users u
           LEFT JOIN (SELECT user_id, max(number) AS number FROM charter_acceptances
                       GROUP BY user_id) best ON best.user_id = u.id",
    )?;
    let mut people: Vec<Acceptance> = stmt
        .query_map([], |r| {
            let roles: String = r.get(2)?;
            Ok(Acceptance {
                login: r.get(0)?,
                display_name: r.get(1)?,
                roles: serde_json::from_str(&roles).unwrap_or_default(),
                accepted: r.get(3)?,
                accepted_at: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    people.sort_by(|a, b| {
        let late = |p: &Acceptance| current.is_some() && p.accepted == current;
        (late(a), &a.display_name, &a.login).cmp(&(late(b), &b.display_name, &b.login))
    });
    let accepted_current = people
        .iter()
        .filter(|p| current.is_some() && p.accepted == current)
        .count();
    Ok(CharterStatus {
        current,
        accepted_current,
        people,
    })
}
