//! The statement: the public inputs of a presentation proof.
//!
//! | # | input | meaning |
//! |---|-------|---------|
//! | 0 | `root` | registry root the credential's Merkle path leads to |
//! | 1 | `today` | verifier's date, days since 1900-01-01; the credential must not be expired; the circuit derives its `YYYYMMDD` form (ages in calendar years) from it |
//! | 2 | `challenge` | the verifier's nonce; constrained, so a proof for one challenge fails for another |
//! | 3 | `scope` | what the nullifier is scoped to (verifier, event) |
//! | 4 | `nullifier` | `H(nullifier tag, holder secret, scope)` |
//! | 5 | `query_hash` | hash of the policy's conditions and of the disclosed values |
//!
//! A statement type implements [`PublicInputs`]: its circuit's id, the names of its inputs in
//! order, and the conversions to and from field elements. Everything that lays out inputs
//! (verification, binary forms, calldata) goes through it. [`Statement::to_field_elements`] is
//! the only place this order is written natively and [`PublicInputs::INPUT_NAMES`] names it (a
//! test pins that the two agree); the circuit's `StatementVar` is the only code that allocates
//! public inputs, by name, in that order.

#[cfg(feature = "r1cs")]
pub mod constraints;

use serde::{Deserialize, Serialize};

use crate::{
    circuit::CircuitId,
    date::Day,
    field::{fr_to_bytes_be, serde_fr},
    Error, Fr,
};

/// The public inputs of one circuit: the single source of their order and encoding.
///
/// Native (no `r1cs` feature), so the light verifier lays out inputs with it.
pub trait PublicInputs: Sized {
    /// The circuit these are the inputs of.
    const CIRCUIT: CircuitId;
    /// The inputs' names, in input order.
    const INPUT_NAMES: &'static [&'static str];
    /// The number of public inputs (not counting the constant `1`).
    const NUM_INPUTS: usize = Self::INPUT_NAMES.len();

    /// The public inputs, in [`Self::INPUT_NAMES`] order; always [`Self::NUM_INPUTS`] long.
    fn to_field_elements(&self) -> Vec<Fr>;

    /// The statement with these inputs, refusing inputs no statement has (wrong count, values
    /// out of their range, inconsistent derived inputs): the inverse of
    /// [`Self::to_field_elements`] on every value it accepts.
    fn from_field_elements(inputs: &[Fr]) -> Result<Self, Error>;
}

/// The public inputs of one presentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// Registry root the credential is proven a member of.
    #[serde(with = "serde_fr")]
    pub root: Fr,
    /// The verifier's date (its day number is the input; the circuit derives `YYYYMMDD`).
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
    /// Number of public inputs (not counting the constant `1`): [`PublicInputs::NUM_INPUTS`].
    pub const NUM_INPUTS: usize = <Statement as PublicInputs>::NUM_INPUTS;

    /// The public inputs, in [`PublicInputs::INPUT_NAMES`] order, as an array.
    pub fn to_field_elements(&self) -> [Fr; Self::NUM_INPUTS] {
        [
            self.root,
            self.today.to_field(),
            self.challenge,
            self.scope,
            self.nullifier,
            self.query_hash,
        ]
    }
}

impl PublicInputs for Statement {
    const CIRCUIT: CircuitId = CircuitId::Presentation;
    const INPUT_NAMES: &'static [&'static str] = &[
        "root",
        "today",
        "challenge",
        "scope",
        "nullifier",
        "query_hash",
    ];

    fn to_field_elements(&self) -> Vec<Fr> {
        Statement::to_field_elements(self).to_vec()
    }

    /// Refuses a count other than [`Statement::NUM_INPUTS`] and a `today` that is not a day
    /// number up to 9999-12-31.
    fn from_field_elements(inputs: &[Fr]) -> Result<Self, Error> {
        let [root, today, challenge, scope, nullifier, query_hash] =
            <[Fr; Statement::NUM_INPUTS]>::try_from(inputs).map_err(|_| Error::InputCount {
                expected: Statement::NUM_INPUTS,
                got: inputs.len(),
            })?;
        let today = day_input(&today)?;
        Ok(Statement {
            root,
            today,
            challenge,
            scope,
            nullifier,
            query_hash,
        })
    }
}

