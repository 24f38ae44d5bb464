//! Groth16 proving from a synthesized witness and the cached constraint matrices.
//!
//! A proof is the witness map (three sparse matrix–vector products and seven FFTs of the
//! evaluation domain) followed by five MSMs (`A`, `B` in G1, `B` in G2, `L`, `H`). This module
//! does exactly that work and nothing else:
//!
//! - the witness is converted to big-integer form once and shared by the `A`, `B` and `L` MSMs;
//! - the G2 MSM, the most expensive, runs concurrently with the witness map and the G1 MSMs;
//! - the MSMs are ours ([`crate::msm`]: batch-affine buckets, GLV in G1); zero scalars cost
//!   nothing and small ones (bits, bytes) touch only their low windows.
//!
//! The steps are public so that a bench can time each on the same witness and compare the
//! whole proof with the sum of its MSMs and FFTs (the floor for this algorithm).
//!
//! The quotient is handed to the key's H query as its reduction needs
//! ([`QapReduction`]): coefficients for the libsnark reduction of our
//! development keys, odd-coset values for snarkjs's keys.
//!
//! With the `parallel` feature the independent steps run concurrently on the rayon pool; without
//! it they run one after the other on the calling thread and give the same proof.

use ark_bn254::{g1, g2, Bn254, Fr, G1Affine, G1Projective, G2Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger256, FftField, Field, One, PrimeField, Zero};
use ark_groth16::{Proof, ProvingKey};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_relations::gr1cs::Matrix;
use ark_std::{cfg_iter, cfg_iter_mut};
#[cfg(feature = "parallel")]
use rayon::prelude::*;

use crate::{
    join,
    matrices::ConstraintMatrices,
    msm,
    reduction::{odd_coset_offset, QapReduction},
    ProverError,
};

/// The evaluation domain of the quotient polynomial: the smallest power of two holding the
/// constraints and one row per instance variable.
pub fn domain(m: &ConstraintMatrices) -> Result<Radix2EvaluationDomain<Fr>, ProverError> {
    m.num_constraints
        .checked_add(m.num_instance_variables)
        .and_then(Radix2EvaluationDomain::new)
        .ok_or_else(|| ProverError::Proving("constraint system too large for BN254's FFT".into()))
}

/// `⟨row, z⟩` for one sparse matrix row.
fn row_dot(row: &[(Fr, usize)], z: &[Fr]) -> Result<Fr, ProverError> {
    let mut acc = Fr::zero();
    for (coeff, var) in row {
        let v = z.get(*var).ok_or_else(|| {
            ProverError::Proving(format!("matrix variable {var} outside the witness"))
        })?;
        if coeff.is_one() {
            acc += v;
        } else {
            acc += *v * coeff;
        }
    }
    Ok(acc)
}

/// `M·z` over the domain: one value per constraint, zero-padded to the domain size.
fn mat_vec(m: &Matrix<Fr>, z: &[Fr], size: usize) -> Result<Vec<Fr>, ProverError> {
    let mut values = cfg_iter!(m)
        .map(|row| row_dot(row, z))
        .collect::<Result<Vec<Fr>, ProverError>>()?;
    values.resize(size, Fr::zero());
    Ok(values)
}

/// The evaluations `A·z`, `B·z`, `C·z` on the domain. The rows after the constraints bind the
/// instance variables (`A` only), as in the libsnark reduction ark-groth16's keys are made for.
pub fn witness_evaluations(
    m: &ConstraintMatrices,
    z: &[Fr],
    domain: &Radix2EvaluationDomain<Fr>,
) -> Result<[Vec<Fr>; 3], ProverError> {
    let size = domain.size();
    let [ma, mb, mc] = &m.abc;
    let ((a, b), c) = join(
        || join(|| mat_vec(ma, z, size), || mat_vec(mb, z, size)),
        || mat_vec(mc, z, size),
    );
    let mut a = a?;
    let inputs = z
        .get(..m.num_instance_variables)
        .ok_or_else(|| ProverError::Proving("witness shorter than its instance".into()))?;
    a.get_mut(m.num_constraints..m.num_constraints + inputs.len())
        .ok_or_else(|| ProverError::Proving("domain too small for the instance rows".into()))?
        .copy_from_slice(inputs);
    Ok([a, b?, c?])
}

