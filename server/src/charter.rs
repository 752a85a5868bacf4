//! The school's usage charter (charte d'usage) on the server: its versions, published by
//! the direction (`ardoise-server charter publish FILE.md`, or from a client, checked in
//! `rules`), and who accepted which (`ardoise-server charter status`).
//!
//! Each version is a record `charter-<number>`, numbered from 1, dated by the server; the
//! app asks everyone to accept the latest before anything else. An acceptance is a record
//! of its own (user, number, when), made on the user's device, offline too, and sent like
//! any edit.

use ardoise_protocol::entities::validate;
use ardoise_protocol::{Data, EntityKind, Role};
use serde::Serialize;
use serde_json::{json, Value};

use crate::acl::str_of;
use crate::school_settings::SettingError;
use crate::store::{ReadTx, Store, StoreError, StoredRecord};

/// The id of version `number`.
pub fn record_id(number: u32) -> String {
    format!("charter-{number}")
}

/// The latest version and its data, if the school has a charter.
pub fn latest(tx: &dyn ReadTx) -> Result<Option<(u32, Data)>, StoreError> {
    Ok(tx
        .live_of_kind(EntityKind::Charter)?
        .into_iter()
        .filter_map(|r| {
            let n = r.data.get("number")?.as_u64()?;
            Some((u32::try_from(n).ok()?, r.data))
        })
        .max_by_key(|(n, _)| *n))
}

/// A version just published.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Published {
    /// Its number.
    pub number: u32,
    /// Its title.
    pub title: String,
}

/// Publishes `text` (Markdown) as the next version, titled `title`; stamped `now`.
pub fn publish(
    store: &dyn Store,
    title: &str,
    text: &str,
    now: &str,
) -> Result<Published, SettingError> {
    let mut tx = store.write()?;
    let number = latest(&*tx)?.map_or(1, |(n, _)| n + 1);
    let data = json!({"number": number, "title": title.trim(), "text": text, "publishedAt": now});
    let data = validate(
        EntityKind::Charter,
        data.as_object().unwrap_or(&Data::new()),
    )
    .map_err(|e| SettingError::Refused(e.to_string()))?;
    tx.put_record(&StoredRecord {
        kind: EntityKind::Charter,
        id: record_id(number),
        version: 1,
        change_seq: 0,
        deleted: false,
        ever_public: false,
        data,
    })?;
    tx.commit()?;
    Ok(Published {
        number,
        title: title.trim().to_string(),
    })
}

/// One person and the last version of the charter they accepted.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PersonStatus {
    /// Login.
    pub login: String,
    /// Name shown.
    pub display_name: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// The highest version they accepted.
    pub accepted: Option<u32>,
    /// When they accepted it (RFC 3339, their device's clock).
    pub accepted_at: Option<String>,
}

/// Who accepted which version.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// The latest version, if any.
    pub current: Option<u32>,
    /// How many people accepted it.
    pub accepted_current: usize,
    /// Everyone with an account record, by name.
    pub people: Vec<PersonStatus>,
}

impl Status {
    /// The report, in French: the count, then the people who have not accepted.
    pub fn to_text(&self) -> String {
        let Some(current) = self.current else {
            return "Aucune charte publiée.\n".into();
        };
        let mut out = format!(
            "Charte version {current} : acceptée par {} personne(s) sur {}.\n",
            self.accepted_current,
            self.people.len()
        );
        for p in self.people.iter().filter(|p| p.accepted != Some(current)) {
            let last = p.accepted.map_or("jamais acceptée".to_string(), |n| {
                format!("version {n} acceptée")
            });
            out.push_str(&format!("  {} ({}) : {last}\n", p.display_name, p.login));
        }
        out
    }
}

/// Who accepted which version, from the store.
pub fn status(store: &dyn Store) -> Result<Status, StoreError> {
    let tx = store.read()?;
    let current = latest(&*tx)?.map(|(n, _)| n);
    let mut best: std::collections::HashMap<String, (u32, String)> = Default::default();
    for a in tx.live_of_kind(EntityKind::CharterAcceptance)? {
        let user = str_of(&a.data, "userId").to_string();
        let Some(n) = a.data.get("number").and_then(Value::as_u64) else {
            continue;
        };
        let n = n as u32;
        let at = str_of(&a.data, "acceptedAt").to_string();
        let entry = best.entry(user).or_insert((n, at.clone()));
        // The highest version; for one version, the first acceptance.
        if n > entry.0 || (n == entry.0 && at < entry.1) {
            *entry = (n, at);
        }
    }
    let mut people: Vec<PersonStatus> = tx
        .live_of_kind(EntityKind::User)?
        .into_iter()
        .map(|u| {
            let accepted = best.get(&u.id);
            PersonStatus {
                login: str_of(&u.data, "login").to_string(),
                display_name: str_of(&u.data, "displayName").to_string(),
                roles: serde_json::from_value(u.data.get("roles").cloned().unwrap_or_default())
                    .unwrap_or_default(),
                accepted: accepted.map(|(n, _)| *n),
                accepted_at: accepted.map(|(_, at)| at.clone()),
            }
        })
        .collect();
    people.sort_by(|a, b| (&a.display_name, &a.login).cmp(&(&b.display_name, &b.login)));
    let accepted_current = people
        .iter()
        .filter(|p| current.is_some() && p.accepted == current)
        .count();
    Ok(Status {
        current,
        accepted_current,
        people,
    })
}
