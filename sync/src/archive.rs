//! The year's archive of the cahier de textes as a PDF: the whole logbook of a class or
//! group for a school year, or a teacher's own, as a school keeps it once the year is over
//! (and as an inspector reads it). Built from the replica, so it works offline.
//!
//! What it holds: the published séances (never a draft, never a private annotation),
//! grouped by class or group, subject and teacher, in date order; under each séance the
//! homework given in it; homework given outside any séance in its place on the day it was
//! given; and at the head of each group the visas that signed that teacher's logbook of
//! that class off. A class's archive holds the séances of the groups drawn from it too
//! (its pupils sat in them), each group's section naming it.

use std::collections::{BTreeMap, HashMap};

pub use ardoise_protocol::calendar::SchoolYear;
use ardoise_protocol::entities::HomeworkKind;
use ardoise_protocol::pdf::{self, PAGE_H, PAGE_W};
use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension};

use crate::export::{french_date, slug, width};
use crate::queries;
use crate::text::plain_text;
use crate::{Replica, Result};

/// Whose logbook an archive is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveOf {
    /// A class or group, by name or id: its séances and those of the groups drawn from it.
    Audience(String),
    /// A teacher, by login or id: the séances she wrote, in every class.
    Teacher(String),
}

/// What an archive holds, counted (the CLI and the app say it once the file is written).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Published séances.
    pub sessions: usize,
    /// Published homework.
    pub homework: usize,
}

/// An archive: the PDF, what it holds, and a file name for it.
#[derive(Debug, Clone)]
pub struct Archive {
    /// The PDF file.
    pub pdf: Vec<u8>,
    /// What it holds.
    pub counts: Counts,
    /// `cahier-de-textes-<who>-<year>.pdf`.
    pub file_name: String,
}

/// The archive of `of` for `year`, from the replica; `today` is the day it is made on.
pub fn archive(
    replica: &Replica,
    of: &ArchiveOf,
    year: SchoolYear,
    today: NaiveDate,
) -> Result<Archive> {
    let conn = replica.conn();
    let (who, filter, key, title, label) = match of {
        ArchiveOf::Audience(name) => {
            let id = queries::audience_id(conn, name)?;
            let name = queries::audience_name(conn, &id)?;
            (
                Who::Audience,
                // The class and the groups drawn from it.
                "IN (SELECT ?3 UNION SELECT group_id FROM audience_members WHERE class_id = ?3)",
                id,
                format!("Cahier de textes — {name}"),
                name,
            )
        }
        ArchiveOf::Teacher(login) => {
            let id = queries::user_id(conn, login)?;
            let name: String =
                conn.query_row("SELECT display_name FROM users WHERE id = ?1", [&id], |r| {
                    r.get(0)
                })?;
            (
                Who::Teacher,
                "= ?3",
                id,
                format!("Cahier de textes de {name}"),
                name,
            )
        }
    };
    let (sections, counts) = gather(conn, who, filter, &key, year)?;
    let school: String = conn
        .query_row("SELECT name FROM schools LIMIT 1", [], |r| r.get(0))
        .optional()?
        .unwrap_or_default();
    let file_name = format!("cahier-de-textes-{}-{year}.pdf", slug(&label));
    let pdf = render(&school, &title, year, today, counts, &sections);
    Ok(Archive {
        pdf,
        counts,
        file_name,
    })
}

/// Which column `filter` applies to: a class's archive goes by audience, a teacher's by
/// teacher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Audience,
    Teacher,
}

impl Who {
    fn column(self) -> &'static str {
        match self {
            Who::Audience => "audience_id",
            Who::Teacher => "teacher_id",
        }
    }
}

/// A group of the archive: one teacher's logbook of one subject for one class or group.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct SectionKey {
    audience: String,
    subject: String,
    teacher: String,
}

#[derive(Debug, Default)]
struct Section {
    audience_id: String,
    teacher_id: String,
    entries: Vec<Entry>,
    visas: Vec<String>,
}

