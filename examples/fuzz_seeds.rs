//! Writes the seed corpora of the fuzz targets (`fuzz/`), from the same fixtures the tests use:
//! `cargo run --example fuzz_seeds -- fuzz/corpus`. One directory per target, a few valid
//! inputs in each, which the fuzzer then mutates.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{fs, path::Path};

use zkhealth::{
    circuits::Fr,
    records::claims::{self, Claims},
    registry::store::RegistryStore,
    testing::{event_scope, today, World, ISSUER},
    verifier::{MemoryNullifiers, NullifierStore},
};

fn seed(dir: &Path, target: &str, name: &str, bytes: &[u8]) {
    let dir = dir.join(target);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join(name), bytes).unwrap();
}

fn main() {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "fuzz/corpus".into());
    let out = Path::new(&out);

    let depth = 2;
    let mut w = World::with_depth(1, depth);
    let held = w.vaccination();
    let standard = claims::standard_vaccination(ISSUER).unwrap();
    let disclosing = Claims::vaccination(ISSUER)
        .age_between(18, 65)
        .disclose("country")
        .build()
        .unwrap();
    for (i, policy) in [&standard, &disclosing].into_iter().enumerate() {
        let p = w
            .present(&held, policy, today(), Fr::from(7u8), event_scope(8))
            .unwrap();
        seed(
            out,
            "presentation",
            &format!("binary-{i}"),
            &p.to_bytes().unwrap(),
        );
        seed(
            out,
            "presentation",
            &format!("json-{i}"),
            p.to_json().as_bytes(),
        );
        seed(
            out,
            "presentation",
            &format!("qr-{i}"),
            p.to_qr_text().unwrap().as_bytes(),
        );
        seed(out, "proof", &format!("binary-{i}"), &p.proof.to_bytes());
        seed(
            out,
            "proof",
            &format!("hex-{i}"),
            p.proof.to_hex().as_bytes(),
        );
    }

    let prover = zkhealth::testing::prover_at(depth);
    let vk = prover.artifact().verifying_key();
    seed(out, "keys", "vk", &vk.to_file_bytes());
    seed(
        out,
        "keys",
        "artifact",
        &prover.artifact().to_file_bytes().unwrap(),
    );

    let coverage = Claims::coverage(ISSUER)
        .status_active()
        .category_covered("outpatient")
        .build()
        .unwrap();
    for (i, policy) in [&standard, &disclosing, &coverage].into_iter().enumerate() {
        let json = serde_json::to_vec(policy).unwrap();
        seed(out, "policy", &format!("policy-{i}"), &json);
    }

    let credential = serde_json::to_vec(&held.credential).unwrap();
    seed(out, "credential", "credential", &credential);
    let record = serde_json::to_vec(&zkhealth::testing::identity_record("1990-04-12")).unwrap();
    seed(out, "credential", "record", &record);

    let path = serde_json::to_vec(&w.registry.path(held.index).unwrap()).unwrap();
    seed(
        out,
        "merkle_path",
        "path",
        &[&[depth as u8][..], &path].concat(),
    );

    seed(out, "roots", "issuer-roots", w.roots().to_json().as_bytes());

    let mut used = MemoryNullifiers::new();
    for i in 0..3u8 {
        used.insert(&Fr::from(i), &Fr::from(100 + i)).unwrap();
    }
    seed(
        out,
        "nullifiers",
        "used",
        &serde_json::to_vec(&used).unwrap(),
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("registry.redb");
    {
        let mut store = RegistryStore::open_or_create(&file, 4, 60).unwrap();
        store.bind_issuer(ISSUER).unwrap();
        for i in 1..4u64 {
            store.append(Fr::from(i), 1_750_000_000 + i).unwrap();
        }
        store.revoke(1, 1_750_000_010).unwrap();
    }
    seed(out, "registry_file", "registry", &fs::read(&file).unwrap());
    println!("seed corpora written to {}", out.display());
}
