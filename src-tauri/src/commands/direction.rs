//! Direction and inspectors: read any teacher's cahier de textes, sign it off (visa).

use ardoise_protocol::ErrorCode;
use ardoise_sync::{logbook, queries};
use serde::Serialize;
use serde_json::Value;
use tauri::State;
use ts_rs::TS;

use crate::commands::logbook::{session_view, SessionView};
use crate::commands::{parse_date, str_field};
use crate::error::{CmdResult, CommandError};
use crate::state::AppState;

/// A class or group of the teacher, with how far its logbook is signed off.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AudienceVisa {
    /// Audience id.
    pub id: String,
    /// Class or group name.
    pub name: String,
    /// Entries up to this date are signed off (YYYY-MM-DD).
    pub visa_until: Option<String>,
}

/// A teacher's logbook over a period.
#[derive(Debug, Clone, Serialize, TS)]
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
#[tauri::command]
pub fn get_logbook(
    state: State<'_, AppState>,
    teacher: String,
    from: String,
    to: String,
) -> CmdResult<TeacherLogbook> {
    let (from, to) = (parse_date(&from)?, parse_date(&to)?);
    let replica = state.lock_replica()?;
    let conn = replica.conn();
    let teacher_id = queries::user_id(conn, &teacher)?;
    let (_, user) = replica
        .get(ardoise_protocol::EntityKind::User, &teacher_id)?
        .ok_or_else(|| {
            CommandError::new(ErrorCode::ReplicaNotFound, format!("enseignant {teacher}"))
        })?;
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
        .map(|d| session_view(&replica, d))
        .collect::<CmdResult<_>>()?;
    Ok(TeacherLogbook {
        login: str_field(&user, "login"),
        display_name: str_field(&user, "displayName"),
        audiences,
        entries,
    })
}

/// Signs off a teacher's logbook for a class up to a date; wakes the sync loop.
#[tauri::command]
pub fn sign_visa(
    state: State<'_, AppState>,
    teacher: String,
    audience: String,
    until: String,
    comment: String,
) -> CmdResult<()> {
    let until = parse_date(&until)?;
    logbook::sign_visa(
        &mut *state.lock_replica()?,
        &teacher,
        &audience,
        until,
        &comment,
    )?;
    state.wake();
    Ok(())
}
