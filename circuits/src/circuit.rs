//! The presentation circuit: one generic circuit for every policy.
//!
//! Relation, for public `(root, today, today_ymd, challenge, scope, nullifier, query_hash)` and
//! witness `(secret, credential, path, policy, choices)`:
//!
//! `path.root(commit(credential)) = root ∧ credential.holder_key = H_key(secret) ∧
//!  nullifier = H_null(secret, scope) ∧ credential.expiry >= today ∧
//!  policy(credential.slots, today, today_ymd) ∧
//!  query_hash = H_query(credential.schema, credential.issuer, policy, disclosed(credential))`,
//! and `challenge` is squared into a constraint so that it is bound by the proof.
//!
//! The shape depends only on the registry depth: one trusted setup per depth serves every policy.

use ark_r1cs_std::prelude::*;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

use crate::{
    credential::{
        constraints::{CredentialVar, HolderSecretVar},
        Credential, HolderSecret,
    },
    merkle::{constraints::MerklePathVar, MerklePath},
    policy::{
        constraints::{alloc_choice, enforce_less_than_pow2, PolicyVar, COMPARISON_BITS},
        CompiledPolicy, MAX_CONDITIONS,
    },
    statement::{constraints::StatementVar, Statement},
    Fr,
};

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

fn get<T: Clone, U>(opt: &Option<U>, f: impl FnOnce(&U) -> T) -> Result<T, SynthesisError> {
    opt.as_ref().map(f).ok_or(SynthesisError::AssignmentMissing)
}

impl ConstraintSynthesizer<Fr> for PresentationCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let w = &self.witness;
        let st = StatementVar::new_input(cs.clone(), || get(&self.statement, |s| *s))?;
        let secret = HolderSecretVar::new_witness(cs.clone(), || get(w, |w| w.secret.clone()))?;
        let cred = CredentialVar::new_witness(cs.clone(), || get(w, |w| w.credential.clone()))?;
        let path = MerklePathVar::new_witness_with_depth(cs.clone(), self.depth, || {
            get(w, |w| w.path.clone())
        })?;
        let policy = PolicyVar::new_witness(cs.clone(), || get(w, |w| w.policy.clone()))?;
        let choices = (0..MAX_CONDITIONS)
            .map(|i| alloc_choice(cs.clone(), get(w, |w| w.choices[i])))
            .collect::<Result<Vec<_>, _>>()?;

        // Holder binding and membership.
        cred.holder_key.enforce_equal(&secret.holder_key()?)?;
        path.enforce_root(&cred.commit()?, &st.root)?;

        // Scoped nullifier.
        secret.nullifier(&st.scope)?.enforce_equal(&st.nullifier)?;

        // Not expired: expiry - today in [0, 2^32).
        enforce_less_than_pow2(&(&cred.expiry - &st.today), COMPARISON_BITS)?;

        // The policy holds, and it is the verifier's policy with these disclosed values.
        policy.enforce_holds(&cred.slots, &st.today, &st.today_ymd, &choices)?;
        policy
            .query_hash(&cred.schema, &cred.issuer, &cred.slots)?
            .enforce_equal(&st.query_hash)?;

        // Bind the challenge: a public input in no constraint would not be bound by the proof.
        let _challenge_squared = st.challenge.square()?;
        Ok(())
    }
}
