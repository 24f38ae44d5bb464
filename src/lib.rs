//! zkhealth: zero-knowledge health credentials.
//!
//! An issuer (a health authority, clinic or insurer) commits to records in a Merkle registry; a
//! holder later proves, in one Groth16 proof over BN254, a claim about a record ("vaccinated
//! with an approved product, last dose 14 to 365 days ago", "between 18 and 65 today") without
//! revealing it; a verifier checks the proof in about a millisecond against the registry roots
//! the issuer published.
//!
//! This crate is the facade: it re-exports the library crates by role, each behind a feature, and
//! adds nothing of its own. An app that only proves or only verifies compiles neither the CLI's
//! argument parser nor the chain clients (alloy, tokio); the `zkhealth` binary is the separate
//! `zkhealth-cli` crate (`zkhealth demo` runs the whole flow).
//!
//! | module | crate | feature | what |
//! |--------|-------|---------|------|
//! | [`circuits`] | `zkhealth-circuits` | always | the relation: hash, dates, credentials, Merkle tree and path, policies, statement, circuit |
//! | [`records`] | `zkhealth-records` | always | records of the shipped schemas, named codes, claim builders; with `import`, the EU DCC, SMART Health Card and FHIR R4 decoders |
//! | `registry` | `zkhealth-registry` | `registry` (default) | the issuer's registry, its root history, its redb store |
//! | `prover` | `zkhealth-prover` | `prove` (default) | setup, proving artifacts, the prover |
//! | `verifier` | `zkhealth-verifier` | `verify` (default) | keys, presentations, the verifier, root sources, nullifiers |
//! | `evm` | `zkhealth-evm` | `evm` | contracts' artifacts, calldata, challenges |
//! | `rpc` | `zkhealth-rpc` | `rpc` | JSON-RPC clients for the registry and presentation contracts |
//!
//! # The flow
//!
//! ```no_run
//! use rand_core::OsRng;
//! use zkhealth::{
//!     circuits::{
//!         credential::{Credential, HolderSecret},
//!         date::{Day, DobInterval},
//!         Fr, Scope,
//!     },
//!     prover::{setup, ProveRequest, Prover},
//!     records::{claims, codes, Record, VaccinationRecord},
//!     registry::store::RegistryStore,
//!     verifier::{Expected, IssuerRoots, LocalRoots, MemoryNullifiers, Verifier},
//! };
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let now: u64 = 1_780_000_000;
//! let today = Day::from_unix_seconds(now)?;
//!
//! // Once per registry depth: keys (a development setup; production keys need a ceremony).
//! let (artifact, vk) = setup(32, &mut OsRng)?;
//!
//! // Holder: a secret that never leaves the device; the issuer only sees its holder key.
//! let secret = HolderSecret::random(&mut OsRng);
//!
//! // Issuer: a credential committed in the registry; the new root is published.
//! let record = Record::Vaccination(VaccinationRecord {
//!     disease: codes::disease::COVID_19.into(),
//!     vaccine: codes::vaccine::COVID_19_VACCINES.into(),
//!     product: codes::product::COMIRNATY.into(),
//!     manufacturer: codes::manufacturer::BIONTECH.into(),
//!     dose_number: 2,
//!     total_doses: 2,
//!     date: Day(today.0 - 60),
//!     country: codes::country::NL.into(),
//!     dob: DobInterval::parse("1990-04-12")?,
//! });
//! let credential =
//!     Credential::new(&record, "NL-RIVM", secret.holder_key(), Day(today.0 + 300), &mut OsRng)?;
//! let mut registry = RegistryStore::open_or_create("registry.redb", 32, 3600)?;
//! registry.bind_issuer("NL-RIVM")?;
//! let index = registry.append(credential.commit(), now)?;
//! let path = registry.path(index)?;
//!
//! // Verifier: a policy, a fresh challenge, an event for nullifiers.
//! let policy = claims::standard_vaccination("NL-RIVM")?;
//! let challenge = Fr::from(123_456u64); // use a fresh random value
//! // The nullifier scope follows from whom the holder presents to and the event: a verifier
//! // cannot hand the holder another verifier's scope.
//! let scope = Scope::named("checkpoint-AMS", "2026-boarding")?;
//!
//! // Holder: prove.
//! let prover = Prover::new(artifact);
//! let presentation = prover.prove(&ProveRequest {
//!     secret: &secret,
//!     credential: &credential,
//!     path: &path,
//!     policy: &policy,
//!     today,
//!     challenge,
//!     scope,
//! })?;
//!
//! // Verifier: check key, date, challenge, scope, policy, root, proof and nullifier, against
//! // the roots of the policy's issuer (a registry does not bind the issuer its credentials name).
//! let roots = IssuerRoots::new("NL-RIVM", LocalRoots::new(registry.history().clone()))?;
//! let verifier = Verifier::new(vk, policy, roots)?;
//! let mut used = MemoryNullifiers::new();
//! verifier.verify_presentation(&presentation, &Expected::at(challenge, scope, now)?, &mut used)?;
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub use zkhealth_circuits as circuits;
pub use zkhealth_records as records;

#[cfg(feature = "evm")]
pub use zkhealth_evm as evm;
#[cfg(feature = "prove")]
pub use zkhealth_prover as prover;
#[cfg(feature = "registry")]
pub use zkhealth_registry as registry;
#[cfg(feature = "rpc")]
pub use zkhealth_rpc as rpc;
#[cfg(feature = "verify")]
pub use zkhealth_verifier as verifier;

#[cfg(feature = "test-utils")]
pub mod testing;
