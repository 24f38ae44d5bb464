//! Multi-scalar multiplication for short Weierstrass curves (BN254's G1 and G2): signed-digit
//! windows whose buckets are accumulated in affine coordinates, in batches that share one field
//! inversion, and the GLV endomorphism where the curve has one.
//!
//! `Σ kᵢ·Pᵢ` by Pippenger's method, as ark-ec computes it, with three changes:
//!
//! - **Batch-affine buckets.** A bucket holds an affine point. Adding a base to it is the affine
//!   formula `λ = (y₂ − y₁)/(x₂ − x₁)`, and the additions of a batch, each to a different bucket,
//!   share one inversion (Montgomery's trick): about 5 multiplications and a squaring per
//!   addition where ark-ec's extended-Jacobian bucket takes 8 and 2. A base whose bucket is
//!   already in the batch goes to that bucket's extended-Jacobian overflow instead (ark-ec's
//!   `Bucket`), so no addition waits and none is lost.
//! - **Signed digits**: digits in `[−2^(c−1), 2^(c−1)]`, half the buckets for the same window.
//! - **GLV** ([`GLVConfig`], BN254's G1): `k·P = k₁·P + k₂·φ(P)` with `φ(x, y) = (β·x, y)` and
//!   `k₁`, `k₂` of about 128 bits, which halves the windows and so the bucket sums. Only scalars
//!   longer than 128 bits are split; shorter ones already have that few windows.
//!
//! The window size is chosen from the number of non-zero scalars and their longest bit length
//! by counting additions. Windows run in parallel with the `parallel` feature. Zero scalars and
//! identity bases cost nothing; equal or opposite bases, zero results and doublings inside a
//! bucket are handled (tested against ark-ec's MSM, including those cases).

use ark_ec::{
    scalar_mul::glv::GLVConfig,
    short_weierstrass::{Affine, Bucket, Projective, SWCurveConfig},
    AdditiveGroup, AffineRepr,
};
use ark_ff::{BigInteger, Field, One, PrimeField, Zero};
use ark_std::{cfg_into_iter, cfg_iter};
#[cfg(feature = "parallel")]
use rayon::prelude::*;

/// Scalars of `P`'s group in big-integer form.
type ScalarBigInt<P> = <<P as ark_ec::CurveConfig>::ScalarField as PrimeField>::BigInt;

/// A base and its scalar.
type Term<P> = (Affine<P>, ScalarBigInt<P>);

/// A scalar's sign (`true`: non-negative) and magnitude.
type Signed<P> = (bool, ScalarBigInt<P>);

/// Additions to distinct buckets that share one inversion, at most.
const MAX_BATCH: usize = 512;

/// `Σ scalarsᵢ·basesᵢ` over the common length, without an endomorphism.
pub fn msm<P: SWCurveConfig>(bases: &[Affine<P>], scalars: &[ScalarBigInt<P>]) -> Projective<P> {
    let terms = bases
        .iter()
        .zip(scalars)
        .filter(|(b, s)| !s.is_zero() && !b.is_zero())
        .map(|(b, s)| (*b, s.as_ref()))
        .collect::<Vec<_>>();
    pippenger(&terms)
}

/// `Σ scalarsᵢ·basesᵢ` over the common length, splitting each scalar longer than half the
/// field's bits by the GLV endomorphism.
pub fn msm_glv<P: GLVConfig>(bases: &[Affine<P>], scalars: &[ScalarBigInt<P>]) -> Projective<P> {
    let half = (P::ScalarField::MODULUS_BIT_SIZE as usize).div_ceil(2);
    let Some(glv) = Decomposition::<P>::new() else {
        return msm(bases, scalars);
    };
    let nonzero = bases
        .iter()
        .zip(scalars)
        .filter(|(b, s)| !s.is_zero() && !b.is_zero())
        .collect::<Vec<_>>();
    let parts: Vec<[Option<Term<P>>; 2]> = cfg_iter!(nonzero)
        .map(|&(base, scalar)| {
            if scalar.num_bits() as usize <= half {
                return [Some((*base, *scalar)), None];
            }
            let ((pos1, k1), (pos2, k2)) = glv.split(scalar);
            let p1 = if pos1 { *base } else { -*base };
            let phi = P::endomorphism_affine(base);
            let p2 = if pos2 { phi } else { -phi };
            [
                (!k1.is_zero()).then_some((p1, k1)),
                (!k2.is_zero()).then_some((p2, k2)),
            ]
        })
        .collect();
    let terms = parts
        .iter()
        .flatten()
        .flatten()
        .map(|(b, s)| (*b, s.as_ref()))
        .collect::<Vec<_>>();
    pippenger(&terms)
}

