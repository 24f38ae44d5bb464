//! Credentials: schemas, records, the holder's secret, commitments and nullifiers.
//!
//! A credential is `(schema, issuer, holder_key, expiry, salt, slots[10])`; its commitment, the
//! registry leaf, is `Poseidon(commitment tag, schema, issuer, holder_key, expiry, salt, slots...)`
//! (16 inputs), hiding thanks to the random salt. `holder_key = Poseidon(holder-key tag, secret)`
//! binds the credential to a secret only the holder knows.

#[cfg(feature = "r1cs")]
pub mod constraints;

use std::fmt;

use ark_std::UniformRand;
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

use crate::{
    codes,
    date::{Day, DobInterval},
    field::{fr_to_hex, serde_fr},
    poseidon::{self, Domain},
    Error, Fr,
};

/// Number of attribute slots in every credential (fixed, so one circuit serves every schema).
pub const NUM_SLOTS: usize = 10;

/// The credential schemas zkhealth ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Schema {
    /// An EU DCC vaccination entry plus the holder's birth-date interval.
    Vaccination,
    /// Birth-date interval and nationality.
    Identity,
    /// Health-insurance coverage.
    Coverage,
}

/// How a slot's value is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotKind {
    /// A code (see [`crate::codes`]); `0` when absent.
    Code,
    /// A whole number below 2^32.
    Number,
    /// A day number (days since 1900-01-01).
    Day,
    /// A `YYYYMMDD` date.
    Ymd,
    /// Not used by this schema (always `0`).
    Unused,
}

/// Vaccination slots.
pub mod vaccination {
    /// Target disease (SNOMED CT code, e.g. `840539006` for COVID-19).
    pub const DISEASE: usize = 0;
    /// Vaccine or prophylaxis type (SNOMED CT or ATC code).
    pub const VACCINE: usize = 1;
    /// Medicinal product (EU authorisation number, e.g. `EU/1/20/1528`).
    pub const PRODUCT: usize = 2;
    /// Marketing-authorisation holder (EMA organisation id).
    pub const MANUFACTURER: usize = 3;
    /// Dose number in the series.
    pub const DOSE_NUMBER: usize = 4;
    /// Total doses in the series.
    pub const TOTAL_DOSES: usize = 5;
    /// Day of vaccination.
    pub const DATE: usize = 6;
    /// Country of vaccination (ISO 3166-1 alpha-2).
    pub const COUNTRY: usize = 7;
    /// Earliest possible birth date (`YYYYMMDD`).
    pub const DOB_EARLIEST: usize = 8;
    /// Latest possible birth date (`YYYYMMDD`).
    pub const DOB_LATEST: usize = 9;
}

/// Identity slots (birth dates at the same slots as in vaccination credentials).
pub mod identity {
    /// Nationality (ISO 3166-1 alpha-2).
    pub const NATIONALITY: usize = 0;
    /// Earliest possible birth date (`YYYYMMDD`).
    pub const DOB_EARLIEST: usize = 8;
    /// Latest possible birth date (`YYYYMMDD`).
    pub const DOB_LATEST: usize = 9;
}

/// Coverage slots.
pub mod coverage {
    /// Payer (insurer) id.
    pub const PAYER: usize = 0;
    /// Plan id.
    pub const PLAN: usize = 1;
    /// Status code (e.g. `active`).
    pub const STATUS: usize = 2;
    /// First covered day.
    pub const PERIOD_START: usize = 3;
    /// Last covered day.
    pub const PERIOD_END: usize = 4;
    /// Annual limit, in the currency's minor unit (below 2^32).
    pub const ANNUAL_LIMIT: usize = 5;
    /// First of the covered service-category slots.
    pub const CATEGORIES: usize = 6;
    /// How many service categories a coverage credential can list.
    pub const MAX_CATEGORIES: usize = 4;
}

