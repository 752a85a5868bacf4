//! Read queries over the replica: the timetable views and the logbook lists. They work the
//! same online or offline: they only read the local tables.

use ardoise_protocol::{Data, EntityKind};
use chrono::{Duration, NaiveDate};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::Value;

use crate::spec::spec;
use crate::{Result, SyncError};

/// One dated lesson as the timetable shows it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OccurrenceView {
    /// Occurrence id.
    pub id: String,
    /// Date, YYYY-MM-DD.
    pub date: String,
    /// Start, HH:MM.
    pub start: String,
    /// End, HH:MM.
    pub end: String,
    /// Subject label.
    pub subject: String,
    /// Subject colour.
    pub subject_color: String,
    /// Audience name.
    pub audience: String,
    /// Teachers' names: the first, then any co-teachers, comma-separated.
    pub teacher: String,
    /// Room code.
    pub room: Option<String>,
    /// planned | cancelled | moved | replaced.
    #[cfg_attr(
        feature = "ts",
        ts(type = r#""planned" | "cancelled" | "moved" | "replaced""#)
    )]
    pub status: String,
    /// Substitute's name when replaced.
    pub substitute: Option<String>,
    /// Note (reason of a cancellation…).
    pub note: Option<String>,
}

/// Whose timetable.
#[derive(Debug, Clone)]
pub enum Who {
    /// A class or group, by name ("1re B"); a class includes its groups' courses.
    Audience(String),
    /// A teacher, by login.
    Teacher(String),
    /// A room, by code.
    Room(String),
    /// Every audience (the vie scolaire day view).
    Everyone,
}

/// Id of an audience by name (exact, then ignoring case) or id.
pub fn audience_id(conn: &Connection, name: &str) -> Result<String> {
    lookup(
        conn,
        "SELECT id FROM audiences WHERE name = ?1 OR id = ?1",
        name,
    )
    .or_else(|_| {
        lookup(
            conn,
            "SELECT id FROM audiences WHERE name = ?1 COLLATE NOCASE",
            name,
        )
    })
    .map_err(|_| SyncError::NotFound(format!("classe ou groupe « {name} »")))
}

/// Id of a user by login or id.
pub fn user_id(conn: &Connection, login: &str) -> Result<String> {
    lookup(
        conn,
        "SELECT id FROM users WHERE login = ?1 OR id = ?1",
        login,
    )
    .map_err(|_| SyncError::NotFound(format!("utilisateur « {login} »")))
}

/// Id of a room by code or id.
pub fn room_id(conn: &Connection, code: &str) -> Result<String> {
    lookup(
        conn,
        "SELECT id FROM rooms WHERE code = ?1 OR id = ?1 COLLATE NOCASE",
        code,
    )
    .map_err(|_| SyncError::NotFound(format!("salle « {code} »")))
}

/// Id of a subject by id, code or label.
pub fn subject_id(conn: &Connection, s: &str) -> Result<String> {
    lookup(
        conn,
        "SELECT id FROM subjects WHERE id = ?1 OR code = ?1 COLLATE NOCASE OR label = ?1 COLLATE NOCASE",
        s,
    )
    .map_err(|_| SyncError::NotFound(format!("matière « {s} »")))
}

fn lookup(conn: &Connection, sql: &str, key: &str) -> Result<String> {
    conn.query_row(sql, [key], |r| r.get(0))
        .optional()?
        .ok_or_else(|| SyncError::NotFound(key.into()))
}

const OCCURRENCE_SELECT: &str = "
SELECT o.id, o.date, o.start_time, o.end_time, s.label, s.color, a.name,
       t.display_name || CASE WHEN o.co_teacher_ids = '[]' THEN '' ELSE coalesce(
           (SELECT ', ' || group_concat(name, ', ') FROM (
               SELECT c.display_name AS name FROM json_each(o.co_teacher_ids) j
                 JOIN users c ON c.id = j.value ORDER BY j.key)), '') END,
       r.code, o.status, sub.display_name, o.note
