//! Claims against presentations, at registry depth 16 (2^32 leaves in each registry), in one
//! run: proving a claim (two credentials) against proving the standard presentation (one), and
//! verifying one against the other, each pair timed in alternation so that the ratio compares
//! them under the same load; and the claim's batch verification of 16 proofs per proof.
//!
//! `cargo bench -p zkhealth --bench claim` prints the table at the end.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::{hint::black_box, time::Duration};

use common::{alternating, mean_ns, round_ratio};
use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use rand_core::OsRng;
use zkhealth::{
    circuits::{
        circuit::{ClaimCircuit, PresentationCircuit},
        Fr,
    },
    records::claims,
    testing::{self, claims as claim, event_scope, today, World},
    verifier::{verify, verify_batch, ClaimPresentation},
};

const DEPTH: u32 = 16;
const BATCH: usize = 16;

/// `n` claims of distinct treatments at [`DEPTH`] with the circuit of the first, and the
/// presentation circuit of the standard policy at the same depth.
fn fixtures(n: usize) -> (Vec<ClaimPresentation>, ClaimCircuit, PresentationCircuit) {
    let mut w = claim::ClaimWorld::new(DEPTH);
    let treatments: Vec<_> = (0..n)
        .map(|i| w.treat(claim::treatment_record(&format!("AMC-{i}"))))
        .collect();
    let claims = treatments
        .iter()
        .enumerate()
        .map(|(i, t)| w.claim(t, i as u64 + 1, i as u64 + 1).unwrap())
        .collect();
    let circuit = w.circuit(&treatments[0], 1);
    let mut p = World::with_depth(1, DEPTH);
    let held = p.vaccination();
    let policy = claims::standard_vaccination(testing::ISSUER).unwrap();
    let (statement, witness) =
        p.honest_parts(&held, &policy, today(), Fr::from(7u8), event_scope(8));
    (
        claims,
        circuit,
        PresentationCircuit::new(DEPTH, statement, witness),
    )
}

fn claims(c: &mut Criterion) {
    let mut group = c.benchmark_group("claim");
    group.sample_size(10);
    let (claims, circuit, presentation) = fixtures(BATCH);
    let claim_prover = claim::prover_at(DEPTH);
    let presentation_prover = testing::prover_at(DEPTH);
    let mut prove_claim = || {
        claim_prover
            .prove_circuit(black_box(circuit.clone()), &mut OsRng)
            .unwrap()
    };
    let mut prove_presentation = || {
        presentation_prover
            .prove_circuit(black_box(presentation.clone()), &mut OsRng)
            .unwrap()
    };
    let id = |name| BenchmarkId::new(name, DEPTH);
    alternating(
        &mut group,
        id("prove-claim"),
        "prove",
        false,
        &mut prove_claim,
        &mut prove_presentation,
    );
    alternating(
        &mut group,
        id("prove-presentation"),
        "prove",
        true,
        &mut prove_presentation,
        &mut prove_claim,
    );

    let claim_key = claim_prover.artifact().verifying_key();
    let presentation_key = presentation_prover.artifact().verifying_key();
    let statement = presentation.statement.unwrap();
    let proof = presentation_prover
        .prove_circuit(presentation.clone(), &mut OsRng)
        .unwrap();
    let first = &claims[0];
    verify(claim_key, &first.statement, &first.proof).unwrap();
    verify(presentation_key, &statement, &proof).unwrap();
    let mut verify_claim = || verify(claim_key, black_box(&first.statement), &first.proof).unwrap();
    let mut verify_presentation =
        || verify(presentation_key, black_box(&statement), &proof).unwrap();
    group.sample_size(50);
    alternating(
        &mut group,
        id("verify-claim"),
        "verify",
        false,
        &mut verify_claim,
        &mut verify_presentation,
    );
    alternating(
        &mut group,
        id("verify-presentation"),
        "verify",
        true,
        &mut verify_presentation,
        &mut verify_claim,
    );

    let items: Vec<_> = claims
        .iter()
        .map(|c| (c.statement, c.proof.clone()))
        .collect();
    verify_batch(claim_key, &items, &mut OsRng).unwrap();
    group.throughput(Throughput::Elements(BATCH as u64));
    alternating(
        &mut group,
        BenchmarkId::new("verify-claims-batch", BATCH),
        "batch",
        false,
        &mut || verify_batch(claim_key, black_box(&items), &mut OsRng).unwrap(),
        &mut verify_claim,
    );
    group.finish();
}

fn print_table() {
    println!(
        "\n== claims against presentations, depth {DEPTH} ({} rayon threads) ==",
        rayon::current_num_threads()
    );
    println!("| measurement | ratio (median of rounds) | rounds | claim | presentation |");
    println!("|---|---:|---:|---:|---:|");
    let ms = |id: &str| mean_ns(id).map_or("not run".into(), |ns| format!("{:.2} ms", ns / 1e6));
    let row = |name: &str, rounds: &str, per: f64, a: &str, b: &str| {
        let (ratio, n) = round_ratio(rounds).map_or(("not run".into(), 0), |(r, n)| {
            (format!("{:.2}", r / per), n)
        });
        println!("| {name} | {ratio} | {n} | {} | {} |", ms(a), ms(b));
    };
    row(
        "proof: claim / presentation",
        "prove",
        1.0,
        &format!("claim/prove-claim/{DEPTH}"),
        &format!("claim/prove-presentation/{DEPTH}"),
    );
    row(
        "verification: claim / presentation",
        "verify",
        1.0,
        &format!("claim/verify-claim/{DEPTH}"),
        &format!("claim/verify-presentation/{DEPTH}"),
    );
    row(
        "batch of 16 claims per claim / one claim",
        "batch",
        BATCH as f64,
        &format!("claim/verify-claims-batch/{BATCH}"),
        &format!("claim/verify-claim/{DEPTH}"),
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(2));
    targets = claims
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    print_table();
}
