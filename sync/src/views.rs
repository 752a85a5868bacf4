//! The core API the desktop app and the CLI both call: what users see (a week, a day, a
//! séance with its homework, drafts, conflicts, a teacher's logbook, the documents) and the
//! edits they make from it, built from the replica once for both.
//!
//! Everything here takes a [`Replica`] and hands back plain, serialisable values (with
//! their TypeScript declarations under the `ts` feature, which the app's `bindings.rs`
//! writes into the UI); none of it knows the replica's tables. The rules a view shows — a séance locked by a visa, whose
//! entries one may edit — come from [`crate::logbook`], the module that enforces them on
//! save, so what the editor shows and what a save refuses cannot disagree.

use std::collections::BTreeMap;

use ardoise_protocol::entities::{HomeworkKind, PublishState};
use ardoise_protocol::{Data, EntityKind, ErrorCode, Role, UserInfo};
use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::docs::{self, DocEntry};
use crate::logbook;
use crate::queries;
use crate::replica::Replica;
use crate::{Result, SyncError};

pub use crate::queries::{OccurrenceView, Target, Who};

/// How many matches « Où est… ? » offers.
const SEARCH_LIMIT: usize = 12;

/// The lessons of `who` from `from` for `days` days, in time order.
pub fn timetable(
    replica: &Replica,
    who: &Who,
    from: NaiveDate,
    days: u32,
) -> Result<Vec<OccurrenceView>> {
    queries::timetable(replica.conn(), who, from, days)
}

/// One lesson, by occurrence id.
pub fn lesson(replica: &Replica, id: &str) -> Result<OccurrenceView> {
    queries::occurrence(replica.conn(), id)?
        .ok_or_else(|| SyncError::NotFound(format!("cours {id}")))
}

/// « Où est… ? »: classes, groups, teachers and rooms whose name contains `text`.
pub fn search(replica: &Replica, text: &str) -> Result<Vec<Target>> {
    queries::search_targets(replica.conn(), text, SEARCH_LIMIT)
}

/// The date of the class's next lesson in the same subject after `occurrence_id` (when new
/// homework is due, by default), if the timetable has one.
pub fn next_lesson(replica: &Replica, occurrence_id: &str) -> Result<Option<String>> {
    queries::next_lesson(replica.conn(), occurrence_id)
}

/// A week of one user: a teacher's own lessons, or a pupil's or parent's class.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WeekView {
    /// Monday of the week.
    pub monday: String,
    /// Semaine A or B (None in holidays).
    pub week_type: Option<String>,
    /// Who is shown.
    pub user_name: String,
    /// Lessons, Monday to Saturday.
    pub occurrences: Vec<OccurrenceView>,
    /// Occurrence id → its séance, for the teacher's lessons already written.
    pub sessions_by_occurrence: BTreeMap<String, WrittenLesson>,
    /// Day (YYYY-MM-DD) → the holiday it falls in (« Vacances de Noël », « Armistice »).
    pub holidays: BTreeMap<String, String>,
}

/// What a lesson's card says of its séance.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WrittenLesson {
    /// The séance.
    pub session_id: String,
    /// Its title.
    pub title: String,
    /// Draft (the class does not see it yet) or published.
    pub state: PublishState,
    /// Homework given with it.
    pub homework: u32,
}

