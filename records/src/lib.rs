//! zkhealth-records: what an issuer holds before it commits, and what a verifier asks for.
//!
//! - [`schema`]: the tables of the shipped schemas (vaccination, identity, coverage), one per
//!   schema, giving each slot's position, name and kind, and the catalog that resolves a
//!   schema named in a policy or credential file. The relation knows only the type
//!   ([`zkhealth_circuits::credential::Schema`]); its policy compilation reads the table a
//!   policy's schema carries.
//! - [`Record`]: the records of the shipped schemas; each becomes a
//!   [`zkhealth_circuits::credential::Credential`] through
//!   [`zkhealth_circuits::credential::Attributes`].
//! - [`codes`]: the named codes (diseases, vaccines, products, manufacturers, countries,
//!   coverage) and their field encoding.
//! - `dcc` (feature `dcc`): EU Digital COVID Certificates (`HC1:`) decoded, verified against a
//!   trust list of document signers, and mapped to records.
//! - `shc` (feature `shc`): SMART Health Cards (`shc:/`, `.smart-health-card`) decoded and
//!   verified against the issuer's JWKS; their FHIR bundle goes to `fhir`.
//! - `fhir` (feature `fhir`): FHIR R4 JSON (Immunization with its Patient, Coverage, Bundles)
//!   mapped to vaccination and coverage records.
//! - [`value_sets`]: the EU DCC value sets (code, display name, active), for showing codes.
//! - [`claims`]: typed builders that compile the claims people think in ("vaccinated, last dose
//!   14 to 365 days ago", "at least 18") to policies.
//!
//! The circuits crate holds the relation only; this crate stays off the light verifier's path
//! for anything heavier than codes and serde.
//!
//! ```
//! use rand_core::OsRng;
//! use zkhealth_circuits::{
//!     credential::{Credential, HolderSecret},
//!     date::{Day, DobInterval},
//! };
//! use zkhealth_records::{claims, codes, Record, VaccinationRecord};
//!
//! let record = Record::Vaccination(VaccinationRecord {
//!     disease: codes::disease::COVID_19.into(),
//!     vaccine: codes::vaccine::COVID_19_VACCINES.into(),
//!     product: codes::product::COMIRNATY.into(),
//!     manufacturer: codes::manufacturer::BIONTECH.into(),
//!     dose_number: 2,
//!     total_doses: 2,
//!     date: Day::from_civil(2026, 5, 1)?,
//!     country: codes::country::NL.into(),
//!     dob: DobInterval::parse("1990-04-12")?,
//! });
//! let secret = HolderSecret::random(&mut OsRng);
//! let expiry = Day::from_civil(2027, 5, 1)?;
//! let credential = Credential::new(&record, "NL-RIVM", secret.holder_key(), expiry, &mut OsRng)?;
//! let policy = claims::standard_vaccination("NL-RIVM")?;
//! assert!(policy.check(&credential, Day::from_civil(2026, 6, 1)?).is_ok());
//! # Ok::<(), zkhealth_circuits::Error>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod claims;
pub mod codes;
#[cfg(feature = "dcc")]
pub mod dcc;
#[cfg(feature = "fhir")]
pub mod fhir;
mod record;
pub mod schema;
#[cfg(feature = "shc")]
pub mod shc;
#[cfg(any(test, feature = "test-utils"))]
pub mod testing;
pub mod value_sets;

pub use record::{
    CoverageRecord, IdentityRecord, Record, RecoveryRecord, TestRecord, TreatmentRecord,
    VaccinationRecord,
};
