//! The DCC payload (schema versions 1.0 to 1.3) and its mapping to records.
//!
//! The schema check ([`Payload::from_json`]) enforces the structure: `ver` of 1.0.x to 1.3.x,
//! `nam` with a transliterated family name (`fnt`, `A`–`Z` and `<`), `dob` empty or `YYYY`,
//! `YYYY-MM`, `YYYY-MM-DD`, and entries in exactly one of `v`, `t`, `r`, with every
//! field the schema requires, dates in their formats, dose numbers from 1 to 9 and texts of at
//! most 80 characters. It does not check codes against the EU value sets: an unknown code is
//! kept verbatim.

use serde::Deserialize;
use zkhealth_circuits::date::{Day, DobInterval, Ymd};

use super::{DccError, EntryKind, Layer};
use crate::{RecoveryRecord, TestRecord, VaccinationRecord};

/// Longest text the schema allows in names, issuer and identifier fields.
const MAX_TEXT: usize = 80;

/// A DCC payload.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Payload {
    /// Schema version, `1.m.p`.
    pub ver: String,
    /// The holder's name.
    pub nam: Name,
    /// Date of birth: `YYYY-MM-DD`, `YYYY-MM`, `YYYY` or empty.
    pub dob: String,
    /// Vaccination entries.
    #[serde(default)]
    pub v: Option<Vec<Vaccination>>,
    /// Test entries.
    #[serde(default)]
    pub t: Option<Vec<Test>>,
    /// Recovery entries.
    #[serde(default)]
    pub r: Option<Vec<Recovery>>,
}

/// The holder's name.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Name {
    /// Family name.
    #[serde(rename = "fn", default)]
    pub family: Option<String>,
    /// Family name, transliterated (ICAO 9303).
    pub fnt: String,
    /// Given name.
    #[serde(default)]
    pub gn: Option<String>,
    /// Given name, transliterated.
    #[serde(default)]
    pub gnt: Option<String>,
}

/// A vaccination entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Vaccination {
    /// Disease or agent targeted.
    pub tg: String,
    /// Vaccine or prophylaxis.
    pub vp: String,
    /// Medicinal product.
    pub mp: String,
    /// Marketing-authorisation holder or manufacturer.
    pub ma: String,
    /// Dose number.
    pub dn: u32,
    /// Total doses in the series.
    pub sd: u32,
    /// Date of vaccination, `YYYY-MM-DD`.
    pub dt: String,
    /// Country of vaccination.
    pub co: String,
    /// Certificate issuer.
    pub is: String,
    /// Unique certificate identifier.
    pub ci: String,
}

/// A test entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Test {
    /// Disease or agent targeted.
    pub tg: String,
    /// Type of test.
    pub tt: String,
    /// Test name (NAAT).
    #[serde(default)]
    pub nm: Option<String>,
    /// Test device identifier (RAT).
    #[serde(default)]
    pub ma: Option<String>,
    /// Sample collection, date and time (RFC 3339).
    pub sc: String,
    /// Test result.
    pub tr: String,
    /// Testing centre.
    #[serde(default)]
    pub tc: Option<String>,
    /// Country of the test.
    pub co: String,
    /// Certificate issuer.
    pub is: String,
    /// Unique certificate identifier.
    pub ci: String,
}

/// A recovery entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Recovery {
    /// Disease or agent the holder recovered from.
    pub tg: String,
    /// Date of the first positive test, `YYYY-MM-DD`.
    pub fr: String,
    /// Country of the test.
    pub co: String,
    /// Certificate issuer.
    pub is: String,
    /// Valid from, `YYYY-MM-DD`.
    pub df: String,
    /// Valid until, `YYYY-MM-DD`.
    pub du: String,
    /// Unique certificate identifier.
    pub ci: String,
}

