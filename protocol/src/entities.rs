//! The shape of each entity's data, and [`validate`], which both sides run on everything they
//! receive: it refuses wrong types, absurd dates, malformed times and oversized text, drops
//! unknown fields, and sanitises the HTML of lessons so no script survives.

use chrono::{Datelike, NaiveDate};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::documents::{is_blob_hash, DocumentVersion, Share, MAX_FILE_BYTES, MAX_NAME_BYTES};
use crate::{check_id, Data, EntityKind, ProtocolError, Role};

/// Longest title, name or label.
pub const MAX_SHORT_TEXT: usize = 300;
/// Longest lesson content or homework description (HTML).
pub const MAX_LONG_TEXT: usize = 200_000;
/// Largest record, as its data encodes in JSON (after sanitising), conflict revisions
/// excepted. Every field has its own limit; this one bounds their sum, so that a snapshot
/// line or a pull page never exceeds what a client accepts, whatever the fields hold.
pub const MAX_RECORD_BYTES: usize = 300 * 1024;
/// Largest conflict revision: base, mine and theirs of one record's fields (each side
/// bounded by [`MAX_RECORD_BYTES`]), with room for the field names.
pub const MAX_CONFLICT_BYTES: usize = 3 * MAX_RECORD_BYTES + 32 * 1024;
/// Longest date-time (RFC 3339) a record carries.
pub const MAX_TIMESTAMP_BYTES: usize = 40;
/// Most audiences a user teaches or belongs to.
pub const MAX_USER_AUDIENCES: usize = 200;
/// Most subjects a user teaches.
pub const MAX_USER_SUBJECTS: usize = 50;
/// Most classes a groupe is drawn from.
pub const MAX_GROUP_CLASSES: usize = 100;
/// Most versions a document keeps.
pub const MAX_DOCUMENT_VERSIONS: usize = 200;
/// Most people and audiences one document is shared with.
pub const MAX_SHARES: usize = 100;
/// Most fields of one conflict revision (a record has fewer).
pub const MAX_CONFLICT_FIELDS: usize = 32;

// A record line of a snapshot (the record's envelope adds well under 4 KiB) always fits
// what a client reads.
const _: () = assert!(MAX_CONFLICT_BYTES + 4096 < crate::MAX_SNAPSHOT_LINE_BYTES);

/// Publication state of a séance or a homework.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PublishState {
    /// Seen only by its teacher.
    Draft,
    /// Seen by everyone allowed to read the logbook.
    Published,
}

/// What a homework asks of pupils. The wire names are the protocol's own; the UI says
/// « Exercices », « Lecture », « Évaluation », « Exposé », « Autre ».
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum HomeworkKind {
    /// Exercises to do.
    #[default]
    Exercise,
    /// Something to read.
    Reading,
    /// A test to prepare (évaluation).
    Test,
    /// A presentation to prepare (exposé).
    Presentation,
    /// Anything else.
    Other,
}

impl HomeworkKind {
    /// Every kind, in the order the editor offers them.
    pub const ALL: [HomeworkKind; 5] = [
        HomeworkKind::Exercise,
        HomeworkKind::Reading,
        HomeworkKind::Test,
        HomeworkKind::Presentation,
        HomeworkKind::Other,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            HomeworkKind::Exercise => "exercise",
            HomeworkKind::Reading => "reading",
            HomeworkKind::Test => "test",
            HomeworkKind::Presentation => "presentation",
            HomeworkKind::Other => "other",
        }
    }

    /// The kind its wire name names, `None` for any other name.
    pub fn from_wire(name: &str) -> Option<HomeworkKind> {
        HomeworkKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// As the editor and the printed logbook say it, in French.
    pub fn french(self) -> &'static str {
        match self {
            HomeworkKind::Exercise => "exercices",
            HomeworkKind::Reading => "lecture",
            HomeworkKind::Test => "évaluation",
            HomeworkKind::Presentation => "exposé",
            HomeworkKind::Other => "autre",
        }
    }
}

/// Which weeks a course runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WeekPattern {
    /// Every week.
    #[serde(rename = "every")]
    Every,
    /// Semaine A only.
    A,
    /// Semaine B only.
    B,
}

/// Status of a dated course occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OccurrenceStatus {
    /// Takes place as planned.
    Planned,
    /// Will not take place.
    Cancelled,
    /// Takes place at another time or in another room.
    Moved,
    /// Taken by a substitute teacher.
    Replaced,
}

/// Classe or groupe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AudienceKind {
    /// A classe (division).
    Class,
    /// A groupe, possibly drawn from several classes.
    Group,
}

/// Semaine A or B.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WeekType {
    /// Semaine A.
    A,
    /// Semaine B.
    B,
}

