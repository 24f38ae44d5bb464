//! The evm crate's error type.

use thiserror::Error;

/// What can go wrong reading contract artifacts, laying out a verifying key for the contracts,
/// or choosing the policies a contract accepts.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum EvmError {
    /// A compiled-contract artifact is not the expected JSON.
    #[error("contract artifact {name}: {reason}")]
    Artifact {
        /// The contract the artifact is for.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The verifying key has a number of input points (`IC_0..IC_n`) other than the contracts'
    /// (the statement's public inputs plus one): it is a key of another circuit.
    #[error(
        "the verifying key has {got} input points, the contracts take {expected} (one per public \
         input and the constant term)"
    )]
    KeyInputPoints {
        /// The contracts' number of input points.
        expected: usize,
        /// The key's.
        got: usize,
    },
    /// A policy that discloses values cannot be accepted on chain: its query hash covers each
    /// holder's disclosed values, so no single hash accepts it.
    #[error(
        "the policy discloses {}: the query hash of a policy with disclosed values depends on \
         each holder's values, so a contract cannot accept it by one hash; use a policy without \
         disclosure on chain",
        slots.join(", ")
    )]
    DisclosingPolicy {
        /// The names of the disclosed slots.
        slots: Vec<String>,
    },
    /// A claim's disclosures are not what the claims contract accepts: nothing from the
    /// coverage, exactly the amount from the treatment (the contract binds the amount through
    /// the accepted query hash).
    #[error("claim disclosure: {0}")]
    ClaimDisclosure(String),
    /// The event a presentation contract's scope is derived from is not a code.
    #[error("scope event: {0}")]
    ScopeEvent(zkhealth_circuits::Error),
    /// The policy does not compile to the circuit's shape.
    #[error("policy: {0}")]
    Policy(#[from] zkhealth_circuits::Error),
}
