//! The week view.

use ardoise_sync::views::{self, OccurrenceView, Target, WeekView, Who};
use serde::{Deserialize, Serialize};
use tauri::State;
use ts_rs::TS;

use crate::commands::parse_date;
use crate::error::CmdResult;
use crate::state::AppState;

/// The week containing `date`, from the replica: a teacher's lessons with what is written
/// of them; for a pupil or a parent, their class's lessons (groups of the class included).
#[tauri::command]
pub fn get_week(state: State<'_, AppState>, date: String) -> CmdResult<WeekView> {
    let date = parse_date(&date)?;
    let info = state.profile()?.info()?;
    Ok(views::week(&*state.lock_replica()?, &info.user, date)?)
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
    Ok(views::timetable(
        &*state.lock_replica()?,
        &Who::from(of),
        date,
        1,
    )?)
}

/// "Où est… ?": classes, groups, teachers and rooms matching what was typed.
#[tauri::command]
pub fn search_targets(state: State<'_, AppState>, text: String) -> CmdResult<Vec<Target>> {
    Ok(views::search(&*state.lock_replica()?, &text)?)
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
        views::lesson(&replica, &id)?
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
        views::lesson(&replica, &id)?
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
        views::lesson(&replica, &id)?
    };
    state.wake();
    Ok(view)
}
