//! The school calendar: the holiday zone and its holidays, as records every client
//! replicates (the week view names them) and the timetable import skips.
//!
//! - `ardoise-server config set zone C` sets the school's zone once and writes the
//!   holidays of that zone the repository ships (`data/calendrier-scolaire.csv`: zones A, B
//!   and C, the ministry's published years).
//! - `ardoise-server import calendar FILE.ics` reads the ministry's iCalendar of a zone for
//!   what is not shipped (Corse, overseas academies, years published later).
//!
//! A holiday's id is its school year and its name (`hol-2026-2027-vacances-de-noel`), the
//! same from either source, so a later file or a zone change updates the period instead
//! of adding a second one. Public holidays are not records: the import computes them
//! ([`ardoise_protocol::calendar`]).

use std::collections::BTreeMap;
use std::path::Path;

use ardoise_protocol::entities::validate;
use ardoise_protocol::EntityKind;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use serde_json::json;

use crate::import::Counts;
use crate::store::{Store, StoreError, WriteTx};

/// The holidays the repository ships, as the ministry published them (see the file's
/// header for its source and the test that checks it).
const SHIPPED: &str = include_str!("../data/calendrier-scolaire.csv");

/// Largest calendar file read.
pub const MAX_ICS_BYTES: u64 = 2 * 1024 * 1024;

/// Most holiday periods one file may hold (a zone has six a year).
const MAX_PERIODS: usize = 500;

/// The setting that holds the zone.
pub const ZONE_SETTING: &str = "zone";

/// The zones of the ministry's calendar: the three of mainland France, Corsica, and the
/// overseas academies.
pub const ZONES: &[&str] = &[
    "A",
    "B",
    "C",
    "Corse",
    "Guadeloupe",
    "Guyane",
    "Martinique",
    "Mayotte",
    "La Réunion",
    "Nouvelle-Calédonie",
    "Polynésie",
    "Saint-Pierre-et-Miquelon",
    "Wallis-et-Futuna",
];

/// Why the calendar was not changed. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    /// The request or the file is wrong.
    #[error("{0}")]
    Refused(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A holiday period: the days without class, both ends included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Period {
    /// `2026-2027`.
    pub school_year: String,
    /// `Vacances de Noël`.
    pub name: String,
    /// The first day off.
    pub first: NaiveDate,
    /// The last day off (the day before classes resume).
    pub last: NaiveDate,
}

/// What a calendar command did.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CalendarReport {
    /// The school's zone after the command, if set.
    pub zone: Option<String>,
    /// The holiday records.
    pub holidays: Counts,
    /// The periods written.
    pub periods: Vec<Period>,
    /// What the administrator should know.
    pub warnings: Vec<String>,
}

impl CalendarReport {
    /// The report as a person reads it, in French.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "Zone de vacances : {}\nVacances : {} créées, {} modifiées, {} retirées, {} inchangées\n",
            self.zone.as_deref().unwrap_or("non définie"),
            self.holidays.created,
            self.holidays.changed,
            self.holidays.removed,
            self.holidays.unchanged
        );
        for p in &self.periods {
            out.push_str(&format!(
                "  {} : {} du {} au {}\n",
                p.school_year,
                p.name,
                p.first.format("%d/%m/%Y"),
                p.last.format("%d/%m/%Y")
            ));
        }
        for w in &self.warnings {
            out.push_str(&format!("Attention : {w}\n"));
        }
        out
    }
}

/// The zone as the ministry names it, from what an administrator types (`c`, `zone c`,
/// `corse`, `la reunion`…).
pub fn parse_zone(text: &str) -> Option<&'static str> {
    let fold = crate::import::folded;
    let typed = fold(text.trim());
    let typed = typed.strip_prefix("zone").unwrap_or(&typed);
    ZONES.iter().copied().find(|z| {
        let z = fold(z);
        z == typed || z.strip_prefix("la") == Some(typed)
    })
}

