//! The statement: the public inputs of a presentation proof.
//!
//! | # | input | meaning |
//! |---|-------|---------|
//! | 0 | `root` | registry root the credential's Merkle path leads to |
//! | 1 | `today` (day number) | verifier's date, days since 1900-01-01; the credential must not be expired |
//! | 2 | `today` (YYYYMMDD) | the same date as `YYYYMMDD`, for ages in calendar years |
//! | 3 | `challenge` | the verifier's nonce; constrained, so a proof for one challenge fails for another |
//! | 4 | `scope` | what the nullifier is scoped to (verifier, event) |
//! | 5 | `nullifier` | `H(nullifier tag, holder secret, scope)` |
//! | 6 | `query_hash` | hash of the policy's conditions and of the disclosed values |
//!
//! [`Statement::to_field_elements`] is the only place this order is written natively; the
//! circuit's `StatementVar` is the only code that allocates public inputs.

#[cfg(feature = "r1cs")]
pub mod constraints;

use serde::{Deserialize, Serialize};

use crate::{date::Day, field::serde_fr, Fr};

/// The public inputs of one presentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// Registry root the credential is proven a member of.
    #[serde(with = "serde_fr")]
    pub root: Fr,
    /// The verifier's date (enters as two inputs: day number and `YYYYMMDD`).
    pub today: Day,
    /// The verifier's challenge.
    #[serde(with = "serde_fr")]
    pub challenge: Fr,
    /// The nullifier's scope.
    #[serde(with = "serde_fr")]
    pub scope: Fr,
    /// The scoped nullifier.
    #[serde(with = "serde_fr")]
    pub nullifier: Fr,
    /// Hash of the policy and the disclosed values.
    #[serde(with = "serde_fr")]
    pub query_hash: Fr,
}

impl Statement {
    /// Number of public inputs (not counting the constant `1`).
    pub const NUM_INPUTS: usize = 7;

    /// The public inputs, in circuit order.
    pub fn to_field_elements(&self) -> [Fr; Self::NUM_INPUTS] {
        [
            self.root,
            self.today.to_field(),
            self.today.ymd().to_field(),
            self.challenge,
            self.scope,
            self.nullifier,
            self.query_hash,
        ]
    }
}
