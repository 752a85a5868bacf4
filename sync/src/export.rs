//! The day's timetable of every class as a PDF file, for the vie scolaire's printed sheets
//! during an outage. Written by hand (PDF 1.4, the 14 standard fonts, WinAnsi text, no
//! compression): a few hundred bytes of structure around plain text, readable by any viewer
//! and easy to check in tests.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use ardoise_protocol::pdf::{text, PAGE_H, PAGE_W};

use crate::queries::{self, OccurrenceView, Who};
use crate::{Replica, Result};
use chrono::{Datelike, NaiveDate};

const MARGIN: f32 = 36.0;
const GAP: f32 = 14.0;
const COL_W: f32 = (PAGE_W - 2.0 * MARGIN - GAP) / 2.0;
const LINE: f32 = 11.0;
const TEXT_SIZE: f32 = 8.5;
const HEAD_SIZE: f32 = 10.5;
const TOP: f32 = PAGE_H - MARGIN - 40.0;

/// The PDF of the lessons of `who` (every class, or one class, teacher or room) on `date`,
/// titled with the school's name.
pub fn day_pdf(replica: &Replica, who: &Who, date: NaiveDate) -> Result<Vec<u8>> {
    let conn = replica.conn();
    let school: String = conn
        .query_row("SELECT name FROM schools LIMIT 1", [], |r| r.get(0))
        .unwrap_or_default();
    let lessons = queries::timetable(conn, who, date, 1)?;
    let mut pdf_school = school;
    if let Some(label) = who_label(replica, who)? {
        pdf_school = format!("{pdf_school} — {label}");
    }
    Ok(render_day(&pdf_school, date, &lessons))
}

/// Who a day sheet is about, as people say it (the class, the teacher's name, the room);
/// `None` for every class.
pub fn who_label(replica: &Replica, who: &Who) -> Result<Option<String>> {
    let conn = replica.conn();
    let label = match who {
        Who::Everyone => return Ok(None),
        Who::Audience(name) => {
            let id = queries::audience_id(conn, name)?;
            conn.query_row("SELECT name FROM audiences WHERE id = ?1", [id], |r| {
                r.get(0)
            })?
        }
        Who::Teacher(login) => {
            let id = queries::user_id(conn, login)?;
            conn.query_row("SELECT display_name FROM users WHERE id = ?1", [id], |r| {
                r.get(0)
            })?
        }
        Who::Room(code) => code.clone(),
    };
    Ok(Some(label))
}

/// A file name for the day sheet: `emploi-du-temps[-<who>]-<date>.pdf`, with only letters,
/// digits and dashes from the label.
pub fn file_name(label: Option<&str>, date: NaiveDate) -> String {
    let who = slug(label.unwrap_or_default());
    if who.is_empty() {
        format!("emploi-du-temps-{date}.pdf")
    } else {
        format!("emploi-du-temps-{who}-{date}.pdf")
    }
}

/// The letters and digits of `label`, words joined by single dashes: « 1re B » → `1re-B`,
/// what a file name can hold on every system.
pub(crate) fn slug(label: &str) -> String {
    let kept: String = label
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect();
    let words: Vec<&str> = kept.split('-').filter(|w| !w.is_empty()).collect();
    words.join("-")
}

