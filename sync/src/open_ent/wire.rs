//! What Open ENT NG sends and takes, and how it maps to Ardoise's records
//! (docs/open-ent-ng.md has the table).
//!
//! Reading is lenient where the ENT is inconsistent and strict where it matters: a date is
//! its first ten characters whatever follows (`"2024-09-16 00:00:00.000000+0200"` at top
//! level, `"2024-09-20"` when nested), a time its first five (`"08:00:00"`), the estimated
//! time is read as `estimatedtime` (written `estimatedTime`); a row without an id, with an
//! unreadable date or time, is refused whole ([`SyncError::BadResponse`]).

use ardoise_protocol::entities::{
    Audience, AudienceKind, CourseOccurrence, Homework, HomeworkKind, OccurrenceStatus,
    PublishState, Room, School, Session, Subject, User,
};
use ardoise_protocol::{Data, Role, UserInfo};
use chrono::{Datelike, Duration, NaiveDate, NaiveTime};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::{Result, SyncError};

/// Longest séance title the ENT stores (varchar(50)).
pub const MAX_TITLE: usize = 50;
/// Longest room the ENT stores (varchar(50)).
pub const MAX_ROOM: usize = 50;

fn bad(what: &str) -> SyncError {
    SyncError::BadResponse(format!("Open ENT NG : {what}"))
}

/// A field as a string, or an error naming it.
fn text<'a>(row: &'a Value, name: &str) -> Result<&'a str> {
    row.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| bad(&format!("champ « {name} » absent ou non textuel")))
}

fn opt_text<'a>(row: &'a Value, name: &str) -> Option<&'a str> {
    row.get(name).and_then(Value::as_str)
}

/// An id the ENT sends as a number (diary) or a string (directory, Mongo).
pub fn id_of(row: &Value, name: &str) -> Result<String> {
    match row.get(name) {
        Some(Value::Number(n)) if n.as_i64().is_some_and(|n| n > 0) => Ok(n.to_string()),
        Some(Value::String(s)) if !s.is_empty() && ardoise_protocol::check_id(s).is_ok() => {
            Ok(s.clone())
        }
        _ => Err(bad(&format!("identifiant « {name} » absent ou invalide"))),
    }
}

/// A diary id (séance, homework): a positive number, as the ENT's SQL rows have.
pub fn diary_id(row: &Value) -> Result<String> {
    match row.get("id").and_then(Value::as_i64) {
        Some(n) if n > 0 => Ok(n.to_string()),
        _ => Err(bad(
            "identifiant de séance ou de travail absent ou invalide",
        )),
    }
}

/// A date as the ENT writes it, in any of its forms: the first ten characters.
pub fn date(s: &str) -> Result<NaiveDate> {
    s.get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .ok_or_else(|| bad(&format!("date illisible « {} »", clip(s))))
}

/// A time `HH:MM[:SS]` as `HH:MM`.
pub fn time(s: &str) -> Result<String> {
    s.get(..5)
        .and_then(|t| NaiveTime::parse_from_str(t, "%H:%M").ok())
        .map(|t| t.format("%H:%M").to_string())
        .ok_or_else(|| bad(&format!("heure illisible « {} »", clip(s))))
}

/// A date-time `YYYY-MM-DD HH:MM[:SS]` or with a `T` (courses), without its zone.
fn date_time(s: &str) -> Result<(NaiveDate, String)> {
    let d = date(s)?;
    let t = s.get(11..).ok_or_else(|| bad("heure de cours absente"))?;
    Ok((d, time(t)?))
}

fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

