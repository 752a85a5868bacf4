//! The school's accounts from a spreadsheet: `ardoise-server users import FILE.csv`.
//!
//! The file is what a school exports from its directory or types in a spreadsheet: `;`
//! between columns, a header line naming them (in French or English, any case, accents
//! or not), UTF-8 (with or without its BOM) or Windows-1252, as spreadsheets save it —
//! told apart by whether the bytes are valid UTF-8. Columns:
//!
//! | column | required | what |
//! |---|---|---|
//! | `nom` (`last_name`) | yes | last name |
//! | `prénom` (`first_name`) | yes | first name |
//! | `rôle` (`role`) | yes | `enseignant`, `vie scolaire` (`cpe`), `direction`, `inspecteur`, `élève`, `parent` — or the English names |
//! | `identifiant` (`login`) | no | the login; empty: `prénom.nom` |
//! | `classes` | no | class or group codes, `,` between them: a pupil's class, a parent's child's, a teacher's |
//! | `matières` (`subjects`) | no | subject codes, `,` between them |
//! | `id_sts` (`sts_id`) | no | a teacher's STS number, which ties her account to her imported timetable |
//!
//! Other columns (a birth date, an address…) are never read, and the report says so.
//! Every line is checked before anything is written; one wrong line refuses the file,
//! naming the line, and nothing is imported. A person who already has an account is left
//! as they are, so importing the same file again changes nothing. Each new account gets
//! an activation code.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use ardoise_protocol::{EntityKind, Role};
use serde::Serialize;
use serde_json::Value;

use crate::accounts::{self, Activation, NewUser};
use crate::store::{Store, StoreError};

/// Largest file read.
pub const MAX_CSV_BYTES: u64 = 8 * 1024 * 1024;
/// Most people in one file.
pub const MAX_LINES: usize = 20_000;

/// Why a file was refused. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    /// The file, or one of its lines, is wrong.
    #[error("{0}")]
    Refused(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<accounts::AccountError> for CsvError {
    fn from(e: accounts::AccountError) -> CsvError {
        match e {
            accounts::AccountError::Refused(m) => CsvError::Refused(m),
            accounts::AccountError::Store(e) => CsvError::Store(e),
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsersReport {
    /// The file's encoding as read (`UTF-8`, `windows-1252`).
    pub encoding: String,
    /// The accounts made, each with its activation code.
    pub created: Vec<Activation>,
    /// Logins of the people who already had an account (left as they are).
    pub unchanged: Vec<String>,
    /// What the administrator should know.
    pub warnings: Vec<String>,
}

impl UsersReport {
    /// The report as a person reads it, in French: the codes to hand out.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "Comptes : {} créés, {} déjà présents (fichier en {})\n",
            self.created.len(),
            self.unchanged.len(),
            self.encoding
        );
        for a in &self.created {
            out.push_str(&format!(
                "  {:<28} {:<30} {}\n",
                a.login, a.display_name, a.code
            ));
        }
        for w in &self.warnings {
            out.push_str(&format!("Attention : {w}\n"));
        }
        out
    }
}

/// The columns we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    Login,
    Last,
    First,
    Role,
    Classes,
    Subjects,
    Sts,
}

fn column_of(name: &str) -> Option<Column> {
    Some(match crate::import::folded(name).as_str() {
        "identifiant" | "login" => Column::Login,
        "nom" | "nomdefamille" | "lastname" | "name" => Column::Last,
        "prenom" | "firstname" => Column::First,
        "role" | "profil" | "fonction" => Column::Role,
        "classes" | "classe" | "class" | "groupes" | "divisions" => Column::Classes,
        "matieres" | "matiere" | "subjects" | "disciplines" => Column::Subjects,
        "idsts" | "stsid" | "numerosts" | "sts" => Column::Sts,
        _ => return None,
    })
}

/// A role as schools write it.
pub fn role_of(text: &str) -> Option<Role> {
    Some(match crate::import::folded(text).as_str() {
        "enseignant" | "enseignante" | "professeur" | "teacher" => Role::Teacher,
        "viescolaire" | "cpe" | "surveillant" | "aed" => Role::VieScolaire,
        "direction" | "principal" | "proviseur" | "principaladjoint" | "proviseuradjoint" => {
            Role::Direction
        }
        "inspecteur" | "inspectrice" | "inspector" => Role::Inspector,
        "eleve" | "pupil" | "student" => Role::Pupil,
        "parent" | "responsable" | "responsablelegal" => Role::Parent,
        _ => return None,
    })
}

/// The text of the file, and its encoding's name.
fn decode(bytes: &[u8]) -> (String, &'static str) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), "UTF-8"),
        Err(_) => (
            encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
            "windows-1252",
        ),
    }
}

