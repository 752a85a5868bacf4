//! The pupils' and parents' side of the cahier de textes: the homework to do, by due date,
//! from the replica (so offline too), and a pupil's « fait » tick — private to them (not
//! even their parents see it), kept on all their devices through the sync. Each tick or
//! untick is a record of its own; the latest (by time, then id) says whether it is done,
//! so two devices ticking offline lose nothing and never conflict. A parent sees their
//! children's classes' homework, read-only, without the ticks, each class apart.

use ardoise_protocol::entities::{validate, HomeworkKind};
use ardoise_protocol::{Data, EntityKind, ErrorCode, Role};
use chrono::{Duration, NaiveDate};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::logbook::Me;
use crate::replica::Replica;
use crate::text::plain_text;
use crate::{Result, SyncError};

/// One homework in the list.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TodoItem {
    /// Homework id.
    pub id: String,
    /// Due day, YYYY-MM-DD.
    pub due_on: String,
    /// Day it was given, YYYY-MM-DD.
    pub given_on: String,
    /// The subject's label.
    pub subject: String,
    /// The subject's colour, `#rrggbb`.
    pub color: String,
    /// The teacher's name.
    pub teacher: String,
    /// The class or group it was given to.
    pub audience: String,
    /// The reader's class it is for (a parent of children in several classes reads
    /// each child's apart): the class itself, or the one the group is drawn from.
    pub class: String,
    /// What to do, as paragraphs of plain text.
    pub description: Vec<String>,
    /// Exercise, reading, test…
    pub kind: HomeworkKind,
    /// Estimated minutes, when the teacher gave them.
    pub minutes: Option<u32>,
    /// For a pupil, whether they ticked it done; `None` for anyone else.
    pub done: Option<bool>,
}

/// The homework due from `from` for `days` days for the reader's class and its groups (a
/// pupil's, or a parent's child's), published only, by due day then subject.
pub fn todo(replica: &Replica, from: NaiveDate, days: u32) -> Result<Vec<TodoItem>> {
    let me = Me::load(replica)?;
    let pupil = me.is(Role::Pupil);
    let classes = serde_json::to_string(&me.audience_ids).unwrap_or_default();
    let to = from + Duration::days(i64::from(days.max(1)) - 1);
    let conn = replica.conn();
    let mut stmt = conn.prepare(
        "SELECT h.id, h.due_on, h.given_on, coalesce(s.label, h.subject_id),
                coalesce(s.color, '#888888'), coalesce(t.display_name, h.teacher_id),
                coalesce(a.name, h.audience_id), h.description, h.kind, h.estimated_minutes,
                (SELECT d.done FROM homework_done d
                  WHERE d.homework_id = h.id AND d.user_id = ?4
                  ORDER BY d.at DESC, d.id DESC LIMIT 1),
                coalesce(
                  (SELECT c.name FROM audiences c
                    WHERE c.id = h.audience_id AND c.id IN (SELECT value FROM json_each(?1))),
                  (SELECT c.name FROM audience_members m JOIN audiences c ON c.id = m.class_id
                    WHERE m.group_id = h.audience_id
                      AND m.class_id IN (SELECT value FROM json_each(?1))
                    ORDER BY c.name LIMIT 1),
                  a.name, h.audience_id)
           FROM homework h
           LEFT JOIN subjects s ON s.id = h.subject_id
           LEFT JOIN users t ON t.id = h.teacher_id
           LEFT JOIN audiences a ON a.id = h.audience_id
          WHERE h.state = 'published' AND h.due_on BETWEEN ?2 AND ?3
            AND h.audience_id IN (
                SELECT value FROM json_each(?1)
                UNION SELECT group_id FROM audience_members
                       WHERE class_id IN (SELECT value FROM json_each(?1)))
          ORDER BY h.due_on, 4, h.id",
    )?;
    let rows = stmt.query_map(
        params![classes, from.to_string(), to.to_string(), me.id],
        |r| {
            let kind: String = r.get(8)?;
            let html: String = r.get(7)?;
            let done: Option<String> = r.get(10)?;
            Ok(TodoItem {
                id: r.get(0)?,
                due_on: r.get(1)?,
                given_on: r.get(2)?,
                subject: r.get(3)?,
                color: r.get(4)?,
                teacher: r.get(5)?,
                audience: r.get(6)?,
                class: r.get(11)?,
                description: plain_text(&html),
                kind: HomeworkKind::from_wire(&kind).unwrap_or(HomeworkKind::Other),
                minutes: r.get(9)?,
                done: pupil.then(|| done.as_deref() == Some("true")),
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Ticks (or unticks) a homework done (a pupil, for themselves). Ticking it as it already
/// is changes nothing; otherwise the tick is queued and reaches the pupil's other devices.
pub fn set_done(replica: &mut Replica, homework_id: &str, done: bool) -> Result<()> {
    let me = Me::load(replica)?;
    if !me.is(Role::Pupil) {
        return Err(SyncError::refused(
            ErrorCode::AclForbidden,
            "Seul un élève coche son travail fait.",
        ));
    }
    let published = replica
        .get(EntityKind::Homework, homework_id)?
        .is_some_and(|(_, h)| h["state"] == "published");
    if !published {
        return Err(SyncError::NotFound(format!(
            "travail à faire {homework_id}"
        )));
    }
    let current: Option<String> = replica
        .conn()
        .query_row(
            "SELECT done FROM homework_done WHERE homework_id = ?1 AND user_id = ?2
              ORDER BY at DESC, id DESC LIMIT 1",
            params![homework_id, me.id],
            |r| r.get(0),
        )
        .optional()?;
    if (current.as_deref() == Some("true")) == done {
        return Ok(());
    }
    let data = json!({
        "userId": me.id, "homeworkId": homework_id, "done": done,
        "at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    });
    let data = validate(
        EntityKind::HomeworkDone,
        data.as_object().unwrap_or(&Data::new()),
    )?;
    replica.local_create(EntityKind::HomeworkDone, &Uuid::now_v7().to_string(), data)?;
    Ok(())
}
