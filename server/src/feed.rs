//! A user's timetable as a calendar subscription: `GET /ical/<secret>.ics`, which a phone's
//! or a desktop's calendar polls. The secret in the address is the only key (calendar
//! applications send no token): it is long, random, stored as a hash, and renewing it
//! (`POST /v1/calendar-feed`, from the app's « Agenda » or `ardoise calendar-feed`) makes the
//! old address stop working.
//!
//! The feed holds only that user's timetable: a teacher's lessons (co-taught ones and
//! those she replaces included), a pupil's or a parent's class and groups. Lessons start a
//! week back and run to the end of the data. Events are written by
//! `ardoise_protocol::ical`, as the client's export is: the same UIDs (a lesson's id,
//! stable across syncs and timetable re-imports), `SEQUENCE` from the lesson's version,
//! cancelled lessons kept with `STATUS:CANCELLED`, the published séance's title in the
//! description.

use std::collections::HashMap;

use ardoise_protocol::ical::Lesson;
use ardoise_protocol::{EntityKind, Role};
use chrono::{Duration, NaiveDate};
use serde_json::Value;

use crate::acl::{self, Access, Principal};
use crate::auth::{new_token, token_hash};
use crate::store::{Result, Store};

/// Gives `user_id` a new feed secret (the old one stops working) and returns it.
pub fn renew(store: &dyn Store, user_id: &str, now: i64) -> Result<String> {
    let secret = new_token();
    let mut tx = store.write()?;
    tx.put_calendar_feed(user_id, &token_hash(&secret), now)?;
    tx.commit()?;
    Ok(secret)
}

/// Whether `secret` has the shape of one we give (64 hex digits).
pub fn well_formed(secret: &str) -> bool {
    secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The calendar's title and lessons for the feed `secret`, from `today` less a week;
/// `None` for an unknown secret or a disabled account.
pub fn lessons(
    store: &dyn Store,
    secret: &str,
    today: NaiveDate,
) -> Result<Option<(String, Vec<Lesson>)>> {
    if !well_formed(secret) {
        return Ok(None);
    }
    let tx = store.read()?;
    let Some(user_id) = tx.calendar_feed_user(&token_hash(secret))? else {
        return Ok(None);
    };
    if tx.account_disabled(&user_id)? {
        return Ok(None);
    }
    let Some(p) = Principal::load(&*tx, &user_id)? else {
        return Ok(None);
    };
    let names = |kind: EntityKind, field: &str| -> Result<HashMap<String, String>> {
        Ok(tx
            .live_of_kind(kind)?
            .into_iter()
            .map(|r| {
                let name = r
                    .data
                    .get(field)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                (r.id, name)
            })
            .collect())
    };
    let people = names(EntityKind::User, "displayName")?;
    let subjects = names(EntityKind::Subject, "label")?;
    let audiences = names(EntityKind::Audience, "name")?;
    let rooms = names(EntityKind::Room, "code")?;
    let from = (today - Duration::days(7)).to_string();
    let teaches = p.roles.contains(&Role::Teacher);
    let attends = p
        .roles
        .iter()
        .any(|r| matches!(r, Role::Pupil | Role::Parent));
    let text = |data: &serde_json::Map<String, Value>, f: &str| {
        data.get(f).and_then(Value::as_str).map(str::to_string)
    };
    let mut lessons = Vec::new();
    for o in tx.live_of_kind(EntityKind::CourseOccurrence)? {
        let d = &o.data;
        if text(d, "date").is_none_or(|date| date < from) {
            continue;
        }
        let co_teaches = d
            .get("coTeacherIds")
            .and_then(Value::as_array)
            .is_some_and(|ids| ids.iter().any(|id| id == p.id.as_str()));
        let mine = (teaches
            && (acl::str_of(d, "teacherId") == p.id
                || co_teaches
                || acl::str_of(d, "substituteId") == p.id))
            || (attends && p.audiences.contains(acl::str_of(d, "audienceId")));
        if !mine || acl::read_access(&p, EntityKind::CourseOccurrence, d) == Access::Hidden {
            continue;
        }
        let name = |map: &HashMap<String, String>, f: &str| {
            map.get(acl::str_of(d, f)).cloned().unwrap_or_default()
        };
        let mut teacher = name(&people, "teacherId");
        for id in d
            .get("coTeacherIds")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(n) = id.as_str().and_then(|id| people.get(id)) {
                teacher = format!("{teacher}, {n}");
            }
        }
        lessons.push(Lesson {
            id: o.id.clone(),
            version: o.version,
            date: text(d, "date").unwrap_or_default(),
            start: text(d, "start").unwrap_or_default(),
            end: text(d, "end").unwrap_or_default(),
            subject: name(&subjects, "subjectId"),
            audience: name(&audiences, "audienceId"),
            teacher,
            room: text(d, "roomId").and_then(|r| rooms.get(&r).cloned()),
            status: text(d, "status").unwrap_or_default(),
            substitute: text(d, "substituteId").and_then(|s| people.get(&s).cloned()),
            note: text(d, "note"),
            seance: None,
        });
    }
    // The title of the séance published for each lesson, as its readers see it.
    let by_id: HashMap<String, usize> = lessons
        .iter()
        .enumerate()
        .map(|(i, l)| (l.id.clone(), i))
        .collect();
    for s in tx.live_of_kind(EntityKind::Session)? {
        let Some(i) = s
            .data
            .get("occurrenceId")
            .and_then(Value::as_str)
            .and_then(|o| by_id.get(o))
        else {
            continue;
        };
        if s.data.get("state").and_then(Value::as_str) == Some("published")
            && acl::read_access(&p, EntityKind::Session, &s.data) != Access::Hidden
        {
            lessons[*i].seance = text(&s.data, "title");
        }
    }
    lessons.sort_by(|a, b| (&a.date, &a.start, &a.id).cmp(&(&b.date, &b.start, &b.id)));
    Ok(Some((
        format!("Emploi du temps — {}", p.display_name),
        lessons,
    )))
}