/// Lays out the day, one block per class or group, in two columns over as many pages as
/// needed.
pub fn render_day(school: &str, date: NaiveDate, lessons: &[OccurrenceView]) -> Vec<u8> {
    let mut by_audience: BTreeMap<&str, Vec<&OccurrenceView>> = BTreeMap::new();
    for l in lessons {
        by_audience.entry(&l.audience).or_default().push(l);
    }
    let title = format!("Emploi du temps du {}", french_date(date));
    let mut pages: Vec<String> = Vec::new();
    let mut page = String::new();
    let (mut col, mut y) = (0usize, TOP);
    if by_audience.is_empty() {
        text(
            &mut page,
            MARGIN,
            TOP,
            "F1",
            TEXT_SIZE,
            "Aucun cours ce jour-là.",
        );
    }
    for (audience, day) in &by_audience {
        let rows: Vec<Row> = day.iter().flat_map(|l| lesson_rows(l)).collect();
        let height = LINE * 1.4 + LINE * rows.len() as f32 + LINE * 0.8;
        if y - height < MARGIN || y == TOP {
            if y != TOP {
                if col == 0 {
                    col = 1;
                } else {
                    pages.push(std::mem::take(&mut page));
                    col = 0;
                }
            }
            // Each column of each page starts with the names of its columns.
            let x = MARGIN + col as f32 * (COL_W + GAP);
            draw_cells(&mut page, x, TOP, "F2", &HEADINGS.map(String::from));
            y = TOP - LINE * 1.6;
        }
        let x = MARGIN + col as f32 * (COL_W + GAP);
        text(&mut page, x, y, "F2", HEAD_SIZE, audience);
        y -= LINE * 1.4;
        for row in &rows {
            let font = if row.bold { "F2" } else { "F1" };
            match &row.kind {
                RowKind::Lesson(cells) => draw_cells(&mut page, x, y, font, cells),
                RowKind::Note(note) => {
                    let shown = fit(note, COL_W - NOTE_INDENT, TEXT_SIZE);
                    text(&mut page, x + NOTE_INDENT, y, font, TEXT_SIZE, &shown);
                }
            }
            y -= LINE;
        }
        y -= LINE * 0.8;
    }
    pages.push(page);
    let total = pages.len();
    for (i, p) in pages.iter_mut().enumerate() {
        let mut head = String::new();
        text(
            &mut head,
            MARGIN,
            PAGE_H - MARGIN - 12.0,
            "F2",
            14.0,
            &title,
        );
        text(&mut head, MARGIN, PAGE_H - MARGIN - 28.0, "F1", 9.0, school);
        let folio = format!("page {}/{}", i + 1, total);
        let w = width(&folio, 9.0);
        text(
            &mut head,
            PAGE_W - MARGIN - w,
            PAGE_H - MARGIN - 28.0,
            "F1",
            9.0,
            &folio,
        );
        p.insert_str(0, &head);
    }
    ardoise_protocol::pdf::assemble(&pages, &["Helvetica", "Helvetica-Bold"])
}

/// The columns of a lesson's line, as printed at the top of each column of the sheet (the
/// class or group heads its block).
const HEADINGS: [&str; 4] = ["Horaire", "Matière", "Enseignant", "Salle"];
/// Widths of the time and subject columns; the teacher's takes what the room leaves.
const TIME_W: f32 = 62.0;
const SUBJECT_W: f32 = 80.0;
const CELL_GAP: f32 = 6.0;
const NOTE_INDENT: f32 = 12.0;

/// One printed line of a class's block.
struct Row {
    kind: RowKind,
    /// A lesson that is not as planned (cancelled, replaced, moved) stands out.
    bold: bool,
}

enum RowKind {
    /// Time, subject, teacher, room.
    Lesson([String; 4]),
    /// What happens to it (cancelled, replaced…) and its note, under it, indented.
    Note(String),
}

/// The printed rows of one lesson: its columns, and its status with the note if it is not
/// as planned.
fn lesson_rows(l: &OccurrenceView) -> Vec<Row> {
    let bold = l.status != "planned";
    let cells = [
        format!("{}–{}", l.start, l.end),
        l.subject.clone(),
        l.teacher.clone(),
        l.room.clone().unwrap_or_default(),
    ];
    let mut extra = match l.status.as_str() {
        "cancelled" => "ANNULÉ".to_string(),
        "replaced" => format!("remplacé par {}", l.substitute.as_deref().unwrap_or("?")),
        "moved" => "déplacé".to_string(),
        _ => String::new(),
    };
    if let Some(note) = l.note.as_deref().filter(|n| !n.is_empty()) {
        let _ = write!(extra, " ({note})");
    }
    let mut rows = vec![Row {
        kind: RowKind::Lesson(cells),
        bold,
    }];
    let extra = extra.trim();
    if !extra.is_empty() {
        rows.push(Row {
            kind: RowKind::Note(extra.to_string()),
            bold,
        });
    }
    rows
}

