//! Reading the pair of files a school's timetable program exports for STS-Web.
//!
//! - `STS_EDT` (« sts_emp »): the school, its subjects, teaching modes, staff, classes and
//!   groups;
//! - `EDT_STS` (« emp »): the week patterns (alternances), the rooms and, under each class
//!   or group, its services, their teachers and their weekly slots (`COURS`).
//!
//! A file is recognised by its root element, never by its name. It is decoded with the
//! encoding its declaration names (`ISO-8859-15` in practice: 0xA4 is `€`), streamed
//! through quick-xml, and every text value is trimmed. Nesting varies between programs, so
//! an element is read wherever it sits: a `COURS` belongs to the nearest enclosing
//! `DIVISION` or `GROUPE`, a `GROUPE` may sit inside `DIVISIONS`.
//!
//! Personal data the ENT does not need (birth date, birth name, grade…) is skipped as it
//! is read: it never leaves this module.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use chrono::{Datelike, Duration, NaiveDate};
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

/// Why a pair was refused: the file, the line (from 1, when known) and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{} : {reason}", file.display(), line.map(|l| format!(", ligne {l}")).unwrap_or_default())]
pub struct StsError {
    /// The file.
    pub file: PathBuf,
    /// The line, when the fault has one.
    pub line: Option<u64>,
    /// What is wrong, in French.
    pub reason: String,
}

/// A subject of the nomenclature.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subject {
    /// The school's short code (`CODE_GESTION`), else the STS code.
    pub short: String,
    /// The label to show.
    pub label: String,
}

/// A member of staff, with only what the ENT shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Person {
    /// `NOM_USAGE`.
    pub last_name: String,
    /// `PRENOM`.
    pub first_name: String,
    /// « M. » or « Mme », when the file says.
    pub civility: Option<&'static str>,
    /// Whether `TYPE="epp"` (a teacher).
    pub teacher: bool,
}

/// A class or group of the reference file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Division {
    /// `LIBELLE_LONG`.
    pub label: Option<String>,
    /// For a group, the classes it draws from.
    pub classes: Vec<String>,
}

/// Class (`DIVISION`) or group (`GROUPE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AudienceKind {
    /// A class.
    Class,
    /// A group.
    Group,
}

/// One weekly slot of one teacher (`COURS`), with what encloses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// The class or group it is given to.
    pub audience: (AudienceKind, String),
    /// `CODE_MATIERE` of its service.
    pub subject: String,
    /// `ENSEIGNANT@ID`, if under one.
    pub teacher: Option<String>,
    /// `CODE_ALTERNANCE`.
    pub alternation: String,
    /// 1 = Monday … 7 = Sunday.
    pub day: u8,
    /// Start, minutes after midnight.
    pub start: u32,
    /// Duration in minutes.
    pub minutes: u32,
    /// `CODE_SALLE`, if any.
    pub room: Option<String>,
    /// Co-teaching, as the service or its teaching mode (`MOD_COURS@CO_ENS`) says.
    pub co_teaching: bool,
    /// `CODE_MOD_COURS` of its service.
    mode: Option<String>,
    /// The line of its `COURS`, for warnings.
    pub line: u64,
}

/// What the two files say, joined.
#[derive(Debug, Clone, Default)]
pub struct Timetable {
    /// UAI of the school.
    pub uai: String,
    /// Its name.
    pub school_name: String,
    /// First and last day of the school year, when the reference file says.
    pub year: Option<(NaiveDate, NaiveDate)>,
    /// Subjects by STS code.
    pub subjects: BTreeMap<String, Subject>,
    /// Staff by `ID`.
    pub people: BTreeMap<String, Person>,
    /// Classes by code.
    pub classes: BTreeMap<String, Division>,
    /// Groups by code, with their classes (from both files).
    pub groups: BTreeMap<String, Division>,
    /// Declared rooms by code.
    pub rooms: BTreeMap<String, String>,
    /// Week patterns: the dates listed for each alternation code.
    pub alternations: BTreeMap<String, Vec<NaiveDate>>,
    /// Every weekly slot.
    pub slots: Vec<Slot>,
    /// The two files, reference then timetable.
    pub files: (PathBuf, PathBuf),
}

/// Longest text value read (the longest real one is a label of a few dozen characters).
const MAX_TEXT: usize = 64 * 1024;

