//! Dates: [`Day`] (days since 1900-01-01) and [`Ymd`] (the `YYYYMMDD` number of a date).
//!
//! Conditions "N days ago" compare day numbers; ages in calendar years compare `YYYYMMDD`
//! numbers, which is exact including leap days: someone born on `dob` is at least `N` years old on
//! `today` exactly when `dob.ymd + N * 10000 <= today.ymd`, so a person born on 29 February comes of
//! age on 1 March in a non-leap year. Partial birth dates (year, or year and month, as the EU DCC
//! allows) become a [`DobInterval`] of the earliest and latest possible dates.
//!
//! Supported dates: 1900-01-01 to 9999-12-31 (proleptic Gregorian calendar).
//!
//! In the circuit, [`constraints::ymd_of_day`] derives the `YYYYMMDD` form from the day number,
//! so the statement carries the date once.

#[cfg(feature = "r1cs")]
pub mod constraints;

use std::{fmt, str::FromStr};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{field::Fr, Error};

/// Days between 1900-01-01 and 1970-01-01.
const DAYS_1900_TO_1970: i64 = 25_567;
pub(crate) const MIN_YEAR: u32 = 1900;
pub(crate) const MAX_YEAR: u32 = 9999;

/// A date as the number of days since 1900-01-01 (which is `Day(0)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub u32);

/// A date as the number `YYYYMMDD` (e.g. `20240229`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Ymd(u32);

/// Whether `year` is a leap year in the Gregorian calendar.
pub fn is_leap_year(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

/// The number of days in `month` (1-12) of `year`.
pub fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

fn check_civil(year: u32, month: u32, day: u32) -> Result<(), Error> {
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        return Err(Error::InvalidDate(format!(
            "year {year} is outside {MIN_YEAR}..={MAX_YEAR}"
        )));
    }
    if !(1..=12).contains(&month) {
        return Err(Error::InvalidDate(format!("month {month} is not 1 to 12")));
    }
    if day == 0 || day > days_in_month(year, month) {
        return Err(Error::InvalidDate(format!(
            "{year:04}-{month:02} has no day {day}"
        )));
    }
    Ok(())
}

impl Day {
    /// The day of a calendar date; fails on dates that do not exist or are out of range.
    pub fn from_civil(year: u32, month: u32, day: u32) -> Result<Self, Error> {
        check_civil(year, month, day)?;
        // Howard Hinnant's days_from_civil, shifted to 1900-01-01.
        let y = i64::from(year) - i64::from(month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days_since_1970 = era * 146_097 + doe - 719_468;
        let n = days_since_1970 + DAYS_1900_TO_1970;
        u32::try_from(n)
            .map(Day)
            .map_err(|_| Error::InvalidDate(format!("day {n} out of range")))
    }

    /// The calendar date `(year, month, day)` of this day.
    pub fn to_civil(self) -> (u32, u32, u32) {
        let z = i64::from(self.0) - DAYS_1900_TO_1970 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        // In range by construction for every u32 day up to 9999-12-31.
        (y as u32, m as u32, d as u32)
    }

    /// The last supported day, 9999-12-31.
    pub fn max() -> Day {
        // 9999-12-31 is valid by construction.
        Day(2_958_463)
    }

    /// Checks that the day is at most 9999-12-31.
    pub fn validate(self) -> Result<Self, Error> {
        if self > Self::max() {
            return Err(Error::InvalidDate(format!(
                "day {} is after 9999-12-31",
                self.0
            )));
        }
        Ok(self)
    }

    /// The `YYYYMMDD` form of this day. A day past 9999-12-31 (which no parser or decoder
    /// produces) maps to 99991231, so every [`Ymd`] is a valid date.
    pub fn ymd(self) -> Ymd {
        let (y, m, d) = self.min(Self::max()).to_civil();
        Ymd(y * 10_000 + m * 100 + d)
    }

    /// The day `n` days later, if in range.
    pub fn checked_add(self, n: u32) -> Option<Day> {
        self.0.checked_add(n).map(Day).filter(|d| *d <= Self::max())
    }

    /// The day `n` days earlier, if in range.
    pub fn checked_sub(self, n: u32) -> Option<Day> {
        self.0.checked_sub(n).map(Day)
    }

    /// The day number as a field element.
    pub fn to_field(self) -> Fr {
        Fr::from(self.0)
    }

    /// The UTC day of a Unix timestamp (seconds). The library reads no clock: whoever knows the
    /// time (a CLI, a service, a browser) passes it here.
    pub fn from_unix_seconds(secs: u64) -> Result<Day, Error> {
        let n = secs / 86_400 + DAYS_1900_TO_1970 as u64;
        u32::try_from(n)
            .map_err(|_| Error::InvalidDate(format!("timestamp {secs} out of range")))
            .and_then(|d| Day(d).validate())
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.to_civil();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

fn parse_number(s: &str, what: &str) -> Result<u32, Error> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::InvalidDate(format!("{what} {s:?} is not a number")));
    }
    s.parse()
        .map_err(|_| Error::InvalidDate(format!("{what} {s:?} is not a number")))
}