/// The H MSM's scalars from the evaluations, for the key's reduction: an inverse FFT and a coset
/// FFT each for `A`, `B`, `C`, then
///
/// - libsnark: the quotient `(A·B − C) / Z` on the coset by the field's generator and one inverse
///   coset FFT, giving `H`'s coefficients (seven FFTs);
/// - circom: `A·B − C` on the odd coset, as it is (six FFTs).
pub fn quotient(
    domain: &Radix2EvaluationDomain<Fr>,
    [mut a, mut b, mut c]: [Vec<Fr>; 3],
    reduction: QapReduction,
) -> Result<Vec<Fr>, ProverError> {
    let no_coset = || ProverError::Proving("the domain has no coset for the quotient".into());
    let offset = match reduction {
        QapReduction::Libsnark => Fr::GENERATOR,
        QapReduction::Circom => odd_coset_offset(domain).map_err(|_| no_coset())?,
    };
    let coset = domain.get_coset(offset).ok_or_else(no_coset)?;
    let to_coset = |v: &mut Vec<Fr>| {
        domain.ifft_in_place(v);
        coset.fft_in_place(v);
    };
    join(
        || join(|| to_coset(&mut a), || to_coset(&mut b)),
        || to_coset(&mut c),
    );
    if reduction == QapReduction::Circom {
        cfg_iter_mut!(a)
            .zip(cfg_iter!(b))
            .zip(cfg_iter!(c))
            .for_each(|((a, b), c)| *a = *a * b - c);
        return Ok(a);
    }
    // Z(x) = x^n − 1 is the same constant g^n − 1 at every point of the coset g·H.
    let z_inv = domain
        .evaluate_vanishing_polynomial(Fr::GENERATOR)
        .inverse()
        .ok_or_else(no_coset)?;
    cfg_iter_mut!(a)
        .zip(cfg_iter!(b))
        .zip(cfg_iter!(c))
        .for_each(|((a, b), c)| *a = (*a * b - c) * z_inv);
    drop((b, c));
    coset.ifft_in_place(&mut a);
    Ok(a)
}

/// Field elements to the big-integer form MSMs take.
pub fn to_bigints(v: &[Fr]) -> Vec<BigInteger256> {
    cfg_iter!(v).map(|x| x.into_bigint()).collect()
}

/// The five MSMs of a proof, each `Σ scalarᵢ · baseᵢ` with the key's query bases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Msms {
    /// `Σ zᵢ·Aᵢ` (G1), over every variable including the constant.
    pub a: G1Projective,
    /// `Σ zᵢ·Bᵢ` (G1).
    pub b_g1: G1Projective,
    /// `Σ zᵢ·Bᵢ` (G2).
    pub b_g2: G2Projective,
    /// `Σ wᵢ·Lᵢ` over the witness variables.
    pub l: G1Projective,
    /// `Σ hᵢ·Hᵢ`.
    pub h: G1Projective,
}

/// Checks that the key's query vectors fit the matrices and the reduction, so no MSM silently
/// truncates.
pub fn check_key(
    pk: &ProvingKey<Bn254>,
    m: &ConstraintMatrices,
    reduction: QapReduction,
) -> Result<(), ProverError> {
    let nvars = m.num_instance_variables + m.num_witness_variables;
    let domain = domain(m)?;
    let h_needed = reduction.h_query_len(domain.size());
    for (query, key, matrices, fits) in [
        (
            "a_query",
            pk.a_query.len(),
            nvars,
            pk.a_query.len() == nvars,
        ),
        (
            "b_g1_query",
            pk.b_g1_query.len(),
            nvars,
            pk.b_g1_query.len() == nvars,
        ),
        (
            "b_g2_query",
            pk.b_g2_query.len(),
            nvars,
            pk.b_g2_query.len() == nvars,
        ),
        (
            "l_query",
            pk.l_query.len(),
            m.num_witness_variables,
            pk.l_query.len() == m.num_witness_variables,
        ),
        (
            "h_query",
            pk.h_query.len(),
            h_needed,
            pk.h_query.len() == h_needed,
        ),
    ] {
        if !fits {
            return Err(ProverError::MatricesDoNotFitKey {
                query,
                key,
                matrices,
            });
        }
    }
    Ok(())
}