/// The week containing `date` as `user` sees it: a teacher's lessons with what is written of
/// them; for a pupil or a parent, their class's lessons (its groups' included).
pub fn week(replica: &Replica, user: &UserInfo, date: NaiveDate) -> Result<WeekView> {
    let conn = replica.conn();
    let monday = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
    let roles = &user.roles;
    let learner = !roles.contains(&Role::Teacher)
        && (roles.contains(&Role::Pupil) || roles.contains(&Role::Parent));
    let occurrences = if learner {
        match logbook::Me::load(replica)?.audience_ids.into_iter().next() {
            Some(class) => queries::timetable(conn, &Who::Audience(class), monday, 6)?,
            // A pupil or parent whose class the replica does not know: an empty week.
            None => Vec::new(),
        }
    } else {
        queries::timetable(conn, &Who::Teacher(user.login.clone()), monday, 6)?
    };
    let mut sessions_by_occurrence = BTreeMap::new();
    let saturday = monday + Duration::days(5);
    if !learner {
        let homework = queries::homework_counts(conn, &user.id, monday, saturday)?;
        for s in queries::teacher_sessions(conn, &user.id, monday, saturday)? {
            let (Some(occ), Some(id)) = (
                s.get("occurrenceId").and_then(Value::as_str),
                s.get("id").and_then(Value::as_str),
            ) else {
                continue;
            };
            sessions_by_occurrence.insert(
                occ.to_string(),
                WrittenLesson {
                    session_id: id.to_string(),
                    title: text(&s, "title"),
                    state: serde_json::from_value(s["state"].clone())
                        .unwrap_or(PublishState::Draft),
                    homework: homework.get(id).copied().unwrap_or(0),
                },
            );
        }
    }
    let mut holidays = BTreeMap::new();
    for (name, first, last) in queries::holidays_between(conn, monday, saturday)? {
        let mut day = first.max(monday);
        while day <= last.min(saturday) {
            holidays
                .entry(day.to_string())
                .or_insert_with(|| name.clone());
            day += Duration::days(1);
        }
    }
    Ok(WeekView {
        monday: monday.to_string(),
        week_type: queries::week_type(conn, monday)?,
        user_name: user.display_name.clone(),
        occurrences,
        sessions_by_occurrence,
        holidays,
    })
}

/// A séance as the editor and the direction's reading show it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    /// Séance id.
    pub id: String,
    /// Version the replica holds.
    pub version: i64,
    /// The lesson it was written for.
    #[serde(default)]
    pub occurrence_id: Option<String>,
    /// Class or group id.
    pub audience_id: String,
    /// Class or group name.
    pub audience: String,
    /// Subject id.
    pub subject_id: String,
    /// Subject label.
    pub subject: String,
    /// Teacher id.
    pub teacher_id: String,
    /// Date, YYYY-MM-DD.
    pub date: String,
    /// Start, HH:MM.
    pub start: String,
    /// End, HH:MM.
    pub end: String,
    /// Title.
    pub title: String,
    /// Content, sanitised HTML.
    pub content: String,
    /// The teacher's private note (only the teacher sees it).
    #[serde(default)]
    pub annotation: Option<String>,
    /// Draft or published.
    pub state: PublishState,
    /// Signed off by a visa: read-only.
    pub locked: bool,
    /// Documents attached (ids; the Documents list names them).
    #[serde(default)]
    pub attachments: Vec<String>,
    /// Homework given with it.
    pub homework: Vec<HomeworkView>,
}

/// A homework as the editor shows it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HomeworkView {
    /// Homework id.
    pub id: String,
    /// Version the replica holds.
    pub version: i64,
    /// The séance it was given with.
    #[serde(default)]
    pub session_id: Option<String>,
    /// Given on, YYYY-MM-DD.
    pub given_on: String,
    /// Due on, YYYY-MM-DD.
    pub due_on: String,
    /// What to do, sanitised HTML.
    pub description: String,
    /// Exercise, reading, test…
    #[serde(default)]
    pub kind: HomeworkKind,
    /// Estimated work, minutes.
    #[serde(default)]
    pub estimated_minutes: Option<u32>,
    /// Draft or published.
    pub state: PublishState,
    /// Documents attached (ids).
    #[serde(default)]
    pub attachments: Vec<String>,
}

/// What the editor saves: a new séance names its lesson, an edit its id.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionInput {
    /// The séance to change (absent: a new one).
    #[serde(default)]
    pub id: Option<String>,
    /// The lesson of a new séance.
    #[serde(default)]
    pub occurrence: Option<String>,
    /// Title.
    pub title: String,
    /// Content, HTML (sanitised on save).
    pub content: String,
    /// Private note.
    pub annotation: Option<String>,
    /// Draft or published.
    pub state: PublishState,
    /// Documents attached (ids of the teacher's documents).
    #[serde(default)]
    pub attachments: Vec<String>,
}

