//! The cahier de textes: open and save a séance with its homework, drafts, copy to another
//! class.

use ardoise_protocol::entities::{HomeworkKind, PublishState};
use ardoise_protocol::ErrorCode;
use ardoise_protocol::{Data, EntityKind};
use ardoise_sync::queries::{self, OccurrenceView};
use ardoise_sync::{logbook, Replica};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tauri::State;
use ts_rs::TS;

use crate::commands::str_field;
use crate::error::{CmdResult, CommandError};
use crate::state::AppState;

/// A séance as the editor and the direction's reading show it.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
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
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
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
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
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
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
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

/// The view of a séance from its replica data.
pub fn session_view(replica: &Replica, mut data: Data) -> CmdResult<SessionView> {
    let conn = replica.conn();
    let (audience, subject, teacher, date) = (
        str_field(&data, "audienceId"),
        str_field(&data, "subjectId"),
        str_field(&data, "teacherId"),
        str_field(&data, "date"),
    );
    let id = str_field(&data, "id");
    let until = queries::visa_until(conn, &teacher, &audience)?;
    let homework: Vec<Value> = queries::session_homework(conn, &id)?
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
    data.insert("locked".into(), json!(until.is_some_and(|u| u >= date)));
    data.insert("homework".into(), Value::Array(homework));
    serde_json::from_value(Value::Object(data))
        .map_err(|e| CommandError::new(ErrorCode::ReplicaCorrupt, format!("séance {id} : {e}")))
}

/// The logged-in teacher's séance for a lesson, if written.
#[tauri::command]
pub fn get_session(
    state: State<'_, AppState>,
    occurrence_id: String,
) -> CmdResult<Option<SessionView>> {
    let replica = state.lock_replica()?;
    let me = replica.user_id()?;
    queries::session_for_occurrence(replica.conn(), &occurrence_id, &me)?
        .map(|d| session_view(&replica, d))
        .transpose()
}

/// The date of the class's next lesson in the same subject after `occurrence_id` (when
/// new homework is due, by default), if the timetable has one.
#[tauri::command]
pub fn next_lesson(state: State<'_, AppState>, occurrence_id: String) -> CmdResult<Option<String>> {
    let replica = state.lock_replica()?;
    Ok(queries::next_lesson(replica.conn(), &occurrence_id)?)
}

/// A séance by id (a draft from the list, an entry the direction reads).
#[tauri::command]
pub fn open_session(state: State<'_, AppState>, id: String) -> CmdResult<SessionView> {
    let replica = state.lock_replica()?;
    let (version, data) = replica
        .get(EntityKind::Session, &id)?
        .ok_or_else(|| CommandError::new(ErrorCode::ReplicaNotFound, format!("séance {id}")))?;
    session_view(&replica, queries::with_id(&id, version, data))
}

/// Saves a séance and wakes the sync loop.
#[tauri::command]
pub fn save_session(state: State<'_, AppState>, input: SessionInput) -> CmdResult<SessionView> {
    let mut data = Data::new();
    if let Some(id) = input.id {
        data.insert("id".into(), json!(id));
    }
    if let Some(occ) = input.occurrence {
        data.insert("occurrence".into(), json!(occ));
    }
    data.insert("title".into(), json!(input.title));
    data.insert("content".into(), json!(input.content));
    data.insert("annotation".into(), json!(input.annotation));
    data.insert("state".into(), json!(input.state));
    data.insert("attachments".into(), json!(input.attachments));
    let view = {
        let mut replica = state.lock_replica()?;
        let saved = logbook::save_session(&mut replica, &data)?;
        session_view(&replica, saved)?
    };
    state.wake();
    Ok(view)
}

/// Saves a homework given with a séance (same class, subject and date) and wakes the sync
/// loop.
#[tauri::command]
pub fn save_homework(state: State<'_, AppState>, input: HomeworkInput) -> CmdResult<HomeworkView> {
    let saved = {
        let mut replica = state.lock_replica()?;
        let mut data = Data::new();
        match &input.id {
            Some(id) => {
                data.insert("id".into(), json!(id));
            }
            None => {
                // A new homework goes with its séance: same class, subject and date.
                let (_, session) = replica
                    .get(EntityKind::Session, &input.session_id)?
                    .ok_or_else(|| {
                        CommandError::new(
                            ErrorCode::ReplicaNotFound,
                            format!("séance {}", input.session_id),
                        )
                    })?;
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
        logbook::save_homework(&mut replica, &data)?
    };
    state.wake();
    serde_json::from_value(Value::Object(saved))
        .map_err(|e| CommandError::new(ErrorCode::ReplicaCorrupt, e.to_string()))
}

/// Deletes one of the teacher's homework and wakes the sync loop.
#[tauri::command]
pub fn delete_homework(state: State<'_, AppState>, id: String) -> CmdResult<()> {
    logbook::delete_homework(&mut *state.lock_replica()?, &id)?;
    state.wake();
    Ok(())
}

/// One line of "mes brouillons".
#[derive(Debug, Clone, Serialize, TS)]
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
#[tauri::command]
pub fn list_drafts(state: State<'_, AppState>) -> CmdResult<Vec<DraftView>> {
    let replica = state.lock_replica()?;
    let conn = replica.conn();
    let me = replica.user_id()?;
    queries::drafts(conn, &me)?
        .into_iter()
        .map(|d| {
            Ok(DraftView {
                id: str_field(&d, "id"),
                occurrence_id: d
                    .get("occurrenceId")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                date: str_field(&d, "date"),
                start: str_field(&d, "start"),
                audience: queries::audience_name(conn, &str_field(&d, "audienceId"))?,
                subject: queries::subject_label(conn, &str_field(&d, "subjectId"))?,
                title: str_field(&d, "title"),
            })
        })
        .collect()
}

/// Lessons a séance can be copied to: the same subject with another class, from a week
/// before the séance to three weeks after, not yet written.
#[tauri::command]
pub fn copy_targets(
    state: State<'_, AppState>,
    session_id: String,
) -> CmdResult<Vec<OccurrenceView>> {
    let replica = state.lock_replica()?;
    Ok(queries::copy_targets(replica.conn(), &session_id)?)
}

/// Copies a séance (and its homework) to another class's lesson, as a draft.
#[tauri::command]
pub fn copy_session(
    state: State<'_, AppState>,
    session_id: String,
    occurrence_id: String,
) -> CmdResult<SessionView> {
    let view = {
        let mut replica = state.lock_replica()?;
        let copy = logbook::copy_session(&mut replica, &session_id, &occurrence_id)?;
        session_view(&replica, copy)?
    };
    state.wake();
    Ok(view)
}
