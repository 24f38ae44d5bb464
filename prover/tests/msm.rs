//! Our MSM against ark-ec's, for BN254's G1 and G2 (with and without GLV): random scalars and bases, and the
//! edge cases (zero scalars, identity bases, repeated and opposite bases, ±1 and small scalars,
//! scalars near the modulus), sizes 1 to 2^16.

use ark_bn254::{g1, g2, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::BigInteger;
use ark_ff::{BigInteger256, Field, PrimeField, UniformRand, Zero};
use proptest::prelude::*;
use rand_chacha::{
    rand_core::{RngCore, SeedableRng},
    ChaCha20Rng,
};
use zkhealth_prover::msm::{msm, msm_glv};

/// The kinds of scalar the prover meets, and the edge cases.
fn scalar(kind: u8, rng: &mut ChaCha20Rng) -> Fr {
    match kind % 8 {
        0 => Fr::zero(),
        1 => Fr::from(1u64),
        2 => -Fr::from(1u64),
        3 => Fr::from(u64::from(rng.next_u32() % 256)),
        4 => -Fr::from(u64::from(rng.next_u32() % 65536)),
        5 => Fr::from(rng.next_u64()),
        6 => -Fr::from(rng.next_u64() % 4),
        _ => Fr::rand(rng),
    }
}

/// Bases with repeats, negations and identities mixed in.
fn bases<A: AffineRepr>(
    n: usize,
    distinct: usize,
    identity_every: usize,
    rng: &mut ChaCha20Rng,
) -> Vec<A>
where
    A::Group: UniformRand,
{
    let pool: Vec<A> = (0..distinct.max(1))
        .map(|_| A::Group::rand(rng).into_affine())
        .collect();
    (0..n)
        .map(|i| {
            if identity_every > 0 && i.is_multiple_of(identity_every) {
                return A::zero();
            }
            let p = pool[rng.next_u32() as usize % pool.len()];
            if rng.next_u32().is_multiple_of(3) {
                -p
            } else {
                p
            }
        })
        .collect()
}

fn bigints(s: &[Fr]) -> Vec<BigInteger256> {
    s.iter().map(|x| x.into_bigint()).collect()
}

fn check(n: usize, distinct: usize, identity_every: usize, kinds: &[u8], seed: u64) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let scalars: Vec<Fr> = (0..n)
        .map(|i| scalar(kinds[i % kinds.len()], &mut rng))
        .collect();
    let big = bigints(&scalars);
    let b1: Vec<G1Affine> = bases(n, distinct, identity_every, &mut rng);
    let want = G1Projective::msm_bigint(&b1, &big);
    assert_eq!(msm::<g1::Config>(&b1, &big), want, "G1 n={n}");
    assert_eq!(msm_glv::<g1::Config>(&b1, &big), want, "G1 GLV n={n}");
    let b2: Vec<G2Affine> = bases(n, distinct, identity_every, &mut rng);
    let want = G2Projective::msm_bigint(&b2, &big);
    assert_eq!(msm::<g2::Config>(&b2, &big), want, "G2 n={n}");
    assert_eq!(msm_glv::<g2::Config>(&b2, &big), want, "G2 GLV n={n}");
}

#[test]
fn random_scalars_and_bases_at_every_size_up_to_2_16() {
    for (i, n) in [1usize, 2, 3, 7, 16, 100, 1 << 10, 1 << 13, 1 << 16]
        .into_iter()
        .enumerate()
    {
        check(n, n, 0, &[7], i as u64);
    }
}

#[test]
fn mixed_scalars_like_a_witness() {
    for (i, n) in [5usize, 64, 1000, 1 << 12, 1 << 14].into_iter().enumerate() {
        check(n, n, 0, &[0, 1, 1, 2, 3, 4, 5, 6, 7, 7, 7], 100 + i as u64);
    }
}

