//! The multi-Miller loop of verification, with the key's fixed G2 points' lines normalized.
//!
//! A Miller loop multiplies its accumulator `f ∈ Fp12` by one line value per pair and step.
//! ark-ec evaluates a line of a BN254 G2 point at a G1 point `P = (x, y)` as
//! `c₀·y + c₁·x·w + c₂·v·w` and multiplies it in with `mul_by_034`, about 13 Fp2
//! multiplications. For the key's fixed points (−γ, −δ and, in a batch, β) every line is known
//! when the key is loaded, so each is divided once by its constant coefficient `c₀`, and each
//! G1 point is taken as `(x/y, 1/y)`: the line value becomes `1 + (c₁/c₀)(x/y)·w + (c₂/c₀)(1/y)·v·w`,
//! which multiplies in with 10 Fp2 multiplications. The per-proof G2 point `B` keeps ark-ec's
//! lines.
//!
//! Each normalized line value is the original one times `(c₀·y)⁻¹`, and `c₀·y` lies in Fp2.
//! The final exponentiation `(p¹² − 1)/r` is a multiple of `p⁶ − 1`, which sends every element of
//! Fp2 (indeed of Fp6) to 1, so the pairing check's outcome is exactly that of ark-ec's loop; the
//! tests compare the two after the final exponentiation.
//!
//! The final exponentiation is ark-ec's, except that its three exponentiations by the curve
//! parameter `x` use an addition chain (62 cyclotomic squarings and 17 multiplications) instead
//! of the signed binary expansion (62 and 23); its result is the same element.

use ark_bn254::{Bn254, Config, Fq, Fq12, Fq12Config, Fq2, Fq6, G1Affine, G1Projective, G2Affine};
use ark_ec::{
    bn::BnConfig,
    pairing::{MillerLoopOutput, Pairing, PairingOutput},
    AffineRepr,
};
use ark_ff::{fields::fp12_2over3over2::Fp12Config, CyclotomicMultSubgroup, Field, One, Zero};

type G2Prepared = <Bn254 as Pairing>::G2Prepared;

/// Number of lines per G2 point: one per doubling and per non-zero digit of the loop count,
/// and the two Frobenius additions.
fn line_count() -> usize {
    let digits = &<Config as BnConfig>::ATE_LOOP_COUNT;
    digits.len() - 1
        + digits[..digits.len() - 1]
            .iter()
            .filter(|d| **d != 0)
            .count()
        + 2
}

/// The Miller-loop lines of a fixed G2 point, each divided by its constant coefficient:
/// `(c₁/c₀, c₂/c₀)` (87 lines, about 11 KiB).
#[derive(Clone, Debug)]
pub struct FixedLines(Vec<(Fq2, Fq2)>);

impl FixedLines {
    /// Normalizes the lines of `q`. Returns `None` for the point at infinity, and for a point
    /// with a line whose constant coefficient is zero, which no point of the prime-order
    /// subgroup has (such a line would need a point of order 2, or `[k]Q = ±Q` for some `k`
    /// in the loop below `r`).
    pub fn new(q: G2Affine) -> Option<Self> {
        if q.is_zero() {
            return None;
        }
        let prepared = G2Prepared::from(q);
        let mut inverses: Vec<Fq2> = prepared.ell_coeffs.iter().map(|c| c.0).collect();
        if inverses.len() != line_count() || inverses.iter().any(Zero::is_zero) {
            return None;
        }
        ark_ff::batch_inversion(&mut inverses);
        Some(FixedLines(
            prepared
                .ell_coeffs
                .iter()
                .zip(inverses)
                .map(|((_, c1, c2), inv)| (*c1 * inv, *c2 * inv))
                .collect(),
        ))
    }
}

/// A G1 point as `(x/y, 1/y)`, to be paired with a [`FixedLines`].
#[derive(Clone, Copy, Debug)]
pub struct Normalized {
    x_over_y: Fq,
    y_inv: Fq,
}

