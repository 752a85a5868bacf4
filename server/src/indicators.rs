//! The direction's indicators (`GET /v1/indicators`), computed from the store on demand:
//! lessons held and séances written per class and per teacher, homework given, edits made
//! offline, conflicts and how they were settled, active users per role and week, the
//! charter's acceptance. What feeds them is noted as the server works: the weeks a person
//! was active ([`note_activity`], at each login, token renewal and edit) and every op
//! applied once ([`log_op`]). Nothing is ever counted per pupil.

use std::collections::{BTreeMap, HashMap, HashSet};

use ardoise_protocol::indicators::{
    CharterCounts, ConflictCounts, Indicators, RoleAcceptance, WeekActivity, WritingRow,
    MAX_PERIOD_DAYS, OFFLINE_AFTER_SECS,
};
use ardoise_protocol::{Data, EntityKind, Op, OpResult, Role};
use chrono::{Datelike, Duration, NaiveDate};
use serde_json::Value;

use crate::acl::str_of;
use crate::store::{OpLogRow, ReadTx, Store, StoreError, WriteTx};

/// The Monday of `date`'s week.
pub fn monday(date: NaiveDate) -> NaiveDate {
    date - Duration::days(i64::from(date.weekday().num_days_from_monday()))
}

/// The Paris date of a unix time.
fn paris_date(unix: i64) -> NaiveDate {
    let at = chrono::DateTime::from_timestamp(unix, 0).unwrap_or_default();
    ardoise_protocol::calendar::paris_today(at)
}

/// Notes that `user_id` used Ardoise at `now` (unix seconds).
pub fn note_activity(tx: &mut dyn WriteTx, user_id: &str, now: i64) -> Result<(), StoreError> {
    tx.put_activity(user_id, &monday(paris_date(now)).to_string())
}

/// Logs an op applied for the first time, for the indicators.
pub fn log_op(
    tx: &mut dyn WriteTx,
    user_id: &str,
    op: &Op,
    result: &OpResult,
    now: i64,
) -> Result<(), StoreError> {
    let made_at = op
        .op_id
        .get_timestamp()
        .map(|t| t.to_unix().0 as i64)
        // A clock far off (or a made-up id) says nothing about when the edit was made.
        .filter(|t| *t <= now && now - t < 400 * 86_400);
    tx.put_op_log(
        &op.op_id.to_string(),
        &OpLogRow {
            user_id: user_id.to_string(),
            kind: op.kind.as_str().to_string(),
            record_id: op.record_id.clone(),
            action: wire(&op.action),
            keep: op.keep.as_ref().map(wire),
            outcome: wire(&result.outcome),
            made_at,
            received_at: now,
        },
    )?;
    note_activity(tx, user_id, now)
}

/// The wire name of one of the op's enums, as serde writes it.
fn wire<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Why a period is refused.
#[derive(Debug, thiserror::Error)]
#[error("période invalide : du {from} au {until} (au plus {MAX_PERIOD_DAYS} jours, dans l'ordre)")]
pub struct InvalidPeriod {
    from: NaiveDate,
    until: NaiveDate,
}

/// Checks a period: `from` ≤ `until`, at most [`MAX_PERIOD_DAYS`] days.
pub fn check_period(from: NaiveDate, until: NaiveDate) -> Result<(), InvalidPeriod> {
    let days = (until - from).num_days() + 1;
    if !(1..=MAX_PERIOD_DAYS).contains(&days) {
        return Err(InvalidPeriod { from, until });
    }
    Ok(())
}

/// Counts being made for one class or teacher.
#[derive(Default)]
struct Tally {
    held: u32,
    written: u32,
    homework: u32,
    edits: u32,
    offline: u32,
}

fn date_of(data: &Data, field: &str) -> Option<NaiveDate> {
    str_of(data, field).parse().ok()
}

