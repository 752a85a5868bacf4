//! Lessons as iCalendar (RFC 5545), for the calendar of a phone or a desktop. Written by
//! the client (`ardoise timetable … --ics FILE`) and by the server (a user's subscription
//! feed, `/ical/<secret>.ics`) from the same lessons, so both give the same events.
//!
//! What a calendar application relies on to update rather than duplicate:
//! - one `VEVENT` per lesson, its `UID` the lesson's id, which stays the same through
//!   every sync and every re-import of the timetable;
//! - `SEQUENCE`, the lesson's version less one, so a change is newer than what the
//!   application holds;
//! - a cancelled lesson stays, with `STATUS:CANCELLED`.
//!
//! Times are local to the school, in `Europe/Paris`, and the file carries the `VTIMEZONE`
//! that says so (summer time from the last Sunday of March to the last Sunday of October).
//! The room is the `LOCATION`; a published séance's title goes in the `DESCRIPTION`.
//! Lines are folded at 75 octets, never inside a character, and end in CRLF.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

/// The time zone of French schools in metropolitan France, as iCalendar describes it.
const PARIS: &str = "BEGIN:VTIMEZONE
TZID:Europe/Paris
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE";

/// One lesson, as a calendar shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lesson {
    /// The lesson's id (the event's `UID` is `<id>@ardoise`).
    pub id: String,
    /// The lesson's version (from 1).
    pub version: i64,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `HH:MM`, local time.
    pub start: String,
    /// `HH:MM`, local time.
    pub end: String,
    /// The subject's label.
    pub subject: String,
    /// The class or group.
    pub audience: String,
    /// The teachers' names.
    pub teacher: String,
    /// The room.
    pub room: Option<String>,
    /// planned | cancelled | moved | replaced.
    pub status: String,
    /// The substitute's name, when replaced.
    pub substitute: Option<String>,
    /// The vie scolaire's note.
    pub note: Option<String>,
    /// The title of the published séance written for it, if any.
    pub seance: Option<String>,
}

/// The lessons as an iCalendar file named `title`; `now` stamps it (`DTSTAMP`).
pub fn calendar<'a>(
    title: &str,
    lessons: impl IntoIterator<Item = &'a Lesson>,
    now: DateTime<Utc>,
) -> String {
    let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".into(),
        "PRODID:-//Ardoise//Emploi du temps//FR".into(),
        "CALSCALE:GREGORIAN".into(),
        "METHOD:PUBLISH".into(),
        format!("X-WR-CALNAME:{}", text(title)),
        "X-WR-TIMEZONE:Europe/Paris".into(),
    ];
    lines.extend(PARIS.lines().map(str::to_string));
    for lesson in lessons {
        lines.extend(event(lesson, &stamp));
    }
    lines.push("END:VCALENDAR".into());
    let mut out = String::new();
    for line in lines {
        fold(&line, &mut out);
    }
    out
}

/// The `VEVENT` of one lesson.
fn event(lesson: &Lesson, stamp: &str) -> Vec<String> {
    let mut summary = format!("{} — {}", lesson.subject, lesson.audience);
    let mut description = Vec::new();
    match lesson.status.as_str() {
        "cancelled" => summary = format!("Annulé : {summary}"),
        "replaced" => {
            if let Some(s) = &lesson.substitute {
                description.push(format!("Remplacé par {s}"));
            }
        }
        "moved" => description.push("Cours déplacé".to_string()),
        _ => {}
    }
    description.push(format!("Enseignant : {}", lesson.teacher));
    if let Some(title) = lesson.seance.as_deref().filter(|t| !t.trim().is_empty()) {
        description.push(format!("Séance : {title}"));
    }
    if let Some(note) = lesson.note.as_deref().filter(|n| !n.trim().is_empty()) {
        description.push(note.to_string());
    }
    let mut lines = vec![
        "BEGIN:VEVENT".to_string(),
        format!("UID:{}@ardoise", text(&lesson.id)),
        format!("DTSTAMP:{stamp}"),
        format!(
            "DTSTART;TZID=Europe/Paris:{}",
            local(&lesson.date, &lesson.start)
        ),
        format!(
            "DTEND;TZID=Europe/Paris:{}",
            local(&lesson.date, &lesson.end)
        ),
        format!("SEQUENCE:{}", (lesson.version - 1).max(0)),
        format!("SUMMARY:{}", text(&summary)),
        format!("DESCRIPTION:{}", text(&description.join("\n"))),
    ];
    if let Some(room) = &lesson.room {
        lines.push(format!("LOCATION:{}", text(room)));
    }
    lines.push(format!(
        "STATUS:{}",
        if lesson.status == "cancelled" {
            "CANCELLED"
        } else {
            "CONFIRMED"
        }
    ));
    lines.push("END:VEVENT".into());
    lines
}

/// `2026-11-30` and `08:05` as iCalendar's local `20261130T080500`.
fn local(date: &str, time: &str) -> String {
    format!("{}T{}00", date.replace('-', ""), time.replace(':', ""))
}

/// A TEXT value: backslash, `;`, `,` and line breaks escaped, other control characters
/// dropped.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends `line` folded at 75 octets (a CRLF and a space before each continuation),
/// never inside a character.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    let _ = write!(out, "\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_long_lines_folded_between_characters() {
        assert_eq!(
            text("Maths; 1re B, salle \\ 2\nfin\u{7}"),
            "Maths\\; 1re B\\, salle \\\\ 2\\nfin"
        );
        let mut out = String::new();
        let long = format!("SUMMARY:{}", "é".repeat(60));
        fold(&long, &mut out);
        let lines: Vec<&str> = out.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(l.len() <= 75, "{} octets: {l}", l.len());
        }
        let unfolded: String = out.replace("\r\n ", "").trim_end().to_string();
        assert_eq!(unfolded, long);
    }

    #[test]
    fn a_cancelled_lesson_stays_with_its_status_and_a_newer_sequence() {
        let lesson = Lesson {
            id: "occ-1".into(),
            version: 3,
            date: "2026-11-30".into(),
            start: "14:00".into(),
            end: "15:00".into(),
            subject: "Français".into(),
            audience: "1re B".into(),
            teacher: "M. Paul Leroy".into(),
            room: Some("B12".into()),
            status: "cancelled".into(),
            substitute: None,
            note: Some("Professeur absent".into()),
            seance: Some("Les Lumières".into()),
        };
        let lines = event(&lesson, "20261130T120000Z");
        for expected in [
            "UID:occ-1@ardoise",
            "DTSTART;TZID=Europe/Paris:20261130T140000",
            "DTEND;TZID=Europe/Paris:20261130T150000",
            "SEQUENCE:2",
            "SUMMARY:Annulé : Français — 1re B",
            "LOCATION:B12",
            "STATUS:CANCELLED",
        ] {
            assert!(
                lines.iter().any(|l| l == expected),
                "{expected} in {lines:?}"
            );
        }
        let description = lines
            .iter()
            .find(|l| l.starts_with("DESCRIPTION:"))
            .unwrap();
        assert!(
            description.contains("Séance : Les Lumières"),
            "{description}"
        );
        assert!(description.contains("Professeur absent"), "{description}");
    }
}