/// Assembles the proof from the MSMs and the randomness `r`, `s`:
/// `A = α + Σzᵢ·Aᵢ + r·δ`, `B = β + Σzᵢ·Bᵢ + s·δ`, `C = Σwᵢ·Lᵢ + Σhᵢ·Hᵢ + s·A + r·B₁ − r·s·δ`.
pub fn assemble(pk: &ProvingKey<Bn254>, msms: &Msms, r: Fr, s: Fr) -> Proof<Bn254> {
    let delta_g1 = pk.delta_g1.into_group();
    let g_a = msms.a + pk.vk.alpha_g1 + delta_g1 * r;
    let g1_b = msms.b_g1 + pk.beta_g1 + delta_g1 * s;
    let g2_b = msms.b_g2 + pk.vk.beta_g2 + pk.vk.delta_g2 * s;
    let g_c = msms.l + msms.h + g_a * s + g1_b * r - delta_g1 * (r * s);
    let [a, c] = {
        let v = G1Projective::normalize_batch(&[g_a, g_c]);
        [
            v.first().copied().unwrap_or_else(G1Affine::zero),
            v.get(1).copied().unwrap_or_else(G1Affine::zero),
        ]
    };
    Proof {
        a,
        b: g2_b.into_affine(),
        c,
    }
}

/// A proof from the full assignment `z` (constant `1`, instance, witness) and the randomness,
/// for a key made for `reduction`.
///
/// The witness map and the G1 MSMs over `z` run while the G2 MSM, which needs only `z`, runs
/// beside them.
pub fn create_proof(
    pk: &ProvingKey<Bn254>,
    m: &ConstraintMatrices,
    z: &[Fr],
    r: Fr,
    s: Fr,
    reduction: QapReduction,
) -> Result<Proof<Bn254>, ProverError> {
    check_key(pk, m, reduction)?;
    if z.len() != m.num_instance_variables + m.num_witness_variables {
        return Err(ProverError::Proving(format!(
            "the witness has {} variables, the constraint matrices {}",
            z.len(),
            m.num_instance_variables + m.num_witness_variables
        )));
    }
    let domain = domain(m)?;
    let z_big = to_bigints(z);
    let witness = z_big.get(m.num_instance_variables..).unwrap_or(&[]);
    let (b_g2, rest) = join(
        || msm::msm_glv::<g2::Config>(&pk.b_g2_query, &z_big),
        || -> Result<_, ProverError> {
            let ((a, b_g1), h) = join(
                || {
                    join(
                        || msm::msm_glv::<g1::Config>(&pk.a_query, &z_big),
                        || msm::msm_glv::<g1::Config>(&pk.b_g1_query, &z_big),
                    )
                },
                || -> Result<_, ProverError> {
                    let h = quotient(&domain, witness_evaluations(m, z, &domain)?, reduction)?;
                    Ok(msm::msm_glv::<g1::Config>(&pk.h_query, &to_bigints(&h)))
                },
            );
            let l = msm::msm_glv::<g1::Config>(&pk.l_query, witness);
            Ok((a, b_g1, l, h?))
        },
    );
    let (a, b_g1, l, h) = rest?;
    let msms = Msms {
        a,
        b_g1,
        b_g2,
        l,
        h,
    };
    Ok(assemble(pk, &msms, r, s))
}
