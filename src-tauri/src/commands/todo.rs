//! The homework to do (a pupil's, with their « fait » ticks; a parent's child's), and
//! ticking it, queued like any edit before the sync loop is woken.

use ardoise_sync::todo::{self, TodoItem};
use tauri::State;

use crate::commands::parse_date;
use crate::error::CmdResult;
use crate::state::AppState;

/// The homework due from `from` (YYYY-MM-DD) for `days` days.
#[tauri::command]
pub fn todo_list(state: State<'_, AppState>, from: String, days: u32) -> CmdResult<Vec<TodoItem>> {
    Ok(todo::todo(
        &*state.lock_replica()?,
        parse_date(&from)?,
        days,
    )?)
}

/// Ticks (or unticks) a homework done, and wakes the sync loop.
#[tauri::command]
pub fn set_homework_done(state: State<'_, AppState>, id: String, done: bool) -> CmdResult<()> {
    todo::set_done(&mut *state.lock_replica()?, &id, done)?;
    state.wake();
    Ok(())
}
