//! Groth16 verification with a real key and real proofs (the tiny fixture circuit): valid
//! proofs verify, every public input is bound, corrupted proofs are refused without panics, and
//! key files round-trip with a stable id.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use ark_bn254::Bn254;
use ark_groth16::Groth16;
use sha2::{Digest, Sha256};
use zkhealth_circuits::{date::Day, Fr, Statement};
use zkhealth_verifier::{
    container::{self, Kind},
    verify, KeyId, Proof, VerifyError, VerifyingKey,
};

fn statement() -> Statement {
    common::statement(5)
}

#[test]
fn valid_proof_verifies() {
    let s = statement();
    let proof = common::prove(&s, 1);
    assert_eq!(verify(common::key(), &s, &proof), Ok(()));
    // A re-randomized proof of the same statement verifies too.
    assert_eq!(verify(common::key(), &s, &common::prove(&s, 2)), Ok(()));
}

#[test]
fn every_public_input_is_bound() {
    // Each of the seven inputs changed alone, at the level of the raw input vector (the
    // statement ties the two forms of `today` together, so they are changed separately here).
    let s = statement();
    let proof = common::prove(&s, 1);
    let pvk = ark_groth16::prepare_verifying_key(common::key().inner());
    let inputs = s.to_field_elements();
    assert!(Groth16::<Bn254>::verify_proof(&pvk, &proof.0, &inputs).unwrap());
    for i in 0..Statement::NUM_INPUTS {
        let mut changed = inputs;
        changed[i] += Fr::from(1u8);
        assert!(
            !Groth16::<Bn254>::verify_proof(&pvk, &proof.0, &changed).unwrap(),
            "input {i} is not bound"
        );
    }
}

#[test]
fn each_statement_field_changed_gives_invalid_proof() {
    let s = statement();
    let proof = common::prove(&s, 1);
    let one = Fr::from(1u8);
    for (name, t) in [
        (
            "root",
            Statement {
                root: s.root + one,
                ..s
            },
        ),
        (
            "today",
            Statement {
                today: Day(s.today.0 - 1),
                ..s
            },
        ),
        (
            "challenge",
            Statement {
                challenge: s.challenge + one,
                ..s
            },
        ),
        (
            "scope",
            Statement {
                scope: s.scope + one,
                ..s
            },
        ),
        (
            "nullifier",
            Statement {
                nullifier: s.nullifier + one,
                ..s
            },
        ),
        (
            "query_hash",
            Statement {
                query_hash: s.query_hash + one,
                ..s
            },
        ),
    ] {
        assert_eq!(
            verify(common::key(), &t, &proof),
            Err(VerifyError::InvalidProof),
            "{name}"
        );
    }
}

#[test]
fn proof_with_flipped_bits_is_refused_and_never_panics() {
    let s = statement();
    let bytes = common::prove(&s, 1).to_bytes();
    let (mut malformed, mut invalid) = (0, 0);
    for i in 0..bytes.len() {
        for bit in 0..8 {
            let mut b = bytes;
            b[i] ^= 1 << bit;
            match Proof::from_bytes(&b) {
                Err(e) => {
                    assert!(e.is_malformed(), "byte {i} bit {bit}: {e}");
                    malformed += 1;
                }
                Ok(p) => {
                    assert_eq!(
                        verify(common::key(), &s, &p),
                        Err(VerifyError::InvalidProof),
                        "byte {i} bit {bit}"
                    );
                    invalid += 1;
                }
            }
        }
    }
    // Both paths are exercised.
    assert!(malformed > 0 && invalid > 0, "{malformed} {invalid}");
}

#[test]
fn proof_from_another_key_is_invalid() {
    let s = statement();
    let (pk2, vk2) = common::setup(2);
    let proof = Proof(
        Groth16::<Bn254>::create_random_proof_with_reduction(
            common::SquaresCircuit {
                inputs: Some(s.to_field_elements()),
            },
            &pk2,
            &mut <rand_chacha::ChaCha20Rng as rand_chacha::rand_core::SeedableRng>::seed_from_u64(
                3,
            ),
        )
        .unwrap(),
    );
    assert_eq!(verify(&vk2, &s, &proof), Ok(()));
    assert_eq!(
        verify(common::key(), &s, &proof),
        Err(VerifyError::InvalidProof)
    );
}

#[test]
fn key_file_round_trips_with_a_stable_id() {
    let key = common::key();
    let bytes = key.to_file_bytes();
    let back = VerifyingKey::from_file_bytes(&bytes).unwrap();
    assert_eq!(back.id(), key.id());
    assert_eq!(back.depth(), common::DEPTH);
    assert_eq!(back.inner(), key.inner());
    assert_eq!(back.to_file_bytes(), bytes);
    // The id is the SHA-256 of the container's payload.
    let payload = container::open(Kind::VerifyingKey, &bytes).unwrap();
    assert_eq!(key.id(), KeyId(Sha256::digest(payload).into()));
    // Circuit id (u16), depth (u32), then the compressed key.
    assert_eq!(payload.len(), 2 + 4 + 32 + 3 * 64 + 8 + 7 * 32);
    // The same seeded setup gives the same id; another setup another id.
    assert_eq!(common::setup(1).1.id(), key.id());
    assert_ne!(common::setup(2).1.id(), key.id());
    // The loaded key verifies proofs made under the original.
    let s = statement();
    assert_eq!(verify(&back, &s, &common::prove(&s, 4)), Ok(()));
}

#[test]
fn key_file_rejects_corruption() {
    let bytes = common::key().to_file_bytes();
    for i in [0, 8, 9, 11, 19, 100, bytes.len() - 1] {
        let mut b = bytes.clone();
        b[i] ^= 1;
        let e = VerifyingKey::from_file_bytes(&b).unwrap_err();
        assert!(e.is_malformed(), "byte {i}: {e}");
    }
    assert!(matches!(
        VerifyingKey::from_file_bytes(&bytes[..bytes.len() - 1]),
        Err(VerifyError::LengthMismatch { .. })
    ));
}
