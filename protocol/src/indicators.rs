//! The direction's indicators over a period (`GET /v1/indicators?from=…&until=…`): how the
//! cahier de textes is kept, per class and per teacher; how much was written offline; the
//! conflicts and how they were settled; who used Ardoise, per role and week; the charter's
//! acceptance. Counts only: never a pupil, never a person's activity.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::Role;

/// The longest period the server computes at once: a school year and a little more.
pub const MAX_PERIOD_DAYS: i64 = 366;

/// An edit that reached the server this long (seconds) after it was made counts as made
/// offline: online, the app sends an edit within seconds.
pub const OFFLINE_AFTER_SECS: i64 = 300;

/// Everything the indicators page shows.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Indicators {
    /// First day of the period.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub from: NaiveDate,
    /// Last day of the period.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub until: NaiveDate,
    /// Per class or group, by name.
    pub classes: Vec<WritingRow>,
    /// Per teacher, by name.
    pub teachers: Vec<WritingRow>,
    /// Per week of the period, who used Ardoise.
    pub weeks: Vec<WeekActivity>,
    /// Conflicts made and settled in the period.
    pub conflicts: ConflictCounts,
    /// The charter's latest version and who accepted it, per role.
    pub charter: CharterCounts,
}

/// How one class's (or one teacher's) cahier de textes is kept over the period.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WritingRow {
    /// The class's or teacher's record id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Lessons held up to today (not cancelled).
    pub lessons_held: u32,
    /// Of those, the ones with their séance written.
    pub seances_written: u32,
    /// Homework given in the period.
    pub homework_given: u32,
    /// Edits of séances and homework that reached the server in the period.
    pub edits: u32,
    /// Of those, the ones made offline (sent more than [`OFFLINE_AFTER_SECS`] later).
    pub offline_edits: u32,
}

impl WritingRow {
    /// Séances written per lesson held, in percent (none held: 100).
    pub fn written_percent(&self) -> u32 {
        if self.lessons_held == 0 {
            100
        } else {
            (u64::from(self.seances_written) * 100 / u64::from(self.lessons_held)) as u32
        }
    }
}

/// Who used Ardoise in one week (a login, a token renewed or an edit sent), per role.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WeekActivity {
    /// The week's Monday.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub week: NaiveDate,
    /// Teachers.
    pub teachers: u32,
    /// Vie scolaire.
    pub vie_scolaire: u32,
    /// Direction.
    pub direction: u32,
    /// Pupils.
    pub pupils: u32,
    /// Parents.
    pub parents: u32,
}

/// Conflicts in the period.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConflictCounts {
    /// Edits that became conflict revisions.
    pub made: u32,
    /// Settled by keeping the conflicting edit.
    pub kept_mine: u32,
    /// Settled by keeping what the server had.
    pub kept_theirs: u32,
    /// Still to settle today (whenever made).
    pub open: u32,
}

/// The charter's acceptance.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CharterCounts {
    /// The latest version's number; `None` when the school has no charter.
    pub version: Option<u32>,
    /// Per role (a person counts under their first role).
    pub by_role: Vec<RoleAcceptance>,
}

/// Accounts of one role and how many accepted the latest charter.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAcceptance {
    /// The role.
    pub role: Role,
    /// Active accounts.
    pub accounts: u32,
    /// Of those, the ones that accepted the latest version.
    pub accepted: u32,
}

/// The French name of a role, plural, as the indicators say it.
pub fn role_plural(role: Role) -> &'static str {
    match role {
        Role::Teacher => "enseignants",
        Role::VieScolaire => "vie scolaire",
        Role::Direction => "direction",
        Role::Inspector => "inspecteurs",
        Role::Pupil => "élèves",
        Role::Parent => "parents",
    }
}

