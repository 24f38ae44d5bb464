//! Batch verification of many proofs under one key.
//!
//! `n` Groth16 equations `e(Aᵢ, Bᵢ) = e(α, β)·e(Lᵢ, γ)·e(Cᵢ, δ)` hold together when one random
//! linear combination of them does:
//!
//! `Π e(ρᵢ·Aᵢ, Bᵢ) · e(Σ ρᵢ·Lᵢ, −γ) · e(Σ ρᵢ·Cᵢ, −δ) · e(−(Σ ρᵢ)·α, β) = 1`
//!
//! with independent random 128-bit weights `ρᵢ`; a batch with an invalid proof passes with
//! probability at most 2⁻¹²⁸. That is `n + 3` Miller loops and **one** final exponentiation
//! instead of `3n` and `n`; `Σ ρᵢ·Lᵢ` is one fixed-base combination of the key's input points
//! with the weighted sums of the inputs, and `Σ ρᵢ·Cᵢ` one MSM.
//!
//! When the batch check fails, each proof is checked on its own and the invalid ones are named.

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective};
use ark_ec::{
    pairing::{MillerLoopOutput, Pairing},
    AffineRepr, CurveGroup, VariableBaseMSM,
};
use ark_ff::{PrimeField, Zero};
use rand_core::{CryptoRng, RngCore};
use zkhealth_circuits::PublicInputs;

use crate::{
    pairing::{final_exponentiation, multi_miller_loop, Normalized},
    threads, verify,
    verify::{check_circuit, input_point},
    Proof, VerifyError, VerifyingKey,
};

/// Verifies every `(statement, proof)` pair under `key`.
///
/// `rng` draws the batch's random weights; it must be a cryptographic RNG the provers cannot
/// predict (for instance `rand_core::OsRng`). An empty batch is valid.
///
/// Returns [`VerifyError::WrongCircuit`], before any pairing, when the statements are not for
/// the key's circuit, and [`VerifyError::InvalidProofsInBatch`] with the indices of the invalid
/// proofs when any proof is invalid.
pub fn verify_batch<S: PublicInputs, R: RngCore + CryptoRng + ?Sized>(
    key: &VerifyingKey,
    items: &[(S, Proof)],
    rng: &mut R,
) -> Result<(), VerifyError> {
    check_circuit::<S>(key)?;
    let holds = match items {
        [] => return Ok(()),
        [(statement, proof)] => verify(key, statement, proof).is_ok(),
        _ => batch_holds(key, items, rng)?,
    };
    if holds {
        return Ok(());
    }
    let invalid = items
        .iter()
        .enumerate()
        .filter(|(_, (statement, proof))| verify(key, statement, proof).is_err())
        .map(|(i, _)| i)
        .collect();
    Err(VerifyError::InvalidProofsInBatch { invalid })
}

/// A uniformly random non-zero 128-bit weight.
fn weight<R: RngCore + ?Sized>(rng: &mut R) -> Fr {
    loop {
        let w = (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64());
        if w != 0 {
            return Fr::from(w);
        }
    }
}

/// The randomized batch equation.
fn batch_holds<S: PublicInputs, R: RngCore + CryptoRng + ?Sized>(
    key: &VerifyingKey,
    items: &[(S, Proof)],
    rng: &mut R,
) -> Result<bool, VerifyError> {
    let weights: Vec<Fr> = items.iter().map(|_| weight(rng)).collect();

    // Σ ρᵢ·Lᵢ = (Σ ρᵢ)·γ₀ + Σⱼ (Σᵢ ρᵢ·xᵢⱼ)·γⱼ
    let mut weight_sum = Fr::zero();
    let mut input_sums = vec![Fr::zero(); S::NUM_INPUTS];
    for ((statement, _), w) in items.iter().zip(&weights) {
        weight_sum += w;
        for (sum, x) in input_sums.iter_mut().zip(statement.to_field_elements()) {
            *sum += *w * x;
        }
    }

    // The proofs' own pairs in two halves, the second with the key's fixed pairs: on two
    // threads when the machine has two cores (see `verify`), one after the other elsewhere.
    // Only the proofs cross to the second thread (a statement type need not be `Sync`).
    let proofs: Vec<&Proof> = items.iter().map(|(_, p)| p).collect();
    let half = proofs.len().div_ceil(2);
    let (first, second) = proofs.split_at(half);
    let (first_weights, second_weights) = weights.split_at(half);
    let (first, second) = threads::join(
        || proof_pairs_loop(first, first_weights),
        || -> Result<_, VerifyError> {
            let inputs = input_point(key, &weight_sum, &input_sums)?;
            let small: Vec<_> = weights.iter().map(|w| w.into_bigint()).collect();
            let cs: Vec<G1Affine> = proofs.iter().map(|p| p.0.c).collect();
            let c_sum = G1Projective::msm_bigint(&cs, &small);
            let alpha = key.inner().alpha_g1 * -weight_sum;
            let fixed = Normalized::batch(&[inputs, c_sum, alpha]);
            let lines = key.lines();
            let fixed = multi_miller_loop(
                [],
                fixed
                    .into_iter()
                    .zip([&lines.gamma_neg, &lines.delta_neg, &lines.beta]),
            );
            Ok(fixed.0 * proof_pairs_loop(second, second_weights).0)
        },
    );
    let miller = MillerLoopOutput(first.0 * second?);
    Ok(final_exponentiation(miller).is_some_and(|r| r.is_zero()))
}