/// The school year a day belongs to (`2026-2027` from 1 August 2026 to 31 July 2027).
pub fn school_year_of(day: NaiveDate) -> String {
    let start = if day.month() >= 8 {
        day.year()
    } else {
        day.year() - 1
    };
    format!("{start}-{}", start + 1)
}

/// The id of the holiday record of a period: its school year and its name.
pub fn holiday_id(school_year: &str, name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        let c = crate::import::fold_accent(c).to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    format!("hol-{school_year}-{}", slug.trim_matches('-'))
}

/// Whether a holiday record is one this module writes (`hol-2026-2027-…`), not one made
/// otherwise (a demo school's).
fn is_calendar_id(id: &str) -> bool {
    let b = id.as_bytes();
    id.starts_with("hol-")
        && b.len() > 14
        && b[4..8].iter().all(u8::is_ascii_digit)
        && b[8] == b'-'
        && b[9..13].iter().all(u8::is_ascii_digit)
        && b[13] == b'-'
}

/// The periods the repository ships for `zone` (none for a zone it does not ship).
pub fn shipped(zone: &str) -> Vec<Period> {
    shipped_rows()
        .into_iter()
        .filter(|(z, _)| z == zone)
        .map(|(_, p)| p)
        .collect()
}

/// Every shipped row: (zone, period).
pub fn shipped_rows() -> Vec<(String, Period)> {
    SHIPPED
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("annee_scolaire;"))
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split(';').collect();
            let date = |s: &str| {
                s.parse::<NaiveDate>()
                    .unwrap_or_else(|_| panic!("shipped calendar: bad date in {line}"))
            };
            assert_eq!(f.len(), 5, "shipped calendar: {line}");
            (
                f[1].to_string(),
                Period {
                    school_year: f[0].to_string(),
                    name: f[2].to_string(),
                    first: date(f[3]),
                    last: date(f[4]),
                },
            )
        })
        .collect()
}

/// The school's zone, if set.
pub fn zone(store: &dyn Store) -> Result<Option<String>, StoreError> {
    store.read()?.setting(ZONE_SETTING)
}

/// Sets the school's zone and writes the holidays shipped for it, in one transaction.
pub fn set_zone(store: &dyn Store, typed: &str) -> Result<CalendarReport, CalendarError> {
    let zone = parse_zone(typed).ok_or_else(|| {
        CalendarError::Refused(format!("zone inconnue « {typed} » : {}", ZONES.join(", ")))
    })?;
    let periods = shipped(zone);
    let mut tx = store.write()?;
    let previous = tx.setting(ZONE_SETTING)?;
    tx.put_setting(ZONE_SETTING, zone)?;
    let mut report = write_periods(&mut *tx, &periods)?;
    report.zone = Some(zone.to_string());
    if previous.as_deref().is_some_and(|p| p != zone) {
        // Another zone's holidays (shipped, or loaded from its file) are not this one's.
        let kept: Vec<String> = periods
            .iter()
            .map(|p| holiday_id(&p.school_year, &p.name))
            .collect();
        for h in tx.live_of_kind(EntityKind::Holiday)? {
            if is_calendar_id(&h.id) && !kept.contains(&h.id) {
                crate::import::tombstone(&mut *tx, &h)?;
                report.holidays.removed += 1;
            }
        }
        if report.holidays.removed > 0 {
            report.warnings.push(format!(
                "{} période(s) de l'ancienne zone retirée(s) : relancez `import sts` pour \
                 rendre leurs cours aux jours redevenus travaillés ; pour les années ou la zone \
                 que le serveur ne fournit pas, chargez le calendrier de la nouvelle zone \
                 (`import calendar FICHIER.ics`)",
                report.holidays.removed
            ));
        }
    }
    lessons_in_holidays(&*tx, &mut report)?;
    if periods.is_empty() {
        report.warnings.push(format!(
            "aucune vacance n'est fournie pour la zone {zone} : chargez le calendrier du \
             ministère avec `import calendar FICHIER.ics`"
        ));
    }
    tx.commit()?;
    Ok(report)
}