impl Normalized {
    /// Normalizes Jacobian points with one field inversion for all of them; `None` for the
    /// point at infinity (whose pairs contribute 1 and are skipped).
    pub fn batch(points: &[G1Projective]) -> Vec<Option<Normalized>> {
        // Jacobian (X, Y, Z) is (X/Z², Y/Z³): x/y = X·Z/Y and 1/y = Z³/Y. A point of the
        // prime-order group other than infinity has y ≠ 0 (it would have order 2).
        let mut y_inv: Vec<Fq> = points.iter().map(|p| p.y).collect();
        ark_ff::batch_inversion(&mut y_inv);
        points
            .iter()
            .zip(y_inv)
            .map(|(p, y_inv)| {
                (!p.z.is_zero() && !y_inv.is_zero()).then(|| Normalized {
                    x_over_y: p.x * p.z * y_inv,
                    y_inv: p.z.square() * p.z * y_inv,
                })
            })
            .collect()
    }
}

/// One pair whose G2 point varies (its lines come from ark-ec's preparation).
struct VariablePair<'a> {
    p: G1Affine,
    lines: core::slice::Iter<'a, (Fq2, Fq2, Fq2)>,
}

impl VariablePair<'_> {
    fn multiply(&mut self, f: &mut Fq12) {
        if let Some((c0, c1, c2)) = self.lines.next() {
            let (mut c0, mut c1) = (*c0, *c1);
            c0.mul_assign_by_fp(&self.p.y);
            c1.mul_assign_by_fp(&self.p.x);
            f.mul_by_034(&c0, &c1, c2);
        }
    }
}

/// One pair with a fixed G2 point.
struct FixedPair<'a> {
    p: Normalized,
    lines: core::slice::Iter<'a, (Fq2, Fq2)>,
}

impl FixedPair<'_> {
    fn multiply(&mut self, f: &mut Fq12) {
        if let Some((n1, n2)) = self.lines.next() {
            let (mut c3, mut c4) = (*n1, *n2);
            c3.mul_assign_by_fp(&self.p.x_over_y);
            c4.mul_assign_by_fp(&self.p.y_inv);
            mul_by_34(f, &c3, &c4);
        }
    }
}

/// `f · (1 + (c₃ + c₄·v)·w)`: ark-ec's `mul_by_034` with `c₀ = 1`, which saves the product of
/// `f`'s first half by `c₀`.
fn mul_by_34(f: &mut Fq12, c3: &Fq2, c4: &Fq2) {
    // (a + b·w)(1 + m·w) = (a + v·b·m) + (a·m + b)·w, with w² = v and m = c₃ + c₄·v.
    let a = f.c0;
    let mut bm = f.c1;
    bm.mul_by_01(c3, c4);
    let mut e: Fq6 = f.c0 + f.c1;
    e.mul_by_01(&(Fq2::one() + c3), c4);
    f.c1 = e - a - bm;
    Fq12Config::mul_fp6_by_nonresidue_in_place(&mut bm);
    f.c0 = bm + a;
}