fn data_of(value: impl Serialize) -> Data {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// Who is logged in, from `userinfo?version=v2.0`.
#[derive(Debug, Clone)]
pub struct Me {
    /// The user, as the rest of Ardoise knows users.
    pub user: UserInfo,
    /// Structures (établissements) the user belongs to: (id, name).
    pub structures: Vec<(String, String)>,
    /// UAIs, not aligned with `structures`.
    pub uai: Vec<String>,
    /// Class and group ids of the user.
    pub audiences: Vec<String>,
    /// `authorizedActions` display names.
    pub rights: Vec<String>,
}

/// Reads `userinfo`.
pub fn me(v: &Value) -> Result<Me> {
    let id = text(v, "userId")?.to_string();
    if ardoise_protocol::check_id(&id).is_err() {
        return Err(bad("identifiant d'utilisateur invalide"));
    }
    let strings = |name: &str| -> Vec<String> {
        v.get(name)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let structures: Vec<(String, String)> = strings("structures")
        .into_iter()
        .zip(
            strings("structureNames")
                .into_iter()
                .chain(std::iter::repeat(String::new())),
        )
        .collect();
    let mut roles = Vec::new();
    let kinds = strings("profiles")
        .into_iter()
        .chain(opt_text(v, "type").map(str::to_string));
    for kind in kinds {
        let role = match kind.as_str() {
            "Teacher" | "ENSEIGNANT" => Some(Role::Teacher),
            "Student" | "ELEVE" => Some(Role::Pupil),
            "Relative" | "PERSRELELEVE" => Some(Role::Parent),
            "Personnel" | "PERSEDUCNAT" => Some(Role::VieScolaire),
            _ => None,
        };
        if let Some(r) = role.filter(|r| !roles.contains(r)) {
            roles.push(r);
        }
    }
    let mut audiences = strings("classes");
    audiences.extend(strings("groupsIds"));
    audiences.retain(|a| ardoise_protocol::check_id(a).is_ok());
    let rights = v
        .get("authorizedActions")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|r| r.get("displayName").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let login = opt_text(v, "login").unwrap_or(&id).to_string();
    let display_name = opt_text(v, "username")
        .or_else(|| opt_text(v, "displayName"))
        .unwrap_or(&login)
        .to_string();
    Ok(Me {
        user: UserInfo {
            id,
            login,
            display_name,
            roles,
        },
        structures,
        uai: strings("uai"),
        audiences,
        rights,
    })
}

/// The school year holding `day`: 1 September to 31 August.
pub fn school_year(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let start_year = if day.month() >= 9 {
        day.year()
    } else {
        day.year() - 1
    };
    let start = NaiveDate::from_ymd_opt(start_year, 9, 1).unwrap_or(day);
    let end = NaiveDate::from_ymd_opt(start_year + 1, 8, 31).unwrap_or(day);
    (start, end)
}

/// The établissement record.
pub fn school(me: &Me, structure: &str, year: (NaiveDate, NaiveDate)) -> Data {
    let name = me
        .structures
        .iter()
        .find(|(id, _)| id == structure)
        .map(|(_, n)| n.clone())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| structure.to_string());
    let uai = if me.uai.len() == 1 {
        me.uai[0].clone()
    } else {
        String::new()
    };
    data_of(School {
        uai,
        name,
        time_zone: "Europe/Paris".into(),
        year_start: year.0,
        year_end: year.1,
        workload: None,
    })
}

/// The user record of the person logged in.
pub fn user(me: &Me) -> Data {
    data_of(User {
        login: me.user.login.clone(),
        display_name: me.user.display_name.clone(),
        roles: me.user.roles.clone(),
        audience_ids: me.audiences.clone(),
        subject_ids: Vec::new(),
    })
}

/// Subject colours: the ENT has none, so a fixed palette by rank keeps them stable.
const PALETTE: [&str; 12] = [
    "#2e86de", "#10ac84", "#ee5253", "#ff9f43", "#8854d0", "#0abde3", "#c0392b", "#16a085",
    "#b33771", "#3d6cb9", "#6ab04c", "#e17055",
];

/// A subject from `/diary/timetableSubjects/:sid` (`{id, externalId, name, rank}`).
pub fn subject(row: &Value) -> Result<(String, Data)> {
    let id = id_of(row, "id")?;
    let label = text(row, "name")?.to_string();
    let code = short_code(
        opt_text(row, "externalId")
            .map(|c| c.rsplit('$').next().unwrap_or(c))
            .unwrap_or(&label),
    );
    let colour = colour_of(&id);
    Ok((
        id,
        data_of(Subject {
            code,
            label,
            color: colour,
        }),
    ))
}

/// A class or group from `/viescolaire/classes` (`type_groupe` 0 is a class).
pub fn audience(row: &Value) -> Result<(String, Data)> {
    let id = id_of(row, "id")?;
    let kind = match row.get("type_groupe").and_then(Value::as_i64) {
        Some(0) | None => AudienceKind::Class,
        Some(_) => AudienceKind::Group,
    };
    Ok((
        id,
        data_of(Audience {
            kind,
            name: text(row, "name")?.to_string(),
            label: None,
            member_class_ids: Vec::new(),
        }),
    ))
}

/// The record id of a room, from its label (the ENT has no room ids).
pub fn room_id(label: &str) -> String {
    format!("room-{}", &blake3::hash(label.as_bytes()).to_hex()[..16])
}

/// A room record.
pub fn room(label: &str) -> Data {
    data_of(Room {
        code: short_code(label),
        label: label.to_string(),
    })
}

/// Longest code (subject, room) Ardoise keeps, in bytes.
const MAX_CODE_BYTES: usize = 32;

/// A code cut to what Ardoise keeps, on a character boundary (a room's code is its label,
/// « Laboratoire de sciences physiques » is longer).
fn short_code(s: &str) -> String {
    let mut end = s.len().min(MAX_CODE_BYTES);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// One dated lesson of a course item, for one of its audiences.
#[derive(Debug, Clone, PartialEq)]
pub struct Lesson {
    /// Record id: the course's `_id`, then `.YYYYMMDD` when the item was expanded from a
    /// weekly document, then `.N` for its Nth audience after the first.
    pub id: String,
    /// The ENT's course id (`_id`).
    pub course: String,
    /// The occurrence record.
    pub data: Data,
    /// The date.
    pub date: NaiveDate,
    /// The room label, if any.
    pub room: Option<String>,
}

/// Finds an audience of a course among the known ones: by external id, then by name.
pub struct Audiences<'a> {
    /// (id, name, external id) of every known audience.
    pub known: &'a [(String, String, String)],
}

impl Audiences<'_> {
    fn find(&self, name: Option<&str>, external: Option<&str>) -> Option<String> {
        external
            .and_then(|e| self.known.iter().find(|(_, _, x)| x == e))
            .or_else(|| name.and_then(|n| self.known.iter().find(|(_, m, _)| m == n)))
            .map(|(id, _, _)| id.clone())
    }
}

