//! Loading a school's real timetable into the store: `ardoise-server import sts`.
//!
//! The pair read by [`crate::sts`] becomes records, in **one transaction**: classes and
//! groups (named by their STS code, their long label beside it), subjects, rooms, teachers,
//! courses (one per weekly slot, co-taught copies merged into one course with several
//! teachers) and their dated lessons, from the import day on.
//!
//! Ids are derived from stable keys, so that importing the same pair again changes
//! nothing, and a re-import mid-year is a diff:
//! - a course's key is its audience, subject, week pattern, day, start and duration (its
//!   teachers and room may change without making it another course);
//! - a lesson's key is its course and date.
//!
//! Lessons still to come that the new pair no longer has are removed; the past is never
//! touched. A séance attached to a removed lesson is kept, detached, and listed in the
//! report. A lesson's status set by the vie scolaire (cancelled, replaced, its note) is
//! kept when the lesson survives. Clients see all of it through the ordinary change feed.
//!
//! No lesson is generated on a public holiday nor inside a holiday period of the store.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use ardoise_protocol::calendar::{self, Region};
use ardoise_protocol::entities::validate;
use ardoise_protocol::{Data, EntityKind};
use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;
use serde_json::{json, Value};

use crate::store::{JsonRecord, Store, StoreError, StoredRecord, WriteTx};
use crate::sts::{self, AudienceKind, StsError, Timetable};

/// Why an import was refused. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file is broken, or the pair does not go together.
    #[error("{0}")]
    File(#[from] StsError),
    /// The pair does not fit this server.
    #[error("{0}")]
    Refused(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How an import runs.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Reads, plans and reports, but writes nothing.
    pub dry_run: bool,
    /// The import's day: lessons before it are the past, never created nor removed.
    pub today: NaiveDate,
    /// Which public holidays apply.
    pub region: Region,
}

/// What happened to the records of one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// New records.
    pub created: u64,
    /// Records whose data changed.
    pub changed: u64,
    /// Records removed (lessons still to come that the timetable no longer has).
    pub removed: u64,
    /// Records already as the timetable says.
    pub unchanged: u64,
}

/// A séance whose lesson disappeared: kept, detached from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DetachedSession {
    /// The séance.
    pub id: String,
    /// Its date.
    pub date: NaiveDate,
    /// Its class or group, by name.
    pub audience: String,
    /// Its teacher, by name.
    pub teacher: String,
}

/// What an import did (or, dry, would do).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The school's UAI.
    pub uai: String,
    /// Whether nothing was written.
    pub dry_run: bool,
    /// Per kind: `classes`, `groups`, `subjects`, `rooms`, `teachers`, `courses`, `lessons`.
    pub counts: BTreeMap<&'static str, Counts>,
    /// Séances detached from a lesson that disappeared.
    pub detached_sessions: Vec<DetachedSession>,
    /// What was kept although incomplete, or left out, and why.
    pub warnings: Vec<String>,
}

impl Report {
    /// The report as a person reads it, in French.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{} de l'emploi du temps STS-Web de l'établissement {}\n",
            if self.dry_run {
                "Essai (rien n'est écrit)"
            } else {
                "Import"
            },
            self.uai
        );
        for (kind, c) in &self.counts {
            out.push_str(&format!(
                "  {kind:<9} {:>6} créés  {:>6} modifiés  {:>6} supprimés  {:>6} inchangés\n",
                c.created, c.changed, c.removed, c.unchanged
            ));
        }
        if !self.detached_sessions.is_empty() {
            out.push_str(&format!(
                "Séances gardées mais détachées de leur cours disparu : {}\n",
                self.detached_sessions.len()
            ));
            for s in &self.detached_sessions {
                out.push_str(&format!(
                    "  {} du {} ({}, {})\n",
                    s.id,
                    s.date.format("%d/%m/%Y"),
                    s.audience,
                    s.teacher
                ));
            }
        }
        if !self.warnings.is_empty() {
            out.push_str(&format!("Avertissements : {}\n", self.warnings.len()));
            for w in &self.warnings {
                out.push_str(&format!("  - {w}\n"));
            }
        }
        out
    }
}