/// The root elements of the two files.
const REFERENCE_ROOT: &str = "STS_EDT";
const TIMETABLE_ROOT: &str = "EDT_STS";

/// Reads a pair, in either order.
pub fn read_pair(a: &Path, b: &Path) -> Result<Timetable, StsError> {
    let (first, second) = (parse_file(a)?, parse_file(b)?);
    let (reference, timetable) = match (first.root.as_str(), second.root.as_str()) {
        (REFERENCE_ROOT, TIMETABLE_ROOT) => (first, second),
        (TIMETABLE_ROOT, REFERENCE_ROOT) => (second, first),
        (x, y) if x == y => {
            return Err(StsError {
                file: b.to_path_buf(),
                line: Some(1),
                reason: format!(
                    "les deux fichiers sont du même type ({x}) : il faut le fichier de \
                     nomenclatures ({REFERENCE_ROOT}) et celui de l'emploi du temps \
                     ({TIMETABLE_ROOT})"
                ),
            })
        }
        _ => unreachable!("parse_file accepts only the two roots"),
    };
    if reference.uai.is_empty() {
        return Err(reference.error(None, "l'UAI de l'établissement (PARAMETRES/UAJ) manque"));
    }
    if reference.uai != timetable.uai {
        return Err(timetable.error(
            None,
            format!(
                "ce fichier est celui de l'établissement {}, l'autre celui de {} : \
                 les deux fichiers doivent venir du même établissement",
                if timetable.uai.is_empty() {
                    "?"
                } else {
                    &timetable.uai
                },
                reference.uai
            ),
        ));
    }
    if timetable.slots.is_empty() {
        return Err(timetable.error(None, "l'emploi du temps ne contient aucun cours"));
    }
    let mut groups = reference.groups;
    for (code, g) in timetable.groups {
        let merged = groups.entry(code).or_default();
        for c in g.classes {
            if !merged.classes.contains(&c) {
                merged.classes.push(c);
            }
        }
        if merged.label.is_none() {
            merged.label = g.label;
        }
    }
    let mut slots = timetable.slots;
    for slot in &mut slots {
        if let Some(mode) = &slot.mode {
            slot.co_teaching |= reference.co_taught_modes.contains(mode);
        }
    }
    let mut classes = reference.classes;
    for (code, c) in timetable.classes {
        let merged = classes.entry(code).or_default();
        if merged.label.is_none() {
            merged.label = c.label;
        }
    }
    Ok(Timetable {
        uai: reference.uai,
        school_name: reference.school_name,
        year: reference.year,
        subjects: reference.subjects,
        people: reference.people,
        classes,
        groups,
        rooms: timetable.rooms,
        alternations: timetable.alternations,
        slots,
        files: (reference.path, timetable.path),
    })
}

/// One file, read.
#[derive(Debug, Default)]
struct Parsed {
    path: PathBuf,
    root: String,
    uai: String,
    school_name: String,
    year: Option<(NaiveDate, NaiveDate)>,
    subjects: BTreeMap<String, Subject>,
    people: BTreeMap<String, Person>,
    classes: BTreeMap<String, Division>,
    groups: BTreeMap<String, Division>,
    rooms: BTreeMap<String, String>,
    alternations: BTreeMap<String, Vec<NaiveDate>>,
    slots: Vec<Slot>,
    /// Teaching modes flagged co-taught.
    co_taught_modes: BTreeSet<String>,
    /// Byte offsets (in the decoded text) where each line starts after the first,
    /// filled as the file is read.
    newlines: Vec<u64>,
}

impl Parsed {
    fn error(&self, offset: Option<u64>, reason: impl Into<String>) -> StsError {
        StsError {
            file: self.path.clone(),
            line: offset.map(|o| self.line_of(o)),
            reason: reason.into(),
        }
    }

    /// The line (from 1) of a byte offset of the decoded text.
    fn line_of(&self, offset: u64) -> u64 {
        self.newlines.partition_point(|&n| n <= offset) as u64 + 1
    }
}

/// An element being read, with the attributes and texts the import uses.
#[derive(Debug, Default)]
struct Frame {
    name: String,
    attrs: Vec<(String, String)>,
    texts: Vec<(String, String)>,
    /// For a group: the classes its `DIVISION_APPARTENANCE` children name.
    classes: Vec<String>,
    start: u64,
}