/// The lessons of one course item of `/viescolaire/common/courses/…`. Items of current
/// deployments are one dated lesson; older deployments send a weekly document (a
/// `dayOfWeek` and a date range), expanded here to one lesson a week within `window`.
/// Soft-deleted (`deleted`) and theoretical items give none.
pub fn lessons(
    item: &Value,
    me: &str,
    audiences: &Audiences<'_>,
    window: (NaiveDate, NaiveDate),
) -> Result<Vec<Lesson>> {
    if item.get("deleted").is_some_and(|d| !d.is_null())
        || item.get("theoretical").and_then(Value::as_bool) == Some(true)
    {
        return Ok(Vec::new());
    }
    let course = id_of(item, "_id")?;
    let (first_day, start) = date_time(text(item, "startDate")?)?;
    let (last_day, end) = date_time(text(item, "endDate")?)?;
    let subject = id_of(item, "subjectId")?;
    let teachers: Vec<&str> = item
        .get("teacherIds")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let teacher = if teachers.contains(&me) || teachers.is_empty() {
        me.to_string()
    } else {
        teachers[0].to_string()
    };
    // Co-teaching: the course's other teachers (ids the replica can hold).
    let co_teachers: Vec<String> = teachers
        .iter()
        .filter(|t| **t != teacher && ardoise_protocol::check_id(t).is_ok())
        .take(8)
        .map(|t| t.to_string())
        .collect();
    let names = |key: &str| -> Vec<Option<String>> {
        item.get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    let mut audience_ids = Vec::new();
    for (names, externals) in [
        (names("classes"), names("classesExternalIds")),
        (names("groups"), names("groupsExternalIds")),
    ] {
        for (i, name) in names.iter().enumerate() {
            let external = externals.get(i).cloned().flatten();
            if let Some(id) = audiences.find(name.as_deref(), external.as_deref()) {
                if !audience_ids.contains(&id) {
                    audience_ids.push(id);
                }
            }
        }
    }
    if audience_ids.is_empty() {
        return Ok(Vec::new()); // a course for nobody this user can see
    }
    let room = item
        .get("roomLabels")
        .and_then(Value::as_array)
        .and_then(|r| r.iter().filter_map(Value::as_str).find(|r| !r.is_empty()))
        .map(|r| r.chars().take(MAX_ROOM).collect::<String>());
    let weekly = first_day != last_day;
    let days: Vec<NaiveDate> = if weekly {
        let weekday = item
            .get("dayOfWeek")
            .and_then(Value::as_u64)
            .filter(|d| (1..=7).contains(d))
            .map(|d| d as u32)
            .unwrap_or(first_day.weekday().number_from_monday());
        let mut day = first_day.max(window.0);
        while day.weekday().number_from_monday() != weekday {
            day += Duration::days(1);
        }
        let mut days = Vec::new();
        while day <= last_day.min(window.1) {
            days.push(day);
            day += Duration::days(7);
        }
        days
    } else {
        vec![first_day]
    };
    let mut out = Vec::new();
    for day in days {
        for (n, audience) in audience_ids.iter().enumerate() {
            let mut id = course.clone();
            if weekly {
                id.push_str(&day.format(".%Y%m%d").to_string());
            }
            if n > 0 {
                id.push_str(&format!(".{n}"));
            }
            out.push(Lesson {
                id,
                course: course.clone(),
                date: day,
                room: room.clone(),
                data: data_of(CourseOccurrence {
                    course_id: course.clone(),
                    date: day,
                    start: start.clone(),
                    end: end.clone(),
                    subject_id: subject.clone(),
                    teacher_id: teacher.clone(),
                    co_teacher_ids: co_teachers.clone(),
                    audience_id: audience.clone(),
                    room_id: room.as_deref().map(room_id),
                    status: OccurrenceStatus::Planned,
                    substitute_id: None,
                    note: None,
                }),
            });
        }
    }
    Ok(out)
}

/// A lesson no longer in the ENT's timetable: shown as removed, not forgotten.
pub fn removed(mut occurrence: Data) -> Data {
    occurrence.insert("status".into(), json!("cancelled"));
    occurrence.insert("note".into(), json!("Retiré de l'emploi du temps de l'ENT"));
    occurrence
}

/// A séance row (`/diary/sessions/own/…`, `/diary/session/:id`), as Ardoise's séance.
/// `occurrence` says which lesson record the row's `course_id`, date and audience stand
/// for.
pub fn session(
    row: &Value,
    me: &str,
    occurrence: &dyn Fn(&str, NaiveDate, &str) -> Option<String>,
) -> Result<(String, Data)> {
    let id = diary_id(row)?;
    let audience = id_of(row, "audience_id")?;
    let day = date(text(row, "date")?)?;
    let course = opt_text(row, "course_id").filter(|c| !c.is_empty());
    let published = row
        .get("is_published")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let teacher = id_of(row, "teacher_id")?;
    // The teacher's private note is hers: never kept for anyone else, whatever the ENT sends.
    let annotation = opt_text(row, "annotation")
        .filter(|a| !a.is_empty() && me == teacher)
        .map(str::to_string);
    let data = data_of(Session {
        occurrence_id: course.and_then(|c| occurrence(c, day, &audience)),
        audience_id: audience.clone(),
        subject_id: id_of(row, "subject_id")?,
        teacher_id: teacher,
        date: day,
        start: time(text(row, "start_time")?)?,
        end: time(text(row, "end_time")?)?,
        title: opt_text(row, "title").unwrap_or_default().to_string(),
        content: opt_text(row, "description").unwrap_or_default().to_string(),
        annotation,
        state: if published {
            PublishState::Published
        } else {
            PublishState::Draft
        },
        publish_at: None,
        attachments: Vec::new(),
    });
    Ok((id, data))
}

/// Homework kinds from the labels of the structure's homework types (defaults:
/// « Exercice(s) », « Devoir maison », « Autre »); a label nobody recognises is `other`.
pub fn kind_of_label(label: &str) -> HomeworkKind {
    let l = label.to_lowercase();
    if l.contains("exerc") || l.contains("devoir maison") {
        HomeworkKind::Exercise
    } else if l.contains("lectur") || l.contains("lire") {
        HomeworkKind::Reading
    } else if [
        "évaluation",
        "evaluation",
        "contrôle",
        "controle",
        "interro",
        "surveillé",
    ]
    .iter()
    .any(|w| l.contains(w))
    {
        HomeworkKind::Test
    } else if l.contains("exposé") || l.contains("présentation") || l.contains("oral") {
        HomeworkKind::Presentation
    } else {
        HomeworkKind::Other
    }
}

/// The ENT homework type to write for a kind: the first whose label reads as that kind,
/// else the first that reads as `other`, else the first.
pub fn type_for_kind(types: &[(i64, String)], kind: HomeworkKind) -> Option<i64> {
    types
        .iter()
        .find(|(_, l)| kind_of_label(l) == kind)
        .or_else(|| {
            types
                .iter()
                .find(|(_, l)| kind_of_label(l) == HomeworkKind::Other)
        })
        .or_else(|| types.first())
        .map(|(id, _)| *id)
}

/// A homework row (`/diary/homeworks/own/…`), as Ardoise's homework. `session` gives the
/// record id of the row's `session_id`. The ENT keeps no « donné le »: it is the day the
/// homework was created, never after its due date.
pub fn homework(
    row: &Value,
    types: &[(i64, String)],
    session: impl Fn(&str) -> Option<String>,
) -> Result<(String, Data)> {
    let id = diary_id(row)?;
    let due = date(text(row, "due_date")?)?;
    let given = opt_text(row, "created")
        .and_then(|c| date(c).ok())
        .unwrap_or(due)
        .min(due);
    let label = row
        .get("type")
        .and_then(|t| t.get("label"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            let t = row.get("type_id").and_then(Value::as_i64)?;
            types
                .iter()
                .find(|(id, _)| *id == t)
                .map(|(_, l)| l.clone())
        })
        .unwrap_or_default();
    let minutes = row
        .get("estimatedtime")
        .or_else(|| row.get("estimatedTime"))
        .and_then(Value::as_u64)
        .filter(|m| *m > 0)
        .and_then(|m| u32::try_from(m).ok());
    let published = row
        .get("is_published")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let session_id = match row.get("session_id") {
        Some(Value::Number(n)) => session(&n.to_string()),
        _ => None,
    };
    let data = data_of(Homework {
        session_id,
        audience_id: id_of(row, "audience_id")?,
        subject_id: id_of(row, "subject_id")?,
        teacher_id: id_of(row, "teacher_id")?,
        given_on: given,
        due_on: due,
        description: opt_text(row, "description").unwrap_or_default().to_string(),
        kind: kind_of_label(&label),
        estimated_minutes: minutes,
        state: if published {
            PublishState::Published
        } else {
            PublishState::Draft
        },
        attachments: Vec::new(),
    });
    Ok((id, data))
}

/// What a séance write needs besides the séance: the ENT's ids and the columns it keeps
/// that Ardoise does not show.
pub struct SessionExtras<'a> {
    /// Structure of the séance.
    pub structure: &'a str,
    /// The ENT course id of the séance's lesson.
    pub course: Option<String>,
    /// Séance type to write (`type_id` is NOT NULL in practice).
    pub type_id: Option<i64>,
    /// The colour to write when the row has none.
    pub color: String,
    /// The room of the séance's lesson.
    pub room: Option<String>,
    /// The row as the ENT has it (for an update): its other columns are kept.
    pub current: Option<&'a Value>,
}