/// The id of the school record.
const SCHOOL_ID: &str = "school";
/// Id prefixes of what an STS import owns: a re-import removes only its own lessons.
const COURSE_PREFIX: &str = "crs-sts-";
const LESSON_PREFIX: &str = "occ-sts-";

/// Most co-teachers of one lesson (the protocol's bound).
const MAX_CO_TEACHERS: usize = 8;

/// Subject colours, given in turn by the subject's code.
const COLOURS: [&str; 12] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
    "#ff7f0e", "#7f7f7f", "#393b79", "#637939",
];

/// Imports the pair `a`, `b` (in either order) into `store`.
pub fn import_sts(
    store: &dyn Store,
    a: &Path,
    b: &Path,
    options: &Options,
) -> Result<Report, ImportError> {
    let timetable = sts::read_pair(a, b)?;
    let mut tx = store.write()?;
    let report = apply(&mut *tx, &timetable, options)?;
    if !options.dry_run {
        tx.commit()?;
    }
    Ok(report)
}

/// A short, stable, id-safe form of an STS code: its letters and digits, then a hash of
/// the whole code (two codes that differ only by punctuation stay apart).
pub(crate) fn code_id(prefix: &str, code: &str) -> String {
    let slug: String = code
        .chars()
        .filter_map(|c| {
            let c = c.to_ascii_lowercase();
            c.is_ascii_alphanumeric().then_some(c)
        })
        .take(20)
        .collect();
    let hash = blake3::hash(code.as_bytes()).to_hex();
    format!("{prefix}{slug}-{}", &hash[..8])
}

fn hhmm(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// A record the timetable asks for.
struct Planned {
    /// The report's name of its kind.
    label: &'static str,
    kind: EntityKind,
    id: String,
    data: Data,
}

/// The records the timetable asks for, before they meet the store.
#[derive(Default)]
struct Plan {
    records: Vec<Planned>,
    warnings: Vec<String>,
}

impl Plan {
    fn put(&mut self, label: &'static str, kind: EntityKind, id: String, data: Value) {
        let Value::Object(data) = data else {
            unreachable!("records are objects")
        };
        self.records.push(Planned {
            label,
            kind,
            id,
            data,
        });
    }
}

/// Validates a record made by the import; a failure is the pair's fault (a value out of
/// bounds), reported as such.
fn checked(kind: EntityKind, id: &str, data: Value, file: &str) -> Result<Data, ImportError> {
    let Value::Object(data) = data else {
        unreachable!("records are objects")
    };
    validate(kind, &data).map_err(|e| {
        ImportError::Refused(format!("{file} : {id} ne peut pas être enregistré : {e}"))
    })
}

/// A weekly slot after co-taught copies are merged.
struct Lesson<'a> {
    slot: &'a sts::Slot,
    teachers: BTreeSet<String>,
    room: Option<&'a str>,
}

