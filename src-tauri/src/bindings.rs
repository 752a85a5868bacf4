//! The TypeScript declarations of everything the commands exchange with the UI, generated
//! from the Rust types (ts-rs) into `ui/src/bindings.ts`. A test fails when the committed
//! file is stale; `make bindings` rewrites it.

use ts_rs::{Config, TS};

use ardoise_sync::views;

use crate::commands::{account, timetable, updates};

/// The whole `ui/src/bindings.ts`.
pub fn typescript() -> String {
    // i64 crosses as a JSON number: the counts and versions stay far below 2^53.
    let cfg = Config::new().with_large_int("number");
    let decls = [
        ardoise_protocol::Role::decl(&cfg),
        ardoise_protocol::EntityKind::decl(&cfg),
        ardoise_sync::replica::Changes::decl(&cfg),
        ardoise_protocol::entities::PublishState::decl(&cfg),
        ardoise_protocol::entities::HomeworkKind::decl(&cfg),
        ardoise_sync::SyncStatus::decl(&cfg),
        ardoise_sync::Capabilities::decl(&cfg),
        ardoise_sync::backend::Ent::decl(&cfg),
        ardoise_sync::SyncPhase::decl(&cfg),
        ardoise_sync::SyncProgress::decl(&cfg),
        ardoise_sync::secrets::KeyStorage::decl(&cfg),
        views::OccurrenceView::decl(&cfg),
        views::Target::decl(&cfg),
        ardoise_protocol::ErrorCode::decl(&cfg),
        crate::error::CommandError::decl(&cfg),
        views::WeekView::decl(&cfg),
        views::WrittenLesson::decl(&cfg),
        timetable::Me::decl(&cfg),
        timetable::DayOf::decl(&cfg),
        views::SessionView::decl(&cfg),
        views::HomeworkView::decl(&cfg),
        ardoise_protocol::entities::WorkloadLimits::decl(&cfg),
        ardoise_sync::workload::LoadItem::decl(&cfg),
        ardoise_sync::workload::DayLoad::decl(&cfg),
        ardoise_sync::workload::WeekLoad::decl(&cfg),
        views::SessionInput::decl(&cfg),
        views::HomeworkInput::decl(&cfg),
        views::DraftView::decl(&cfg),
        views::AudienceVisa::decl(&cfg),
        views::TeacherLogbook::decl(&cfg),
        views::ConflictField::decl(&cfg),
        views::ConflictView::decl(&cfg),
        account::LastLogin::decl(&cfg),
        ardoise_sync::policy::PolicyView::decl(&cfg),
        ardoise_protocol::documents::DocumentVersion::decl(&cfg),
        ardoise_protocol::documents::Share::decl(&cfg),
        ardoise_sync::docs::DocEntry::decl(&cfg),
        ardoise_sync::docs::Direction::decl(&cfg),
        ardoise_sync::docs::TransferView::decl(&cfg),
        views::DocumentsView::decl(&cfg),
        ardoise_sync::charter::CharterView::decl(&cfg),
        ardoise_sync::charter::Acceptance::decl(&cfg),
        ardoise_sync::charter::CharterStatus::decl(&cfg),
        ardoise_protocol::entities::NewsAudience::decl(&cfg),
        ardoise_sync::news::NewsView::decl(&cfg),
        ardoise_sync::news::NewsInput::decl(&cfg),
        ardoise_sync::support::Report::decl(&cfg),
        ardoise_protocol::entities::StepHomework::decl(&cfg),
        ardoise_protocol::entities::ProgressionStep::decl(&cfg),
        ardoise_sync::progression::ProgressionView::decl(&cfg),
        ardoise_sync::progression::Placed::decl(&cfg),
        ardoise_sync::progression::Applied::decl(&cfg),
        ardoise_protocol::indicators::WritingRow::decl(&cfg),
        ardoise_protocol::indicators::WeekActivity::decl(&cfg),
        ardoise_protocol::indicators::ConflictCounts::decl(&cfg),
        ardoise_protocol::indicators::RoleAcceptance::decl(&cfg),
        ardoise_protocol::indicators::CharterCounts::decl(&cfg),
        ardoise_protocol::indicators::Indicators::decl(&cfg),
        ardoise_sync::todo::TodoItem::decl(&cfg),
        updates::UpdatesOff::decl(&cfg),
        updates::UpdateFound::decl(&cfg),
        updates::UpdateStatus::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from the Rust types by `make bindings` (src-tauri/src/bindings.rs).\n\
         // Do not edit: a test fails when this file and the Rust types disagree.\n",
    );
    for d in decls {
        out.push_str("\nexport ");
        out.push_str(d.trim());
        out.push('\n');
    }
    // The codes as a value too, so the UI's tests can check each has its translations.
    let codes: Vec<&str> = ardoise_protocol::ErrorCode::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    out.push_str("\n/** Every error code but `unknown`, in the order of the Rust enum. */\n");
    out.push_str("export const ERROR_CODES: readonly ErrorCode[] = ");
    out.push_str(&serde_json::to_string(&codes).expect("strings"));
    out.push_str(";\n");
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn the_ui_bindings_match_the_rust_types() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
        let fresh = super::typescript();
        if std::env::var_os("ARDOISE_WRITE_BINDINGS").is_some() {
            std::fs::write(&path, &fresh).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "ui/src/bindings.ts is stale: run `make bindings` and commit it"
        );
    }
}
