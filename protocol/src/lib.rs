//! Wire types of the Ardoise sync protocol, shared by the client (`ardoise-sync`) and the
//! reference central ENT (`ardoise-server`).
//!
//! The protocol moves **records**: a record is one entity of the school (a course occurrence,
//! a séance, a homework, a visa…) identified by its [`EntityKind`] and a string id, carrying a
//! server `version` and the global `change_seq` of its last change. Clients pull records from
//! the change feed ([`PullResponse`]) and push [`Op`]s, each carrying absolute field values
//! with the value the user started from, so the server can merge field by field
//! ([`merge::merge_fields`]).
//!
//! Every payload that crosses the network is validated here by [`entities::validate`] before
//! anyone stores it: wrong types, absurd dates, oversized strings and script in lesson HTML
//! are refused or sanitised the same way on both sides.
//!
//! ```
//! use ardoise_protocol::{EntityKind, entities};
//! let data = serde_json::json!({"code": "HG", "label": "Histoire-géographie", "color": "#8e44ad"});
//! let clean = entities::validate(EntityKind::Subject, data.as_object().unwrap()).unwrap();
//! assert_eq!(clean["code"], "HG");
//! ```
#![warn(missing_docs)]

pub mod calendar;
pub mod documents;
pub mod entities;
pub mod errors;
pub mod ical;
pub mod indicators;
pub mod merge;
pub mod pdf;
pub mod visa;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use errors::ErrorCode;
use serde_json::{Map, Value};
use uuid::Uuid;

/// Version of the protocol spoken by this build. Version 2 added the school's charter
/// (kinds `charter` and `charterAcceptance`), its news (`news`) and the pupils' « fait »
/// ticks (`homeworkDone`); version 3 the teachers' progressions (`progression`), which the
/// server never sends to a client of version 2 ([`EntityKind::since_protocol`]).
pub const PROTOCOL_VERSION: u32 = 3;
/// Oldest protocol version the server still serves. A client of version 1 would meet
/// records of kinds it cannot read, so it is asked to update (`protocol.unsupported`); its
/// edits wait in its replica meanwhile, and the updated app sends them (ADR 0017).
pub const MIN_PROTOCOL_VERSION: u32 = 2;
/// HTTP header carrying the protocol version on every request.
pub const PROTOCOL_HEADER: &str = "ardoise-protocol";
/// Largest response body a client accepts for a pull page, a push or a login.
pub const MAX_PAGE_BYTES: usize = 32 * 1024 * 1024;
/// Largest response body a client accepts for a snapshot.
pub const MAX_SNAPSHOT_BYTES: usize = 512 * 1024 * 1024;
/// Most operations a client sends in one push request.
pub const MAX_OPS_PER_PUSH: usize = 500;

/// A JSON object: the data of a record.
pub type Data = Map<String, Value>;

/// The kinds of records the protocol moves. Names on the wire are camelCase.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EntityKind {
    /// The établissement: UAI, name, time zone, school year.
    School,
    /// One week of the school calendar (id = its Monday), semaine A or B.
    Week,
    /// A holiday period (vacances scolaires, jours fériés).
    Holiday,
    /// A person with an account: teacher, vie scolaire, direction, pupil, parent.
    User,
    /// A matière.
    Subject,
    /// A salle.
    Room,
    /// A classe or a groupe.
    Audience,
    /// A recurring timetable slot.
    Course,
    /// A dated instance of a course, with its status.
    CourseOccurrence,
    /// A séance of the cahier de textes.
    Session,
    /// A travail à faire.
    Homework,
    /// A sign-off of a teacher's logbook for an audience up to a date.
    Visa,
    /// Metadata of a document of the espace documentaire.
    Document,
    /// A version of the school's usage charter (charte d'usage), in Markdown.
    Charter,
    /// One person's acceptance of one version of the charter.
    CharterAcceptance,
    /// A news item (actualité) for the school, the staff or a class.
    News,
    /// A pupil's « fait » tick (or untick) on a homework.
    HomeworkDone,
    /// A teacher's progression: the planned séances of a subject for a level.
    Progression,
    /// A conflict revision: an edit that could not be applied as is.
    Conflict,
}

impl EntityKind {
    /// Every kind, in the order a replica applies them (referenced kinds first).
    pub const ALL: [EntityKind; 19] = [
        EntityKind::School,
        EntityKind::Week,
        EntityKind::Holiday,
        EntityKind::User,
        EntityKind::Subject,
        EntityKind::Room,
        EntityKind::Audience,
        EntityKind::Course,
        EntityKind::CourseOccurrence,
        EntityKind::Session,
        EntityKind::Homework,
        EntityKind::Visa,
        EntityKind::Document,
        EntityKind::Charter,
        EntityKind::CharterAcceptance,
        EntityKind::News,
        EntityKind::HomeworkDone,
        EntityKind::Progression,
        EntityKind::Conflict,
    ];

