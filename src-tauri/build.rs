fn main() {
    // The app's own commands go through the permission system like plugin commands: each
    // gets an `allow-<command>` permission, granted in capabilities/main.json.
    let manifest = tauri_build::AppManifest::new().commands(&[
        "get_week",
        "get_status",
        "sync_now",
        "get_session",
        "save_session",
        "get_me",
        "get_day",
        "search_targets",
        "cancel_occurrence",
        "replace_occurrence",
        "list_conflicts",
        "resolve_conflict",
        "login",
    ]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri build script");
}
