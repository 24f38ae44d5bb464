//! Multi-scalar multiplication for short Weierstrass curves (BN254's G1 and G2): signed-digit
//! windows whose buckets are accumulated in affine coordinates, in batches that share one field
//! inversion, and the GLV endomorphism where the curve has one.
//!
//! `Σ kᵢ·Pᵢ` by Pippenger's method, as ark-ec computes it, with these changes:
//!
//! - **Batch-affine buckets.** A window's points are sorted by bucket and summed in affine
//!   coordinates, level by level: each level adds every two neighbours of one bucket, in place,
//!   with the affine formula `λ = (y₂ − y₁)/(x₂ − x₁)`, the additions sharing one inversion per
//!   chunk of 4,096 (Montgomery's trick): 5 multiplications and a squaring per addition
//!   where ark-ec's extended-Jacobian bucket takes 8 and 2. No addition waits for a bucket,
//!   however many points land in one (a witness's bits all do).
//! - **Batch-affine bucket sums.** `Σ b·B_b` by running sums, cut into 128 segments a window
//!   that run side by side in affine coordinates, all the windows of a thread together, each
//!   step's additions sharing one inversion, where ark-ec adds extended-Jacobian points twice
//!   per bucket.
//! - **Inlined field arithmetic** ([`MsmField`]): the additions call ark-ff's Montgomery
//!   multiplication directly, so that it inlines, and add and subtract under a mask instead of
//!   a branch the predictor loses half the time: about 13% of the G1 MSM's time, measured in
//!   alternation against the same code on ark-ff's operators.
//! - **Signed digits**: digits in `[−2^(c−1), 2^(c−1)]`, half the buckets for the same window.
//! - **GLV** ([`GLVConfig`], BN254's G1 and G2): `k·P = k₁·P + k₂·φ(P)` with `k₁`, `k₂` of about
//!   128 bits, which halves the windows and so the bucket sums. Only scalars longer than 128 bits
//!   are split; shorter ones already have that few windows. The split costs four
//!   multiplications a scalar (see `Decomposition` in the source).
//! - **Windows sized for the threads.** The window size minimizes the time on the pool's threads
//!   by a cost model (additions, placements, bucket sums), not the sum of the additions: eleven
//!   windows on two threads take as long as twelve. Each window is one task (with `parallel`),
//!   then each thread's share of the windows is one task for the bucket sums.
//!
//! Zero scalars and identity bases cost nothing; equal or opposite bases, zero results and
//! doublings inside a bucket or a running sum are handled (tested against ark-ec's MSM,
//! including those cases).

use ark_bn254::{Fq, Fq2, FqConfig, Fr, FrConfig};
use ark_ec::{
    scalar_mul::glv::GLVConfig,
    short_weierstrass::{Affine, Bucket, Projective, SWCurveConfig},
    AdditiveGroup, AffineRepr,
};
use ark_ff::{fields::MontConfig, BigInt, BigInteger, Field, One, PrimeField, Zero};
#[cfg(feature = "parallel")]
use rayon::prelude::*;

/// A base field of the curves this MSM runs on (BN254's `Fq` for G1, `Fq2` for G2), with the
/// arithmetic of a batch-affine addition in a form that inlines into its loops.
///
/// The arithmetic is ark-ff's, called differently:
///
/// - `times` and `squared` call ark-ff's `MontConfig` multiplication and squaring, which it marks
///   `#[inline(always)]`; the `Fp` operators reach them through a function that is not inlined,
///   so that each product makes a round trip through memory.
/// - `minus` subtracts with ark-ff's big-integer subtraction and adds the modulus back under a
///   mask where the `Fp` operator branches: the sign of the difference of two random elements
///   is a coin toss that a branch predictor loses half the time.
/// - `plus` adds and subtracts the modulus under a mask, for the same reason.
/// - `Fq2` multiplies by Karatsuba (three `Fq` products; its non-residue is −1) and squares as
///   `(c₀ − c₁)(c₀ + c₁) + 2c₀c₁·u`, as ark-ff does for that non-residue.
///
/// Each agrees with ark-ff's operator on every input (tested).
pub trait MsmField: Field + sealed::Sealed {
    /// `self · other`.
    fn times(self, other: &Self) -> Self;
    /// `self²`.
    fn squared(self) -> Self;
    /// `self − other`.
    fn minus(self, other: &Self) -> Self;
    /// `self + other`.
    fn plus(self, other: &Self) -> Self;
}

mod sealed {
    /// Only the fields [`super::MsmField`] is implemented for.
    pub trait Sealed {}
    impl Sealed for ark_bn254::Fq {}
    impl Sealed for ark_bn254::Fq2 {}
}

impl MsmField for Fq {
    #[inline(always)]
    fn times(mut self, other: &Self) -> Self {
        FqConfig::mul_assign(&mut self, other);
        self
    }

    #[inline(always)]
    fn squared(mut self) -> Self {
        FqConfig::square_in_place(&mut self);
        self
    }

