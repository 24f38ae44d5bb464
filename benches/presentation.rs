//! The performance figures of the README, in one run:
//!
//! - proving the standard vaccination presentation at registry depths 10 and 16 (2^20 and 2^32
//!   leaves): our prover against stock `Groth16::prove` on the same circuit and witness, and
//!   against the floor (the sum of the proof's own MSMs and FFTs on the same witness, each timed
//!   alone); with a key made for the circom reduction (snarkjs ceremonies' keys) beside one for the libsnark reduction;
//! - batch proving throughput for 1, 4 and 16 proofs, threads-per-proof vs proof-per-thread;
//! - single verification against one pairing, and batch verification of 64 proofs;
//! - the issuer's registry: 100,000 appends, one append and one path lookup at that size.
//!
//! `cargo bench -p zkhealth --bench presentation` runs everything and prints the ratio table at the end.
//!
//! The ratios with a target are taken from operations timed in alternation within one criterion
//! bench (proof, then its MSMs and FFTs; verification, then one pairing; a batch, then one of its
//! proofs): each round compares the two under the same load, and the table gives the median over
//! the rounds. On a shared machine, load drifts over minutes, so two benches run one after the
//! other can disagree by more than the margin a target leaves; the ratio of criterion's separate
//! means is printed beside it.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::{hint::black_box, time::Duration};

use ark_bn254::{g1, g2, Bn254, Fr as ArkFr, G1Affine, G2Affine};
use ark_ec::{pairing::Pairing, AffineRepr};
use ark_groth16::Groth16;
use ark_poly::EvaluationDomain;
use ark_snark::SNARK;
use common::{alternating, mean_ns, round_ratio};
use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use rand_core::OsRng;
use zkhealth::testing::*;
use zkhealth::{
    circuits::{circuit::PresentationCircuit, merkle::MerkleTree, Fr, Statement},
    prover::{groth16, msm, setup_circuit_with_reduction, Prover, QapReduction, Schedule},
    records::claims,
    registry::Registry,
    verifier::{
        pairing::{self, FixedLines, Normalized},
        verify, verify_batch, Proof,
    },
};

const DEPTHS: [u32; 2] = [10, 16];
const BATCH_SIZES: [usize; 3] = [1, 4, 16];
const VERIFY_BATCH: usize = 64;
const REGISTRY_LEAVES: usize = 100_000;
const REGISTRY_DEPTH: u32 = 16;

fn fixture(depth: u32) -> (World, PresentationCircuit) {
    let mut w = World::with_depth(1, depth);
    let held = w.vaccination();
    let policy = claims::standard_vaccination(ISSUER).unwrap();
    let (statement, witness) =
        w.honest_parts(&held, &policy, today(), Fr::from(7u8), event_scope(8));
    (w, PresentationCircuit::new(depth, statement, witness))
}

/// A prover whose key is shaped as a snarkjs ceremony's (circom reduction), at `depth`.
fn circom_prover_at(depth: u32) -> Prover {
    let (artifact, _) = setup_circuit_with_reduction::<PresentationCircuit, _>(
        depth,
        QapReduction::Circom,
        &mut rng(1),
    )
    .unwrap();
    Prover::new(artifact)
}

