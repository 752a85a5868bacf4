//! The year's archive of the cahier de textes (`ardoise_sync::archive`), read back as a
//! person would with `pdftotext`: a teacher writes séances out of order (one a draft, one
//! with a private note) and homework, syncs; the direction, synced after her and having
//! signed a visa, prints the class's archive: every séance title of hers in date order,
//! the homework, the visa, and neither the draft nor the note. The teacher prints her own.

mod common;

use std::path::Path;

use ardoise_protocol::entities::{HomeworkKind, PublishState};
use ardoise_sync::archive::{self, ArchiveOf, SchoolYear};
use ardoise_sync::views::{self, HomeworkInput, SessionInput, Who};
use ardoise_sync::{logbook, Replica};
use chrono::NaiveDate;
use common::{serve_demo, synced};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// The text of the PDF `pdf`, written to a file of `dir` for `pdftotext`.
fn pdf_text(dir: &Path, pdf: &[u8]) -> String {
    let path = dir.join("archive.pdf");
    std::fs::write(&path, pdf).unwrap();
    ardoise_testkit::pdf_text(&path)
}

/// Where each of `needles` is in `text`, each searched after the one before: `None` when
/// one is missing or out of order.
fn in_order(text: &str, needles: &[String]) -> Result<(), String> {
    let mut from = 0;
    for n in needles {
        match text[from..].find(n.as_str()) {
            Some(i) => from += i + n.len(),
            None => return Err(format!("« {n} » missing or out of order")),
        }
    }
    Ok(())
}

fn lesson_of(replica: &Replica, teacher: &str, audience: &str, week: &str) -> String {
    views::timetable(replica, &Who::Teacher(teacher.into()), day(week), 6)
        .unwrap()
        .into_iter()
        .find(|o| o.audience == audience)
        .unwrap_or_else(|| panic!("{teacher} teaches {audience} the week of {week}"))
        .id
}

