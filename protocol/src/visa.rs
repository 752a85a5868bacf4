//! The visa rule, shared by the server (which enforces it) and the client (which shows an
//! entry read-only and refuses the edit before it is queued): a visa signed for a teacher
//! and a class up to a date locks that teacher's séances and homework of that class dated on
//! or before it.

use crate::EntityKind;

/// The date field of an entry a visa is compared with: a séance's date, the day a homework
/// was given. `None` for kinds no visa locks.
pub fn dated_by(kind: EntityKind) -> Option<&'static str> {
    match kind {
        EntityKind::Session => Some("date"),
        EntityKind::Homework => Some("givenOn"),
        _ => None,
    }
}

/// Whether a visa signed up to `until` locks an entry dated `date` (both YYYY-MM-DD).
pub fn locks(until: &str, date: &str) -> bool {
    until >= date
}

/// What the teacher reads when an edit is refused.
pub fn locked_message(date: &str, until: &str) -> String {
    format!("Cette entrée du {date} est visée jusqu'au {until} : elle ne peut plus être modifiée.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visa_locks_its_day_and_the_days_before_only() {
        assert!(locks("2026-11-30", "2026-11-30"));
        assert!(locks("2026-11-30", "2026-09-01"));
        assert!(!locks("2026-11-30", "2026-12-01"));
        assert_eq!(dated_by(EntityKind::Homework), Some("givenOn"));
        assert_eq!(dated_by(EntityKind::Visa), None);
    }
}
