//! The Solidity Groth16 verifier generated from a verifying key, and the presentation contract
//! compiled with it.
//!
//! [`render_verifier`] fills `contracts/templates/Groth16Verifier.sol.tmpl` with the key's points
//! as constants. The template checks
//! `e(A, B) · e(−α, β) · e(L, −γ) · e(C, −δ) = 1` with `L = IC₀ + Σ xᵢ·ICᵢ`, so −α, −γ and −δ
//! are computed here and the contract negates nothing at run time.

use alloy_primitives::U256;
use ark_ec::AffineRepr;
use zkhealth_verifier::VerifyingKey;

use crate::words::{g1_words, g2_words, word_hex};

/// The verifier template.
pub const VERIFIER_TEMPLATE: &str =
    include_str!("../../contracts/templates/Groth16Verifier.sol.tmpl");

/// The file name the presentation contract imports the generated verifier under.
pub const VERIFIER_FILE: &str = "Groth16Verifier.sol";

/// The name of the generated verifier contract.
pub const VERIFIER_CONTRACT: &str = "Groth16Verifier";

/// The presentation contract's source (`contracts/src/ZkhPresentation.sol`); it imports
/// [`VERIFIER_FILE`].
pub const PRESENTATION_SOURCE: &str = include_str!("../../contracts/src/ZkhPresentation.sol");

/// The presentation contract's file name.
pub const PRESENTATION_FILE: &str = "ZkhPresentation.sol";

/// The name of the presentation contract.
pub const PRESENTATION_CONTRACT: &str = "ZkhPresentation";

/// The Solidity source of a Groth16 verifier for `key` (contract `Groth16Verifier`).
pub fn render_verifier(key: &VerifyingKey) -> String {
    let vk = key.inner();
    let hex = |w: &U256| word_hex(w);
    let [neg_alpha_x, neg_alpha_y] = g1_words(&(-vk.alpha_g1.into_group()).into());
    let [beta_x1, beta_x0, beta_y1, beta_y0] = g2_words(&vk.beta_g2);
    let [ngx1, ngx0, ngy1, ngy0] = g2_words(&(-vk.gamma_g2.into_group()).into());
    let [ndx1, ndx0, ndy1, ndy0] = g2_words(&(-vk.delta_g2.into_group()).into());

    let mut ic_constants = String::new();
    for (i, p) in vk.gamma_abc_g1.iter().enumerate() {
        let [x, y] = g1_words(p);
        ic_constants.push_str(&format!(
            "    uint256 internal constant IC{i}_X = {};\n    uint256 internal constant IC{i}_Y = {};\n",
            hex(&x),
            hex(&y)
        ));
    }
    let inputs = vk.gamma_abc_g1.len().saturating_sub(1);
    let mut ic_accumulate = String::new();
    for i in 0..inputs {
        let n = i + 1;
        ic_accumulate.push_str(&format!(
            "        (x, y) = _mulAdd(x, y, IC{n}_X, IC{n}_Y, input[{i}]);\n"
        ));
    }
    // The last line's newline comes from the template.
    let ic_accumulate = ic_accumulate.trim_end_matches('\n');

    let replacements: [(&str, String); 19] = [
        ("{{KEY_ID}}", key.id().to_hex()),
        ("{{DEPTH}}", key.depth().to_string()),
        ("{{NUM_INPUTS}}", inputs.to_string()),
        ("{{NEG_ALPHA_X}}", hex(&neg_alpha_x)),
        ("{{NEG_ALPHA_Y}}", hex(&neg_alpha_y)),
        ("{{BETA_X1}}", hex(&beta_x1)),
        ("{{BETA_X0}}", hex(&beta_x0)),
        ("{{BETA_Y1}}", hex(&beta_y1)),
        ("{{BETA_Y0}}", hex(&beta_y0)),
        ("{{NEG_GAMMA_X1}}", hex(&ngx1)),
        ("{{NEG_GAMMA_X0}}", hex(&ngx0)),
        ("{{NEG_GAMMA_Y1}}", hex(&ngy1)),
        ("{{NEG_GAMMA_Y0}}", hex(&ngy0)),
        ("{{NEG_DELTA_X1}}", hex(&ndx1)),
        ("{{NEG_DELTA_X0}}", hex(&ndx0)),
        ("{{NEG_DELTA_Y1}}", hex(&ndy1)),
        ("{{NEG_DELTA_Y0}}", hex(&ndy0)),
        ("{{IC_CONSTANTS}}", ic_constants),
        ("{{IC_ACCUMULATE}}", ic_accumulate.to_string()),
    ];
    let mut out = VERIFIER_TEMPLATE.to_string();
    for (placeholder, value) in &replacements {
        out = out.replace(placeholder, value);
    }
    out
}