/// A séance with its homework, or (no title) homework given outside any séance.
#[derive(Debug)]
struct Entry {
    date: String,
    start: String,
    end: String,
    title: Option<String>,
    content: String,
    homework: Vec<Given>,
}

#[derive(Debug)]
struct Given {
    due_on: String,
    kind: String,
    minutes: Option<i64>,
    description: String,
}

/// The names every row carries, and the ids its section is looked up by.
const NAMES: &str = "coalesce(a.name, x.audience_id), coalesce(sub.label, x.subject_id), \
                     coalesce(t.display_name, x.teacher_id), x.audience_id, x.teacher_id";
const JOINS: &str = "LEFT JOIN audiences a ON a.id = x.audience_id \
                     LEFT JOIN subjects sub ON sub.id = x.subject_id \
                     LEFT JOIN users t ON t.id = x.teacher_id";

fn section_key(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<(SectionKey, String, String)> {
    Ok((
        SectionKey {
            audience: r.get(at)?,
            subject: r.get(at + 1)?,
            teacher: r.get(at + 2)?,
        },
        r.get(at + 3)?,
        r.get(at + 4)?,
    ))
}

fn gather(
    conn: &Connection,
    who: Who,
    filter: &str,
    key: &str,
    year: SchoolYear,
) -> Result<(BTreeMap<SectionKey, Section>, Counts)> {
    let (from, to) = (year.first_day().to_string(), year.last_day().to_string());
    let column = who.column();
    let mut sections: BTreeMap<SectionKey, Section> = BTreeMap::new();
    let mut counts = Counts::default();
    // Where each séance went: its section and its place there.
    let mut placed: HashMap<String, (SectionKey, usize)> = HashMap::new();

    let mut stmt = conn.prepare(&format!(
        "SELECT x.id, x.date, x.start_time, x.end_time, x.title, x.content, {NAMES}
           FROM sessions x {JOINS}
          WHERE x.state = 'published' AND x.date BETWEEN ?1 AND ?2 AND x.{column} {filter}
          ORDER BY x.date, x.start_time, x.id"
    ))?;
    let mut rows = stmt.query(params![from, to, key])?;
    while let Some(r) = rows.next()? {
        let (section_key, audience_id, teacher_id) = section_key(r, 6)?;
        let section = sections.entry(section_key.clone()).or_default();
        section.audience_id = audience_id;
        section.teacher_id = teacher_id;
        placed.insert(r.get(0)?, (section_key, section.entries.len()));
        section.entries.push(Entry {
            date: r.get(1)?,
            start: r.get(2)?,
            end: r.get(3)?,
            title: Some(r.get(4)?),
            content: r.get(5)?,
            homework: Vec::new(),
        });
        counts.sessions += 1;
    }

    let mut stmt = conn.prepare(&format!(
        "SELECT x.session_id, x.given_on, x.due_on, x.description, x.kind,
                x.estimated_minutes, {NAMES}
           FROM homework x {JOINS}
          WHERE x.state = 'published' AND x.given_on BETWEEN ?1 AND ?2 AND x.{column} {filter}
          ORDER BY x.due_on, x.id"
    ))?;
    let mut rows = stmt.query(params![from, to, key])?;
    while let Some(r) = rows.next()? {
        let session: Option<String> = r.get(0)?;
        let given = Given {
            due_on: r.get(2)?,
            description: r.get(3)?,
            kind: r.get(4)?,
            minutes: r.get(5)?,
        };
        counts.homework += 1;
        if let Some((k, i)) = session.and_then(|s| placed.get(&s)) {
            if let Some(entry) = sections.get_mut(k).and_then(|s| s.entries.get_mut(*i)) {
                entry.homework.push(given);
                continue;
            }
        }
        // Given outside a séance of the archive: in its place on the day it was given.
        let (section_key, audience_id, teacher_id) = section_key(r, 6)?;
        let section = sections.entry(section_key).or_default();
        section.audience_id = audience_id;
        section.teacher_id = teacher_id;
        section.entries.push(Entry {
            date: r.get(1)?,
            start: String::new(),
            end: String::new(),
            title: None,
            content: String::new(),
            homework: vec![given],
        });
    }

    let mut stmt = conn.prepare(
        "SELECT v.until, v.signed_at, coalesce(u.display_name, v.signer_id)
           FROM visas v LEFT JOIN users u ON u.id = v.signer_id
          WHERE v.teacher_id = ?1 AND v.audience_id = ?2 AND v.until BETWEEN ?3 AND ?4
          ORDER BY v.until, v.signed_at",
    )?;
    for section in sections.values_mut() {
        section
            .entries
            .sort_by(|a, b| (&a.date, &a.start).cmp(&(&b.date, &b.start)));
        let rows = stmt.query_map(
            params![section.teacher_id, section.audience_id, from, to],
            |r| {
                let until: String = r.get(0)?;
                let signed_at: String = r.get(1)?;
                let signer: String = r.get(2)?;
                Ok(format!(
                    "Visé par {signer} le {}, jusqu'au {} inclus",
                    long_date(signed_at.get(..10).unwrap_or(&signed_at)),
                    long_date(&until)
                ))
            },
        )?;
        section.visas = rows.collect::<rusqlite::Result<_>>()?;
    }
    Ok((sections, counts))
}

/// « lundi 7 septembre 2026 » for `YYYY-MM-DD`; the text as it is when it is not a date.
fn long_date(s: &str) -> String {
    s.parse::<NaiveDate>()
        .map_or_else(|_| s.to_string(), french_date)
}

const MARGIN: f32 = 50.0;
const TOP: f32 = PAGE_H - MARGIN;
const BOTTOM: f32 = MARGIN + 20.0;
const TEXT_W: f32 = PAGE_W - 2.0 * MARGIN;
const BODY: f32 = 9.5;
const INDENT: f32 = 14.0;
/// The fonts, `F1` to `F3`.
const FONTS: [&str; 3] = ["Helvetica", "Helvetica-Bold", "Helvetica-Oblique"];
const REGULAR: &str = "F1";
const BOLD: &str = "F2";
const ITALIC: &str = "F3";

/// Pages filled from the top, a new one when the next lines do not fit.
struct Pages {
    done: Vec<String>,
    page: String,
    y: f32,
}

impl Pages {
    fn new() -> Pages {
        Pages {
            done: Vec::new(),
            page: String::new(),
            y: TOP,
        }
    }

    /// A new page unless `height` points are left on this one.
    fn keep(&mut self, height: f32) {
        if self.y - height < BOTTOM && !self.page.is_empty() {
            self.done.push(std::mem::take(&mut self.page));
            self.y = TOP;
        }
    }

    fn line(&mut self, font: &str, size: f32, indent: f32, s: &str) {
        let lead = size * 1.35;
        self.keep(lead);
        self.y -= lead;
        pdf::text(&mut self.page, MARGIN + indent, self.y, font, size, s);
    }

    /// `s` over as many lines as it takes.
    fn paragraph(&mut self, font: &str, size: f32, indent: f32, s: &str) {
        // Bold runs wider than the regular widths `wrap` measures.
        let widen = if font == BOLD { 1.1 } else { 1.0 };
        for line in wrap(s, (TEXT_W - indent) / widen, size) {
            self.line(font, size, indent, &line);
        }
    }

    fn gap(&mut self, height: f32) {
        self.y -= height;
    }

    /// Every page, each with `footer` and its number at the bottom.
    fn finish(mut self, footer: &str) -> Vec<String> {
        self.done.push(self.page);
        let n = self.done.len();
        for (i, page) in self.done.iter_mut().enumerate() {
            let text = format!("{footer} — page {} / {n}", i + 1);
            pdf::text(page, MARGIN, MARGIN - 10.0, ITALIC, 8.0, &text);
        }
        self.done
    }
}

fn render(
    school: &str,
    title: &str,
    year: SchoolYear,
    today: NaiveDate,
    counts: Counts,
    sections: &BTreeMap<SectionKey, Section>,
) -> Vec<u8> {
    let mut pages = Pages::new();
    pages.paragraph(BOLD, 16.0, 0.0, title);
    pages.paragraph(
        REGULAR,
        11.0,
        0.0,
        &format!("Année scolaire {year} — {school}"),
    );
    pages.paragraph(
        ITALIC,
        BODY,
        0.0,
        &format!(
            "{} séance(s) et {} travail(s) à faire publiés. Édité le {} à partir de la copie \
             locale d'Ardoise.",
            counts.sessions,
            counts.homework,
            french_date(today)
        ),
    );
    if sections.is_empty() {
        pages.gap(12.0);
        pages.paragraph(
            REGULAR,
            11.0,
            0.0,
            "Aucune séance publiée pour cette année scolaire.",
        );
    }
    for (key, section) in sections {
        // A heading never ends a page alone.
        pages.gap(14.0);
        pages.keep(80.0);
        pages.paragraph(
            BOLD,
            12.5,
            0.0,
            &format!("{} — {} — {}", key.audience, key.subject, key.teacher),
        );
        if section.visas.is_empty() {
            pages.paragraph(ITALIC, BODY, 0.0, "Aucun visa.");
        }
        for visa in &section.visas {
            pages.paragraph(ITALIC, BODY, 0.0, visa);
        }
        for entry in &section.entries {
            pages.gap(6.0);
            pages.keep(40.0);
            let day = long_date(&entry.date);
            match &entry.title {
                Some(title) => {
                    let title = if title.trim().is_empty() {
                        "(sans titre)"
                    } else {
                        title.trim()
                    };
                    pages.paragraph(
                        BOLD,
                        10.5,
                        0.0,
                        &format!("{day}, {}–{} — {title}", entry.start, entry.end),
                    );
                    for p in plain_text(&entry.content) {
                        pages.paragraph(REGULAR, BODY, INDENT, &p);
                    }
                }
                None => pages.paragraph(BOLD, 10.5, 0.0, &format!("{day} — travail donné")),
            }
            for given in &entry.homework {
                let kind = HomeworkKind::from_wire(&given.kind)
                    .map_or(given.kind.as_str(), |k| k.french());
                let minutes = given
                    .minutes
                    .map(|m| format!(", {m} min"))
                    .unwrap_or_default();
                pages.paragraph(
                    ITALIC,
                    BODY,
                    INDENT,
                    &format!(
                        "Travail à faire pour le {} ({kind}{minutes}) :",
                        long_date(&given.due_on)
                    ),
                );
                for p in plain_text(&given.description) {
                    pages.paragraph(REGULAR, BODY, 2.0 * INDENT, &p);
                }
            }
        }
    }
    let footer = format!("{title} — {year}");
    pdf::assemble(&pages.finish(&footer), &FONTS)
}

/// The lines `s` takes in `max` points at `size`: cut between words, inside a word only
/// when it is wider than a line.
fn wrap(s: &str, max: f32, size: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in s.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if width(&candidate, size) <= max {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // A word wider than the line (a long address): cut where it reaches the edge.
        for c in word.chars() {
            if !line.is_empty() && width(&line, size) + width(&c.to_string(), size) > max {
                lines.push(std::mem::take(&mut line));
            }
            line.push(c);
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_cut_between_words_and_inside_only_too_long_ones() {
        let lines = wrap("un deux trois quatre cinq six sept huit", 60.0, 10.0);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| width(l, 10.0) <= 60.0), "{lines:?}");
        assert_eq!(lines.join(" "), "un deux trois quatre cinq six sept huit");
        let long = "https://exemple.fr/un/chemin/bien/trop/long/pour/une/ligne";
        let lines = wrap(long, 60.0, 10.0);
        assert!(lines.len() > 2, "{lines:?}");
        assert_eq!(lines.concat(), long);
    }
}