/// Draws a lesson's columns from `x`: the time and subject in their widths, the room whole
/// at the right edge, the teacher in what is left — shortened, never the room.
fn draw_cells(
    out: &mut String,
    x: f32,
    y: f32,
    font: &str,
    [time, subject, teacher, room]: &[String; 4],
) {
    let room_w = width(room, TEXT_SIZE);
    let teacher_x = x + TIME_W + SUBJECT_W;
    let teacher_w = (x + COL_W - room_w - CELL_GAP - teacher_x).max(0.0);
    text(
        out,
        x,
        y,
        font,
        TEXT_SIZE,
        &fit(time, TIME_W - CELL_GAP, TEXT_SIZE),
    );
    text(
        out,
        x + TIME_W,
        y,
        font,
        TEXT_SIZE,
        &fit(subject, SUBJECT_W - CELL_GAP, TEXT_SIZE),
    );
    text(
        out,
        teacher_x,
        y,
        font,
        TEXT_SIZE,
        &short_name(teacher, teacher_w, TEXT_SIZE),
    );
    text(out, x + COL_W - room_w, y, font, TEXT_SIZE, room);
}

/// A person's name in `max` points: whole if it fits, else without the civility and with
/// the first name as initials ("Mme Marie-Claire Duval" → "M.-C. Duval"), cut
/// with an ellipsis as a last resort.
fn short_name(name: &str, max: f32, size: f32) -> String {
    if width(name, size) <= max {
        return name.to_string();
    }
    let words: Vec<&str> = name
        .split_whitespace()
        .filter(|w| !matches!(*w, "M." | "Mme" | "Mlle" | "Dr" | "Pr"))
        .collect();
    let short = match words.split_first() {
        Some((first, rest)) if !rest.is_empty() => {
            let initials: Vec<String> = first
                .split('-')
                .filter_map(|part| part.chars().next())
                .map(|c| format!("{c}."))
                .collect();
            format!("{} {}", initials.join("-"), rest.join(" "))
        }
        _ => words.join(" "),
    };
    fit(&short, max, size)
}

