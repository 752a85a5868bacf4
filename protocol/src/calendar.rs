//! The French public holidays (jours fériés), computed: the fixed ones and those that move
//! with Easter. No lesson is generated on one of them, whatever the timetable says.
//!
//! Alsace and Moselle keep two more (Vendredi saint and the 26 December): a school there
//! asks for them with [`Region::AlsaceMoselle`].

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Duration, NaiveDate};

/// Which set of public holidays applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Region {
    /// The national list.
    #[default]
    National,
    /// The national list with Vendredi saint and the Saint-Étienne (26 December).
    AlsaceMoselle,
}

/// Today's date in Paris at the instant `now`: Central European Time, summer time from
/// the last Sunday of March to the last Sunday of October (changing at 01:00 UTC, as the
/// whole European Union does). What « today » means to a French school, whatever the
/// time zone of the machine.
pub fn paris_today(now: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    let last_sunday = |month: u32| {
        let next_month = NaiveDate::from_ymd_opt(now.year(), month + 1, 1).expect("a date");
        let last = next_month - Duration::days(1);
        last - Duration::days(last.weekday().num_days_from_sunday() as i64)
    };
    let at_one = |d: NaiveDate| d.and_hms_opt(1, 0, 0).expect("a time").and_utc();
    let summer = now >= at_one(last_sunday(3)) && now < at_one(last_sunday(10));
    (now + Duration::hours(if summer { 2 } else { 1 })).date_naive()
}

/// Easter Sunday of `year` in the Gregorian calendar (the anonymous algorithm published
/// in Nature, 1876, valid for every Gregorian year).
pub fn easter(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("Easter is a real date")
}

/// The public holidays of the civil year `year`, in date order, with their French names.
pub fn public_holidays(year: i32, region: Region) -> Vec<(NaiveDate, &'static str)> {
    let fixed = |month, day| NaiveDate::from_ymd_opt(year, month, day).expect("a real date");
    let easter = easter(year);
    let mut days = vec![
        (fixed(1, 1), "Jour de l'an"),
        (easter + Duration::days(1), "Lundi de Pâques"),
        (fixed(5, 1), "Fête du Travail"),
        (fixed(5, 8), "Victoire 1945"),
        (easter + Duration::days(39), "Ascension"),
        (easter + Duration::days(50), "Lundi de Pentecôte"),
        (fixed(7, 14), "Fête nationale"),
        (fixed(8, 15), "Assomption"),
        (fixed(11, 1), "Toussaint"),
        (fixed(11, 11), "Armistice 1918"),
        (fixed(12, 25), "Noël"),
    ];
    if region == Region::AlsaceMoselle {
        days.push((easter - Duration::days(2), "Vendredi saint"));
        days.push((fixed(12, 26), "Saint-Étienne"));
    }
    days.sort();
    days
}

/// The name of the public holiday on `date`, if it is one.
pub fn public_holiday(date: NaiveDate, region: Region) -> Option<&'static str> {
    public_holidays(date.year(), region)
        .into_iter()
        .find(|(d, _)| *d == date)
        .map(|(_, name)| name)
}

/// A school year, written `2026-2027`: from 1 August of its first year to 31 July of the
/// next, which holds every lesson of the year whatever the school's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SchoolYear {
    first: NaiveDate,
    last: NaiveDate,
}

impl SchoolYear {
    /// The year that starts in August of `year`.
    pub fn starting(year: i32) -> Option<SchoolYear> {
        Some(SchoolYear {
            first: NaiveDate::from_ymd_opt(year, 8, 1)?,
            last: NaiveDate::from_ymd_opt(year.checked_add(1)?, 7, 31)?,
        })
    }

    /// The school year `date` is in.
    pub fn containing(date: NaiveDate) -> Option<SchoolYear> {
        let first = if date.month() >= 8 {
            date.year()
        } else {
            date.year() - 1
        };
        SchoolYear::starting(first)
    }

    /// Its first day, 1 August.
    pub fn first_day(self) -> NaiveDate {
        self.first
    }

    /// Its last day, 31 July.
    pub fn last_day(self) -> NaiveDate {
        self.last
    }

    /// Whether `date` (YYYY-MM-DD) is in it; `false` for what is not a date.
    pub fn contains(self, date: &str) -> bool {
        date.parse::<NaiveDate>()
            .is_ok_and(|d| self.first <= d && d <= self.last)
    }
}

impl fmt::Display for SchoolYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.first.year(), self.last.year())
    }
}

