//! How each kind of record maps onto its replica table: one place that knows the columns,
//! used by the generic apply (pull), the local edits and the reads back into JSON.

use std::sync::LazyLock;

use ardoise_protocol::{Data, EntityKind};
use rusqlite::types::Value as SqlValue;
use serde_json::Value;

/// Storage class of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    /// TEXT (or NULL).
    Text,
    /// INTEGER (or NULL).
    Int,
    /// A JSON array or object, kept as TEXT.
    Json,
}

/// A kind's table and its columns: (wire field, column, storage).
pub struct Spec {
    /// The kind.
    pub kind: EntityKind,
    /// Its table.
    pub table: &'static str,
    /// Its columns after `id` and `version`.
    pub cols: &'static [(&'static str, &'static str, Col)],
}

use Col::{Int, Json, Text};

const SPECS: &[Spec] = &[
    Spec {
        kind: EntityKind::School,
        table: "schools",
        cols: &[
            ("uai", "uai", Text),
            ("name", "name", Text),
            ("timeZone", "time_zone", Text),
            ("yearStart", "year_start", Text),
            ("yearEnd", "year_end", Text),
            ("workload", "workload", Json),
        ],
    },
    Spec {
        kind: EntityKind::Week,
        table: "weeks",
        cols: &[("monday", "monday", Text), ("weekType", "week_type", Text)],
    },
    Spec {
        kind: EntityKind::Holiday,
        table: "holidays",
        cols: &[
            ("name", "name", Text),
            ("start", "start_date", Text),
            ("end", "end_date", Text),
        ],
    },
    Spec {
        kind: EntityKind::User,
        table: "users",
        cols: &[
            ("login", "login", Text),
            ("displayName", "display_name", Text),
            ("roles", "roles", Json),
            ("audienceIds", "audience_ids", Json),
            ("subjectIds", "subject_ids", Json),
        ],
    },
    Spec {
        kind: EntityKind::Subject,
        table: "subjects",
        cols: &[
            ("code", "code", Text),
            ("label", "label", Text),
            ("color", "color", Text),
        ],
    },
    Spec {
        kind: EntityKind::Room,
        table: "rooms",
        cols: &[("code", "code", Text), ("label", "label", Text)],
    },
    Spec {
        kind: EntityKind::Audience,
        table: "audiences",
        cols: &[
            ("kind", "kind", Text),
            ("name", "name", Text),
            ("memberClassIds", "member_class_ids", Json),
            ("label", "label", Text),
        ],
    },
    Spec {
        kind: EntityKind::Course,
        table: "courses",
        cols: &[
            ("subjectId", "subject_id", Text),
            ("teacherId", "teacher_id", Text),
            ("coTeacherIds", "co_teacher_ids", Json),
            ("audienceId", "audience_id", Text),
            ("roomId", "room_id", Text),
            ("weekday", "weekday", Int),
            ("start", "start_time", Text),
            ("end", "end_time", Text),
            ("weekPattern", "week_pattern", Text),
            ("validFrom", "valid_from", Text),
            ("validTo", "valid_to", Text),
        ],
    },
    Spec {
        kind: EntityKind::CourseOccurrence,
        table: "course_occurrences",
        cols: &[
            ("courseId", "course_id", Text),
            ("date", "date", Text),
            ("start", "start_time", Text),
            ("end", "end_time", Text),
            ("subjectId", "subject_id", Text),
            ("teacherId", "teacher_id", Text),
            ("coTeacherIds", "co_teacher_ids", Json),
            ("audienceId", "audience_id", Text),
            ("roomId", "room_id", Text),
            ("status", "status", Text),
            ("substituteId", "substitute_id", Text),
            ("note", "note", Text),
        ],
    },
    Spec {
        kind: EntityKind::Session,
        table: "sessions",
        cols: &[
            ("occurrenceId", "occurrence_id", Text),
            ("audienceId", "audience_id", Text),
            ("subjectId", "subject_id", Text),
            ("teacherId", "teacher_id", Text),
            ("date", "date", Text),
            ("start", "start_time", Text),
            ("end", "end_time", Text),
            ("title", "title", Text),
            ("content", "content", Text),
            ("annotation", "annotation", Text),
            ("state", "state", Text),
            ("publishAt", "publish_at", Text),
            ("attachments", "attachments", Json),
        ],
    },
    Spec {
        kind: EntityKind::Homework,
        table: "homework",
        cols: &[
            ("sessionId", "session_id", Text),
            ("audienceId", "audience_id", Text),
            ("subjectId", "subject_id", Text),
            ("teacherId", "teacher_id", Text),
            ("givenOn", "given_on", Text),
            ("dueOn", "due_on", Text),
            ("description", "description", Text),
            ("kind", "kind", Text),
            ("estimatedMinutes", "estimated_minutes", Int),
            ("state", "state", Text),
            ("attachments", "attachments", Json),
        ],
    },
    Spec {
        kind: EntityKind::Visa,
        table: "visas",
        cols: &[
            ("signerId", "signer_id", Text),
            ("teacherId", "teacher_id", Text),
            ("audienceId", "audience_id", Text),
            ("until", "until", Text),
            ("comment", "comment", Text),
            ("signedAt", "signed_at", Text),
        ],
    },
    Spec {
        kind: EntityKind::Document,
        table: "documents",
        cols: &[
            ("folder", "folder", Text),
            ("name", "name", Text),
            ("mediaType", "media_type", Text),
            ("size", "size", Int),
            ("ownerId", "owner_id", Text),
            ("headVersion", "head_version", Text),
            ("hash", "hash", Text),
            ("versions", "versions", Json),
            ("shares", "shares", Json),
            ("trashedAt", "trashed_at", Text),
            ("conflictOf", "conflict_of", Text),
        ],
    },
    Spec {
        kind: EntityKind::Charter,
        table: "charters",
        cols: &[
            ("number", "number", Int),
            ("title", "title", Text),
            ("text", "text", Text),
            ("publishedAt", "published_at", Text),
        ],
    },
    Spec {
        kind: EntityKind::CharterAcceptance,
        table: "charter_acceptances",
        cols: &[
            ("userId", "user_id", Text),
            ("number", "number", Int),
            ("acceptedAt", "accepted_at", Text),
        ],
    },
    Spec {
        kind: EntityKind::News,
        table: "news",
        cols: &[
            ("authorId", "author_id", Text),
            ("audience", "audience", Text),
            ("audienceId", "audience_id", Text),
            ("title", "title", Text),
            ("text", "text", Text),
            ("from", "from_date", Text),
            ("until", "until_date", Text),
            ("createdAt", "created_at", Text),
        ],
    },
    Spec {
        kind: EntityKind::Progression,
        table: "progressions",
        cols: &[
            ("teacherId", "teacher_id", Text),
            ("subjectId", "subject_id", Text),
            ("level", "level", Text),
            ("title", "title", Text),
            ("steps", "steps", Json),
        ],
    },
    Spec {
        kind: EntityKind::HomeworkDone,
        table: "homework_done",
        cols: &[
            ("userId", "user_id", Text),
            ("homeworkId", "homework_id", Text),
            ("done", "done", Json),
            ("at", "at", Text),
        ],
    },
    Spec {
        kind: EntityKind::Conflict,
        table: "conflicts",
        cols: &[
            ("recordKind", "record_kind", Text),
            ("recordId", "record_id", Text),
            ("authorId", "author_id", Text),
            ("fields", "fields", Json),
            ("createdAt", "created_at", Text),
        ],
    },
];