/// The body of `POST /diary/session` or `PUT /diary/session/:id`: the whole row (a PUT
/// overwrites every column). Refuses what the ENT's columns cannot hold.
pub fn session_body(s: &Session, x: &SessionExtras<'_>) -> Result<Value> {
    if s.title.chars().count() > MAX_TITLE {
        return Err(too_long("Le titre de la séance", MAX_TITLE));
    }
    let keep = |name: &str| x.current.and_then(|c| c.get(name)).cloned();
    let color = keep("color")
        .and_then(|c| c.as_str().filter(|c| is_colour(c)).map(str::to_string))
        .unwrap_or_else(|| x.color.clone());
    let type_id = keep("type_id")
        .filter(|t| !t.is_null())
        .or_else(|| x.type_id.map(Value::from))
        .unwrap_or(Value::Null);
    let room = keep("room")
        .and_then(|r| r.as_str().map(str::to_string))
        .or_else(|| x.room.clone())
        .unwrap_or_default();
    Ok(json!({
        "title": s.title,
        "subject_id": s.subject_id,
        "structure_id": x.structure,
        "audience_id": s.audience_id,
        "date": s.date.format("%Y-%m-%d").to_string(),
        "start_time": format!("{}:00", s.start),
        "end_time": format!("{}:00", s.end),
        "description": s.content,
        "annotation": s.annotation.clone().unwrap_or_default(),
        "color": color,
        "room": room,
        "course_id": x.course,
        "is_published": s.state == PublishState::Published,
        "type_id": type_id,
        "is_empty": false,
        "exceptional_label": keep("exceptional_label").unwrap_or(Value::Null),
    }))
}

