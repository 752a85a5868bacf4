//! `import sts` on the project's synthetic pair (`fixtures/sts/`), which holds every
//! pitfall of the format: ISO-8859-15 names (`Œ`, `€`), padded values, co-teaching,
//! weeks A/B and a « weekly » pattern that lists every other week (some weeks by their
//! Thursday), a group drawn from two classes, `GROUPES` inside `DIVISIONS`, a class known
//! only through a group, a room-less lesson, an undeclared room, a subject missing from
//! the nomenclature, a start off the five-minute grid, and personal data that must not
//! be stored. Variants of it are broken, of another school, empty, or move one lesson.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ardoise_protocol::calendar::Region;
use ardoise_protocol::{Data, EntityKind};
use ardoise_server::import::{import_sts, ImportError, Options, Report};
use ardoise_server::store::{Store, StoredRecord};
use chrono::NaiveDate;
use serde_json::{json, Value};

const REFERENCE: &str = "sts_emp_0750001U_2026.xml";
const TIMETABLE: &str = "emp_0750001U_2026.xml";

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/sts")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A fresh server folder, and the pair written in it (the timetable file changed by
/// `edit`, on its ISO-8859-15 bytes).
struct School {
    dir: tempfile::TempDir,
    store: std::sync::Arc<dyn Store>,
}

