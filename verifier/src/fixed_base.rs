//! Fixed-base scalar multiplication for the verifying key's input points.
//!
//! Every verification computes `γ₀ + Σ xᵢ·γᵢ` over the same points `γᵢ`. A table of each
//! point's multiples `d·2^{w·c}·γᵢ` (`d < 2^c`, one row per `c`-bit window `w`) turns each
//! scalar multiplication into one mixed addition per non-zero window: 43 additions for a full
//! 254-bit input and 3 to 5 for a date, instead of 254 doublings and ~127 additions.

use std::sync::Arc;

use ark_bn254::{Fq, Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{AdditiveGroup, BigInteger, Field, One, PrimeField, Zero};

/// Bits per window. With 6, a table holds 43 rows of 63 points (about 190 KiB per base, built
/// in a few milliseconds once per key and shared between clones of the key). Windows of 8 bits
/// save a quarter of the additions but take three times the memory, and their lookups miss the
/// cache: they measured no faster.
const WINDOW: usize = 6;
const WINDOWS: usize = (Fr::MODULUS_BIT_SIZE as usize).div_ceil(WINDOW);
const ROW: usize = (1 << WINDOW) - 1;

/// The multiples of one base: `table[w·ROW + d − 1] = d·2^{w·WINDOW}·base`.
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

    /// Pushes the points whose sum is `scalar·base`: one per non-zero window.
    fn terms(&self, scalar: &Fr, out: &mut Vec<G1Affine>) {
        let bits = scalar.into_bigint();
        for (w, row) in self.0.chunks_exact(ROW).enumerate() {
            let mut digit = 0usize;
            for i in 0..WINDOW {
                if bits.get_bit(w * WINDOW + i) {
                    digit |= 1 << i;
                }
            }
            if let Some(point) = digit.checked_sub(1).and_then(|d| row.get(d)) {
                out.push(*point);
            }
        }
    }
}

/// Below this many points, a level's inversion costs more than the mixed additions it saves.
const AFFINE_LEVEL_MIN: usize = 64;

/// The sum of `points`: a tree of affine additions while a level has at least
/// [`AFFINE_LEVEL_MIN`] points, then mixed additions.
fn sum(points: Vec<G1Affine>) -> G1Projective {
    sum_with(points, AFFINE_LEVEL_MIN)
}

/// The sum of `points`, by a tree of affine additions while a level has at least `affine_min`
/// points: each level adds its points in pairs with one field inversion shared by all pairs
/// (about 6 multiplications per addition instead of the 11 of a mixed Jacobian addition); the
/// rest are added to a Jacobian accumulator. Every case of the group law is handled: the point
/// at infinity, `P + P` (tangent) and `P + (−P)` (infinity).
fn sum_with(mut points: Vec<G1Affine>, affine_min: usize) -> G1Projective {
    points.retain(|p| !p.is_zero());
    let mut denominators = Vec::with_capacity(points.len() / 2);
    while points.len() >= affine_min.max(2) {
        // The slope's denominator of each pair: x₂ − x₁, or 2y₁ for a doubling (y₁ ≠ 0 in a
        // group of odd order), or 1 as a placeholder when the pair cancels.
        denominators.clear();
        denominators.extend(points.chunks_exact(2).map(|pair| {
            let (p, q) = (&pair[0], &pair[1]);
            if p.x != q.x {
                q.x - p.x
            } else if p.y == q.y {
                p.y.double()
            } else {
                Fq::one()
            }
        }));
        ark_ff::batch_inversion(&mut denominators);
        let mut next = Vec::with_capacity(points.len() / 2 + 1);
        for (pair, inverse) in points.chunks_exact(2).zip(&denominators) {
            let (p, q) = (&pair[0], &pair[1]);
            let slope = if p.x != q.x {
                (q.y - p.y) * inverse
            } else if p.y == q.y {
                let x2 = p.x.square();
                (x2.double() + x2) * inverse
            } else {
                continue;
            };
            let x = slope.square() - p.x - q.x;
            let y = slope * (p.x - x) - p.y;
            next.push(G1Affine::new_unchecked(x, y));
        }
        next.extend(points.chunks_exact(2).remainder().first());
        points = next;
    }
    points.iter().fold(G1Projective::zero(), |acc, p| acc + p)
}

/// Tables for the key's input points `γ₁…γₙ`, and the constant point `γ₀`.
#[derive(Clone)]
pub(crate) struct InputTables {
    constant: G1Affine,
    tables: Arc<[Table]>,
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
        let mut terms = Vec::with_capacity(1 + inputs.len() * WINDOWS);
        if constant.is_one() {
            terms.push(self.constant);
        }
        for (table, x) in self.tables.iter().zip(inputs) {
            table.terms(x, &mut terms);
        }
        let total = sum(terms);
        if constant.is_one() {
            total
        } else {
            total + self.constant * constant
        }
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

    /// Every case of the affine tree: tangents (`P + P`), cancellations (`P + (−P)`), the point
    /// at infinity, odd lengths, and sums that cancel at a later level.
    #[test]
    fn affine_sum_handles_every_case_of_the_group_law() {
        let mut rng = ChaCha20Rng::seed_from_u64(6);
        let mut point = || (G1Projective::generator() * Fr::rand(&mut rng)).into_affine();
        let (p, q, r) = (point(), point(), point());
        let pq = (p + q).into_affine();
        let cases: Vec<Vec<G1Affine>> = vec![
            vec![],
            vec![p],
            vec![p, p],
            vec![p, -p],
            vec![p, -p, q],
            vec![q, p, p, q, q],
            vec![G1Affine::zero(), p, G1Affine::zero()],
            // p + q, then (p + q) + (−(p + q)) at the second level.
            vec![p, q, -pq, G1Affine::zero(), r],
            vec![p, q, -p, -q],
            vec![p, p, -p, -p, -p],
            (0..37).map(|_| point()).collect(),
        ];
        for points in cases {
            let expected: G1Projective = points.iter().map(|p| p.into_group()).sum();
            for affine_min in [2, 3, 4, AFFINE_LEVEL_MIN] {
                assert_eq!(
                    sum_with(points.clone(), affine_min),
                    expected,
                    "{} points, affine from {affine_min}",
                    points.len()
                );
            }
        }
    }

    /// Equal and opposite bases with equal inputs make the tree meet tangents and
    /// cancellations inside `combine`.
    #[test]
    fn tables_agree_for_equal_and_opposite_bases() {
        let g = G1Affine::generator();
        let tables = InputTables::new(&[g, g, g, -g]);
        let x = Fr::from(0x0123_4567_89ab_cdefu64) * Fr::from(u64::MAX);
        for inputs in [
            [x, x, x],
            [x, x, -x],
            [x, Fr::zero(), x],
            [x, -x, Fr::one()],
        ] {
            let expected = g * (Fr::one() + inputs[0] + inputs[1] - inputs[2]);
            assert_eq!(tables.combine(&Fr::one(), &inputs), expected);
            assert_eq!(
                tables.combine(&Fr::from(3u8), &inputs),
                expected + g * Fr::from(2u8)
            );
        }
    }
}