#[test]
fn a_class_archive_lists_the_published_seances_in_date_order_with_homework_and_visas() {
    let dir = tempfile::tempdir().unwrap();
    let url = serve_demo(&dir.path().join("server"));
    let (mut martin, _) = synced(dir.path(), &url, "martin");
    let year: SchoolYear = "2026-2027".parse().unwrap();

    let write = |engine: &mut ardoise_sync::SyncEngine, week: &str, title: &str, state| {
        let lesson = lesson_of(engine.replica(), "martin", "2nde 3", week);
        views::save_session(
            engine.replica_mut(),
            &SessionInput {
                id: None,
                occurrence: Some(lesson),
                title: title.into(),
                content: "<p>Les causes &amp; les <strong>acteurs</strong>.</p>\
                          <ul><li>Versailles</li></ul>"
                    .into(),
                annotation: Some("Note privée : Hugo bavarde".into()),
                state,
                attachments: vec![],
            },
        )
        .unwrap()
    };
    // Written out of order: January first, then December; and a draft.
    write(
        &mut martin,
        "2027-01-11",
        "Archive : la Terreur",
        PublishState::Published,
    );
    let december = write(
        &mut martin,
        "2026-12-14",
        "Archive : les États généraux",
        PublishState::Published,
    );
    write(
        &mut martin,
        "2027-01-18",
        "Brouillon jamais publié",
        PublishState::Draft,
    );
    views::save_homework(
        martin.replica_mut(),
        &HomeworkInput {
            id: None,
            session_id: december.id.clone(),
            due_on: "2026-12-18".into(),
            description: "<p>Lire le document 3 page 112</p>".into(),
            kind: HomeworkKind::Reading,
            estimated_minutes: Some(25),
            state: PublishState::Published,
            attachments: vec![],
        },
    )
    .unwrap();
    martin.sync_once().unwrap();

    let (mut bernard, _) = synced(dir.path(), &url, "bernard");
    logbook::sign_visa(
        bernard.replica_mut(),
        "martin",
        "2nde 3",
        day("2026-11-27"),
        "RAS",
    )
    .unwrap();
    let made = archive::archive(
        bernard.replica(),
        &ArchiveOf::Audience("2nde 3".into()),
        year,
        day("2027-07-05"),
    )
    .unwrap();
    assert!(made.pdf.starts_with(b"%PDF-1.4"));
    assert_eq!(made.file_name, "cahier-de-textes-2nde-3-2026-2027.pdf");
    let text = pdf_text(dir.path(), &made.pdf);

    // Every published séance of hers in that class, in date order, as the replica has them.
    let mut hers: Vec<_> = views::sessions_of(
        bernard.replica(),
        "2nde 3",
        year.first_day(),
        year.last_day(),
    )
    .unwrap()
    .into_iter()
    .filter(|s| {
        s["teacherId"] == "usr-martin"
            && s["state"] == "published"
            && s["audienceId"] == december.audience_id
    })
    .map(|s| {
        (
            s["date"].as_str().unwrap().to_string(),
            s["start"].as_str().unwrap().to_string(),
            s["title"].as_str().unwrap().to_string(),
        )
    })
    .collect();
    hers.sort();
    assert!(hers.len() > 2, "{hers:?}");
    let titles: Vec<String> = hers.iter().map(|(_, _, t)| t.clone()).collect();
    assert!(
        titles.iter().position(|t| t.contains("États généraux"))
            < titles.iter().position(|t| t.contains("Terreur"))
    );
    // In her section, under its heading: not titles met in another teacher's.
    let heading = "2nde 3 — Histoire-géographie — Mme Claire Martin";
    let hers_from = text.find(heading).expect("her section");
    in_order(&text[hers_from..], &titles).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(made.counts.sessions >= hers.len());

    for expected in [
        "Cahier de textes — 2nde 3",
        "Année scolaire 2026-2027",
        "2nde 3 — Histoire-géographie — Mme Claire Martin",
        "lundi 14 décembre 2026",
        "Les causes & les acteurs.",
        "• Versailles",
        "Travail à faire pour le vendredi 18 décembre 2026 (lecture, 25 min) :",
        "Lire le document 3 page 112",
        "jusqu'au vendredi 27 novembre 2026 inclus",
        "Visé par Mme Hélène Bernard",
    ] {
        assert!(text.contains(expected), "« {expected} » missing:\n{text}");
    }
    for never in ["Brouillon jamais publié", "Hugo bavarde", "<p>", "&amp;"] {
        assert!(!text.contains(never), "« {never} » must not be printed");
    }
    // Another year holds none of it.
    let other = archive::archive(
        bernard.replica(),
        &ArchiveOf::Audience("2nde 3".into()),
        "2027-2028".parse().unwrap(),
        day("2027-07-05"),
    )
    .unwrap();
    assert_eq!(other.counts, archive::Counts::default());
    assert!(pdf_text(dir.path(), &other.pdf).contains("Aucune séance publiée"));

    // Her own archive, from her replica: every class of hers, her draft left out.
    let own = archive::archive(
        martin.replica(),
        &ArchiveOf::Teacher("martin".into()),
        year,
        day("2027-07-05"),
    )
    .unwrap();
    assert_eq!(
        own.file_name,
        "cahier-de-textes-Mme-Claire-Martin-2026-2027.pdf"
    );
    let text = pdf_text(dir.path(), &own.pdf);
    assert!(text.contains("Cahier de textes de Mme Claire Martin"));
    in_order(
        &text,
        &[
            "Archive : les États généraux".into(),
            "Archive : la Terreur".into(),
        ],
    )
    .unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(!text.contains("Brouillon jamais publié"));
    assert!(!text.contains("Hugo bavarde"));
    // Someone unknown: a typed refusal, no file.
    assert!(archive::archive(
        martin.replica(),
        &ArchiveOf::Audience("9e Z".into()),
        year,
        day("2027-07-05")
    )
    .is_err());
}
