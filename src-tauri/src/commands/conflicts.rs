//! Conflict revisions: list them side by side, keep mine or theirs, or a merged version.

use ardoise_protocol::ErrorCode;
use ardoise_protocol::{EntityKind, Keep};
use ardoise_sync::{logbook, queries};
use serde::Serialize;
use serde_json::Value;
use tauri::State;
use ts_rs::TS;

use crate::commands::str_field;
use crate::error::{CmdResult, CommandError};
use crate::state::AppState;

/// One field both sides changed.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConflictField {
    /// Wire name of the field (title, content…).
    pub name: String,
    /// The value both started from.
    #[ts(type = "unknown")]
    pub base: Value,
    /// This user's value, not applied.
    #[ts(type = "unknown")]
    pub mine: Value,
    /// The value applied first, now on the server.
    #[ts(type = "unknown")]
    pub theirs: Value,
}

/// A conflict revision, ready to show.
#[derive(Debug, Serialize, TS)]
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

/// Open conflict revisions.
#[tauri::command]
pub fn list_conflicts(state: State<'_, AppState>) -> CmdResult<Vec<ConflictView>> {
    let replica = state.lock_replica()?;
    let mut out = Vec::new();
    for c in queries::list_conflicts(replica.conn())? {
        let text = |k: &str| str_field(&c, k);
        let kind = EntityKind::parse(&text("recordKind"));
        let label = match kind.map(|k| replica.get(k, &text("recordId"))) {
            Some(Ok(Some((_, r)))) => {
                let date = r.get("date").and_then(Value::as_str).unwrap_or("");
                let title = r.get("title").and_then(Value::as_str).unwrap_or("");
                format!("{date} {title}").trim().to_string()
            }
            _ => text("recordId"),
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
            id: text("id"),
            record_kind: text("recordKind"),
            record_id: text("recordId"),
            label,
            created_at: text("createdAt"),
            fields,
        });
    }
    Ok(out)
}

/// Resolves a conflict: `keep` is "mine" or "theirs". Wakes the sync loop.
#[tauri::command]
pub fn resolve_conflict(state: State<'_, AppState>, id: String, keep: String) -> CmdResult<()> {
    let keep = match keep.as_str() {
        "mine" => Keep::Mine,
        "theirs" => Keep::Theirs,
        other => {
            return Err(CommandError::new(
                ErrorCode::AppInvalidChoice,
                format!("mine ou theirs, pas {other}"),
            ))
        }
    };
    {
        let mut replica = state.lock_replica()?;
        logbook::resolve_conflict(&mut replica, &id, keep)?;
    }
    state.wake();
    Ok(())
}

/// Resolves a conflict with the version the user merged by hand: field name → value, for
/// the fields in conflict. Wakes the sync loop.
#[tauri::command]
pub fn resolve_conflict_merged(
    state: State<'_, AppState>,
    id: String,
    values: std::collections::BTreeMap<String, String>,
) -> CmdResult<()> {
    let values: ardoise_protocol::Data = values
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    logbook::resolve_conflict_merged(&mut *state.lock_replica()?, &id, &values)?;
    state.wake();
    Ok(())
}