/// The Miller loop of the pairs `(ρᵢ·Aᵢ, Bᵢ)` of `proofs` with their `weights`.
fn proof_pairs_loop(proofs: &[&Proof], weights: &[Fr]) -> MillerLoopOutput<Bn254> {
    let a: Vec<G1Projective> = proofs
        .iter()
        .zip(weights)
        .map(|(p, w)| p.0.a.mul_bigint(w.into_bigint()))
        .collect();
    let a = G1Projective::normalize_batch(&a);
    let b: Vec<_> = proofs
        .iter()
        .map(|p| <Bn254 as Pairing>::G2Prepared::from(p.0.b))
        .collect();
    multi_miller_loop(a.into_iter().zip(&b), [])
}

#[cfg(test)]
mod tests {
    use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
    use zkhealth_circuits::{date::Day, Statement};

    use super::*;
    use crate::testkit;

    fn statement(i: u64) -> Statement {
        Statement {
            root: Fr::from(1000 + i),
            today: Day::from_civil(2025, 6, 1).unwrap(),
            challenge: Fr::from(2000 + i),
            scope: Fr::from(3000u64),
            nullifier: Fr::from(4000 + i),
            query_hash: Fr::from(5000u64),
        }
    }

    fn batch(n: u64) -> Vec<(Statement, Proof)> {
        (0..n)
            .map(|i| {
                let s = statement(i);
                (s, testkit::prove(&s, 100 + i))
            })
            .collect()
    }

    #[test]
    fn valid_batches_verify() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        for n in [0, 1, 2, 5] {
            assert_eq!(verify_batch(testkit::key(), &batch(n), &mut rng), Ok(()));
        }
    }

    #[test]
    fn an_invalid_proof_is_rejected_and_named() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let mut items = batch(6);
        // Proof 3 answers another statement; proof 5 changes its statement's nullifier.
        items[3].0.challenge += Fr::from(1u8);
        items[5].0.nullifier = Fr::from(9u8);
        assert_eq!(
            verify_batch(testkit::key(), &items, &mut rng),
            Err(VerifyError::InvalidProofsInBatch {
                invalid: vec![3, 5]
            })
        );
        let single = &items[3..4];
        assert_eq!(
            verify_batch(testkit::key(), single, &mut rng),
            Err(VerifyError::InvalidProofsInBatch { invalid: vec![0] })
        );
    }

    #[test]
    fn an_invalid_proof_is_caught_in_either_half_of_the_batch() {
        // The batch's Miller loop runs in two halves (the second with the key's fixed pairs).
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let items = batch(5);
        for i in 0..items.len() {
            let mut items = items.clone();
            items[i].0.scope += Fr::from(1u8);
            assert_eq!(
                verify_batch(testkit::key(), &items, &mut rng),
                Err(VerifyError::InvalidProofsInBatch { invalid: vec![i] }),
                "proof {i}"
            );
        }
    }

    #[test]
    fn swapped_proofs_are_caught_even_though_each_is_valid_somewhere() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let mut items = batch(4);
        let p0 = items[0].1.clone();
        items[0].1 = items[1].1.clone();
        items[1].1 = p0;
        assert_eq!(
            verify_batch(testkit::key(), &items, &mut rng),
            Err(VerifyError::InvalidProofsInBatch {
                invalid: vec![0, 1]
            })
        );
    }

    #[test]
    fn proofs_that_cancel_in_an_unweighted_sum_are_caught() {
        // C + D and C − D (same A, B): the unweighted product of the two equations would
        // cancel the errors; random weights do not.
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let items = batch(2);
        let (s, p) = items[0].clone();
        let d = G1Affine::generator();
        let mut plus = p.clone();
        plus.0.c = (p.0.c + d).into_affine();
        let mut minus = p.clone();
        minus.0.c = (p.0.c.into_group() - d).into_affine();
        assert_ne!(plus, minus);
        let forged = vec![(s, plus), (s, minus)];
        assert_eq!(
            verify_batch(testkit::key(), &forged, &mut rng),
            Err(VerifyError::InvalidProofsInBatch {
                invalid: vec![0, 1]
            })
        );
    }
}