/// Reads the ministry's iCalendar of a zone (`Zone-C.ics`, `Corse.ics`…) and writes its
/// holidays, in one transaction. An event named for another zone than the school's is left
/// out with a warning.
pub fn import_ics(store: &dyn Store, path: &Path) -> Result<CalendarReport, CalendarError> {
    let file = path.display().to_string();
    let refused = |m: String| CalendarError::Refused(format!("{file} : {m}"));
    let bytes = crate::read_limited(path, MAX_ICS_BYTES).map_err(refused)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| refused("le fichier n'est pas en UTF-8 (RFC 5545)".into()))?;
    let zone = zone(store)?;
    let (periods, mut warnings) = read_ics(&text, zone.as_deref()).map_err(refused)?;
    if periods.is_empty() {
        return Err(refused(
            "aucune période de vacances (VEVENT) dans le fichier".into(),
        ));
    }
    let mut tx = store.write()?;
    let mut report = write_periods(&mut *tx, &periods)?;
    lessons_in_holidays(&*tx, &mut report)?;
    tx.commit()?;
    report.zone = zone;
    report.warnings.append(&mut warnings);
    Ok(report)
}

/// Warns when lessons already stored fall in the periods just written: the timetable was
/// imported before the holidays were known, and importing it again takes them out.
fn lessons_in_holidays(
    tx: &dyn crate::store::ReadTx,
    report: &mut CalendarReport,
) -> Result<(), StoreError> {
    if report.periods.is_empty() {
        return Ok(());
    }
    let count = tx
        .live_of_kind(EntityKind::CourseOccurrence)?
        .iter()
        .filter_map(|o| o.data.get("date")?.as_str()?.parse::<NaiveDate>().ok())
        .filter(|d| report.periods.iter().any(|p| p.first <= *d && *d <= p.last))
        .count();
    if count > 0 {
        report.warnings.push(format!(
            "{count} cours déjà importés tombent pendant ces vacances : relancez `import sts` \
             pour les retirer"
        ));
    }
    Ok(())
}

/// Writes one holiday record per period, each compared with the stored one.
fn write_periods(
    tx: &mut dyn WriteTx,
    periods: &[Period],
) -> Result<CalendarReport, CalendarError> {
    let mut report = CalendarReport::default();
    for p in periods {
        let id = holiday_id(&p.school_year, &p.name);
        let serde_json::Value::Object(data) =
            json!({"name": p.name, "start": p.first, "end": p.last})
        else {
            unreachable!("an object")
        };
        let data = validate(EntityKind::Holiday, &data)
            .map_err(|e| CalendarError::Refused(format!("{} : {e}", p.name)))?;
        let existing = tx.get_record(EntityKind::Holiday, &id)?;
        let write = crate::import::compare(
            &mut report.holidays,
            EntityKind::Holiday,
            id,
            data,
            existing.as_ref(),
        );
        if let Some(write) = write {
            tx.put_record(&write)?;
            report.periods.push(p.clone());
        }
    }
    Ok(report)
}

/// The lines of an iCalendar text, unfolded (RFC 5545 §3.1), each with its first line's
/// number.
fn unfolded(text: &str) -> Vec<(usize, String)> {
    let mut lines: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        match (raw.strip_prefix([' ', '\t']), lines.last_mut()) {
            (Some(rest), Some((_, last))) => last.push_str(rest),
            _ => lines.push((i + 1, raw.to_string())),
        }
    }
    lines
}

/// A date property's day: `20261219`, or a date-time (`20261218T230000Z` is the 19th in
/// Paris: the ministry's files give midnight in Paris as UTC).
fn ics_day(value: &str) -> Option<NaiveDate> {
    if let Some(utc) = value.strip_suffix('Z') {
        let t = chrono::NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S").ok()?;
        return Some(ardoise_protocol::calendar::paris_today(t.and_utc()));
    }
    let day = value.get(..8)?;
    NaiveDate::parse_from_str(day, "%Y%m%d").ok()
}

