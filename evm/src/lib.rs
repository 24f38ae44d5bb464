//! zkhealth on the EVM: Solidity verifier generation, contract artifacts and presentation calldata.
//!
//! - [`registry`]: the `ZkhRegistry` root-history contract's committed artifact.
//! - [`artifact`]: the artifact format written by `contracts/compile.mjs`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod artifact;
pub mod error;
pub mod registry;

pub use artifact::Artifact;
pub use error::EvmError;