/// The établissement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct School {
    pub uai: String,
    pub name: String,
    pub time_zone: String,
    pub year_start: NaiveDate,
    pub year_end: NaiveDate,
    /// What the school allows pupils to have to do on one day; `None`: the usual rule
    /// ([`WorkloadLimits::default`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<WorkloadLimits>,
}

/// The school's limits on one day's homework, above which the homework editor warns.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadLimits {
    /// Most estimated minutes of work for one day (5 to 600).
    pub max_minutes: u32,
    /// Most assessments due on one day (0 to 10).
    pub max_assessments: u32,
}

impl WorkloadLimits {
    /// The minutes a school may set.
    pub const MINUTES: std::ops::RangeInclusive<u32> = 5..=600;
    /// The most assessments a day a school may allow.
    pub const MAX_ASSESSMENTS: u32 = 10;
}

impl Default for WorkloadLimits {
    /// The usual rule of French schools: no more than one assessment a day, and about an
    /// hour and a half of work at home.
    fn default() -> WorkloadLimits {
        WorkloadLimits {
            max_minutes: 90,
            max_assessments: 1,
        }
    }
}

/// One calendar week; its record id is its Monday.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Week {
    pub monday: NaiveDate,
    pub week_type: WeekType,
}

/// A holiday period, both ends included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Holiday {
    pub name: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// A person with an account. Passwords never leave the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct User {
    pub login: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    /// Audiences taught (teacher) or belonged to (pupil, parent's child).
    #[serde(default)]
    pub audience_ids: Vec<String>,
    /// Subjects taught.
    #[serde(default)]
    pub subject_ids: Vec<String>,
}

/// A matière.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Subject {
    pub code: String,
    pub label: String,
    pub color: String,
}

/// A salle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Room {
    pub code: String,
    pub label: String,
}

/// A classe or groupe; a groupe states the classes it is drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Audience {
    pub kind: AudienceKind,
    pub name: String,
    /// The long label of the timetable program (« Seconde 1 »), beside the short name
    /// the school uses (« 2NDE1 »).
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub member_class_ids: Vec<String>,
}

/// A recurring slot of the timetable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Course {
    pub subject_id: String,
    pub teacher_id: String,
    /// The other teachers of a co-taught course (co-enseignement), besides `teacher_id`.
    #[serde(default)]
    pub co_teacher_ids: Vec<String>,
    pub audience_id: String,
    #[serde(default)]
    pub room_id: Option<String>,
    /// ISO weekday, 1 = Monday … 6 = Saturday.
    pub weekday: u8,
    pub start: String,
    pub end: String,
    pub week_pattern: WeekPattern,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
}

/// A dated occurrence of a course. Subject, teacher, audience, room and times are copied from
/// the course so that a moved occurrence can differ and a day is read from one table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct CourseOccurrence {
    pub course_id: String,
    pub date: NaiveDate,
    pub start: String,
    pub end: String,
    pub subject_id: String,
    pub teacher_id: String,
    /// The other teachers of a co-taught lesson, besides `teacher_id`.
    #[serde(default)]
    pub co_teacher_ids: Vec<String>,
    pub audience_id: String,
    #[serde(default)]
    pub room_id: Option<String>,
    pub status: OccurrenceStatus,
    /// The substitute teacher when replaced.
    #[serde(default)]
    pub substitute_id: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// A séance of the cahier de textes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Session {
    #[serde(default)]
    pub occurrence_id: Option<String>,
    pub audience_id: String,
    pub subject_id: String,
    pub teacher_id: String,
    pub date: NaiveDate,
    pub start: String,
    pub end: String,
    #[serde(default)]
    pub title: String,
    /// Sanitised HTML.
    #[serde(default)]
    pub content: String,
    /// The teacher's private note; the server never sends it to anyone else.
    #[serde(default)]
    pub annotation: Option<String>,
    pub state: PublishState,
    #[serde(default)]
    pub publish_at: Option<String>,
    /// Documents attached (ids).
    #[serde(default)]
    pub attachments: Vec<String>,
}

/// A travail à faire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Homework {
    #[serde(default)]
    pub session_id: Option<String>,
    pub audience_id: String,
    pub subject_id: String,
    pub teacher_id: String,
    pub given_on: NaiveDate,
    pub due_on: NaiveDate,
    /// Sanitised HTML.
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub kind: HomeworkKind,
    #[serde(default)]
    pub estimated_minutes: Option<u32>,
    pub state: PublishState,
    /// Documents attached (ids).
    #[serde(default)]
    pub attachments: Vec<String>,
}

/// A sign-off of a teacher's logbook for one audience, up to a date included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Visa {
    pub signer_id: String,
    pub teacher_id: String,
    pub audience_id: String,
    pub until: NaiveDate,
    #[serde(default)]
    pub comment: String,
    pub signed_at: String,
}

