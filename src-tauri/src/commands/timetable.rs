//! The week view.

use std::collections::BTreeMap;

use ardoise_sync::queries::{self, OccurrenceView, Who};
use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;
use tauri::State;

use crate::error::{CmdResult, CommandError};
use crate::state::AppState;

/// A week of the logged-in teacher.
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
    /// Occurrence id → id of its séance, for lessons already written.
    pub sessions_by_occurrence: BTreeMap<String, String>,
}

/// The week containing `date`, from the replica.
#[tauri::command]
pub fn get_week(state: State<'_, AppState>, date: String) -> CmdResult<WeekView> {
    let date: NaiveDate = date
        .parse()
        .map_err(|_| CommandError::new("app.invalid_date", format!("date invalide : {date}")))?;
    let monday = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
    let info = state.profile.info()?;
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
