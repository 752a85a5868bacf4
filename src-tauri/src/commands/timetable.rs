//! The week view.

use std::collections::BTreeMap;

use ardoise_protocol::ErrorCode;
use ardoise_sync::queries::{self, OccurrenceView, Who};
use chrono::{Datelike, Duration};
use serde::{Deserialize, Serialize};
use tauri::State;
use ts_rs::TS;

use crate::commands::parse_date;
use crate::error::{CmdResult, CommandError};
use crate::state::AppState;

/// A week of the logged-in user: a teacher's own lessons, or a pupil's or parent's class.
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
    /// Occurrence id → its séance, for the teacher's lessons already written.
    pub sessions_by_occurrence: BTreeMap<String, WrittenLesson>,
}

/// What a lesson's card says of its séance.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WrittenLesson {
    /// The séance.
    pub session_id: String,
    /// Its title.
    pub title: String,
    /// Draft (the class does not see it yet) or published.
    pub state: ardoise_protocol::entities::PublishState,
    /// Homework given with it.
    pub homework: u32,
}

/// The week containing `date`, from the replica: a teacher's lessons with what is written
/// of them; for a pupil or a parent, their class's lessons (groups of the class included).
#[tauri::command]
pub fn get_week(state: State<'_, AppState>, date: String) -> CmdResult<WeekView> {
    use ardoise_protocol::Role;
    let date = parse_date(&date)?;
    let monday = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
    let info = state.profile()?.info()?;
    let reader = state.lock_replica()?;
    let conn = reader.conn();
    let roles = &info.user.roles;
    let learner = !roles.contains(&Role::Teacher)
        && (roles.contains(&Role::Pupil) || roles.contains(&Role::Parent));
    let class = if learner {
        ardoise_sync::logbook::Me::load(&reader)?
            .audience_ids
            .into_iter()
            .next()
    } else {
        None
    };
    let occurrences = match (learner, class) {
        (true, Some(class)) => queries::timetable(conn, &Who::Audience(class), monday, 6)?,
        // A pupil or parent whose class the replica does not know: an empty week.
        (true, None) => Vec::new(),
        (false, _) => queries::timetable(conn, &Who::Teacher(info.user.login.clone()), monday, 6)?,
    };
    let mut sessions_by_occurrence = BTreeMap::new();
    if !learner {
        let saturday = monday + Duration::days(5);
        let sessions = queries::teacher_sessions(conn, &info.user.id, monday, saturday)?;
        let homework = queries::homework_counts(conn, &info.user.id, monday, saturday)?;
        for s in sessions {
            let (Some(occ), Some(id)) = (
                s.get("occurrenceId").and_then(|v| v.as_str()),
                s.get("id").and_then(|v| v.as_str()),
            ) else {
                continue;
            };
            let state = serde_json::from_value(s["state"].clone())
                .unwrap_or(ardoise_protocol::entities::PublishState::Draft);
            sessions_by_occurrence.insert(
                occ.to_string(),
                WrittenLesson {
                    session_id: id.to_string(),
                    title: s
                        .get("title")
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_string(),
                    state,
                    homework: homework.get(id).copied().unwrap_or(0),
                },
            );
        }
    }
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

impl From<DayOf> for Who {
    fn from(of: DayOf) -> Who {
        match of {
            DayOf::Audience(k) => Who::Audience(k),
            DayOf::Teacher(k) => Who::Teacher(k),
            DayOf::Room(k) => Who::Room(k),
            DayOf::Everyone => Who::Everyone,
        }
    }
}

/// The lessons of one day, for a class, a teacher, a room or everyone.
#[tauri::command]
pub fn get_day(
    state: State<'_, AppState>,
    of: DayOf,
    date: String,
) -> CmdResult<Vec<OccurrenceView>> {
    let date = parse_date(&date)?;
    let who = Who::from(of);
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

/// Puts a cancelled or replaced lesson back as planned (the undo of a cancellation) and
/// wakes the sync loop.
#[tauri::command]
pub fn restore_occurrence(state: State<'_, AppState>, id: String) -> CmdResult<OccurrenceView> {
    let view = {
        let mut replica = state.lock_replica()?;
        ardoise_sync::logbook::restore_occurrence(&mut replica, &id)?;
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
