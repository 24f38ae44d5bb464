//! Fixed-base scalar multiplication for the verifying key's input points.
//!
//! Every verification computes `γ₀ + Σ xᵢ·γᵢ` over the same points `γᵢ`. A table of each
//! point's multiples `d·2^{w·c}·γᵢ` (`d < 2^c`, one row per `c`-bit window `w`) turns each
//! scalar multiplication into one mixed addition per non-zero window: about 64 additions for a
//! full 254-bit input and a handful for a date, instead of 254 doublings and ~127 additions.

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, One, PrimeField};

/// Bits per window. With 4, a table holds 64 rows of 15 points (61 KiB per base).
const WINDOW: usize = 4;
const WINDOWS: usize = (Fr::MODULUS_BIT_SIZE as usize).div_ceil(WINDOW);
const ROW: usize = (1 << WINDOW) - 1;

/// The multiples of one base: `table[w·ROW + d − 1] = d·2^{w·WINDOW}·base`.
#[derive(Clone)]
struct Table(Vec<G1Affine>);

impl Table {
    fn projective(base: G1Affine) -> Vec<G1Projective> {
        let mut out = Vec::with_capacity(WINDOWS * ROW);
        let mut row_base = base.into_group();
        for _ in 0..WINDOWS {
            let mut multiple = row_base;
            for _ in 0..ROW {
                out.push(multiple);
                multiple += row_base;
            }
            // `multiple` is now 2^WINDOW·row_base: the next row's base.
            row_base = multiple;
        }
        out
    }

    /// `scalar·base`.
    fn mul(&self, scalar: &Fr, acc: &mut G1Projective) {
        let bits = scalar.into_bigint();
        for (w, row) in self.0.chunks_exact(ROW).enumerate() {
            let mut digit = 0usize;
            for i in 0..WINDOW {
                if bits.get_bit(w * WINDOW + i) {
                    digit |= 1 << i;
                }
            }
            if let Some(point) = digit.checked_sub(1).and_then(|d| row.get(d)) {
                *acc += point;
            }
        }
    }
}

/// Tables for the key's input points `γ₁…γₙ`, and the constant point `γ₀`.
#[derive(Clone)]
pub(crate) struct InputTables {
    constant: G1Affine,
    tables: Vec<Table>,
}

impl InputTables {
    /// Builds the tables (a few milliseconds; done once per key).
    pub(crate) fn new(gamma_abc_g1: &[G1Affine]) -> Self {
        let (constant, bases) = match gamma_abc_g1.split_first() {
            Some((c, rest)) => (*c, rest),
            None => (G1Affine::zero(), &[][..]),
        };
        let all: Vec<G1Projective> = bases.iter().flat_map(|b| Table::projective(*b)).collect();
        let affine = G1Projective::normalize_batch(&all);
        let tables = affine
            .chunks_exact(WINDOWS * ROW)
            .map(|t| Table(t.to_vec()))
            .collect();
        InputTables { constant, tables }
    }

    /// Number of input points.
    pub(crate) fn len(&self) -> usize {
        self.tables.len()
    }

    /// `γ₀·c + Σ xᵢ·γᵢ`; `inputs` has one scalar per table (checked by the caller).
    pub(crate) fn combine(&self, constant: &Fr, inputs: &[Fr]) -> G1Projective {
        let mut acc = if constant.is_one() {
            self.constant.into_group()
        } else {
            self.constant * constant
        };
        for (table, x) in self.tables.iter().zip(inputs) {
            table.mul(x, &mut acc);
        }
        acc
    }
}

#[cfg(test)]
mod tests {
    use ark_ec::PrimeGroup;
    use ark_ff::{UniformRand, Zero};
    use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};

    use super::*;

    #[test]
    fn tables_agree_with_plain_scalar_multiplication() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let points: Vec<G1Affine> = (0..4)
            .map(|_| (G1Projective::generator() * Fr::rand(&mut rng)).into_affine())
            .collect();
        let tables = InputTables::new(&points);
        assert_eq!(tables.len(), 3);
        let edge = [Fr::zero(), Fr::from(1u8), -Fr::from(1u8), Fr::from(15u8)];
        for x in edge.into_iter().chain((0..6).map(|_| Fr::rand(&mut rng))) {
            let inputs = [x, Fr::from(46_000u32), -x];
            let expected = points[0] * Fr::from(7u8)
                + points[1] * inputs[0]
                + points[2] * inputs[1]
                + points[3] * inputs[2];
            assert_eq!(tables.combine(&Fr::from(7u8), &inputs), expected);
            let expected_one = expected - points[0] * Fr::from(6u8);
            assert_eq!(tables.combine(&Fr::from(1u8), &inputs), expected_one);
        }
    }
}