/// A version of the school's usage charter (charte d'usage): its number (1, 2…), its title
/// and its text in Markdown, shown as text (never as HTML). Each new version is a new
/// record; everyone accepts the latest before using the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Charter {
    pub number: u32,
    pub title: String,
    pub text: String,
    /// Stamped by the server when it takes the version.
    pub published_at: String,
}

/// One person's acceptance of one version of the charter, dated when they accepted it (on
/// their device, online or not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct CharterAcceptance {
    pub user_id: String,
    pub number: u32,
    pub accepted_at: String,
}

/// A pupil's « fait » tick on a homework, private to them and kept on all their devices.
/// Each tick or untick is a record of its own, never changed: the latest (by `at`, then
/// id) says whether the homework is done, so two devices ticking offline lose nothing and
/// never conflict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct HomeworkDone {
    pub user_id: String,
    pub homework_id: String,
    pub done: bool,
    /// When the pupil ticked (their device's clock).
    pub at: String,
}

/// Who a news item is for.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum NewsAudience {
    /// Everyone: staff, pupils, parents.
    School,
    /// The staff only (teachers, vie scolaire, direction, inspectors).
    Staff,
    /// One class or group (its `audienceId`): its pupils and parents, and the staff.
    Class,
}

/// A news item (actualité) of the school: published by the direction or the vie scolaire
/// to an audience, shown from its first day to its last; its text is Markdown, shown as
/// text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct News {
    pub author_id: String,
    pub audience: NewsAudience,
    /// The class or group, for [`NewsAudience::Class`] only.
    #[serde(default)]
    pub audience_id: Option<String>,
    pub title: String,
    pub text: String,
    /// First day shown.
    pub from: NaiveDate,
    /// Last day shown; after it the item leaves the replicas.
    pub until: NaiveDate,
    pub created_at: String,
}

/// One planned séance of a progression: its title and content, and the homework given
/// with it, if any.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct ProgressionStep {
    pub title: String,
    /// Sanitised HTML.
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub homework: Option<StepHomework>,
}

/// The homework of a progression's step: due at the class's next lesson of the subject.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct StepHomework {
    /// Sanitised HTML.
    pub description: String,
    #[serde(default)]
    pub kind: HomeworkKind,
    #[serde(default)]
    pub estimated_minutes: Option<u32>,
}

/// A teacher's progression: her planned sequence of séances for a subject and a level,
/// kept from one year to the next, private to her.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Progression {
    pub teacher_id: String,
    pub subject_id: String,
    /// The level it is for, as the school says it (« 2nde », « 1re »…).
    pub level: String,
    pub title: String,
    pub steps: Vec<ProgressionStep>,
}

/// The most steps in one progression (a year of weekly lessons, twice over).
pub const MAX_PROGRESSION_STEPS: usize = 120;

/// The longest a news item is shown, in days.
pub const MAX_NEWS_DAYS: i64 = 366;

/// The highest version number a charter may have.
pub const MAX_CHARTER_NUMBER: u32 = 10_000;

/// The title of a charter written in Markdown: its first `# ` heading, else « Charte
/// d'usage ».
pub fn charter_title(markdown: &str) -> String {
    markdown
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("# "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map_or("Charte d'usage".into(), str::to_string)
}

/// A document of the espace documentaire: where it is, its head version and the list of its
/// immutable versions (appended by the server), who it is shared with, and whether it is in
/// the trash (documents are never hard-deleted by a client).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Document {
    pub folder: String,
    pub name: String,
    pub media_type: String,
    pub size: u64,
    pub owner_id: String,
    #[serde(default)]
    pub head_version: Option<String>,
    /// BLAKE3 of the head version's content.
    #[serde(default)]
    pub hash: Option<String>,
    #[serde(default)]
    pub versions: Vec<DocumentVersion>,
    #[serde(default)]
    pub shares: Vec<Share>,
    /// In the trash since (RFC 3339); restored by clearing it.
    #[serde(default)]
    pub trashed_at: Option<String>,
    /// This is a conflict copy of that document.
    #[serde(default)]
    pub conflict_of: Option<String>,
}

/// One field of a conflict revision: the value both started from, the value applied first
/// ("theirs") and the value that could not be applied ("mine", the author's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct ConflictField {
    pub base: Value,
    pub mine: Value,
    pub theirs: Value,
}

/// A conflict revision, visible to its author on every device until resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Conflict {
    pub record_kind: EntityKind,
    pub record_id: String,
    pub author_id: String,
    pub fields: std::collections::BTreeMap<String, ConflictField>,
    pub created_at: String,
}

fn invalid(kind: EntityKind, reason: impl Into<String>) -> ProtocolError {
    ProtocolError::InvalidData {
        kind,
        reason: reason.into(),
    }
}

fn check_date(kind: EntityKind, field: &str, d: NaiveDate) -> Result<(), ProtocolError> {
    if (2000..=2100).contains(&d.year()) {
        Ok(())
    } else {
        Err(invalid(
            kind,
            format!("{field} hors des années 2000–2100 : {d}"),
        ))
    }
}