impl Indicators {
    /// The indicators as CSV for a spreadsheet (French conventions: `;` between fields,
    /// a UTF-8 byte order mark), one value per line: section, what, measure, value.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("\u{feff}section;libellé;mesure;valeur\r\n");
        let mut line = |section: &str, what: &str, measure: &str, value: String| {
            let field = |s: &str| {
                if s.contains([';', '"', '\n', '\r']) {
                    format!("\"{}\"", s.replace('"', "\"\""))
                } else {
                    s.to_string()
                }
            };
            out.push_str(&format!(
                "{};{};{};{}\r\n",
                field(section),
                field(what),
                field(measure),
                field(&value)
            ));
        };
        let period = format!("{} au {}", self.from, self.until);
        line("période", &period, "jours", {
            ((self.until - self.from).num_days() + 1).to_string()
        });
        for (section, rows) in [("classe", &self.classes), ("enseignant", &self.teachers)] {
            for r in rows {
                line(
                    section,
                    &r.name,
                    "cours assurés",
                    r.lessons_held.to_string(),
                );
                line(
                    section,
                    &r.name,
                    "séances écrites",
                    r.seances_written.to_string(),
                );
                line(
                    section,
                    &r.name,
                    "taux (%)",
                    r.written_percent().to_string(),
                );
                line(
                    section,
                    &r.name,
                    "devoirs donnés",
                    r.homework_given.to_string(),
                );
                line(section, &r.name, "modifications", r.edits.to_string());
                line(
                    section,
                    &r.name,
                    "dont hors ligne",
                    r.offline_edits.to_string(),
                );
            }
        }
        for w in &self.weeks {
            let week = format!("semaine du {}", w.week);
            for (role, n) in [
                (Role::Teacher, w.teachers),
                (Role::VieScolaire, w.vie_scolaire),
                (Role::Direction, w.direction),
                (Role::Pupil, w.pupils),
                (Role::Parent, w.parents),
            ] {
                line(
                    "utilisateurs actifs",
                    &week,
                    role_plural(role),
                    n.to_string(),
                );
            }
        }
        let c = &self.conflicts;
        line("conflits", "", "survenus", c.made.to_string());
        line(
            "conflits",
            "",
            "résolus en gardant la modification",
            c.kept_mine.to_string(),
        );
        line(
            "conflits",
            "",
            "résolus en gardant la version de l'ENT",
            c.kept_theirs.to_string(),
        );
        line("conflits", "", "à résoudre", c.open.to_string());
        if let Some(v) = self.charter.version {
            let version = format!("version {v}");
            for r in &self.charter.by_role {
                line(
                    "charte",
                    &version,
                    &format!("{} : comptes", role_plural(r.role)),
                    r.accounts.to_string(),
                );
                line(
                    "charte",
                    &version,
                    &format!("{} : acceptée", role_plural(r.role)),
                    r.accepted.to_string(),
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_csv_has_one_value_per_line_and_quotes_what_needs_it() {
        let row = WritingRow {
            id: "a1".into(),
            name: "2nde A; option \"latin\"".into(),
            lessons_held: 4,
            seances_written: 3,
            homework_given: 2,
            edits: 5,
            offline_edits: 1,
        };
        let ind = Indicators {
            from: date("2026-11-02"),
            until: date("2026-11-29"),
            classes: vec![row],
            teachers: vec![],
            weeks: vec![],
            conflicts: ConflictCounts::default(),
            charter: CharterCounts::default(),
        };
        let csv = ind.to_csv();
        assert!(csv.starts_with("\u{feff}section;libellé;mesure;valeur\r\n"));
        assert!(csv.contains("période;2026-11-02 au 2026-11-29;jours;28\r\n"));
        assert!(csv.contains("classe;\"2nde A; option \"\"latin\"\"\";taux (%);75\r\n"));
        assert!(!csv.contains("charte"), "no charter, no charter lines");
    }

    #[test]
    fn a_class_with_no_lesson_held_is_not_behind() {
        let row = WritingRow {
            id: "a".into(),
            name: "a".into(),
            lessons_held: 0,
            seances_written: 0,
            homework_given: 0,
            edits: 0,
            offline_edits: 0,
        };
        assert_eq!(row.written_percent(), 100);
    }
}
