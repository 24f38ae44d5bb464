//! Our MSM (`zkhealth_prover::msm`: signed digits, batch-affine buckets, GLV in G1) against
//! ark-ec 0.6's (`VariableBaseMSM::msm_bigint`), for BN254's G1 and G2 at the sizes the prover
//! uses: the variable count of the presentation circuit (the `A`, `B` and `L` queries) and its
//! evaluation domain (the `H` query), at registry depths 20 and 32; random bases and scalars.
//!
//! `cargo bench -p zkhealth --bench msm` prints the ratios at the end. Each round times ours and
//! then ark-ec's on the same inputs, and the table gives the median of the per-round ratios.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::{hint::black_box, time::Duration};

use ark_bn254::{g1, g2, Fr, G1Projective, G2Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::{PrimeField, UniformRand};
use ark_poly::EvaluationDomain;
use common::{alternating, round_ratio};
use criterion::{criterion_group, BenchmarkId, Criterion};
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
use zkhealth::prover::{groth16, matrices::ConstraintMatrices, msm};

const DEPTHS: [u32; 2] = [10, 16];

/// The MSM sizes of a proof at `depth`: variables (`A`, `B`), the domain (`H`).
fn sizes(depth: u32) -> (usize, usize) {
    let m = ConstraintMatrices::for_depth(depth).unwrap();
    let domain = groth16::domain(&m).unwrap();
    (
        m.num_instance_variables + m.num_witness_variables,
        domain.size(),
    )
}

fn random_points<G: CurveGroup + UniformRand>(n: usize, rng: &mut ChaCha20Rng) -> Vec<G::Affine> {
    // A few random points and their running sums: random-looking bases at a fraction of the cost
    // of n scalar multiplications.
    let seeds: Vec<G> = (0..64).map(|_| G::rand(rng)).collect();
    let mut acc = G::rand(rng);
    let points: Vec<G> = (0..n)
        .map(|i| {
            acc += seeds[i % seeds.len()];
            acc.double_in_place();
            acc
        })
        .collect();
    G::normalize_batch(&points)
}

fn msms(c: &mut Criterion) {
    let mut group = c.benchmark_group("msm");
    group.sample_size(20);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut done = Vec::new();
    for depth in DEPTHS {
        let (vars, domain) = sizes(depth);
        for (curve, n) in [("g1", vars), ("g1", domain), ("g2", vars)] {
            if done.contains(&(curve, n)) {
                continue;
            }
            done.push((curve, n));
            let scalars: Vec<_> = (0..n).map(|_| Fr::rand(&mut rng).into_bigint()).collect();
            let rounds = format!("msm/{curve}/{n}");
            let id = |name| BenchmarkId::new(format!("{curve}-{name}"), n);
            if curve == "g1" {
                let bases = random_points::<G1Projective>(n, &mut rng);
                alternating(
                    &mut group,
                    id("ours"),
                    &rounds,
                    false,
                    &mut || msm::msm_glv::<g1::Config>(black_box(&bases), black_box(&scalars)),
                    &mut || G1Projective::msm_bigint(black_box(&bases), black_box(&scalars)),
                );
            } else {
                let bases = random_points::<G2Projective>(n, &mut rng);
                alternating(
                    &mut group,
                    id("ours"),
                    &rounds,
                    false,
                    &mut || msm::msm_glv::<g2::Config>(black_box(&bases), black_box(&scalars)),
                    &mut || G2Projective::msm_bigint(black_box(&bases), black_box(&scalars)),
                );
            }
        }
    }
    group.finish();
    println!(
        "\n== MSM, ours / ark-ec 0.6, in alternation ({} rayon threads) ==",
        rayon::current_num_threads()
    );
    println!("| group | size | ours / ark-ec (median of rounds) | target |");
    println!("|---|---:|---:|---|");
    for (curve, n) in done {
        let cell = round_ratio(&format!("msm/{curve}/{n}"))
            .map(|(r, k)| format!("{r:.2} ({k} rounds)"))
            .unwrap_or_else(|| "not run".into());
        println!("| {} | {n} | {cell} | <= 0.60 |", curve.to_uppercase());
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1));
    targets = msms
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