/// Checks an `HH:MM` time of day.
pub fn check_time(kind: EntityKind, field: &str, t: &str) -> Result<(), ProtocolError> {
    let b = t.as_bytes();
    let ok = b.len() == 5
        && b[2] == b':'
        && b[..2].iter().chain(&b[3..]).all(u8::is_ascii_digit)
        && t[..2].parse::<u8>().is_ok_and(|h| h < 24)
        && t[3..].parse::<u8>().is_ok_and(|m| m < 60);
    if ok {
        Ok(())
    } else {
        Err(invalid(
            kind,
            format!("{field} n'est pas une heure HH:MM : {t:?}"),
        ))
    }
}

fn check_span(kind: EntityKind, start: &str, end: &str) -> Result<(), ProtocolError> {
    check_time(kind, "start", start)?;
    check_time(kind, "end", end)?;
    if start < end {
        Ok(())
    } else {
        Err(invalid(kind, "l'heure de fin précède l'heure de début"))
    }
}

fn check_text(kind: EntityKind, field: &str, s: &str, max: usize) -> Result<(), ProtocolError> {
    if s.len() > max {
        return Err(invalid(kind, format!("{field} dépasse {max} octets")));
    }
    if s.contains('\0') {
        return Err(invalid(kind, format!("{field} contient un caractère nul")));
    }
    Ok(())
}

/// Most documents attached to one séance or homework.
pub const MAX_ATTACHMENTS: usize = 20;

fn check_attachments(kind: EntityKind, ids: &[String]) -> Result<(), ProtocolError> {
    if ids.len() > MAX_ATTACHMENTS {
        return Err(invalid(
            kind,
            format!("plus de {MAX_ATTACHMENTS} pièces jointes"),
        ));
    }
    ids.iter()
        .try_for_each(|id| check_ref(kind, "attachments", id))
}

fn check_ref(kind: EntityKind, field: &str, id: &str) -> Result<(), ProtocolError> {
    check_id(id).map_err(|_| invalid(kind, format!("{field} n'est pas un identifiant valide")))
}

fn check_opt_ref(kind: EntityKind, field: &str, id: &Option<String>) -> Result<(), ProtocolError> {
    id.as_deref()
        .map_or(Ok(()), |id| check_ref(kind, field, id))
}

fn check_list<T>(
    kind: EntityKind,
    field: &str,
    list: &[T],
    max: usize,
) -> Result<(), ProtocolError> {
    if list.len() > max {
        return Err(invalid(kind, format!("{field} : plus de {max} éléments")));
    }
    Ok(())
}

/// Checks an RFC 3339 date-time (`2026-11-28T10:00:00Z`) of a sensible year.
pub fn check_timestamp(kind: EntityKind, field: &str, t: &str) -> Result<(), ProtocolError> {
    let parsed = (t.len() <= MAX_TIMESTAMP_BYTES)
        .then(|| chrono::DateTime::parse_from_rfc3339(t).ok())
        .flatten();
    match parsed {
        Some(d) if (2000..=2100).contains(&d.year()) => Ok(()),
        _ => Err(invalid(
            kind,
            format!(
                "{field} n'est pas une date-heure RFC 3339 : {:?}",
                t.chars().take(48).collect::<String>()
            ),
        )),
    }
}

fn check_opt_timestamp(
    kind: EntityKind,
    field: &str,
    t: &Option<String>,
) -> Result<(), ProtocolError> {
    t.as_deref()
        .map_or(Ok(()), |t| check_timestamp(kind, field, t))
}

/// Bytes `value` takes in JSON, as it is sent.
pub fn encoded_len<T: Serialize + ?Sized>(value: &T) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing to a counter fails only on a map with non-string keys, which data never has.
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

/// The largest a kind's data may be in JSON.
pub fn max_bytes(kind: EntityKind) -> usize {
    if kind == EntityKind::Conflict {
        MAX_CONFLICT_BYTES
    } else {
        MAX_RECORD_BYTES
    }
}

/// Refuses data over [`max_bytes`]. Most records are far smaller: they are measured only
/// when their text could reach the bound (JSON writes a character in at most 6 bytes).
fn check_record_size(
    kind: EntityKind,
    data: &Data,
    text_bytes: usize,
) -> Result<(), ProtocolError> {
    let max = max_bytes(kind);
    if text_bytes.saturating_mul(6) + 16 * 1024 <= max {
        return Ok(());
    }
    let len = encoded_len(data);
    if len > max {
        return Err(invalid(
            kind,
            format!(
                "enregistrement trop volumineux : {} Ko (au plus {} Ko)",
                len.div_ceil(1024),
                max / 1024
            ),
        ));
    }
    Ok(())
}

/// Most teachers of one co-taught lesson besides the first.
const MAX_CO_TEACHERS: usize = 8;