    /// The camelCase name used on the wire and in the replica.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::School => "school",
            EntityKind::Week => "week",
            EntityKind::Holiday => "holiday",
            EntityKind::User => "user",
            EntityKind::Subject => "subject",
            EntityKind::Room => "room",
            EntityKind::Audience => "audience",
            EntityKind::Course => "course",
            EntityKind::CourseOccurrence => "courseOccurrence",
            EntityKind::Session => "session",
            EntityKind::Homework => "homework",
            EntityKind::Visa => "visa",
            EntityKind::Document => "document",
            EntityKind::Charter => "charter",
            EntityKind::CharterAcceptance => "charterAcceptance",
            EntityKind::News => "news",
            EntityKind::HomeworkDone => "homeworkDone",
            EntityKind::Progression => "progression",
            EntityKind::Conflict => "conflict",
        }
    }

    /// The first protocol version that has this kind: the server sends records of a kind
    /// only to clients that speak a version that knows it.
    pub fn since_protocol(self) -> u32 {
        match self {
            EntityKind::Progression => 3,
            _ => MIN_PROTOCOL_VERSION,
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<EntityKind> {
        EntityKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for EntityKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The roles of the people of a school (docs/protocol.md says what each may do).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Enseignant.
    Teacher,
    /// Vie scolaire (CPE, AED).
    VieScolaire,
    /// Direction (chef d'établissement, adjoint).
    Direction,
    /// Inspecteur.
    Inspector,
    /// Élève.
    Pupil,
    /// Parent.
    Parent,
}

/// One record as the server sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// What it is.
    pub kind: EntityKind,
    /// Its id, unique within its kind.
    pub id: String,
    /// Bumped by the server on each change, starting at 1.
    pub version: i64,
    /// Global sequence number of the change that produced this version.
    pub change_seq: i64,
    /// A tombstone (deleted, or no longer readable by this user).
    #[serde(default)]
    pub deleted: bool,
    /// The fields, absent for a tombstone.
    #[serde(default)]
    pub data: Option<Data>,
}

/// A page of the change feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PullResponse {
    /// The records changed after the requested cursor that this user may read, in
    /// `change_seq` order.
    pub changes: Vec<Record>,
    /// The cursor to ask from next time: the last `change_seq` this page covered.
    pub next_cursor: i64,
    /// More changes are waiting after `next_cursor`.
    pub has_more: bool,
}

/// A consistent dump of what a user may read, at one `change_seq`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotResponse {
    /// The change feed position the snapshot reflects; pull deltas from there.
    pub seq: i64,
    /// Every live record the user may read.
    pub records: Vec<Record>,
}

/// Media type of a streamed snapshot, asked for with `Accept`: one JSON value per line — a
/// [`SnapshotHead`], then one [`Record`] per line in [`snapshot_order`], then a
/// [`SnapshotEnd`]. A client applies it while it arrives, so neither side holds the
/// whole school as one document; the end line proves the stream was not cut. A client
/// that does not ask gets a [`SnapshotResponse`].
pub const SNAPSHOT_STREAM_TYPE: &str = "application/x-ndjson";
/// Longest line of a streamed snapshot a client accepts (one record).
pub const MAX_SNAPSHOT_LINE_BYTES: usize = 1024 * 1024;

/// First line of a streamed snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SnapshotHead {
    /// The change feed position the snapshot reflects; pull deltas from there.
    pub seq: i64,
    /// About how many records follow, for a progress bar (the server streams while it
    /// reads, so it cannot know yet; the end line has the count).
    pub estimate: u64,
}

/// Last line of a streamed snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SnapshotEnd {
    /// How many record lines were sent.
    pub end: u64,
}

/// Puts a snapshot's records in the order a replica writes them, the order servers read
/// and stream them in. Rows land on database pages in insertion order: by kind (wire name),
/// then by `date`, `start` and `givenOn` where the kind has them, a day's lessons (the vie
/// scolaire's view of every class) share a few pages instead of one page per course —
/// which is what a cold read of a day costs.
pub fn snapshot_order(records: &mut [Record]) {
    records.sort_by_cached_key(|r| {
        let field = |name: &str| -> Option<String> {
            r.data
                .as_ref()
                .and_then(|d| d.get(name))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        (
            r.kind.as_str(),
            field("date"),
            field("start"),
            field("givenOn"),
            r.id.clone(),
        )
    });
}

/// What an operation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OpAction {
    /// Create a record with a client-made id.
    Create,
    /// Change some fields of a record.
    Update,
    /// Delete a record (it becomes a tombstone).
    Delete,
    /// Resolve a conflict revision (the record is the conflict).
    Resolve,
}

