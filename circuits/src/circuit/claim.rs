//! The claim circuit: a coverage credential and a treatment record of one holder, the
//! cross-credential conditions between them and the claim nullifier (relation in
//! [`crate::claim`]).
//!
//! Both registries have the circuit's depth. Cost: two held openings
//! ([`held_opening_constraints`]), the holder key's hash once, the date's `YYYYMMDD` form, the
//! cross conditions ([`COVERED_CONSTRAINTS`]), the claim nullifier and the combined query hash
//! with their equalities, and one squaring binding the challenge:
//! [`claim_constraints`]`(depth) = 608·depth + 7,828`, 13,908 at depth 10 and 17,556 at depth 16
//! (2.00 times the presentation's 8,799).

use ark_r1cs_std::prelude::*;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

use super::Circuit;
use crate::{
    claim::{
        constraints::{claim_nullifier, claim_query_hash, enforce_covered, ClaimStatementVar},
        ClaimStatement,
    },
    credential::{constraints::HolderSecretVar, HolderSecret},
    date::constraints::ymd_of_day,
    opening::{
        constraints::{CredentialOpeningVar, OpeningAt},
        CredentialOpening,
    },
    Fr,
};

#[cfg(doc)]
use crate::{
    claim::constraints::COVERED_CONSTRAINTS, opening::constraints::held_opening_constraints,
};

/// Constraints of the claim circuit beyond its Merkle levels (two openings' worth).
pub const CLAIM_BASE_CONSTRAINTS: usize = 7_828;

/// Constraints of the claim circuit for registries of depth `depth`.
pub const fn claim_constraints(depth: u32) -> usize {
    CLAIM_BASE_CONSTRAINTS + 2 * crate::merkle::constraints::CONSTRAINTS_PER_LEVEL * depth as usize
}

/// Everything the claimant knows.
#[derive(Debug, Clone)]
pub struct ClaimWitness {
    /// The holder's secret, the same for both credentials.
    pub secret: HolderSecret,
    /// The coverage credential, its path in the insurer's registry, the insurer's coverage
    /// policy and its slot choices.
    pub coverage: CredentialOpening,
    /// The treatment record, its path in the provider registry, the insurer's treatment policy
    /// and its slot choices.
    pub treatment: CredentialOpening,
}

/// The claim circuit for registries of a given depth.
#[derive(Debug, Clone)]
pub struct ClaimCircuit {
    /// Registry depth (fixes the circuit's shape).
    pub depth: u32,
    /// The public statement (`None` at setup).
    pub statement: Option<ClaimStatement>,
    /// The witness (`None` at setup).
    pub witness: Option<ClaimWitness>,
}

impl Circuit for ClaimCircuit {
    type Statement = ClaimStatement;
    type Witness = ClaimWitness;

    fn blank(depth: u32) -> Self {
        ClaimCircuit {
            depth,
            statement: None,
            witness: None,
        }
    }

    fn new(depth: u32, statement: ClaimStatement, witness: ClaimWitness) -> Self {
        ClaimCircuit {
            depth,
            statement: Some(statement),
            witness: Some(witness),
        }
    }

    fn depth(&self) -> u32 {
        self.depth
    }
}

impl ConstraintSynthesizer<Fr> for ClaimCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let w = self.witness.as_ref();
        let missing = SynthesisError::AssignmentMissing;
        let st = ClaimStatementVar::new_input(cs.clone(), || self.statement.ok_or(missing))?;
        let secret = HolderSecretVar::new_witness(cs.clone(), || {
            w.map(|w| w.secret.clone()).ok_or(missing)
        })?;
        let coverage =
            CredentialOpeningVar::new_witness_with_depth(cs.clone(), self.depth, || {
                w.map(|w| w.coverage.clone()).ok_or(missing)
            })?;
        let treatment =
            CredentialOpeningVar::new_witness_with_depth(cs.clone(), self.depth, || {
                w.map(|w| w.treatment.clone()).ok_or(missing)
            })?;

        let today_ymd = ymd_of_day(&st.today)?;
        // One holder: both credentials name the key of the one secret.
        let holder_key = secret.holder_key()?;
        let at = |root| OpeningAt {
            root,
            today: &st.today,
            today_ymd: &today_ymd,
        };
        let query_coverage = coverage.enforce_held_opening(&holder_key, &at(&st.root_coverage))?;
        let query_treatment =
            treatment.enforce_held_opening(&holder_key, &at(&st.root_treatment))?;

        enforce_covered(&coverage.credential, &treatment.credential)?;
        claim_nullifier(&secret, &treatment.credential, &st.scope)?.enforce_equal(&st.nullifier)?;
        claim_query_hash(&query_coverage, &query_treatment)?.enforce_equal(&st.query_hash)?;

        // Bind the challenge: a public input in no constraint would not be bound by the proof.
        let _challenge_squared = st.challenge.square()?;
        Ok(())
    }
}