#[cfg(test)]
mod tests {
    use alloy_primitives::U256;
    use ark_bn254::Bn254;
    use ark_groth16::{Groth16, ProvingKey};
    use ark_relations::{
        gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError},
        lc,
    };
    use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
    use zkhealth_circuits::{date::Day, Fr, Statement};
    use zkhealth_verifier::{verify, Proof, VerifyError, VerifyingKey};

    use super::*;
    use crate::{
        calldata::IZkhPresentation::verifyProofCall,
        harness::{account, contracts_for, Chain, Outcome},
        words::{input_words, proof_words},
    };

    /// For each public input `x`, a witness `w = x·x`: every input is bound by the proof.
    #[derive(Clone)]
    struct SquaresCircuit(Option<[Fr; Statement::NUM_INPUTS]>);

    impl ConstraintSynthesizer<Fr> for SquaresCircuit {
        fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
            for i in 0..Statement::NUM_INPUTS {
                let value = self.0.map(|v| v[i]);
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

    fn keys() -> (ProvingKey<Bn254>, VerifyingKey) {
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        let pk = Groth16::<Bn254>::generate_random_parameters_with_reduction(
            SquaresCircuit(None),
            &mut rng,
        )
        .unwrap();
        let vk = VerifyingKey::new(pk.vk.clone(), 20).unwrap();
        (pk, vk)
    }

    fn prove(pk: &ProvingKey<Bn254>, s: &Statement, seed: u64) -> Proof {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let circuit = SquaresCircuit(Some(s.to_field_elements()));
        Proof(Groth16::<Bn254>::create_random_proof_with_reduction(circuit, pk, &mut rng).unwrap())
    }

    #[test]
    fn rendered_verifier_fills_every_placeholder() {
        let (_, vk) = keys();
        let source = render_verifier(&vk);
        assert!(!source.contains("{{"), "unfilled placeholder");
        assert!(source.contains(&vk.id().to_hex()));
        assert!(source.contains("IC7_Y"));
        assert!(!source.contains("IC8_X"));
        assert_eq!(
            source.matches("_mulAdd(x, y, IC").count(),
            Statement::NUM_INPUTS
        );
    }

    #[test]
    fn solidity_verifier_agrees_with_the_rust_verifier() {
        let (pk, vk) = keys();
        let contracts = contracts_for(&vk);
        let mut chain = Chain::new();
        let verifier = chain.deploy(account(1), &contracts.verifier.bytecode, &[]);

        let statement = Statement {
            root: Fr::from(0x1234_5678u64),
            today: Day::from_civil(2026, 11, 21).unwrap(),
            challenge: -Fr::from(3u8),
            scope: Fr::from(55u8),
            nullifier: Fr::from(66u8),
            query_hash: Fr::from(77u8),
        };
        let proof = prove(&pk, &statement, 5);
        let call = |s: &Statement, p: &Proof| verifyProofCall {
            proof: proof_words(p),
            input: input_words(s),
        };
        let mut chain_verify =
            |s: &Statement, p: &Proof| -> bool { chain.read(verifier, &call(s, p)) };

        assert_eq!(verify(&vk, &statement, &proof), Ok(()));
        assert!(chain_verify(&statement, &proof));

        // Each input changed: both verifiers refuse.
        for i in 0..Statement::NUM_INPUTS {
            let mut changed = statement;
            match i {
                0 => changed.root += Fr::from(1u8),
                1 | 2 => changed.today = changed.today.checked_add(1).unwrap(),
                3 => changed.challenge += Fr::from(1u8),
                4 => changed.scope += Fr::from(1u8),
                5 => changed.nullifier += Fr::from(1u8),
                _ => changed.query_hash += Fr::from(1u8),
            }
            assert_eq!(
                verify(&vk, &changed, &proof),
                Err(VerifyError::InvalidProof),
                "input {i}"
            );
            assert!(!chain_verify(&changed, &proof), "input {i}");
        }

        // Another statement, its own proof: both accept; the first proof for it: both refuse.
        let other = Statement {
            root: Fr::from(9u8),
            ..statement
        };
        let other_proof = prove(&pk, &other, 6);
        assert_eq!(verify(&vk, &other, &other_proof), Ok(()));
        assert!(chain_verify(&other, &other_proof));
        assert!(!chain_verify(&other, &proof));
    }

    #[test]
    fn solidity_verifier_rejects_malformed_words() {
        let (pk, vk) = keys();
        let contracts = contracts_for(&vk);
        let mut chain = Chain::new();
        let verifier = chain.deploy(account(1), &contracts.verifier.bytecode, &[]);
        let statement = Statement {
            root: Fr::from(1u8),
            today: Day::from_civil(2026, 1, 1).unwrap(),
            challenge: Fr::from(2u8),
            scope: Fr::from(3u8),
            nullifier: Fr::from(4u8),
            query_hash: Fr::from(5u8),
        };
        let proof = prove(&pk, &statement, 7);
        let good = verifyProofCall {
            proof: proof_words(&proof),
            input: input_words(&statement),
        };
        let r = U256::from_limbs(<Fr as ark_ff::PrimeField>::MODULUS.0);
        let q = U256::from_limbs(<ark_bn254::Fq as ark_ff::PrimeField>::MODULUS.0);

        let mut call = good.clone();
        call.input[3] = r;
        let out = chain.view(
            account(2),
            verifier,
            alloy_sol_types::SolCall::abi_encode(&call),
        );
        assert!(out.outcome.reverted_with(
            &crate::calldata::IZkhPresentation::PublicInputOutOfField {
                index: U256::from(3u8),
                value: r,
            }
        ));

        let mut call = good.clone();
        call.proof[5] = q;
        let out = chain.view(
            account(2),
            verifier,
            alloy_sol_types::SolCall::abi_encode(&call),
        );
        assert!(out.outcome.reverted_with(
            &crate::calldata::IZkhPresentation::ProofCoordinateOutOfField {
                index: U256::from(5u8),
                value: q,
            }
        ));

        // A point off the curve: A = (1, 3).
        let mut call = good;
        call.proof[0] = U256::from(1u8);
        call.proof[1] = U256::from(3u8);
        let out = chain.view(
            account(2),
            verifier,
            alloy_sol_types::SolCall::abi_encode(&call),
        );
        assert!(
            out.outcome
                .reverted_with(&crate::calldata::IZkhPresentation::InvalidProofPoint {}),
            "{:?}",
            out.outcome
        );
        assert!(!matches!(out.outcome, Outcome::Success { .. }));
    }
}