impl School {
    fn new() -> School {
        let dir = tempfile::tempdir().unwrap();
        let ent = ardoise_server::open(&dir.path().join("server")).unwrap();
        School {
            dir,
            store: ent.store,
        }
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// The project's pair, the timetable file edited by `edit`.
    fn pair(&self, edit: impl Fn(String) -> String) -> (PathBuf, PathBuf) {
        let timetable = latin9(&edit(from_latin9(&fixture(TIMETABLE))));
        (
            self.write(REFERENCE, &fixture(REFERENCE)),
            self.write(TIMETABLE, &timetable),
        )
    }

    fn import(&self, pair: &(PathBuf, PathBuf), today: &str) -> Result<Report, ImportError> {
        let options = Options {
            dry_run: false,
            today: date(today),
            region: Region::National,
        };
        import_sts(&*self.store, &pair.0, &pair.1, &options)
    }

    fn head(&self) -> i64 {
        self.store.read().unwrap().head_seq().unwrap()
    }

    fn live(&self, kind: EntityKind) -> Vec<StoredRecord> {
        self.store.read().unwrap().live_of_kind(kind).unwrap()
    }

    fn by_name(&self, name: &str) -> StoredRecord {
        self.live(EntityKind::Audience)
            .into_iter()
            .find(|a| a.data["name"] == name)
            .unwrap_or_else(|| panic!("no audience {name}"))
    }

    fn user(&self, display: &str) -> StoredRecord {
        self.live(EntityKind::User)
            .into_iter()
            .find(|u| u.data["displayName"] == display)
            .unwrap_or_else(|| panic!("no user {display}"))
    }

    fn subject(&self, code: &str) -> StoredRecord {
        self.live(EntityKind::Subject)
            .into_iter()
            .find(|s| s.data["code"] == code)
            .unwrap_or_else(|| panic!("no subject {code}"))
    }

    /// The lessons of an audience and subject, by date.
    fn lessons(&self, audience: &str, subject: &str) -> BTreeMap<NaiveDate, Data> {
        let (aud, sub) = (self.by_name(audience).id, self.subject(subject).id);
        self.live(EntityKind::CourseOccurrence)
            .into_iter()
            .filter(|o| o.data["audienceId"] == aud.as_str() && o.data["subjectId"] == sub.as_str())
            .map(|o| (date(o.data["date"].as_str().unwrap()), o.data))
            .collect()
    }
}

fn from_latin9(bytes: &[u8]) -> String {
    encoding_rs::ISO_8859_15.decode(bytes).0.into_owned()
}

fn latin9(text: &str) -> Vec<u8> {
    encoding_rs::ISO_8859_15.encode(text).0.into_owned()
}

#[test]
fn the_pair_becomes_the_schools_timetable() {
    let school = School::new();
    let report = school.import(&school.pair(|t| t), "2026-11-30").unwrap();
    let created = |kind: &str| report.counts[kind].created;
    assert_eq!(
        (
            created("classes"),
            created("groups"),
            created("subjects"),
            created("rooms")
        ),
        (3, 2, 5, 4),
        "{report:?}"
    );
    assert_eq!(
        (created("teachers"), created("courses")),
        (4, 7),
        "{report:?}"
    );

    // Classes and groups by their STS code, the long label beside it (ISO-8859-15: €).
    let class = school.by_name("3A");
    assert_eq!(class.data["label"], "Troisième A");
    assert_eq!(class.data["kind"], "class");
    let latin = school.by_name("3AB_LAT");
    assert_eq!(latin.data["kind"], "group");
    let members: Vec<String> =
        serde_json::from_value(latin.data["memberClassIds"].clone()).unwrap();
    assert_eq!(
        members,
        vec![school.by_name("3A").id, school.by_name("3B").id]
    );
    assert_eq!(
        school.by_name("3_ME").data["label"],
        "Mini-entreprise (budget 200 €)"
    );
    assert_eq!(
        school.by_name("3C").data["label"],
        Value::Null,
        "known only through a group"
    );

    // Teachers by name (Œ is in ISO-8859-15, not in Latin-1); staff who teach nothing
    // are not imported; birth names and birth dates are never stored.
    school.user("Mme Hélène BŒUF");
    school.user("M. Jérôme LEFÈVRE");
    assert_eq!(
        school.user("Mme Marie DUPONT").data["login"],
        "marie.dupont"
    );
    assert_eq!(
        school.user("M. Moussa N'DIAYE").data["login"],
        "moussa.n-diaye"
    );
    let stored: String = EntityKind::ALL
        .into_iter()
        .flat_map(|k| school.live(k))
        .map(|r| Value::Object(r.data).to_string())
        .collect();
    for secret in [
        "NAISSANCEMARTIN",
        "1979-03-14",
        "1983-11-02",
        "GESTIONNAIRE",
    ] {
        assert!(!stored.contains(secret), "{secret} stored");
    }

    // A weekly lesson: every Monday from the import day on, but not on Easter Monday
    // (2027-03-29) nor after the year's end; times from hhmm, 55 minutes.
    let maths = school.lessons("3A", "MATHS");
    assert_eq!(maths.keys().next(), Some(&date("2026-11-30")));
    assert_eq!(maths.keys().last(), Some(&date("2027-06-28")));
    assert!(!maths.contains_key(&date("2027-03-29")), "Lundi de Pâques");
    assert_eq!(maths.len(), 29, "less Easter and Whit Mondays");
    let first = &maths[&date("2026-11-30")];
    assert_eq!(
        (first["start"].as_str(), first["end"].as_str()),
        (Some("08:00"), Some("08:55"))
    );
    assert_eq!(
        first["roomId"],
        school
            .live(EntityKind::Room)
            .iter()
            .find(|r| r.data["code"] == "S101")
            .unwrap()
            .id
            .as_str()
    );
    assert_eq!(
        first["teacherId"],
        school.user("Mme Marie DUPONT").id.as_str()
    );
    assert_eq!(first["status"], "planned");

    // Weeks A only, by the week list; 10:02 kept as is, 0130 is 90 minutes.
    let french = school.lessons("3A", "FRANC");
    let tuesdays: Vec<&NaiveDate> = french
        .keys()
        .filter(|d| chrono::Datelike::weekday(*d) == chrono::Weekday::Tue)
        .collect();
    assert_eq!(
        tuesdays.first(),
        Some(&&date("2026-12-08")),
        "2026-12-01 is in a week B"
    );
    assert!(tuesdays
        .windows(2)
        .all(|w| (*w[1] - *w[0]).num_days() % 14 == 0));
    assert_eq!(french[&date("2026-12-08")]["start"], "10:02");
    assert_eq!(french[&date("2026-12-08")]["end"], "11:32");
    // The Thursday lesson has no room; no lesson on Christmas day (a Friday).
    assert_eq!(french[&date("2026-12-03")]["roomId"], Value::Null);
    assert!(french.contains_key(&date("2026-12-18")));
    assert!(!french.contains_key(&date("2026-12-25")), "Noël");

    // Co-teaching: one lesson, two teachers.
    let physics = school.lessons("3B", "PH-CH");
    let lesson = &physics[&date("2026-12-02")];
    let teachers = [
        lesson["teacherId"].clone(),
        lesson["coTeacherIds"][0].clone(),
    ];
    assert_eq!(lesson["coTeacherIds"].as_array().unwrap().len(), 1);
    assert!(teachers.contains(&json!(school.user("Mme Hélène BŒUF").id)));
    assert!(teachers.contains(&json!(school.user("M. Moussa N'DIAYE").id)));
    assert_eq!(
        school
            .live(EntityKind::Course)
            .iter()
            .filter(|c| c.data["weekday"] == 3)
            .count(),
        1
    );

    // « Hebdomadaire » in its label, every other week in its list; a week listed by its
    // Thursday puts a Tuesday lesson on the Tuesday before that Thursday.
    let english = school.lessons("3B", "ANG1");
    assert!(
        english.contains_key(&date("2026-12-01")),
        "week listed by Thursday 2026-12-03"
    );
    assert!(!english.contains_key(&date("2026-12-08")));
    assert!(english.contains_key(&date("2026-12-15")));

    // The group's lesson: a subject missing from the nomenclature, an undeclared room.
    let latin = school.lessons("3AB_LAT", "999999");
    assert!(latin.contains_key(&date("2026-12-04")));
    let gym = school
        .live(EntityKind::Room)
        .into_iter()
        .find(|r| r.data["code"] == "GYM")
        .unwrap();
    assert_eq!(gym.data["label"], "GYM");
    let warnings = report.warnings.join("\n");
    for expected in ["3C", "999999", "GYM"] {
        assert!(
            warnings.contains(expected),
            "no warning about {expected}: {warnings}"
        );
    }
}

#[test]
fn importing_the_same_pair_again_changes_nothing() {
    let school = School::new();
    let pair = school.pair(|t| t);
    school.import(&pair, "2026-11-30").unwrap();
    let head = school.head();
    let again = school.import(&pair, "2026-11-30").unwrap();
    assert_eq!(school.head(), head, "a second import wrote");
    for (kind, c) in &again.counts {
        assert_eq!(
            (c.created, c.changed, c.removed),
            (0, 0, 0),
            "{kind}: {c:?}"
        );
    }
    // Nor does a dry run, whatever it finds.
    let moved = school.pair(|t| {
        t.replacen(
            "<HEURE_DEBUT>0800</HEURE_DEBUT>",
            "<HEURE_DEBUT>0900</HEURE_DEBUT>",
            1,
        )
    });
    let dry = import_sts(
        &*school.store,
        &moved.0,
        &moved.1,
        &Options {
            dry_run: true,
            today: date("2026-11-30"),
            region: Region::National,
        },
    )
    .unwrap();
    assert!(dry.dry_run && dry.counts["lessons"].removed > 0);
    assert_eq!(school.head(), head, "a dry run wrote");
}

#[test]
fn a_broken_pair_imports_nothing_and_says_where() {
    let school = School::new();
    school.import(&school.pair(|t| t), "2026-11-30").unwrap();
    let head = school.head();

    // Truncated in the middle of a class: refused, naming the file and a line.
    let broken = school.pair(|t| t[..t.find("<DIVISION CODE=\"3B\">").unwrap() + 40].to_string());
    let err = school.import(&broken, "2026-11-30").unwrap_err();
    let ImportError::File(e) = &err else {
        panic!("{err:?}")
    };
    assert!(e.file.ends_with(TIMETABLE), "{err}");
    assert!(e.line.is_some_and(|l| l > 1), "{err}");
    // An unclosed element inside: malformed XML.
    let unclosed = school.pair(|t| t.replacen("</JOUR>", "", 1));
    let err = school
        .import(&unclosed, "2026-11-30")
        .unwrap_err()
        .to_string();
    assert!(err.contains(TIMETABLE) && err.contains("ligne"), "{err}");
    // A value that is not a time.
    let bad_time =
        school.pair(|t| t.replacen("<DUREE>0055</DUREE>", "<DUREE>une heure</DUREE>", 1));
    let err = school
        .import(&bad_time, "2026-11-30")
        .unwrap_err()
        .to_string();
    assert!(err.contains("DUREE") && err.contains("ligne"), "{err}");
    // Two files of different schools.
    let other = school.pair(|t| t.replace("<UAJ>0750001U</UAJ>", "<UAJ>0930002B</UAJ>"));
    let err = school.import(&other, "2026-11-30").unwrap_err().to_string();
    assert!(
        err.contains("0930002B") && err.contains("0750001U"),
        "{err}"
    );
    // An empty timetable.
    let empty = school.pair(|t| {
        let (start, end) = (
            t.find("<DIVISIONS>").unwrap(),
            t.find("</EDT_STS>").unwrap(),
        );
        format!("{}{}", &t[..start], &t[end..])
    });
    let err = school.import(&empty, "2026-11-30").unwrap_err().to_string();
    assert!(err.contains("aucun cours"), "{err}");
    // The same file twice, and a file that is not STS-Web at all.
    let tt = school.write("a.xml", &fixture(TIMETABLE));
    let tt2 = school.write("b.xml", &fixture(TIMETABLE));
    let err = school
        .import(&(tt.clone(), tt2), "2026-11-30")
        .unwrap_err()
        .to_string();
    assert!(err.contains("même type"), "{err}");
    let html = school.write("c.xml", b"<html><body>export</body></html>");
    let err = school
        .import(&(tt, html), "2026-11-30")
        .unwrap_err()
        .to_string();
    assert!(err.contains("racine") && err.contains("c.xml"), "{err}");

    assert_eq!(school.head(), head, "a refused import wrote");
}

#[test]
fn a_pair_of_another_school_is_refused_by_a_server_that_has_one() {
    let school = School::new();
    school.import(&school.pair(|t| t), "2026-11-30").unwrap();
    let head = school.head();
    let reference = from_latin9(&fixture(REFERENCE)).replace("0750001U", "0930002B");
    let timetable = from_latin9(&fixture(TIMETABLE)).replace("0750001U", "0930002B");
    let pair = (
        school.write("r.xml", &latin9(&reference)),
        school.write("t.xml", &latin9(&timetable)),
    );
    let err = school.import(&pair, "2026-11-30").unwrap_err().to_string();
    assert!(
        err.contains("ce serveur est celui de l'établissement 0750001U"),
        "{err}"
    );
    assert_eq!(school.head(), head);
}

/// Writes a séance on a lesson, as a teacher's client would have.
fn write_session(school: &School, id: &str, lesson_id: &str, lesson: &Data) {
    let mut tx = school.store.write().unwrap();
    let data = json!({"occurrenceId": lesson_id, "audienceId": lesson["audienceId"],
        "subjectId": lesson["subjectId"], "teacherId": lesson["teacherId"], "date": lesson["date"],
        "start": lesson["start"], "end": lesson["end"], "title": "Séance", "content": "<p>x</p>",
        "annotation": null, "state": "published", "publishAt": null, "attachments": []});
    let Value::Object(data) = data else {
        unreachable!()
    };
    let data = ardoise_protocol::entities::validate(EntityKind::Session, &data).unwrap();
    tx.put_record(&StoredRecord {
        kind: EntityKind::Session,
        id: id.into(),
        version: 1,
        change_seq: 0,
        deleted: false,
        ever_public: true,
        data,
    })
    .unwrap();
    tx.commit().unwrap();
}

fn lesson_id(school: &School, audience: &str, subject: &str, day: &str) -> (String, Data) {
    let aud = school.by_name(audience).id;
    let sub = school.subject(subject).id;
    let o = school
        .live(EntityKind::CourseOccurrence)
        .into_iter()
        .find(|o| {
            o.data["audienceId"] == aud.as_str()
                && o.data["subjectId"] == sub.as_str()
                && o.data["date"] == day
        })
        .unwrap_or_else(|| panic!("no {audience} {subject} lesson on {day}"));
    (o.id, o.data)
}

#[test]
fn a_reimport_mid_year_moves_the_lessons_to_come_and_keeps_the_past_and_the_seances() {
    let school = School::new();
    school.import(&school.pair(|t| t), "2026-11-30").unwrap();
    // A séance on a maths lesson to come, one on a French lesson to come, and the
    // vie scolaire cancels a French lesson.
    let (maths_id, maths) = lesson_id(&school, "3A", "MATHS", "2026-12-14");
    write_session(&school, "ses-maths", &maths_id, &maths);
    let (french_id, french) = lesson_id(&school, "3A", "FRANC", "2026-12-10");
    write_session(&school, "ses-french", &french_id, &french);
    let (cancelled_id, _) = lesson_id(&school, "3A", "FRANC", "2026-12-11");
    {
        let mut tx = school.store.write().unwrap();
        let mut r = tx
            .get_record(EntityKind::CourseOccurrence, &cancelled_id)
            .unwrap()
            .unwrap();
        r.data.insert("status".into(), json!("cancelled"));
        r.data.insert("note".into(), json!("Sortie scolaire"));
        r.version += 1;
        tx.put_record(&r).unwrap();
        tx.commit().unwrap();
    }
    let past_maths = lesson_id(&school, "3A", "MATHS", "2026-11-30").0;

    // A week later, maths on Monday moves from 08:00 to 09:00.
    let moved = school.pair(|t| {
        t.replacen(
            "<HEURE_DEBUT>0800</HEURE_DEBUT>",
            "<HEURE_DEBUT>0900</HEURE_DEBUT>",
            1,
        )
    });
    let report = school.import(&moved, "2026-12-07").unwrap();

    let maths_now = school.lessons("3A", "MATHS");
    assert_eq!(
        maths_now[&date("2026-11-30")]["start"],
        "08:00",
        "the past is kept as it was"
    );
    assert!(school
        .store
        .read()
        .unwrap()
        .get_record(EntityKind::CourseOccurrence, &past_maths)
        .unwrap()
        .is_some_and(|r| !r.deleted));
    assert_eq!(maths_now[&date("2026-12-07")]["start"], "09:00");
    assert_eq!(maths_now[&date("2026-12-14")]["start"], "09:00");
    assert_eq!(
        maths_now.values().filter(|o| o["start"] == "08:00").count(),
        1,
        "only the past at 08:00"
    );
    assert_eq!(report.counts["lessons"].removed, 28, "{report:?}");
    assert_eq!(report.counts["lessons"].created, 28, "{report:?}");

    // The séance on a lesson that still exists keeps it; the other is kept, detached,
    // and listed; the cancellation stays.
    let session = |id: &str| {
        school
            .store
            .read()
            .unwrap()
            .get_record(EntityKind::Session, id)
            .unwrap()
            .unwrap()
    };
    assert_eq!(
        session("ses-french").data["occurrenceId"],
        french_id.as_str()
    );
    let detached = session("ses-maths");
    assert!(!detached.deleted);
    assert_eq!(detached.data["occurrenceId"], Value::Null);
    assert_eq!(detached.data["title"], "Séance");
    assert_eq!(report.detached_sessions.len(), 1);
    assert_eq!(report.detached_sessions[0].id, "ses-maths");
    assert_eq!(report.detached_sessions[0].audience, "3A");
    assert_eq!(report.detached_sessions[0].teacher, "Mme Marie DUPONT");
    let cancelled = school
        .store
        .read()
        .unwrap()
        .get_record(EntityKind::CourseOccurrence, &cancelled_id)
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            cancelled.data["status"].as_str(),
            cancelled.data["note"].as_str()
        ),
        (Some("cancelled"), Some("Sortie scolaire"))
    );

    // The old course ends at its last lesson kept; the new one is there.
    let courses = school.live(EntityKind::Course);
    let ended = courses
        .iter()
        .find(|c| c.data["start"] == "08:00" && c.data["weekday"] == 1)
        .unwrap();
    assert_eq!(ended.data["validTo"], "2026-11-30");
    assert!(courses
        .iter()
        .any(|c| c.data["start"] == "09:00" && c.data["weekday"] == 1));
}