    #[inline(always)]
    fn minus(mut self, other: &Self) -> Self {
        let borrow = self.0.sub_with_borrow(&other.0);
        let mask = 0u64.wrapping_sub(u64::from(borrow));
        let m = FqConfig::MODULUS.0;
        self.0.add_with_carry(&BigInt([
            m[0] & mask,
            m[1] & mask,
            m[2] & mask,
            m[3] & mask,
        ]));
        self
    }

    #[inline(always)]
    fn plus(mut self, other: &Self) -> Self {
        // Both below p < 2^254: the sum has no carry out of the top limb.
        self.0.add_with_carry(&other.0);
        let mut reduced = self.0;
        let borrow = reduced.sub_with_borrow(&FqConfig::MODULUS);
        // The sum if subtracting the modulus borrowed, else the difference.
        let keep = 0u64.wrapping_sub(u64::from(borrow));
        for (s, r) in self.0 .0.iter_mut().zip(reduced.0) {
            *s = (*s & keep) | (r & !keep);
        }
        self
    }
}

impl MsmField for Fq2 {
    #[inline(always)]
    fn times(self, other: &Self) -> Self {
        let v0 = self.c0.times(&other.c0);
        let v1 = self.c1.times(&other.c1);
        let cross = self.c0.plus(&self.c1).times(&other.c0.plus(&other.c1));
        Fq2::new(v0.minus(&v1), cross.minus(&v0).minus(&v1))
    }

    #[inline(always)]
    fn squared(self) -> Self {
        let c0 = self.c0.minus(&self.c1).times(&self.c0.plus(&self.c1));
        let c1 = self.c0.plus(&self.c0).times(&self.c1);
        Fq2::new(c0, c1)
    }

    #[inline(always)]
    fn minus(self, other: &Self) -> Self {
        Fq2::new(self.c0.minus(&other.c0), self.c1.minus(&other.c1))
    }

    #[inline(always)]
    fn plus(self, other: &Self) -> Self {
        Fq2::new(self.c0.plus(&other.c0), self.c1.plus(&other.c1))
    }
}

/// Scalars of `P`'s group in big-integer form.
type ScalarBigInt<P> = <<P as ark_ec::CurveConfig>::ScalarField as PrimeField>::BigInt;

/// A scalar's sign (`true`: non-negative) and magnitude.
type Signed = (bool, BigInt<4>);

/// `Σ scalarsᵢ·basesᵢ` over the common length, without an endomorphism.
pub fn msm<P: SWCurveConfig<BaseField: MsmField>>(
    bases: &[Affine<P>],
    scalars: &[ScalarBigInt<P>],
) -> Projective<P> {
    let (bases, scalars): (Vec<_>, Vec<_>) = bases
        .iter()
        .zip(scalars)
        .filter(|(b, s)| !s.is_zero() && !b.is_zero())
        .map(|(b, s)| (*b, s.as_ref()))
        .unzip();
    pippenger(&bases, &scalars)
}

/// `Σ scalarsᵢ·basesᵢ` over the common length, splitting each scalar longer than half the
/// field's bits by the GLV endomorphism (BN254's G1 and G2).
pub fn msm_glv<P: GLVConfig<ScalarField = Fr, BaseField: MsmField>>(
    bases: &[Affine<P>],
    scalars: &[ScalarBigInt<P>],
) -> Projective<P> {
    let Some(glv) = Decomposition::new::<P>() else {
        return msm(bases, scalars);
    };
    let half = (Fr::MODULUS_BIT_SIZE as usize).div_ceil(2);
    let split = |(base, scalar): (&Affine<P>, &BigInt<4>)| {
        if scalar.is_zero() || base.is_zero() {
            return [None, None];
        }
        // Short scalars have few windows already; one at or above the modulus (not a
        // canonical field element) is taken as the integer it is.
        let parts = (scalar.num_bits() as usize > half)
            .then(|| glv.split(scalar))
            .flatten();
        let Some(((pos1, k1), (pos2, k2))) = parts else {
            return [Some((*base, *scalar)), None];
        };
        let p1 = if pos1 { *base } else { -*base };
        let phi = P::endomorphism_affine(base);
        let p2 = if pos2 { phi } else { -phi };
        [
            (!k1.is_zero()).then_some((p1, k1)),
            (!k2.is_zero()).then_some((p2, k2)),
        ]
    };
    // Two slots a term, for its two parts, filled in place; a slot left empty has a zero
    // scalar, which no window places.
    let n = bases.len().min(scalars.len());
    let (bases, scalars) = (
        bases.get(..n).unwrap_or_default(),
        scalars.get(..n).unwrap_or_default(),
    );
    let mut split_bases = vec![Affine::<P>::identity(); 2 * n];
    let mut split_scalars = vec![BigInt::<4>::zero(); 2 * n];
    type Out<'a, P> = (&'a mut [Affine<P>], &'a mut [BigInt<4>]);
    type In<'a, P> = (&'a [Affine<P>], &'a [BigInt<4>]);
    let fill = |((out_bases, out_scalars), (bases, scalars)): (Out<P>, In<P>)| {
        let slots = out_bases
            .chunks_exact_mut(2)
            .zip(out_scalars.chunks_exact_mut(2));
        for ((slot_bases, slot_scalars), term) in slots.zip(bases.iter().zip(scalars)) {
            let slots = slot_bases.iter_mut().zip(slot_scalars.iter_mut());
            for ((slot_base, slot_scalar), part) in slots.zip(split(term)) {
                if let Some((base, scalar)) = part {
                    *slot_base = base;
                    *slot_scalar = scalar;
                }
            }
        }
    };
    #[cfg(feature = "parallel")]
    split_bases
        .par_chunks_mut(2 * SPLIT_BLOCK)
        .zip(split_scalars.par_chunks_mut(2 * SPLIT_BLOCK))
        .zip(
            bases
                .par_chunks(SPLIT_BLOCK)
                .zip(scalars.par_chunks(SPLIT_BLOCK)),
        )
        .for_each(fill);
    #[cfg(not(feature = "parallel"))]
    split_bases
        .chunks_mut(2 * SPLIT_BLOCK)
        .zip(split_scalars.chunks_mut(2 * SPLIT_BLOCK))
        .zip(bases.chunks(SPLIT_BLOCK).zip(scalars.chunks(SPLIT_BLOCK)))
        .for_each(fill);
    pippenger(&split_bases, &split_scalars)
}