/// The SQL of one kind.
struct Statements {
    upsert: String,
    select: String,
}

impl Statements {
    fn of(spec: &Spec) -> Statements {
        let cols: Vec<&str> = spec.cols.iter().map(|c| c.1).collect();
        let placeholders: Vec<String> = (1..=cols.len() + 2).map(|i| format!("?{i}")).collect();
        let mut updates = vec!["version = excluded.version".to_string()];
        updates.extend(cols.iter().map(|c| format!("{c} = excluded.{c}")));
        Statements {
            upsert: format!(
                "INSERT INTO {} (id, version, {}) VALUES ({}) ON CONFLICT (id) DO UPDATE SET {}",
                spec.table,
                cols.join(", "),
                placeholders.join(", "),
                updates.join(", ")
            ),
            select: format!(
                "SELECT version, {} FROM {} WHERE id = ?1",
                cols.join(", "),
                spec.table
            ),
        }
    }
}

/// The spec of a kind.
pub fn spec(kind: EntityKind) -> &'static Spec {
    SPECS
        .iter()
        .find(|s| s.kind == kind)
        .expect("every kind has a spec")
}

impl Spec {
    /// `INSERT … ON CONFLICT(id) DO UPDATE` of a whole row.
    pub fn upsert_sql(&self) -> &'static str {
        &self.sql().upsert
    }

    /// `SELECT version, <cols> FROM table WHERE id = ?1`.
    pub fn select_sql(&self) -> &'static str {
        &self.sql().select
    }

    /// This kind's statements, written once (every row applied or read asks for them).
    fn sql(&self) -> &'static Statements {
        static ALL: LazyLock<Vec<Statements>> =
            LazyLock::new(|| SPECS.iter().map(Statements::of).collect());
        let i = SPECS
            .iter()
            .position(|s| s.kind == self.kind)
            .expect("every spec is in SPECS");
        &ALL[i]
    }

    /// SQL values of a record's data, in column order (after id and version).
    pub fn values(&self, data: &Data) -> Vec<SqlValue> {
        self.cols
            .iter()
            .map(|(field, _, col)| to_sql(data.get(*field).unwrap_or(&Value::Null), *col))
            .collect()
    }

    /// Reads the columns of a row (starting at `offset`) back into wire JSON.
    pub fn data_from_row(&self, row: &rusqlite::Row<'_>, offset: usize) -> rusqlite::Result<Data> {
        let mut data = Data::new();
        for (i, (field, _, col)) in self.cols.iter().enumerate() {
            let v: SqlValue = row.get(offset + i)?;
            data.insert((*field).to_string(), from_sql(v, *col));
        }
        Ok(data)
    }
}

fn to_sql(v: &Value, col: Col) -> SqlValue {
    match (v, col) {
        (Value::Null, _) => SqlValue::Null,
        (v, Col::Json) => SqlValue::Text(v.to_string()),
        (Value::String(s), _) => SqlValue::Text(s.clone()),
        (Value::Number(n), _) => n
            .as_i64()
            .map(SqlValue::Integer)
            .unwrap_or_else(|| SqlValue::Real(n.as_f64().unwrap_or(0.0))),
        (Value::Bool(b), _) => SqlValue::Integer(i64::from(*b)),
        (v, _) => SqlValue::Text(v.to_string()),
    }
}

fn from_sql(v: SqlValue, col: Col) -> Value {
    match (v, col) {
        (SqlValue::Null, _) => Value::Null,
        (SqlValue::Text(s), Col::Json) => serde_json::from_str(&s).unwrap_or(Value::Null),
        (SqlValue::Text(s), _) => Value::String(s),
        (SqlValue::Integer(i), _) => Value::from(i),
        (SqlValue::Real(f), _) => Value::from(f),
        (SqlValue::Blob(_), _) => Value::Null,
    }
}
