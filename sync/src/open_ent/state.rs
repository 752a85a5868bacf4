//! What the Open ENT NG backend remembers between syncs, stored by the core with the
//! records it goes with (`keys::BACKEND`): the items it last gave the replica, so a re-read
//! window becomes changes and deletions; the ENT's ids of the records Ardoise created; the
//! conflict revisions it made; the reference data writes need.

use std::collections::BTreeMap;

use ardoise_protocol::{Data, EntityKind, Record, UserInfo};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::wire::removed;

/// One item the replica was given.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Seen {
    /// The ENT's id (a diary id, a course id, a directory id).
    pub ent: String,
    /// The day it belongs to, for the windowed kinds (séance, homework, lesson).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// Version given to the replica, bumped on each change.
    pub version: i64,
    /// Hash of the data last given ("" to give it again at the next read).
    pub fp: String,
    /// A lesson no longer in the ENT's timetable, shown as removed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub removed: bool,
    /// A lesson's data, to show it as removed once it leaves the ENT's timetable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<Data>,
}

/// The whole state.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    /// Who is logged in.
    pub user: Option<UserInfo>,
    /// The structure synced.
    pub structure: Option<String>,
    /// School year bounds.
    pub year: Option<(NaiveDate, NaiveDate)>,
    /// Séance type written with new séances.
    pub session_type: Option<i64>,
    /// Homework types of the structure: (id, label).
    #[serde(default)]
    pub homework_types: Vec<(i64, String)>,
    /// Every audience: (id, name, external id), to place courses.
    #[serde(default)]
    pub audiences: Vec<(String, String, String)>,
    /// The user's own classes and groups (a pupil's timetable is asked by their names).
    #[serde(default)]
    pub mine: Vec<String>,
    /// When the whole year was last read (RFC 3339).
    pub last_full: Option<String>,
    /// When the wide window was last read (RFC 3339).
    #[serde(default)]
    pub last_wide: Option<String>,
    /// Items given to the replica, by `kind/record id`.
    #[serde(default)]
    pub items: BTreeMap<String, Seen>,
    /// Rooms of lessons, by lesson record id (written with their séances).
    #[serde(default)]
    pub rooms: BTreeMap<String, String>,
    /// Open conflict revisions made here, by id.
    #[serde(default)]
    pub conflicts: BTreeMap<String, Data>,
}

/// The key of an item.
pub fn key(kind: EntityKind, id: &str) -> String {
    format!("{}/{id}", kind.as_str())
}

impl State {
    /// The record id the replica knows an ENT item by.
    pub fn record_of(&self, kind: EntityKind, ent: &str) -> Option<String> {
        let prefix = format!("{}/", kind.as_str());
        self.items
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .find(|(_, s)| s.ent == ent)
            .map(|(k, _)| k[prefix.len()..].to_string())
    }

    /// The ENT id of a record.
    pub fn ent_of(&self, kind: EntityKind, id: &str) -> Option<&Seen> {
        self.items.get(&key(kind, id))
    }

    /// Compares what was just read with what the replica was given, and returns the
    /// records to give it: new and changed items, tombstones for items of the windowed
    /// kinds no longer there (a lesson becomes « removed » instead), within the window
    /// each kind was read over (`window`; `None` for kinds never deleted by absence).
    /// `now` holds (kind, record id, ENT id, date, data).
    pub fn diff(
        &mut self,
        now: Vec<(EntityKind, String, String, Option<NaiveDate>, Data)>,
        window: &dyn Fn(EntityKind) -> Option<(NaiveDate, NaiveDate)>,
    ) -> Vec<Record> {
        let mut out = Vec::new();
        let mut present = std::collections::HashSet::new();
        for (kind, id, ent, date, data) in now {
            let k = key(kind, &id);
            let fp = blake3::hash(serde_json::to_string(&data).unwrap_or_default().as_bytes())
                .to_hex()
                .to_string();
            present.insert(k.clone());
            let seen = self.items.entry(k).or_insert(Seen {
                ent: ent.clone(),
                date,
                version: 0,
                fp: String::new(),
                removed: false,
                last: None,
            });
            seen.ent = ent;
            seen.date = date;
            if seen.fp == fp && !seen.removed {
                continue;
            }
            seen.fp = fp;
            seen.removed = false;
            seen.version += 1;
            if kind == EntityKind::CourseOccurrence {
                seen.last = Some(data.clone());
            }
            out.push(Record {
                kind,
                id,
                version: seen.version,
                change_seq: 0,
                deleted: false,
                data: Some(data),
            });
        }
        let mut gone = Vec::new();
        for (k, seen) in &mut self.items {
            let Some((kind, id)) = k.split_once('/') else {
                continue;
            };
            let Some(kind) = EntityKind::parse(kind) else {
                continue;
            };
            let in_window = match (window(kind), seen.date) {
                (Some((from, to)), Some(d)) => d >= from && d <= to,
                _ => false,
            };
            let vanished = !present.contains(k) && (in_window || kind == EntityKind::Conflict);
            if !vanished {
                continue;
            }
            if kind == EntityKind::CourseOccurrence {
                // Shown as removed from the timetable; the data is rebuilt by the caller.
                if let (false, Some(last)) = (seen.removed, &seen.last) {
                    seen.removed = true;
                    seen.version += 1;
                    gone.push((
                        kind,
                        id.to_string(),
                        seen.version,
                        Some(removed(last.clone())),
                    ));
                }
                continue;
            }
            gone.push((kind, id.to_string(), seen.version + 1, None));
        }
        for (kind, id, version, kept) in gone {
            if let Some(data) = kept {
                out.push(Record {
                    kind,
                    id,
                    version,
                    change_seq: 0,
                    deleted: false,
                    data: Some(data),
                });
            } else {
                self.items.remove(&key(kind, &id));
                out.push(Record {
                    kind,
                    id,
                    version,
                    change_seq: 0,
                    deleted: true,
                    data: None,
                });
            }
        }
        out
    }
}