/// The kind of entry the raw payload holds, if it names exactly one of `v`, `t`, `r`.
pub(super) fn entry_kind(json: &serde_json::Value) -> Option<EntryKind> {
    let kinds: Vec<EntryKind> = [
        ("v", EntryKind::Vaccination),
        ("t", EntryKind::Test),
        ("r", EntryKind::Recovery),
    ]
    .into_iter()
    .filter(|(key, _)| json.get(key).is_some())
    .map(|(_, kind)| kind)
    .collect();
    match kinds.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

fn schema(reason: impl Into<String>) -> DccError {
    DccError::new(Layer::Schema, reason)
}

fn text(field: &str, value: &str, required: bool) -> Result<(), DccError> {
    if required && value.is_empty() {
        return Err(schema(format!("{field} is empty")));
    }
    if value.chars().count() > MAX_TEXT {
        return Err(schema(format!(
            "{field} is longer than {MAX_TEXT} characters"
        )));
    }
    Ok(())
}

fn date(field: &str, value: &str) -> Result<Day, DccError> {
    value
        .parse::<Day>()
        .map_err(|e| schema(format!("{field} {value:?}: {e}")))
}

/// A date, or the date of a date-time (version 1.0 payloads wrote `v.dt` with a time).
fn day_of(field: &str, value: &str) -> Result<Day, DccError> {
    if value.len() > 10 {
        // The date as written, which the time must still parse with.
        date_time(field, value)?;
    }
    date(field, value.get(..10).unwrap_or(value))
}

/// `YYYY-MM-DDThh:mm:ss` followed by `Z` or `±hh:mm` (fractions of a second allowed): the UTC
/// day it falls on.
fn date_time(field: &str, value: &str) -> Result<Day, DccError> {
    let bad = || schema(format!("{field} {value:?} is not an RFC 3339 date-time"));
    let (day, time) = value.split_once('T').ok_or_else(bad)?;
    let day = date(field, day)?;
    let (clock, zone) = if let Some(clock) = time.strip_suffix('Z') {
        (clock, None)
    } else {
        let at = time.rfind(['+', '-']).ok_or_else(bad)?;
        let sign: i64 = if time.get(at..at + 1) == Some("-") {
            -1
        } else {
            1
        };
        (
            time.get(..at).ok_or_else(bad)?,
            time.get(at + 1..).map(|z| (sign, z)),
        )
    };
    let clock = clock.split('.').next().ok_or_else(bad)?;
    let fields = |s: &str, limits: &[u32]| -> Option<Vec<i64>> {
        let parts: Vec<&str> = s.split(':').collect();
        if parts.len() != limits.len() {
            return None;
        }
        parts
            .iter()
            .zip(limits)
            .map(|(p, max)| {
                let n = (p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| p.parse::<u32>().ok())
                    .flatten()
                    .filter(|n| n <= max)?;
                Some(i64::from(n))
            })
            .collect()
    };
    let hms = fields(clock, &[23, 59, 60]).ok_or_else(bad)?;
    let offset = match zone {
        None => 0,
        Some((sign, z)) => {
            let hm = fields(z, &[23, 59]).ok_or_else(bad)?;
            sign * (hm.first().copied().unwrap_or(0) * 60 + hm.get(1).copied().unwrap_or(0))
        }
    };
    let seconds = hms.first().copied().unwrap_or(0) * 3600
        + hms.get(1).copied().unwrap_or(0) * 60
        + hms.get(2).copied().unwrap_or(0)
        - offset * 60;
    let shift = seconds.div_euclid(86_400);
    let utc = match shift {
        0 => Some(day),
        1 => day.checked_add(1),
        -1 => day.checked_sub(1),
        _ => None,
    };
    utc.ok_or_else(bad)
}

fn dose(field: &str, n: u32) -> Result<(), DccError> {
    if !(1..=9).contains(&n) {
        return Err(schema(format!("{field} is {n}, not from 1 to 9")));
    }
    Ok(())
}

impl Payload {
    /// The payload from its JSON, checked against the schema.
    pub fn from_json(json: &serde_json::Value) -> Result<Self, DccError> {
        let payload = Payload::deserialize(json).map_err(|e| schema(e.to_string()))?;
        payload.check()?;
        Ok(payload)
    }

    fn check(&self) -> Result<(), DccError> {
        let version: Vec<&str> = self.ver.split('.').collect();
        let numeric = |s: &&str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        match version.as_slice() {
            ["1", minor, patch] if numeric(minor) && numeric(patch) && minor.len() == 1 => {
                if !matches!(*minor, "0" | "1" | "2" | "3") {
                    return Err(schema(format!("version {} is not 1.0 to 1.3", self.ver)));
                }
            }
            _ => return Err(schema(format!("version {:?} is not 1.m.p", self.ver))),
        }
        for (field, value) in [
            ("nam.fnt", Some(&self.nam.fnt)),
            ("nam.gnt", self.nam.gnt.as_ref()),
        ] {
            if let Some(value) = value {
                text(field, value, false)?;
                if !value.bytes().all(|b| b.is_ascii_uppercase() || b == b'<') {
                    return Err(schema(format!("{field} {value:?} is not A-Z and <")));
                }
            }
        }
        for (field, value) in [("nam.fn", &self.nam.family), ("nam.gn", &self.nam.gn)] {
            if let Some(value) = value {
                text(field, value, false)?;
            }
        }
        if self.nam.fnt.is_empty() && self.nam.gnt.as_deref().unwrap_or("").is_empty() {
            return Err(schema("no transliterated name"));
        }
        self.dob_interval()?;
        let entries = [
            self.v.as_ref().map(Vec::len),
            self.t.as_ref().map(Vec::len),
            self.r.as_ref().map(Vec::len),
        ];
        match entries {
            [Some(1..), None, None] | [None, Some(1..), None] | [None, None, Some(1..)] => {}
            _ => return Err(schema("entries in exactly one of v, t and r are required")),
        }
        for v in self.v.iter().flatten() {
            for (field, value) in [
                ("v.tg", &v.tg),
                ("v.vp", &v.vp),
                ("v.mp", &v.mp),
                ("v.ma", &v.ma),
                ("v.co", &v.co),
                ("v.is", &v.is),
                ("v.ci", &v.ci),
            ] {
                text(field, value, true)?;
            }
            dose("v.dn", v.dn)?;
            dose("v.sd", v.sd)?;
            day_of("v.dt", &v.dt)?;
        }
        for t in self.t.iter().flatten() {
            for (field, value) in [
                ("t.tg", &t.tg),
                ("t.tt", &t.tt),
                ("t.tr", &t.tr),
                ("t.co", &t.co),
                ("t.is", &t.is),
                ("t.ci", &t.ci),
            ] {
                text(field, value, true)?;
            }
            for (field, value) in [("t.nm", &t.nm), ("t.ma", &t.ma), ("t.tc", &t.tc)] {
                if let Some(value) = value {
                    text(field, value, false)?;
                }
            }
            date_time("t.sc", &t.sc)?;
        }
        for r in self.r.iter().flatten() {
            for (field, value) in [
                ("r.tg", &r.tg),
                ("r.co", &r.co),
                ("r.is", &r.is),
                ("r.ci", &r.ci),
            ] {
                text(field, value, true)?;
            }
            date("r.fr", &r.fr)?;
            let (from, until) = (date("r.df", &r.df)?, date("r.du", &r.du)?);
            if from > until {
                return Err(schema(format!("r.df {} is after r.du {}", r.df, r.du)));
            }
        }
        Ok(())
    }

    /// The date of birth as an interval: a full date is one day, `YYYY-MM` (or `YYYY-MM-00`) its
    /// month, `YYYY` (or `YYYY-00`, `YYYY-00-00`) its year, and an empty one every day from
    /// 1900-01-01 to 2099-12-31 (the years the schema allows). A date-time keeps its date.
    pub fn dob_interval(&self) -> Result<DobInterval, DccError> {
        let bad = |e: &dyn std::fmt::Display| schema(format!("dob {:?}: {e}", self.dob));
        if self.dob.is_empty() {
            let all = Ymd::from_civil(1900, 1, 1)
                .and_then(|first| DobInterval::new(first, Ymd::from_civil(2099, 12, 31)?));
            return all.map_err(|e| bad(&e));
        }
        if !(self.dob.starts_with("19") || self.dob.starts_with("20")) {
            return Err(bad(&"not in 1900 to 2099"));
        }
        let dob = if self.dob.len() > 10 {
            day_of("dob", &self.dob)?;
            self.dob.get(..10).unwrap_or(&self.dob)
        } else {
            &self.dob
        };
        // `00` for an unknown month or day.
        let known = match dob.split('-').collect::<Vec<_>>().as_slice() {
            [y, "00"] | [y, "00", "00"] => y.to_string(),
            [y, m, "00"] => format!("{y}-{m}"),
            _ => dob.to_string(),
        };
        DobInterval::parse(&known).map_err(|e| bad(&e))
    }

    /// The one vaccination entry as a record.
    ///
    /// | record | from |
    /// |---|---|
    /// | `disease` | `v.tg` |
    /// | `vaccine` | `v.vp` |
    /// | `product` | `v.mp` |
    /// | `manufacturer` | `v.ma` |
    /// | `dose_number`, `total_doses` | `v.dn`, `v.sd` |
    /// | `date` | `v.dt` |
    /// | `country` | `v.co` |
    /// | `dob` | `dob` ([`Payload::dob_interval`]) |
    ///
    /// Codes are kept verbatim, known or not; one that cannot be a code (longer than 31 bytes,
    /// or with a space) is refused here, at [`Layer::Mapping`].
    pub fn vaccination(&self) -> Result<VaccinationRecord, DccError> {
        let v = match self.v.as_deref() {
            Some([v]) => v,
            _ => return Err(mapping("exactly one vaccination entry")),
        };
        let record = VaccinationRecord {
            disease: v.tg.clone(),
            vaccine: v.vp.clone(),
            product: v.mp.clone(),
            manufacturer: v.ma.clone(),
            dose_number: v.dn,
            total_doses: v.sd,
            date: day_of("v.dt", &v.dt)?,
            country: v.co.clone(),
            dob: self.dob_interval()?,
        };
        fits(crate::Record::Vaccination(record.clone()))?;
        Ok(record)
    }

    /// The one recovery entry as a record: `tg` → disease, `fr` → first positive, `df` → valid
    /// from, `du` → valid until, `co` → country, `dob` → the birth-date interval.
    pub fn recovery(&self) -> Result<RecoveryRecord, DccError> {
        let r = match self.r.as_deref() {
            Some([r]) => r,
            _ => return Err(mapping("exactly one recovery entry")),
        };
        let record = RecoveryRecord {
            disease: r.tg.clone(),
            first_positive: date("r.fr", &r.fr)?,
            valid_from: date("r.df", &r.df)?,
            valid_until: date("r.du", &r.du)?,
            country: r.co.clone(),
            dob: self.dob_interval()?,
        };
        fits(crate::Record::Recovery(record.clone()))?;
        Ok(record)
    }

    /// The one test entry as a record: `tg` → disease, `tt` → test type, `tr` → result, `sc` →
    /// the UTC day of sample collection (the time of day is not kept; see
    /// [`crate::claims::Claims::sample_within_hours`] for how claims stay sound without it),
    /// `co` → country, `tc` → centre when it is a code (no spaces, at most 31 bytes; otherwise
    /// absent), `dob` → the birth-date interval.
    pub fn test(&self) -> Result<TestRecord, DccError> {
        let t = match self.t.as_deref() {
            Some([t]) => t,
            _ => return Err(mapping("exactly one test entry")),
        };
        let centre =
            t.tc.as_ref()
                .filter(|c| crate::codes::encode(c).is_ok())
                .cloned();
        let record = TestRecord {
            disease: t.tg.clone(),
            test_type: t.tt.clone(),
            result: t.tr.clone(),
            sample_day: date_time("t.sc", &t.sc)?,
            country: t.co.clone(),
            centre,
            dob: self.dob_interval()?,
        };
        fits(crate::Record::Test(record.clone()))?;
        Ok(record)
    }

    /// The certificate's entry as a record of its schema.
    pub fn record(&self) -> Result<crate::Record, DccError> {
        match (&self.v, &self.t, &self.r) {
            (Some(_), None, None) => self.vaccination().map(crate::Record::Vaccination),
            (None, Some(_), None) => self.test().map(crate::Record::Test),
            (None, None, Some(_)) => self.recovery().map(crate::Record::Recovery),
            _ => Err(mapping("exactly one kind of entry")),
        }
    }
}

/// Refuses, at the mapping layer, a record whose values cannot be a credential's slots.
fn fits(record: crate::Record) -> Result<(), DccError> {
    record
        .to_slots()
        .map(|_| ())
        .map_err(|e| DccError::new(Layer::Mapping, e.to_string()))
}

fn mapping(what: &str) -> DccError {
    DccError::new(
        Layer::Mapping,
        format!("the certificate does not hold {what}"),
    )
}