/// The `today` input as a day: a 32-bit day number up to 9999-12-31, else
/// [`Error::InvalidInput`] naming `today`.
pub(crate) fn day_input(today: &Fr) -> Result<Day, Error> {
    let bad_day = |reason: String| Error::InvalidInput {
        name: "today",
        reason,
    };
    let bytes = fr_to_bytes_be(today);
    let (high, low) = bytes
        .split_last_chunk::<4>()
        .ok_or_else(|| bad_day("not 32 bytes".into()))?;
    if high.iter().any(|b| *b != 0) {
        return Err(bad_day("not a 32-bit day number".into()));
    }
    Day(u32::from_be_bytes(*low))
        .validate()
        .map_err(|e| bad_day(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A statement with a distinct value per input, and those values by input name.
    pub(crate) fn distinct() -> (Statement, Vec<(&'static str, Fr)>) {
        let today = Day::from_civil(2026, 11, 21).unwrap();
        let s = Statement {
            root: Fr::from(101u64),
            today,
            challenge: Fr::from(103u64),
            scope: Fr::from(104u64),
            nullifier: Fr::from(105u64),
            query_hash: Fr::from(106u64),
        };
        let by_name = vec![
            ("root", s.root),
            ("today", today.to_field()),
            ("challenge", s.challenge),
            ("scope", s.scope),
            ("nullifier", s.nullifier),
            ("query_hash", s.query_hash),
        ];
        (s, by_name)
    }

    #[test]
    fn input_names_and_field_elements_agree_position_by_position() {
        assert_eq!(
            Statement::INPUT_NAMES,
            [
                "root",
                "today",
                "challenge",
                "scope",
                "nullifier",
                "query_hash"
            ]
        );
        assert_eq!(Statement::NUM_INPUTS, 6);
        let (s, by_name) = distinct();
        let inputs = PublicInputs::to_field_elements(&s);
        assert_eq!(inputs.len(), Statement::NUM_INPUTS);
        for (i, name) in Statement::INPUT_NAMES.iter().enumerate() {
            let expected = by_name.iter().find(|(n, _)| n == name).unwrap().1;
            assert_eq!(inputs[i], expected, "input {i} ({name})");
        }
        assert_eq!(inputs, Statement::to_field_elements(&s).to_vec());
    }

    #[test]
    fn from_field_elements_inverts_to_field_elements() {
        let (s, _) = distinct();
        let inputs = PublicInputs::to_field_elements(&s);
        assert_eq!(Statement::from_field_elements(&inputs), Ok(s));
        let max = Statement {
            today: Day::max(),
            ..s
        };
        let inputs = PublicInputs::to_field_elements(&max);
        assert_eq!(Statement::from_field_elements(&inputs), Ok(max));
    }

    #[test]
    fn from_field_elements_rejects_wrong_count_and_invalid_dates() {
        let (s, _) = distinct();
        let inputs = PublicInputs::to_field_elements(&s);
        for n in [0, 5, 7] {
            let mut v = inputs.clone();
            v.resize(n, Fr::from(0u8));
            assert_eq!(
                Statement::from_field_elements(&v),
                Err(Error::InputCount {
                    expected: 6,
                    got: n
                })
            );
        }
        // A day number beyond 32 bits, and one after 9999-12-31.
        for today in [
            Fr::from(1u64 << 32),
            Fr::from(Day::max().0 + 1),
            -Fr::from(1u8),
        ] {
            let mut v = inputs.clone();
            v[1] = today;
            assert!(matches!(
                Statement::from_field_elements(&v),
                Err(Error::InvalidInput { name: "today", .. })
            ));
        }
    }
}