/// Terms split together by one task.
const SPLIT_BLOCK: usize = 1024;

/// The GLV split `k = k₁ + λ·k₂` by Babai rounding against the curve's reduced lattice basis
/// `(n₁₁, n₁₂), (n₂₁, n₂₂)` (ark-ec's [`GLVConfig::SCALAR_DECOMP_COEFFS`]), with the divisions by
/// `r` replaced by multiplications by `⌊|n|·2^w / r⌋` and a shift by `w`, the big integers' width
/// (ark-ec's own `scalar_decomposition` divides big integers on the heap, about 1.8 µs a scalar).
///
/// `k₁` and `k₂` are computed modulo `r`, so `k₁ + λ·k₂ = k` holds whatever the rounding; the
/// rounding only decides their size (about 128 bits), and the MSM sizes its windows from the
/// actual lengths. The arithmetic runs on the integers themselves as Montgomery
/// representations: for `x < r`, `new_unchecked(x)` is the element `x/R`, sums and differences
/// of such elements represent the sums and differences of the integers, and the product of
/// `new_unchecked(x)` with the element `n` represents `x·n mod r`; so no conversion into or out of
/// Montgomery form is needed, four multiplications a scalar.
struct Decomposition {
    /// `⌊|n₂₂|·2^w / r⌋`, `⌊|n₁₂|·2^w / r⌋`.
    g: [BigInt<4>; 2],
    /// The signs of `β₁ = k·n₂₂/r` and `β₂ = −k·n₁₂/r`.
    beta_positive: [bool; 2],
    /// `n₁₁, n₁₂, n₂₁, n₂₂` as elements.
    n: [Fr; 4],
}

impl Decomposition {
    fn new<P: GLVConfig<ScalarField = Fr>>() -> Option<Self> {
        let r: num_bigint::BigUint = Fr::MODULUS.into();
        // `mul_high` keeps the bits above the big integer's width.
        let width = 64 * BigInt::<4>::NUM_LIMBS;
        let signed = |(positive, m): (bool, BigInt<4>)| {
            let v = Fr::from_bigint(m)?;
            Some(if positive { v } else { -v })
        };
        let g = |m: BigInt<4>| {
            let m: num_bigint::BigUint = m.into();
            let q = (m << width) / &r;
            BigInt::<4>::try_from(q).ok()
        };
        let [c11, c12, c21, c22] = P::SCALAR_DECOMP_COEFFS;
        Some(Decomposition {
            g: [g(c22.1)?, g(c12.1)?],
            beta_positive: [c22.0, !c12.0],
            n: [signed(c11)?, signed(c12)?, signed(c21)?, signed(c22)?],
        })
    }

    /// `((k₁ ≥ 0, |k₁|), (k₂ ≥ 0, |k₂|))` with `k = k₁ + λ·k₂`; `None` for a `k` at or above
    /// the modulus.
    fn split(&self, k: &BigInt<4>) -> Option<(Signed, Signed)> {
        if *k >= Fr::MODULUS {
            return None;
        }
        let beta = |i: usize| {
            // k·g / 2^w < r, since k < r and g < 2^w.
            let b = Fr::new_unchecked(k.mul_high(&self.g[i]));
            if self.beta_positive[i] {
                b
            } else {
                -b
            }
        };
        let (b1, b2) = (beta(0), beta(1));
        let [n11, n12, n21, n22] = self.n;
        // ark-ff's products, inlined (see [`MsmField`]).
        let times = |mut a: Fr, b: &Fr| {
            FrConfig::mul_assign(&mut a, b);
            a
        };
        let k1 = Fr::new_unchecked(*k) - times(b1, &n11) - times(b2, &n21);
        let k2 = -(times(b1, &n12) + times(b2, &n22));
        Some((signed_abs(k1), signed_abs(k2)))
    }
}

/// The integer an element represents (see [`Decomposition`]) as a sign and the magnitude of its
/// representative in `(−r/2, r/2]`.
fn signed_abs(v: Fr) -> Signed {
    if v.0 > Fr::MODULUS_MINUS_ONE_DIV_TWO {
        (false, (-v).0)
    } else {
        (true, v.0)
    }
}

