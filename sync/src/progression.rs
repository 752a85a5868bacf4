//! A teacher's progressions: her planned sequence of séances (titles, content, homework)
//! for a subject and a level, kept from one year to the next. She makes one from a class's
//! séances (the year she taught it), and applies it to a class: its next lessons of that
//! subject — past the holidays, never a cancelled one, never one already written — get
//! the steps in order as **drafts**, each step's homework due at the following lesson. All
//! from the replica, so offline too; the drafts go up like any edit.

use ardoise_protocol::entities::{HomeworkKind, ProgressionStep, StepHomework};
use ardoise_protocol::{Data, EntityKind, ErrorCode, Role};
use chrono::{Duration, NaiveDate};
use rusqlite::params;
use serde::Serialize;
use serde_json::{json, Value};

use crate::logbook::{self, Me};
use crate::queries::audience_id;
use crate::replica::Replica;
use crate::{Result, SyncError};

/// A progression as the app and the CLI show it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgressionView {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The level it is for.
    pub level: String,
    /// The subject's id.
    pub subject_id: String,
    /// The subject's name.
    pub subject: String,
    /// The planned séances, in order.
    pub steps: Vec<ProgressionStep>,
    /// The classes and groups she teaches this subject to (where it may be applied).
    pub classes: Vec<String>,
}

/// One step placed on a lesson.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Placed {
    /// The step's title.
    pub title: String,
    /// The lesson.
    pub occurrence_id: String,
    /// Its day (YYYY-MM-DD) and start (HH:MM).
    pub date: String,
    /// Its start.
    pub start: String,
    /// The step's homework is due on this day (the next lesson), if it has one.
    pub homework_due: Option<String>,
}

/// What applying a progression did (or would do).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Applied {
    /// The steps and the lessons they went to, in order.
    pub placed: Vec<Placed>,
    /// Steps left over: the class has no more free lesson this year.
    pub left_over: usize,
    /// Lessons passed over: already written, cancelled or in the holidays.
    pub skipped: usize,
}

fn not_teacher() -> SyncError {
    SyncError::refused(
        ErrorCode::AclForbidden,
        "Les progressions sont celles des enseignants.",
    )
}

fn view(replica: &Replica, id: &str, data: &Data) -> Result<ProgressionView> {
    let subject_id = data["subjectId"].as_str().unwrap_or_default().to_string();
    let subject = replica
        .conn()
        .query_row(
            "SELECT label FROM subjects WHERE id = ?1",
            [&subject_id],
            |r| r.get(0),
        )
        .unwrap_or_else(|_| subject_id.clone());
    Ok(ProgressionView {
        id: id.to_string(),
        title: data["title"].as_str().unwrap_or_default().to_string(),
        level: data["level"].as_str().unwrap_or_default().to_string(),
        subject_id,
        subject,
        steps: serde_json::from_value(data["steps"].clone()).map_err(|e| {
            SyncError::refused(ErrorCode::ReplicaCorrupt, format!("progression : {e}"))
        })?,
        classes: classes(
            replica,
            Some(data["subjectId"].as_str().unwrap_or_default()),
        )?,
    })
}