fn ids_of(data: &Data, field: &str) -> Vec<String> {
    data.get(field)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The indicators from `from` to `until` (Paris dates), lessons counted up to `today`.
pub fn compute(
    store: &dyn Store,
    from: NaiveDate,
    until: NaiveDate,
    today: NaiveDate,
) -> Result<Indicators, StoreError> {
    let tx = store.read_long()?;
    let tx = &*tx;
    let in_period = |d: NaiveDate| d >= from && d <= until;

    let users = tx.live_of_kind(EntityKind::User)?;
    let first_role = |data: &Data| -> Option<Role> {
        data.get("roles")
            .and_then(Value::as_array)?
            .first()
            .and_then(|r| serde_json::from_value(r.clone()).ok())
    };
    let roles: HashMap<String, Role> = users
        .iter()
        .filter_map(|u| Some((u.id.clone(), first_role(&u.data)?)))
        .collect();
    let teachers: HashMap<&str, &str> = users
        .iter()
        .filter(|u| roles.get(&u.id) == Some(&Role::Teacher))
        .map(|u| (u.id.as_str(), str_of(&u.data, "displayName")))
        .collect();
    let audiences: HashMap<String, String> = tx
        .live_of_kind(EntityKind::Audience)?
        .into_iter()
        .map(|a| (a.id, str_of(&a.data, "name").to_string()))
        .collect();

    let mut classes: HashMap<String, Tally> = HashMap::new();
    let mut by_teacher: HashMap<String, Tally> = HashMap::new();

    // Lessons held: not cancelled, in the period, up to today.
    let last_held = until.min(today);
    let mut held: HashMap<String, (String, Vec<String>)> = HashMap::new();
    for occ in tx.live_of_kind(EntityKind::CourseOccurrence)? {
        let d = &occ.data;
        let Some(date) = date_of(d, "date") else {
            continue;
        };
        if date < from || date > last_held || str_of(d, "status") == "cancelled" {
            continue;
        }
        let mut who = vec![if str_of(d, "status") == "replaced"
            && !str_of(d, "substituteId").is_empty()
        {
            str_of(d, "substituteId").to_string()
        } else {
            str_of(d, "teacherId").to_string()
        }];
        who.extend(ids_of(d, "coTeacherIds"));
        let audience = str_of(d, "audienceId").to_string();
        classes.entry(audience.clone()).or_default().held += 1;
        for t in &who {
            by_teacher.entry(t.clone()).or_default().held += 1;
        }
        held.insert(occ.id, (audience, who));
    }
    // Séances written for those lessons (one per lesson at most).
    let mut written: HashSet<&str> = HashSet::new();
    let sessions = tx.live_of_kind(EntityKind::Session)?;
    for s in &sessions {
        let occurrence = str_of(&s.data, "occurrenceId");
        if let Some((audience, who)) = held.get(occurrence) {
            if written.insert(occurrence) {
                classes.entry(audience.clone()).or_default().written += 1;
                for t in who {
                    by_teacher.entry(t.clone()).or_default().written += 1;
                }
            }
        }
    }
    // Homework given in the period.
    let homework = tx.live_of_kind(EntityKind::Homework)?;
    for h in &homework {
        if date_of(&h.data, "givenOn").is_some_and(in_period) {
            classes
                .entry(str_of(&h.data, "audienceId").to_string())
                .or_default()
                .homework += 1;
            by_teacher
                .entry(str_of(&h.data, "teacherId").to_string())
                .or_default()
                .homework += 1;
        }
    }
    // Edits of the cahier de textes received in the period, and the offline ones.
    let audience_of: HashMap<(&str, &str), &str> = sessions
        .iter()
        .map(|s| (("session", s.id.as_str()), str_of(&s.data, "audienceId")))
        .chain(
            homework
                .iter()
                .map(|h| (("homework", h.id.as_str()), str_of(&h.data, "audienceId"))),
        )
        .collect();
    let ops = tx.op_log(
        (from - Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc()
            .timestamp(),
        (until + Duration::days(2))
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc()
            .timestamp(),
    )?;
    let ops: Vec<&OpLogRow> = ops
        .iter()
        .filter(|o| in_period(paris_date(o.received_at)))
        .collect();
    for o in &ops {
        if o.outcome == "rejected" || !matches!(o.kind.as_str(), "session" | "homework") {
            continue;
        }
        let offline = o
            .made_at
            .is_some_and(|m| o.received_at - m >= OFFLINE_AFTER_SECS);
        let count = |t: &mut Tally| {
            t.edits += 1;
            t.offline += u32::from(offline);
        };
        if let Some(audience) = audience_of.get(&(o.kind.as_str(), o.record_id.as_str())) {
            count(classes.entry(audience.to_string()).or_default());
        }
        if teachers.contains_key(o.user_id.as_str()) {
            count(by_teacher.entry(o.user_id.clone()).or_default());
        }
    }

    let rows = |tallies: HashMap<String, Tally>, name: &dyn Fn(&str) -> Option<String>| {
        let mut rows: Vec<WritingRow> = tallies
            .into_iter()
            .filter_map(|(id, t)| {
                Some(WritingRow {
                    name: name(&id)?,
                    id,
                    lessons_held: t.held,
                    seances_written: t.written,
                    homework_given: t.homework,
                    edits: t.edits,
                    offline_edits: t.offline,
                })
            })
            .collect();
        rows.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        rows
    };
    let classes = rows(classes, &|id| audiences.get(id).cloned());
    let teachers = rows(by_teacher, &|id| teachers.get(id).map(|n| n.to_string()));

    // Active users per role and week.
    let mut weeks: BTreeMap<NaiveDate, WeekActivity> = BTreeMap::new();
    let mut week = monday(from);
    while week <= until {
        weeks.insert(
            week,
            WeekActivity {
                week,
                teachers: 0,
                vie_scolaire: 0,
                direction: 0,
                pupils: 0,
                parents: 0,
            },
        );
        week += Duration::days(7);
    }
    for (user, w) in tx.activity(&monday(from).to_string(), &until.to_string())? {
        let (Some(role), Ok(w)) = (roles.get(&user), w.parse::<NaiveDate>()) else {
            continue;
        };
        if let Some(a) = weeks.get_mut(&w) {
            match role {
                Role::Teacher => a.teachers += 1,
                Role::VieScolaire => a.vie_scolaire += 1,
                Role::Direction => a.direction += 1,
                Role::Pupil => a.pupils += 1,
                Role::Parent => a.parents += 1,
                Role::Inspector => {}
            }
        }
    }

    // Conflicts made and settled in the period; those open now.
    let mut conflicts = ConflictCounts {
        open: tx.live_of_kind(EntityKind::Conflict)?.len() as u32,
        ..ConflictCounts::default()
    };
    for o in &ops {
        match (o.outcome.as_str(), o.action.as_str(), o.keep.as_deref()) {
            ("conflict", _, _) => conflicts.made += 1,
            ("applied", "resolve", Some("mine")) => conflicts.kept_mine += 1,
            ("applied", "resolve", Some("theirs")) => conflicts.kept_theirs += 1,
            _ => {}
        }
    }

    Ok(Indicators {
        from,
        until,
        classes,
        teachers,
        weeks: weeks.into_values().collect(),
        conflicts,
        charter: charter_counts(tx, &roles)?,
    })
}

/// Active accounts per role, and how many accepted the latest charter.
fn charter_counts(
    tx: &dyn ReadTx,
    roles: &HashMap<String, Role>,
) -> Result<CharterCounts, StoreError> {
    let Some((latest, _)) = crate::charter::latest(tx)? else {
        return Ok(CharterCounts::default());
    };
    let accepted: HashSet<String> = tx
        .live_of_kind(EntityKind::CharterAcceptance)?
        .into_iter()
        .filter(|a| a.data.get("number").and_then(Value::as_u64) == Some(u64::from(latest)))
        .map(|a| str_of(&a.data, "userId").to_string())
        .collect();
    let mut by_role: BTreeMap<u8, RoleAcceptance> = BTreeMap::new();
    for (user, role) in roles {
        if tx.account_of_user(user)?.is_none() || tx.account_disabled(user)? {
            continue;
        }
        let row = by_role.entry(*role as u8).or_insert(RoleAcceptance {
            role: *role,
            accounts: 0,
            accepted: 0,
        });
        row.accounts += 1;
        row.accepted += u32::from(accepted.contains(user));
    }
    Ok(CharterCounts {
        version: Some(latest),
        by_role: by_role.into_values().collect(),
    })
}
