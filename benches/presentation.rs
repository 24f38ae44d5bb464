//! Proving and verification of the standard vaccination presentation, at registry depths 20 and
//! 32: our cached-matrix prover against stock `Groth16::prove` on the same circuit and witness,
//! and single verification against one pairing, in the same run.
//!
//! `cargo bench --bench presentation`

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;

use ark_bn254::{Bn254, G1Affine, G2Affine};
use ark_ec::{pairing::Pairing, AffineRepr};
use ark_groth16::Groth16;
use ark_snark::SNARK;
use common::*;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use zkhealth::{
    circuits::{circuit::PresentationCircuit, claims, Fr},
    verifier::verify,
};

fn fixture(depth: u32) -> (World, PresentationCircuit) {
    let mut w = World::with_depth(1, depth);
    let held = w.vaccination();
    let policy = claims::standard_vaccination(ISSUER).unwrap();
    let (statement, witness) =
        w.honest_parts(&held, &policy, today(), Fr::from(7u8), Fr::from(8u8));
    (w, PresentationCircuit::new(depth, statement, witness))
}

fn prove(c: &mut Criterion) {
    let mut group = c.benchmark_group("prove");
    group.sample_size(10);
    for depth in [20u32, 32] {
        let (_w, circuit) = fixture(depth);
        let prover = prover_at(depth);
        let mut r = rng(3);
        group.bench_with_input(
            BenchmarkId::new("zkhealth", depth),
            &circuit,
            |b, circuit| {
                b.iter(|| {
                    prover
                        .prove_circuit(black_box(circuit.clone()), &mut r)
                        .unwrap()
                })
            },
        );
        let pk = prover.artifact().proving_key();
        group.bench_with_input(
            BenchmarkId::new("stock-groth16", depth),
            &circuit,
            |b, circuit| {
                b.iter(|| Groth16::<Bn254>::prove(pk, black_box(circuit.clone()), &mut r).unwrap())
            },
        );
    }
    group.finish();
}

fn verification(c: &mut Criterion) {
    let mut group = c.benchmark_group("verify");
    for depth in [20u32, 32] {
        let (_w, circuit) = fixture(depth);
        let prover = prover_at(depth);
        let statement = circuit.statement.unwrap();
        let proof = prover.prove_circuit(circuit, &mut rng(4)).unwrap();
        let key = prover.artifact().verifying_key();
        verify(key, &statement, &proof).unwrap();
        group.bench_with_input(BenchmarkId::new("single", depth), &proof, |b, proof| {
            b.iter(|| verify(key, black_box(&statement), black_box(proof)).unwrap())
        });
    }
    let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
    group.bench_function("one-pairing", |b| {
        b.iter(|| Bn254::pairing(black_box(g1), black_box(g2)))
    });
    group.finish();
}

criterion_group!(benches, prove, verification);
criterion_main!(benches);