/// Relative costs, in a level's batch-affine additions: an inversion (Montgomery's trick spreads
/// one over a batch), an extended-Jacobian addition, placing a point in its bucket (in tenths),
/// and a bucket sum's affine addition (in tenths: its batches are smaller, and it carries the
/// running sums' copies), measured on the prover's sizes.
const INVERSION: usize = 33;
const JACOBIAN: usize = 2;
const PLACE_PER_10: usize = 1;
const SUM_ADDITION_PER_10: usize = 13;

/// Bucket sums run as this many running sums side by side, so that each step's additions share
/// one inversion.
const SEGMENTS: usize = 128;

/// The window size that makes the MSM finish soonest on `threads` threads, from `lengths[b]`, the
/// number of terms of `b` bits. A window costs an affine addition per term whose scalar reaches it
/// (less one per non-empty bucket), a tenth of one to place the term, and its bucket sum; windows
/// are spread over the threads, the longest first, so the count of windows matters as much as
/// their sum (eleven windows on two threads take as long as twelve).
fn window_size(lengths: &[usize], threads: usize) -> usize {
    let bits = lengths.iter().rposition(|n| *n > 0).unwrap_or(0);
    let threads = threads.max(1);
    (2..=16)
        .map(|c| {
            let windows = (bits + 1).div_ceil(c);
            let buckets = 1usize << (c - 1);
            // Terms whose scalar reaches each window.
            let mut reach = vec![0usize; windows];
            for (b, n) in lengths.iter().enumerate() {
                for r in reach.iter_mut().take((b + 1).div_ceil(c)) {
                    *r += n;
                }
            }
            let mut costs: Vec<usize> = reach
                .iter()
                .map(|&n| {
                    let filled =
                        (buckets as f64 * (1.0 - (-(n as f64) / buckets as f64).exp())) as usize;
                    n.saturating_sub(filled)
                        + n * PLACE_PER_10 / 10
                        + bucket_sum_cost(buckets.min(n.max(1)))
                })
                .collect();
            costs.sort_unstable_by(|a, b| b.cmp(a));
            let mut load = vec![0usize; threads];
            for cost in &costs {
                if let Some(least) = load.iter_mut().min() {
                    *least += cost;
                }
            }
            let makespan = load.iter().copied().max().unwrap_or(0);
            (makespan, costs.iter().sum::<usize>(), c)
        })
        .min()
        .map_or(8, |(_, _, c)| c)
}