impl Frame {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn text(&self, name: &str) -> Option<&str> {
        self.texts
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }
}

/// The elements whose children's texts are kept: everything else is skipped as read.
const KEEPS_TEXTS: [&str; 12] = [
    "UAJ",
    "ANNEE_SCOLAIRE",
    "PARAMETRES",
    "MATIERE",
    "MOD_COURS",
    "INDIVIDU",
    "DIVISION",
    "GROUPE",
    "ALTERNANCE",
    "SALLE_COURS",
    "SERVICE",
    "COURS",
];

/// The texts kept, by element: only these ever leave the parser.
const KEPT_TEXTS: [&str; 21] = [
    "DENOM_PRINC",
    "DENOM_COMPL",
    "DATE_DEBUT",
    "DATE_FIN",
    "CODE_GESTION",
    "LIBELLE_COURT",
    "LIBELLE_LONG",
    "LIBELLE_EDITION",
    "CO_ENS",
    "NOM_USAGE",
    "PRENOM",
    "CIVILITE",
    "DATE_DEBUT_SEMAINE",
    "CODE_ALTERNANCE",
    "JOUR",
    "HEURE_DEBUT",
    "DUREE",
    "CODE_SALLE",
    "LOCALISATION",
    "UAJ",
    "ANNEE_SCOLAIRE",
];

/// Reads the encoding named by the XML declaration at the start of `head` (UTF-8 when
/// there is none).
fn declared_encoding(head: &[u8]) -> Result<&'static encoding_rs::Encoding, String> {
    let head = String::from_utf8_lossy(head);
    let Some(decl) = head
        .strip_prefix('\u{feff}')
        .unwrap_or(&head)
        .strip_prefix("<?xml")
        .and_then(|rest| rest.split("?>").next())
    else {
        return Ok(encoding_rs::UTF_8);
    };
    let Some(at) = decl.find("encoding") else {
        return Ok(encoding_rs::UTF_8);
    };
    let value = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')
        .map(str::trim_start)
        .and_then(|v| {
            let quote = v.chars().next().filter(|q| *q == '"' || *q == '\'')?;
            v[1..].split(quote).next()
        })
        .ok_or("déclaration XML illisible")?;
    encoding_rs::Encoding::for_label(value.trim().as_bytes())
        .ok_or_else(|| format!("encodage inconnu : {value}"))
}

/// Counts the line starts of what passes through, so that an error can name its line.
struct Lines<'a, R> {
    inner: R,
    offset: u64,
    newlines: &'a mut Vec<u64>,
}

impl<R: BufRead> Read for Lines<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(out)?;
        for (i, b) in out[..n].iter().enumerate() {
            if *b == b'\n' {
                self.newlines.push(self.offset + i as u64 + 1);
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

fn parse_file(path: &Path) -> Result<Parsed, StsError> {
    let mut parsed = Parsed {
        path: path.to_path_buf(),
        ..Parsed::default()
    };
    let io = |e: std::io::Error| StsError {
        file: path.to_path_buf(),
        line: None,
        reason: format!("lecture impossible : {e}"),
    };
    let mut file = BufReader::new(File::open(path).map_err(io)?);
    let encoding = declared_encoding(file.fill_buf().map_err(io)?)
        .map_err(|reason| parsed.error(Some(0), reason))?;
    let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding))
        .build(file);
    let mut newlines = Vec::new();
    let lines = Lines {
        inner: BufReader::new(decoded),
        offset: 0,
        newlines: &mut newlines,
    };
    let mut reader = Reader::from_reader(BufReader::with_capacity(64 * 1024, lines));
    // Text is kept whole (a value is trimmed when its element ends): trimming each piece
    // would eat the spaces around an entity (`Physique &amp; chimie`), and would move the
    // position of the next tag back to the end of the previous one (a wrong line).
    reader.config_mut().trim_text(false);
    let result = read_events(&mut reader, &mut parsed);
    let position = reader.error_position();
    drop(reader);
    parsed.newlines = newlines;
    let mut slots = std::mem::take(&mut parsed.slots);
    for slot in &mut slots {
        slot.line = parsed.line_of(slot.line);
    }
    parsed.slots = slots;
    match result {
        Ok(()) => Ok(parsed),
        Err(Fault::Xml(reason)) => Err(parsed.error(Some(position), reason)),
        Err(Fault::At(offset, reason)) => Err(parsed.error(Some(offset), reason)),
    }
}

