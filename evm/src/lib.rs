//! zkhealth on the EVM: the contracts, shipped compiled, their Rust bindings, deployment for a
//! verifying key and presentation calldata. Nothing here compiles Solidity or needs Node.js.
//!
//! - [`artifact`]: the compiled contracts (`artifacts/*.json`, embedded): the registry, the
//!   generic Groth16 verifier, the presentation contract and the claims contract.
//! - [`bindings`]: calls, events, errors and constructors generated from those artifacts' ABIs.
//! - [`registry`]: the `ZkhRegistry` root-history contract and its creation code.
//! - [`deploy`]: a verifying key as the verifier's constructor arguments, and the creation code
//!   of the verifier and of the presentation contract (`ZkhPresentation`, which checks proof,
//!   root, policy, challenge, date, scope and nullifier in one call) for one key; and of the
//!   claims contract (`ZkhClaims`, the same for a claim, with two roots, each against its own
//!   registry) for one claim key.
//! - [`calldata`]: `verifyPresentation` calldata from a presentation, ABI-encoded or as JSON;
//!   `submitClaim` calldata from a claim.
//! - [`challenge_for`]: the challenge a presentation sent by an address, with a context, must carry
//!   ([`user_context`] for a contract acting on behalf of a user).
//! - [`policy`]: the query hash a contract accepts a policy by (never a disclosing policy); the
//!   query hash and amount a claims contract accepts a claim policy by.
//! - [`words`]: arkworks points and scalars as EVM words (G2 as `(c1, c0)`).

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod artifact;
pub mod bindings;
pub mod calldata;
mod challenge;
pub mod deploy;
pub mod error;
pub mod policy;
pub mod registry;
pub mod solidity;
pub mod words;

pub use artifact::{Artifact, Contract};
pub use calldata::{
    submit_claim_call, submit_claim_calldata, verify_presentation_calldata, CalldataJson,
};
pub use challenge::{challenge_for, user_context, NO_CONTEXT};
pub use deploy::{
    claims_deploy_code, event_word, presentation_deploy_code, verifier_deploy_code, KeyWords,
    VerifierDeployment,
};
pub use error::EvmError;
pub use policy::{
    accepted_claim_policy, accepted_policy, accepted_query_hash, AcceptedClaimPolicy,
    AcceptedPolicy,
};

// Lets the shared test harness name this crate the same way in unit and integration tests.
#[cfg(test)]
extern crate self as zkhealth_evm;
#[cfg(test)]
#[path = "../tests/harness/mod.rs"]
mod harness;