/// What [`bucket_sums`] costs a window of `buckets` buckets.
fn bucket_sum_cost(buckets: usize) -> usize {
    let segments = SEGMENTS.min(buckets);
    let steps = buckets.div_ceil(segments) + 1;
    2 * buckets * SUM_ADDITION_PER_10 / 10 + steps * INVERSION + 3 * segments * JACOBIAN
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

/// Pippenger over non-zero scalars and non-identity bases (zero scalars are skipped), over the
/// common length.
fn pippenger<P: SWCurveConfig<BaseField: MsmField>, S: AsRef<[u64]> + Sync>(
    bases: &[Affine<P>],
    scalars: &[S],
) -> Projective<P> {
    let n = bases.len().min(scalars.len());
    let (bases, scalars) = (
        bases.get(..n).unwrap_or_default(),
        scalars.get(..n).unwrap_or_default(),
    );
    // How many terms have each bit length.
    let mut lengths = vec![0usize; 64 * scalars.first().map_or(0, |s| s.as_ref().len()) + 1];
    for s in scalars {
        let s = s.as_ref();
        let top = s.iter().rposition(|l| *l != 0).unwrap_or(0);
        let len = 64 * top + (64 - s.get(top).map_or(64, |l| l.leading_zeros() as usize));
        if let Some(n) = lengths.get_mut(len) {
            *n += 1;
        }
    }
    let bits = lengths.iter().rposition(|n| *n > 0).unwrap_or(0);
    if bits == 0 || n == 0 {
        return Projective::zero();
    }
    #[cfg(feature = "parallel")]
    let threads = rayon::current_num_threads();
    #[cfg(not(feature = "parallel"))]
    let threads = 1;
    let c = window_size(&lengths, threads);
    // One more window than the bits need takes the last digit's carry.
    let windows = (bits + 1).div_ceil(c);
    let digits = digits_by_window(scalars, c, windows);
    // One task per window, so that a thread that finishes early takes the next: each window's
    // points reduced to one a bucket.
    #[cfg(feature = "parallel")]
    let reduced: Vec<Buckets<P>> = digits
        .par_chunks(n)
        .with_max_len(1)
        .map(|row| reduce_window(bases, row, c))
        .collect();
    #[cfg(not(feature = "parallel"))]
    let reduced: Vec<Buckets<P>> = digits
        .chunks(n)
        .map(|row| reduce_window(bases, row, c))
        .collect();
    // The bucket sums in one group of windows a thread, each group's side by side so that
    // they share their inversions.
    let group = windows.div_ceil(threads);
    #[cfg(feature = "parallel")]
    let sums: Vec<Projective<P>> = reduced
        .par_chunks(group)
        .with_max_len(1)
        .flat_map_iter(bucket_sums)
        .collect();
    #[cfg(not(feature = "parallel"))]
    let sums: Vec<Projective<P>> = reduced.chunks(group).flat_map(bucket_sums).collect();
    sums.iter().rev().fold(Projective::zero(), |mut acc, s| {
        for _ in 0..c {
            acc.double_in_place();
        }
        acc + s
    })
}

/// Terms whose digits are computed together before they are spread over the windows' rows.
const DIGIT_BLOCK: usize = 1024;

/// The scalars' signed digits, window by window: row `w` (`windows` rows of `scalars.len()`)
/// holds every term's digit in window `w`, so that a window reads its digits in order.
fn digits_by_window<S: AsRef<[u64]> + Sync>(scalars: &[S], c: usize, windows: usize) -> Vec<i32> {
    let n = scalars.len().max(1);
    let mut digits = vec![0i32; windows * n];
    // Each block of terms gets its segment of every row.
    let mut blocks: Vec<Vec<&mut [i32]>> = (0..n.div_ceil(DIGIT_BLOCK))
        .map(|_| Vec::with_capacity(windows))
        .collect();
    for row in digits.chunks_mut(n) {
        for (block, segment) in blocks.iter_mut().zip(row.chunks_mut(DIGIT_BLOCK)) {
            block.push(segment);
        }
    }
    let fill = |(mut segments, chunk): (Vec<&mut [i32]>, &[S])| {
        let mut term = vec![0i32; windows];
        for (j, s) in chunk.iter().enumerate() {
            signed_digits(s.as_ref(), c, windows, &mut term);
            for (segment, d) in segments.iter_mut().zip(&term) {
                if let Some(slot) = segment.get_mut(j) {
                    *slot = *d;
                }
            }
        }
    };
    #[cfg(feature = "parallel")]
    blocks
        .into_par_iter()
        .zip(scalars.par_chunks(DIGIT_BLOCK))
        .for_each(fill);
    #[cfg(not(feature = "parallel"))]
    blocks
        .into_iter()
        .zip(scalars.chunks(DIGIT_BLOCK))
        .for_each(fill);
    digits
}

/// One window's buckets, for the window's digits `dᵢ`: the points `Pᵢ` (negated for negative
/// digits) are sorted by bucket `|dᵢ|`, then reduced level by level: each level adds every two
/// neighbours of one bucket, all with one inversion, until each bucket holds at most one point.
/// No addition ever waits for a bucket, however many points share one (the bits of a witness all
/// land in one bucket).
fn reduce_window<P: SWCurveConfig<BaseField: MsmField>>(
    bases: &[Affine<P>],
    digits: &[i32],
    c: usize,
) -> Buckets<P> {
    let n_buckets = 1usize << (c - 1);
    // Counting sort by bucket: `starts[d]`, for digits of magnitude d, is where bucket d − 1's
    // points begin (the points of smaller magnitudes come first).
    let mut starts = vec![0usize; n_buckets + 1];
    for d in digits {
        let d = d.unsigned_abs() as usize;
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
    for (base, &d) in bases.iter().zip(digits) {
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
    // The levels run block by block, each block a run of whole buckets of about [`BLOCK`]
    // points, so that a block stays in cache through all its levels; the survivors are packed
    // at the front.
    let mut scratch = Scratch::default();
    let mut kept = 0;
    let mut lo = 0;
    for &hi in starts.iter().skip(1) {
        if hi <= lo || (hi < lo + BLOCK && hi != total) {
            continue;
        }
        let mut len = hi - lo;
        if let (Some(b), Some(p)) = (buckets.get_mut(lo..hi), points.get_mut(lo..hi)) {
            while let Some(n) = reduce_level(
                b.get_mut(..len).unwrap_or_default(),
                p.get_mut(..len).unwrap_or_default(),
                &mut scratch,
            ) {
                len = n;
            }
        }
        buckets.copy_within(lo..lo + len, kept);
        points.copy_within(lo..lo + len, kept);
        kept += len;
        lo = hi;
    }
    // Released now, the window's large buffers serve the next window on this thread.
    buckets.truncate(kept);
    buckets.shrink_to_fit();
    points.truncate(kept);
    points.shrink_to_fit();
    Buckets { buckets, points }
}

/// A window reduced to at most one point a bucket: `points[k]` is in bucket `buckets[k]`
/// (counted from 0 for the digit 1), in increasing order.
struct Buckets<P: SWCurveConfig> {
    buckets: Vec<u32>,
    points: Vec<Affine<P>>,
}

/// Buffers reused across the levels and steps of a window.
struct Scratch<P: SWCurveConfig> {
    at: Vec<u32>,
    prefix: Vec<P::BaseField>,
    rhs: Vec<Affine<P>>,
    to: Vec<u32>,
}

impl<P: SWCurveConfig> Default for Scratch<P> {
    fn default() -> Self {
        Scratch {
            at: Vec::new(),
            prefix: Vec::new(),
            rhs: Vec::new(),
            to: Vec::new(),
        }
    }
}

/// Additions of one batch share an inversion in chunks of this many, which keeps a chunk's points
/// in cache between its two passes.
const CHUNK: usize = 4096;

/// A window's levels run on blocks of about this many points (a run of whole buckets), which
/// stay in a core's cache (576 KiB of G1 points) through all their levels.
const BLOCK: usize = 8192;

/// One level: every two neighbouring points of one bucket become their sum, in place; the
/// survivors (no identity) are packed at the front. Returns their number, or `None` when no two
/// neighbours share a bucket.
fn reduce_level<P: SWCurveConfig<BaseField: MsmField>>(
    buckets: &mut [u32],
    points: &mut [Affine<P>],
    s: &mut Scratch<P>,
) -> Option<usize> {
    // The pairs: the first of every two neighbours with the same bucket.
    s.at.clear();
    let mut i = 0;
    while let (Some(a), Some(b)) = (buckets.get(i), buckets.get(i + 1)) {
        if a == b {
            s.at.push(i as u32);
            i += 2;
        } else {
            i += 1;
        }
    }
    if s.at.is_empty() {
        return None;
    }
    for chunk in s.at.chunks(CHUNK) {
        add_batch(points, &Neighbours(chunk), &mut s.prefix);
    }
    // Keep every point but the second of each pair, and no identity.
    let mut pairs = s.at.iter().map(|&a| a as usize + 1).peekable();
    let mut write = 0;
    for read in 0..points.len() {
        if pairs.next_if_eq(&read).is_some() {
            continue;
        }
        let (Some(&p), Some(&b)) = (points.get(read), buckets.get(read)) else {
            break;
        };
        if p.is_zero() {
            continue;
        }
        if let (Some(pw), Some(bw)) = (points.get_mut(write), buckets.get_mut(write)) {
            *pw = p;
            *bw = b;
        }
        write += 1;
    }
    Some(write)
}

/// The additions of one batch: `points[l] += r` for each `(l, r)` of [`Pairs::pair`].
trait Pairs<P: SWCurveConfig> {
    fn len(&self) -> usize;
    /// The `k`th addition's point to change and its right-hand operand, which no addition of
    /// the batch changes.
    fn pair<'s>(&'s self, points: &'s [Affine<P>], k: usize) -> Option<(usize, &'s Affine<P>)>;
}

/// A level's additions: `points[i] += points[i + 1]` for each `i`.
struct Neighbours<'a>(&'a [u32]);

impl<P: SWCurveConfig> Pairs<P> for Neighbours<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }

    #[inline(always)]
    fn pair<'s>(&'s self, points: &'s [Affine<P>], k: usize) -> Option<(usize, &'s Affine<P>)> {
        let i = *self.0.get(k)? as usize;
        Some((i, points.get(i + 1)?))
    }
}

