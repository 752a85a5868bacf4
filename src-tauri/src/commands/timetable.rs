//! The week view.

use ardoise_protocol::ErrorCode;
use std::collections::BTreeMap;

use ardoise_sync::queries::{self, OccurrenceView, Who};
use chrono::{Datelike, Duration};
use serde::{Deserialize, Serialize};
use tauri::State;
use ts_rs::TS;

use crate::commands::parse_date;
use crate::error::{CmdResult, CommandError};
use crate::state::AppState;

/// A week of the logged-in teacher.
#[derive(Debug, Serialize, TS)]
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
    /// Occurrence id → id of its séance, for lessons already written.
    pub sessions_by_occurrence: BTreeMap<String, String>,
}

/// The week containing `date`, from the replica.
#[tauri::command]
pub fn get_week(state: State<'_, AppState>, date: String) -> CmdResult<WeekView> {
    let date = parse_date(&date)?;
    let monday = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
    let info = state.profile()?.info()?;
    let reader = state.lock_replica()?;
    let conn = reader.conn();
    let occurrences = queries::timetable(conn, &Who::Teacher(info.user.login.clone()), monday, 6)?;
    let sessions =
        queries::teacher_sessions(conn, &info.user.id, monday, monday + Duration::days(5))?;
    let sessions_by_occurrence = sessions
        .into_iter()
        .filter_map(|s| {
            let occ = s.get("occurrenceId")?.as_str()?.to_string();
            Some((occ, s.get("id")?.as_str()?.to_string()))
        })
        .collect();
    Ok(WeekView {
        monday: monday.to_string(),
        week_type: queries::week_type(conn, monday)?,
        user_name: info.user.display_name,
        occurrences,
        sessions_by_occurrence,
    })
}

/// Who is logged in, for the UI to choose its home view.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    /// Login.
    pub login: String,
    /// Name to show.
    pub display_name: String,
    /// Roles (teacher, vie_scolaire, direction…).
    pub roles: Vec<ardoise_protocol::Role>,
}

impl From<ardoise_protocol::UserInfo> for Me {
    fn from(u: ardoise_protocol::UserInfo) -> Me {
        Me {
            login: u.login,
            display_name: u.display_name,
            roles: u.roles,
        }
    }
}

/// The logged-in user.
#[tauri::command]
pub fn get_me(state: State<'_, AppState>) -> CmdResult<Me> {
    Ok(Me::from(state.profile()?.info()?.user))
}

/// Whose day to show.
#[derive(Debug, Deserialize, TS)]
#[serde(tag = "kind", content = "key", rename_all = "camelCase")]
pub enum DayOf {
    /// A class or group, by name.
    Audience(String),
    /// A teacher, by login.
    Teacher(String),
    /// A room, by code.
    Room(String),
    /// Every class.
    Everyone,
}

/// The lessons of one day, for a class, a teacher, a room or everyone.
#[tauri::command]
pub fn get_day(
    state: State<'_, AppState>,
    of: DayOf,
    date: String,
) -> CmdResult<Vec<OccurrenceView>> {
    let date = parse_date(&date)?;
    let who = match of {
        DayOf::Audience(k) => Who::Audience(k),
        DayOf::Teacher(k) => Who::Teacher(k),
        DayOf::Room(k) => Who::Room(k),
        DayOf::Everyone => Who::Everyone,
    };
    let replica = state.lock_replica()?;
    Ok(queries::timetable(replica.conn(), &who, date, 1)?)
}

/// "Où est… ?": classes, groups, teachers and rooms matching what was typed.
#[tauri::command]
pub fn search_targets(state: State<'_, AppState>, text: String) -> CmdResult<Vec<queries::Target>> {
    let replica = state.lock_replica()?;
    Ok(queries::search_targets(replica.conn(), &text, 12)?)
}

/// Marks a lesson cancelled (vie scolaire, direction) and wakes the sync loop.
#[tauri::command]
pub fn cancel_occurrence(
    state: State<'_, AppState>,
    id: String,
    note: Option<String>,
) -> CmdResult<OccurrenceView> {
    let view = {
        let mut replica = state.lock_replica()?;
        ardoise_sync::logbook::cancel_occurrence(&mut replica, &id, note.as_deref())?;
        occurrence_view(&replica, &id)?
    };
    state.wake();
    Ok(view)
}

/// Marks a lesson taken by a substitute (vie scolaire, direction) and wakes the sync loop.
#[tauri::command]
pub fn replace_occurrence(
    state: State<'_, AppState>,
    id: String,
    substitute: String,
    note: Option<String>,
) -> CmdResult<OccurrenceView> {
    let view = {
        let mut replica = state.lock_replica()?;
        ardoise_sync::logbook::replace_occurrence(&mut replica, &id, &substitute, note.as_deref())?;
        occurrence_view(&replica, &id)?
    };
    state.wake();
    Ok(view)
}

fn occurrence_view(replica: &ardoise_sync::Replica, id: &str) -> CmdResult<OccurrenceView> {
    queries::occurrence(replica.conn(), id)?
        .ok_or_else(|| CommandError::new(ErrorCode::ReplicaNotFound, format!("cours {id}")))
}
