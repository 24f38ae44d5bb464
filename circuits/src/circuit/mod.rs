//! Circuits as typed units.
//!
//! Every circuit has a [`CircuitId`] (native, so the light verifier can name it), a statement
//! type implementing [`PublicInputs`] (the only place its public inputs are ordered), and, behind
//! the `r1cs` feature, a [`Circuit`] implementation that builds it blank for setup and with
//! values for proving. Keys, artifacts and presentations carry the id, so mixing circuits is a
//! typed error, never a failed pairing.
//!
//! | id | name | statement | circuit |
//! |----|------|-----------|---------|
//! | 1 | `presentation` | [`Statement`] | `PresentationCircuit` (one credential) |
//! | 2 | `claim` | [`ClaimStatement`] | `ClaimCircuit` (coverage and treatment, one holder) |

#[cfg(feature = "r1cs")]
mod claim;
#[cfg(feature = "r1cs")]
mod presentation;

use std::{fmt, str::FromStr};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[cfg(feature = "r1cs")]
pub use claim::{claim_constraints, ClaimCircuit, ClaimWitness, CLAIM_BASE_CONSTRAINTS};
#[cfg(feature = "r1cs")]
pub use presentation::{PresentationCircuit, PresentationWitness};

use crate::{
    claim::ClaimStatement,
    statement::{PublicInputs, Statement},
    Error,
};

/// Which circuit a key, artifact or presentation belongs to.
///
/// Encoded as a `u16` ([`Self::to_u16`]) in binary forms and by its name ([`Self::name`]) in
/// text and JSON. The numbers are stable: a new circuit gets a new number, and a number is never
/// reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
#[repr(u16)]
pub enum CircuitId {
    /// The presentation circuit: one credential against a policy ([`Statement`]).
    Presentation = 1,
    /// The claim circuit: a coverage credential and a treatment record of one holder
    /// ([`ClaimStatement`]).
    Claim = 2,
}

impl CircuitId {
    /// Every id, in number order.
    pub const ALL: [CircuitId; 2] = [CircuitId::Presentation, CircuitId::Claim];

    /// The stable number of the circuit.
    pub const fn to_u16(self) -> u16 {
        self as u16
    }

    /// The circuit with this number, if there is one.
    pub fn from_u16(n: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.to_u16() == n)
    }

    /// The circuit's name: `presentation`, `claim`.
    pub const fn name(self) -> &'static str {
        match self {
            CircuitId::Presentation => "presentation",
            CircuitId::Claim => "claim",
        }
    }

    /// The names of the circuit's public inputs, in input order, from its statement type; `None`
    /// for a reserved id whose circuit does not exist yet (none today).
    pub fn input_names(self) -> Option<&'static [&'static str]> {
        match self {
            CircuitId::Presentation => Some(<Statement as PublicInputs>::INPUT_NAMES),
            CircuitId::Claim => Some(<ClaimStatement as PublicInputs>::INPUT_NAMES),
        }
    }

    /// The number of public inputs of the circuit (not counting the constant `1`), from its
    /// statement type; `None` for a reserved id whose circuit does not exist yet.
    pub fn num_inputs(self) -> Option<usize> {
        self.input_names().map(<[_]>::len)
    }
}

impl fmt::Display for CircuitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for CircuitId {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| Error::UnknownCircuit(s.to_string()))
    }
}

impl Serialize for CircuitId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for CircuitId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A circuit: its id, its statement type, and its two constructions (blank for setup, with
/// values for proving). Its shape depends only on the registry depth.
#[cfg(feature = "r1cs")]
pub trait Circuit: ark_relations::gr1cs::ConstraintSynthesizer<crate::Fr> + Sized {
    /// The public inputs; `StatementVar`-style allocation in [`PublicInputs::INPUT_NAMES`] order.
    type Statement: PublicInputs;
    /// What the prover knows.
    type Witness;
    /// The circuit's id: its statement type's.
    const ID: CircuitId = <Self::Statement as PublicInputs>::CIRCUIT;

    /// The circuit without values, for setup.
    fn blank(depth: u32) -> Self;

    /// The circuit with values, for proving.
    fn new(depth: u32, statement: Self::Statement, witness: Self::Witness) -> Self;

    /// The registry depth that fixes the circuit's shape.
    fn depth(&self) -> u32;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_numbers_names_and_json() {
        for id in CircuitId::ALL {
            assert_eq!(CircuitId::from_u16(id.to_u16()), Some(id));
            assert_eq!(id.name().parse::<CircuitId>(), Ok(id));
            assert_eq!(id.to_string(), id.name());
            let json = serde_json::to_string(&id).unwrap();
            assert_eq!(json, format!("\"{}\"", id.name()));
            assert_eq!(serde_json::from_str::<CircuitId>(&json).unwrap(), id);
        }
        assert_eq!(CircuitId::Presentation.to_u16(), 1);
        assert_eq!(CircuitId::Claim.to_u16(), 2);
        assert_eq!(CircuitId::from_u16(0), None);
        assert_eq!(CircuitId::from_u16(3), None);
        assert_eq!(
            "Presentation".parse::<CircuitId>(),
            Err(Error::UnknownCircuit("Presentation".into()))
        );
        assert!(serde_json::from_str::<CircuitId>("\"vaccination\"").is_err());
    }

    #[test]
    fn input_counts_come_from_the_statement_types() {
        assert_eq!(
            CircuitId::Presentation.num_inputs(),
            Some(Statement::NUM_INPUTS)
        );
        assert_eq!(
            CircuitId::Claim.num_inputs(),
            Some(ClaimStatement::NUM_INPUTS)
        );
    }
}
