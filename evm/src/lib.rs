//! zkhealth on the EVM: Solidity verifier generation, contract artifacts and presentation calldata.
//!
//! - [`registry`]: the `ZkhRegistry` root-history contract (committed artifact, interface).
//! - [`solidity`]: the Groth16 verifier generated from a verifying key, and the presentation
//!   contract (`ZkhPresentation`) that checks proof, root, policy, challenge, date, scope and
//!   nullifier in one call.
//! - [`calldata`]: `verifyPresentation` calldata from a presentation, ABI-encoded or as JSON.
//! - [`challenge_for`]: the challenge a presentation sent by an address must carry.
//! - [`words`]: arkworks points and scalars as EVM words (G2 as `(c1, c0)`).
//! - [`build`]: compiling contracts with the pinned solc (Node.js).
//! - [`artifact`]: the compiled-contract files.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod artifact;
pub mod build;
pub mod calldata;
mod challenge;
pub mod error;
pub mod registry;
pub mod solidity;
pub mod words;

pub use artifact::Artifact;
pub use calldata::{verify_presentation_calldata, CalldataJson};
pub use challenge::challenge_for;
pub use error::EvmError;
pub use solidity::render_verifier;

// Lets the shared test harness name this crate the same way in unit and integration tests.
#[cfg(test)]
extern crate self as zkhealth_evm;
#[cfg(test)]
#[path = "../tests/harness/mod.rs"]
mod harness;
