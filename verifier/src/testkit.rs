//! Test fixture: a tiny Groth16 circuit with the statement's seven public inputs, giving real
//! keys and proofs without the presentation circuit (which needs ark-r1cs-std).
//!
//! Shared by the unit tests (`mod testkit` under `cfg(test)`) and the integration tests
//! (`#[path]`-included from `tests/common`); it is not part of the public API.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;

use ark_bn254::{Bn254, Fr};
use ark_groth16::{Groth16, ProvingKey};
use ark_relations::{
    gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError},
    lc,
};
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
use zkhealth_circuits::Statement;
use zkhealth_verifier::{Proof, VerifyingKey};

/// The registry depth the fixture key claims.
pub const DEPTH: u32 = 10;

/// Allocates the statement's inputs and, for each input `x`, a witness `w` with `x * x = w`,
/// so every input appears in a constraint and is bound by the proof.
#[derive(Clone)]
pub struct SquaresCircuit {
    /// The public inputs, or `None` during setup.
    pub inputs: Option<[Fr; Statement::NUM_INPUTS]>,
}

impl ConstraintSynthesizer<Fr> for SquaresCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        for i in 0..Statement::NUM_INPUTS {
            let value = self.inputs.map(|v| v[i]);
            let x = cs.new_input_variable(|| value.ok_or(SynthesisError::AssignmentMissing))?;
            let w = cs.new_witness_variable(|| {
                value
                    .map(|v| v * v)
                    .ok_or(SynthesisError::AssignmentMissing)
            })?;
            cs.enforce_r1cs_constraint(|| lc!(x), || lc!(x), || lc!(w))?;
        }
        Ok(())
    }
}

/// A fresh seeded setup of the fixture circuit.
pub fn setup(seed: u64) -> (ProvingKey<Bn254>, VerifyingKey) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let pk = Groth16::<Bn254>::generate_random_parameters_with_reduction(
        SquaresCircuit { inputs: None },
        &mut rng,
    )
    .unwrap();
    let vk = VerifyingKey::new(pk.vk.clone(), DEPTH).unwrap();
    (pk, vk)
}

/// The fixture's proving and verifying keys (set up once, seed 1).
pub fn keys() -> &'static (ProvingKey<Bn254>, VerifyingKey) {
    static KEYS: OnceLock<(ProvingKey<Bn254>, VerifyingKey)> = OnceLock::new();
    KEYS.get_or_init(|| setup(1))
}

/// The fixture's verifying key.
pub fn key() -> &'static VerifyingKey {
    &keys().1
}

/// A proof of `statement` under the fixture key (seeded by `seed`).
pub fn prove(statement: &Statement, seed: u64) -> Proof {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let circuit = SquaresCircuit {
        inputs: Some(statement.to_field_elements()),
    };
    Proof(
        Groth16::<Bn254>::create_random_proof_with_reduction(circuit, &keys().0, &mut rng).unwrap(),
    )
}