impl FromStr for Day {
    type Err = Error;

    /// Parses `YYYY-MM-DD` strictly.
    fn from_str(s: &str) -> Result<Self, Error> {
        let parts: Vec<&str> = s.split('-').collect();
        match parts.as_slice() {
            [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => Day::from_civil(
                parse_number(y, "year")?,
                parse_number(m, "month")?,
                parse_number(d, "day")?,
            ),
            _ => Err(Error::InvalidDate(format!("{s:?} is not YYYY-MM-DD"))),
        }
    }
}

impl Serialize for Day {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl Ymd {
    /// The `YYYYMMDD` number of a valid date.
    pub fn from_civil(year: u32, month: u32, day: u32) -> Result<Self, Error> {
        check_civil(year, month, day)?;
        Ok(Ymd(year * 10_000 + month * 100 + day))
    }

    /// The number itself.
    pub fn get(self) -> u32 {
        self.0
    }

    /// `(year, month, day)`.
    pub fn to_civil(self) -> (u32, u32, u32) {
        (self.0 / 10_000, self.0 / 100 % 100, self.0 % 100)
    }

    /// The day number of this date.
    pub fn day(self) -> Day {
        let (y, m, d) = self.to_civil();
        match Day::from_civil(y, m, d) {
            Ok(day) => day,
            // Every Ymd is validated on construction.
            Err(_) => unreachable!("Ymd holds a valid date"),
        }
    }

    /// The number as a field element.
    pub fn to_field(self) -> Fr {
        Fr::from(self.0)
    }
}

impl TryFrom<u32> for Ymd {
    type Error = Error;

    fn try_from(n: u32) -> Result<Self, Error> {
        Ymd::from_civil(n / 10_000, n / 100 % 100, n % 100)
    }
}

impl From<Ymd> for u32 {
    fn from(y: Ymd) -> u32 {
        y.0
    }
}

impl fmt::Display for Ymd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.day().fmt(f)
    }
}

/// A birth date known to lie in `[earliest, latest]` (both inclusive).
///
/// A full date gives a one-day interval; `"1980"` gives 1980-01-01 to 1980-12-31 and `"1980-02"`
/// 1980-02-01 to 1980-02-29. "At least N years" is checked on `latest` and "at most N years" on
/// `earliest`, so a partial date never gives a wrong yes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DobInterval {
    /// The earliest possible birth date.
    pub earliest: Ymd,
    /// The latest possible birth date.
    pub latest: Ymd,
}

impl DobInterval {
    /// An interval; fails if `earliest > latest`.
    pub fn new(earliest: Ymd, latest: Ymd) -> Result<Self, Error> {
        if earliest > latest {
            return Err(Error::InvalidDate(format!(
                "birth-date interval starts after it ends ({earliest} > {latest})"
            )));
        }
        Ok(DobInterval { earliest, latest })
    }

    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (the EU DCC's `dob` forms).
    pub fn parse(s: &str) -> Result<Self, Error> {
        let parts: Vec<&str> = s.split('-').collect();
        match parts.as_slice() {
            [y] if y.len() == 4 => {
                let y = parse_number(y, "year")?;
                DobInterval::new(Ymd::from_civil(y, 1, 1)?, Ymd::from_civil(y, 12, 31)?)
            }
            [y, m] if y.len() == 4 && m.len() == 2 => {
                let (y, m) = (parse_number(y, "year")?, parse_number(m, "month")?);
                let first = Ymd::from_civil(y, m, 1)?;
                DobInterval::new(first, Ymd::from_civil(y, m, days_in_month(y, m))?)
            }
            [_, _, _] => {
                let d: Day = s.parse()?;
                DobInterval::new(d.ymd(), d.ymd())
            }
            _ => Err(Error::InvalidDate(format!(
                "{s:?} is not YYYY, YYYY-MM or YYYY-MM-DD"
            ))),
        }
    }
}

impl<'de> Deserialize<'de> for DobInterval {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            earliest: Ymd,
            latest: Ymd,
        }
        let raw = Raw::deserialize(d)?;
        DobInterval::new(raw.earliest, raw.latest).map_err(serde::de::Error::custom)
    }
}

