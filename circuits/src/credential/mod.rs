//! Credentials: schemas and their slots, the holder's secret, commitments and nullifiers.
//!
//! The records a credential is made from (vaccination, identity, coverage) are in
//! `zkhealth_records`; here a record is anything with [`Attributes`].
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
    date::Day,
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

/// What a credential is made of: a record of one schema, as slot values. The records of the
/// shipped schemas (`zkhealth_records::Record`) implement it.
pub trait Attributes {
    /// The record's schema.
    fn schema(&self) -> Schema;
    /// The record's slot values; fails on invalid codes or inconsistent fields.
    fn to_slots(&self) -> Result<[Fr; NUM_SLOTS], Error>;
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
    pub fn new<A: Attributes + ?Sized, R: RngCore + CryptoRng>(
        record: &A,
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
    use crate::date::DobInterval;

    /// A vaccination record's slots (the values of `zkhealth_records`' sample record).
    pub(crate) struct SampleRecord;

    impl Attributes for SampleRecord {
        fn schema(&self) -> Schema {
            Schema::Vaccination
        }

        fn to_slots(&self) -> Result<[Fr; NUM_SLOTS], Error> {
            use vaccination::*;
            let mut s = [Fr::from(0u8); NUM_SLOTS];
            s[DISEASE] = codes::encode("840539006")?;
            s[VACCINE] = codes::encode("J07BX03")?;
            s[PRODUCT] = codes::encode("EU/1/20/1528")?;
            s[MANUFACTURER] = codes::encode("ORG-100030215")?;
            s[DOSE_NUMBER] = Fr::from(2u8);
            s[TOTAL_DOSES] = Fr::from(2u8);
            s[DATE] = "2026-05-01".parse::<Day>()?.to_field();
            s[COUNTRY] = codes::encode("NL")?;
            s[DOB_EARLIEST] = DobInterval::parse("1990-04-12")?.earliest.to_field();
            s[DOB_LATEST] = DobInterval::parse("1990-04-12")?.latest.to_field();
            Ok(s)
        }
    }

    pub(crate) fn sample_record() -> SampleRecord {
        SampleRecord
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
}