/// Undoes the text escapes of RFC 5545 §3.3.11.
fn unescape(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push(' '),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// An iCalendar file read: its periods and the warnings.
pub type ReadIcs = (Vec<Period>, Vec<String>);

/// The holiday periods of an iCalendar text, and warnings; or why it is refused.
///
/// Each `VEVENT` is a period: `SUMMARY` its name (a trailing ` - Zone C` is the zone),
/// `DTSTART` the first day off, `DTEND` the day classes resume (exclusive, as RFC 5545
/// has it for days). A start with no end (« Début des vacances d'été ») runs to 31 August.
pub fn read_ics(text: &str, zone: Option<&str>) -> Result<ReadIcs, String> {
    // A file saved by a Windows editor may begin with a byte-order mark.
    let lines = unfolded(text.strip_prefix('\u{feff}').unwrap_or(text));
    if !lines
        .first()
        .is_some_and(|(_, l)| l.eq_ignore_ascii_case("BEGIN:VCALENDAR"))
    {
        return Err("ligne 1 : ce n'est pas un fichier iCalendar (BEGIN:VCALENDAR)".into());
    }
    let mut periods: BTreeMap<String, Period> = BTreeMap::new();
    let mut warnings = Vec::new();
    let mut event: Option<(usize, BTreeMap<String, String>)> = None;
    let mut ended = false;
    for (n, line) in &lines {
        let Some((head, value)) = line.split_once(':') else {
            if line.trim().is_empty() {
                continue;
            }
            return Err(format!("ligne {n} : propriété sans « : »"));
        };
        let name = head.split(';').next().unwrap_or("").to_ascii_uppercase();
        match (name.as_str(), value.to_ascii_uppercase().as_str()) {
            ("BEGIN", "VEVENT") => {
                if event.is_some() {
                    return Err(format!("ligne {n} : VEVENT dans un VEVENT"));
                }
                event = Some((*n, BTreeMap::new()));
            }
            ("END", "VEVENT") => {
                let (start_line, props) = event
                    .take()
                    .ok_or_else(|| format!("ligne {n} : END:VEVENT sans BEGIN"))?;
                if let Some(p) = period_of(start_line, &props, zone, &mut warnings)? {
                    let id = holiday_id(&p.school_year, &p.name);
                    if periods.insert(id, p).is_some() {
                        warnings.push(format!(
                            "ligne {start_line} : période en double, la dernière est gardée"
                        ));
                    }
                    if periods.len() > MAX_PERIODS {
                        return Err(format!("plus de {MAX_PERIODS} périodes"));
                    }
                }
            }
            ("END", "VCALENDAR") => ended = true,
            _ => {
                if let Some((_, props)) = event.as_mut() {
                    props.insert(name, unescape(value));
                }
            }
        }
    }
    if event.is_some() || !ended {
        return Err("fichier tronqué : END:VEVENT ou END:VCALENDAR manquant".into());
    }
    Ok((periods.into_values().collect(), warnings))
}

/// The period of one event; `None` (with a warning) for another zone's.
fn period_of(
    line: usize,
    props: &BTreeMap<String, String>,
    zone: Option<&str>,
    warnings: &mut Vec<String>,
) -> Result<Option<Period>, String> {
    let summary = props
        .get("SUMMARY")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| format!("ligne {line} : événement sans SUMMARY"))?;
    let (name, named_zone) = match summary.rsplit_once(" - ") {
        Some((name, z)) => match parse_zone(z) {
            Some(z) => (name.trim(), Some(z)),
            None => (summary, None),
        },
        None => (summary, None),
    };
    if let (Some(z), Some(school)) = (named_zone, zone) {
        if z != school {
            warnings.push(format!(
                "ligne {line} : « {summary} » est de la zone {z}, pas de la zone {school} de \
                 l'établissement : laissé de côté"
            ));
            return Ok(None);
        }
    }
    let start = props
        .get("DTSTART")
        .and_then(|v| ics_day(v.trim()))
        .ok_or_else(|| format!("ligne {line} : DTSTART absent ou illisible"))?;
    // « Début des vacances d'été » has no end: the summer runs to 31 August.
    let summer_start = name.to_lowercase().starts_with("début");
    let last = match props.get("DTEND") {
        Some(v) => {
            let end = ics_day(v.trim()).ok_or_else(|| format!("ligne {line} : DTEND illisible"))?;
            end.pred_opt().unwrap_or(end)
        }
        None if summer_start => start,
        // A day to mark, not days off: « Rentrée scolaire des élèves », « Prérentrée des
        // enseignants ».
        None => return Ok(None),
    };
    let last = if summer_start {
        NaiveDate::from_ymd_opt(start.year(), 8, 31)
            .filter(|d| *d >= start)
            .unwrap_or(start)
    } else if last < start {
        // An event that ends where it starts: no day off.
        return Ok(None);
    } else {
        last
    };
    if !(2000..=2100).contains(&start.year()) || (last - start).num_days() > 100 {
        return Err(format!(
            "ligne {line} : « {summary} » du {start} au {last} n'est pas une période de vacances"
        ));
    }
    let name = if summer_start {
        "Vacances d'été".to_string()
    } else {
        name.to_string()
    };
    // Summer closes the school year it ends.
    let school_year = if name == "Vacances d'été" {
        school_year_of(start - chrono::Duration::days(60))
    } else {
        school_year_of(start)
    };
    Ok(Some(Period {
        school_year,
        name,
        first: start,
        last,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_are_read_as_administrators_type_them() {
        assert_eq!(parse_zone("C"), Some("C"));
        assert_eq!(parse_zone("zone b"), Some("B"));
        assert_eq!(parse_zone("Zone A"), Some("A"));
        assert_eq!(parse_zone("corse"), Some("Corse"));
        assert_eq!(parse_zone("reunion"), Some("La Réunion"));
        assert_eq!(parse_zone("La Réunion"), Some("La Réunion"));
        assert_eq!(parse_zone("D"), None);
        assert_eq!(parse_zone(""), None);
    }

    #[test]
    fn a_holiday_id_is_its_school_year_and_its_name() {
        assert!(is_calendar_id("hol-2026-2027-vacances-de-noel"));
        assert!(!is_calendar_id("hol-01"));
        assert!(!is_calendar_id("hol-noel-2026-2027"));
        assert_eq!(
            holiday_id("2026-2027", "Vacances de Noël"),
            "hol-2026-2027-vacances-de-noel"
        );
        assert_eq!(
            holiday_id("2026-2027", "Pont de l'Ascension"),
            "hol-2026-2027-pont-de-l-ascension"
        );
        assert_eq!(
            school_year_of(NaiveDate::from_ymd_opt(2027, 2, 6).unwrap()),
            "2026-2027"
        );
        assert_eq!(
            school_year_of(NaiveDate::from_ymd_opt(2026, 8, 1).unwrap()),
            "2026-2027"
        );
    }

    #[test]
    fn the_shipped_calendar_covers_every_zone_and_year_it_claims() {
        let rows = shipped_rows();
        for zone in ["A", "B", "C"] {
            for year in ["2024-2025", "2025-2026", "2026-2027", "2027-2028"] {
                let names: Vec<String> = rows
                    .iter()
                    .filter(|(z, p)| z == zone && p.school_year == year)
                    .map(|(_, p)| p.name.clone())
                    .collect();
                for wanted in [
                    "Vacances de la Toussaint",
                    "Vacances de Noël",
                    "Vacances d'hiver",
                    "Vacances de printemps",
                    "Vacances d'été",
                ] {
                    assert!(names.iter().any(|n| n == wanted), "{zone} {year} {wanted}");
                }
            }
        }
        for (zone, p) in &rows {
            assert!(p.first <= p.last, "{zone} {p:?}");
            assert_eq!(
                school_year_of(
                    p.first
                        - chrono::Duration::days(if p.name == "Vacances d'été" { 60 } else { 0 })
                ),
                p.school_year,
                "{zone} {p:?}"
            );
        }
        // Christmas 2026 in zone C: from Saturday 19 December to Sunday 3 January.
        let noel = shipped("C")
            .into_iter()
            .find(|p| p.school_year == "2026-2027" && p.name == "Vacances de Noël")
            .unwrap();
        assert_eq!(
            (noel.first, noel.last),
            (
                NaiveDate::from_ymd_opt(2026, 12, 19).unwrap(),
                NaiveDate::from_ymd_opt(2027, 1, 3).unwrap()
            )
        );
        assert!(shipped("Corse").is_empty());
    }

    const MINISTRY_LIKE: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//FR\r\n\
BEGIN:VEVENT\r\nUID:1\r\nDTSTART;VALUE=DATE:20281021\r\nDTEND;VALUE=DATE:20281106\r\n\
SUMMARY:Vacances de la Toussaint - Zone C\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:2\r\nDTSTART:20281215T230000Z\r\nDTEND:20290102T230000Z\r\n\
SUMMARY:Vacances de No\r\n ël - Zone C\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:3\r\nDTSTART;VALUE=DATE:20290210\r\nDTEND;VALUE=DATE:20290226\r\n\
SUMMARY:Vacances d'hiver - Zone A\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:4\r\nDTSTART;VALUE=DATE:20290707\r\n\
SUMMARY:Début des Vacances d'Été - Zone C\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:5\r\nDTSTART;VALUE=DATE:20280901\r\n\
SUMMARY:Rentrée scolaire des élèves - Zone C\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:6\r\nDTSTART;VALUE=DATE:20280831\r\nDTEND;VALUE=DATE:20280831\r\n\
SUMMARY:Prérentrée des enseignants - Zone C\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    #[test]
    fn the_ministrys_icalendar_gives_periods_by_school_year() {
        let (periods, warnings) = read_ics(MINISTRY_LIKE, Some("C")).unwrap();
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let got: Vec<(&str, &str, NaiveDate, NaiveDate)> = periods
            .iter()
            .map(|p| (p.school_year.as_str(), p.name.as_str(), p.first, p.last))
            .collect();
        assert!(got.contains(&(
            "2028-2029",
            "Vacances de la Toussaint",
            d(2028, 10, 21),
            d(2028, 11, 5)
        )));
        // Folded, and midnight in Paris given in UTC.
        assert!(got.contains(&(
            "2028-2029",
            "Vacances de Noël",
            d(2028, 12, 16),
            d(2029, 1, 2)
        )));
        assert!(got.contains(&("2028-2029", "Vacances d'été", d(2029, 7, 7), d(2029, 8, 31))));
        // Zone A's winter is not the school's; the rentrée is a day of classes.
        assert_eq!(periods.len(), 3, "{got:?}");
        let with_bom = format!("\u{feff}{MINISTRY_LIKE}");
        assert_eq!(read_ics(&with_bom, Some("C")).unwrap().0, periods);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
    }

    #[test]
    fn a_broken_icalendar_is_refused_with_its_line() {
        assert!(read_ics("hello", None).unwrap_err().contains("ligne 1"));
        let truncated = MINISTRY_LIKE.replace("END:VCALENDAR\r\n", "");
        assert!(read_ics(&truncated, None).unwrap_err().contains("tronqué"));
        let bad = MINISTRY_LIKE.replace("DTSTART;VALUE=DATE:20281021", "DTSTART;VALUE=DATE:2028");
        assert!(
            read_ics(&bad, None).unwrap_err().contains("ligne 4"),
            "{:?}",
            read_ics(&bad, None)
        );
        let long = MINISTRY_LIKE.replace("DTEND;VALUE=DATE:20281106", "DTEND;VALUE=DATE:20291106");
        assert!(read_ics(&long, None)
            .unwrap_err()
            .contains("n'est pas une période"));
    }
}