/// The GLV split `k = k₁ + λ·k₂` by Babai rounding against the curve's reduced lattice basis
/// `(n₁₁, n₁₂), (n₂₁, n₂₂)` (ark-ec's [`GLVConfig::SCALAR_DECOMP_COEFFS`]), with the divisions by
/// `r` replaced by multiplications by `⌊|n|·2^w / r⌋` and a shift by `w`, the big integers' width (ark-ec's own
/// `scalar_decomposition` divides big integers on the heap, about 1.8 µs a scalar).
///
/// `k₁` and `k₂` are computed in the scalar field, so `k₁ + λ·k₂ = k` holds whatever the
/// rounding; the rounding only decides their size (about 128 bits), and the MSM sizes its
/// windows from the actual lengths.
struct Decomposition<P: GLVConfig> {
    /// `⌊|n₂₂|·2^w / r⌋`, `⌊|n₁₂|·2^w / r⌋`.
    g: [ScalarBigInt<P>; 2],
    /// The signs of `β₁ = k·n₂₂/r` and `β₂ = −k·n₁₂/r`.
    beta_positive: [bool; 2],
    /// `n₁₁, n₁₂, n₂₁, n₂₂` in the scalar field.
    n: [P::ScalarField; 4],
}

impl<P: GLVConfig> Decomposition<P> {
    fn new() -> Option<Self> {
        let r: num_bigint::BigUint = P::ScalarField::MODULUS.into();
        // `mul_high` keeps the bits above the big integer's width.
        let width = 64 * ScalarBigInt::<P>::NUM_LIMBS;
        let coeffs = P::SCALAR_DECOMP_COEFFS;
        let signed = |(positive, m): (bool, ScalarBigInt<P>)| {
            let v = P::ScalarField::from_bigint(m)?;
            Some(if positive { v } else { -v })
        };
        let g = |m: ScalarBigInt<P>| {
            let m: num_bigint::BigUint = m.into();
            let q = (m << width) / &r;
            ScalarBigInt::<P>::try_from(q).ok()
        };
        let [c11, c12, c21, c22] = coeffs;
        Some(Decomposition {
            g: [g(c22.1)?, g(c12.1)?],
            beta_positive: [c22.0, !c12.0],
            n: [signed(c11)?, signed(c12)?, signed(c21)?, signed(c22)?],
        })
    }

    /// `((k₁ ≥ 0, |k₁|), (k₂ ≥ 0, |k₂|))` with `k = k₁ + λ·k₂`.
    #[allow(clippy::type_complexity)]
    fn split(&self, k: &ScalarBigInt<P>) -> ((bool, ScalarBigInt<P>), (bool, ScalarBigInt<P>)) {
        let beta = |i: usize| {
            let q = k.mul_high(&self.g[i]);
            let b = P::ScalarField::from_bigint(q).unwrap_or_default();
            if self.beta_positive[i] {
                b
            } else {
                -b
            }
        };
        let (b1, b2) = (beta(0), beta(1));
        let [n11, n12, n21, n22] = self.n;
        let kf = P::ScalarField::from_bigint(*k).unwrap_or_default();
        let k1 = kf - b1 * n11 - b2 * n21;
        let k2 = -(b1 * n12 + b2 * n22);
        (signed_abs::<P>(k1), signed_abs::<P>(k2))
    }
}

/// A field element as a sign and the magnitude of its representative in `(−r/2, r/2]`.
fn signed_abs<P: GLVConfig>(v: P::ScalarField) -> Signed<P> {
    let b = v.into_bigint();
    if b > P::ScalarField::MODULUS_MINUS_ONE_DIV_TWO {
        (false, (-v).into_bigint())
    } else {
        (true, b)
    }
}