/// A homework to save with a séance: an edit names its id.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HomeworkInput {
    /// The homework to change (absent: a new one).
    #[serde(default)]
    pub id: Option<String>,
    /// The séance it goes with.
    pub session_id: String,
    /// Due on, YYYY-MM-DD.
    pub due_on: String,
    /// What to do.
    pub description: String,
    /// Exercise, reading, test…
    pub kind: HomeworkKind,
    /// Estimated work, minutes.
    pub estimated_minutes: Option<u32>,
    /// Draft or published.
    pub state: PublishState,
    /// Documents attached (ids of the teacher's documents).
    #[serde(default)]
    pub attachments: Vec<String>,
}

/// The view of a séance from its replica data (with `id` and `version`).
fn session_view(replica: &Replica, mut data: Data) -> Result<SessionView> {
    let conn = replica.conn();
    let (audience, subject) = (text(&data, "audienceId"), text(&data, "subjectId"));
    let id = text(&data, "id");
    let locked = logbook::visa_lock(
        replica,
        &text(&data, "teacherId"),
        &audience,
        &text(&data, "date"),
    )?
    .is_some();
    let homework = queries::session_homework(conn, &id)?
        .into_iter()
        .map(Value::Object)
        .collect();
    data.insert(
        "audience".into(),
        json!(queries::audience_name(conn, &audience)?),
    );
    data.insert(
        "subject".into(),
        json!(queries::subject_label(conn, &subject)?),
    );
    data.insert("locked".into(), json!(locked));
    data.insert("homework".into(), Value::Array(homework));
    serde_json::from_value(Value::Object(data))
        .map_err(|e| SyncError::refused(ErrorCode::ReplicaCorrupt, format!("séance {id} : {e}")))
}

/// A séance by id (a draft from the list, an entry the direction reads).
pub fn session(replica: &Replica, id: &str) -> Result<SessionView> {
    let (version, data) = replica
        .get(EntityKind::Session, id)?
        .ok_or_else(|| SyncError::NotFound(format!("séance {id}")))?;
    session_view(replica, queries::with_id(id, version, data))
}

/// The logged-in teacher's séance for a lesson, if written.
pub fn session_of_lesson(replica: &Replica, occurrence_id: &str) -> Result<Option<SessionView>> {
    let me = replica.user_id()?;
    queries::session_for_occurrence(replica.conn(), occurrence_id, &me)?
        .map(|d| session_view(replica, d))
        .transpose()
}

/// Saves a séance from the editor (checked, queued; see [`logbook::save_session`]).
pub fn save_session(replica: &mut Replica, input: &SessionInput) -> Result<SessionView> {
    let mut data = Data::new();
    if let Some(id) = &input.id {
        data.insert("id".into(), json!(id));
    }
    if let Some(occ) = &input.occurrence {
        data.insert("occurrence".into(), json!(occ));
    }
    data.insert("title".into(), json!(input.title));
    data.insert("content".into(), json!(input.content));
    data.insert("annotation".into(), json!(input.annotation));
    data.insert("state".into(), json!(input.state));
    data.insert("attachments".into(), json!(input.attachments));
    let saved = logbook::save_session(replica, &data)?;
    session_view(replica, saved)
}

