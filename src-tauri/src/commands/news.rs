//! The school's news: those shown today, marking them read on this computer, and writing
//! them (direction, vie scolaire), queued like any edit before the sync loop is woken.

use ardoise_sync::news::{self, NewsInput, NewsView};
use tauri::State;

use crate::commands::parse_date;
use crate::error::CmdResult;
use crate::state::AppState;

/// The news shown on `today` (YYYY-MM-DD, in Paris), newest first, with unread marks.
#[tauri::command]
pub fn list_news(state: State<'_, AppState>, today: String) -> CmdResult<Vec<NewsView>> {
    Ok(news::list(&*state.lock_replica()?, parse_date(&today)?)?)
}

/// Marks an item read on this computer.
#[tauri::command]
pub fn mark_news_read(state: State<'_, AppState>, id: String) -> CmdResult<()> {
    Ok(news::mark_read(&*state.lock_replica()?, &id)?)
}

/// Writes an item (new, or one's own) and wakes the sync loop.
#[tauri::command]
pub fn save_news(state: State<'_, AppState>, input: NewsInput) -> CmdResult<NewsView> {
    let view = news::save(&mut *state.lock_replica()?, &input)?;
    state.wake();
    Ok(view)
}

/// Deletes an item (one's own; the direction: any) and wakes the sync loop.
#[tauri::command]
pub fn delete_news(state: State<'_, AppState>, id: String) -> CmdResult<()> {
    news::delete(&mut *state.lock_replica()?, &id)?;
    state.wake();
    Ok(())
}