/// The window size that minimizes the additions for `n` terms of at most `bits` bits: per
/// window, one addition per term and two per bucket.
fn window_size(n: usize, bits: usize) -> usize {
    (2..=16)
        .min_by_key(|&c| {
            let windows = (bits + 1).div_ceil(c);
            // A bucket sum's additions are about twice the cost of a batch-affine one.
            windows * (n + 4 * (1usize << (c - 1)))
        })
        .unwrap_or(8)
}

/// The signed base-`2^c` digits of a little-endian scalar, `windows` of them, each in
/// `[−2^(c−1), 2^(c−1)]`; their sum `Σ dⱼ·2^(cj)` is the scalar.
fn signed_digits(limbs: &[u64], c: usize, windows: usize, out: &mut [i32]) {
    let mask = (1u64 << c) - 1;
    let half = 1i64 << (c - 1);
    let mut carry = 0i64;
    for (w, digit) in out.iter_mut().enumerate().take(windows) {
        let bit = w * c;
        let (limb, shift) = (bit / 64, bit % 64);
        let low = limbs.get(limb).map_or(0, |l| l >> shift);
        let high = if shift + c > 64 && shift > 0 {
            limbs.get(limb + 1).map_or(0, |h| h << (64 - shift))
        } else {
            0
        };
        let mut d = ((low | high) & mask) as i64 + carry;
        carry = 0;
        if d > half {
            d -= 1 << c;
            carry = 1;
        }
        *digit = d as i32;
    }
}

/// Pippenger over non-zero scalars and non-identity bases.
fn pippenger<P: SWCurveConfig>(terms: &[(Affine<P>, &[u64])]) -> Projective<P> {
    let bits = terms
        .iter()
        .map(|(_, s)| {
            let top = s.iter().rposition(|l| *l != 0).unwrap_or(0);
            64 * top + (64 - s.get(top).map_or(64, |l| l.leading_zeros() as usize))
        })
        .max()
        .unwrap_or(0);
    if bits == 0 {
        return Projective::zero();
    }
    let c = window_size(terms.len(), bits);
    // One more window than the bits need takes the last digit's carry.
    let windows = (bits + 1).div_ceil(c);
    let mut digits = vec![0i32; windows * terms.len()];
    #[cfg(feature = "parallel")]
    let chunks = digits.par_chunks_mut(windows);
    #[cfg(not(feature = "parallel"))]
    let chunks = digits.chunks_mut(windows);
    chunks
        .zip(terms)
        .for_each(|(out, (_, s))| signed_digits(s, c, windows, out));
    let sums: Vec<Projective<P>> = cfg_into_iter!(0..windows)
        .map(|w| window_sum(terms, &digits, windows, w, c))
        .collect();
    sums.iter().rev().fold(Projective::zero(), |mut acc, s| {
        for _ in 0..c {
            acc.double_in_place();
        }
        acc + s
    })
}

/// One window: `Σ dᵢ·Pᵢ` for the window's digits `dᵢ`.
fn window_sum<P: SWCurveConfig>(
    terms: &[(Affine<P>, &[u64])],
    digits: &[i32],
    windows: usize,
    w: usize,
    c: usize,
) -> Projective<P> {
    let n_buckets = 1usize << (c - 1);
    let mut buckets = Buckets::<P>::new(n_buckets);
    for (i, (base, _)) in terms.iter().enumerate() {
        let d = digits.get(i * windows + w).copied().unwrap_or(0);
        if d == 0 {
            continue;
        }
        let point = if d > 0 { *base } else { -*base };
        buckets.add(d.unsigned_abs() as usize - 1, point);
    }
    buckets.flush();
    buckets.weighted_sum()
}

/// A window's buckets: an affine point each, an extended-Jacobian overflow each, and the pending
/// batch of additions.
struct Buckets<P: SWCurveConfig> {
    affine: Vec<Affine<P>>,
    overflow: Vec<Bucket<P>>,
    in_batch: Vec<bool>,
    batch: Vec<(usize, Affine<P>)>,
    max_batch: usize,
    scratch: Vec<P::BaseField>,
}