/// A school year that is not written like `2026-2027`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("année scolaire invalide : « {0} » (attendu : 2026-2027)")]
pub struct BadSchoolYear(pub String);

impl FromStr for SchoolYear {
    type Err = BadSchoolYear;

    /// `2026-2027`: two years of four digits, the second after the first.
    fn from_str(s: &str) -> Result<SchoolYear, BadSchoolYear> {
        let refused = || BadSchoolYear(s.to_string());
        let (a, b) = s.trim().split_once('-').ok_or_else(refused)?;
        let four_digits = |x: &str| x.len() == 4 && x.bytes().all(|c| c.is_ascii_digit());
        if !four_digits(a) || !four_digits(b) {
            return Err(refused());
        }
        let (a, b): (i32, i32) = (
            a.parse().map_err(|_| refused())?,
            b.parse().map_err(|_| refused())?,
        );
        if b != a + 1 {
            return Err(refused());
        }
        SchoolYear::starting(a).ok_or_else(refused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn easter_matches_the_published_dates() {
        // The dates in the Church's tables (and on any calendar) for the years a school
        // year of Ardoise can fall in, plus the algorithm's classic edge cases.
        for (year, month, day) in [
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2028, 4, 16),
            (2029, 4, 1),
            (2030, 4, 21),
            (1981, 4, 19),
            (2008, 3, 23),
            (2038, 4, 25),
            (2285, 3, 22),
        ] {
            assert_eq!(easter(year), d(year, month, day), "Easter {year}");
        }
    }

    #[test]
    fn the_movable_holidays_follow_easter() {
        assert_eq!(
            public_holiday(d(2026, 4, 6), Region::National),
            Some("Lundi de Pâques")
        );
        assert_eq!(
            public_holiday(d(2026, 5, 14), Region::National),
            Some("Ascension")
        );
        assert_eq!(
            public_holiday(d(2026, 5, 25), Region::National),
            Some("Lundi de Pentecôte")
        );
        assert_eq!(
            public_holiday(d(2026, 12, 25), Region::National),
            Some("Noël")
        );
        assert_eq!(public_holiday(d(2026, 12, 24), Region::National), None);
        assert_eq!(public_holidays(2027, Region::National).len(), 11);
    }

    #[test]
    fn today_in_paris_follows_summer_time() {
        let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
        // 23:30 UTC is already tomorrow in Paris: 00:30 in winter, 01:30 in summer.
        assert_eq!(paris_today(at("2026-11-30T23:30:00Z")), d(2026, 12, 1));
        assert_eq!(paris_today(at("2026-07-14T22:30:00Z")), d(2026, 7, 15));
        assert_eq!(paris_today(at("2026-07-14T21:30:00Z")), d(2026, 7, 14));
        // Summer time starts on 2026-03-29 at 01:00 UTC.
        assert_eq!(paris_today(at("2026-03-28T22:30:00Z")), d(2026, 3, 28));
        assert_eq!(paris_today(at("2026-03-29T22:30:00Z")), d(2026, 3, 30));
    }

    #[test]
    fn alsace_moselle_has_two_more() {
        assert_eq!(public_holiday(d(2026, 4, 3), Region::National), None);
        assert_eq!(
            public_holiday(d(2026, 4, 3), Region::AlsaceMoselle),
            Some("Vendredi saint")
        );
        assert_eq!(
            public_holiday(d(2026, 12, 26), Region::AlsaceMoselle),
            Some("Saint-Étienne")
        );
        assert_eq!(public_holidays(2026, Region::AlsaceMoselle).len(), 13);
    }

    #[test]
    fn a_school_year_is_two_following_years() {
        let year: SchoolYear = "2026-2027".parse().unwrap();
        assert_eq!(year.first_day().to_string(), "2026-08-01");
        assert_eq!(year.last_day().to_string(), "2027-07-31");
        assert_eq!(year.to_string(), "2026-2027");
        assert!(year.contains("2027-07-04") && year.contains("2026-09-01"));
        assert!(!year.contains("2026-07-31") && !year.contains("demain"));
        for bad in [
            "2026",
            "2026-2028",
            "2027-2026",
            "26-27",
            "2026-2027x",
            "abcd-efgh",
            "",
        ] {
            assert_eq!(
                bad.parse::<SchoolYear>(),
                Err(BadSchoolYear(bad.into())),
                "{bad}"
            );
        }
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(SchoolYear::containing(day("2027-07-04")), Some(year));
        assert_eq!(SchoolYear::containing(day("2026-09-01")), Some(year));
        assert_ne!(SchoolYear::containing(day("2026-07-31")), Some(year));
    }
}