fn check_co_teachers(kind: EntityKind, ids: &[String]) -> Result<(), ProtocolError> {
    check_list(kind, "coTeacherIds", ids, MAX_CO_TEACHERS)?;
    ids.iter()
        .try_for_each(|id| check_ref(kind, "coTeacherIds", id))
}

/// Removes everything that could run or load from lesson HTML: scripts, event handlers,
/// `javascript:` links, iframes, styles. Keeps the formatting a teacher uses.
pub fn sanitize_html(html: &str) -> String {
    SANITIZER.clean(html).to_string()
}

/// The sanitiser's rules, built once: building them costs more than cleaning a séance.
static SANITIZER: std::sync::LazyLock<ammonia::Builder<'static>> = std::sync::LazyLock::new(|| {
    let mut rules = ammonia::Builder::default();
    rules
        .link_rel(Some("noopener noreferrer"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect());
    rules
});

/// Parses `data` as `T`, runs `check`, and gives the normalised data back, refused when
/// over [`max_bytes`]. `check` answers how many bytes of free text the record holds (what
/// could make it large); the record is measured only when that could reach the bound.
fn roundtrip<T: DeserializeOwned + Serialize>(
    kind: EntityKind,
    data: Data,
    check: impl FnOnce(&mut T) -> Result<usize, ProtocolError>,
) -> Result<Data, ProtocolError> {
    let mut typed: T =
        serde_json::from_value(Value::Object(data)).map_err(|e| invalid(kind, e.to_string()))?;
    let text_bytes = check(&mut typed)?;
    match serde_json::to_value(&typed) {
        Ok(Value::Object(map)) => {
            check_record_size(kind, &map, text_bytes)?;
            Ok(map)
        }
        _ => Err(invalid(kind, "not an object")),
    }
}

/// Validates and normalises the data of a record of `kind`: the returned object has exactly
/// the fields of the kind (unknown ones dropped, optional ones present as null), with HTML
/// sanitised.
pub fn validate(kind: EntityKind, data: &Map<String, Value>) -> Result<Data, ProtocolError> {
    validate_owned(kind, data.clone())
}

