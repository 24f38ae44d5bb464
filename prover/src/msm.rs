//! Multi-scalar multiplication for short Weierstrass curves (BN254's G1 and G2): signed-digit
//! windows whose buckets are accumulated in affine coordinates, in batches that share one field
//! inversion, and the GLV endomorphism where the curve has one.
//!
//! `Σ kᵢ·Pᵢ` by Pippenger's method, as ark-ec computes it, with three changes:
//!
//! - **Batch-affine buckets.** A window's points are sorted by bucket and summed in affine
//!   coordinates, level by level: each level adds every two neighbours of one bucket with the
//!   affine formula `λ = (y₂ − y₁)/(x₂ − x₁)`, all the level's additions sharing one inversion
//!   (Montgomery's trick): about 5 multiplications and a squaring per addition where ark-ec's
//!   extended-Jacobian bucket takes 8 and 2. No addition waits for a bucket, however many
//!   points land in one (a witness's bits all do).
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
            // Short scalars have few windows already; one at or above the modulus (not a
            // canonical field element) is taken as the integer it is.
            let split = (scalar.num_bits() as usize > half)
                .then(|| glv.split(scalar))
                .flatten();
            let Some(((pos1, k1), (pos2, k2))) = split else {
                return [Some((*base, *scalar)), None];
            };
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
    /// `None` for a `k` at or above the modulus.
    fn split(&self, k: &ScalarBigInt<P>) -> Option<(Signed<P>, Signed<P>)> {
        let kf = P::ScalarField::from_bigint(*k)?;
        let beta = |i: usize| {
            // k·g / 2^w < r, since k < r and g < 2^w.
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
        let k1 = kf - b1 * n11 - b2 * n21;
        let k2 = -(b1 * n12 + b2 * n22);
        Some((signed_abs::<P>(k1), signed_abs::<P>(k2)))
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

/// The window size that minimizes the additions, from `lengths[b]`, the number of terms of `b`
/// bits: per window, one affine addition per term whose scalar reaches it, and per bucket two
/// extended-Jacobian additions for the bucket sum, about three affine ones.
fn window_size(lengths: &[usize]) -> usize {
    let bits = lengths.iter().rposition(|n| *n > 0).unwrap_or(0);
    (2..=16)
        .min_by_key(|&c| {
            let windows = (bits + 1).div_ceil(c);
            let digits: usize = lengths
                .iter()
                .enumerate()
                .map(|(b, n)| n * (b + 1).div_ceil(c))
                .sum();
            digits + windows * 3 * (1usize << (c - 1))
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
    // How many terms have each bit length.
    let mut lengths = vec![0usize; 64 * terms.first().map_or(0, |(_, s)| s.len()) + 1];
    for (_, s) in terms {
        let top = s.iter().rposition(|l| *l != 0).unwrap_or(0);
        let len = 64 * top + (64 - s.get(top).map_or(64, |l| l.leading_zeros() as usize));
        if let Some(n) = lengths.get_mut(len) {
            *n += 1;
        }
    }
    let bits = lengths.iter().rposition(|n| *n > 0).unwrap_or(0);
    if bits == 0 {
        return Projective::zero();
    }
    let c = window_size(&lengths);
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
///
/// The window's points (negated for negative digits) are sorted by bucket, then reduced level by
/// level: each level adds every two neighbours of one bucket, all with one inversion, until each
/// bucket holds at most one point. No addition ever waits for a bucket, however many points
/// share one (the bits of a witness all land in one bucket).
fn window_sum<P: SWCurveConfig>(
    terms: &[(Affine<P>, &[u64])],
    digits: &[i32],
    windows: usize,
    w: usize,
    c: usize,
) -> Projective<P> {
    let n_buckets = 1usize << (c - 1);
    let digit = |i: usize| digits.get(i * windows + w).copied().unwrap_or(0);
    // Counting sort by bucket: `starts[d]`, for digits of magnitude d, is where bucket d − 1's
    // points begin (the points of smaller magnitudes come first).
    let mut starts = vec![0usize; n_buckets + 1];
    for i in 0..terms.len() {
        let d = digit(i).unsigned_abs() as usize;
        if let Some(count) = starts.get_mut(d) {
            *count += usize::from(d != 0);
        }
    }
    let mut total = 0;
    for s in starts.iter_mut() {
        let count = *s;
        *s = total;
        total += count;
    }
    let mut buckets = vec![0u32; total];
    let mut points = vec![Affine::<P>::identity(); total];
    for (i, (base, _)) in terms.iter().enumerate() {
        let d = digit(i);
        let b = d.unsigned_abs() as usize;
        if b == 0 {
            continue;
        }
        let Some(at) = starts.get_mut(b) else {
            continue;
        };
        if let (Some(slot), Some(point)) = (buckets.get_mut(*at), points.get_mut(*at)) {
            *slot = (b - 1) as u32;
            *point = if d > 0 { *base } else { -*base };
        }
        *at += 1;
    }
    let mut scratch = Scratch::default();
    while reduce_level(&mut buckets, &mut points, &mut scratch) {}
    // `Σ (b + 1)·bucket_b`, by running sums from the top bucket down.
    let mut running = Bucket::<P>::ZERO;
    let mut sum = Bucket::<P>::ZERO;
    let mut next = buckets.len();
    for b in (0..n_buckets as u32).rev() {
        if next > 0 && buckets.get(next - 1) == Some(&b) {
            next -= 1;
            if let Some(p) = points.get(next) {
                running += p;
            }
        }
        sum += &running;
    }
    sum.into()
}

/// Buffers reused across the levels of a window.
struct Scratch<P: SWCurveConfig> {
    lhs: Vec<Affine<P>>,
    rhs: Vec<Affine<P>>,
    at: Vec<usize>,
    prefix: Vec<P::BaseField>,
}

impl<P: SWCurveConfig> Default for Scratch<P> {
    fn default() -> Self {
        Scratch {
            lhs: Vec::new(),
            rhs: Vec::new(),
            at: Vec::new(),
            prefix: Vec::new(),
        }
    }
}

/// One level: every two neighbouring points of one bucket become their sum (identities are
/// dropped). Returns whether anything was added.
fn reduce_level<P: SWCurveConfig>(
    buckets: &mut Vec<u32>,
    points: &mut Vec<Affine<P>>,
    s: &mut Scratch<P>,
) -> bool {
    s.lhs.clear();
    s.rhs.clear();
    s.at.clear();
    let (mut read, mut write) = (0, 0);
    while let Some(&b) = buckets.get(read) {
        let pair = buckets.get(read + 1) == Some(&b);
        if let (Some(&p), Some(slot)) = (points.get(read), buckets.get_mut(write)) {
            *slot = b;
            if pair {
                s.lhs.push(p);
                s.rhs
                    .push(points.get(read + 1).copied().unwrap_or_default());
                s.at.push(write);
            }
            if let Some(out) = points.get_mut(write) {
                *out = p;
            }
        }
        read += if pair { 2 } else { 1 };
        write += 1;
    }
    if s.at.is_empty() {
        return false;
    }
    buckets.truncate(write);
    points.truncate(write);
    add_pairs(&mut s.lhs, &s.rhs, &mut s.prefix);
    for (at, sum) in s.at.iter().zip(&s.lhs) {
        if let Some(p) = points.get_mut(*at) {
            *p = *sum;
        }
    }
    // A pair that cancelled leaves the identity: drop it.
    if s.lhs.iter().any(|p| p.is_zero()) {
        let mut keep = points.iter().map(|p| !p.is_zero());
        buckets.retain(|_| keep.next().unwrap_or(true));
        points.retain(|p| !p.is_zero());
    }
    true
}

/// `lhs[k] ← lhs[k] + rhs[k]` for every k with one inversion (Montgomery's trick), in affine
/// coordinates: `λ = (y₂ − y₁)/(x₂ − x₁)`, or `(3x² + a)/2y` for a doubling; a sum that is the
/// identity (`P + (−P)`) is the identity.
fn add_pairs<P: SWCurveConfig>(
    lhs: &mut [Affine<P>],
    rhs: &[Affine<P>],
    prefix: &mut Vec<P::BaseField>,
) {
    // The denominators: x₂ − x₁, or 2y for a doubling, or 1 where the sum is the identity.
    let den = |q: &Affine<P>, p: &Affine<P>| {
        if q.x != p.x {
            Some(p.x - q.x)
        } else if q.y == p.y && !q.y.is_zero() {
            Some(q.y.double())
        } else {
            None
        }
    };
    prefix.clear();
    let mut acc = P::BaseField::one();
    for (q, p) in lhs.iter().zip(rhs) {
        prefix.push(acc);
        if let Some(d) = den(q, p) {
            acc *= d;
        }
    }
    let mut inv = acc.inverse().unwrap_or_default();
    for ((q, p), before) in lhs.iter_mut().zip(rhs).zip(prefix.iter()).rev() {
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
        let lambda = num * inv * before;
        inv *= den;
        let x3 = lambda.square() - q.x - p.x;
        let y3 = lambda * (q.x - x3) - q.y;
        *q = Affine::new_unchecked(x3, y3);
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
