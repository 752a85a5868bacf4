//! The pupils' workload (charge de travail): what a class or group has to do for each day,
//! the minutes it is estimated at and its assessments, counted from the replica so that it
//! works offline — in the homework editor, before a teacher adds one more thing to a day
//! already full, and in `ardoise workload`.
//!
//! A class bears its own homework and that of every group drawn from it (a pupil of
//! 2nde 1 in « Espagnol LV2 — 2nde 1-2-3 » does both); a group bears its own and that of
//! its member classes. Only what the pupils are given counts: published homework, plus
//! the reader's own drafts (about to be given). An assessment is homework of the kind
//! « évaluation » (`test`), counted apart. A day is over the limit above the school's
//! [`Limits`] (its record's `workload`; the usual rule, 90 minutes and one assessment,
//! when it sets none).

use std::collections::BTreeMap;

use ardoise_protocol::entities::HomeworkKind;
pub use ardoise_protocol::entities::WorkloadLimits as Limits;
use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;
use serde_json::Value;

use crate::queries;
use crate::replica::Replica;
use crate::Result;

/// One homework in a day's load.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadItem {
    /// Homework id.
    pub id: String,
    /// The subject's label.
    pub subject: String,
    /// The class or group it was given to.
    pub audience: String,
    /// Exercise, reading, test…
    pub kind: HomeworkKind,
    /// Estimated minutes, when the teacher gave them.
    pub minutes: Option<u32>,
    /// Whether it is still the reader's draft.
    pub draft: bool,
}

/// What is due on one day.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DayLoad {
    /// The day, YYYY-MM-DD.
    pub date: String,
    /// The homework due.
    pub items: Vec<LoadItem>,
    /// Estimated minutes, summed.
    pub minutes: u32,
    /// Homework without an estimate.
    pub unestimated: u32,
    /// Assessments due.
    pub assessments: u32,
    /// Above the minutes limit.
    pub too_long: bool,
    /// Above the assessments limit.
    pub too_many_assessments: bool,
    /// The limits it is held to.
    pub limits: Limits,
}

impl DayLoad {
    fn of(date: NaiveDate, items: Vec<LoadItem>, limits: &Limits) -> DayLoad {
        let minutes = items.iter().filter_map(|i| i.minutes).sum();
        let assessments = items
            .iter()
            .filter(|i| i.kind == HomeworkKind::Test)
            .count() as u32;
        DayLoad {
            date: date.to_string(),
            unestimated: items.iter().filter(|i| i.minutes.is_none()).count() as u32,
            too_long: minutes > limits.max_minutes,
            too_many_assessments: assessments > limits.max_assessments,
            limits: *limits,
            items,
            minutes,
            assessments,
        }
    }
}

/// A class's or group's week.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WeekLoad {
    /// The class or group.
    pub audience: String,
    /// Monday of the week, YYYY-MM-DD.
    pub monday: String,
    /// Monday to Saturday.
    pub days: Vec<DayLoad>,
    /// The limits the days are held to.
    pub limits: Limits,
}

/// The school's limits, or the usual rule when it sets none.
pub fn limits(replica: &Replica) -> Result<Limits> {
    Ok(queries::school_workload(replica.conn())?.unwrap_or_default())
}

/// The items due from `from` to `to` for the audience `audience_id`, by day; `excluding`
/// one homework (the one being edited, counted as the editor has it).
fn items_between(
    replica: &Replica,
    audience_id: &str,
    from: NaiveDate,
    to: NaiveDate,
    excluding: Option<&str>,
) -> Result<BTreeMap<NaiveDate, Vec<LoadItem>>> {
    let conn = replica.conn();
    let me = crate::logbook::Me::load(replica).ok().map(|m| m.id);
    let mut labels: BTreeMap<String, String> = BTreeMap::new();
    let mut audiences: BTreeMap<String, String> = BTreeMap::new();
    let mut by_day: BTreeMap<NaiveDate, Vec<LoadItem>> = BTreeMap::new();
    for h in queries::workload_homework(conn, audience_id, from, to)? {
        let text = |f: &str| h.get(f).and_then(Value::as_str).unwrap_or("").to_string();
        let id = text("id");
        if Some(id.as_str()) == excluding {
            continue;
        }
        let draft = h.get("state").and_then(Value::as_str) != Some("published");
        if draft && me.as_deref() != Some(text("teacherId").as_str()) {
            continue;
        }
        let Ok(due) = text("dueOn").parse::<NaiveDate>() else {
            continue;
        };
        let subject_id = text("subjectId");
        if !labels.contains_key(&subject_id) {
            labels.insert(
                subject_id.clone(),
                queries::subject_label(conn, &subject_id)?,
            );
        }
        let audience = text("audienceId");
        if !audiences.contains_key(&audience) {
            audiences.insert(audience.clone(), queries::audience_name(conn, &audience)?);
        }
        by_day.entry(due).or_default().push(LoadItem {
            id,
            subject: labels[&subject_id].clone(),
            audience: audiences[&audience].clone(),
            kind: serde_json::from_value(h.get("kind").cloned().unwrap_or(Value::Null))
                .unwrap_or_default(),
            minutes: h
                .get("estimatedMinutes")
                .and_then(Value::as_u64)
                .map(|m| m as u32),
            draft,
        });
    }
    Ok(by_day)
}

/// The load of the class or group named `audience` on `date`, as if the homework
/// `excluding` were not there (the editor adds what it is about to save).
pub fn day_load(
    replica: &Replica,
    audience: &str,
    date: NaiveDate,
    excluding: Option<&str>,
) -> Result<DayLoad> {
    let audience_id = queries::audience_id(replica.conn(), audience)?;
    let mut by_day = items_between(replica, &audience_id, date, date, excluding)?;
    let items = by_day.remove(&date).unwrap_or_default();
    Ok(DayLoad::of(date, items, &limits(replica)?))
}

/// The week of `date` for the class or group named `audience` (« 2nde 3 »).
pub fn week_load(replica: &Replica, audience: &str, date: NaiveDate) -> Result<WeekLoad> {
    let conn = replica.conn();
    let audience_id = queries::audience_id(conn, audience)?;
    let monday = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
    let saturday = monday + Duration::days(5);
    let limits = limits(replica)?;
    let mut by_day = items_between(replica, &audience_id, monday, saturday, None)?;
    let days = (0..6)
        .map(|d| {
            let day = monday + Duration::days(d);
            DayLoad::of(day, by_day.remove(&day).unwrap_or_default(), &limits)
        })
        .collect();
    Ok(WeekLoad {
        audience: queries::audience_name(conn, &audience_id)?,
        monday: monday.to_string(),
        days,
        limits,
    })
}