/// "lundi 30 novembre 2026".
pub fn french_date(date: NaiveDate) -> String {
    const DAYS: [&str; 7] = [
        "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    ];
    const MONTHS: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    format!(
        "{} {} {} {}",
        DAYS[date.weekday().num_days_from_monday() as usize],
        date.day(),
        MONTHS[date.month0() as usize],
        date.year()
    )
}

/// Approximate width of a character in Helvetica, in ems.
pub(crate) fn char_width(c: char) -> f32 {
    match c {
        'i' | 'l' | 'j' | 't' | 'f' | 'r' | '.' | ',' | ':' | ';' | '\'' | ' ' | '|' | '!' => 0.30,
        'm' | 'w' | 'M' | 'W' | '—' => 0.85,
        c if c.is_uppercase() || c.is_ascii_digit() => 0.65,
        _ => 0.55,
    }
}

/// Approximate width in points of `s` (enough to keep lines in their column).
pub(crate) fn width(s: &str, size: f32) -> f32 {
    s.chars().map(char_width).sum::<f32>() * size
}

/// `s` cut with an ellipsis to fit `max` points.
fn fit(s: &str, max: f32, size: f32) -> String {
    if width(s, size) <= max {
        return s.to_string();
    }
    let room = max / size - char_width('…');
    let mut used = 0.0;
    let mut out: String = s
        .chars()
        .take_while(|&c| {
            used += char_width(c);
            used <= room
        })
        .collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ardoise_protocol::pdf::escape;

    fn lesson(audience: &str, start: &str, status: &str) -> OccurrenceView {
        OccurrenceView {
            id: format!("occ-{audience}-{start}"),
            date: "2026-11-30".into(),
            start: start.into(),
            end: "15:00".into(),
            subject: "Français".into(),
            subject_color: "#000".into(),
            audience: audience.into(),
            teacher: "M. Leroy".into(),
            room: Some("B12".into()),
            status: status.into(),
            substitute: None,
            note: (status == "cancelled").then(|| "prof absent (grève)".into()),
        }
    }

    /// Every object the cross-reference table names starts where it says.
    fn check_xref(pdf: &[u8]) -> usize {
        let text = String::from_utf8_lossy(pdf);
        let start: usize = text
            .rsplit("startxref\n")
            .next()
            .and_then(|t| t.lines().next())
            .and_then(|l| l.parse().ok())
            .expect("startxref");
        assert!(
            text[start..].starts_with("xref\n"),
            "startxref points at the table"
        );
        let entries: Vec<&str> = text[start..]
            .lines()
            .skip(3)
            .take_while(|l| l.ends_with(" n "))
            .collect();
        for (i, e) in entries.iter().enumerate() {
            let offset: usize = e[..10].parse().unwrap();
            let expected = format!("{} 0 obj", i + 1);
            assert!(
                text[offset..].starts_with(&expected),
                "object {} at {offset}",
                i + 1
            );
        }
        entries.len()
    }

    #[test]
    fn the_day_sheet_is_a_well_formed_pdf_with_every_class_and_the_cancellations() {
        let lessons = vec![
            lesson("1re B", "14:00", "cancelled"),
            lesson("2nde 3", "10:00", "planned"),
        ];
        let date = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let pdf = render_day("Lycée Victor-Hugo", date, &lessons);
        assert!(pdf.starts_with(b"%PDF-1.4\n") && pdf.ends_with(b"%%EOF\n"));
        assert_eq!(
            check_xref(&pdf),
            6,
            "catalog, pages, 2 fonts, 1 page + content"
        );
        let body = String::from_utf8_lossy(&pdf);
        assert!(body.contains("(Emploi du temps du lundi 30 novembre 2026)"));
        assert!(body.contains("(1re B)") && body.contains("(2nde 3)"));
        assert!(body.contains("ANNUL\\311"), "É in WinAnsi");
        assert!(
            body.contains(" \\(prof absent ") && !body.contains(" (prof"),
            "parentheses in text escaped"
        );
        assert!(body.contains("(Lyc\\351e Victor-Hugo)"));
    }

    #[test]
    fn a_long_day_flows_over_columns_and_pages() {
        let lessons: Vec<_> = (0..60)
            .flat_map(|c| {
                (8..16).map(move |h| {
                    lesson(&format!("Classe {c:02}"), &format!("{h:02}:00"), "planned")
                })
            })
            .collect();
        let date = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let pdf = render_day("L", date, &lessons);
        let objects = check_xref(&pdf);
        let pages = (objects - 4) / 2;
        assert!(pages >= 3, "{pages} pages");
        let body = String::from_utf8_lossy(&pdf);
        assert!(body.contains(&format!("(page {pages}/{pages})")));
        assert!(body.contains("(Classe 59)"));
    }

    #[test]
    fn lessons_are_in_columns_and_a_long_name_is_shortened_never_the_room() {
        let mut long = lesson("2nde 3", "10:00", "planned");
        long.teacher = "Mme Marie-Claire Carpentier-Delacroix de Saint-Exupéry".into();
        long.subject = "Sciences économiques et sociales".into();
        long.room = Some("Amphithéâtre B".into());
        let date = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let body = String::from_utf8_lossy(&render_day("L", date, &[long])).into_owned();
        for heading in HEADINGS {
            assert!(
                body.contains(&format!("({})", escape(heading))),
                "{heading}"
            );
        }
        assert!(
            body.contains(&format!("({})", escape("Amphithéâtre B"))),
            "the room whole"
        );
        assert!(body.contains("(10:00\\22615:00)"), "the time in its column");
        assert!(!body.contains("Mme Marie"), "the teacher shortened");
        assert!(body.contains("(M.-C. Carp"), "initials first: {body}");
        let teacher_w = COL_W - TIME_W - SUBJECT_W - width("Amphithéâtre B", TEXT_SIZE) - CELL_GAP;
        let short = short_name(
            "Mme Marie-Claire Carpentier-Delacroix de Saint-Exupéry",
            teacher_w,
            TEXT_SIZE,
        );
        assert!(width(&short, TEXT_SIZE) <= teacher_w, "{short}");
        assert_eq!(
            short_name("M. Paul Leroy", 200.0, TEXT_SIZE),
            "M. Paul Leroy"
        );
        assert_eq!(
            short_name("Mme Claire Carpentier", 60.0, TEXT_SIZE),
            "C. Carpentier"
        );
    }

    #[test]
    fn the_file_is_named_after_who_and_the_day() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(file_name(None, date), "emploi-du-temps-2026-11-30.pdf");
        assert_eq!(
            file_name(Some("1re B"), date),
            "emploi-du-temps-1re-B-2026-11-30.pdf"
        );
        assert_eq!(
            file_name(Some("../Mme Élodie / B12"), date),
            "emploi-du-temps-Mme-Élodie-B12-2026-11-30.pdf"
        );
    }

    #[test]
    fn long_lines_are_cut_to_their_column() {
        let long = "x".repeat(400);
        let cut = fit(&long, COL_W, TEXT_SIZE);
        assert!(width(&cut, TEXT_SIZE) <= COL_W && cut.ends_with('…'));
    }
}