/// The classes and groups the user teaches (`subject`: that subject only), by name.
pub fn classes(replica: &Replica, subject: Option<&str>) -> Result<Vec<String>> {
    let me = replica.user_id()?;
    let mut stmt = replica.conn().prepare(
        "SELECT DISTINCT a.name FROM course_occurrences o JOIN audiences a ON a.id = o.audience_id
         WHERE (?2 IS NULL OR o.subject_id = ?2)
           AND (o.teacher_id = ?1 OR EXISTS (SELECT 1 FROM lesson_co_teachers c
                                             WHERE c.occurrence_id = o.id AND c.teacher_id = ?1))
         ORDER BY a.name",
    )?;
    let rows = stmt.query_map(params![me, subject], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The user's progressions (the replica holds no one else's), by title.
pub fn list(replica: &Replica) -> Result<Vec<ProgressionView>> {
    let ids: Vec<String> = {
        let mut stmt = replica
            .conn()
            .prepare("SELECT id FROM progressions ORDER BY title COLLATE NOCASE, id")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    ids.iter().map(|id| get(replica, id)).collect()
}

/// One progression.
pub fn get(replica: &Replica, id: &str) -> Result<ProgressionView> {
    let (_, data) = replica
        .get(EntityKind::Progression, id)?
        .ok_or_else(|| SyncError::NotFound(format!("progression {id}")))?;
    view(replica, id, &data)
}

/// Makes a progression from the user's séances with the class `audience` (in date
/// order, with the homework given in each), for the subject she teaches there (the one of
/// most of her séances there, unless `subject` says which). Titled `title`, for `level`.
pub fn from_class(
    replica: &mut Replica,
    audience: &str,
    subject: Option<&str>,
    title: &str,
    level: &str,
) -> Result<ProgressionView> {
    let me = Me::load(replica)?;
    if !me.is(Role::Teacher) {
        return Err(not_teacher());
    }
    let audience_id = audience_id(replica.conn(), audience)?;
    let subject_id = match subject {
        Some(s) => crate::queries::subject_id(replica.conn(), s)?,
        None => replica
            .conn()
            .query_row(
                "SELECT subject_id FROM sessions WHERE teacher_id = ?1 AND audience_id = ?2
                 GROUP BY subject_id ORDER BY COUNT(*) DESC, subject_id LIMIT 1",
                params![me.id, audience_id],
                |r| r.get(0),
            )
            .map_err(|_| {
                SyncError::NotFound(format!("aucune séance de vous avec « {audience} »"))
            })?,
    };
    let steps: Vec<ProgressionStep> = {
        let mut stmt = replica.conn().prepare(
            "SELECT s.title, s.content, h.description, h.kind, h.estimated_minutes
             FROM sessions s
             LEFT JOIN homework h ON h.id = (SELECT id FROM homework WHERE session_id = s.id
                                             ORDER BY due_on, id LIMIT 1)
             WHERE s.teacher_id = ?1 AND s.audience_id = ?2 AND s.subject_id = ?3
             ORDER BY s.date, s.start_time",
        )?;
        let rows = stmt.query_map(params![me.id, audience_id, subject_id], |r| {
            let homework = match r.get::<_, Option<String>>(2)? {
                Some(description) => Some(StepHomework {
                    description,
                    kind: HomeworkKind::from_wire(&r.get::<_, String>(3)?).unwrap_or_default(),
                    estimated_minutes: r.get(4)?,
                }),
                None => None,
            };
            Ok(ProgressionStep {
                title: r.get(0)?,
                content: r.get(1)?,
                homework,
            })
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    if steps.is_empty() {
        return Err(SyncError::NotFound(format!(
            "aucune séance de vous avec « {audience} » dans cette matière"
        )));
    }
    let title = if title.trim().is_empty() {
        format!("Progression {level}")
    } else {
        title.trim().to_string()
    };
    save(replica, &me, None, &subject_id, level, &title, &steps)
}

/// Creates a progression for `subject` (its code, name or id) from steps written out.
pub fn create(
    replica: &mut Replica,
    subject: &str,
    level: &str,
    title: &str,
    steps: &[ProgressionStep],
) -> Result<ProgressionView> {
    let me = Me::load(replica)?;
    let subject_id = crate::queries::subject_id(replica.conn(), subject)?;
    save(replica, &me, None, &subject_id, level, title, steps)
}

/// Creates (`id` absent) or replaces a progression of the user.
pub fn save(
    replica: &mut Replica,
    me: &Me,
    id: Option<&str>,
    subject_id: &str,
    level: &str,
    title: &str,
    steps: &[ProgressionStep],
) -> Result<ProgressionView> {
    if !me.is(Role::Teacher) {
        return Err(not_teacher());
    }
    let data = json!({"teacherId": me.id, "subjectId": subject_id, "level": level.trim(),
                      "title": title.trim(), "steps": steps});
    let data = ardoise_protocol::entities::validate(
        EntityKind::Progression,
        data.as_object().expect("an object"),
    )?;
    crate::open_ent::check_fits(replica, EntityKind::Progression, &data)?;
    let id = match id {
        Some(id) => {
            replica.local_update(EntityKind::Progression, id, &data)?;
            id.to_string()
        }
        None => {
            let id = format!("prog-{}", uuid::Uuid::now_v7().simple());
            replica.local_create(EntityKind::Progression, &id, data)?;
            id
        }
    };
    get(replica, &id)
}

/// Deletes one of the user's progressions.
pub fn delete(replica: &mut Replica, id: &str) -> Result<()> {
    get(replica, id)?;
    replica.local_delete(EntityKind::Progression, id)?;
    Ok(())
}

/// One of the class's lessons a progression may go to.
struct Lesson {
    id: String,
    date: String,
    start: String,
    /// Not cancelled, not in the holidays.
    takes_place: bool,
    /// She has written its séance already.
    written: bool,
}

/// The class's lessons of `subject` taught by `teacher` from `from` on, in order.
fn lessons(
    replica: &Replica,
    teacher: &str,
    audience: &str,
    subject: &str,
    from: NaiveDate,
) -> Result<Vec<Lesson>> {
    let mut stmt = replica.conn().prepare(
        "SELECT o.id, o.date, o.start_time,
                o.status != 'cancelled'
                AND NOT EXISTS (SELECT 1 FROM holidays h
                                WHERE o.date BETWEEN h.start_date AND h.end_date),
                EXISTS (SELECT 1 FROM sessions s
                        WHERE s.occurrence_id = o.id AND s.teacher_id = ?1)
         FROM course_occurrences o
         WHERE o.audience_id = ?2 AND o.subject_id = ?3 AND o.date >= ?4
           AND (o.teacher_id = ?1 OR EXISTS (SELECT 1 FROM lesson_co_teachers c
                                             WHERE c.occurrence_id = o.id AND c.teacher_id = ?1))
         ORDER BY o.date, o.start_time",
    )?;
    let rows = stmt.query_map(params![teacher, audience, subject, from.to_string()], |r| {
        Ok(Lesson {
            id: r.get(0)?,
            date: r.get(1)?,
            start: r.get(2)?,
            takes_place: r.get(3)?,
            written: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Applies progression `id` to the class `audience` from `from` on: each step becomes a
/// draft séance on the next free lesson, with its homework due at the lesson after it.
/// With `dry_run`, says where the steps would go and changes nothing.
pub fn apply(
    replica: &mut Replica,
    id: &str,
    audience: &str,
    from: NaiveDate,
    dry_run: bool,
) -> Result<Applied> {
    let me = Me::load(replica)?;
    if !me.is(Role::Teacher) {
        return Err(not_teacher());
    }
    let progression = get(replica, id)?;
    let audience_id = audience_id(replica.conn(), audience)?;
    let all = lessons(replica, &me.id, &audience_id, &progression.subject_id, from)?;
    if all.is_empty() {
        return Err(SyncError::NotFound(format!(
            "aucun cours de {} avec « {audience} » à partir du {from}",
            progression.subject
        )));
    }
    // Each step on the next lesson that takes place and is not written yet, until the
    // steps run out.
    let mut steps = progression.steps.iter().peekable();
    let mut placed = Vec::new();
    let mut skipped = 0;
    for (i, lesson) in all.iter().enumerate() {
        if steps.peek().is_none() {
            break;
        }
        if !lesson.takes_place || lesson.written {
            skipped += 1;
            continue;
        }
        let step = steps.next().expect("a step was peeked");
        // Due at the class's next lesson of the subject that takes place, whatever its
        // séance; a week later when there is none this year.
        let due = step.homework.as_ref().map(|_| {
            all[i + 1..]
                .iter()
                .find(|next| next.takes_place && next.date > lesson.date)
                .map(|next| next.date.clone())
                .unwrap_or_else(|| {
                    lesson
                        .date
                        .parse::<NaiveDate>()
                        .map(|d| (d + Duration::days(7)).to_string())
                        .unwrap_or_else(|_| lesson.date.clone())
                })
        });
        let at = Placed {
            title: step.title.clone(),
            occurrence_id: lesson.id.clone(),
            date: lesson.date.clone(),
            start: lesson.start.clone(),
            homework_due: due,
        };
        placed.push((step, at));
    }
    let report = Applied {
        placed: placed.iter().map(|(_, at)| at.clone()).collect(),
        left_over: steps.count(),
        skipped,
    };
    if dry_run {
        return Ok(report);
    }
    for (step, at) in placed {
        let session = logbook::save_session(
            replica,
            &data(json!({"occurrence": at.occurrence_id, "title": step.title,
                         "content": step.content, "state": "draft"})),
        )?;
        if let (Some(h), Some(due)) = (&step.homework, at.homework_due) {
            let sid = session["id"].clone();
            logbook::save_homework(
                replica,
                &data(json!({"sessionId": sid, "audience": session["audienceId"],
                             "subject": session["subjectId"], "givenOn": session["date"],
                             "dueOn": due, "description": h.description, "kind": h.kind,
                             "estimatedMinutes": h.estimated_minutes, "state": "draft"})),
            )?;
        }
    }
    Ok(report)
}

fn data(v: Value) -> Data {
    match v {
        Value::Object(m) => m,
        _ => Data::new(),
    }
}
