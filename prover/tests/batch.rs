//! Batch proving at a small depth: request order, per-request errors, and randomness taken from
//! the caller's RNG (one derived RNG per proof). Runs with and without the `parallel` feature.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::OnceLock;

use common::{fixture, rng, today, DEPTH};
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
use zkhealth_circuits::{Fr, Scope};
use zkhealth_prover::{setup, ProveRequest, Prover, ProverError, ProvingArtifact, Schedule};
use zkhealth_verifier::{verify, Presentation};

fn prover() -> &'static Prover {
    static P: OnceLock<Prover> = OnceLock::new();
    P.get_or_init(|| Prover::new(setup(DEPTH, &mut rng(1)).unwrap().0))
}

/// Requests for challenges 50, 51, ...; the one at `wrong_secret` uses a stranger's secret.
fn requests(n: u64, wrong_secret: Option<u64>) -> Vec<ProveRequest<'static>> {
    let f = fixture();
    (0..n)
        .map(|i| ProveRequest {
            secret: if Some(i) == wrong_secret {
                &f.stranger
            } else {
                &f.secret
            },
            credential: &f.credential,
            path: &f.path,
            policy: &f.policy,
            today: today(),
            challenge: Fr::from(50 + i),
            scope: Scope::named("test-verifier", "event-60").unwrap(),
        })
        .collect()
}

fn proofs(out: Vec<Result<Presentation, ProverError>>) -> Vec<Presentation> {
    out.into_iter().map(Result::unwrap).collect()
}

#[test]
fn batch_keeps_request_order_and_each_error_under_both_schedules() {
    let requests = requests(4, Some(2));
    let vk = prover().artifact().verifying_key();
    for schedule in [Schedule::ThreadsPerProof, Schedule::ProofPerThread] {
        let out = prover().prove_batch_with(&requests, schedule, &mut rng(3));
        assert_eq!(out.len(), 4);
        for (i, r) in out.iter().enumerate() {
            if i == 2 {
                assert!(
                    matches!(r, Err(ProverError::HolderSecretMismatch)),
                    "{schedule:?}"
                );
            } else {
                let p = r.as_ref().unwrap();
                assert_eq!(p.statement.challenge, Fr::from(50 + i as u64));
                assert_eq!(verify(vk, &p.statement, &p.proof), Ok(()));
            }
        }
    }
    assert!(prover().prove_batch(&[], &mut rng(3)).is_empty());
}

#[test]
fn batch_randomness_comes_from_the_callers_rng_one_seed_per_request() {
    let requests = requests(3, None);
    let threads =
        proofs(prover().prove_batch_with(&requests, Schedule::ThreadsPerProof, &mut rng(4)));
    let per_thread =
        proofs(prover().prove_batch_with(&requests, Schedule::ProofPerThread, &mut rng(4)));
    // The same caller RNG state gives the same proofs, whichever schedule.
    assert_eq!(threads, per_thread);
    // Request i is proved with a ChaCha20Rng seeded by the i-th 32 bytes of the caller's RNG.
    let mut caller = rng(4);
    for (req, batch) in requests.iter().zip(&threads) {
        let mut seed = [0u8; 32];
        rand_chacha::rand_core::RngCore::fill_bytes(&mut caller, &mut seed);
        let single = prover()
            .prove_with_rng(req, &mut ChaCha20Rng::from_seed(seed))
            .unwrap();
        assert_eq!(&single, batch);
    }
    // Another caller RNG state gives other proofs of the same statements.
    let other = proofs(prover().prove_batch(&requests, &mut rng(5)));
    for (a, b) in threads.iter().zip(&other) {
        assert_eq!(a.statement, b.statement);
        assert_ne!(a.proof, b.proof);
    }
}

#[test]
fn identical_requests_in_one_batch_get_independent_randomness() {
    let one = requests(1, None).remove(0);
    let out = proofs(prover().prove_batch(&[one.clone(), one], &mut rng(6)));
    assert_eq!(out[0].statement, out[1].statement);
    assert_ne!(out[0].proof, out[1].proof);
}

#[test]
fn an_altered_artifact_gives_an_error_rather_than_a_proof_that_does_not_verify() {
    use zkhealth_verifier::container::{self, Kind};
    let artifact = prover().artifact();
    let mut payload = container::open(Kind::ProvingArtifact, &artifact.to_file_bytes().unwrap())
        .unwrap()
        .to_vec();
    // The first entry of A's first non-empty row points at another coefficient of the table
    // (so the file still decodes).
    let lengths = common::row_lengths_offset(&payload);
    let at = common::matrices_offset(&payload);
    let word = |p: &[u8], at: usize| u32::from_le_bytes(p[at..at + 4].try_into().unwrap());
    let coefficients = word(&payload, at + 24);
    let constraints = u64::from_le_bytes(payload[at + 16..at + 24].try_into().unwrap()) as usize;
    assert!(coefficients > 1);
    // Empty rows have no entries: the first entry is the first non-empty row's.
    let entry = lengths + 4 * constraints;
    let index = word(&payload, entry + 4);
    payload[entry + 4..entry + 8].copy_from_slice(&((index + 1) % coefficients).to_le_bytes());
    let altered =
        ProvingArtifact::from_file_bytes(&container::seal(Kind::ProvingArtifact, &payload))
            .unwrap();
    assert_ne!(altered.matrices(), artifact.matrices());
    let request = &requests(1, None)[0];
    let err = Prover::new(altered)
        .prove_with_rng(request, &mut rng(9))
        .unwrap_err();
    assert!(
        matches!(err, ProverError::ProofDoesNotVerify { .. }),
        "{err}"
    );
    // The genuine artifact proves the same request.
    prover().prove_with_rng(request, &mut rng(9)).unwrap();
}