FROM course_occurrences o
JOIN subjects s ON s.id = o.subject_id
JOIN audiences a ON a.id = o.audience_id
JOIN users t ON t.id = o.teacher_id
LEFT JOIN rooms r ON r.id = o.room_id
LEFT JOIN users sub ON sub.id = o.substitute_id";

/// Lessons of `who` from `from` for `days` days, in time order.
pub fn timetable(
    conn: &Connection,
    who: &Who,
    from: NaiveDate,
    days: u32,
) -> Result<Vec<OccurrenceView>> {
    let to = from + Duration::days(i64::from(days));
    let key = match who {
        Who::Audience(name) => audience_id(conn, name)?,
        Who::Teacher(login) => user_id(conn, login)?,
        Who::Room(code) => room_id(conn, code)?,
        Who::Everyone => String::new(),
    };
    let mut stmt = conn.prepare_cached(&timetable_sql(who))?;
    let rows = stmt.query_map(
        params![from.to_string(), to.to_string(), key],
        occurrence_from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The timetable query of `who`: dates `?1` (included) to `?2` (excluded), key `?3`.
fn timetable_sql(who: &Who) -> String {
    let filter = match who {
        Who::Audience(_) => "o.audience_id IN (SELECT ?3 UNION ALL SELECT group_id FROM audience_members WHERE class_id = ?3)",
        // Her lessons, co-taught ones included.
        Who::Teacher(_) => "(o.teacher_id = ?3 OR o.id IN (SELECT occurrence_id FROM lesson_co_teachers WHERE teacher_id = ?3))",
        Who::Room(_) => "o.room_id = ?3",
        Who::Everyone => "?3 = ''",
    };
    format!(
        "{OCCURRENCE_SELECT} WHERE o.date >= ?1 AND o.date < ?2 AND {filter}
         ORDER BY o.date, o.start_time, a.name"
    )
}

/// The date of the next lesson after occurrence `id` with the same class or group, subject
/// and teacher, not cancelled: when homework given in `id` is due, by default.
pub fn next_lesson(conn: &Connection, id: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(NEXT_LESSON)?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

const NEXT_LESSON: &str = "SELECT n.date FROM course_occurrences o
     JOIN course_occurrences n
       ON n.audience_id = o.audience_id AND n.date > o.date
      AND n.subject_id = o.subject_id AND n.teacher_id = o.teacher_id
      AND n.status != 'cancelled'
     WHERE o.id = ?1
     ORDER BY n.date, n.start_time LIMIT 1";

/// One lesson as the timetable shows it, by occurrence id.
pub fn occurrence(conn: &Connection, id: &str) -> Result<Option<OccurrenceView>> {
    let sql = format!("{OCCURRENCE_SELECT} WHERE o.id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], occurrence_from_row)
        .optional()?)
}

fn occurrence_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OccurrenceView> {
    Ok(OccurrenceView {
        id: r.get(0)?,
        date: r.get(1)?,
        start: r.get(2)?,
        end: r.get(3)?,
        subject: r.get(4)?,
        subject_color: r.get(5)?,
        audience: r.get(6)?,
        teacher: r.get(7)?,
        room: r.get(8)?,
        status: r.get(9)?,
        substitute: r.get(10)?,
        note: r.get(11)?,
    })
}

/// A record's data with its `id` and `version`, as the CLI and the UI show it.
pub fn with_id(id: &str, version: i64, mut data: Data) -> Data {
    data.insert("id".into(), Value::from(id));
    data.insert("version".into(), Value::from(version));
    data
}

fn list_sql(kind: EntityKind, where_sql: &str) -> String {
    let s = spec(kind);
    let cols: Vec<&str> = s.cols.iter().map(|c| c.1).collect();
    format!(
        "SELECT id, version, {} FROM {} WHERE {where_sql}",
        cols.join(", "),
        s.table
    )
}

fn list(
    conn: &Connection,
    kind: EntityKind,
    where_sql: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<Data>> {
    let s = spec(kind);
    let mut stmt = conn.prepare_cached(&list_sql(kind, where_sql))?;
    let rows = stmt.query_map(args, |r| {
        let id: String = r.get(0)?;
        let version: i64 = r.get(1)?;
        Ok(with_id(&id, version, s.data_from_row(r, 2)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

const SESSIONS_BETWEEN: &str = "date BETWEEN ?2 AND ?3 ORDER BY date, start_time";
const HOMEWORK_DUE_BETWEEN: &str = "due_on BETWEEN ?2 AND ?3 ORDER BY due_on, given_on";
const TEACHER_SESSIONS: &str =
    "teacher_id = ?1 AND date BETWEEN ?2 AND ?3 ORDER BY date, start_time";
const SESSION_OF_OCCURRENCE: &str = "occurrence_id = ?1 AND teacher_id = ?2 ORDER BY id LIMIT 1";

const AUDIENCE_AND_GROUPS: &str =
    "audience_id IN (SELECT ?1 UNION ALL SELECT group_id FROM audience_members WHERE class_id = ?1)";

/// Séances of an audience (and its groups) between two dates included.
pub fn list_sessions(
    conn: &Connection,
    audience: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Data>> {
    let id = audience_id(conn, audience)?;
    list(
        conn,
        EntityKind::Session,
        &format!("{AUDIENCE_AND_GROUPS} AND {SESSIONS_BETWEEN}"),
        &[&id, &from.to_string(), &to.to_string()],
    )
}

/// Homework of an audience (and its groups) due between two dates included.
pub fn list_homework(
    conn: &Connection,
    audience: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Data>> {
    let id = audience_id(conn, audience)?;
    list(
        conn,
        EntityKind::Homework,
        &format!("{AUDIENCE_AND_GROUPS} AND {HOMEWORK_DUE_BETWEEN}"),
        &[&id, &from.to_string(), &to.to_string()],
    )
}

/// The school's limits on one day's homework, if it set them.
pub fn school_workload(
    conn: &Connection,
) -> Result<Option<ardoise_protocol::entities::WorkloadLimits>> {
    let json: Option<Option<String>> = conn
        .query_row("SELECT workload FROM schools LIMIT 1", [], |r| r.get(0))
        .optional()?;
    Ok(json.flatten().and_then(|j| serde_json::from_str(&j).ok()))
}

/// Homework a class or group bears, due between two dates included: its own, its
/// groups' (a class), its member classes' (a group).
pub fn workload_homework(
    conn: &Connection,
    audience_id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Data>> {
    list(
        conn,
        EntityKind::Homework,
        &format!(
            "audience_id IN (SELECT ?1 UNION SELECT group_id FROM audience_members \
             WHERE class_id = ?1 UNION SELECT class_id FROM audience_members WHERE group_id = ?1) \
             AND {HOMEWORK_DUE_BETWEEN}"
        ),
        &[&audience_id, &from.to_string(), &to.to_string()],
    )
}

/// A teacher's séances between two dates included (their week view).
pub fn teacher_sessions(
    conn: &Connection,
    teacher_id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Data>> {
    list(
        conn,
        EntityKind::Session,
        TEACHER_SESSIONS,
        &[&teacher_id, &from.to_string(), &to.to_string()],
    )
}

/// Open conflict revisions.
pub fn list_conflicts(conn: &Connection) -> Result<Vec<Data>> {
    list(conn, EntityKind::Conflict, "1 ORDER BY created_at", &[])
}

/// Holidays overlapping `from`..=`to`: (name, first day, last day), by first day.
pub fn holidays_between(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(String, NaiveDate, NaiveDate)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT name, start_date, end_date FROM holidays
         WHERE start_date <= ?2 AND end_date >= ?1 ORDER BY start_date, name",
    )?;
    let rows = stmt.query_map([from.to_string(), to.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (name, start, end) = row?;
        if let (Ok(start), Ok(end)) = (start.parse(), end.parse()) {
            out.push((name, start, end));
        }
    }
    Ok(out)
}

/// Semaine A or B of the week of `date`, if it is a school week.
pub fn week_type(conn: &Connection, date: NaiveDate) -> Result<Option<String>> {
    use chrono::Datelike;
    let monday = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
    Ok(conn
        .query_row(
            "SELECT week_type FROM weeks WHERE id = ?1",
            [monday.to_string()],
            |r| r.get(0),
        )
        .optional()?)
}

/// The séance a teacher wrote for a course occurrence, if any.
pub fn session_for_occurrence(
    conn: &Connection,
    occurrence_id: &str,
    teacher_id: &str,
) -> Result<Option<Data>> {
    Ok(list(
        conn,
        EntityKind::Session,
        SESSION_OF_OCCURRENCE,
        &[&occurrence_id, &teacher_id],
    )?
    .into_iter()
    .next())
}

/// The title of the published séance written for a lesson, if any (what a calendar shows
/// of it).
pub fn published_title(conn: &Connection, occurrence_id: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT title FROM sessions WHERE occurrence_id = ?1 AND state = 'published'
             ORDER BY id LIMIT 1",
        )?
        .query_row([occurrence_id], |r| r.get(0))
        .optional()?)
}

/// Something "Où est… ?" can look for.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    /// audience, teacher or room.
    #[cfg_attr(feature = "ts", ts(type = r#""audience" | "teacher" | "room""#))]
    pub kind: String,
    /// What to pass back: audience name, teacher login, room code.
    pub key: String,
    /// What to show.
    pub label: String,
    /// What it is, for people: a class and a group are both audiences.
    #[cfg_attr(feature = "ts", ts(type = r#""class" | "group" | "teacher" | "room""#))]
    pub category: String,
}

/// Classes, groups, teachers and rooms whose name contains `text` (any case), at most `limit`.
pub fn search_targets(conn: &Connection, text: &str, limit: usize) -> Result<Vec<Target>> {
    let pattern = format!("%{}%", text.trim().replace(['%', '_'], ""));
    let mut stmt = conn.prepare_cached(
        "SELECT 'audience', name, name, kind FROM audiences WHERE name LIKE ?1
         UNION ALL
         SELECT 'teacher', login, display_name, 'teacher' FROM users
           WHERE (display_name LIKE ?1 OR login LIKE ?1) AND roles LIKE '%\"teacher\"%'
         UNION ALL
         SELECT 'room', code, label, 'room' FROM rooms WHERE code LIKE ?1 OR label LIKE ?1
         LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![pattern, limit as i64], |r| {
        Ok(Target {
            kind: r.get(0)?,
            key: r.get(1)?,
            label: r.get(2)?,
            category: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How many homework each of a teacher's séances from `from` to `to` (included) has, by
/// séance id: one query for the week view, not one per lesson.
pub fn homework_counts(
    conn: &Connection,
    teacher_id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<std::collections::HashMap<String, u32>> {
    let mut stmt = conn.prepare_cached(HOMEWORK_COUNTS)?;
    let rows = stmt.query_map(params![teacher_id, from.to_string(), to.to_string()], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

const HOMEWORK_COUNTS: &str = "SELECT h.session_id, COUNT(*) FROM sessions s
     JOIN homework h ON h.session_id = s.id
     WHERE s.teacher_id = ?1 AND s.date BETWEEN ?2 AND ?3
     GROUP BY h.session_id";

/// Homework given with a séance, by due date.
pub fn session_homework(conn: &Connection, session_id: &str) -> Result<Vec<Data>> {
    list(
        conn,
        EntityKind::Homework,
        "session_id = ?1 ORDER BY due_on, id",
        &[&session_id],
    )
}

/// A teacher's séances still in draft, most recent first ("mes brouillons").
pub fn drafts(conn: &Connection, teacher_id: &str) -> Result<Vec<Data>> {
    list(
        conn,
        EntityKind::Session,
        "teacher_id = ?1 AND state = 'draft' ORDER BY date DESC, start_time DESC",
        &[&teacher_id],
    )
}

/// Lessons a séance can be copied to: the same teacher's lessons of the same subject with
/// another class or group, from a week before the séance to three weeks after, not yet
/// written and not cancelled.
pub fn copy_targets(conn: &Connection, session_id: &str) -> Result<Vec<OccurrenceView>> {
    let sql = format!(
        "{OCCURRENCE_SELECT}
         JOIN sessions src ON src.id = ?1
         WHERE o.teacher_id = src.teacher_id AND o.subject_id = src.subject_id
           AND o.audience_id <> src.audience_id
           AND o.date >= date(src.date, '-7 days') AND o.date < date(src.date, '+21 days')
           AND o.status <> 'cancelled'
           AND NOT EXISTS (SELECT 1 FROM sessions w
                           WHERE w.occurrence_id = o.id AND w.teacher_id = src.teacher_id)
         ORDER BY o.date, o.start_time"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([session_id], occurrence_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The latest visa date of a teacher for an audience, if any: entries on or before it are
/// locked.
pub fn visa_until(
    conn: &Connection,
    teacher_id: &str,
    audience_id: &str,
) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT max(until) FROM visas WHERE teacher_id = ?1 AND audience_id = ?2",
            [teacher_id, audience_id],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

const TEACHES: &str = "
SELECT EXISTS (SELECT 1 FROM course_occurrences WHERE teacher_id = ?1 AND audience_id = ?2)
    OR EXISTS (SELECT 1 FROM lesson_co_teachers c
                 JOIN course_occurrences o ON o.id = c.occurrence_id
                WHERE c.teacher_id = ?1 AND o.audience_id = ?2)";

/// Whether a teacher has a lesson with an audience, as first teacher or co-teacher.
pub fn teaches(conn: &Connection, teacher_id: &str, audience_id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(TEACHES)?
        .query_row([teacher_id, audience_id], |r| r.get(0))?)
}

/// Name of an audience by id.
pub fn audience_name(conn: &Connection, id: &str) -> Result<String> {
    lookup(conn, "SELECT name FROM audiences WHERE id = ?1", id)
}

/// Label of a subject by id.
pub fn subject_label(conn: &Connection, id: &str) -> Result<String> {
    lookup(conn, "SELECT label FROM subjects WHERE id = ?1", id)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What SQLite will do for `sql`: one line per step of the plan.
    fn plan(conn: &Connection, sql: &str, params: usize) -> Vec<String> {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let args: Vec<String> = (0..params).map(|i| format!("x{i}")).collect();
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args), |r| r.get::<_, String>(3))
            .unwrap();
        rows.map(|r| r.unwrap()).collect()
    }

    #[test]
    fn the_hot_queries_use_an_index_and_never_scan_a_big_table() {
        let replica = crate::Replica::in_memory().unwrap();
        let conn = replica.conn();
        let hot: Vec<(&str, String, usize)> = vec![
            (
                "week of a teacher",
                timetable_sql(&Who::Teacher(String::new())),
                3,
            ),
            (
                "week of a class",
                timetable_sql(&Who::Audience(String::new())),
                3,
            ),
            (
                "week of a room",
                timetable_sql(&Who::Room(String::new())),
                3,
            ),
            ("day of every class", timetable_sql(&Who::Everyone), 3),
            (
                "a teacher's séances",
                list_sql(EntityKind::Session, TEACHER_SESSIONS),
                3,
            ),
            (
                "séances of a class",
                list_sql(
                    EntityKind::Session,
                    &format!("{AUDIENCE_AND_GROUPS} AND {SESSIONS_BETWEEN}"),
                ),
                3,
            ),
            (
                "homework of a class",
                list_sql(
                    EntityKind::Homework,
                    &format!("{AUDIENCE_AND_GROUPS} AND {HOMEWORK_DUE_BETWEEN}"),
                ),
                3,
            ),
            (
                "séance of a lesson",
                list_sql(EntityKind::Session, SESSION_OF_OCCURRENCE),
                2,
            ),
            ("next lesson of a class", NEXT_LESSON.to_string(), 1),
            ("a teacher's lesson with a class", TEACHES.to_string(), 2),
            ("homework counts of a week", HOMEWORK_COUNTS.to_string(), 3),
            (
                "one record",
                spec(EntityKind::CourseOccurrence).select_sql().to_string(),
                1,
            ),
        ];
        // `o` is the timetable's alias of course_occurrences.
        let big = ["course_occurrences", "sessions", "homework", "o"];
        for (name, sql, params) in hot {
            let steps = plan(conn, &sql, params);
            for step in &steps {
                let scans_big = step.starts_with("SCAN")
                    && big
                        .iter()
                        .any(|t| format!("{step} ").starts_with(&format!("SCAN {t}")));
                assert!(!scans_big, "{name}: full scan in {steps:?}");
            }
            assert!(
                steps.iter().any(|s| s.starts_with("SEARCH")),
                "{name}: no index used: {steps:?}"
            );
        }
        // After every sync: the lessons with attached documents, from their partial
        // indexes only.
        let steps = plan(conn, crate::docs::ATTACHED_SQL, 0);
        for index in ["sessions_with_attachments", "homework_with_attachments"] {
            assert!(steps.iter().any(|s| s.contains(index)), "{steps:?}");
        }
    }

    #[test]
    fn homework_is_due_at_the_next_lesson_of_the_class_in_the_subject_not_cancelled() {
        let replica = crate::Replica::in_memory().unwrap();
        let conn = replica.conn();
        let lesson = |id: &str, date: &str, audience: &str, subject: &str, status: &str| {
            conn.execute(
                "INSERT INTO course_occurrences (id, version, course_id, date, start_time,
                 end_time, subject_id, teacher_id, audience_id, status)
                 VALUES (?1, 1, 'c', ?2, '10:00', '11:00', ?4, 't', ?3, ?5)",
                params![id, date, audience, subject, status],
            )
            .unwrap();
        };
        lesson("mon", "2026-11-30", "2nde 3", "hg", "planned");
        lesson("tue-other-class", "2026-12-01", "1re B", "hg", "planned");
        lesson(
            "tue-other-subject",
            "2026-12-01",
            "2nde 3",
            "maths",
            "planned",
        );
        lesson("wed-cancelled", "2026-12-02", "2nde 3", "hg", "cancelled");
        lesson("thu", "2026-12-03", "2nde 3", "hg", "planned");
        lesson("next-week", "2026-12-07", "2nde 3", "hg", "planned");
        assert_eq!(
            next_lesson(conn, "mon").unwrap().as_deref(),
            Some("2026-12-03")
        );
        assert_eq!(next_lesson(conn, "next-week").unwrap(), None);
        assert_eq!(next_lesson(conn, "no-such-lesson").unwrap(), None);
    }

    #[test]
    fn a_weeks_homework_is_counted_per_seance_of_the_teacher() {
        let replica = crate::Replica::in_memory().unwrap();
        let conn = replica.conn();
        let session = |id: &str, teacher: &str, date: &str| {
            conn.execute(
                "INSERT INTO sessions (id, version, audience_id, subject_id, teacher_id, date,
                 start_time, end_time, title, content, state)
                 VALUES (?1, 1, 'a', 's', ?2, ?3, '10:00', '11:00', 'T', '', 'published')",
                params![id, teacher, date],
            )
            .unwrap();
        };
        let homework = |id: &str, session: &str| {
            conn.execute(
                "INSERT INTO homework (id, version, session_id, audience_id, subject_id,
                 teacher_id, given_on, due_on, description, kind, state)
                 VALUES (?1, 1, ?2, 'a', 's', 't', '2026-11-30', '2026-12-07', '', 'exercise',
                 'published')",
                params![id, session],
            )
            .unwrap();
        };
        session("mine", "t", "2026-11-30");
        session("mine-empty", "t", "2026-12-01");
        session("mine-next-week", "t", "2026-12-07");
        session("theirs", "u", "2026-11-30");
        for (id, s) in [
            ("h1", "mine"),
            ("h2", "mine"),
            ("h3", "mine-next-week"),
            ("h4", "theirs"),
        ] {
            homework(id, s);
        }
        let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        let counts = homework_counts(conn, "t", day("2026-11-30"), day("2026-12-05")).unwrap();
        assert_eq!(counts, [("mine".to_string(), 2)].into_iter().collect());
    }
}
