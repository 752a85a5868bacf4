//! The core API the app and the CLI both call (`ardoise_sync::views`), on replicas synced
//! from the reference server with the demo school (served in this process, on loopback):
//! a teacher's week and her séances as the editor shows them, and the visa rule — the
//! editor's read-only séance and the refusal of a save are one rule.

mod common;

use ardoise_protocol::entities::{HomeworkKind, PublishState};
use ardoise_protocol::ErrorCode;
use ardoise_sync::logbook;
use ardoise_sync::views::{self, HomeworkInput, SessionInput, Who};
use chrono::NaiveDate;
use common::{serve_demo, synced};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[test]
fn the_week_the_editor_and_the_visa_lock_agree_for_a_teacher() {
    let dir = tempfile::tempdir().unwrap();
    let url = serve_demo(&dir.path().join("server"));
    let (mut martin, profile) = synced(dir.path(), &url, "martin");
    let user = profile.info().unwrap().user;

    // Her week (the demo's logbook is filled up to Friday 27 November 2026): her lessons
    // only, Monday to Saturday, and each séance written shows its homework count.
    let week = views::week(martin.replica(), &user, day("2026-11-25")).unwrap();
    assert_eq!(week.monday, "2026-11-23");
    assert!(week.holidays.is_empty(), "a school week");
    // The week of 11 November: Armistice, by name, that day only.
    let armistice = views::week(martin.replica(), &user, day("2026-11-11")).unwrap();
    assert_eq!(
        armistice.holidays.iter().collect::<Vec<_>>(),
        [(&"2026-11-11".to_string(), &"Armistice".to_string())]
    );
    assert!(armistice.occurrences.iter().all(|o| o.date != "2026-11-11"));
    // Christmas: the Saturday it starts on.
    let christmas = views::week(martin.replica(), &user, day("2026-12-14")).unwrap();
    assert_eq!(
        christmas.holidays.get("2026-12-19").map(String::as_str),
        Some("Vacances de Noël")
    );
    assert!(!week.occurrences.is_empty(), "martin teaches that week");
    let own = views::timetable(
        martin.replica(),
        &Who::Teacher("martin".into()),
        day("2026-11-23"),
        6,
    )
    .unwrap();
    assert_eq!(week.occurrences, own);
    assert!(
        !week.sessions_by_occurrence.is_empty(),
        "her séances are written"
    );
    for (occurrence, written) in &week.sessions_by_occurrence {
        assert!(week.occurrences.iter().any(|o| &o.id == occurrence));
        let session = views::session(martin.replica(), &written.session_id).unwrap();
        assert_eq!(session.occurrence_id.as_deref(), Some(occurrence.as_str()));
        assert_eq!(
            session.homework.len() as u32,
            written.homework,
            "{occurrence}"
        );
        let of_lesson = views::session_of_lesson(martin.replica(), occurrence)
            .unwrap()
            .unwrap();
        assert_eq!(of_lesson.id, session.id);
    }

    // A lesson of next week, not yet written: a séance from the editor, then a homework
    // that takes the séance's class, subject and date, due at the class's next lesson.
    let next = views::week(martin.replica(), &user, day("2026-11-30")).unwrap();
    let lesson = next
        .occurrences
        .iter()
        .find(|o| o.status == "planned" && !next.sessions_by_occurrence.contains_key(&o.id))
        .expect("a lesson to write")
        .clone();
    let saved = views::save_session(
        martin.replica_mut(),
        &SessionInput {
            id: None,
            occurrence: Some(lesson.id.clone()),
            title: "Les Lumières".into(),
            content: "<p>Montesquieu</p><script>alert(1)</script>".into(),
            annotation: None,
            state: PublishState::Published,
            attachments: vec![],
        },
    )
    .unwrap();
    assert_eq!(
        (saved.date.as_str(), saved.locked),
        (lesson.date.as_str(), false)
    );
    assert_eq!(saved.audience, lesson.audience);
    assert!(!saved.content.contains("script"), "{}", saved.content);
    let due = views::next_lesson(martin.replica(), &lesson.id).unwrap();
    let homework = views::save_homework(
        martin.replica_mut(),
        &HomeworkInput {
            id: None,
            session_id: saved.id.clone(),
            due_on: due.clone().unwrap_or_else(|| lesson.date.clone()),
            description: "<p>Lire le chapitre 3</p>".into(),
            kind: HomeworkKind::Reading,
            estimated_minutes: Some(30),
            state: PublishState::Published,
            attachments: vec![],
        },
    )
    .unwrap();
    assert_eq!(homework.given_on, lesson.date);
    assert_eq!(homework.kind, HomeworkKind::Reading);
    let reopened = views::session(martin.replica(), &saved.id).unwrap();
    assert_eq!(reopened.homework.len(), 1);
    assert!(views::drafts(martin.replica())
        .unwrap()
        .iter()
        .all(|d| d.id != saved.id));
    martin.sync_once().unwrap();

    // The direction signs martin's logbook for that class up to the Wednesday before.
    let (mut bernard, _) = synced(dir.path(), &url, "bernard");
    let until = day("2026-11-25");
    let book =
        views::teacher_logbook(bernard.replica(), "martin", day("2026-11-23"), until).unwrap();
    let signed = book
        .entries
        .first()
        .expect("martin wrote séances that week")
        .clone();
    logbook::sign_visa(
        bernard.replica_mut(),
        "martin",
        &signed.audience_id,
        until,
        "Vu.",
    )
    .unwrap();
    bernard.sync_once().unwrap();
    martin.sync_once().unwrap();

    // The editor opens it read-only, and a save is refused for the same reason; after
    // the visa's date, the same class's séance stays open.
    let locked = views::session(martin.replica(), &signed.id).unwrap();
    assert!(locked.locked, "{} under the visa", locked.date);
    let err = views::save_session(
        martin.replica_mut(),
        &SessionInput {
            id: Some(signed.id.clone()),
            occurrence: None,
            title: "Corrigé après le visa".into(),
            content: locked.content.clone(),
            annotation: None,
            state: PublishState::Published,
            attachments: vec![],
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::LogbookVisaLocked);
    assert_eq!(
        views::session(martin.replica(), &signed.id).unwrap().title,
        locked.title,
        "nothing changed"
    );
    let book =
        views::teacher_logbook(bernard.replica(), "martin", day("2026-11-23"), until).unwrap();
    let visa = book
        .audiences
        .iter()
        .find(|a| a.id == signed.audience_id)
        .unwrap();
    assert_eq!(visa.visa_until.as_deref(), Some("2026-11-25"));
    let after = views::week(martin.replica(), &user, day("2026-11-30"))
        .unwrap()
        .sessions_by_occurrence;
    // Never vacuous: the séance written above, after the visa's date, is among them.
    assert!(
        after.values().any(|w| w.session_id == saved.id),
        "the séance written after the visa: {after:?}"
    );
    for later in after.values() {
        let s = views::session(martin.replica(), &later.session_id).unwrap();
        assert!(!s.locked, "{} is after the visa", s.date);
    }
}