/// The fields of one line: `;` between them, a field in double quotes may hold `;` and
/// doubled quotes.
fn fields(line: &str, n: usize) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.trim().is_empty() && !was_quoted => {
                field.clear();
                quoted = true;
                was_quoted = true;
            }
            (false, ';') => {
                out.push(std::mem::take(&mut field).trim().to_string());
                was_quoted = false;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(format!(
            "ligne {n} : guillemet non refermé (une valeur sur plusieurs lignes n'est pas lue)"
        ));
    }
    out.push(field.trim().to_string());
    Ok(out)
}

/// One person of the file, checked.
struct Person {
    line: usize,
    first: String,
    last: String,
    new: NewUser,
}

/// Imports the accounts of `path` into `store`, in one transaction.
pub fn import_users(store: &dyn Store, path: &Path, now: i64) -> Result<UsersReport, CsvError> {
    let file = path.display().to_string();
    let refused = |m: String| CsvError::Refused(format!("{file} : {m}"));
    let bytes = crate::read_limited(path, MAX_CSV_BYTES).map_err(refused)?;
    let (text, encoding) = decode(&bytes);
    let mut report = UsersReport {
        encoding: encoding.into(),
        ..UsersReport::default()
    };

    let settled = {
        let read = store.read()?;
        let audiences = accounts::ids_by(&*read, EntityKind::Audience, "name")?;
        let subjects = accounts::ids_by(&*read, EntityKind::Subject, "code")?;
        let people = read_people(&text, &audiences, &subjects, &mut report).map_err(refused)?;
        settle(&*read, people, &refused)?
    };
    // The codes of the people to make, hashed before the write begins: argon2 takes a
    // while, and the writer is the running server's too (its logins and syncs wait for
    // it). A file imported again makes nobody, and hashes nothing.
    let mut codes =
        accounts::prepare_codes(settled.iter().filter(|s| !s.has_account).count()).into_iter();

    let mut tx = store.write()?;
    let mut logins = accounts::ids_by(&*tx, EntityKind::User, "login")?;
    for s in settled {
        if s.has_account {
            report.unchanged.push(s.new.login);
            continue;
        }
        // An account made meanwhile under this login is refused here, with the line.
        let created = accounts::add_in(&mut *tx, &s.new, now, &mut logins, codes.next())
            .map_err(|e| refused(format!("ligne {} : {e}", s.line)))?;
        report.created.extend(created.activation);
    }
    tx.commit()?;
    Ok(report)
}

/// A line of the file with its login settled.
struct Settled {
    line: usize,
    new: NewUser,
    /// The person has an account already (left as it is).
    has_account: bool,
}

/// Gives every person their login (the one given, her imported record's for a teacher, or
/// `prénom.nom`), and tells apart who has an account; or the first line at fault.
fn settle(
    tx: &dyn crate::store::ReadTx,
    people: Vec<Person>,
    refused: &dyn Fn(String) -> CsvError,
) -> Result<Vec<Settled>, CsvError> {
    let logins = accounts::ids_by(tx, EntityKind::User, "login")?;
    let mut in_file: BTreeMap<String, usize> = BTreeMap::new();
    let mut settled = Vec::with_capacity(people.len());
    for mut p in people {
        let line = p.line;
        let new = &mut p.new;
        // A teacher imported from STS-Web keeps the login her record has.
        if new.login.is_empty() {
            if let Some(sts) = &new.sts_id {
                let record = tx.get_record(EntityKind::User, &accounts::sts_user_id(sts))?;
                if let Some(login) = record
                    .as_ref()
                    .and_then(|r| r.data.get("login"))
                    .and_then(Value::as_str)
                {
                    new.login = login.to_string();
                }
            }
        }
        if new.login.is_empty() {
            // A teacher of the timetable is hers through her STS number, not her name.
            let base = login_base(&p.first, &p.last);
            let imported = logins
                .get(&base)
                .is_some_and(|owner| owner.starts_with("usr-sts-"));
            if new.role == Role::Teacher && new.sts_id.is_none() && imported {
                return Err(refused(format!(
                    "ligne {line} : {} {} est dans l'emploi du temps importé (identifiant \
                     « {base} ») : donnez son numéro STS dans la colonne id_sts",
                    p.first, p.last
                )));
            }
            new.login = derived_login(tx, &p.first, &p.last, &logins, &in_file)?;
        }
        if let Some(first) = in_file.insert(new.login.clone(), line) {
            return Err(refused(format!(
                "lignes {first} et {line} : le même identifiant « {} »",
                new.login
            )));
        }
        let account = tx.account_by_login(&new.login)?;
        if let Some(account) = &account {
            // The same person: the same STS number, or else the same name.
            let same = match &new.sts_id {
                Some(sts) => accounts::sts_user_id(sts) == account.user_id,
                None => {
                    let record = tx.get_record(EntityKind::User, &account.user_id)?;
                    let shown = record
                        .as_ref()
                        .and_then(|r| r.data.get("displayName"))
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    crate::import::folded(shown)
                        == crate::import::folded(new.name.as_deref().unwrap_or(""))
                }
            };
            if !same {
                return Err(refused(format!(
                    "ligne {line} : l'identifiant « {} » est déjà celui d'une autre personne",
                    new.login
                )));
            }
        }
        settled.push(Settled {
            line,
            new: p.new,
            has_account: account.is_some(),
        });
    }
    Ok(settled)
}

