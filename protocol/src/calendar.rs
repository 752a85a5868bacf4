//! The French public holidays (jours fériés), computed: the fixed ones and those that move
//! with Easter. No lesson is generated on one of them, whatever the timetable says.
//!
//! Alsace and Moselle keep two more (Vendredi saint and the 26 December): a school there
//! asks for them with [`Region::AlsaceMoselle`].

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
}
