//! The school calendar the server ships (`data/calendrier-scolaire.csv`) against a second
//! source: the `vacances-scolaires-france` package from PyPI, day by day, for every zone
//! and every day of the years shipped.

use std::collections::BTreeSet;

use ardoise_server::school_calendar::shipped_rows;
use chrono::NaiveDate;

/// Every day off of zones A, B and C the package knows, from `from` to `to`, as
/// `zone date` lines.
const PACKAGE_DAYS: &str = r#"
import datetime, sys
from vacances_scolaires_france import SchoolHolidayDates
first, last = (datetime.date.fromisoformat(d) for d in sys.stdin.read().split())
dates = SchoolHolidayDates()
day = first
while day <= last:
    for zone in "ABC":
        if dates.is_holiday_for_zone(day, zone):
            print(zone, day.isoformat())
    day += datetime.timedelta(days=1)
"#;

#[test]
fn calendar_matches_second_source() {
    let rows = shipped_rows();
    // From the first shipped Toussaint to the last day shipped.
    let first = NaiveDate::from_ymd_opt(2024, 9, 2).unwrap();
    let last = rows.iter().map(|(_, p)| p.last).max().unwrap();
    let mut ours = BTreeSet::new();
    for (zone, p) in &rows {
        let mut day = p.first;
        while day <= p.last {
            ours.insert(format!("{zone} {day}"));
            day = day.succ_opt().unwrap();
        }
    }
    let theirs: BTreeSet<String> =
        ardoise_testkit::python(PACKAGE_DAYS, &format!("{first} {last}"))
            .lines()
            .map(str::to_string)
            .collect();
    assert!(theirs.len() > 1000, "the package knows these years");
    let missing: Vec<_> = theirs.difference(&ours).collect();
    let extra: Vec<_> = ours.difference(&theirs).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "days off the package has and we do not: {missing:?}; ours only: {extra:?}"
    );
}
