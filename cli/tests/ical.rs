//! `ardoise timetable … --ics FILE`: a teacher's week in her calendar, read back by an
//! iCalendar parser written apart from ours (the `ical` crate): every lesson once, at its
//! local time in Europe/Paris, in its room; after the vie scolaire cancels one and she
//! syncs, the same UIDs (a calendar updates, never duplicates), the cancelled lesson
//! `STATUS:CANCELLED` with a newer `SEQUENCE`, the others unchanged.

use std::collections::BTreeMap;
use std::path::Path;

use ardoise_testkit::{Client, Server};
use ical::parser::ical::component::IcalEvent;
use serde_json::Value;

fn export(c: &Client, file: &Path) {
    c.run(&[
        "timetable",
        "--teacher",
        "martin",
        "--date",
        "2026-11-30",
        "--days",
        "6",
        "--ics",
        file.to_str().unwrap(),
    ])
    .ok();
}

/// The events of a file, by UID, each as its properties: name → (value, parameters).
type Props = BTreeMap<String, (String, Vec<(String, Vec<String>)>)>;

fn events(file: &Path) -> BTreeMap<String, Props> {
    let reader = std::io::BufReader::new(std::fs::File::open(file).unwrap());
    let calendars: Vec<_> = ical::IcalParser::new(reader)
        .map(|c| c.expect("a calendar the parser reads"))
        .collect();
    assert_eq!(calendars.len(), 1);
    let tz: Vec<_> = calendars[0].timezones.iter().collect();
    assert_eq!(tz.len(), 1, "one VTIMEZONE");
    let mut out = BTreeMap::new();
    for e in &calendars[0].events {
        let props = props(e);
        let uid = props["UID"].0.clone();
        assert!(out.insert(uid.clone(), props).is_none(), "{uid} twice");
    }
    out
}

fn props(e: &IcalEvent) -> Props {
    e.properties
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                (
                    p.value.clone().unwrap_or_default(),
                    p.params.clone().unwrap_or_default(),
                ),
            )
        })
        .collect()
}

fn local(lesson: &Value, time: &str) -> String {
    format!(
        "{}T{}00",
        lesson["date"].as_str().unwrap().replace('-', ""),
        lesson[time].as_str().unwrap().replace(':', "")
    )
}

#[test]
fn a_week_goes_to_the_calendar_and_a_cancellation_updates_it_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::demo(dir.path());
    let martin = Client::login_and_sync(dir.path(), &server.url(), "martin");
    let diallo = Client::login_and_sync(dir.path(), &server.url(), "diallo");
    let lessons = martin.teacher_days("martin", "2026-11-30", 6);
    assert!(lessons.len() >= 10, "martin's week: {}", lessons.len());

    let first_file = dir.path().join("martin.ics");
    export(&martin, &first_file);
    let raw = std::fs::read(&first_file).unwrap();
    for line in raw.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        assert_eq!(line.last(), Some(&b'\r'), "lines end in CRLF");
        assert!(line.len() <= 76, "a line over 75 octets: {}", line.len());
    }
    let first = events(&first_file);
    assert_eq!(first.len(), lessons.len(), "every lesson once");
    for lesson in &lessons {
        let uid = format!("{}@ardoise", lesson["id"].as_str().unwrap());
        let e = first.get(&uid).unwrap_or_else(|| panic!("{uid} missing"));
        let (start, params) = &e["DTSTART"];
        assert_eq!(start, &local(lesson, "start"));
        assert!(
            params.contains(&("TZID".to_string(), vec!["Europe/Paris".to_string()])),
            "{params:?}"
        );
        assert_eq!(e["DTEND"].0, local(lesson, "end"));
        assert_eq!(e["STATUS"].0, "CONFIRMED");
        let summary = &e["SUMMARY"].0;
        assert!(
            summary.contains(lesson["subject"].as_str().unwrap())
                && summary.contains(lesson["audience"].as_str().unwrap()),
            "{summary}"
        );
        if let Some(room) = lesson["room"].as_str() {
            assert_eq!(e["LOCATION"].0, room);
        }
    }

    // The vie scolaire cancels her first lesson of the week; she syncs and exports again.
    let cancelled = lessons[0]["id"].as_str().unwrap().to_string();
    diallo
        .run(&[
            "occurrence",
            "cancel",
            &cancelled,
            "--note",
            "Professeur absent",
        ])
        .ok();
    diallo.run(&["sync"]).ok();
    martin.run(&["sync"]).ok();
    let second_file = dir.path().join("martin-2.ics");
    export(&martin, &second_file);
    let second = events(&second_file);
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        second.keys().collect::<Vec<_>>(),
        "the same lessons, by the same UIDs: a calendar updates them"
    );
    let sequence = |props: &Props| props["SEQUENCE"].0.parse::<i64>().unwrap();
    for (uid, after) in &second {
        let before = &first[uid];
        if uid == &format!("{cancelled}@ardoise") {
            assert_eq!(after["STATUS"].0, "CANCELLED");
            assert!(sequence(after) > sequence(before), "a newer SEQUENCE");
            assert!(after["DESCRIPTION"].0.contains("Professeur absent"));
        } else {
            assert_eq!(after["STATUS"].0, "CONFIRMED", "{uid}");
            assert_eq!(sequence(after), sequence(before), "{uid} unchanged");
        }
    }
}