fn apply(tx: &mut dyn WriteTx, tt: &Timetable, options: &Options) -> Result<Report, ImportError> {
    let mut plan = Plan::default();
    let file = tt.files.1.display().to_string();

    // The school: one per server, and it must be this one.
    let school = tx
        .get_record(EntityKind::School, SCHOOL_ID)?
        .filter(|r| !r.deleted);
    if let Some(existing) = &school {
        let uai = existing
            .data
            .get("uai")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !uai.is_empty() && uai != tt.uai {
            return Err(ImportError::Refused(format!(
                "ce serveur est celui de l'établissement {uai} ; les fichiers sont ceux de {} : \
                 rien n'est importé",
                tt.uai
            )));
        }
    }
    // The school year: the reference file's, else the span of the week lists, else the
    // one the server holds.
    let stored_year = school.as_ref().and_then(|s| {
        let date = |f: &str| s.data.get(f)?.as_str()?.parse::<NaiveDate>().ok();
        Some((date("yearStart")?, date("yearEnd")?))
    });
    let (year_start, year_end) = tt
        .year
        .or_else(|| {
            let weeks = tt.alternations.values().flatten();
            let first = sts::monday_of(*weeks.clone().min()?);
            let last = sts::monday_of(*weeks.max()?) + Duration::days(6);
            ((last - first).num_days() <= 400).then_some((first, last))
        })
        .or(stored_year)
        .ok_or_else(|| {
            ImportError::Refused(format!(
                "{} : l'année scolaire (DATE_DEBUT, DATE_FIN) manque, et les semaines des \
                 alternances ne la donnent pas : rien n'est importé",
                tt.files.0.display()
            ))
        })?;
    // The school: created, or its year brought to the pair's (its name stays as set).
    let mut school_data = match &school {
        Some(s) => Value::Object(s.data.clone()),
        None => json!({"uai": tt.uai,
            "name": if tt.school_name.is_empty() { &tt.uai } else { &tt.school_name },
            "timeZone": "Europe/Paris"}),
    };
    school_data["yearStart"] = json!(year_start);
    school_data["yearEnd"] = json!(year_end);
    plan.put("school", EntityKind::School, SCHOOL_ID.into(), school_data);

    // Holidays already in the store, and the public ones.
    if tx.setting(crate::school_calendar::ZONE_SETTING)?.is_none() {
        plan.warnings.push(
            "zone de vacances non définie (`config set zone`) : seuls les jours fériés et \
             les vacances déjà chargées sont sans cours"
                .into(),
        );
    }
    let mut closed: BTreeSet<NaiveDate> = BTreeSet::new();
    for h in tx.live_of_kind(EntityKind::Holiday)? {
        let date = |f: &str| {
            h.data
                .get(f)
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<NaiveDate>().ok())
        };
        if let (Some(mut d), Some(end)) = (date("start"), date("end")) {
            while d <= end {
                closed.insert(d);
                d += Duration::days(1);
            }
        }
    }
    for year in year_start.year()..=year_end.year() {
        closed.extend(
            calendar::public_holidays(year, options.region)
                .into_iter()
                .map(|(d, _)| d),
        );
    }
    let week_types: HashMap<NaiveDate, String> = tx
        .live_of_kind(EntityKind::Week)?
        .into_iter()
        .filter_map(|w| {
            let monday = w.id.parse::<NaiveDate>().ok()?;
            Some((monday, w.data.get("weekType")?.as_str()?.to_string()))
        })
        .collect();

    // Audiences: every class and group of the files, and the classes groups draw from.
    let mut classes: BTreeMap<&str, Option<&str>> = tt
        .classes
        .iter()
        .map(|(code, d)| (code.as_str(), d.label.as_deref()))
        .collect();
    for (code, g) in &tt.groups {
        for c in &g.classes {
            if !classes.contains_key(c.as_str()) {
                plan.warnings.push(format!(
                    "la classe {c} n'est déclarée nulle part ; elle est créée parce que le groupe \
                     {code} en est issu"
                ));
                classes.insert(c.as_str(), None);
            }
        }
    }
    let mut groups: BTreeMap<&str, &sts::Division> =
        tt.groups.iter().map(|(c, g)| (c.as_str(), g)).collect();
    let empty_group = sts::Division::default();
    for slot in &tt.slots {
        let (kind, code) = &slot.audience;
        match kind {
            AudienceKind::Class => {
                classes.entry(code.as_str()).or_insert(None);
            }
            AudienceKind::Group => {
                groups.entry(code.as_str()).or_insert(&empty_group);
            }
        }
    }
    let audience_id = |kind: AudienceKind, code: &str| match kind {
        AudienceKind::Class => code_id("cls-", code),
        AudienceKind::Group => code_id("grp-", code),
    };
    for (code, label) in &classes {
        plan.put(
            "classes",
            EntityKind::Audience,
            audience_id(AudienceKind::Class, code),
            json!({"kind": "class", "name": code, "label": label, "memberClassIds": []}),
        );
    }
    for (code, g) in &groups {
        let members: Vec<String> = g
            .classes
            .iter()
            .map(|c| audience_id(AudienceKind::Class, c))
            .collect();
        plan.put(
            "groups",
            EntityKind::Audience,
            audience_id(AudienceKind::Group, code),
            json!({"kind": "group", "name": code, "label": g.label, "memberClassIds": members}),
        );
    }

    // Merge co-taught copies: one lesson per audience, subject, pattern, day, start and
    // duration, with every teacher.
    type Key<'a> = (&'a (AudienceKind, String), &'a str, &'a str, u8, u32, u32);
    let mut lessons: BTreeMap<Key, Lesson> = BTreeMap::new();
    for slot in &tt.slots {
        let at = format!("{file}, ligne {}", slot.line);
        if slot.day == 7 {
            plan.warnings
                .push(format!("{at} : cours le dimanche, laissé de côté"));
            continue;
        }
        let Some(teacher) = &slot.teacher else {
            plan.warnings
                .push(format!("{at} : cours sans enseignant, laissé de côté"));
            continue;
        };
        let key = (
            &slot.audience,
            slot.subject.as_str(),
            slot.alternation.as_str(),
            slot.day,
            slot.start,
            slot.minutes,
        );
        let lesson = lessons.entry(key).or_insert_with(|| Lesson {
            slot,
            teachers: BTreeSet::new(),
            room: None,
        });
        if !lesson.teachers.is_empty() && !slot.co_teaching && !lesson.slot.co_teaching {
            plan.warnings.push(format!(
                "{at} : deux enseignants sur le même créneau sans co-enseignement déclaré ; \
                 réunis en un cours"
            ));
        }
        lesson.teachers.insert(teacher.clone());
        if lesson.room.is_none() {
            lesson.room = slot.room.as_deref();
        }
    }

    // Subjects, rooms and teachers the lessons use.
    let mut subjects: BTreeSet<&str> = BTreeSet::new();
    let mut rooms: BTreeSet<&str> = BTreeSet::new();
    let mut taught: BTreeMap<&str, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    for lesson in lessons.values() {
        let slot = lesson.slot;
        subjects.insert(&slot.subject);
        if let Some(room) = lesson.room {
            rooms.insert(room);
        }
        for t in &lesson.teachers {
            let entry = taught.entry(t).or_default();
            entry
                .0
                .insert(audience_id(slot.audience.0, &slot.audience.1));
            entry.1.insert(code_id("sub-", &slot.subject));
        }
    }
    for code in &subjects {
        let subject = tt.subjects.get(*code).cloned().unwrap_or_else(|| {
            plan.warnings.push(format!(
                "la matière {code} n'est pas dans la nomenclature ; son code lui sert de nom"
            ));
            sts::Subject {
                short: code.to_string(),
                label: code.to_string(),
            }
        });
        let colour = COLOURS[blake3::hash(code.as_bytes()).as_bytes()[0] as usize % COLOURS.len()];
        plan.put(
            "subjects",
            EntityKind::Subject,
            code_id("sub-", code),
            json!({"code": subject.short, "label": subject.label, "color": colour}),
        );
    }
    for code in &rooms {
        if !tt.rooms.contains_key(*code) {
            plan.warnings.push(format!(
                "la salle {code} n'est pas déclarée ; son code lui sert de nom"
            ));
        }
        plan.put(
            "rooms",
            EntityKind::Room,
            code_id("room-", code),
            json!({"code": code, "label": code}),
        );
    }
    let users: HashMap<String, StoredRecord> = tx
        .live_of_kind(EntityKind::User)?
        .into_iter()
        .map(|u| (u.id.clone(), u))
        .collect();
    let mut logins: BTreeSet<String> = users
        .values()
        .filter_map(|u| {
            u.data
                .get("login")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect();
    let mut teacher_names: HashMap<String, String> = HashMap::new();
    for (sts_id, (audiences, subject_ids)) in &taught {
        let id = crate::accounts::sts_user_id(sts_id);
        let person = tt.people.get(*sts_id);
        let display = match person {
            Some(p) => {
                let name = format!("{} {}", p.first_name, p.last_name)
                    .trim()
                    .to_string();
                match p.civility {
                    Some(c) if !p.last_name.is_empty() => format!("{c} {name}"),
                    _ => name,
                }
            }
            None => {
                plan.warnings.push(format!(
                    "l'enseignant n° {sts_id} n'est pas dans le fichier des nomenclatures ; \
                     ses cours sont gardés sous ce numéro"
                ));
                format!("Enseignant n° {sts_id}")
            }
        };
        let existing = users.get(&id);
        let login = match existing
            .and_then(|u| u.data.get("login"))
            .and_then(Value::as_str)
        {
            Some(login) => login.to_string(),
            None => {
                let login = unique_login(person, sts_id, &logins);
                logins.insert(login.clone());
                login
            }
        };
        let mut roles: Vec<Value> = existing
            .and_then(|u| u.data.get("roles"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if !roles.iter().any(|r| r == "teacher") {
            roles.insert(0, json!("teacher"));
        }
        teacher_names.insert(id.clone(), display.clone());
        plan.put(
            "teachers",
            EntityKind::User,
            id,
            json!({"login": login, "displayName": display, "roles": roles,
                   "audienceIds": audiences, "subjectIds": subject_ids}),
        );
    }

    // Courses and their dated lessons.
    let all_weeks: Vec<NaiveDate> = {
        let mut weeks: BTreeSet<NaiveDate> = tt
            .alternations
            .values()
            .flatten()
            .map(|d| sts::monday_of(*d))
            .collect();
        if weeks.is_empty() {
            let mut monday = sts::monday_of(year_start);
            while monday <= year_end {
                weeks.insert(monday);
                monday += Duration::days(7);
            }
        }
        weeks.into_iter().collect()
    };
    let mut planned_courses: BTreeSet<String> = BTreeSet::new();
    // The import's lessons in the store, tombstones included (a lesson that comes back
    // continues its versions).
    let stored_lessons: HashMap<String, StoredRecord> = tx
        .of_kind(EntityKind::CourseOccurrence)?
        .into_iter()
        .filter(|o| o.id.starts_with(LESSON_PREFIX))
        .map(|o| (o.id.clone(), o))
        .collect();
    let live_lessons = || stored_lessons.values().filter(|o| !o.deleted);
    // Lessons are many (a lycée's year: 80,000): each is its course's template with its
    // own id and date, made into a record only when it is written.
    let mut templates: Vec<(Data, String, usize)> = Vec::new();
    let mut planned_lessons: HashMap<String, (usize, NaiveDate)> = HashMap::new();
    for (key, lesson) in &lessons {
        let slot = lesson.slot;
        let weeks: Vec<NaiveDate> = match tt.alternations.get(&slot.alternation) {
            Some(list) if list.is_empty() => {
                plan.warnings.push(format!(
                    "{file}, ligne {} : l'alternance {} ne liste aucune semaine ; ce cours n'a \
                     aucune date",
                    slot.line, slot.alternation
                ));
                Vec::new()
            }
            Some(list) => list.iter().map(|d| sts::monday_of(*d)).collect(),
            None => {
                plan.warnings.push(format!(
                    "{file}, ligne {} : alternance {} inconnue ; le cours est placé chaque semaine",
                    slot.line, slot.alternation
                ));
                all_weeks.clone()
            }
        };
        // The school year is part of the key: next September's identical slot is another
        // course, and this year's lessons keep theirs.
        let key_text = format!(
            "{year_start}|{:?}|{}|{}|{}|{}|{}|{}",
            key.0 .0, key.0 .1, key.1, key.2, key.3, key.4, key.5
        );
        let hash = blake3::hash(key_text.as_bytes()).to_hex();
        let course_id = format!("{COURSE_PREFIX}{}", &hash[..16]);
        let mut teachers = lesson
            .teachers
            .iter()
            .map(|t| crate::accounts::sts_user_id(t));
        let teacher_id = teachers.next().expect("a lesson has a teacher");
        let co_teachers: Vec<String> = teachers.take(MAX_CO_TEACHERS).collect();
        if lesson.teachers.len() > MAX_CO_TEACHERS + 1 {
            plan.warnings.push(format!(
                "{file}, ligne {} : plus de {} enseignants sur un même cours ; les premiers \
                 sont gardés",
                slot.line,
                MAX_CO_TEACHERS + 1
            ));
        }
        let aud = audience_id(slot.audience.0, &slot.audience.1);
        let subject_id = code_id("sub-", &slot.subject);
        let room_id = lesson.room.map(|r| code_id("room-", r));
        let (start, end) = (hhmm(slot.start), hhmm(slot.start + slot.minutes));
        let dates: Vec<NaiveDate> = weeks
            .iter()
            .map(|monday| *monday + Duration::days(slot.day as i64 - 1))
            .collect();
        let pattern = {
            let types: BTreeSet<Option<&String>> =
                weeks.iter().map(|m| week_types.get(m)).collect();
            match types.iter().collect::<Vec<_>>().as_slice() {
                [Some(t)] if t.as_str() == "A" => "A",
                [Some(t)] if t.as_str() == "B" => "B",
                _ => "every",
            }
        };
        let (valid_from, valid_to) = (
            dates.first().copied().unwrap_or(year_start),
            dates.last().copied().unwrap_or(year_end),
        );
        plan.put(
            "courses",
            EntityKind::Course,
            course_id.clone(),
            json!({"subjectId": subject_id, "teacherId": teacher_id, "coTeacherIds": co_teachers,
                   "audienceId": aud, "roomId": room_id, "weekday": slot.day, "start": start,
                   "end": end, "weekPattern": pattern, "validFrom": valid_from, "validTo": valid_to}),
        );
        planned_courses.insert(course_id.clone());
        // Every lesson of the course is this template with its own date (and the status
        // the vie scolaire gave it): validated once.
        let template = checked(
            EntityKind::CourseOccurrence,
            &course_id,
            json!({"courseId": course_id, "date": valid_from, "start": start, "end": end,
                   "subjectId": subject_id, "teacherId": teacher_id, "coTeacherIds": co_teachers,
                   "audienceId": aud, "roomId": room_id, "status": "planned",
                   "substituteId": null, "note": null}),
            &file,
        )?;
        // The template as JSON, cut where the date goes.
        let json = serde_json::to_string(&template).expect("a record serialises");
        let at = json.find(r#""date":""#).expect("a lesson has a date") + r#""date":""#.len();
        templates.push((template, json, at));
        for date in dates {
            if date < options.today
                || date < year_start
                || date > year_end
                || closed.contains(&date)
            {
                continue;
            }
            let id = format!("{LESSON_PREFIX}{}-{}", &hash[..16], date.format("%Y%m%d"));
            planned_lessons.insert(id, (templates.len() - 1, date));
        }
    }

    let mut report = Report {
        uai: tt.uai.clone(),
        dry_run: options.dry_run,
        ..Report::default()
    };
    for label in [
        "classes", "groups", "subjects", "rooms", "teachers", "courses", "lessons",
    ] {
        report.counts.insert(label, Counts::default());
    }

    // Write what differs, compared with what the store has (tombstones included: a
    // record that comes back continues its versions).
    let mut stored: HashMap<(EntityKind, String), StoredRecord> = HashMap::new();
    let kinds: BTreeSet<&'static str> = plan.records.iter().map(|p| p.kind.as_str()).collect();
    for kind in EntityKind::ALL
        .into_iter()
        .filter(|k| kinds.contains(k.as_str()))
    {
        stored.extend(
            tx.of_kind(kind)?
                .into_iter()
                .map(|r| ((kind, r.id.clone()), r)),
        );
    }
    let mut writes = Vec::new();
    for p in plan.records {
        let data = checked(p.kind, &p.id, Value::Object(p.data), &file)?;
        let existing = stored.remove(&(p.kind, p.id.clone()));
        let counts = report.counts.entry(p.label).or_default();
        if let Some(write) = compare(counts, p.kind, p.id, data, existing.as_ref()) {
            writes.push(write);
        }
    }
    tx.put_records(&writes)?;
    // The lessons, by batches (few of them in memory at once), in id order: the order of
    // the store's primary key, so that rows are appended rather than scattered.
    let mut lessons_in_order: Vec<(&String, &(usize, NaiveDate))> =
        planned_lessons.iter().collect();
    lessons_in_order.sort_unstable_by_key(|(id, _)| *id);
    let mut new_lessons = Vec::new();
    for batch in lessons_in_order.chunks(1024) {
        writes.clear();
        new_lessons.clear();
        for (id, (template, date)) in batch {
            let (template, json, at) = &templates[*template];
            let date = date.to_string();
            let existing = stored_lessons.get(*id);
            let Some(existing) = existing else {
                // A new lesson: the template's JSON with its date.
                report.counts.entry("lessons").or_default().created += 1;
                new_lessons.push(JsonRecord {
                    kind: EntityKind::CourseOccurrence,
                    id: id.to_string(),
                    version: 1,
                    ever_public: false,
                    json: format!("{}{date}{}", &json[..*at], &json[*at + date.len()..]),
                });
                continue;
            };
            let mut data = template.clone();
            data.insert("date".into(), Value::String(date));
            // What the vie scolaire decided about this lesson stays.
            if !existing.deleted {
                for field in ["status", "substituteId", "note"] {
                    if let Some(value) = existing.data.get(field) {
                        data.insert(field.into(), value.clone());
                    }
                }
            }
            let kind = EntityKind::CourseOccurrence;
            let counts = report.counts.entry("lessons").or_default();
            if let Some(write) = compare(counts, kind, id.to_string(), data, Some(existing)) {
                writes.push(write);
            }
        }
        tx.put_records(&writes)?;
        tx.put_json_records(&new_lessons)?;
    }

    // Lessons still to come that the timetable no longer has, and their séances.
    let removed: Vec<&StoredRecord> = live_lessons()
        .filter(|o| !planned_lessons.contains_key(&o.id))
        .filter(|o| {
            o.data
                .get("date")
                .and_then(Value::as_str)
                .and_then(|d| d.parse::<NaiveDate>().ok())
                .is_some_and(|d| d >= options.today)
        })
        .collect();
    let removed_ids: BTreeSet<&str> = removed.iter().map(|o| o.id.as_str()).collect();
    // The séances first, then their lessons: a client reading the feed between the two
    // never holds a séance pointing at a lesson it no longer has.
    if !removed_ids.is_empty() {
        let names: HashMap<String, String> = tx
            .live_of_kind(EntityKind::Audience)?
            .into_iter()
            .map(|a| {
                let name = a
                    .data
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                (a.id, name)
            })
            .collect();
        for s in tx.live_of_kind(EntityKind::Session)? {
            let Some(occurrence) = s.data.get("occurrenceId").and_then(Value::as_str) else {
                continue;
            };
            if !removed_ids.contains(occurrence) {
                continue;
            }
            let field = |f: &str| {
                s.data
                    .get(f)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            report.detached_sessions.push(DetachedSession {
                id: s.id.clone(),
                date: field("date").parse().unwrap_or(options.today),
                audience: names
                    .get(&field("audienceId"))
                    .cloned()
                    .unwrap_or_else(|| field("audienceId")),
                teacher: teacher_names
                    .get(&field("teacherId"))
                    .cloned()
                    .or_else(|| {
                        let user = users.get(&field("teacherId"))?;
                        Some(user.data.get("displayName")?.as_str()?.to_string())
                    })
                    .unwrap_or_else(|| field("teacherId")),
            });
            let mut data = s.data.clone();
            data.insert("occurrenceId".into(), Value::Null);
            tx.put_record(&StoredRecord {
                version: s.version + 1,
                data,
                ..s
            })?;
        }
    }
    for o in &removed {
        tombstone(tx, o)?;
        report.counts.entry("lessons").or_default().removed += 1;
    }
    // Courses the timetable no longer has: ended at their last lesson kept, or removed
    // when none is left.
    // The last lesson kept of each course, in one pass (a lesson's id is its course's
    // hash and its date).
    let mut last_kept: HashMap<&str, NaiveDate> = HashMap::new();
    for o in live_lessons().filter(|o| !removed_ids.contains(o.id.as_str())) {
        let date = o.data.get("date").and_then(Value::as_str);
        let (Some(hash), Some(date)) = (
            o.id[LESSON_PREFIX.len()..].rsplit_once('-').map(|(h, _)| h),
            date.and_then(|d| d.parse::<NaiveDate>().ok()),
        ) else {
            continue;
        };
        let last = last_kept.entry(hash).or_insert(date);
        *last = (*last).max(date);
    }
    for c in tx.live_of_kind(EntityKind::Course)? {
        if !c.id.starts_with(COURSE_PREFIX) || planned_courses.contains(&c.id) {
            continue;
        }
        let last_kept = last_kept.get(&c.id[COURSE_PREFIX.len()..]).copied();
        let counts = report.counts.entry("courses").or_default();
        match last_kept {
            Some(last) => {
                let mut data = c.data.clone();
                data.insert("validTo".into(), json!(last));
                if data != c.data {
                    counts.changed += 1;
                    tx.put_record(&StoredRecord {
                        version: c.version + 1,
                        data,
                        ..c
                    })?;
                }
            }
            None => {
                counts.removed += 1;
                tombstone(tx, &c)?;
            }
        }
    }
    report.warnings = plan.warnings;
    report.warnings.dedup();
    Ok(report)
}

/// Counts a planned record against the stored one; the write it needs, if any (the next
/// version, keeping whether it was ever public).
pub(crate) fn compare(
    counts: &mut Counts,
    kind: EntityKind,
    id: String,
    data: Data,
    existing: Option<&StoredRecord>,
) -> Option<StoredRecord> {
    match existing {
        Some(r) if !r.deleted && r.data == data => {
            counts.unchanged += 1;
            return None;
        }
        Some(r) if !r.deleted => counts.changed += 1,
        _ => counts.created += 1,
    }
    Some(StoredRecord {
        kind,
        id,
        version: existing.map_or(1, |r| r.version + 1),
        change_seq: 0,
        deleted: false,
        ever_public: existing.is_some_and(|r| r.ever_public),
        data,
    })
}

/// Writes the next version of `r`, deleted.
pub(crate) fn tombstone(tx: &mut dyn WriteTx, r: &StoredRecord) -> Result<(), StoreError> {
    tx.put_record(&StoredRecord {
        version: r.version + 1,
        deleted: true,
        ..r.clone()
    })?;
    Ok(())
}

/// A name as a part of a login: lower-case ASCII letters and digits, accents folded,
/// spaces, hyphens and apostrophes as one hyphen.
pub(crate) fn login_part(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            'œ' | 'Œ' => out.push_str("oe"),
            'æ' | 'Æ' => out.push_str("ae"),
            ' ' | '-' | '\'' => out.push('-'),
            c => {
                let c = fold_accent(c).to_ascii_lowercase();
                if c.is_ascii_alphanumeric() {
                    out.push(c);
                }
            }
        }
    }
    out.trim_matches('-').to_string()
}

/// A login for a teacher who has none yet: `prénom.nom`, in lower-case ASCII, numbered
/// when taken.
fn unique_login(person: Option<&sts::Person>, sts_id: &str, taken: &BTreeSet<String>) -> String {
    let ascii = login_part;
    let (first, last) = person.map_or_else(Default::default, |p| {
        (ascii(&p.first_name), ascii(&p.last_name))
    });
    let base = match (first.is_empty(), last.is_empty()) {
        (false, false) => format!("{first}.{last}"),
        (true, false) => last,
        // A name with no letter this can spell: the teacher's number.
        _ => format!("enseignant.{}", ascii(sts_id)),
    };
    let base: String = base.chars().take(56).collect();
    if !taken.contains(&base) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}{n}"))
        .find(|l| !taken.contains(l))
        .expect("some number is free")
}

/// Lower-case ASCII letters and digits only, accents folded: how what an administrator
/// types (a column's name, a role, a zone) is compared with what is expected.
pub(crate) fn folded(s: &str) -> String {
    s.chars()
        .map(|c| fold_accent(c).to_ascii_lowercase())
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// The letter without its accent, for the letters of French names.
pub(crate) fn fold_accent(c: char) -> char {
    match c {
        'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' | 'À' | 'Â' | 'Ä' | 'Á' => 'a',
        'ç' | 'Ç' => 'c',
        'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
        'î' | 'ï' | 'í' | 'ì' | 'Î' | 'Ï' => 'i',
        'ô' | 'ö' | 'ó' | 'ò' | 'õ' | 'Ô' | 'Ö' => 'o',
        'ù' | 'û' | 'ü' | 'ú' | 'Ù' | 'Û' | 'Ü' => 'u',
        'ÿ' | 'Ÿ' => 'y',
        'ñ' | 'Ñ' => 'n',
        _ => c,
    }
}