/// The ids of classes or groups given by their names (STS codes); refused when one is not
/// in the store.
pub fn audience_ids(store: &dyn Store, names_: &[String]) -> Result<Vec<String>, CsvError> {
    let known = accounts::ids_by(&*store.read()?, EntityKind::Audience, "name")?;
    names_
        .iter()
        .map(|n| {
            known.get(n.trim()).cloned().ok_or_else(|| {
                CsvError::Refused(format!(
                    "la classe ou le groupe « {n} » n'existe pas (import sts d'abord)"
                ))
            })
        })
        .collect()
}

/// The login of a line that gives none: `prénom.nom`, or the one this person was given
/// by an earlier import of the file (same login base, same name), numbered when another
/// person has it — or an earlier line of this file (two pupils of the same name: the
/// first keeps `prénom.nom`, the second `prénom.nom2`, at every import).
fn derived_login(
    tx: &dyn crate::store::ReadTx,
    first_name: &str,
    last_name: &str,
    logins: &HashMap<String, String>,
    in_file: &BTreeMap<String, usize>,
) -> Result<String, StoreError> {
    let base = login_base(first_name, last_name);
    let shown = display_name(first_name, last_name);
    for candidate in std::iter::once(base.clone()).chain((2..).map(|n| format!("{base}{n}"))) {
        if in_file.contains_key(&candidate) {
            continue;
        }
        let Some(owner) = logins.get(&candidate) else {
            return Ok(candidate);
        };
        // This very person, from an earlier import: the same login again.
        let record = tx.get_record(EntityKind::User, owner)?;
        if record
            .as_ref()
            .and_then(|r| r.data.get("displayName"))
            .and_then(Value::as_str)
            == Some(shown.as_str())
        {
            return Ok(candidate);
        }
    }
    unreachable!("some number is free")
}

/// `prénom.nom`, in lower-case ASCII.
fn login_base(first_name: &str, last_name: &str) -> String {
    let first = crate::import::login_part(first_name);
    let last = crate::import::login_part(last_name);
    match (first.is_empty(), last.is_empty()) {
        (false, false) => format!("{first}.{last}"),
        (true, false) => last,
        (false, true) => first,
        (true, true) => "compte".into(),
    }
    .chars()
    .take(56)
    .collect()
}

/// The name shown: `Prénom Nom`.
fn display_name(first: &str, last: &str) -> String {
    format!("{first} {last}").trim().to_string()
}

