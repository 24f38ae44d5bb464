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

/// Where the constraint matrices start in an artifact file's payload (the raw encoding): after
/// the tag, the verifying key file, the key's small parts and the five query vectors.
pub fn matrices_offset(payload: &[u8]) -> usize {
    let u64_at = |at: usize| u64::from_le_bytes(payload[at..at + 8].try_into().unwrap()) as usize;
    let mut at = 8;
    at += 8 + u64_at(at);
    at += 8 + u64_at(at);
    for len in [64, 64, 128, 64, 64] {
        at += 8 + u64_at(at) * len;
    }
    at
}

/// Where matrix A's row lengths start in an artifact's payload: after the matrices' dimensions
/// and their coefficient table.
pub fn row_lengths_offset(payload: &[u8]) -> usize {
    let at = matrices_offset(payload) + 24;
    let coefficients = u32::from_le_bytes(payload[at..at + 4].try_into().unwrap()) as usize;
    at + 4 + 32 * coefficients
}
