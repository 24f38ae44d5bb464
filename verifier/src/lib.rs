//! zkhealth-verifier: the light verifier of zkhealth presentations.
//!
//! It decodes presentations strictly (JSON, binary, or the `ZKH1:` base45 text of a QR code),
//! checks them against a pinned Groth16 verifying key over BN254, the verifier's own policy,
//! challenge, scope and clock, the registry roots it accepts, and the nullifiers it has already
//! seen. It contains no prover code: it depends on `zkhealth-circuits` without the constraint
//! system (no ark-r1cs-std, no rayon) and builds for `wasm32-unknown-unknown`.
//!
//! # Flow at a checkpoint
//!
//! ```no_run
//! use zkhealth_verifier::{
//!     Expected, IssuerRoots, LocalRoots, MemoryNullifiers, Presentation, Verifier, VerifyError,
//!     VerifyingKey,
//! };
//! use zkhealth_circuits::{policy::Policy, Fr};
//! use zkhealth_records::schema::vaccination;
//!
//! # fn main() -> Result<(), VerifyError> {
//! # let (key_file, roots_json, qr_text) = (Vec::<u8>::new(), String::new(), String::new());
//! # let (challenge, scope, now_unix_secs) = (Fr::from(1u8), Fr::from(2u8), 1_750_000_000u64);
//! // Once: the pinned key (digest-checked file), the policy, a snapshot of the accepted roots of
//! // the policy's issuer (`{"issuer": "NL-RIVM", "roots": {...}}`, from `zkhealth roots`).
//! let key = VerifyingKey::from_file_bytes(&key_file)?;
//! let mut policy = Policy::new(vaccination::SCHEMA, "NL-RIVM");
//! policy.disclose = vec![vaccination::COUNTRY];
//! let roots: IssuerRoots<LocalRoots> = IssuerRoots::from_json(&roots_json)?;
//! let verifier = Verifier::new(key, policy, roots)?;
//! let mut used = MemoryNullifiers::new();
//!
//! // Per traveller: a fresh challenge was shown to the holder, who answers with a QR code.
//! let presentation = Presentation::from_qr_text(&qr_text)?;
//! let expected = Expected::at(challenge, scope, now_unix_secs)?;
//! match verifier.verify_presentation(&presentation, &expected, &mut used) {
//!     Ok(verified) => {
//!         for (slot, _value, text) in &verified.disclosed {
//!             println!("{slot}: {}", text.as_deref().unwrap_or("?"));
//!         }
//!     }
//!     Err(e) if e.is_malformed() => println!("unreadable presentation: {e}"),
//!     Err(e) => println!("refused: {e}"),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! For a bare proof check without policy, roots or nullifiers, use [`verify()`].
//!
//! # Modules
//!
//! - [`proof`]: the 128-byte proof encoding (points validated, subgroup-checked, canonical).
//! - [`key`]: verifying keys, their files and [`KeyId`]s; [`container`]: the file envelope.
//! - [`mod@verify`]: Groth16 verification of one statement; [`batch`]: of many at once.
//! - [`pairing`]: the Miller loop with the key's fixed G2 lines precomputed, and the final
//!   exponentiation, both used by verification.
//! - [`presentation`]: JSON, binary and QR text forms.
//! - [`roots`], [`nullifiers`]: the [`RootSource`] and [`NullifierStore`] traits; a root source
//!   speaks for one issuer ([`IssuerRoots`]), since a registry does not bind the issuer its
//!   credentials name.
//! - [`verifier`]: the full check, [`Verifier::verify_presentation`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod batch;
pub mod claim;
pub mod container;
pub mod error;
mod fixed_base;
pub mod key;
pub mod nullifiers;
pub mod pairing;
pub mod presentation;
pub mod proof;
#[cfg(feature = "qr")]
pub mod qr;
pub mod roots;
mod threads;
pub mod verifier;
pub mod verify;

#[cfg(test)]
mod testkit;
// Lets the shared test kit name this crate the same way in unit and integration tests.
#[cfg(test)]
extern crate self as zkhealth_verifier;

pub use batch::verify_batch;
pub use claim::{ClaimPresentation, ClaimVerifier, VerifiedClaim};
pub use error::{ErrorClass, ProofPoint, VerifyError};
pub use key::{KeyId, VerifyingKey};
pub use nullifiers::{MemoryNullifiers, NullifierStore};
pub use presentation::Presentation;
pub use proof::Proof;
pub use roots::{IssuerRoots, LocalRoots, RootSource};
pub use verifier::{Disclosed, Expected, Verified, Verifier};
pub use verify::verify;
pub use zkhealth_circuits::{date::Day, policy::Policy, Fr, Statement};
