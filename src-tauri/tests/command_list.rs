//! The app's commands are named in four places: the handler list (`src/lib.rs`), the
//! permission manifest (`build.rs`), the window's grants (`capabilities/main.json`) and
//! the UI's typed calls (`ui/src/api.ts`). A command missing from one of them fails at run
//! time only (refused, or never callable): this test fails first.

use std::collections::BTreeSet;
use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every `start<name>end` in `text`, where `name` is a command name.
fn names_between(text: &str, start: &str, end: char) -> BTreeSet<String> {
    text.split(start)
        .skip(1)
        .filter_map(|rest| rest.split(end).next())
        .filter(|name| name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_four_command_lists_agree() {
    let lib = read("src/lib.rs");
    let handler = lib
        .split("generate_handler![")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .expect("the handler list in src/lib.rs");
    let handled: BTreeSet<String> = handler
        .split(',')
        .filter_map(|path| path.trim().rsplit("::").next())
        .filter(|name| !name.is_empty())
        .map(str::to_string)
        .collect();

    let build = read("build.rs");
    let manifest = build
        .split(".commands(&[")
        .nth(1)
        .and_then(|rest| rest.split("])").next())
        .expect("the command list in build.rs");
    let declared = names_between(manifest, "\"", '"');

    let capabilities: serde_json::Value =
        serde_json::from_str(&read("capabilities/main.json")).unwrap();
    let granted: BTreeSet<String> = capabilities["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect();

    let called = names_between(&read("../ui/src/api.ts"), ">(\"", '"');

    assert!(handled.len() > 30, "{handled:?}");
    assert_eq!(
        declared, handled,
        "build.rs and the handler list in src/lib.rs"
    );
    assert_eq!(granted, handled, "capabilities/main.json and src/lib.rs");
    assert_eq!(called, handled, "ui/src/api.ts and src/lib.rs");
}