/// Whether someone born on `dob` is at least `years` old on `today` (calendar years).
pub fn age_at_least(dob: Ymd, years: u32, today: Day) -> bool {
    u64::from(dob.get()) + u64::from(years) * 10_000 <= u64::from(today.ymd().get())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn epoch_and_known_days() {
        assert_eq!(Day::from_civil(1900, 1, 1).unwrap(), Day(0));
        assert_eq!(Day::from_civil(1900, 3, 1).unwrap(), Day(59)); // 1900 is not a leap year
        assert_eq!(Day::from_civil(1970, 1, 1).unwrap(), Day(25_567));
        assert_eq!(
            Day::from_civil(2000, 2, 29).unwrap().to_string(),
            "2000-02-29"
        );
        assert_eq!(Day::from_civil(9999, 12, 31).unwrap(), Day::max());
        assert_eq!(Day::from_unix_seconds(0).unwrap(), Day(25_567));
    }

    #[test]
    fn rejects_impossible_dates() {
        assert!(Day::from_civil(2023, 2, 29).is_err());
        assert!(Day::from_civil(1900, 2, 29).is_err());
        assert!(Day::from_civil(1899, 12, 31).is_err());
        assert!(Day::from_civil(10_000, 1, 1).is_err());
        assert!(Day::from_civil(2024, 13, 1).is_err());
        assert!(Day::from_civil(2024, 4, 31).is_err());
        for s in [
            "2024-1-01",
            "2024-01-1",
            "24-01-01",
            "2024/01/01",
            "2024-01-01x",
            "",
            "+024-01-01",
        ] {
            assert!(s.parse::<Day>().is_err(), "{s}");
        }
        assert!(Ymd::try_from(20230229).is_err());
        assert!(Day(u32::MAX).validate().is_err());
    }

    #[test]
    fn out_of_range_days_do_not_panic() {
        let far = Day(u32::MAX);
        assert!(far.validate().is_err());
        assert_eq!(far.ymd().get(), 99_991_231);
        assert_eq!(far.ymd().to_string(), "9999-12-31");
        let _ = far.to_string();
        assert!(Day::from_unix_seconds(u64::MAX).is_err());
    }

    #[test]
    fn ymd_form_and_serde() {
        let d: Day = "2024-02-29".parse().unwrap();
        assert_eq!(d.ymd().get(), 20240229);
        assert_eq!(d.ymd().day(), d);
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"2024-02-29\"");
        assert_eq!(serde_json::from_str::<Day>("\"2024-02-29\"").unwrap(), d);
        assert!(serde_json::from_str::<Day>("\"2023-02-29\"").is_err());
        assert!(serde_json::from_str::<Ymd>("20230229").is_err());
    }

    #[test]
    fn partial_birth_dates_become_intervals() {
        let y = DobInterval::parse("1980").unwrap();
        assert_eq!((y.earliest.get(), y.latest.get()), (19800101, 19801231));
        let m = DobInterval::parse("1980-02").unwrap();
        assert_eq!((m.earliest.get(), m.latest.get()), (19800201, 19800229));
        let d = DobInterval::parse("1981-02-03").unwrap();
        assert_eq!((d.earliest.get(), d.latest.get()), (19810203, 19810203));
        for s in ["198", "1980-2", "1980-13", "1980-02-30", "abcd"] {
            assert!(DobInterval::parse(s).is_err(), "{s}");
        }
        assert!(
            serde_json::from_str::<DobInterval>(r#"{"earliest":19900101,"latest":19800101}"#)
                .is_err()
        );
    }

    #[test]
    fn leap_day_birthday_comes_of_age_on_first_of_march() {
        let dob = Ymd::from_civil(2004, 2, 29).unwrap();
        assert!(!age_at_least(dob, 18, "2022-02-28".parse().unwrap()));
        assert!(age_at_least(dob, 18, "2022-03-01".parse().unwrap()));
        assert!(age_at_least(dob, 20, "2024-02-29".parse().unwrap()));
        assert!(!age_at_least(dob, 20, "2024-02-28".parse().unwrap()));
    }

    proptest! {
        #[test]
        fn day_civil_round_trip(n in 0u32..=2_958_463) {
            let d = Day(n);
            let (y, m, dd) = d.to_civil();
            prop_assert_eq!(Day::from_civil(y, m, dd).unwrap(), d);
            prop_assert_eq!(d.to_string().parse::<Day>().unwrap(), d);
            prop_assert_eq!(d.ymd().day(), d);
        }

        #[test]
        fn ymd_order_matches_day_order(a in 0u32..=2_958_463, b in 0u32..=2_958_463) {
            prop_assert_eq!(Day(a).cmp(&Day(b)), Day(a).ymd().cmp(&Day(b).ymd()));
        }
    }
}
