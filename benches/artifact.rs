//! Loading a proving artifact at registry depth 32, from its file on disk to a prover-ready
//! artifact: the raw encoding (Montgomery limbs, coefficient table) by each loader, next to the
//! arkworks encoding it replaced (the same key written as before: uncompressed points, one full
//! coefficient per matrix entry), with the file sizes.
//!
//! `cargo bench -p zkhealth --bench artifact` prints the table at the end.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::{hint::black_box, time::Duration};

use ark_serialize::{CanonicalSerialize, Compress};
use common::mean_ns;
use criterion::{criterion_group, BenchmarkId, Criterion};
use zkhealth::{
    prover::{ArtifactId, ProvingArtifact},
    testing::prover_at,
    verifier::container::{self, Kind},
};

const DEPTH: u32 = 16;

/// The artifact in the arkworks encoding files had before the raw one (still read).
fn arkworks_file(a: &ProvingArtifact) -> Vec<u8> {
    let vk_file = a.verifying_key().to_file_bytes();
    let mut payload = (vk_file.len() as u64).to_le_bytes().to_vec();
    payload.extend_from_slice(&vk_file);
    a.proving_key()
        .serialize_with_mode(&mut payload, Compress::No)
        .unwrap();
    a.matrices().write(&mut payload);
    container::seal(Kind::ProvingArtifact, &payload)
}

fn load(c: &mut Criterion) {
    let artifact = prover_at(DEPTH).artifact();
    let dir = tempfile::tempdir().unwrap();
    let raw_path = dir.path().join("raw.pk");
    let ark_path = dir.path().join("arkworks.pk");
    let raw = artifact.to_file_bytes().unwrap();
    let ark = arkworks_file(artifact);
    std::fs::write(&raw_path, &raw).unwrap();
    std::fs::write(&ark_path, &ark).unwrap();
    let raw_pin = ArtifactId::of_file(&raw).unwrap();
    let ark_pin = ArtifactId::of_file(&ark).unwrap();

    let mut group = c.benchmark_group("artifact");
    group.sample_size(20);
    for (name, path, pin) in [
        ("raw", &raw_path, raw_pin),
        ("arkworks", &ark_path, ark_pin),
    ] {
        group.bench_function(BenchmarkId::new(format!("{name}-pinned"), DEPTH), |b| {
            b.iter(|| {
                let bytes = std::fs::read(black_box(path)).unwrap();
                ProvingArtifact::from_file_bytes_pinned(&bytes, &pin).unwrap()
            })
        });
        group.bench_function(BenchmarkId::new(format!("{name}-digest"), DEPTH), |b| {
            b.iter(|| {
                let bytes = std::fs::read(black_box(path)).unwrap();
                ProvingArtifact::from_file_bytes(&bytes).unwrap()
            })
        });
    }
    group.bench_function(BenchmarkId::new("raw-validated", DEPTH), |b| {
        b.iter(|| {
            let bytes = std::fs::read(black_box(&raw_path)).unwrap();
            ProvingArtifact::from_file_bytes_validated(&bytes).unwrap()
        })
    });
    group.finish();

    println!("\n== proving artifact at depth {DEPTH}: file read and load ==");
    println!("| encoding | size | pinned id | container digest | every point validated |");
    println!("|---|---:|---:|---:|---:|");
    let ms = |id: &str| {
        mean_ns(&format!("artifact/{id}/{DEPTH}"))
            .map(|t| format!("{:.1} ms", t / 1e6))
            .unwrap_or_else(|| "not run".into())
    };
    for (name, bytes) in [("raw", &raw), ("arkworks", &ark)] {
        let validated = if name == "raw" {
            ms("raw-validated")
        } else {
            "".into()
        };
        println!(
            "| {name} | {:.1} MiB | {} | {} | {validated} |",
            bytes.len() as f64 / (1 << 20) as f64,
            ms(&format!("{name}-pinned")),
            ms(&format!("{name}-digest")),
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1));
    targets = load
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