impl Schema {
    /// The schema's id as a field element (the code `zkhealth/<schema>/v1`).
    pub fn id(self) -> Fr {
        let name = match self {
            Schema::Vaccination => "zkhealth/vaccination/v1",
            Schema::Identity => "zkhealth/identity/v1",
            Schema::Coverage => "zkhealth/coverage/v1",
        };
        match codes::encode(name) {
            Ok(id) => id,
            Err(_) => unreachable!("schema names are valid codes"),
        }
    }

    /// Name and kind of each slot.
    pub fn slots(self) -> [(&'static str, SlotKind); NUM_SLOTS] {
        use SlotKind::*;
        match self {
            Schema::Vaccination => [
                ("disease", Code),
                ("vaccine", Code),
                ("product", Code),
                ("manufacturer", Code),
                ("dose_number", Number),
                ("total_doses", Number),
                ("date", Day),
                ("country", Code),
                ("dob_earliest", Ymd),
                ("dob_latest", Ymd),
            ],
            Schema::Identity => [
                ("nationality", Code),
                ("unused1", Unused),
                ("unused2", Unused),
                ("unused3", Unused),
                ("unused4", Unused),
                ("unused5", Unused),
                ("unused6", Unused),
                ("unused7", Unused),
                ("dob_earliest", Ymd),
                ("dob_latest", Ymd),
            ],
            Schema::Coverage => [
                ("payer", Code),
                ("plan", Code),
                ("status", Code),
                ("period_start", Day),
                ("period_end", Day),
                ("annual_limit", Number),
                ("category1", Code),
                ("category2", Code),
                ("category3", Code),
                ("category4", Code),
            ],
        }
    }

    /// The slot with this name.
    pub fn slot(self, name: &str) -> Result<usize, Error> {
        self.slots()
            .iter()
            .position(|(n, k)| *n == name && *k != SlotKind::Unused)
            .ok_or_else(|| Error::InvalidPolicy(format!("schema {self:?} has no field {name:?}")))
    }
}

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
}

impl Record {
    /// The record's schema.
    pub fn schema(&self) -> Schema {
        match self {
            Record::Vaccination(_) => Schema::Vaccination,
            Record::Identity(_) => Schema::Identity,
            Record::Coverage(_) => Schema::Coverage,
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
        }
        Ok(s)
    }
}

/// The holder's secret: a random field element that never leaves the holder's device.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct HolderSecret(#[serde(with = "serde_fr")] pub Fr);

impl fmt::Debug for HolderSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HolderSecret(..)")
    }
}

impl HolderSecret {
    /// A fresh secret from a cryptographic RNG.
    pub fn random<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        HolderSecret(Fr::rand(rng))
    }

    /// The public key the issuer puts in credentials: `Poseidon(holder-key tag, secret)`.
    pub fn holder_key(&self) -> Fr {
        hash_fixed(Domain::HolderKey, &[self.0])
    }

    /// The nullifier for a scope: `Poseidon(nullifier tag, secret, scope)`.
    pub fn nullifier(&self, scope: &Fr) -> Fr {
        hash_fixed(Domain::Nullifier, &[self.0, *scope])
    }
}

/// A nullifier scope from a verifier id and an event (both codes):
/// `Poseidon(scope tag, verifier, event)`.
pub fn scope(verifier: &str, event: &str) -> Result<Fr, Error> {
    poseidon::hash_with_domain(
        Domain::Scope,
        &[codes::encode(verifier)?, codes::encode(event)?],
    )
}

fn hash_fixed(domain: Domain, inputs: &[Fr]) -> Fr {
    match poseidon::hash_with_domain(domain, inputs) {
        Ok(h) => h,
        Err(_) => unreachable!("fixed arities within Poseidon's range"),
    }
}