/// Saves a homework from the editor; a new one goes with its séance (same class, subject and
/// date).
pub fn save_homework(replica: &mut Replica, input: &HomeworkInput) -> Result<HomeworkView> {
    let mut data = Data::new();
    match &input.id {
        Some(id) => {
            data.insert("id".into(), json!(id));
        }
        None => {
            let (_, session) = replica
                .get(EntityKind::Session, &input.session_id)?
                .ok_or_else(|| SyncError::NotFound(format!("séance {}", input.session_id)))?;
            data.insert("sessionId".into(), json!(input.session_id));
            data.insert("audience".into(), session["audienceId"].clone());
            data.insert("subject".into(), session["subjectId"].clone());
            data.insert("givenOn".into(), session["date"].clone());
        }
    }
    data.insert("dueOn".into(), json!(input.due_on));
    data.insert("description".into(), json!(input.description));
    data.insert("kind".into(), json!(input.kind));
    data.insert("estimatedMinutes".into(), json!(input.estimated_minutes));
    data.insert("state".into(), json!(input.state));
    data.insert("attachments".into(), json!(input.attachments));
    let saved = logbook::save_homework(replica, &data)?;
    serde_json::from_value(Value::Object(saved))
        .map_err(|e| SyncError::refused(ErrorCode::ReplicaCorrupt, format!("devoir : {e}")))
}

/// Lessons a séance can be copied to: the same subject with another class, from a week
/// before the séance to three weeks after, not yet written.
pub fn copy_targets(replica: &Replica, session_id: &str) -> Result<Vec<OccurrenceView>> {
    queries::copy_targets(replica.conn(), session_id)
}

/// Copies a séance (and its homework) to another class's lesson, as a draft.
pub fn copy_session(
    replica: &mut Replica,
    session_id: &str,
    occurrence_id: &str,
) -> Result<SessionView> {
    let copy = logbook::copy_session(replica, session_id, occurrence_id)?;
    session_view(replica, copy)
}

/// One line of « Mes brouillons ».
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DraftView {
    /// Séance id.
    pub id: String,
    /// Its lesson, to open the editor on it.
    pub occurrence_id: Option<String>,
    /// Date, YYYY-MM-DD.
    pub date: String,
    /// Start, HH:MM.
    pub start: String,
    /// Class or group name.
    pub audience: String,
    /// Subject label.
    pub subject: String,
    /// Title (may be empty).
    pub title: String,
}

/// The logged-in teacher's séances still in draft, most recent first.
pub fn drafts(replica: &Replica) -> Result<Vec<DraftView>> {
    let conn = replica.conn();
    queries::drafts(conn, &replica.user_id()?)?
        .into_iter()
        .map(|d| {
            Ok(DraftView {
                id: text(&d, "id"),
                occurrence_id: d
                    .get("occurrenceId")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                date: text(&d, "date"),
                start: text(&d, "start"),
                audience: queries::audience_name(conn, &text(&d, "audienceId"))?,
                subject: queries::subject_label(conn, &text(&d, "subjectId"))?,
                title: text(&d, "title"),
            })
        })
        .collect()
}

/// One field both sides of a conflict changed.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConflictField {
    /// Wire name of the field (title, content…).
    pub name: String,
    /// The value both started from.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub base: Value,
    /// This user's value, not applied.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub mine: Value,
    /// The value applied first, now on the server.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub theirs: Value,
}

/// A conflict revision, ready to show.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConflictView {
    /// Conflict id.
    pub id: String,
    /// Kind of the record in conflict.
    pub record_kind: String,
    /// The record.
    pub record_id: String,
    /// What the record is, for people (a séance's date and title).
    pub label: String,
    /// When the conflict was made.
    pub created_at: String,
    /// The fields in conflict.
    pub fields: Vec<ConflictField>,
}

/// The open conflict revisions as the replica stores them (the CLI's `--json`).
pub fn conflict_records(replica: &Replica) -> Result<Vec<Data>> {
    queries::list_conflicts(replica.conn())
}