/// What a homework write needs besides the homework.
pub struct HomeworkExtras<'a> {
    /// Structure of the homework.
    pub structure: &'a str,
    /// The ENT id of its séance.
    pub session: Option<i64>,
    /// Homework type (NOT NULL on the ENT).
    pub type_id: Option<i64>,
    /// The colour to write when the row has none.
    pub color: String,
    /// The row as the ENT has it (for an update).
    pub current: Option<&'a Value>,
}

/// The body of `POST /diary/homework` or `PUT /diary/homework/:id/:changed`: every column,
/// with `estimatedTime` and `is_published` always sent (the ENT fails without them).
pub fn homework_body(h: &Homework, x: &HomeworkExtras<'_>) -> Result<Value> {
    let Some(type_id) = x.type_id else {
        return Err(SyncError::refused(
            ardoise_protocol::ErrorCode::ProtocolInvalidData,
            "L'ENT n'a aucun type de travail à faire pour cet établissement.",
        ));
    };
    let keep = |name: &str| x.current.and_then(|c| c.get(name)).cloned();
    let color = keep("color")
        .and_then(|c| c.as_str().filter(|c| is_colour(c)).map(str::to_string))
        .unwrap_or_else(|| x.color.clone());
    Ok(json!({
        "subject_id": h.subject_id,
        "structure_id": x.structure,
        "audience_id": h.audience_id,
        "description": h.description,
        "color": color,
        "due_date": h.due_on.format("%Y-%m-%d").to_string(),
        "session_id": x.session,
        "is_published": h.state == PublishState::Published,
        "type_id": type_id,
        "estimatedTime": h.estimated_minutes.unwrap_or(0),
        "exceptional_label": keep("exceptional_label").unwrap_or(Value::Null),
        "detachFromSession": x.session.is_none(),
    }))
}