/// A fault found while reading: malformed XML, or a value the import cannot use.
enum Fault {
    Xml(String),
    At(u64, String),
}

fn read_events<R: BufRead>(reader: &mut Reader<R>, out: &mut Parsed) -> Result<(), Fault> {
    let mut buf = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut text = String::new();
    let mut seen_root = false;
    loop {
        let at = reader.buffer_position();
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| Fault::Xml(format!("XML mal formé : {e}")))?;
        match event {
            Event::Start(e) => {
                let f = frame(&e, at)?;
                if !seen_root {
                    out.root = root(&f)?;
                    seen_root = true;
                }
                stack.push(f);
                text.clear();
            }
            Event::Empty(e) => {
                let f = frame(&e, at)?;
                if !seen_root {
                    out.root = root(&f)?;
                    seen_root = true;
                    continue;
                }
                close(f, &mut stack, out)?;
            }
            Event::Text(t) => {
                text.push_str(&t.xml10_content());
                if text.len() > MAX_TEXT {
                    return Err(Fault::At(
                        at,
                        "valeur de plus de 64 Kio : ce n'est pas un fichier STS-Web".into(),
                    ));
                }
            }
            Event::CData(t) => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => match r.resolve_char_ref() {
                Ok(Some(c)) => text.push(c),
                _ => match quick_xml::escape::resolve_predefined_entity(&r) {
                    Some(s) => text.push_str(s),
                    None => {
                        return Err(Fault::At(at, format!("entité inconnue : &{};", &*r)));
                    }
                },
            },
            Event::End(_) => {
                let Some(mut f) = stack.pop() else {
                    return Err(Fault::Xml("élément fermé sans avoir été ouvert".into()));
                };
                let value = text.trim();
                if !value.is_empty() {
                    f.texts.push((f.name.clone(), value.to_string()));
                }
                text.clear();
                close(f, &mut stack, out)?;
            }
            Event::Eof => {
                if !seen_root {
                    return Err(Fault::Xml("fichier vide ou sans élément".into()));
                }
                if let Some(open) = stack.last() {
                    return Err(Fault::At(
                        open.start,
                        format!("<{}> n'est jamais fermé (fichier tronqué ?)", open.name),
                    ));
                }
                return Ok(());
            }
            _ => {}
        }
        buf.clear();
    }
}

/// The root element's name, if it is one of the two files.
fn root(f: &Frame) -> Result<String, Fault> {
    if f.name != REFERENCE_ROOT && f.name != TIMETABLE_ROOT {
        return Err(Fault::At(
            f.start,
            format!(
                "ce n'est pas un fichier STS-Web : l'élément racine est <{}>, attendu \
                 <{REFERENCE_ROOT}> ou <{TIMETABLE_ROOT}>",
                f.name
            ),
        ));
    }
    Ok(f.name.clone())
}

fn frame(e: &BytesStart, at: u64) -> Result<Frame, Fault> {
    let name = e.name().as_ref().to_string();
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| Fault::At(at, format!("attribut mal formé : {err}")))?;
        let value = a
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|err| Fault::At(at, format!("attribut mal formé : {err}")))?;
        attrs.push((a.key.as_ref().to_string(), value.trim().to_string()));
    }
    Ok(Frame {
        name,
        attrs,
        texts: Vec::new(),
        classes: Vec::new(),
        start: at,
    })
}

/// The nearest enclosing frame named one of `names`.
fn nearest<'a>(stack: &'a mut [Frame], names: &[&str]) -> Option<&'a mut Frame> {
    stack
        .iter_mut()
        .rev()
        .find(|f| names.contains(&f.name.as_str()))
}

