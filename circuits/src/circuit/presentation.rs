//! The presentation circuit: one generic circuit for every policy.
//!
//! Relation, for public `(root, today, challenge, scope, nullifier, query_hash)` and witness
//! `(secret, credential, path, policy, choices)`, with `today_ymd` the `YYYYMMDD` form of `today`
//! derived in the circuit ([`ymd_of_day`]):
//!
//! `path.root(commit(credential)) = root ∧ credential.holder_key = H_key(secret) ∧
//!  nullifier = H_null(secret, scope) ∧ credential.expiry >= today ∧
//!  policy(credential.slots, today, today_ymd) ∧
//!  query_hash = H_query(credential.schema, credential.issuer, policy, disclosed(credential))`,
//! and `challenge` is squared into a constraint so that it is bound by the proof.
//!
//! The shape depends only on the registry depth: one trusted setup per depth serves every policy.
//!
//! The public inputs are [`Statement`]'s; the credential is opened once by
//! [`CredentialOpeningVar::enforce_opening`]. Cost: the opening's
//! [`opening_constraints`]`(depth)`, the date's `YYYYMMDD` form, one equality binding the
//! nullifier, and one squaring binding the challenge: `304·depth + 3,935`, 6,975 at depth 10 (2^20 leaves) and
//! 8,799 at depth 16 (2^32 leaves).

use ark_r1cs_std::prelude::*;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

use super::Circuit;
use crate::{
    credential::{constraints::HolderSecretVar, Credential, HolderSecret},
    date::constraints::ymd_of_day,
    merkle::MerklePath,
    opening::{
        constraints::{CredentialOpeningVar, OpeningContext},
        CredentialOpening,
    },
    policy::{CompiledPolicy, MAX_CONDITIONS},
    statement::{constraints::StatementVar, Statement},
    Fr,
};

#[cfg(doc)]
use crate::opening::constraints::opening_constraints;

/// Everything the prover knows.
#[derive(Debug, Clone)]
pub struct PresentationWitness {
    /// The holder's secret.
    pub secret: HolderSecret,
    /// The credential.
    pub credential: Credential,
    /// Its Merkle path in the registry.
    pub path: MerklePath,
    /// The verifier's policy, compiled.
    pub policy: CompiledPolicy,
    /// For each condition, the slot it holds on.
    pub choices: [usize; MAX_CONDITIONS],
}

impl PresentationWitness {
    /// The credential opening part of the witness (everything but the secret).
    pub fn opening(&self) -> CredentialOpening {
        CredentialOpening {
            credential: self.credential.clone(),
            path: self.path.clone(),
            policy: self.policy.clone(),
            choices: self.choices,
        }
    }
}

/// The presentation circuit for a registry of a given depth.
#[derive(Debug, Clone)]
pub struct PresentationCircuit {
    /// Registry depth (fixes the circuit's shape).
    pub depth: u32,
    /// The public statement (`None` at setup).
    pub statement: Option<Statement>,
    /// The witness (`None` at setup).
    pub witness: Option<PresentationWitness>,
}

impl PresentationCircuit {
    /// The circuit without values, for setup.
    pub fn blank(depth: u32) -> Self {
        PresentationCircuit {
            depth,
            statement: None,
            witness: None,
        }
    }

    /// The circuit with values, for proving.
    pub fn new(depth: u32, statement: Statement, witness: PresentationWitness) -> Self {
        PresentationCircuit {
            depth,
            statement: Some(statement),
            witness: Some(witness),
        }
    }
}

impl Circuit for PresentationCircuit {
    type Statement = Statement;
    type Witness = PresentationWitness;

    fn blank(depth: u32) -> Self {
        PresentationCircuit::blank(depth)
    }

    fn new(depth: u32, statement: Statement, witness: PresentationWitness) -> Self {
        PresentationCircuit::new(depth, statement, witness)
    }

    fn depth(&self) -> u32 {
        self.depth
    }
}

impl ConstraintSynthesizer<Fr> for PresentationCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let w = self.witness.as_ref();
        let missing = SynthesisError::AssignmentMissing;
        let st = StatementVar::new_input(cs.clone(), || self.statement.ok_or(missing))?;
        let secret = HolderSecretVar::new_witness(cs.clone(), || {
            w.map(|w| w.secret.clone()).ok_or(missing)
        })?;
        let opening = CredentialOpeningVar::new_witness_with_depth(cs.clone(), self.depth, || {
            w.map(PresentationWitness::opening).ok_or(missing)
        })?;

        // The date's YYYYMMDD form is a function of its day number, not a free input.
        let today_ymd = ymd_of_day(&st.today)?;

        // Holder binding, membership, expiry, policy and query hash, and the scoped nullifier.
        let nullifier = opening.enforce_opening(
            &secret,
            &OpeningContext {
                root: &st.root,
                scope: &st.scope,
                today: &st.today,
                today_ymd: &today_ymd,
                query_hash: &st.query_hash,
            },
        )?;
        nullifier.enforce_equal(&st.nullifier)?;

        // Bind the challenge: a public input in no constraint would not be bound by the proof.
        let _challenge_squared = st.challenge.square()?;
        Ok(())
    }
}
