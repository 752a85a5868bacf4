//! The per-field merge rule of the sync model (docs/guarantees.md), shared so the server applies it and the tests can
//! model it.
//!
//! An operation says, for each field it changes, the value the user started from (`base`)
//! and the value they saved (`new`). Against the record's current value:
//! - current == base: nobody else touched the field, `new` is applied;
//! - current == new: both sides made the same change, nothing to do;
//! - otherwise both sides changed it differently: the value committed first stays, and the
//!   incoming one is kept in a conflict revision for the author to choose.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::entities::ConflictField;
use crate::{Data, FieldChange};

/// What merging one operation into a record gives.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeResult {
    /// The record's data after the operation.
    pub merged: Data,
    /// Fields whose value changed.
    pub applied: Vec<String>,
    /// Fields changed on both sides to different values, by name.
    pub conflicts: BTreeMap<String, ConflictField>,
}

/// Merges the changed `fields` of an operation into `current`.
pub fn merge_fields(current: &Data, fields: &BTreeMap<String, FieldChange>) -> MergeResult {
    let mut merged = current.clone();
    let mut applied = Vec::new();
    let mut conflicts = BTreeMap::new();
    for (name, change) in fields {
        let cur = current.get(name).cloned().unwrap_or(Value::Null);
        if cur == change.new {
            continue;
        }
        if cur == change.base {
            merged.insert(name.clone(), change.new.clone());
            applied.push(name.clone());
        } else {
            conflicts.insert(
                name.clone(),
                ConflictField {
                    base: change.base.clone(),
                    mine: change.new.clone(),
                    theirs: cur,
                },
            );
        }
    }
    MergeResult {
        merged,
        applied,
        conflicts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(base: Value, new: Value) -> FieldChange {
        FieldChange { base, new }
    }

    fn data(v: Value) -> Data {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn field_changed_only_by_the_op_is_applied() {
        let cur = data(json!({"title": "a", "content": "x"}));
        let r = merge_fields(
            &cur,
            &BTreeMap::from([("title".into(), change(json!("a"), json!("b")))]),
        );
        assert_eq!(r.merged["title"], "b");
        assert_eq!(r.applied, vec!["title".to_string()]);
        assert!(r.conflicts.is_empty());
    }

    #[test]
    fn same_change_on_both_sides_is_not_a_conflict() {
        let cur = data(json!({"title": "b"}));
        let r = merge_fields(
            &cur,
            &BTreeMap::from([("title".into(), change(json!("a"), json!("b")))]),
        );
        assert!(r.conflicts.is_empty());
        assert!(r.applied.is_empty());
    }

    #[test]
    fn different_changes_keep_the_first_and_record_the_second() {
        let cur = data(json!({"title": "theirs", "content": "x"}));
        let r = merge_fields(
            &cur,
            &BTreeMap::from([
                ("title".into(), change(json!("base"), json!("mine"))),
                ("content".into(), change(json!("x"), json!("y"))),
            ]),
        );
        assert_eq!(r.merged["title"], "theirs");
        assert_eq!(r.merged["content"], "y");
        let c = &r.conflicts["title"];
        assert_eq!(
            (c.base.clone(), c.mine.clone(), c.theirs.clone()),
            (json!("base"), json!("mine"), json!("theirs"))
        );
    }
}