/// A bucket-sum step's additions: `sums[to[k]] += rhs[k]` for each `k`; no two `to` are equal,
/// and no operand is the identity.
struct At<'a, P: SWCurveConfig> {
    to: &'a [u32],
    rhs: &'a [Affine<P>],
}

impl<P: SWCurveConfig> Pairs<P> for At<'_, P> {
    fn len(&self) -> usize {
        self.to.len()
    }

    #[inline(always)]
    fn pair<'s>(&'s self, _: &'s [Affine<P>], k: usize) -> Option<(usize, &'s Affine<P>)> {
        Some((*self.to.get(k)? as usize, self.rhs.get(k)?))
    }
}

/// All the additions of `pairs`, with one inversion: Montgomery's trick, a forward pass of
/// prefix products of the slopes' denominators, one inversion, a backward pass.
fn add_batch<P: SWCurveConfig<BaseField: MsmField>>(
    points: &mut [Affine<P>],
    pairs: &impl Pairs<P>,
    prefix: &mut Vec<P::BaseField>,
) {
    prefix.clear();
    let mut acc = P::BaseField::one();
    for k in 0..pairs.len() {
        prefix.push(acc);
        if let Some((l, r)) = pairs.pair(points, k) {
            if let Some(d) = points.get(l).and_then(|q| slope_denominator(q, r)) {
                acc = acc.times(&d);
            }
        }
    }
    let mut inv = acc.inverse().unwrap_or_default();
    for (k, before) in prefix.iter().enumerate().rev() {
        let Some((l, &r)) = pairs.pair(points, k) else {
            continue;
        };
        if let Some(q) = points.get_mut(l) {
            add_with_inverse(q, &r, &mut inv, before);
        }
    }
}

/// The denominator of the slope of `q + p` (two affine points, neither the identity): `x₂ − x₁`,
/// or `2y` for a doubling; `None` when the sum is the identity (`P + (−P)`, or the doubling of a
/// point of order two).
#[inline(always)]
fn slope_denominator<P: SWCurveConfig<BaseField: MsmField>>(
    q: &Affine<P>,
    p: &Affine<P>,
) -> Option<P::BaseField> {
    if q.x != p.x {
        Some(p.x.minus(&q.x))
    } else if q.y == p.y && !q.y.is_zero() {
        Some(q.y.double())
    } else {
        None
    }
}