/// How well an ENT row matches a creation about to be sent (its `body`), by natural key;
/// `None` when it is another item. A séance: same day, start, audience, subject and
/// lesson, and rank 0 with the same title and text, 1 with only one of them (the other
/// was changed in the browser since the lost answer); a séance with no lesson needs both.
/// Another device's séance on the same lesson has neither, and is not adopted. A
/// homework: same due date, audience, subject, séance and text.
pub fn natural_match(kind: ardoise_protocol::EntityKind, row: &Value, body: &Value) -> Option<u8> {
    let same = |name: &str| row.get(name).unwrap_or(&Value::Null) == &body[name];
    let day = |v: &Value| v.as_str().and_then(|d| date(d).ok());
    if kind == ardoise_protocol::EntityKind::Session {
        let start = |v: &Value| v.as_str().and_then(|t| time(t).ok());
        let lesson = day(&row["date"]) == day(&body["date"])
            && start(&row["start_time"]) == start(&body["start_time"])
            && ["subject_id", "audience_id", "course_id"]
                .iter()
                .all(|k| same(k));
        match (
            lesson,
            same("title"),
            same("description"),
            body["course_id"].is_null(),
        ) {
            (true, true, true, _) => Some(0),
            (true, true, false, false) | (true, false, true, false) => Some(1),
            _ => None,
        }
    } else {
        let matches = day(&row["due_date"]) == day(&body["due_date"])
            && ["subject_id", "audience_id", "session_id", "description"]
                .iter()
                .all(|k| same(k));
        matches.then_some(0)
    }
}