#[test]
fn repeated_and_opposite_bases_make_doublings_and_cancellations_in_buckets() {
    // Few distinct bases, equal scalars: the same bucket receives P, P and −P.
    for (i, n) in [2usize, 10, 500, 5000].into_iter().enumerate() {
        check(n, 1, 0, &[1, 2, 3], 200 + i as u64);
        check(n, 3, 0, &[7, 3], 300 + i as u64);
    }
    // One base, k and −k: the result is the identity.
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let p = G1Projective::rand(&mut rng).into_affine();
    let k = Fr::rand(&mut rng);
    let big = bigints(&[k, -k, k, -k]);
    assert!(msm::<g1::Config>(&[p, p, p, p], &big).is_zero());
    assert!(msm_glv::<g1::Config>(&[p, p, p, p], &big).is_zero());
}

#[test]
fn zero_scalars_identity_bases_and_empty_inputs_give_the_identity() {
    let mut rng = ChaCha20Rng::seed_from_u64(10);
    let p = G1Projective::rand(&mut rng).into_affine();
    let zeros = bigints(&[Fr::zero(); 3]);
    assert!(msm::<g1::Config>(&[p, p, p], &zeros).is_zero());
    assert!(msm_glv::<g1::Config>(&[p, p, p], &zeros).is_zero());
    let ones = bigints(&[Fr::from(5u64); 3]);
    assert!(msm_glv::<g1::Config>(&[G1Affine::zero(); 3], &ones).is_zero());
    assert!(msm::<g2::Config>(&[G2Affine::zero(); 3], &ones).is_zero());
    assert!(msm_glv::<g2::Config>(&[G2Affine::zero(); 3], &ones).is_zero());
    assert!(msm::<g1::Config>(&[], &[]).is_zero());
    // Lengths differ: the common prefix, as ark-ec.
    assert_eq!(
        msm_glv::<g1::Config>(&[p, p], &ones),
        G1Projective::msm_bigint(&[p, p], &ones)
    );
    check(300, 300, 4, &[7, 0, 1], 11);
    // Scalars at the top of the field: r − 1, r − 2, 2^253.
    let top = [-Fr::from(1u64), -Fr::from(2u64), Fr::from(2u64).pow([253])];
    let b: Vec<G1Affine> = bases(3, 3, 0, &mut rng);
    assert_eq!(
        msm_glv::<g1::Config>(&b, &bigints(&top)),
        G1Projective::msm_bigint(&b, &bigints(&top))
    );
}

/// A scalar at or above the modulus is an integer like any other: `k·P` is `(k mod r)·P`, as a
/// scalar multiplication by that integer gives (ark-ec's MSM assumes canonical scalars).
#[test]
fn scalars_at_or_above_the_modulus_are_multiplied_as_integers() {
    let mut rng = ChaCha20Rng::seed_from_u64(12);
    let b1: Vec<G1Affine> = bases(3, 3, 0, &mut rng);
    let b2: Vec<G2Affine> = bases(3, 3, 0, &mut rng);
    let mut r_plus_5 = Fr::MODULUS;
    r_plus_5.add_with_carry(&BigInteger256::from(5u64));
    let scalars = [Fr::MODULUS, r_plus_5, BigInteger256::new([u64::MAX; 4])];
    let want1: G1Projective = b1.iter().zip(&scalars).map(|(p, k)| p.mul_bigint(k)).sum();
    let want2: G2Projective = b2.iter().zip(&scalars).map(|(p, k)| p.mul_bigint(k)).sum();
    assert_eq!(msm_glv::<g1::Config>(&b1, &scalars), want1);
    assert_eq!(msm::<g1::Config>(&b1, &scalars), want1);
    assert_eq!(msm_glv::<g2::Config>(&b2, &scalars), want2);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn equals_ark_ec_on_arbitrary_mixes(
        n in 1usize..600,
        distinct in 1usize..40,
        identity_every in 0usize..9,
        kinds in proptest::collection::vec(0u8..8, 1..12),
        seed in any::<u64>(),
    ) {
        check(n, distinct, identity_every, &kinds, seed);
    }
}
