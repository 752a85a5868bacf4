//! Closing a school year once its lessons are over: `ardoise-server year close 2026-2027`.
//!
//! The year's cahier de textes (séances, homework, visas) and its timetable (the dated
//! lessons and their status) are kept as they are, read by the same people as before (a
//! class's archive is printed from them, offline included), and never change again: every
//! write to a record dated in a closed year is refused with `logbook.year_closed`, whether
//! it comes live or replayed from an outbox that waited all summer. The next year is a new
//! timetable import (`import sts`), which starts with an empty cahier de textes.

use ardoise_protocol::calendar::SchoolYear;
use ardoise_protocol::{Data, EntityKind};
use chrono::NaiveDate;
use serde::Serialize;

use crate::school_settings::SettingError;
use crate::store::{ReadTx, Store, StoreError};

/// The setting that lists the closed years, `,` between them.
const CLOSED_SETTING: &str = "closed_years";

/// The field a record of `kind` is dated by, for the closed-year lock; `None` for the
/// kinds that belong to no year (people, rooms, documents…).
pub fn dated_by(kind: EntityKind) -> Option<&'static str> {
    match kind {
        EntityKind::Session | EntityKind::CourseOccurrence => Some("date"),
        EntityKind::Homework => Some("givenOn"),
        EntityKind::Visa => Some("until"),
        _ => None,
    }
}

/// The closed school years, oldest first.
pub fn closed(tx: &dyn ReadTx) -> Result<Vec<SchoolYear>, StoreError> {
    let mut years: Vec<SchoolYear> = tx
        .setting(CLOSED_SETTING)?
        .unwrap_or_default()
        .split(',')
        .filter_map(|y| y.parse().ok())
        .collect();
    years.sort();
    years.dedup();
    Ok(years)
}

/// The closed year one of the versions `data` of a record of `kind` is dated in, if any
/// (the closed years read once for all of them; never for kinds no year holds).
pub fn closed_year_of(
    tx: &dyn ReadTx,
    kind: EntityKind,
    data: &[&Data],
) -> Result<Option<SchoolYear>, StoreError> {
    let Some(field) = dated_by(kind) else {
        return Ok(None);
    };
    let closed = closed(tx)?;
    Ok(data
        .iter()
        .filter_map(|d| d.get(field).and_then(|v| v.as_str()))
        .find_map(|date| closed.iter().copied().find(|y| y.contains(date))))
}

/// What closing a year did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Closure {
    /// The year, `2026-2027`.
    pub year: String,
    /// Whether it was closed already (nothing changed).
    pub already: bool,
    /// What it keeps, read-only.
    pub sessions: usize,
    /// Homework kept.
    pub homework: usize,
    /// Visas kept.
    pub visas: usize,
    /// Dated lessons kept.
    pub lessons: usize,
}

impl Closure {
    /// The report, in French.
    pub fn to_text(&self) -> String {
        let verb = if self.already {
            "était déjà close"
        } else {
            "est close"
        };
        format!(
            "L'année scolaire {} {verb} : {} séance(s), {} travail(s) à faire, {} visa(s) \
             et {} cours gardés en lecture seule.\n",
            self.year, self.sessions, self.homework, self.visas, self.lessons
        )
    }
}

/// Closes `year`, refused while one of its lessons is still to come on `today` (a year is
/// closed once it is over, not while teachers still write in it).
pub fn close(
    store: &dyn Store,
    year: SchoolYear,
    today: NaiveDate,
) -> Result<Closure, SettingError> {
    let mut tx = store.write()?;
    let today = today.to_string();
    let count = |kind: EntityKind| -> Result<(usize, Option<String>), StoreError> {
        let field = dated_by(kind).unwrap_or("date");
        let mut n = 0;
        let mut last: Option<String> = None;
        for r in tx.live_of_kind(kind)? {
            let Some(date) = r.data.get(field).and_then(|v| v.as_str()) else {
                continue;
            };
            if year.contains(date) {
                n += 1;
                if last.as_deref().is_none_or(|l| date > l) {
                    last = Some(date.to_string());
                }
            }
        }
        Ok((n, last))
    };
    let (lessons, last_lesson) = count(EntityKind::CourseOccurrence)?;
    if let Some(last) = last_lesson.filter(|l| *l >= today) {
        return Err(SettingError::Refused(format!(
            "l'année {year} n'est pas finie : son dernier cours a lieu le {last}"
        )));
    }
    let closure = Closure {
        year: year.to_string(),
        already: closed(&*tx)?.contains(&year),
        sessions: count(EntityKind::Session)?.0,
        homework: count(EntityKind::Homework)?.0,
        visas: count(EntityKind::Visa)?.0,
        lessons,
    };
    if !closure.already {
        let mut years = closed(&*tx)?;
        years.push(year);
        years.sort();
        let list: Vec<String> = years.iter().map(SchoolYear::to_string).collect();
        tx.put_setting(CLOSED_SETTING, &list.join(","))?;
        tx.commit()?;
    }
    Ok(closure)
}