/// One field of an operation: the value the user started from and the value they chose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// Value the edit was made against (null for a create).
    pub base: Value,
    /// Value the user saved.
    pub new: Value,
}

/// Which side a resolution keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Keep {
    /// The conflicting edit (the values that were not applied).
    Mine,
    /// What the server has (the values applied first).
    Theirs,
}

/// One change made on a client, sent by push. Values are absolute, never increments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Op {
    /// Made by the client (UUIDv7); the server applies an op id at most once.
    pub op_id: Uuid,
    /// What to do.
    pub action: OpAction,
    /// Kind of the record.
    pub kind: EntityKind,
    /// Id of the record.
    pub record_id: String,
    /// Server version the edit was made against (None for a create).
    #[serde(default)]
    pub base_version: Option<i64>,
    /// Changed fields.
    #[serde(default)]
    pub fields: BTreeMap<String, FieldChange>,
    /// For [`OpAction::Resolve`]: which side to keep.
    #[serde(default)]
    pub keep: Option<Keep>,
}

/// A push request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushRequest {
    /// Operations, in the order the user made them.
    pub ops: Vec<Op>,
}

/// How the server took one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// Applied as is.
    Applied,
    /// Some fields were applied, the others kept as a conflict revision.
    Conflict,
    /// Refused for good (visa lock, permission, invalid data): do not retry.
    Rejected,
}

/// The server's answer for one operation. Stored with the op id, so a retried push gets
/// the same answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpResult {
    /// The op this answers.
    pub op_id: Uuid,
    /// What happened.
    pub outcome: Outcome,
    /// Version of the record after the op (for applied and conflict).
    #[serde(default)]
    pub version: Option<i64>,
    /// Id of the conflict revision made (for conflict).
    #[serde(default)]
    pub conflict_id: Option<String>,
    /// Why (for rejected).
    #[serde(default)]
    pub error: Option<ApiError>,
}

/// A push response: one result per op, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushResponse {
    /// Results, in the order of the request's ops.
    pub results: Vec<OpResult>,
}

/// A typed error as it crosses HTTP: a stable code and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// Stable, dotted code (`logbook.visa_locked`, `auth.invalid_credentials`…).
    pub code: ErrorCode,
    /// What happened and what to do, in French.
    pub message: String,
}

impl ApiError {
    /// Builds an error.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

/// Login with a password.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginRequest {
    /// The user's login.
    pub login: String,
    /// The password.
    pub password: String,
    /// The device token this ENT gave at the last login from this device, if any: a known
    /// device is never held back by failures made elsewhere (a stranger guessing the
    /// password from the same network).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// At the first login of an account (its password is a one-time activation code), the
    /// password the person chooses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_password: Option<String>,
}

/// Trade a refresh token for new tokens.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshRequest {
    /// The refresh token from the last login or refresh.
    pub refresh_token: String,
}

/// Who is logged in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    /// Record id of the user.
    pub id: String,
    /// Login.
    pub login: String,
    /// Name to show.
    pub display_name: String,
    /// Roles.
    pub roles: Vec<Role>,
}

/// The address of a user's calendar subscription (`POST /v1/calendar-feed`), relative to
/// the server: `/ical/<secret>.ics`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CalendarFeed {
    /// `/ical/<secret>.ics`.
    pub path: String,
}

/// Support reports (`POST /v1/support/<id>`, a zip): the limits both sides hold to.
pub mod support {
    /// The most bytes of one report.
    pub const MAX_BUNDLE_BYTES: usize = 2 * 1024 * 1024;
    /// The most files in one report.
    pub const MAX_ENTRIES: usize = 16;
    /// The most bytes of one report's files, unpacked.
    pub const MAX_UNPACKED_BYTES: u64 = 16 * 1024 * 1024;
    /// The most reports one person sends in a day.
    pub const MAX_PER_DAY: u64 = 10;
    /// The media type of a report.
    pub const CONTENT_TYPE: &str = "application/zip";
}

/// Tokens issued by login or refresh.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenResponse {
    /// Bearer token for every other request.
    pub access_token: String,
    /// Token to get a new access token when it expires.
    pub refresh_token: String,
    /// Seconds the access token stays valid.
    pub expires_in: i64,
    /// The user.
    pub user: UserInfo,
    /// The device token to send with the next login from this device (login only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}

/// The cheap health probe's answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// Always "ok" when the server answers.
    pub status: String,
    /// Newest protocol served.
    pub protocol: u32,
    /// Oldest protocol served.
    pub min_protocol: u32,
}

/// Errors found while checking data received from the other side.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// A record's data does not have the shape of its kind.
    #[error("données invalides pour {kind} : {reason}")]
    InvalidData {
        /// The kind being checked.
        kind: EntityKind,
        /// What is wrong.
        reason: String,
    },
    /// An id that is empty, too long or has characters ids never have.
    #[error("identifiant invalide : {0:?}")]
    InvalidId(String),
    /// An operation over the protocol's limits (too many fields, values too large).
    #[error("opération refusée : {0}")]
    InvalidOp(String),
}

