//! The timetable as iCalendar, for the calendar of a phone or a desktop:
//! `ardoise timetable … --ics FILE` writes what the timetable command shows. The file's
//! format (UIDs, sequences, time zone, folding) is `ardoise_protocol::ical`'s, shared with
//! the server's subscription feed.

use ardoise_protocol::ical::{self, Lesson};
use ardoise_protocol::EntityKind;
use chrono::{DateTime, NaiveDate, Utc};

use crate::queries::{self, Who};
use crate::{Replica, Result};

/// The lessons of `who` from `from` for `days` days as an iCalendar file named `title`;
/// `now` stamps it (`DTSTAMP`).
pub fn calendar(
    replica: &Replica,
    who: &Who,
    from: NaiveDate,
    days: u32,
    title: &str,
    now: DateTime<Utc>,
) -> Result<String> {
    let conn = replica.conn();
    let mut lessons = Vec::new();
    for view in queries::timetable(conn, who, from, days)? {
        let version = replica
            .get(EntityKind::CourseOccurrence, &view.id)?
            .map_or(1, |(v, _)| v);
        let seance = queries::published_title(conn, &view.id)?;
        lessons.push(Lesson {
            id: view.id,
            version,
            date: view.date,
            start: view.start,
            end: view.end,
            subject: view.subject,
            audience: view.audience,
            teacher: view.teacher,
            room: view.room,
            status: view.status,
            substitute: view.substitute,
            note: view.note,
            seance,
        });
    }
    Ok(ical::calendar(title, &lessons, now))
}
