//! What the prover's integration tests share: a holder with a vaccination credential in a small
//! registry, and the standard policy.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;

use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
use zkhealth_circuits::{
    credential::{Credential, HolderSecret},
    date::Day,
    merkle::{MerklePath, MerkleTree},
    policy::Policy,
    Fr,
};
use zkhealth_prover::ProvingArtifact;
use zkhealth_records::{claims, testing};

/// The registry depth of the prover's tests.
pub const DEPTH: u32 = 2;
/// The credentials' issuer.
pub const ISSUER: &str = "NL-RIVM";

/// A seeded RNG.
pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// The verifier's date.
pub fn today() -> Day {
    "2026-11-21".parse().unwrap()
}

/// A holder, its vaccination credential in a registry, that credential's path and the policy;
/// and a stranger's secret.
pub struct Fixture {
    pub secret: HolderSecret,
    pub stranger: HolderSecret,
    pub credential: Credential,
    pub path: MerklePath,
    pub policy: Policy,
}

/// The shared [`Fixture`], made once per test binary.
pub fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let mut rng = rng(2);
        let secret = HolderSecret::random(&mut rng);
        let record = testing::vaccination("1990-04-12", today().checked_sub(60).unwrap());
        let expiry = "2027-06-01".parse().unwrap();
        let credential =
            Credential::new(&record, ISSUER, secret.holder_key(), expiry, &mut rng).unwrap();
        let mut tree = MerkleTree::new(DEPTH).unwrap();
        tree.append(Fr::from(12_345u64)).unwrap();
        let index = tree.append(credential.commit()).unwrap();
        Fixture {
            stranger: HolderSecret::random(&mut rng),
            secret,
            credential,
            path: tree.path(index).unwrap(),
            policy: claims::standard_vaccination(ISSUER).unwrap(),
        }
    })
}

/// Where the constraint matrices start in an artifact file's payload of `payload_len` bytes:
/// after the verifying and proving keys, before the provenance (the reduction's byte, the
/// origin's length and its JSON).
pub fn matrices_offset(artifact: &ProvingArtifact, payload_len: usize) -> usize {
    let mut m = Vec::new();
    artifact.matrices().write(&mut m);
    let provenance = 1 + 4 + serde_json::to_vec(artifact.origin()).unwrap().len();
    payload_len - provenance - m.len()
}