/// Every person of the text, checked; or the first line at fault.
fn read_people(
    text: &str,
    audiences: &HashMap<String, String>,
    subjects: &HashMap<String, String>,
    report: &mut UsersReport,
) -> Result<Vec<Person>, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)))
        .filter(|(_, l)| !l.trim().is_empty());
    let (header_line, header) = lines
        .next()
        .ok_or_else(|| "fichier vide : une ligne d'en-tête est attendue".to_string())?;
    let header = fields(header, header_line)?;
    let mut columns: HashMap<Column, usize> = HashMap::new();
    let mut ignored = Vec::new();
    for (i, name) in header.iter().enumerate() {
        match column_of(name) {
            Some(c) if columns.insert(c, i).is_some() => {
                return Err(format!(
                    "ligne {header_line} : la colonne « {name} » est en double"
                ));
            }
            Some(_) => {}
            None if name.is_empty() => {}
            None => ignored.push(name.clone()),
        }
    }
    for (c, name) in [
        (Column::Last, "nom"),
        (Column::First, "prénom"),
        (Column::Role, "rôle"),
    ] {
        if !columns.contains_key(&c) {
            return Err(format!(
                "ligne {header_line} : colonne « {name} » absente de l'en-tête (séparateur « ; »)"
            ));
        }
    }
    if !ignored.is_empty() {
        report.warnings.push(format!(
            "colonnes non lues (rien n'en est gardé) : {}",
            ignored.join(", ")
        ));
    }
    let mut people = Vec::new();
    for (n, line) in lines {
        if people.len() >= MAX_LINES {
            return Err(format!("plus de {MAX_LINES} personnes dans un fichier"));
        }
        let f = fields(line, n)?;
        let get = |c: Column| {
            columns
                .get(&c)
                .and_then(|i| f.get(*i))
                .map(String::as_str)
                .unwrap_or("")
        };
        let (first, last) = (get(Column::First), get(Column::Last));
        if first.is_empty() && last.is_empty() {
            return Err(format!("ligne {n} : ni nom ni prénom"));
        }
        if first.chars().count() > 100 || last.chars().count() > 100 {
            return Err(format!(
                "ligne {n} : nom ou prénom de plus de 100 caractères"
            ));
        }
        let role_text = get(Column::Role);
        let role = role_of(role_text).ok_or_else(|| {
            format!(
                "ligne {n} : rôle « {role_text} » inconnu (enseignant, vie scolaire, direction, \
                 inspecteur, élève, parent)"
            )
        })?;
        let list = |c: Column| -> Vec<&str> {
            get(c)
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect()
        };
        let mut audience_ids = Vec::new();
        for code in list(Column::Classes) {
            let id = audiences.get(code).ok_or_else(|| {
                format!(
                    "ligne {n} : la classe ou le groupe « {code} » n'existe pas (import sts \
                     d'abord)"
                )
            })?;
            audience_ids.push(id.clone());
        }
        let mut subject_ids = Vec::new();
        for code in list(Column::Subjects) {
            let id = subjects.get(code).ok_or_else(|| {
                format!("ligne {n} : la matière « {code} » n'existe pas (import sts d'abord)")
            })?;
            subject_ids.push(id.clone());
        }
        let sts = get(Column::Sts);
        let login = get(Column::Login).to_string();
        people.push(Person {
            line: n,
            first: first.to_string(),
            last: last.to_string(),
            new: NewUser {
                login,
                role,
                name: Some(display_name(first, last)),
                sts_id: (!sts.is_empty()).then(|| sts.to_string()),
                password: None,
                audience_ids,
                subject_ids,
            },
        });
    }
    if people.is_empty() {
        return Err("aucune personne après la ligne d'en-tête".into());
    }
    Ok(people)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_split_on_semicolons_and_quotes_kept_together() {
        assert_eq!(
            fields(r#"a; "b;c" ;"d ""e""";"#, 1).unwrap(),
            vec!["a", "b;c", r#"d "e""#, ""]
        );
        assert!(fields(r#"a;"b"#, 7).unwrap_err().contains("ligne 7"));
    }

    #[test]
    fn headers_and_roles_are_read_as_schools_write_them() {
        assert_eq!(column_of("Prénom"), Some(Column::First));
        assert_eq!(column_of("NOM"), Some(Column::Last));
        assert_eq!(column_of("Rôle"), Some(Column::Role));
        assert_eq!(column_of("id_sts"), Some(Column::Sts));
        assert_eq!(column_of("Matières"), Some(Column::Subjects));
        assert_eq!(column_of("date de naissance"), None);
        assert_eq!(role_of("Élève"), Some(Role::Pupil));
        assert_eq!(role_of("vie scolaire"), Some(Role::VieScolaire));
        assert_eq!(role_of("CPE"), Some(Role::VieScolaire));
        assert_eq!(role_of("Enseignante"), Some(Role::Teacher));
        assert_eq!(role_of("cuisinier"), None);
    }

    #[test]
    fn windows_1252_is_told_from_utf8() {
        let (text, enc) = decode("prénom".as_bytes());
        assert_eq!((text.as_str(), enc), ("prénom", "UTF-8"));
        let (text, enc) = decode(b"\xEF\xBB\xBFnom");
        assert_eq!((text.as_str(), enc), ("nom", "UTF-8"));
        let (text, enc) = decode(b"pr\xE9nom \x9C\x80");
        assert_eq!((text.as_str(), enc), ("prénom œ€", "windows-1252"));
    }
}