/// Handles an element just closed: files its texts with its parent, or turns it into
/// what it describes.
fn close(f: Frame, stack: &mut [Frame], out: &mut Parsed) -> Result<(), Fault> {
    let in_reference = out.root == REFERENCE_ROOT;
    match f.name.as_str() {
        "UAJ" => {
            if let Some(code) = f.attr("CODE").or_else(|| f.text("UAJ")) {
                out.uai = code.to_string();
            }
            for (k, v) in &f.texts {
                match k.as_str() {
                    "DENOM_PRINC" => out.school_name = v.clone(),
                    "DENOM_COMPL" if !out.school_name.is_empty() => {
                        out.school_name = format!("{} {v}", out.school_name)
                    }
                    _ => {}
                }
            }
        }
        "ANNEE_SCOLAIRE" | "PARAMETRES" if in_reference => {
            let (Some(from), Some(to)) = (f.text("DATE_DEBUT"), f.text("DATE_FIN")) else {
                return Ok(());
            };
            let from = parse_date(from).ok_or_else(|| bad(&f, "DATE_DEBUT", from))?;
            let to = parse_date(to).ok_or_else(|| bad(&f, "DATE_FIN", to))?;
            if to < from || (to - from).num_days() > 400 {
                return Err(Fault::At(
                    f.start,
                    format!("année scolaire du {from} au {to} : ce n'est pas une année scolaire"),
                ));
            }
            out.year = Some((from, to));
        }
        "MATIERE" if in_reference => {
            let Some(code) = f.attr("CODE") else {
                return Ok(());
            };
            let short = f.text("CODE_GESTION").unwrap_or(code).to_string();
            let label = f
                .text("LIBELLE_EDITION")
                .or(f.text("LIBELLE_LONG"))
                .or(f.text("LIBELLE_COURT"))
                .unwrap_or(&short)
                .to_string();
            out.subjects
                .insert(code.to_string(), Subject { short, label });
        }
        "MOD_COURS" if in_reference => {
            if let (Some(code), Some(flag)) = (f.attr("CODE"), f.text("CO_ENS")) {
                if is_true(flag) {
                    out.co_taught_modes.insert(code.to_string());
                }
            }
        }
        "INDIVIDU" if in_reference => {
            let Some(id) = f.attr("ID") else {
                return Ok(());
            };
            let civility = match f.text("CIVILITE") {
                Some("1") | Some("M.") | Some("M") => Some("M."),
                Some("2") | Some("3") | Some("MME") | Some("Mme") => Some("Mme"),
                _ => None,
            };
            out.people.insert(
                id.to_string(),
                Person {
                    last_name: f.text("NOM_USAGE").unwrap_or("").to_string(),
                    first_name: f.text("PRENOM").unwrap_or("").to_string(),
                    civility,
                    teacher: f
                        .attr("TYPE")
                        .is_some_and(|t| t.eq_ignore_ascii_case("epp")),
                },
            );
        }
        "DIVISION" | "GROUPE" => {
            let Some(code) = f.attr("CODE") else {
                return Ok(());
            };
            let map = if f.name == "DIVISION" {
                &mut out.classes
            } else {
                &mut out.groups
            };
            let entry = map.entry(code.to_string()).or_default();
            if let Some(label) = f.text("LIBELLE_LONG") {
                entry.label = Some(label.to_string());
            }
            for class in f.classes {
                if !entry.classes.contains(&class) {
                    entry.classes.push(class);
                }
            }
        }
        "DIVISION_APPARTENANCE" => {
            if let (Some(code), Some(group)) = (f.attr("CODE"), nearest(stack, &["GROUPE"])) {
                group.classes.push(code.to_string());
            }
        }
        "ALTERNANCE" if !in_reference => {
            let Some(code) = f.attr("CODE") else {
                return Ok(());
            };
            let mut weeks = Vec::new();
            for (k, v) in &f.texts {
                if k == "DATE_DEBUT_SEMAINE" {
                    weeks.push(parse_date(v).ok_or_else(|| bad(&f, "DATE_DEBUT_SEMAINE", v))?);
                }
            }
            weeks.sort();
            weeks.dedup();
            out.alternations.insert(code.to_string(), weeks);
        }
        "SALLE_COURS" if !in_reference => {
            if let Some(code) = f.attr("CODE") {
                out.rooms.insert(code.to_string(), code.to_string());
            }
        }
        "COURS" if !in_reference => {
            let slot = slot(&f, stack)?;
            out.slots.push(slot);
        }
        _ => {
            // A kept text goes up to the element that uses it; everything else is dropped.
            if let Some((_, value)) = f.texts.iter().find(|(k, _)| *k == f.name) {
                if KEPT_TEXTS.contains(&f.name.as_str()) {
                    if let Some(parent) = stack.last_mut() {
                        if KEEPS_TEXTS.contains(&parent.name.as_str()) || parent.name == "SEMAINES"
                        {
                            parent.texts.push((f.name.clone(), value.clone()));
                        }
                    }
                }
            }
            // Week lists sit one level down (ALTERNANCE/SEMAINES/DATE_DEBUT_SEMAINE).
            if f.name == "SEMAINES" {
                if let Some(parent) = stack.last_mut() {
                    parent.texts.extend(f.texts);
                }
            }
        }
    }
    Ok(())
}