fn too_long(what: &str, max: usize) -> SyncError {
    SyncError::refused(
        ardoise_protocol::ErrorCode::ProtocolInvalidData,
        format!("{what} dépasse ce que l'ENT accepte ({max} caractères au plus)."),
    )
}

/// `#RRGGBB`, the only colour the ENT stores (varchar(7)).
pub fn is_colour(c: &str) -> bool {
    c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// The colour of a subject (the palette above), for rows that have none.
pub fn colour_of(subject: &str) -> String {
    PALETTE[blake3::hash(subject.as_bytes()).as_bytes()[0] as usize % PALETTE.len()].into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times_in_every_form_the_ent_writes() {
        let d = NaiveDate::from_ymd_opt(2024, 9, 16).unwrap();
        assert_eq!(date("2024-09-16 00:00:00.000000+0200").unwrap(), d);
        assert_eq!(date("2024-09-16").unwrap(), d);
        assert_eq!(date("2024-09-16T17:05:40.017").unwrap(), d);
        assert!(date("16/09/2024").is_err());
        assert!(date("2024-9-1").is_err());
        assert_eq!(time("08:00:00").unwrap(), "08:00");
        assert!(time("8h").is_err());
        assert_eq!(
            date_time("2024-09-16 08:30:00").unwrap(),
            (d, "08:30".to_string())
        );
    }

    #[test]
    fn homework_reads_the_folded_key_and_the_nested_date() {
        let row = json!({"id": 9001, "due_date": "2024-09-20", "created": "2024-09-12T17:05:40.017123",
            "estimatedtime": 30, "type": {"id": 2, "label": "Devoir maison"}, "session_id": 4211,
            "audience_id": "a1", "subject_id": "s1", "teacher_id": "t1", "description": "<p>x</p>",
            "is_published": true});
        let (id, data) = homework(&row, &[], |s| Some(format!("se-{s}"))).unwrap();
        assert_eq!(id, "9001");
        assert_eq!(data["dueOn"], "2024-09-20");
        assert_eq!(data["givenOn"], "2024-09-12");
        assert_eq!(data["estimatedMinutes"], 30);
        assert_eq!(data["sessionId"], "se-4211");
        assert_eq!(data["kind"], "exercise");
        assert_eq!(data["state"], "published");
    }

    #[test]
    fn a_weekly_course_is_expanded_and_a_dated_one_is_one_lesson() {
        let known = vec![(
            "c1".to_string(),
            "2NDE 3".to_string(),
            "0750000A$2NDE 3".to_string(),
        )];
        let audiences = Audiences { known: &known };
        let year = (
            NaiveDate::from_ymd_opt(2024, 9, 1).unwrap(),
            NaiveDate::from_ymd_opt(2025, 8, 31).unwrap(),
        );
        let dated = json!({"_id": "66e1aa", "startDate": "2024-09-16 08:00:00", "endDate": "2024-09-16 09:00:00",
            "subjectId": "s1", "teacherIds": ["me"], "classes": ["2NDE 3"], "roomLabels": ["B204"]});
        let one = lessons(&dated, "me", &audiences, year).unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].id, "66e1aa");
        assert_eq!(one[0].data["start"], "08:00");
        assert_eq!(one[0].data["roomId"], room_id("B204"));
        let lab = json!({"_id": "66e1cc", "startDate": "2024-09-16 08:00:00", "endDate": "2024-09-16 09:00:00",
            "subjectId": "s1", "teacherIds": ["me"], "classes": ["2NDE 3"], "roomLabels": ["Laboratoire de sciences physiques et chimiques"]});
        let lesson = &lessons(&lab, "me", &audiences, year).unwrap()[0];
        let room = room(lesson.room.as_deref().unwrap());
        assert!(room["code"].as_str().unwrap().len() <= 32);
        let subject =
            subject(&json!({"id": "s1", "name": "SCIENCES ÉCONOMIQUES ET SOCIALES ET AUTRES"}))
                .unwrap()
                .1;
        assert!(subject["code"].as_str().unwrap().len() <= 32);
        let weekly = json!({"_id": "66e1bb", "dayOfWeek": 1, "startDate": "2024-09-02 10:00:00",
            "endDate": "2024-09-30 11:00:00", "subjectId": "s1", "teacherIds": ["me"],
            "classesExternalIds": ["0750000A$2NDE 3"], "classes": ["?"]});
        let many = lessons(&weekly, "me", &audiences, year).unwrap();
        let days: Vec<_> = many.iter().map(|l| l.date.to_string()).collect();
        assert_eq!(
            days,
            [
                "2024-09-02",
                "2024-09-09",
                "2024-09-16",
                "2024-09-23",
                "2024-09-30"
            ]
        );
        assert_eq!(many[1].id, "66e1bb.20240909");
        let deleted = json!({"_id": "x", "deleted": 1726000000000_i64, "startDate": "2024-09-16 08:00:00",
            "endDate": "2024-09-16 09:00:00", "subjectId": "s1", "classes": ["2NDE 3"]});
        assert!(lessons(&deleted, "me", &audiences, year)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn bodies_refuse_what_the_ent_cannot_hold() {
        let s = Session {
            occurrence_id: None,
            audience_id: "a".into(),
            subject_id: "s".into(),
            teacher_id: "t".into(),
            date: NaiveDate::from_ymd_opt(2024, 9, 16).unwrap(),
            start: "08:00".into(),
            end: "09:00".into(),
            title: "x".repeat(51),
            content: String::new(),
            annotation: None,
            state: PublishState::Draft,
            publish_at: None,
            attachments: vec![],
        };
        let x = SessionExtras {
            structure: "st",
            course: None,
            type_id: Some(1),
            color: "#000000".into(),
            room: None,
            current: None,
        };
        assert!(matches!(
            session_body(&s, &x),
            Err(SyncError::Refused { .. })
        ));
        let s = Session {
            title: "Séance".into(),
            ..s
        };
        let body = session_body(&s, &x).unwrap();
        assert_eq!(body["start_time"], "08:00:00");
        assert_eq!(body["is_empty"], false);
        assert_eq!(body["is_published"], false);
    }

    #[test]
    fn kinds_from_labels_and_back() {
        let types = vec![(1, "Exercice(s)".to_string()), (2, "Autre".to_string())];
        assert_eq!(type_for_kind(&types, HomeworkKind::Exercise), Some(1));
        assert_eq!(type_for_kind(&types, HomeworkKind::Reading), Some(2));
        assert_eq!(kind_of_label("Évaluation"), HomeworkKind::Test);
    }
}
