//! Records of the shipped schemas, as an issuer holds them before committing: an EU DCC
//! vaccination entry, an identity, a health-insurance coverage, an EU DCC recovery or test entry,
//! a treatment.

use serde::{Deserialize, Serialize};
use zkhealth_circuits::{
    credential::{Attributes, Schema, NUM_SLOTS},
    date::{Day, DobInterval},
    Error, Fr,
};

use crate::{
    codes,
    schema::{coverage, identity, recovery, test, treatment, vaccination},
};

/// An EU DCC vaccination entry with the holder's birth-date interval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaccinationRecord {
    /// Target disease (`tg`).
    pub disease: String,
    /// Vaccine or prophylaxis (`vp`).
    pub vaccine: String,
    /// Medicinal product (`mp`).
    pub product: String,
    /// Marketing-authorisation holder (`ma`).
    pub manufacturer: String,
    /// Dose number (`dn`).
    pub dose_number: u32,
    /// Total doses in the series (`sd`).
    pub total_doses: u32,
    /// Date of vaccination (`dt`).
    pub date: Day,
    /// Country of vaccination (`co`).
    pub country: String,
    /// Birth-date interval.
    pub dob: DobInterval,
}

/// Birth date and nationality.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityRecord {
    /// Birth-date interval.
    pub dob: DobInterval,
    /// Nationality (ISO 3166-1 alpha-2).
    pub nationality: String,
}

/// Health-insurance coverage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoverageRecord {
    /// Payer id.
    pub payer: String,
    /// Plan id.
    pub plan: String,
    /// Status (e.g. `active`).
    pub status: String,
    /// First covered day.
    pub period_start: Day,
    /// Last covered day.
    pub period_end: Day,
    /// Covered service categories (at most 4).
    pub categories: Vec<String>,
    /// Annual limit in the currency's minor unit.
    pub annual_limit: u32,
}

/// An EU DCC recovery entry with the holder's birth-date interval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecoveryRecord {
    /// Disease or agent recovered from (`tg`).
    pub disease: String,
    /// Day of the first positive test (`fr`).
    pub first_positive: Day,
    /// First valid day (`df`).
    pub valid_from: Day,
    /// Last valid day (`du`).
    pub valid_until: Day,
    /// Country of the test (`co`).
    pub country: String,
    /// Birth-date interval.
    pub dob: DobInterval,
}

/// An EU DCC test entry with the holder's birth-date interval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestRecord {
    /// Disease or agent targeted (`tg`).
    pub disease: String,
    /// Type of test (`tt`).
    pub test_type: String,
    /// Result (`tr`).
    pub result: String,
    /// Day of sample collection, in UTC (`sc`).
    pub sample_day: Day,
    /// Country of the test (`co`).
    pub country: String,
    /// Testing centre (`tc`), if it is a code.
    #[serde(default)]
    pub centre: Option<String>,
    /// Birth-date interval.
    pub dob: DobInterval,
}

/// One treatment given by a provider: what a claim is made for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreatmentRecord {
    /// Provider id.
    pub provider: String,
    /// Service category (as the coverage's categories name it).
    pub category: String,
    /// Procedure code.
    pub procedure: String,
    /// Day of service.
    pub date: Day,
    /// Amount billed, in the currency's minor unit.
    pub amount: u32,
    /// The treatment's identifier at its provider.
    pub treatment_id: String,
}

/// A record of one of the shipped schemas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "schema", rename_all = "snake_case")]
pub enum Record {
    /// A vaccination.
    Vaccination(VaccinationRecord),
    /// An identity.
    Identity(IdentityRecord),
    /// A coverage.
    Coverage(CoverageRecord),
    /// A recovery.
    Recovery(RecoveryRecord),
    /// A test.
    Test(TestRecord),
    /// A treatment.
    Treatment(TreatmentRecord),
}

impl Attributes for Record {
    fn schema(&self) -> Schema {
        Record::schema(self)
    }

    fn to_slots(&self) -> Result<[Fr; NUM_SLOTS], Error> {
        Record::to_slots(self)
    }
}