fn bad(f: &Frame, field: &str, value: &str) -> Fault {
    Fault::At(
        f.start,
        format!("{field} illisible dans <{}> : « {value} »", f.name),
    )
}

fn is_true(flag: &str) -> bool {
    matches!(
        flag.to_ascii_lowercase().as_str(),
        "o" | "oui" | "true" | "1" | "y" | "yes"
    )
}

/// A `COURS` and what encloses it.
fn slot(f: &Frame, stack: &mut [Frame]) -> Result<Slot, Fault> {
    let audience = match nearest(stack, &["DIVISION", "GROUPE"]) {
        Some(a) => {
            let kind = if a.name == "DIVISION" {
                AudienceKind::Class
            } else {
                AudienceKind::Group
            };
            let code = a
                .attr("CODE")
                .ok_or_else(|| Fault::At(a.start, format!("<{}> sans CODE", a.name)))?;
            (kind, code.to_string())
        }
        None => {
            return Err(Fault::At(
                f.start,
                "<COURS> hors de toute division ou de tout groupe".into(),
            ))
        }
    };
    let service = nearest(stack, &["SERVICE"])
        .map(|s| {
            (
                s.attr("CODE_MATIERE").unwrap_or("").to_string(),
                s.attr("CODE_MOD_COURS").map(str::to_string),
                s.text("CO_ENS").is_some_and(is_true),
            )
        })
        .ok_or_else(|| Fault::At(f.start, "<COURS> hors de tout <SERVICE>".into()))?;
    if service.0.is_empty() {
        return Err(Fault::At(f.start, "<SERVICE> sans CODE_MATIERE".into()));
    }
    let teacher = nearest(stack, &["ENSEIGNANT"]).and_then(|t| t.attr("ID").map(str::to_string));
    let field = |name: &str| {
        f.text(name)
            .ok_or_else(|| Fault::At(f.start, format!("<COURS> sans {name}")))
    };
    let day_text = field("JOUR")?;
    let day = day_text
        .parse::<u8>()
        .ok()
        .filter(|d| (1..=7).contains(d))
        .ok_or_else(|| bad(f, "JOUR", day_text))?;
    let start_text = field("HEURE_DEBUT")?;
    let start = hhmm(start_text)
        .filter(|m| *m < 24 * 60)
        .ok_or_else(|| bad(f, "HEURE_DEBUT", start_text))?;
    let duration_text = field("DUREE")?;
    let minutes = hhmm(duration_text)
        .filter(|m| *m > 0 && start + m <= 24 * 60)
        .ok_or_else(|| bad(f, "DUREE", duration_text))?;
    Ok(Slot {
        audience,
        subject: service.0,
        teacher,
        alternation: field("CODE_ALTERNANCE")?.to_string(),
        day,
        start,
        minutes,
        room: f.text("CODE_SALLE").map(str::to_string),
        co_teaching: service.2,
        mode: service.1,
        line: f.start,
    })
}

/// `hhmm` (`0830`, `830`, `08:30`) as minutes.
fn hhmm(value: &str) -> Option<u32> {
    let digits: String = value.chars().filter(|c| *c != ':' && *c != 'h').collect();
    if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u32 = digits.parse().ok()?;
    let (h, m) = (n / 100, n % 100);
    (m < 60).then_some(h * 60 + m)
}

/// `dd/mm/yyyy` (what STS-Web writes) or `yyyy-mm-dd`, in the years a school year of
/// Ardoise can fall in (2000 to 2100, as the protocol's dates): anything else is not a
/// date of a timetable (and would overflow date arithmetic).
fn parse_date(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(value, "%Y-%m-%d"))
        .ok()
        .filter(|d| (2000..=2100).contains(&d.year()))
}

/// The Monday of the week (Monday to Sunday) that holds `date`.
pub fn monday_of(date: NaiveDate) -> NaiveDate {
    date - Duration::days(date.weekday().num_days_from_monday() as i64)
}
