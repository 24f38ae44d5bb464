//! The two R1CS-to-QAP reductions a Groth16 key over our circuits can be made for.
//!
//! Both put the constraints on the evaluation domain `H` of size `n` (a power of two) with one
//! extra row per instance variable in `A`, and differ in how the prover hands the quotient to the
//! key's H query:
//!
//! - [`QapReduction::Libsnark`] (ark-groth16's `LibsnarkReduction`, our development setup): the
//!   coefficients of `h = (A·B − C) / Z`, computed on the coset `g·H` by the field's generator;
//!   the key holds `τⁱ·Z(τ)/δ` for `i < n − 1`.
//! - [`QapReduction::Circom`] (snarkjs and rapidsnark): the values of `A·B − C` on the odd coset
//!   `ω·H`, `ω` a primitive `2n`-th root of unity, with no division (`Z` is the constant `−2`
//!   there, which the key absorbs); the key holds the matching `n` Lagrange-basis points
//!   ([`CircomReduction::h_query_scalars`]). A proof for a snarkjs key must use this one: the
//!   other gives a proof that does not verify.
//!
//! Our cached-matrix prover ([`crate::groth16`]) does both with the same work: three inverse
//! FFTs and three coset FFTs, then one inverse coset FFT for libsnark's coefficients only.

use std::fmt;

use ark_ff::PrimeField;
use ark_groth16::r1cs_to_qap::{evaluate_constraint, LibsnarkReduction, R1CSToQAP};
use ark_poly::EvaluationDomain;
use ark_relations::gr1cs::{ConstraintSystemRef, Matrix, SynthesisError};
use ark_std::{cfg_into_iter, cfg_iter, cfg_iter_mut};
#[cfg(feature = "parallel")]
use rayon::prelude::*;

/// Which reduction a proving key's H query is made for (recorded in the proving artifact).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QapReduction {
    /// ark-groth16's libsnark reduction: our development setup's keys.
    Libsnark,
    /// snarkjs's (and rapidsnark's): keys from a snarkjs ceremony.
    Circom,
}

impl QapReduction {
    /// Its byte in an artifact file.
    pub fn to_byte(self) -> u8 {
        match self {
            QapReduction::Libsnark => 0,
            QapReduction::Circom => 1,
        }
    }

    /// The reduction of an artifact byte.
    pub fn from_byte(b: u8) -> Option<Self> {
        match b {
            0 => Some(QapReduction::Libsnark),
            1 => Some(QapReduction::Circom),
            _ => None,
        }
    }

    /// Points in the key's H query for an evaluation domain of `n` points.
    pub fn h_query_len(self, n: usize) -> usize {
        match self {
            QapReduction::Libsnark => n.saturating_sub(1),
            QapReduction::Circom => n,
        }
    }
}

impl fmt::Display for QapReduction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            QapReduction::Libsnark => "libsnark",
            QapReduction::Circom => "circom",
        })
    }
}

/// snarkjs's reduction as an ark-groth16 [`R1CSToQAP`]: `Groth16::<Bn254, CircomReduction>` makes
/// keys shaped as snarkjs's (tests and benches use it to compare with stock arkworks) and proofs
/// for them.
pub struct CircomReduction;

/// The primitive `2n`-th root of unity whose coset `ω·H` snarkjs evaluates on.
pub(crate) fn odd_coset_offset<F: PrimeField, D: EvaluationDomain<F>>(
    domain: &D,
) -> Result<F, SynthesisError> {
    let double = D::new(2 * domain.size()).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
    Ok(double.element(1))
}

impl R1CSToQAP for CircomReduction {
    #[allow(clippy::type_complexity)]
    fn instance_map_with_evaluation<F: PrimeField, D: EvaluationDomain<F>>(
        cs: ConstraintSystemRef<F>,
        t: &F,
    ) -> Result<(Vec<F>, Vec<F>, Vec<F>, F, usize, usize), SynthesisError> {
        LibsnarkReduction::instance_map_with_evaluation::<F, D>(cs, t)
    }

    fn witness_map_from_matrices<F: PrimeField, D: EvaluationDomain<F>>(
        matrices: &[Matrix<F>],
        num_inputs: usize,
        num_constraints: usize,
        full_assignment: &[F],
    ) -> Result<Vec<F>, SynthesisError> {
        let domain =
            D::new(num_constraints + num_inputs).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        let size = domain.size();
        let offset = odd_coset_offset(&domain)?;
        let coset = domain
            .get_coset(offset)
            .ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        let ([ma, mb, mc], Some(inputs)) = (matrices, full_assignment.get(..num_inputs)) else {
            return Err(SynthesisError::Unsatisfiable);
        };
        let eval = |m: &Matrix<F>| -> Vec<F> {
            let mut v = vec![F::zero(); size];
            cfg_iter_mut!(v)
                .zip(cfg_iter!(m[..m.len().min(num_constraints)]))
                .for_each(|(v, row)| *v = evaluate_constraint(row, full_assignment));
            v
        };
        let mut a = eval(ma);
        // The instance rows after the constraints (the domain holds them: its size is at least
        // `num_constraints + num_inputs`).
        for (slot, input) in a.iter_mut().skip(num_constraints).zip(inputs) {
            *slot = *input;
        }
        let mut b = eval(mb);
        let mut c = eval(mc);
        for v in [&mut a, &mut b, &mut c] {
            domain.ifft_in_place(v);
            coset.fft_in_place(v);
        }
        cfg_iter_mut!(a)
            .zip(b)
            .zip(c)
            .for_each(|((a, b), c)| *a = *a * b - c);
        Ok(a)
    }

    /// The H query's `n` scalars: the odd-indexed values of the inverse FFT of
    /// `τ⁰/δ … τ^{2n−2}/δ` over the `2n`-th roots of unity (`max_power` is `n − 1`), which pair
    /// with the values of `A·B − C` on the odd coset.
    fn h_query_scalars<F: PrimeField, D: EvaluationDomain<F>>(
        max_power: usize,
        t: F,
        _zt: F,
        delta_inverse: F,
    ) -> Result<Vec<F>, SynthesisError> {
        let mut scalars: Vec<F> = cfg_into_iter!(0..2 * max_power + 1)
            .map(|i| delta_inverse * t.pow([i as u64]))
            .collect();
        let double = D::new(scalars.len()).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        double.ifft_in_place(&mut scalars);
        Ok(scalars.into_iter().skip(1).step_by(2).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip() {
        for r in [QapReduction::Libsnark, QapReduction::Circom] {
            assert_eq!(QapReduction::from_byte(r.to_byte()), Some(r));
        }
        assert_eq!(QapReduction::from_byte(2), None);
        assert_eq!(QapReduction::Circom.h_query_len(8), 8);
        assert_eq!(QapReduction::Libsnark.h_query_len(8), 7);
    }

    #[test]
    fn the_odd_coset_offset_is_a_primitive_root_of_twice_the_order() {
        use ark_ff::{Field, Zero};
        use ark_poly::Radix2EvaluationDomain;
        use zkhealth_circuits::Fr;
        let domain = Radix2EvaluationDomain::<Fr>::new(8).unwrap();
        let w = odd_coset_offset(&domain).unwrap();
        assert_eq!(w.pow([8u64]), -Fr::from(1u8));
        assert_eq!(w.pow([16u64]), Fr::from(1u8));
        let _ = Field::inverse(&w).unwrap();
        assert!(!w.is_zero());
    }
}