/// A credential: what the issuer commits to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credential {
    /// Schema.
    pub schema: Schema,
    /// Issuer id (a code).
    #[serde(with = "serde_fr")]
    pub issuer: Fr,
    /// The holder's public key.
    #[serde(with = "serde_fr")]
    pub holder_key: Fr,
    /// Last day on which the credential is valid.
    pub expiry: Day,
    /// Random salt that makes the commitment hiding.
    #[serde(with = "serde_fr")]
    pub salt: Fr,
    /// Attribute slots.
    #[serde(with = "crate::field::serde_fr_array")]
    pub slots: [Fr; NUM_SLOTS],
}

impl Credential {
    /// A credential for `record`, issued by `issuer` to the holder of `holder_key`, with a fresh salt.
    pub fn new<R: RngCore + CryptoRng>(
        record: &Record,
        issuer: &str,
        holder_key: Fr,
        expiry: Day,
        rng: &mut R,
    ) -> Result<Self, Error> {
        Ok(Credential {
            schema: record.schema(),
            issuer: codes::encode(issuer)?,
            holder_key,
            expiry: expiry.validate()?,
            salt: Fr::rand(rng),
            slots: record.to_slots()?,
        })
    }

    /// The commitment (registry leaf).
    pub fn commit(&self) -> Fr {
        let mut inputs = vec![
            self.schema.id(),
            self.issuer,
            self.holder_key,
            self.expiry.to_field(),
            self.salt,
        ];
        inputs.extend_from_slice(&self.slots);
        hash_fixed(Domain::Commitment, &inputs)
    }

    /// A short description for logs (never the slots or salt).
    pub fn summary(&self) -> String {
        format!(
            "{:?} credential from {}, expires {}, commitment {}",
            self.schema,
            codes::decode(&self.issuer).unwrap_or_else(|| fr_to_hex(&self.issuer)),
            self.expiry,
            fr_to_hex(&self.commit())
        )
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};

    use super::*;

    pub(crate) fn sample_record() -> Record {
        Record::Vaccination(VaccinationRecord {
            disease: "840539006".into(),
            vaccine: "J07BX03".into(),
            product: "EU/1/20/1528".into(),
            manufacturer: "ORG-100030215".into(),
            dose_number: 2,
            total_doses: 2,
            date: "2026-05-01".parse().unwrap(),
            country: "NL".into(),
            dob: DobInterval::parse("1990-04-12").unwrap(),
        })
    }

    #[test]
    fn commitment_depends_on_every_field() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let secret = HolderSecret::random(&mut rng);
        let c = Credential::new(
            &sample_record(),
            "NL-RIVM",
            secret.holder_key(),
            "2027-05-01".parse().unwrap(),
            &mut rng,
        )
        .unwrap();
        let base = c.commit();
        let mut variants = vec![];
        let mut v = c.clone();
        v.schema = Schema::Identity;
        variants.push(v);
        let mut v = c.clone();
        v.issuer += Fr::from(1u8);
        variants.push(v);
        let mut v = c.clone();
        v.holder_key += Fr::from(1u8);
        variants.push(v);
        let mut v = c.clone();
        v.expiry = Day(v.expiry.0 + 1);
        variants.push(v);
        let mut v = c.clone();
        v.salt += Fr::from(1u8);
        variants.push(v);
        for i in 0..NUM_SLOTS {
            let mut v = c.clone();
            v.slots[i] += Fr::from(1u8);
            variants.push(v);
        }
        for v in variants {
            assert_ne!(v.commit(), base);
        }
    }

    #[test]
    fn holder_key_and_nullifier_are_domain_separated() {
        let s = HolderSecret(Fr::from(11u8));
        assert_ne!(s.holder_key(), poseidon::hash(&[Fr::from(11u8)]).unwrap());
        assert_ne!(s.nullifier(&Fr::from(1u8)), s.nullifier(&Fr::from(2u8)));
        assert_eq!(s.nullifier(&Fr::from(1u8)), s.nullifier(&Fr::from(1u8)));
        assert_eq!(format!("{s:?}"), "HolderSecret(..)");
    }

    #[test]
    fn records_validate_and_round_trip_json() {
        let r = sample_record();
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
}