#[test]
fn no_lesson_on_a_public_holiday_nor_in_the_zones_holidays() {
    let school = School::new();
    let first = school.import(&school.pair(|t| t), "2026-11-30").unwrap();
    assert!(
        first.warnings.iter().any(|w| w.contains("config set zone")),
        "{:?}",
        first.warnings
    );
    let report = ardoise_server::school_calendar::set_zone(&*school.store, "zone c").unwrap();
    assert_eq!(report.zone.as_deref(), Some("C"));
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("relancez `import sts`")),
        "{report:?}"
    );
    assert!(report.holidays.created >= 20, "{report:?}");
    // Set after the import: importing again takes the lessons out of the holidays.
    let again = school.import(&school.pair(|t| t), "2026-11-30").unwrap();
    assert!(again.counts["lessons"].removed > 0, "{again:?}");
    assert!(!again.warnings.iter().any(|w| w.contains("config set zone")));
    let dates: Vec<NaiveDate> = school
        .live(EntityKind::CourseOccurrence)
        .iter()
        .map(|o| date(o.data["date"].as_str().unwrap()))
        .collect();
    assert!(dates.iter().any(|d| *d == date("2026-12-18")));
    assert!(dates.iter().any(|d| *d == date("2027-01-04")));
    assert!(!dates.contains(&date("2026-12-25")));
    for (first, last) in [
        ("2026-12-19", "2027-01-03"), // Noël
        ("2027-02-06", "2027-02-21"), // hiver, zone C
        ("2027-04-03", "2027-04-18"), // printemps, zone C
    ] {
        assert!(
            !dates.iter().any(|d| (date(first)..=date(last)).contains(d)),
            "a lesson between {first} and {last}"
        );
    }
    assert!(
        dates.iter().any(|d| *d == date("2027-02-22")),
        "zone A's winter is not C's"
    );
    // The holidays are records the clients replicate, by name.
    let noel = school
        .live(EntityKind::Holiday)
        .into_iter()
        .find(|h| h.id == "hol-2026-2027-vacances-de-noel")
        .unwrap();
    assert_eq!(noel.data["name"], "Vacances de Noël");
    assert_eq!(noel.data["start"], "2026-12-19");
}

