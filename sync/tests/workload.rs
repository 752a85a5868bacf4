//! The pupils' workload (`ardoise_sync::workload`) on a teacher's replica synced from the
//! demo school: what a class has to do on a day, the homework being edited left out, the
//! teacher's own drafts counted, the limits, and a group bearing its classes' homework.

mod common;

use ardoise_protocol::entities::{HomeworkKind, PublishState};
use ardoise_sync::views::{self, HomeworkInput, SessionInput, Who};
use ardoise_sync::workload;
use chrono::NaiveDate;
use common::{serve_demo, synced};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[test]
fn a_days_load_counts_what_the_class_already_has_and_warns_above_the_limits() {
    let dir = tempfile::tempdir().unwrap();
    let url = serve_demo(&dir.path().join("server"));
    let (mut martin, _) = synced(dir.path(), &url, "martin");
    // Her 2nde 3 lesson of the week of 7 December, and a séance for it.
    let lesson = views::timetable(
        martin.replica(),
        &Who::Teacher("martin".into()),
        day("2026-12-07"),
        6,
    )
    .unwrap()
    .into_iter()
    .find(|o| o.audience == "2nde 3")
    .expect("martin teaches 2nde 3 that week");
    let session = views::save_session(
        martin.replica_mut(),
        &SessionInput {
            id: None,
            occurrence: Some(lesson.id.clone()),
            title: "La Révolution française".into(),
            content: "<p>Cours</p>".into(),
            annotation: None,
            state: PublishState::Published,
            attachments: vec![],
        },
    )
    .unwrap();
    let due = day("2026-12-11");
    let before = workload::day_load(martin.replica(), "2nde 3", due, None).unwrap();
    let give = |kind, minutes, state| HomeworkInput {
        id: None,
        session_id: session.id.clone(),
        due_on: due.to_string(),
        description: "<p>Réviser</p>".into(),
        kind,
        estimated_minutes: Some(minutes),
        state,
        attachments: vec![],
    };
    let test = views::save_homework(
        martin.replica_mut(),
        &give(HomeworkKind::Test, 60, PublishState::Published),
    )
    .unwrap();
    // Her own draft counts too: it is about to be given.
    views::save_homework(
        martin.replica_mut(),
        &give(HomeworkKind::Reading, 40, PublishState::Draft),
    )
    .unwrap();

    let after = workload::day_load(martin.replica(), "2nde 3", due, None).unwrap();
    assert_eq!(after.items.len(), before.items.len() + 2, "{after:#?}");
    assert_eq!(after.minutes, before.minutes + 100);
    assert_eq!(after.assessments, before.assessments + 1);
    assert!(after.too_long, "100 minutes is over the 90 of the limit");
    // The demo school sets no limits: the usual rule, one assessment a day.
    assert_eq!(
        (after.limits.max_minutes, after.limits.max_assessments),
        (90, 1)
    );
    assert_eq!(after.too_many_assessments, before.assessments >= 1);
    assert!(after
        .items
        .iter()
        .any(|i| i.draft && i.subject == "Histoire-géographie"));
    // The homework being edited is left out: the editor adds it as it stands.
    let editing = workload::day_load(martin.replica(), "2nde 3", due, Some(&test.id)).unwrap();
    assert_eq!(editing.minutes, before.minutes + 40);
    assert_eq!(editing.assessments, before.assessments);

    // The week: the same day, and nothing on the other days from these.
    let week = workload::week_load(martin.replica(), "2nde 3", due).unwrap();
    assert_eq!(week.monday, "2026-12-07");
    assert_eq!(week.days.len(), 6);
    let friday = week.days.iter().find(|d| d.date == "2026-12-11").unwrap();
    assert_eq!(friday.minutes, after.minutes);
    assert!(week
        .days
        .iter()
        .filter(|d| d.date != "2026-12-11")
        .all(|d| !d.items.iter().any(|i| i.id == test.id)));
    // A group drawn from 2nde 3 bears its homework too.
    let group =
        workload::day_load(martin.replica(), "Espagnol LV2 — 2nde 1-2-3", due, None).unwrap();
    assert!(group.items.iter().any(|i| i.id == test.id), "{group:#?}");
    // An unknown class: a typed refusal, not an empty week.
    assert!(workload::week_load(martin.replica(), "9e Z", due).is_err());
}