/// The open conflict revisions, side by side, oldest first.
pub fn conflicts(replica: &Replica) -> Result<Vec<ConflictView>> {
    let mut out = Vec::new();
    for c in conflict_records(replica)? {
        let record_id = text(&c, "recordId");
        // A record that cannot be read is named by its id: the conflict stays resolvable.
        let record = EntityKind::parse(&text(&c, "recordKind"))
            .and_then(|kind| replica.get(kind, &record_id).ok().flatten());
        let label = match record {
            Some((_, r)) => format!("{} {}", text(&r, "date"), text(&r, "title"))
                .trim()
                .to_string(),
            None => record_id.clone(),
        };
        let fields = c
            .get("fields")
            .and_then(Value::as_object)
            .map(|f| {
                f.iter()
                    .map(|(name, v)| ConflictField {
                        name: name.clone(),
                        base: v["base"].clone(),
                        mine: v["mine"].clone(),
                        theirs: v["theirs"].clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.push(ConflictView {
            id: text(&c, "id"),
            record_kind: text(&c, "recordKind"),
            record_id,
            label,
            created_at: text(&c, "createdAt"),
            fields,
        });
    }
    Ok(out)
}

/// A class or group of a teacher, with how far its logbook is signed off.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AudienceVisa {
    /// Audience id.
    pub id: String,
    /// Class or group name.
    pub name: String,
    /// Entries up to this date are signed off (YYYY-MM-DD).
    pub visa_until: Option<String>,
}

/// A teacher's logbook over a period, as the direction and inspectors read it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TeacherLogbook {
    /// Login.
    pub login: String,
    /// Name to show.
    pub display_name: String,
    /// Their classes and groups, with visas.
    pub audiences: Vec<AudienceVisa>,
    /// Séances of the period, in time order.
    pub entries: Vec<SessionView>,
}

/// A teacher's séances between two dates included, with their classes' visas.
pub fn teacher_logbook(
    replica: &Replica,
    teacher: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<TeacherLogbook> {
    let conn = replica.conn();
    let teacher_id = queries::user_id(conn, teacher)?;
    let (_, user) = replica
        .get(EntityKind::User, &teacher_id)?
        .ok_or_else(|| SyncError::NotFound(format!("enseignant {teacher}")))?;
    let mut audiences = Vec::new();
    for id in user
        .get("audienceIds")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        audiences.push(AudienceVisa {
            id: id.to_string(),
            name: queries::audience_name(conn, id)?,
            visa_until: queries::visa_until(conn, &teacher_id, id)?,
        });
    }
    audiences.sort_by(|a, b| a.name.cmp(&b.name));
    let entries = queries::teacher_sessions(conn, &teacher_id, from, to)?
        .into_iter()
        .map(|d| session_view(replica, d))
        .collect::<Result<_>>()?;
    Ok(TeacherLogbook {
        login: text(&user, "login"),
        display_name: text(&user, "displayName"),
        audiences,
        entries,
    })
}

/// Séances of a class or group (and its groups) between two dates included, as stored.
pub fn sessions_of(
    replica: &Replica,
    audience: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Data>> {
    queries::list_sessions(replica.conn(), audience, from, to)
}

/// Homework of a class or group (and its groups) due between two dates included, as stored.
pub fn homework_of(
    replica: &Replica,
    audience: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Data>> {
    queries::list_homework(replica.conn(), audience, from, to)
}

/// The documents view's data.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentsView {
    /// Every document of the replica (trash included), by path, with versions and state.
    pub documents: Vec<DocEntry>,
    /// Folders and documents kept offline.
    pub pins: Vec<String>,
    /// The user's id (their own documents say "vous").
    pub me: String,
    /// The folder of this computer kept in step, if one was chosen.
    pub mirror_dir: Option<String>,
}

/// Everything the Documents view shows.
pub fn documents(replica: &Replica) -> Result<DocumentsView> {
    Ok(DocumentsView {
        documents: docs::list(replica, None)?,
        pins: docs::pins(replica)?,
        me: replica.user_id().unwrap_or_default(),
        mirror_dir: replica.state(crate::folder_sync::CHOSEN_FOLDER_KEY)?,
    })
}

/// A text field of replica data ("" when absent).
fn text(d: &Data, key: &str) -> String {
    d.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}