#[test]
fn a_zone_change_and_the_ministrys_icalendar_update_the_same_holidays() {
    let school = School::new();
    let calendar = ardoise_server::school_calendar::set_zone;
    let a = calendar(&*school.store, "A").unwrap();
    let holidays = school.live(EntityKind::Holiday).len();
    // Zone C: the same periods, other dates; nothing added.
    let c = calendar(&*school.store, "C").unwrap();
    assert_eq!(school.live(EntityKind::Holiday).len(), holidays);
    assert!(
        c.holidays.changed > 0 && c.holidays.created == 0,
        "{a:?} {c:?}"
    );
    // Corsica is not shipped: set, with a warning to load the ministry's file.
    let corse = calendar(&*school.store, "Corse").unwrap();
    assert_eq!(corse.zone.as_deref(), Some("Corse"));
    // Zone C's dates are not Corsica's: taken away, and the file to load is named.
    assert_eq!(corse.holidays.removed as usize, holidays, "{corse:?}");
    assert!(school.live(EntityKind::Holiday).is_empty());
    assert!(
        corse.warnings.iter().any(|w| w.contains("import calendar")),
        "{corse:?}"
    );
    assert!(calendar(&*school.store, "Zone D").is_err());
    calendar(&*school.store, "C").unwrap();

    // 2028-2029, not shipped: the ministry's file, read twice.
    let ics = school.write(
        "Zone-C.ics",
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20281216\r\n\
         DTEND;VALUE=DATE:20290103\r\nSUMMARY:Vacances de Noël - Zone C\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20271218\r\nDTEND;VALUE=DATE:20280103\r\n\
         SUMMARY:Vacances de Noël - Zone C\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
            .as_bytes(),
    );
    let head = school.head();
    let first = ardoise_server::school_calendar::import_ics(&*school.store, &ics).unwrap();
    // One new period; the shipped Christmas 2027 is the same one, unchanged.
    assert_eq!(
        (first.holidays.created, first.holidays.unchanged),
        (1, 1),
        "{first:?}"
    );
    let after = school.head();
    assert!(after > head);
    let second = ardoise_server::school_calendar::import_ics(&*school.store, &ics).unwrap();
    assert_eq!(second.holidays.unchanged, 2);
    assert_eq!(school.head(), after, "the same file again writes nothing");
    // A broken file changes nothing.
    let broken = school.write("broken.ics", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n");
    let err = ardoise_server::school_calendar::import_ics(&*school.store, &broken).unwrap_err();
    assert!(err.to_string().contains("broken.ics"), "{err}");
    assert_eq!(school.head(), after);
}

#[test]
fn a_refusal_names_the_line_of_the_lesson_at_fault() {
    let school = School::new();
    let bad = school.pair(|t| t.replacen("<DUREE>0055</DUREE>", "<DUREE>une heure</DUREE>", 1));
    let ImportError::File(e) = school.import(&bad, "2026-11-30").unwrap_err() else {
        panic!("not a file error")
    };
    let text = from_latin9(&std::fs::read(&bad.1).unwrap());
    let cours = text[..text.find("une heure").unwrap()]
        .rfind("<COURS>")
        .unwrap();
    let expected = text[..cours].matches('\n').count() as u64 + 1;
    assert_eq!(e.line, Some(expected), "{e}");
}

#[test]
fn dates_out_of_any_school_year_are_refused_not_fatal() {
    let school = School::new();
    for (from, to) in [
        (
            "<DATE_DEBUT>\n        31/08/2026\n      </DATE_DEBUT>",
            "<DATE_DEBUT>01/01/-262143</DATE_DEBUT>",
        ),
        (
            "<DATE_FIN>04/07/2027</DATE_FIN>",
            "<DATE_FIN>31/12/9999</DATE_FIN>",
        ),
        (
            "<DATE_FIN>04/07/2027</DATE_FIN>",
            "<DATE_FIN>04/07/2031</DATE_FIN>",
        ),
    ] {
        let reference = from_latin9(&fixture(REFERENCE));
        assert!(reference.contains(from), "{from}");
        let reference = school.write(REFERENCE, &latin9(&reference.replace(from, to)));
        let timetable = school.write(TIMETABLE, &fixture(TIMETABLE));
        let err = school
            .import(&(reference, timetable), "2026-11-30")
            .unwrap_err();
        assert!(err.to_string().contains(REFERENCE), "{err}");
    }
    let far = school.pair(|t| {
        t.replacen(
            "<DATE_DEBUT_SEMAINE>31/08/2026",
            "<DATE_DEBUT_SEMAINE>31/08/+262142",
            1,
        )
    });
    let err = school.import(&far, "2026-11-30").unwrap_err();
    assert!(err.to_string().contains("DATE_DEBUT_SEMAINE"), "{err}");
    assert_eq!(school.head(), 0);
}

#[test]
fn entities_keep_the_spaces_around_them() {
    let school = School::new();
    let reference = from_latin9(&fixture(REFERENCE)).replace(
        "<LIBELLE_EDITION>Physique-chimie</LIBELLE_EDITION>",
        "<LIBELLE_EDITION>Physique &amp; chimie</LIBELLE_EDITION>",
    );
    let pair = (
        school.write(REFERENCE, &latin9(&reference)),
        school.write(TIMETABLE, &fixture(TIMETABLE)),
    );
    school.import(&pair, "2026-11-30").unwrap();
    assert_eq!(school.subject("PH-CH").data["label"], "Physique & chimie");
}

#[test]
fn a_new_teacher_on_a_lesson_keeps_its_seances() {
    let school = School::new();
    school.import(&school.pair(|t| t), "2026-11-30").unwrap();
    let (maths_id, maths) = lesson_id(&school, "3A", "MATHS", "2026-12-14");
    write_session(&school, "ses-maths", &maths_id, &maths);
    // Maths in 3A now taught by teacher 1004.
    let other = school.pair(|t| {
        let at = t.find("<SERVICE CODE_MATIERE=\"061300\"").unwrap();
        let (head, tail) = t.split_at(at);
        format!("{head}{}", tail.replacen("ID=\"1001\"", "ID=\"1004\"", 1))
    });
    let report = school.import(&other, "2026-12-07").unwrap();
    assert!(report.detached_sessions.is_empty(), "{report:?}");
    let (same_id, lesson) = lesson_id(&school, "3A", "MATHS", "2026-12-14");
    assert_eq!(same_id, maths_id, "the same lesson");
    assert_eq!(
        lesson["teacherId"],
        school.user("M. Moussa N'DIAYE").id.as_str()
    );
    let session = school
        .store
        .read()
        .unwrap()
        .get_record(EntityKind::Session, "ses-maths")
        .unwrap()
        .unwrap();
    assert_eq!(session.data["occurrenceId"], maths_id.as_str());
}
