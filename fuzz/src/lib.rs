//! The properties the fuzz targets check, on any input bytes:
//!
//! - [`decode`]: an answer from the server (page, snapshot, push results, record) either
//!   fails to parse or is checked by `check_record`; a record that passes never holds
//!   script in its HTML, and checking it again changes nothing (sanitising is idempotent);
//! - [`merge`]: the per-field merge touches only the op's fields, gives each either the
//!   current value or the op's, keeps the current value of every conflicting field, and
//!   merging the same op again changes nothing (a retried op is harmless).
//!
//! `scripts/fuzz.sh` runs them (`make fuzz`); the test suite runs each for a few seconds.

use std::collections::BTreeMap;

use ardoise_protocol::merge::merge_fields;
use ardoise_protocol::{
    check_record, Data, FieldChange, PullResponse, PushResponse, Record, SnapshotResponse,
};
use serde::Deserialize;
use serde_json::Value;

/// The attributes whose value is fetched or followed: only these may hold a URL that runs.
const URL_ATTRIBUTES: [&str; 6] = [
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "srcset",
];

/// The tags of sanitised HTML (text `<` is escaped, so every `<` opens a tag, and a tag
/// ends at the first `>` outside a quoted value): none may be a script, carry an event
/// handler, or give a URL attribute a `javascript:` URL. Text that merely reads
/// « javascript: » (in a `title`, or after other letters in a relative URL) is harmless
/// and allowed.
fn assert_harmless(html: &str) {
    let lower = html.to_ascii_lowercase();
    let mut chars = lower.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '<' {
            continue;
        }
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() || c == '/' || c == '>' {
                break;
            }
            name.push(c);
            chars.next();
        }
        for bad in ["script", "iframe", "object", "embed", "style"] {
            assert!(name != bad, "<{bad}> kept in {html:?}");
        }
        // Attributes up to the tag's end: name, then `=` and a value, quoted or not.
        loop {
            while chars.next_if(|c| c.is_whitespace() || *c == '/').is_some() {}
            let mut attribute = String::new();
            while let Some(c) = chars.next_if(|c| !c.is_whitespace() && !"=>/".contains(*c)) {
                attribute.push(c);
            }
            if attribute.is_empty() {
                // The tag's end (or the text's).
                chars.next();
                break;
            }
            assert!(
                !attribute.starts_with("on"),
                "event handler {attribute} kept in {html:?}"
            );
            while chars.next_if(|c| c.is_whitespace()).is_some() {}
            if chars.next_if_eq(&'=').is_none() {
                continue;
            }
            while chars.next_if(|c| c.is_whitespace()).is_some() {}
            let mut value = String::new();
            match chars.next_if(|c| *c == '"' || *c == '\'') {
                Some(quote) => value.extend(chars.by_ref().take_while(|c| *c != quote)),
                None => {
                    while let Some(c) = chars.next_if(|c| !c.is_whitespace() && *c != '>') {
                        value.push(c);
                    }
                }
            }
            if URL_ATTRIBUTES.contains(&attribute.as_str()) {
                // A URL runs script only when its scheme is `javascript:`: what a browser
                // reads once it has stripped spaces and controls around the value and tabs
                // and newlines inside it. Letters before a space make a relative URL
                // (`a%20javascript:…`, a page of this site), which runs nothing.
                // `srcset` lists URLs (each with its size) between commas; the others
                // hold one, in which a comma is a character like any other.
                let urls: Vec<&str> = if attribute == "srcset" {
                    value.split(',').collect()
                } else {
                    vec![value.as_str()]
                };
                for url in urls {
                    let url: String = url
                        .trim_matches(|c: char| c <= ' ')
                        .chars()
                        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                        .collect();
                    assert!(
                        !url.starts_with("javascript:"),
                        "javascript: URL kept in {html:?}"
                    );
                }
            }
        }
    }
}

fn check_one(record: Record) {
    let Ok(checked) = check_record(record) else {
        return;
    };
    if let Some(data) = &checked.data {
        for key in ["content", "description"] {
            if let Some(Value::String(html)) = data.get(key) {
                assert_harmless(html);
            }
        }
    }
    let again = check_record(checked.clone()).expect("a checked record checks again");
    assert_eq!(again, checked, "checking twice changed the record");
}

/// Parses `bytes` as each answer of the protocol and checks every record in it.
pub fn decode(bytes: &[u8]) {
    if let Ok(page) = serde_json::from_slice::<PullResponse>(bytes) {
        page.changes.into_iter().for_each(check_one);
    }
    if let Ok(snapshot) = serde_json::from_slice::<SnapshotResponse>(bytes) {
        snapshot.records.into_iter().for_each(check_one);
    }
    if let Ok(record) = serde_json::from_slice::<Record>(bytes) {
        check_one(record);
    }
    let _ = serde_json::from_slice::<PushResponse>(bytes);
}

/// A record and an op's changes, as JSON.
#[derive(Deserialize)]
struct MergeInput {
    current: Data,
    fields: BTreeMap<String, FieldChange>,
}

/// Merges the op in `bytes` into its record and checks the rule's properties.
pub fn merge(bytes: &[u8]) {
    let Ok(input) = serde_json::from_slice::<MergeInput>(bytes) else {
        return;
    };
    let r = merge_fields(&input.current, &input.fields);
    for (name, value) in &r.merged {
        match input.fields.get(name) {
            None => assert_eq!(
                input.current.get(name),
                Some(value),
                "{name} not in the op changed"
            ),
            Some(change) => assert!(
                Some(value) == input.current.get(name) || value == &change.new,
                "{name} is neither the current value nor the op's"
            ),
        }
    }
    for name in r.conflicts.keys() {
        assert_eq!(
            r.merged.get(name).unwrap_or(&Value::Null),
            input.current.get(name).unwrap_or(&Value::Null),
            "conflicting {name} must keep the value committed first"
        );
    }
    let again = merge_fields(&r.merged, &input.fields);
    assert_eq!(
        again.merged, r.merged,
        "merging the same op twice changed the record"
    );
}