impl<P: SWCurveConfig> Buckets<P> {
    fn new(n: usize) -> Self {
        Buckets {
            affine: vec![Affine::identity(); n],
            overflow: vec![Bucket::ZERO; n],
            in_batch: vec![false; n],
            batch: Vec::new(),
            // Small enough that few additions find their bucket taken, large enough that the
            // inversion is shared widely.
            max_batch: (n / 4).clamp(16, MAX_BATCH),
            scratch: Vec::new(),
        }
    }

    /// Adds `point` to bucket `b`.
    fn add(&mut self, b: usize, point: Affine<P>) {
        let (Some(bucket), Some(taken)) = (self.affine.get_mut(b), self.in_batch.get_mut(b)) else {
            return;
        };
        if *taken {
            if let Some(o) = self.overflow.get_mut(b) {
                *o += &point;
            }
        } else if bucket.is_zero() {
            *bucket = point;
        } else {
            *taken = true;
            self.batch.push((b, point));
            if self.batch.len() >= self.max_batch {
                self.flush();
            }
        }
    }

    /// Applies the pending additions with one inversion.
    fn flush(&mut self) {
        // Denominators: x₂ − x₁, or 2y for a doubling, or 1 where the sum is the identity.
        self.scratch.clear();
        let mut acc = P::BaseField::one();
        for (b, p) in &self.batch {
            let q = self.affine.get(*b).copied().unwrap_or_default();
            let den = if q.x != p.x {
                p.x - q.x
            } else if q.y == p.y && !q.y.is_zero() {
                q.y.double()
            } else {
                P::BaseField::one()
            };
            self.scratch.push(acc);
            acc *= den;
        }
        let mut inv = acc.inverse().unwrap_or_default();
        for ((b, p), prefix) in self.batch.iter().zip(&self.scratch).rev() {
            let (Some(q), Some(taken)) = (self.affine.get_mut(*b), self.in_batch.get_mut(*b))
            else {
                continue;
            };
            *taken = false;
            let (num, den) = if q.x != p.x {
                (p.y - q.y, p.x - q.x)
            } else if q.y == p.y && !q.y.is_zero() {
                let xx = q.x.square();
                (xx.double() + xx + P::COEFF_A, q.y.double())
            } else {
                // P + (−P), or a doubling of a 2-torsion point: the identity.
                *q = Affine::identity();
                continue;
            };
            let lambda = num * inv * prefix;
            inv *= den;
            let x3 = lambda.square() - q.x - p.x;
            let y3 = lambda * (q.x - x3) - q.y;
            *q = Affine::new_unchecked(x3, y3);
        }
        self.batch.clear();
    }

    /// `Σ (b + 1)·bucket_b`, by running sums from the top bucket down.
    fn weighted_sum(&self) -> Projective<P> {
        let mut running = Bucket::<P>::ZERO;
        let mut sum = Bucket::<P>::ZERO;
        for (a, o) in self.affine.iter().zip(&self.overflow).rev() {
            running += a;
            running += o;
            sum += &running;
        }
        sum.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_digits_recompose_the_scalar() {
        for c in 2..=16 {
            for limbs in [
                [u64::MAX, u64::MAX, u64::MAX, u64::MAX >> 2],
                [0x8000_0000_0000_0000, 1, 0, 0],
                [12345, 0, 0, 0],
            ] {
                let bits = 256 - limbs[3].leading_zeros() as usize;
                let bits = if limbs[3] == 0 { 130 } else { bits };
                let windows = (bits + 1).div_ceil(c);
                let mut d = vec![0i32; windows];
                signed_digits(&limbs, c, windows, &mut d);
                let half = 1i64 << (c - 1);
                assert!(d.iter().all(|x| (-half..=half).contains(&(*x as i64))));
                let mut acc = num_bigint::BigInt::from(0);
                for (j, x) in d.iter().enumerate() {
                    acc += num_bigint::BigInt::from(*x) << (c * j);
                }
                let mut want = num_bigint::BigInt::from(0);
                for (j, l) in limbs.iter().enumerate() {
                    want += num_bigint::BigInt::from(*l) << (64 * j);
                }
                assert_eq!(acc, want, "c = {c}");
            }
        }
    }
}