impl Record {
    /// The record's schema.
    pub fn schema(&self) -> Schema {
        match self {
            Record::Vaccination(_) => vaccination::SCHEMA,
            Record::Identity(_) => identity::SCHEMA,
            Record::Coverage(_) => coverage::SCHEMA,
            Record::Recovery(_) => recovery::SCHEMA,
            Record::Test(_) => test::SCHEMA,
            Record::Treatment(_) => treatment::SCHEMA,
        }
    }

    /// The record's slot values; fails on invalid codes or inconsistent fields.
    pub fn to_slots(&self) -> Result<[Fr; NUM_SLOTS], Error> {
        let mut s = [Fr::from(0u8); NUM_SLOTS];
        match self {
            Record::Vaccination(v) => {
                use vaccination::*;
                if v.dose_number == 0 || v.total_doses == 0 {
                    return Err(Error::InvalidCredential(
                        "dose number and total doses start at 1".into(),
                    ));
                }
                s[DISEASE] = codes::encode(&v.disease)?;
                s[VACCINE] = codes::encode(&v.vaccine)?;
                s[PRODUCT] = codes::encode(&v.product)?;
                s[MANUFACTURER] = codes::encode(&v.manufacturer)?;
                s[DOSE_NUMBER] = Fr::from(v.dose_number);
                s[TOTAL_DOSES] = Fr::from(v.total_doses);
                s[DATE] = v.date.validate()?.to_field();
                s[COUNTRY] = codes::encode(&v.country)?;
                s[DOB_EARLIEST] = v.dob.earliest.to_field();
                s[DOB_LATEST] = v.dob.latest.to_field();
            }
            Record::Identity(i) => {
                s[identity::NATIONALITY] = codes::encode(&i.nationality)?;
                s[identity::DOB_EARLIEST] = i.dob.earliest.to_field();
                s[identity::DOB_LATEST] = i.dob.latest.to_field();
            }
            Record::Coverage(c) => {
                use coverage::*;
                if c.period_start > c.period_end {
                    return Err(Error::InvalidCredential(format!(
                        "coverage period starts ({}) after it ends ({})",
                        c.period_start, c.period_end
                    )));
                }
                if c.categories.len() > MAX_CATEGORIES {
                    return Err(Error::InvalidCredential(format!(
                        "{} service categories, at most {MAX_CATEGORIES} fit",
                        c.categories.len()
                    )));
                }
                s[PAYER] = codes::encode(&c.payer)?;
                s[PLAN] = codes::encode(&c.plan)?;
                s[STATUS] = codes::encode(&c.status)?;
                s[PERIOD_START] = c.period_start.validate()?.to_field();
                s[PERIOD_END] = c.period_end.validate()?.to_field();
                s[ANNUAL_LIMIT] = Fr::from(c.annual_limit);
                for (i, cat) in c.categories.iter().enumerate() {
                    s[CATEGORIES + i] = codes::encode(cat)?;
                }
            }
            Record::Recovery(r) => {
                use recovery::*;
                if r.valid_from > r.valid_until {
                    return Err(Error::InvalidCredential(format!(
                        "recovery valid from {} after valid until {}",
                        r.valid_from, r.valid_until
                    )));
                }
                s[DISEASE] = codes::encode(&r.disease)?;
                s[FIRST_POSITIVE] = r.first_positive.validate()?.to_field();
                s[VALID_FROM] = r.valid_from.validate()?.to_field();
                s[VALID_UNTIL] = r.valid_until.validate()?.to_field();
                s[COUNTRY] = codes::encode(&r.country)?;
                s[DOB_EARLIEST] = r.dob.earliest.to_field();
                s[DOB_LATEST] = r.dob.latest.to_field();
            }
            Record::Test(t) => {
                use test::*;
                s[DISEASE] = codes::encode(&t.disease)?;
                s[TEST_TYPE] = codes::encode(&t.test_type)?;
                s[RESULT] = codes::encode(&t.result)?;
                s[SAMPLE_DAY] = t.sample_day.validate()?.to_field();
                s[COUNTRY] = codes::encode(&t.country)?;
                if let Some(centre) = &t.centre {
                    s[CENTRE] = codes::encode(centre)?;
                }
                s[DOB_EARLIEST] = t.dob.earliest.to_field();
                s[DOB_LATEST] = t.dob.latest.to_field();
            }
            Record::Treatment(t) => {
                use treatment::*;
                s[PROVIDER] = codes::encode(&t.provider)?;
                s[CATEGORY] = codes::encode(&t.category)?;
                s[PROCEDURE] = codes::encode(&t.procedure)?;
                s[DATE] = t.date.validate()?.to_field();
                s[AMOUNT] = Fr::from(t.amount);
                s[TREATMENT_ID] = codes::encode(&t.treatment_id)?;
            }
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::sample_vaccination;

    #[test]
    fn records_validate_and_round_trip_json() {
        let r = sample_vaccination();
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<Record>(&json).unwrap(), r);
        let mut bad = r.clone();
        if let Record::Vaccination(v) = &mut bad {
            v.product = "has space".into();
        }
        assert!(bad.to_slots().is_err());
        let cov = Record::Coverage(CoverageRecord {
            payer: "P".into(),
            plan: "Q".into(),
            status: "active".into(),
            period_start: Day(10),
            period_end: Day(9),
            categories: vec![],
            annual_limit: 1,
        });
        assert!(cov.to_slots().is_err());
        assert!(serde_json::from_str::<Record>(r#"{"schema":"identity","dob":{"earliest":19900101,"latest":19900101},"nationality":"NL","extra":1}"#).is_err());
    }

    fn appendectomy() -> TreatmentRecord {
        TreatmentRecord {
            provider: "NL-AMC".into(),
            category: "surgery".into(),
            procedure: "80146002".into(),
            date: Day::from_civil(2026, 3, 14).unwrap(),
            amount: 13_557,
            treatment_id: "100150-1".into(),
        }
    }

    #[test]
    fn a_treatment_fills_its_slots_and_round_trips_json() {
        let t = appendectomy();
        let r = Record::Treatment(t.clone());
        assert_eq!(r.schema(), treatment::SCHEMA);
        let slots = r.to_slots().unwrap();
        assert_eq!(slots[treatment::PROVIDER], codes::encode("NL-AMC").unwrap());
        assert_eq!(
            slots[treatment::CATEGORY],
            codes::encode("surgery").unwrap()
        );
        assert_eq!(
            slots[treatment::PROCEDURE],
            codes::encode("80146002").unwrap()
        );
        assert_eq!(slots[treatment::DATE], t.date.to_field());
        assert_eq!(slots[treatment::AMOUNT], Fr::from(13_557u32));
        assert_eq!(
            slots[treatment::TREATMENT_ID],
            codes::encode("100150-1").unwrap()
        );
        assert!(slots[6..].iter().all(|s| *s == Fr::from(0u8)));
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.starts_with(r#"{"schema":"treatment","#), "{json}");
        assert_eq!(serde_json::from_str::<Record>(&json).unwrap(), r);
    }

    #[test]
    fn a_treatment_with_a_value_that_is_no_code_or_no_day_is_refused() {
        let cases: [fn(&mut TreatmentRecord); 5] = [
            |t| t.provider = "has space".into(),
            |t| t.category = String::new() + &"x".repeat(40),
            |t| t.procedure = "é".into(),
            |t| t.treatment_id = "a b".into(),
            |t| t.date = Day(Day::max().0 + 1),
        ];
        for (i, change) in cases.iter().enumerate() {
            let mut t = appendectomy();
            change(&mut t);
            assert!(Record::Treatment(t).to_slots().is_err(), "case {i}");
        }
        // An amount above 2^32 does not fit the record's type, so JSON refuses it.
        let json = serde_json::to_string(&Record::Treatment(appendectomy()))
            .unwrap()
            .replace("13557", "4294967296");
        assert!(serde_json::from_str::<Record>(&json).is_err());
    }
}
