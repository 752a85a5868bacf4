fn main() {
    // The app's own commands go through the permission system like plugin commands: each
    // gets an `allow-<command>` permission, granted in capabilities/main.json.
    let manifest = tauri_build::AppManifest::new().commands(&[
        "get_week",
        "get_me",
        "get_day",
        "search_targets",
        "cancel_occurrence",
        "replace_occurrence",
        "login",
        "logout",
        "last_login",
        "list_conflicts",
        "resolve_conflict",
        "resolve_conflict_merged",
        "get_session",
        "open_session",
        "save_session",
        "save_homework",
        "delete_homework",
        "list_drafts",
        "copy_targets",
        "copy_session",
        "get_logbook",
        "sign_visa",
        "export_day_pdf",
        "open_last_export",
        "get_status",
        "sync_now",
        "set_zoom",
        "list_documents",
        "list_transfers",
        "pin_document",
        "trash_document",
        "retry_transfers",
        "open_document",
        "add_documents",
        "choose_mirror_dir",
        "stop_mirror",
    ]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri build script");
}