/// The backward pass of Montgomery's trick for one addition: `inv` is the inverse of the product
/// of this and all earlier denominators, `before` the product of the earlier ones. Sets
/// `q ← q + p` with `λ = (y₂ − y₁)/(x₂ − x₁)`, or `(3x² + a)/2y` for a doubling, and takes this
/// denominator out of `inv`.
#[inline(always)]
fn add_with_inverse<P: SWCurveConfig<BaseField: MsmField>>(
    q: &mut Affine<P>,
    p: &Affine<P>,
    inv: &mut P::BaseField,
    before: &P::BaseField,
) {
    let (num, den) = if q.x != p.x {
        (p.y.minus(&q.y), p.x.minus(&q.x))
    } else if q.y == p.y && !q.y.is_zero() {
        let xx = q.x.square();
        (xx.double() + xx + P::COEFF_A, q.y.double())
    } else {
        *q = Affine::identity();
        return;
    };
    let lambda = num.times(inv).times(before);
    *inv = inv.times(&den);
    let x3 = lambda.squared().minus(&q.x).minus(&p.x);
    let y3 = lambda.times(&q.x.minus(&x3)).minus(&q.y);
    *q = Affine::new_unchecked(x3, y3);
}

/// Each window's `Σ (b + 1)·P_b` over its buckets' points, in the order of `windows`.
///
/// By running sums from the top bucket down (`R += P_b; T += R`), cut into [`SEGMENTS`]
/// segments of `L` buckets a window that run side by side in affine coordinates, all windows'
/// together, so that each step's additions share one inversion; the step that adds `P_b` to `R`
/// also adds the previous `R` to `T`. Segment `s` ends with `T_s = Σ (t + 1)·P_(sL+t)` and
/// `R_s = Σ P_(sL+t)`, and the window's sum is `Σ T_s + L·Σ s·R_s`, the last by a running sum
/// over the segments.
fn bucket_sums<P: SWCurveConfig<BaseField: MsmField>>(
    windows: &[Buckets<P>],
) -> Vec<Projective<P>> {
    /// A window's segments: `first` is its first running sum's place in `sums` (its totals
    /// follow its running sums), `next[seg]` one past the segment's next point to add.
    struct Segments {
        first: usize,
        count: usize,
        len: usize,
        next: Vec<usize>,
    }
    let mut first = 0;
    let mut plans: Vec<Segments> = windows
        .iter()
        .map(|w| {
            let used = w.buckets.last().map_or(0, |top| *top as usize + 1);
            let count = SEGMENTS.min(used);
            let len = used.div_ceil(count.max(1));
            let next = (1..=count)
                .map(|seg| w.buckets.partition_point(|&b| (b as usize) < seg * len))
                .collect();
            let plan = Segments {
                first,
                count,
                len,
                next,
            };
            first += 2 * count;
            plan
        })
        .collect();
    let mut sums = vec![Affine::<P>::identity(); first];
    let mut s = Scratch::default();
    let steps = plans.iter().map(|p| p.len).max().unwrap_or(0);
    for step in 0..=steps {
        s.to.clear();
        s.rhs.clear();
        for (plan, window) in plans.iter_mut().zip(windows) {
            if step > plan.len {
                continue;
            }
            for seg in 0..plan.count {
                let (r, t) = (plan.first + seg, plan.first + plan.count + seg);
                // T_s += R_s (R as it was before this step).
                if step > 0 {
                    let running = sums.get(r).copied().unwrap_or_default();
                    add_or_queue(&mut sums, t, running, &mut s);
                }
                // R_s += the point of this step's bucket of the segment, if it has one.
                if step < plan.len {
                    let bucket = seg * plan.len + plan.len - 1 - step;
                    let Some(at) = plan.next.get_mut(seg) else {
                        continue;
                    };
                    if *at > 0
                        && window
                            .buckets
                            .get(*at - 1)
                            .is_some_and(|b| *b as usize == bucket)
                    {
                        *at -= 1;
                        let p = window.points.get(*at).copied().unwrap_or_default();
                        add_or_queue(&mut sums, r, p, &mut s);
                    }
                }
            }
        }
        add_batch(
            &mut sums,
            &At {
                to: &s.to,
                rhs: &s.rhs,
            },
            &mut s.prefix,
        );
    }
    plans
        .iter()
        .map(|plan| {
            let ours = sums
                .get(plan.first..plan.first + 2 * plan.count)
                .unwrap_or_default();
            let (running, totals) = ours.split_at(plan.count);
            let mut weighted = Bucket::<P>::ZERO;
            let mut acc = Bucket::<P>::ZERO;
            for r in running.iter().skip(1).rev() {
                acc += r;
                weighted += &acc;
            }
            let mut sum: Projective<P> = weighted.into();
            if plan.len.is_power_of_two() {
                for _ in 0..plan.len.trailing_zeros() {
                    sum.double_in_place();
                }
            } else {
                sum *= P::ScalarField::from(plan.len as u64);
            }
            totals.iter().fold(sum, |acc, t| acc + t)
        })
        .collect()
}