fn prove(c: &mut Criterion) {
    let mut group = c.benchmark_group("prove");
    group.sample_size(10);
    for depth in DEPTHS {
        let (_w, circuit) = fixture(depth);
        let prover = prover_at(depth);
        let circom = circom_prover_at(depth);
        let mut r = rng(3);
        // The two reductions one after the other on the same circuit and witness.
        for (name, prover) in [("zkhealth", prover), ("zkhealth-circom", &circom)] {
            group.bench_with_input(BenchmarkId::new(name, depth), &circuit, |b, circuit| {
                b.iter(|| {
                    prover
                        .prove_circuit(black_box(circuit.clone()), &mut r)
                        .unwrap()
                })
            });
        }
        let pk = prover.artifact().proving_key();
        // The same cached matrices through ark-groth16's own proving path (sequential MSMs, a
        // big-integer conversion per MSM): what our path adds on top of caching the matrices.
        let m = prover.artifact().matrices();
        group.bench_with_input(
            BenchmarkId::new("ark-cached-matrices", depth),
            &circuit,
            |b, circuit| {
                b.iter(|| {
                    let cs = prover
                        .synthesize_witness(black_box(circuit.clone()))
                        .unwrap();
                    let mut z = cs.instance_assignment().unwrap();
                    z.extend(cs.witness_assignment().unwrap());
                    Groth16::<Bn254>::create_proof_with_reduction_and_matrices(
                        pk,
                        ArkFr::from(11u8),
                        ArkFr::from(12u8),
                        &m.abc,
                        m.num_instance_variables,
                        m.num_constraints,
                        &z,
                    )
                    .unwrap()
                })
            },
        );
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

/// Each MSM and the seven FFTs of one proof, timed alone on the same witness.
fn floor(c: &mut Criterion) {
    let mut group = c.benchmark_group("floor");
    group.sample_size(20);
    for depth in DEPTHS {
        let (_w, circuit) = fixture(depth);
        let prover = prover_at(depth);
        let artifact = prover.artifact();
        let (pk, m) = (artifact.proving_key(), artifact.matrices());
        let cs = prover.synthesize_witness(circuit.clone()).unwrap();
        let mut z = cs.instance_assignment().unwrap();
        z.extend(cs.witness_assignment().unwrap());
        let domain = groth16::domain(m).unwrap();
        let evals = groth16::witness_evaluations(m, &z, &domain).unwrap();
        let h = groth16::quotient(&domain, evals.clone(), QapReduction::Libsnark).unwrap();
        let (zb, hb) = (groth16::to_bigints(&z), groth16::to_bigints(&h));
        let wb = &zb[m.num_instance_variables..];
        let coset = domain
            .get_coset(<ArkFr as ark_ff::FftField>::GENERATOR)
            .unwrap();

        let ffts = || {
            let [mut a, mut bb, mut cc] = evals.clone();
            rayon::join(
                || {
                    rayon::join(
                        || domain.ifft_in_place(&mut a),
                        || domain.ifft_in_place(&mut bb),
                    )
                },
                || domain.ifft_in_place(&mut cc),
            );
            rayon::join(
                || {
                    rayon::join(
                        || coset.fft_in_place(&mut a),
                        || coset.fft_in_place(&mut bb),
                    )
                },
                || coset.fft_in_place(&mut cc),
            );
            coset.ifft_in_place(&mut a);
            a
        };
        // The ratio's two sides, timed in alternation: the whole proof, and its seven FFTs and
        // five MSMs one after the other.
        let mut r = rng(5);
        let mut proof = || {
            prover
                .prove_circuit(black_box(circuit.clone()), &mut r)
                .unwrap()
        };
        let mut parts = || {
            (
                ffts(),
                msm::msm_glv::<g1::Config>(&pk.a_query, black_box(&zb)),
                msm::msm_glv::<g1::Config>(&pk.b_g1_query, black_box(&zb)),
                msm::msm_glv::<g2::Config>(&pk.b_g2_query, black_box(&zb)),
                msm::msm_glv::<g1::Config>(&pk.l_query, black_box(wb)),
                msm::msm_glv::<g1::Config>(&pk.h_query, black_box(&hb)),
            )
        };
        let rounds = format!("floor/{depth}");
        let id = |name| BenchmarkId::new(name, depth);
        alternating(
            &mut group,
            id("proof"),
            &rounds,
            false,
            &mut proof,
            &mut parts,
        );
        alternating(
            &mut group,
            id("msms-and-ffts"),
            &rounds,
            true,
            &mut parts,
            &mut proof,
        );
        // Each part alone: where the time goes.
        group.bench_function(BenchmarkId::new("ffts", depth), |b| b.iter(ffts));
        group.bench_function(BenchmarkId::new("msm-a", depth), |b| {
            b.iter(|| msm::msm_glv::<g1::Config>(&pk.a_query, black_box(&zb)))
        });
        group.bench_function(BenchmarkId::new("msm-b-g1", depth), |b| {
            b.iter(|| msm::msm_glv::<g1::Config>(&pk.b_g1_query, black_box(&zb)))
        });
        group.bench_function(BenchmarkId::new("msm-b-g2", depth), |b| {
            b.iter(|| msm::msm_glv::<g2::Config>(&pk.b_g2_query, black_box(&zb)))
        });
        group.bench_function(BenchmarkId::new("msm-l", depth), |b| {
            b.iter(|| msm::msm_glv::<g1::Config>(&pk.l_query, black_box(wb)))
        });
        group.bench_function(BenchmarkId::new("msm-h", depth), |b| {
            b.iter(|| msm::msm_glv::<g1::Config>(&pk.h_query, black_box(&hb)))
        });
        // Not part of the floor: what the proof does besides MSMs and FFTs.
        group.bench_function(BenchmarkId::new("synthesis", depth), |b| {
            b.iter(|| {
                prover
                    .synthesize_witness(black_box(circuit.clone()))
                    .unwrap()
            })
        });
        group.bench_function(BenchmarkId::new("matrix-eval", depth), |b| {
            b.iter(|| groth16::witness_evaluations(m, black_box(&z), &domain).unwrap())
        });
    }
    group.finish();
}

fn prove_batch(c: &mut Criterion) {
    let mut group = c.benchmark_group("prove-batch");
    group.sample_size(10);
    let depth = 10;
    let prover = prover_at(depth);
    let mut w = World::with_depth(2, depth);
    let held = w.vaccination();
    let policy = claims::standard_vaccination(ISSUER).unwrap();
    let path = w.registry.path(held.index).unwrap();
    for n in BATCH_SIZES {
        let requests: Vec<_> = (0..n)
            .map(|i| zkhealth::prover::ProveRequest {
                secret: &w.secret,
                credential: &held.credential,
                path: &path,
                policy: &policy,
                today: today(),
                challenge: Fr::from(i as u64 + 1),
                scope: event_scope(8),
            })
            .collect();
        group.throughput(Throughput::Elements(n as u64));
        for (name, schedule) in [
            ("threads-per-proof", Schedule::ThreadsPerProof),
            ("proof-per-thread", Schedule::ProofPerThread),
        ] {
            group.bench_with_input(BenchmarkId::new(name, n), &requests, |b, requests| {
                b.iter(|| {
                    let out = prover.prove_batch_with(black_box(requests), schedule, &mut OsRng);
                    assert!(out.iter().all(Result::is_ok));
                    out
                })
            });
        }
    }
    group.finish();
}

fn verification(c: &mut Criterion) {
    let mut group = c.benchmark_group("verify");
    // A single verification and one pairing are timed in alternation, so the ratio of the
    // README compares them round by round under the same load.
    let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
    let mut pairing = || Bn254::pairing(black_box(g1), black_box(g2));
    for depth in DEPTHS {
        let (_w, circuit) = fixture(depth);
        let prover = prover_at(depth);
        let statement = circuit.statement.unwrap();
        let proof = prover.prove_circuit(circuit, &mut rng(4)).unwrap();
        let key = prover.artifact().verifying_key();
        verify(key, &statement, &proof).unwrap();
        let mut single = || verify(key, black_box(&statement), black_box(&proof)).unwrap();
        let rounds = format!("verify/{depth}");
        let id = |name| BenchmarkId::new(name, depth);
        alternating(
            &mut group,
            id("single"),
            &rounds,
            false,
            &mut single,
            &mut pairing,
        );
        alternating(
            &mut group,
            id("one-pairing"),
            &rounds,
            true,
            &mut pairing,
            &mut single,
        );
    }

    // 64 proofs under one key (distinct challenges and scopes).
    let depth = 16;
    let prover = prover_at(depth);
    let mut w = World::with_depth(3, depth);
    let held = w.vaccination();
    let policy = claims::standard_vaccination(ISSUER).unwrap();
    let path = w.registry.path(held.index).unwrap();
    let requests: Vec<_> = (0..VERIFY_BATCH)
        .map(|i| zkhealth::prover::ProveRequest {
            secret: &w.secret,
            credential: &held.credential,
            path: &path,
            policy: &policy,
            today: today(),
            challenge: Fr::from(i as u64 + 100),
            scope: event_scope(i as u64 + 200),
        })
        .collect();
    let items: Vec<(Statement, Proof)> = prover
        .prove_batch(&requests, &mut OsRng)
        .into_iter()
        .map(|p| {
            let p = p.unwrap();
            (p.statement, p.proof)
        })
        .collect();
    let key = prover.artifact().verifying_key();
    verify_batch(key, &items, &mut OsRng).unwrap();
    // Each round: the batch, then one of its proofs alone.
    let (statement, proof) = &items[0];
    group.throughput(Throughput::Elements(VERIFY_BATCH as u64));
    alternating(
        &mut group,
        BenchmarkId::new("batch", VERIFY_BATCH),
        "batch",
        false,
        &mut || verify_batch(key, black_box(&items), &mut OsRng).unwrap(),
        &mut || verify(key, black_box(statement), black_box(proof)).unwrap(),
    );
    group.throughput(Throughput::Elements(1));

    // Where a single verification's time goes, ours against ark-ec's: the 3-pair Miller loop
    // (B prepared per proof; −γ and −δ prepared once, by ark-ec or as our normalized lines)
    // and the final exponentiation; and one pairing in parts (a 1-pair Miller loop, the G2
    // point prepared in the loop, and the same final exponentiation).
    let (_, proof) = &items[0];
    let vk = key.inner();
    let (gamma, delta) = (-vk.gamma_g2, -vk.delta_g2);
    let prepared = [gamma, delta].map(<Bn254 as Pairing>::G2Prepared::from);
    let lines = [gamma, delta].map(|q| FixedLines::new(q).unwrap());
    let (l, c) = (vk.gamma_abc_g1[0], proof.0.c);
    let ark_miller = || {
        Bn254::multi_miller_loop(
            [proof.0.a, l, c],
            [
                <Bn254 as Pairing>::G2Prepared::from(proof.0.b),
                prepared[0].clone(),
                prepared[1].clone(),
            ],
        )
    };
    let our_miller = || {
        let b = <Bn254 as Pairing>::G2Prepared::from(proof.0.b);
        let fixed = Normalized::batch(&[l.into_group(), c.into_group()]);
        pairing::multi_miller_loop([(proof.0.a, &b)], fixed.into_iter().zip(&lines))
    };
    assert_eq!(
        pairing::final_exponentiation(our_miller()),
        Bn254::final_exponentiation(ark_miller())
    );
    // Timed in alternation: which loop is faster by wall time on this CPU.
    alternating(
        &mut group,
        BenchmarkId::new("miller-loop-3", "zkhealth"),
        "miller-loop-3",
        false,
        &mut || our_miller(),
        &mut || ark_miller(),
    );
    alternating(
        &mut group,
        BenchmarkId::new("miller-loop-3", "ark-ec"),
        "miller-loop-3",
        true,
        &mut || ark_miller(),
        &mut || our_miller(),
    );
    let m = ark_miller();
    group.bench_function(BenchmarkId::new("final-exponentiation", "ark-ec"), |b| {
        b.iter(|| Bn254::final_exponentiation(black_box(m)))
    });
    group.bench_function(BenchmarkId::new("final-exponentiation", "zkhealth"), |b| {
        b.iter(|| pairing::final_exponentiation(black_box(m)))
    });
    group.bench_function("miller-loop-1", |b| {
        b.iter(|| Bn254::multi_miller_loop([black_box(g1)], [black_box(g2)]))
    });
    group.finish();
}

fn registry(c: &mut Criterion) {
    let mut group = c.benchmark_group("registry");
    group.sample_size(10);
    let leaves: Vec<Fr> = (0..REGISTRY_LEAVES as u64)
        .map(|i| Fr::from(i + 1))
        .collect();
    group.throughput(Throughput::Elements(REGISTRY_LEAVES as u64));
    group.bench_function(BenchmarkId::new("extend", REGISTRY_LEAVES), |b| {
        b.iter(|| {
            let mut tree = MerkleTree::new(REGISTRY_DEPTH).unwrap();
            tree.extend(black_box(&leaves)).unwrap();
            tree
        })
    });
    let mut full = Registry::new(REGISTRY_DEPTH, WINDOW).unwrap();
    full.extend(&leaves, 0).unwrap();
    group.throughput(Throughput::Elements(1));
    group.bench_function(BenchmarkId::new("append-one", REGISTRY_LEAVES), |b| {
        b.iter_batched_ref(
            || full.clone(),
            |r| r.append(black_box(Fr::from(7u8)), 1).unwrap(),
            criterion::BatchSize::LargeInput,
        )
    });
    let mut i = 0u64;
    group.bench_function(BenchmarkId::new("path", REGISTRY_LEAVES), |b| {
        b.iter(|| {
            i = (i + 7919) % REGISTRY_LEAVES as u64;
            full.path(black_box(i)).unwrap()
        })
    });
    group.finish();
}

// ---- the table ------------------------------------------------------------------------------

/// Mean time in nanoseconds of one bench of this run, from criterion's estimates.
fn ms(ns: f64) -> String {
    format!("{:.2} ms", ns / 1e6)
}

fn print_table() {
    println!(
        "\n== zkhealth performance ({} rayon threads) ==",
        rayon::current_num_threads()
    );
    println!("| measurement | depth 10 (2^20 leaves) | depth 16 (2^32 leaves) | target |");
    println!("|---|---:|---:|---|");
    let row = |name: &str, f: &dyn Fn(u32) -> Option<String>, target: &str| {
        let cell = |d| f(d).unwrap_or_else(|| "not run".into());
        println!("| {name} | {} | {} | {target} |", cell(10), cell(16));
    };
    let ratio = |a: Option<f64>, b: Option<f64>| Some(format!("{:.2}", a? / b?));
    let floor = |d: u32| mean_ns(&format!("floor/msms-and-ffts/{d}"));
    let ours = |d: u32| mean_ns(&format!("prove/zkhealth/{d}"));
    row(
        "proof / stock `Groth16::prove`",
        &|d| ratio(ours(d), mean_ns(&format!("prove/stock-groth16/{d}"))),
        "<= 0.70",
    );
    row(
        "proof with a snarkjs-shaped key (circom reduction) / with ours (libsnark reduction)",
        &|d| ratio(mean_ns(&format!("prove/zkhealth-circom/{d}")), ours(d)),
        "~ 1",
    );
    row(
        "proof / ark-groth16's path on the same cached matrices",
        &|d| ratio(ours(d), mean_ns(&format!("prove/ark-cached-matrices/{d}"))),
        "",
    );
    // The ratios with a target: medians of per-round ratios of operations timed in alternation
    // (with the number of rounds), then the ratio of criterion's separate means.
    let rounds = |name: String, scale: f64| {
        round_ratio(&name).map(|(r, n)| format!("{:.2} ({n} rounds)", r / scale))
    };
    let proof = |d: u32| mean_ns(&format!("floor/proof/{d}"));
    row(
        "proof / (its MSMs + FFTs), in alternation",
        &|d| rounds(format!("floor/{d}"), 1.0),
        "<= 1.10",
    );
    row(
        "  the same, separate means",
        &|d| ratio(proof(d), floor(d)),
        "",
    );
    let single = |d: u32| mean_ns(&format!("verify/single/{d}"));
    let pairing = |d: u32| mean_ns(&format!("verify/one-pairing/{d}"));
    row(
        "verification / one pairing (`Bn254::pairing`), in alternation",
        &|d| rounds(format!("verify/{d}"), 1.0),
        "<= 1.5",
    );
    row(
        "  the same, separate means",
        &|d| ratio(single(d), pairing(d)),
        "",
    );
    row(
        "Miller loop (3 pairs), ours / ark-ec's prepared, in alternation",
        &|d| {
            (d == 16)
                .then(|| rounds("miller-loop-3".into(), 1.0))
                .flatten()
        },
        "",
    );
    let pairing_parts = mean_ns("verify/miller-loop-1")
        .and_then(|m| Some(m + mean_ns("verify/final-exponentiation/ark-ec")?));
    row(
        "verification / (1-pair Miller loop + final exponentiation), separate means",
        &|d| ratio(single(d), pairing_parts),
        "",
    );
    let batch = mean_ns(&format!("verify/batch/{VERIFY_BATCH}")).map(|t| t / VERIFY_BATCH as f64);
    row(
        &format!("batch verification, per proof at N = {VERIFY_BATCH} / single, in alternation"),
        &|d| {
            (d == 16)
                .then(|| rounds("batch".into(), VERIFY_BATCH as f64))
                .flatten()
        },
        "<= 0.35",
    );
    row(
        "  the same, separate means",
        &|d| (d == 16).then(|| ratio(batch, single(16))).flatten(),
        "",
    );
    row("proof, ours", &|d| ours(d).map(ms), "");
    row(
        "proof, ours, circom reduction",
        &|d| mean_ns(&format!("prove/zkhealth-circom/{d}")).map(ms),
        "",
    );
    row(
        "proof, stock",
        &|d| mean_ns(&format!("prove/stock-groth16/{d}")).map(ms),
        "",
    );
    row("floor: MSMs + FFTs", &|d| floor(d).map(ms), "");
    row(
        "  of which FFTs",
        &|d| mean_ns(&format!("floor/ffts/{d}")).map(ms),
        "",
    );
    row(
        "  of which MSM B in G2",
        &|d| mean_ns(&format!("floor/msm-b-g2/{d}")).map(ms),
        "",
    );
    row(
        "witness synthesis",
        &|d| mean_ns(&format!("floor/synthesis/{d}")).map(ms),
        "",
    );
    row(
        "matrix–vector products",
        &|d| mean_ns(&format!("floor/matrix-eval/{d}")).map(ms),
        "",
    );
    row("verification, single", &|d| single(d).map(ms), "");
    for (name, id) in [
        (
            "  of which Miller loop (3 pairs), ours",
            "verify/miller-loop-3/zkhealth",
        ),
        (
            "  of which final exponentiation, ours",
            "verify/final-exponentiation/zkhealth",
        ),
        (
            "Miller loop (3 pairs), ark-ec",
            "verify/miller-loop-3/ark-ec",
        ),
        (
            "final exponentiation, ark-ec",
            "verify/final-exponentiation/ark-ec",
        ),
        ("Miller loop (1 pair), ark-ec", "verify/miller-loop-1"),
    ] {
        println!(
            "| {name} | | {} | |",
            mean_ns(id).map(ms).unwrap_or_else(|| "not run".into())
        );
    }
    row("one pairing, ark-ec", &|d| pairing(d).map(ms), "");
    println!(
        "| batch verification, per proof (N = {VERIFY_BATCH}) | | {} | |",
        batch.map(ms).unwrap_or_else(|| "not run".into())
    );

    println!("\n| batch proving at depth 10 | N = 1 | N = 4 | N = 16 |");
    println!("|---|---:|---:|---:|");
    for name in ["threads-per-proof", "proof-per-thread"] {
        let cells: Vec<String> = BATCH_SIZES
            .iter()
            .map(|n| {
                mean_ns(&format!("prove-batch/{name}/{n}"))
                    .map(|t| format!("{:.2} proofs/s", *n as f64 / (t / 1e9)))
                    .unwrap_or_else(|| "not run".into())
            })
            .collect();
        println!("| {name} | {} |", cells.join(" | "));
    }

    println!("\n| registry (depth {REGISTRY_DEPTH}) | time |");
    println!("|---|---:|");
    for (name, id) in [
        (
            format!("append {REGISTRY_LEAVES} leaves (extend)"),
            format!("registry/extend/{REGISTRY_LEAVES}"),
        ),
        (
            format!("append one leaf at {REGISTRY_LEAVES}"),
            format!("registry/append-one/{REGISTRY_LEAVES}"),
        ),
        (
            format!("path lookup at {REGISTRY_LEAVES}"),
            format!("registry/path/{REGISTRY_LEAVES}"),
        ),
    ] {
        let t = mean_ns(&id).map(|t| {
            if t > 1e6 {
                ms(t)
            } else {
                format!("{:.1} µs", t / 1e3)
            }
        });
        println!("| {name} | {} |", t.unwrap_or_else(|| "not run".into()));
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(2));
    targets = prove, floor, prove_batch, verification, registry
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    print_table();
}