impl ProtocolError {
    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            ProtocolError::InvalidData { .. } => ErrorCode::ProtocolInvalidData,
            ProtocolError::InvalidId(_) => ErrorCode::ProtocolInvalidId,
            ProtocolError::InvalidOp(_) => ErrorCode::ProtocolInvalidOp,
        }
    }
}

/// Checks an id: 1 to 64 characters among `A-Z a-z 0-9 - _ .`, not starting with a dot.
pub fn check_id(id: &str) -> Result<(), ProtocolError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && !id.starts_with('.')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(ProtocolError::InvalidId(id.chars().take(80).collect()))
    }
}

/// Most fields one operation changes (a record has fewer).
pub const MAX_OP_FIELDS: usize = 32;
/// Longest field name.
pub const MAX_FIELD_NAME_BYTES: usize = 64;

/// Checks an operation's shape before anything reads its values: its record id, how many
/// fields it names and how long their names are, and the size of its values — the values
/// it sets and the values it started from each fit in one record
/// ([`entities::MAX_RECORD_BYTES`]). The server runs it on every op pushed; a client's
/// ops, made from validated records, always pass.
pub fn check_op(op: &Op) -> Result<(), ProtocolError> {
    check_id(&op.record_id)?;
    if op.fields.len() > MAX_OP_FIELDS {
        return Err(ProtocolError::InvalidOp(format!(
            "plus de {MAX_OP_FIELDS} champs"
        )));
    }
    if op
        .fields
        .keys()
        .any(|k| k.is_empty() || k.len() > MAX_FIELD_NAME_BYTES)
    {
        return Err(ProtocolError::InvalidOp(
            "nom de champ vide ou trop long".into(),
        ));
    }
    let max = entities::MAX_RECORD_BYTES;
    let news: usize = op
        .fields
        .values()
        .map(|c| entities::encoded_len(&c.new))
        .sum();
    let bases: usize = op
        .fields
        .values()
        .map(|c| entities::encoded_len(&c.base))
        .sum();
    if news > max || bases > max {
        return Err(ProtocolError::InvalidOp(format!(
            "valeurs trop volumineuses ({} Ko, au plus {} Ko)",
            news.max(bases).div_ceil(1024),
            max / 1024
        )));
    }
    Ok(())
}

/// Checks a whole record received from a server: id, and data of the right shape for its
/// kind (sanitised). Returns the record with its data cleaned.
pub fn check_record(mut record: Record) -> Result<Record, ProtocolError> {
    check_id(&record.id)?;
    if record.version < 1 || record.change_seq < 1 {
        return Err(ProtocolError::InvalidData {
            kind: record.kind,
            reason: "version et change_seq doivent être positifs".into(),
        });
    }
    match (record.data.take(), record.deleted) {
        (Some(data), false) => record.data = Some(entities::validate_owned(record.kind, data)?),
        (_, true) => record.data = None,
        (None, false) => {
            return Err(ProtocolError::InvalidData {
                kind: record.kind,
                reason: "enregistrement sans données".into(),
            })
        }
    }
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_wire_names() {
        for kind in EntityKind::ALL {
            assert_eq!(EntityKind::parse(kind.as_str()), Some(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
    }

    #[test]
    fn ids_with_separators_or_traversal_are_refused() {
        for bad in [
            "",
            "../x",
            "a/b",
            "a\\b",
            ".hidden",
            "a\0b",
            &"x".repeat(65),
        ] {
            assert!(check_id(bad).is_err(), "{bad:?} accepted");
        }
        check_id("0192f1e2-7c3a-7b4d-9a10-1b2c3d4e5f60").unwrap();
    }

    #[test]
    fn record_with_negative_sequence_is_refused() {
        let rec = Record {
            kind: EntityKind::Room,
            id: "r1".into(),
            version: 1,
            change_seq: -4,
            deleted: false,
            data: Some(Map::new()),
        };
        assert!(check_record(rec).is_err());
    }

    #[test]
    fn op_json_is_camel_case() {
        let op = Op {
            op_id: Uuid::nil(),
            action: OpAction::Update,
            kind: EntityKind::Session,
            record_id: "s1".into(),
            base_version: Some(3),
            fields: BTreeMap::from([(
                "title".to_string(),
                FieldChange {
                    base: Value::from("a"),
                    new: Value::from("b"),
                },
            )]),
            keep: None,
        };
        let v = serde_json::to_value(&op).unwrap();
        assert_eq!(v["recordId"], "s1");
        assert_eq!(v["baseVersion"], 3);
        assert_eq!(v["fields"]["title"]["new"], "b");
    }
}