/// `sums[to] += p`: done at once when either is the identity, else queued for the step's batch.
fn add_or_queue<P: SWCurveConfig<BaseField: MsmField>>(
    sums: &mut [Affine<P>],
    to: usize,
    p: Affine<P>,
    s: &mut Scratch<P>,
) {
    if p.is_zero() {
        return;
    }
    let Some(slot) = sums.get_mut(to) else {
        return;
    };
    if slot.is_zero() {
        *slot = p;
    } else {
        s.rhs.push(p);
        s.to.push(to as u32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{g1, G1Projective};
    use ark_ec::CurveGroup;
    use ark_ff::UniformRand;
    use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};

    /// `Σ (b + 1)·P_b` one bucket at a time.
    fn naive(buckets: &[u32], points: &[Affine<g1::Config>]) -> G1Projective {
        buckets
            .iter()
            .zip(points)
            .map(|(b, p)| *p * Fr::from(u64::from(*b) + 1))
            .sum()
    }

    fn random_points(n: usize, rng: &mut ChaCha20Rng) -> Vec<Affine<g1::Config>> {
        (0..n)
            .map(|_| G1Projective::rand(rng).into_affine())
            .collect()
    }

    #[test]
    fn pippenger_sums_over_the_common_length() {
        let mut rng = ChaCha20Rng::seed_from_u64(6);
        let bases = random_points(40, &mut rng);
        let scalars: Vec<BigInt<4>> = (0..40).map(|_| Fr::rand(&mut rng).into_bigint()).collect();
        let want = |n: usize| -> G1Projective {
            bases
                .iter()
                .zip(&scalars)
                .take(n)
                .map(|(b, s)| *b * Fr::from(*s))
                .sum()
        };
        assert_eq!(pippenger(&bases[..25], &scalars), want(25));
        assert_eq!(pippenger(&bases, &scalars[..31]), want(31));
        assert_eq!(pippenger(&bases[..0], &scalars), G1Projective::zero());
    }

    #[test]
    fn bucket_sums_equal_the_weighted_sum() {
        let pool = random_points(4, &mut ChaCha20Rng::seed_from_u64(5));
        // Top buckets that fill the segments exactly, leave them ragged, and leave segment
        // lengths that are not powers of two; an empty window among them.
        let mut windows = vec![Buckets {
            buckets: vec![],
            points: vec![],
        }];
        for used in [1u32, 2, 3, 127, 128, 129, 300, 700, 1000, 2048, 4096] {
            for density in [1, 3] {
                let buckets: Vec<u32> = (0..used)
                    .filter(|b| b % density == 0 || *b == used - 1)
                    .collect();
                // Few distinct points, some negated: running sums meet their own negation and
                // themselves, so the batches see identities and doublings.
                let points: Vec<_> = buckets
                    .iter()
                    .map(|b| {
                        let p = pool[*b as usize % pool.len()];
                        if b % 5 == 0 {
                            -p
                        } else {
                            p
                        }
                    })
                    .collect();
                windows.push(Buckets { buckets, points });
            }
        }
        // All windows side by side, and each alone.
        let together = bucket_sums(&windows);
        assert_eq!(together.len(), windows.len());
        for (w, sum) in windows.iter().zip(&together) {
            let want = naive(&w.buckets, &w.points);
            let top = w.buckets.last();
            assert_eq!(*sum, want, "top bucket {top:?}, with the others");
            let alone = bucket_sums(std::slice::from_ref(w));
            assert_eq!(alone, vec![want], "top bucket {top:?}, alone");
        }
        assert!(bucket_sums::<g1::Config>(&[]).is_empty());
    }

    /// Random elements and the ones where a subtraction or a reduction turns: 0, 1, −1, and
    /// elements next to `p/2`.
    fn samples<F: Field + UniformRand>(rng: &mut ChaCha20Rng) -> Vec<F> {
        let half = F::from(2u64).inverse().unwrap_or_default();
        let mut v = vec![F::zero(), F::one(), -F::one(), half, half + F::one(), -half];
        v.extend((0..40).map(|_| F::rand(rng)));
        v
    }

    fn agrees_with_ark_ff<F: MsmField + UniformRand>() {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let values = samples::<F>(&mut rng);
        for a in &values {
            assert_eq!(a.squared(), a.square());
            for b in &values {
                assert_eq!(a.times(b), *a * b);
                assert_eq!(a.minus(b), *a - b);
                assert_eq!(a.plus(b), *a + b);
            }
        }
    }

    #[test]
    fn field_arithmetic_agrees_with_ark_ff() {
        agrees_with_ark_ff::<Fq>();
        agrees_with_ark_ff::<Fq2>();
    }

    #[test]
    fn windows_fill_the_threads() {
        // 32,768 scalars of 128 bits on two threads: twelve windows of 11 bits take as long as
        // eleven of 12, so the choice is an even count.
        let mut lengths = vec![0usize; 257];
        lengths[128] = 32_768;
        for threads in [2, 4] {
            let c = window_size(&lengths, threads);
            let windows = 129usize.div_ceil(c);
            assert_eq!(
                windows % threads,
                0,
                "c = {c}, {windows} windows on {threads}"
            );
        }
        // Nothing to do: any size.
        assert!((2..=16).contains(&window_size(&[0; 257], 2)));
    }

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