/// [`validate`], taking the data: what a client does with every record it receives, so
/// the strings move into the checked record instead of being copied.
pub fn validate_owned(kind: EntityKind, data: Data) -> Result<Data, ProtocolError> {
    use EntityKind as K;
    match kind {
        K::School => roundtrip::<School>(kind, data, |s| {
            check_text(kind, "name", &s.name, MAX_SHORT_TEXT)?;
            check_text(kind, "uai", &s.uai, 16)?;
            check_text(kind, "timeZone", &s.time_zone, 64)?;
            check_date(kind, "yearStart", s.year_start)?;
            check_date(kind, "yearEnd", s.year_end)?;
            if let Some(w) = s.workload {
                if !WorkloadLimits::MINUTES.contains(&w.max_minutes)
                    || w.max_assessments > WorkloadLimits::MAX_ASSESSMENTS
                {
                    return Err(invalid(
                        kind,
                        "workload : maxMinutes de 5 à 600, maxAssessments de 0 à 10",
                    ));
                }
            }
            Ok(s.name.len() + s.uai.len() + s.time_zone.len())
        }),
        K::Week => roundtrip::<Week>(kind, data, |w| {
            check_date(kind, "monday", w.monday)?;
            if w.monday.weekday() != chrono::Weekday::Mon {
                return Err(invalid(kind, "monday n'est pas un lundi"));
            }
            Ok(0)
        }),
        K::Holiday => roundtrip::<Holiday>(kind, data, |h| {
            check_text(kind, "name", &h.name, MAX_SHORT_TEXT)?;
            check_date(kind, "start", h.start)?;
            check_date(kind, "end", h.end)?;
            if h.end < h.start {
                return Err(invalid(kind, "end précède start"));
            }
            Ok(h.name.len())
        }),
        K::User => roundtrip::<User>(kind, data, |u| {
            check_text(kind, "login", &u.login, 64)?;
            check_text(kind, "displayName", &u.display_name, MAX_SHORT_TEXT)?;
            check_list(kind, "audienceIds", &u.audience_ids, MAX_USER_AUDIENCES)?;
            check_list(kind, "subjectIds", &u.subject_ids, MAX_USER_SUBJECTS)?;
            for id in u.audience_ids.iter().chain(&u.subject_ids) {
                check_ref(kind, "audienceIds/subjectIds", id)?;
            }
            Ok(u.login.len()
                + u.display_name.len()
                + 68 * (u.audience_ids.len() + u.subject_ids.len()))
        }),
        K::Subject => roundtrip::<Subject>(kind, data, |s| {
            check_text(kind, "code", &s.code, 32)?;
            check_text(kind, "label", &s.label, MAX_SHORT_TEXT)?;
            let c = s.color.as_bytes();
            if !(c.len() == 7 && c[0] == b'#' && c[1..].iter().all(u8::is_ascii_hexdigit)) {
                return Err(invalid(kind, "color n'est pas une couleur #rrggbb"));
            }
            Ok(s.code.len() + s.label.len())
        }),
        K::Room => roundtrip::<Room>(kind, data, |r| {
            check_text(kind, "code", &r.code, 32)?;
            check_text(kind, "label", &r.label, MAX_SHORT_TEXT)?;
            Ok(r.code.len() + r.label.len())
        }),
        K::Audience => roundtrip::<Audience>(kind, data, |a| {
            check_text(kind, "name", &a.name, MAX_SHORT_TEXT)?;
            if let Some(label) = &a.label {
                check_text(kind, "label", label, MAX_SHORT_TEXT)?;
            }
            check_list(
                kind,
                "memberClassIds",
                &a.member_class_ids,
                MAX_GROUP_CLASSES,
            )?;
            for id in &a.member_class_ids {
                check_ref(kind, "memberClassIds", id)?;
            }
            Ok(a.name.len()
                + a.label.as_ref().map_or(0, String::len)
                + 68 * a.member_class_ids.len())
        }),
        K::Course => roundtrip::<Course>(kind, data, |c| {
            if !(1..=6).contains(&c.weekday) {
                return Err(invalid(kind, "weekday hors de 1–6"));
            }
            check_span(kind, &c.start, &c.end)?;
            check_date(kind, "validFrom", c.valid_from)?;
            check_date(kind, "validTo", c.valid_to)?;
            for id in [&c.subject_id, &c.teacher_id, &c.audience_id] {
                check_ref(kind, "référence", id)?;
            }
            check_co_teachers(kind, &c.co_teacher_ids)?;
            check_opt_ref(kind, "roomId", &c.room_id)?;
            Ok(68 * c.co_teacher_ids.len())
        }),
        K::CourseOccurrence => roundtrip::<CourseOccurrence>(kind, data, |o| {
            check_date(kind, "date", o.date)?;
            check_span(kind, &o.start, &o.end)?;
            for id in [&o.course_id, &o.subject_id, &o.teacher_id, &o.audience_id] {
                check_ref(kind, "référence", id)?;
            }
            check_co_teachers(kind, &o.co_teacher_ids)?;
            check_opt_ref(kind, "roomId", &o.room_id)?;
            check_opt_ref(kind, "substituteId", &o.substitute_id)?;
            if let Some(note) = &o.note {
                check_text(kind, "note", note, MAX_SHORT_TEXT * 4)?;
            }
            Ok(o.note.as_ref().map_or(0, String::len) + 68 * o.co_teacher_ids.len())
        }),
        K::Session => roundtrip::<Session>(kind, data, |s| {
            check_date(kind, "date", s.date)?;
            check_span(kind, &s.start, &s.end)?;
            check_text(kind, "title", &s.title, MAX_SHORT_TEXT)?;
            check_text(kind, "content", &s.content, MAX_LONG_TEXT)?;
            if let Some(a) = &s.annotation {
                check_text(kind, "annotation", a, MAX_LONG_TEXT)?;
            }
            for id in [&s.audience_id, &s.subject_id, &s.teacher_id] {
                check_ref(kind, "référence", id)?;
            }
            check_opt_ref(kind, "occurrenceId", &s.occurrence_id)?;
            check_opt_timestamp(kind, "publishAt", &s.publish_at)?;
            check_attachments(kind, &s.attachments)?;
            s.content = sanitize_html(&s.content);
            Ok(s.title.len() + s.content.len() + s.annotation.as_ref().map_or(0, String::len))
        }),
        K::Homework => roundtrip::<Homework>(kind, data, |h| {
            check_date(kind, "givenOn", h.given_on)?;
            check_date(kind, "dueOn", h.due_on)?;
            if h.due_on < h.given_on {
                return Err(invalid(kind, "dueOn précède givenOn"));
            }
            check_text(kind, "description", &h.description, MAX_LONG_TEXT)?;
            if h.estimated_minutes.is_some_and(|m| m > 24 * 60) {
                return Err(invalid(kind, "estimatedMinutes dépasse une journée"));
            }
            for id in [&h.audience_id, &h.subject_id, &h.teacher_id] {
                check_ref(kind, "référence", id)?;
            }
            check_opt_ref(kind, "sessionId", &h.session_id)?;
            check_attachments(kind, &h.attachments)?;
            h.description = sanitize_html(&h.description);
            Ok(h.description.len() + h.kind.as_str().len())
        }),
        K::Visa => roundtrip::<Visa>(kind, data, |v| {
            check_date(kind, "until", v.until)?;
            check_text(kind, "comment", &v.comment, MAX_LONG_TEXT)?;
            for id in [&v.signer_id, &v.teacher_id, &v.audience_id] {
                check_ref(kind, "référence", id)?;
            }
            check_timestamp(kind, "signedAt", &v.signed_at)?;
            Ok(v.comment.len())
        }),
        K::Charter => roundtrip::<Charter>(kind, data, |c| {
            if !(1..=MAX_CHARTER_NUMBER).contains(&c.number) {
                return Err(invalid(kind, "number : de 1 à 10000"));
            }
            if c.title.trim().is_empty() || c.text.trim().is_empty() {
                return Err(invalid(kind, "une charte a un titre et un texte"));
            }
            check_text(kind, "title", &c.title, MAX_SHORT_TEXT)?;
            check_text(kind, "text", &c.text, MAX_LONG_TEXT)?;
            check_timestamp(kind, "publishedAt", &c.published_at)?;
            Ok(c.title.len() + c.text.len())
        }),
        K::CharterAcceptance => roundtrip::<CharterAcceptance>(kind, data, |a| {
            check_ref(kind, "userId", &a.user_id)?;
            if !(1..=MAX_CHARTER_NUMBER).contains(&a.number) {
                return Err(invalid(kind, "number : de 1 à 10000"));
            }
            check_timestamp(kind, "acceptedAt", &a.accepted_at)?;
            Ok(0)
        }),
        K::HomeworkDone => roundtrip::<HomeworkDone>(kind, data, |d| {
            check_ref(kind, "userId", &d.user_id)?;
            check_ref(kind, "homeworkId", &d.homework_id)?;
            check_timestamp(kind, "at", &d.at)?;
            Ok(0)
        }),
        K::News => roundtrip::<News>(kind, data, |n| {
            check_ref(kind, "authorId", &n.author_id)?;
            match (n.audience, &n.audience_id) {
                (NewsAudience::Class, Some(id)) => check_ref(kind, "audienceId", id)?,
                (NewsAudience::Class, None) => {
                    return Err(invalid(kind, "une actualité de classe nomme sa classe"))
                }
                (_, Some(_)) => return Err(invalid(kind, "audienceId seulement pour une classe")),
                (_, None) => {}
            }
            if n.title.trim().is_empty() {
                return Err(invalid(kind, "une actualité a un titre"));
            }
            check_text(kind, "title", &n.title, MAX_SHORT_TEXT)?;
            check_text(kind, "text", &n.text, MAX_LONG_TEXT)?;
            check_date(kind, "from", n.from)?;
            check_date(kind, "until", n.until)?;
            let days = (n.until - n.from).num_days();
            if !(0..=MAX_NEWS_DAYS).contains(&days) {
                return Err(invalid(
                    kind,
                    "until : le même jour que from ou après, un an au plus",
                ));
            }
            check_timestamp(kind, "createdAt", &n.created_at)?;
            Ok(n.title.len() + n.text.len())
        }),
        K::Progression => roundtrip::<Progression>(kind, data, |p| {
            check_ref(kind, "teacherId", &p.teacher_id)?;
            check_ref(kind, "subjectId", &p.subject_id)?;
            if p.title.trim().is_empty() {
                return Err(invalid(kind, "une progression a un titre"));
            }
            check_text(kind, "title", &p.title, MAX_SHORT_TEXT)?;
            check_text(kind, "level", &p.level, MAX_SHORT_TEXT)?;
            check_list(kind, "steps", &p.steps, MAX_PROGRESSION_STEPS)?;
            let mut bytes = p.title.len() + p.level.len();
            for step in &mut p.steps {
                check_text(kind, "steps.title", &step.title, MAX_SHORT_TEXT)?;
                check_text(kind, "steps.content", &step.content, MAX_LONG_TEXT)?;
                step.content = sanitize_html(&step.content);
                bytes += step.title.len() + step.content.len();
                if let Some(h) = &mut step.homework {
                    check_text(kind, "steps.homework", &h.description, MAX_LONG_TEXT)?;
                    if h.estimated_minutes.is_some_and(|m| m > 24 * 60) {
                        return Err(invalid(kind, "estimatedMinutes dépasse une journée"));
                    }
                    h.description = sanitize_html(&h.description);
                    bytes += h.description.len();
                }
            }
            Ok(bytes)
        }),
        K::Document => roundtrip::<Document>(kind, data, |d| {
            // Loose on purpose: the server checks names strictly (documents::name_problem)
            // for what clients send; a client makes any name safe before it touches a disk.
            check_text(kind, "name", &d.name, 4 * MAX_NAME_BYTES)?;
            check_text(kind, "folder", &d.folder, 4096)?;
            check_text(kind, "mediaType", &d.media_type, 128)?;
            check_ref(kind, "ownerId", &d.owner_id)?;
            check_opt_ref(kind, "headVersion", &d.head_version)?;
            check_opt_ref(kind, "conflictOf", &d.conflict_of)?;
            check_opt_timestamp(kind, "trashedAt", &d.trashed_at)?;
            let hashes = d.hash.iter().chain(d.versions.iter().map(|v| &v.hash));
            if hashes.into_iter().any(|h| !is_blob_hash(h)) {
                return Err(invalid(kind, "hash : pas une empreinte BLAKE3"));
            }
            if d.size > MAX_FILE_BYTES || d.versions.iter().any(|v| v.size > MAX_FILE_BYTES) {
                return Err(invalid(kind, "size : fichier trop grand"));
            }
            check_list(kind, "versions", &d.versions, MAX_DOCUMENT_VERSIONS)?;
            for v in &d.versions {
                check_ref(kind, "versions.id", &v.id)?;
                check_ref(kind, "versions.authorId", &v.author_id)?;
                check_timestamp(kind, "versions.createdAt", &v.created_at)?;
            }
            check_list(kind, "shares", &d.shares, MAX_SHARES)?;
            for s in &d.shares {
                check_ref(kind, "shares.to", &s.to)?;
            }
            Ok(d.name.len()
                + d.folder.len()
                + d.media_type.len()
                + 256 * d.versions.len()
                + 96 * d.shares.len())
        }),
        K::Conflict => roundtrip::<Conflict>(kind, data, |c| {
            check_ref(kind, "recordId", &c.record_id)?;
            check_ref(kind, "authorId", &c.author_id)?;
            check_timestamp(kind, "createdAt", &c.created_at)?;
            if c.fields.len() > MAX_CONFLICT_FIELDS || c.fields.keys().any(|k| k.len() > 64) {
                return Err(invalid(kind, "fields : trop de champs ou nom trop long"));
            }
            // Values are any JSON: always measured.
            Ok(usize::MAX / 8)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;
    use serde_json::json;

    fn session(content: &str) -> Data {
        json!({
            "audienceId": "a1", "subjectId": "s1", "teacherId": "t1",
            "date": "2026-11-23", "start": "10:00", "end": "11:00",
            "title": "Les Lumières", "content": content, "state": "draft",
            "somethingNew": 42
        })
        .as_object()
        .unwrap()
        .clone()
    }

    #[test]
    fn script_in_lesson_html_is_removed_and_formatting_kept() {
        let clean = validate(
            EntityKind::Session,
            &session("<p onclick=\"x()\">Cours <b>1</b><script>alert(1)</script><a href=\"javascript:evil()\">l</a></p>"),
        )
        .unwrap();
        let content = clean["content"].as_str().unwrap();
        assert!(!content.contains("script"), "{content}");
        assert!(!content.contains("onclick"), "{content}");
        assert!(!content.contains("javascript"), "{content}");
        assert!(content.contains("<b>1</b>"), "{content}");
    }

    #[test]
    fn unknown_fields_are_dropped_and_optional_ones_present() {
        let clean = validate(EntityKind::Session, &session("x")).unwrap();
        assert!(!clean.contains_key("somethingNew"));
        assert_eq!(clean["annotation"], Value::Null);
        assert_eq!(clean["occurrenceId"], Value::Null);
    }

    #[test]
    fn a_homework_kind_is_one_of_the_protocol_names() {
        let homework = |kind: Value| {
            let mut h = json!({
                "audienceId": "a1", "subjectId": "s1", "teacherId": "t1",
                "givenOn": "2026-11-23", "dueOn": "2026-11-30", "state": "published"
            });
            if !kind.is_null() {
                h["kind"] = kind;
            }
            validate(EntityKind::Homework, h.as_object().unwrap())
        };
        for k in HomeworkKind::ALL {
            let clean = homework(json!(k.as_str())).unwrap();
            assert_eq!(clean["kind"], json!(k), "{k:?}");
        }
        assert_eq!(homework(Value::Null).unwrap()["kind"], "exercise");
        // The French labels the editor once wrote are labels, not kinds.
        for label in ["exercice", "lecture", "évaluation", "", "EXERCISE"] {
            let err = homework(json!(label)).unwrap_err();
            assert_eq!(err.code(), ErrorCode::ProtocolInvalidData, "{label}");
        }
    }

    #[test]
    fn absurd_dates_and_times_are_refused() {
        let mut s = session("x");
        s.insert("date".into(), json!("9999-01-01"));
        assert!(validate(EntityKind::Session, &s).is_err());
        let mut s = session("x");
        s.insert("start".into(), json!("25:00"));
        assert!(validate(EntityKind::Session, &s).is_err());
        let mut s = session("x");
        s.insert("end".into(), json!("09:00"));
        assert!(validate(EntityKind::Session, &s).is_err());
    }

    #[test]
    fn wrong_types_are_refused() {
        let mut s = session("x");
        s.insert("title".into(), json!(12));
        let err = validate(EntityKind::Session, &s).unwrap_err();
        assert_eq!(err.code(), ErrorCode::ProtocolInvalidData);
    }
}