/// The Miller loop of `pairs` (G1 point, prepared G2 point) and `fixed` (normalized G1 point,
/// normalized lines of a fixed G2 point), up to factors in Fp2 that the final exponentiation
/// removes: after [`final_exponentiation`] (or ark-ec's) the result is the product of the
/// pairings. Pairs with a point at infinity are skipped, as ark-ec does.
pub fn multi_miller_loop<'a>(
    pairs: impl IntoIterator<Item = (G1Affine, &'a G2Prepared)>,
    fixed: impl IntoIterator<Item = (Option<Normalized>, &'a FixedLines)>,
) -> MillerLoopOutput<Bn254> {
    let mut variable: Vec<VariablePair<'a>> = pairs
        .into_iter()
        .filter(|(p, q)| !p.is_zero() && !q.is_zero())
        .map(|(p, q)| VariablePair {
            p,
            lines: q.ell_coeffs.iter(),
        })
        .collect();
    let mut fixed: Vec<FixedPair<'a>> = fixed
        .into_iter()
        .filter_map(|(p, lines)| {
            p.map(|p| FixedPair {
                p,
                lines: lines.0.iter(),
            })
        })
        .collect();
    let mut step = |f: &mut Fq12| {
        for pair in &mut variable {
            pair.multiply(f);
        }
        for pair in &mut fixed {
            pair.multiply(f);
        }
    };

    // The same schedule as ark-ec's `BnConfig::multi_miller_loop`, which made the lines.
    let digits = &<Config as BnConfig>::ATE_LOOP_COUNT;
    let mut f = Fq12::one();
    for i in (1..digits.len()).rev() {
        if i != digits.len() - 1 {
            f.square_in_place();
        }
        step(&mut f);
        if digits[i - 1] != 0 {
            step(&mut f);
        }
    }
    if <Config as BnConfig>::X_IS_NEGATIVE {
        f.cyclotomic_inverse_in_place();
    }
    step(&mut f);
    step(&mut f);
    MillerLoopOutput(f)
}

/// `f^x` for `f` in the cyclotomic subgroup and the BN254 parameter
/// `x = 4965661367192848881`, by the addition chain
///
/// ```text
/// _10 = 2·1, _100 = 2·_10, _1000 = 2·_100, _10000 = 2·_1000, _10001 = 1 + _10000,
/// _10011 = _10 + _10001, _10100 = 1 + _10011, _11001 = _1000 + _10001,
/// _100010 = 2·_10001, _100111 = _10011 + _10100, _101001 = _10 + _100111,
/// i27 = (_100010 << 6 + _100 + _11001) << 7 + _11001
/// i44 = (i27 << 8 + _101001 + _10) << 6 + _10001
/// i70 = ((i44 << 8 + _101001) << 6 + _101001) << 10
/// x   = (_100111 + i70) << 6 + _101001 + _1000
/// ```
///
/// (as used by gnark-crypto; a test checks it against ark-ff's exponentiation by `x`).
fn exp_by_x(f: &Fq12) -> Fq12 {
    let sq = |mut g: Fq12, n: usize| {
        for _ in 0..n {
            g.cyclotomic_square_in_place();
        }
        g
    };
    let x10 = sq(*f, 1);
    let x100 = sq(x10, 1);
    let x1000 = sq(x100, 1);
    let x10001 = sq(x1000, 1) * f;
    let x10011 = x10 * x10001;
    let x10100 = x10011 * f;
    let x11001 = x1000 * x10001;
    let x100010 = sq(x10001, 1);
    let x100111 = x10011 * x10100;
    let x101001 = x10 * x100111;
    let i27 = sq(sq(x100010, 6) * x100 * x11001, 7) * x11001;
    let i44 = sq(sq(i27, 8) * x101001 * x10, 6) * x10001;
    let i70 = sq(sq(sq(i44, 8) * x101001, 6) * x101001, 10);
    sq(x100111 * i70, 6) * x101001 * x1000
}

/// `f^{-x}` in the cyclotomic subgroup (the parameter is positive for BN254).
fn exp_by_neg_x(f: &Fq12) -> Fq12 {
    let mut g = exp_by_x(f);
    if !<Config as BnConfig>::X_IS_NEGATIVE {
        g.cyclotomic_inverse_in_place();
    }
    g
}

/// The final exponentiation: ark-ec's `BnConfig::final_exponentiation` step for step, with an
/// addition chain for its three exponentiations by `x`; the result is the same. `None` if `f`
/// is zero.
pub fn final_exponentiation(f: MillerLoopOutput<Bn254>) -> Option<PairingOutput<Bn254>> {
    let f = f.0;
    // Easy part: f^((p⁶ − 1)(p² + 1)).
    let mut f1 = f;
    f1.cyclotomic_inverse_in_place();
    let f2 = f.inverse()?;
    let mut r = f1 * f2;
    let f2 = r;
    r.frobenius_map_in_place(2);
    r *= f2;

    // Hard part (Fuentes-Castañeda et al., "Faster hashing to G2"): r^(2x(6x² + 3x + 1)·(p⁴ − p² + 1)/r).
    let y0 = exp_by_neg_x(&r);
    let y1 = y0.cyclotomic_square();
    let y2 = y1.cyclotomic_square();
    let mut y3 = y2 * y1;
    let y4 = exp_by_neg_x(&y3);
    let y5 = y4.cyclotomic_square();
    let mut y6 = exp_by_neg_x(&y5);
    y3.cyclotomic_inverse_in_place();
    y6.cyclotomic_inverse_in_place();
    let y7 = y6 * y4;
    let mut y8 = y7 * y3;
    let y9 = y8 * y1;
    let y10 = y8 * y4;
    let y11 = y10 * r;
    let mut y12 = y9;
    y12.frobenius_map_in_place(1);
    let y13 = y12 * y11;
    y8.frobenius_map_in_place(2);
    let y14 = y8 * y13;
    r.cyclotomic_inverse_in_place();
    let mut y15 = r * y9;
    y15.frobenius_map_in_place(3);
    Some(PairingOutput(y15 * y14))
}

#[cfg(test)]
mod tests {
    use ark_bn254::{Fr, G2Projective};
    use ark_ec::{CurveGroup, PrimeGroup};
    use ark_ff::UniformRand;
    use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};

    use super::*;

    fn g1(rng: &mut ChaCha20Rng) -> G1Projective {
        G1Projective::generator() * Fr::rand(rng)
    }

    fn g2(rng: &mut ChaCha20Rng) -> G2Affine {
        (G2Projective::generator() * Fr::rand(rng)).into_affine()
    }

    /// Our loop and ark-ec's agree after the final exponentiation, for random points, points at
    /// infinity on either side, and G1 points in Jacobian form with `Z ≠ 1`.
    #[test]
    fn agrees_with_ark_after_final_exponentiation() {
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        let (gamma, delta) = (g2(&mut rng), g2(&mut rng));
        let lines = [
            FixedLines::new(gamma).unwrap(),
            FixedLines::new(delta).unwrap(),
        ];
        for case in 0..6 {
            let (a, b) = (g1(&mut rng).into_affine(), g2(&mut rng));
            // A sum keeps Z ≠ 1.
            let mut l = g1(&mut rng) + g1(&mut rng);
            let mut c = g1(&mut rng);
            let (mut a, mut b) = (a, b);
            match case {
                1 => l = G1Projective::zero(),
                2 => c = G1Projective::zero(),
                3 => a = G1Affine::zero(),
                4 => b = G2Affine::zero(),
                _ => {}
            }
            let normalized = Normalized::batch(&[l, c]);
            let ours = multi_miller_loop(
                [(a, &G2Prepared::from(b))],
                normalized.iter().copied().zip(&lines),
            );
            let ark =
                Bn254::multi_miller_loop([a, l.into_affine(), c.into_affine()], [b, gamma, delta]);
            assert_ne!(ours.0, ark.0, "the Miller values differ by a factor");
            assert_eq!(
                Bn254::final_exponentiation(ours),
                Bn254::final_exponentiation(ark),
                "case {case}"
            );
            // Verification's split: the variable pair's loop and the fixed pairs' loop apart,
            // multiplied, is the joint loop (squarings and the conjugation distribute).
            let variable = multi_miller_loop([(a, &G2Prepared::from(b))], []);
            let fixed = multi_miller_loop([], normalized.iter().copied().zip(&lines));
            assert_eq!(variable.0 * fixed.0, ours.0, "case {case}");
        }
    }

    #[test]
    fn final_exponentiation_is_ark_ecs() {
        let mut rng = ChaCha20Rng::seed_from_u64(14);
        let x = <Config as BnConfig>::X;
        assert_eq!(x, &[4_965_661_367_192_848_881]);
        for _ in 0..3 {
            let f = MillerLoopOutput(Fq12::rand(&mut rng));
            let ours = final_exponentiation(f).unwrap();
            assert_eq!(Some(ours), Bn254::final_exponentiation(f));
            // The chain is x: on the cyclotomic element ours.0, it equals ark-ff's exponentiation.
            assert_eq!(exp_by_x(&ours.0), ours.0.cyclotomic_exp(x));
        }
        assert_eq!(final_exponentiation(MillerLoopOutput(Fq12::zero())), None);
    }

    #[test]
    fn infinity_has_no_lines_and_every_subgroup_point_has_them() {
        assert!(FixedLines::new(G2Affine::zero()).is_none());
        let mut rng = ChaCha20Rng::seed_from_u64(12);
        for _ in 0..4 {
            let lines = FixedLines::new(g2(&mut rng)).unwrap();
            assert_eq!(lines.0.len(), line_count());
        }
        // 64 doublings, 21 additions for the non-zero digits, 2 Frobenius additions.
        assert_eq!(line_count(), 87);
    }

    #[test]
    fn mul_by_34_is_a_product_by_the_sparse_element() {
        let mut rng = ChaCha20Rng::seed_from_u64(13);
        let f = Fq12::rand(&mut rng);
        let (c3, c4) = (Fq2::rand(&mut rng), Fq2::rand(&mut rng));
        let sparse = Fq12::new(Fq6::one(), Fq6::new(c3, c4, Fq2::zero()));
        let mut g = f;
        mul_by_34(&mut g, &c3, &c4);
        assert_eq!(g, f * sparse);
    }
}
