//! Proving artifact files, cached matrices and the witness-only prove path (small depth).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::OnceLock;

use sha2::Digest;

use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
use zkhealth_circuits::{circuit::PresentationCircuit, Fr};
use zkhealth_prover::{
    matrices::ConstraintMatrices, setup, ArtifactId, Prover, ProverError, ProvingArtifact,
};
use zkhealth_verifier::{VerifyError, VerifyingKey};

const DEPTH: u32 = 2;

fn artifact() -> &'static (ProvingArtifact, VerifyingKey) {
    static A: OnceLock<(ProvingArtifact, VerifyingKey)> = OnceLock::new();
    A.get_or_init(|| setup(DEPTH, &mut ChaCha20Rng::seed_from_u64(1)).unwrap())
}

#[test]
fn setup_rejects_unsupported_depths() {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    assert!(matches!(
        setup(0, &mut rng),
        Err(ProverError::UnsupportedDepth { depth: 0, max: 16 })
    ));
    assert!(matches!(
        setup(17, &mut rng),
        Err(ProverError::UnsupportedDepth { depth: 17, max: 16 })
    ));
}

#[test]
fn artifact_file_round_trips() {
    let (a, vk) = artifact();
    let bytes = a.to_file_bytes().unwrap();
    let back = ProvingArtifact::from_file_bytes(&bytes).unwrap();
    assert_eq!(back.verifying_key().id(), vk.id());
    assert_eq!(back.depth(), DEPTH);
    assert_eq!(back.matrices(), a.matrices());
    assert_eq!(back.proving_key(), a.proving_key());
}

#[test]
fn artifact_file_rejects_corruption_truncation_and_the_wrong_kind() {
    let (a, vk) = artifact();
    let bytes = a.to_file_bytes().unwrap();
    let mut flipped = bytes.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 1;
    assert!(matches!(
        ProvingArtifact::from_file_bytes(&flipped),
        Err(ProverError::KeyFile(VerifyError::DigestMismatch))
    ));
    for len in [0, 10, 40, bytes.len() - 1] {
        assert!(ProvingArtifact::from_file_bytes(&bytes[..len]).is_err());
    }
    assert!(matches!(
        ProvingArtifact::from_file_bytes(&vk.to_file_bytes()),
        Err(ProverError::KeyFile(VerifyError::WrongKind { .. }))
    ));
    assert!(VerifyingKey::from_file_bytes(&bytes).is_err());
}

#[test]
fn an_artifact_with_another_setups_verifying_key_is_refused() {
    let (a, _) = artifact();
    let (other, _) = setup(DEPTH, &mut ChaCha20Rng::seed_from_u64(3)).unwrap();
    // Rebuild a file whose embedded verifying key is the other setup's.
    let mine = a.to_file_bytes().unwrap();
    let theirs = other.to_file_bytes().unwrap();
    let payload_of = |file: &[u8]| {
        zkhealth_verifier::container::open(
            zkhealth_verifier::container::Kind::ProvingArtifact,
            file,
        )
        .unwrap()
        .to_vec()
    };
    let (p_mine, p_theirs) = (payload_of(&mine), payload_of(&theirs));
    // After the encoding's tag: the verifying key file's length, then the file.
    let vk_len = u64::from_le_bytes(p_mine[8..16].try_into().unwrap()) as usize;
    let mut mixed = p_mine[..16].to_vec();
    mixed.extend_from_slice(&p_theirs[16..16 + vk_len]);
    mixed.extend_from_slice(&p_mine[16 + vk_len..]);
    let file = zkhealth_verifier::container::seal(
        zkhealth_verifier::container::Kind::ProvingArtifact,
        &mixed,
    );
    assert!(matches!(
        ProvingArtifact::from_file_bytes(&file),
        Err(ProverError::KeyMismatch)
    ));
}

#[test]
fn an_artifact_pairs_with_its_own_key_and_depth_only() {
    let (a, vk) = artifact();
    assert!(a.check_pair(vk, DEPTH).is_ok());
    let (_, other) = setup(DEPTH, &mut ChaCha20Rng::seed_from_u64(4)).unwrap();
    assert!(matches!(
        a.check_pair(&other, DEPTH),
        Err(ProverError::NotPaired { .. })
    ));
    assert!(matches!(
        a.check_pair(vk, DEPTH + 1),
        Err(ProverError::WrongDepth {
            expected: 3,
            found: 2
        })
    ));
}

#[test]
fn cached_matrices_are_the_circuits() {
    let (a, _) = artifact();
    let fresh = ConstraintMatrices::for_depth(DEPTH).unwrap();
    assert_eq!(&fresh, a.matrices());
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(ark_relations::gr1cs::SynthesisMode::Setup);
    PresentationCircuit::blank(DEPTH)
        .generate_constraints(cs.clone())
        .unwrap();
    cs.finalize();
    assert_eq!(fresh.num_constraints, cs.num_constraints());
    assert_eq!(fresh.num_instance_variables, 7);
    assert!(fresh.non_zeros().iter().all(|n| *n > 0));
}

#[test]
fn synthesis_refuses_a_circuit_of_another_depth() {
    let (a, _) = artifact();
    let prover = Prover::new(a.clone());
    let err = prover
        .synthesize_witness(PresentationCircuit::blank(DEPTH + 1))
        .unwrap_err();
    assert!(matches!(
        err,
        ProverError::DepthMismatch {
            circuit: 3,
            artifact: 2
        }
    ));
}

#[test]
fn forged_matrix_counts_are_refused_without_allocating() {
    let (a, _) = artifact();
    let bytes = a.to_file_bytes().unwrap();
    let payload = zkhealth_verifier::container::open(
        zkhealth_verifier::container::Kind::ProvingArtifact,
        &bytes,
    )
    .unwrap()
    .to_vec();
    let at = common::matrices_offset(&payload);
    for (offset, value) in [
        (16usize, u64::MAX),
        (16, 1 << 40),
        (0, u64::MAX),
        (8, u64::MAX),
    ] {
        let mut forged = payload.clone();
        forged[at + offset..at + offset + 8].copy_from_slice(&value.to_le_bytes());
        let file = zkhealth_verifier::container::seal(
            zkhealth_verifier::container::Kind::ProvingArtifact,
            &forged,
        );
        assert!(ProvingArtifact::from_file_bytes(&file).is_err());
    }
    // A coefficient table of 2^32 - 1 entries, a row claiming 2^32 - 1 entries.
    let row = common::row_lengths_offset(&payload);
    for at in [at + 24, row] {
        let mut forged = payload.clone();
        forged[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        let file = zkhealth_verifier::container::seal(
            zkhealth_verifier::container::Kind::ProvingArtifact,
            &forged,
        );
        assert!(ProvingArtifact::from_file_bytes(&file).is_err());
    }
}

/// The Poseidon gadget's linear combinations are inlined into the matrices; the matrix–vector
/// products of the witness map cost what the non-zeros cost, so their density is pinned.
#[test]
fn matrix_density_at_depth_16_is_pinned() {
    let m = ConstraintMatrices::for_depth(16).unwrap();
    let [a, b, c] = m.non_zeros();
    println!(
        "depth 16: {} constraints, non-zeros A {a}, B {b}, C {c}, {:.2} per constraint",
        m.num_constraints,
        (a + b + c) as f64 / m.num_constraints as f64
    );
    assert_eq!(m.num_constraints, 8_799);
    assert_eq!([a, b, c], [82_156, 152_875, 7_926]);
}

/// The artifact's payload, and the file sealed around an edited payload (digest recomputed, so
/// only the checks inside the payload can catch the edit).
fn payload_of(file: &[u8]) -> Vec<u8> {
    zkhealth_verifier::container::open(zkhealth_verifier::container::Kind::ProvingArtifact, file)
        .unwrap()
        .to_vec()
}

fn reseal(payload: &[u8]) -> Vec<u8> {
    zkhealth_verifier::container::seal(zkhealth_verifier::container::Kind::ProvingArtifact, payload)
}

/// Where `a_query[1]`'s x sits in an artifact's payload: its Montgomery limbs, little-endian, as
/// the raw encoding holds them.
fn a_query_1_x(a: &ProvingArtifact, payload: &[u8]) -> usize {
    let x: Vec<u8> = a.proving_key().a_query[1]
        .x
        .0
         .0
        .iter()
        .flat_map(|l| l.to_le_bytes())
        .collect();
    payload
        .windows(x.len())
        .position(|w| w == x.as_slice())
        .unwrap()
}

/// The artifact file with one coordinate byte of the proving key's `a_query[1]` flipped and
/// the container digest recomputed: the point leaves the curve, the file stays well-formed.
fn tampered() -> Vec<u8> {
    let (a, _) = artifact();
    let mut payload = payload_of(&a.to_file_bytes().unwrap());
    let at = a_query_1_x(a, &payload);
    // The low byte of x (little-endian): still a canonical coordinate, no longer on the curve.
    payload[at] ^= 1;
    reseal(&payload)
}

#[test]
fn artifact_carries_its_circuit_and_depth() {
    let (a, vk) = artifact();
    assert_eq!(a.circuit(), zkhealth_circuits::CircuitId::Presentation);
    assert_eq!(vk.circuit(), a.circuit());
    let back = ProvingArtifact::from_file_bytes(&a.to_file_bytes().unwrap()).unwrap();
    assert_eq!((back.circuit(), back.depth()), (a.circuit(), DEPTH));
    // The embedded verifying key file (after the encoding's tag) starts with the circuit id and
    // the depth.
    let payload = payload_of(&a.to_file_bytes().unwrap());
    assert_eq!(&payload[..8], b"ZKPKRAW1");
    let vk_payload = zkhealth_verifier::container::open(
        zkhealth_verifier::container::Kind::VerifyingKey,
        &payload[16..16 + u64::from_le_bytes(payload[8..16].try_into().unwrap()) as usize],
    )
    .unwrap();
    assert_eq!(&vk_payload[..6], &[1, 0, DEPTH as u8, 0, 0, 0]);
}

/// Files in the arkworks encoding (written before the raw one; no tag, the proving key
/// uncompressed, the matrices with each coefficient in full) still load, as they are, with the
/// same checks: the genuine file loads to the same artifact by every loader, and a point taken
/// off the curve is refused by validation.
#[test]
fn arkworks_encoded_artifacts_still_load() {
    use ark_serialize::{CanonicalSerialize, Compress};
    let (a, vk) = artifact();
    let vk_file = vk.to_file_bytes();
    let mut payload = (vk_file.len() as u64).to_le_bytes().to_vec();
    payload.extend_from_slice(&vk_file);
    let at = payload.len();
    a.proving_key()
        .serialize_with_mode(&mut payload, Compress::No)
        .unwrap();
    a.matrices().write(&mut payload);
    let file = reseal(&payload);
    let pin = ArtifactId(sha2::Sha256::digest(&payload).into());
    for back in [
        ProvingArtifact::from_file_bytes(&file).unwrap(),
        ProvingArtifact::from_file_bytes_validated(&file).unwrap(),
        ProvingArtifact::from_file_bytes_pinned(&file, &pin).unwrap(),
    ] {
        assert_eq!(back.proving_key(), a.proving_key());
        assert_eq!(back.matrices(), a.matrices());
        assert_eq!(back.verifying_key(), vk);
    }
    // Written again, it is in the raw encoding, and smaller.
    let again = ProvingArtifact::from_file_bytes(&file)
        .unwrap()
        .to_file_bytes()
        .unwrap();
    assert_eq!(again, a.to_file_bytes().unwrap());
    assert!(again.len() < file.len());
    // a_query[1]'s x (canonical, big-endian limbs in arkworks' encoding start with its low byte).
    let mut point = Vec::new();
    a.proving_key().a_query[1]
        .serialize_with_mode(&mut point, Compress::No)
        .unwrap();
    let off = at
        + payload[at..]
            .windows(point.len())
            .position(|w| w == point.as_slice())
            .unwrap();
    payload[off] ^= 1;
    assert!(matches!(
        ProvingArtifact::from_file_bytes_validated(&reseal(&payload)),
        Err(ProverError::InvalidProvingKey { .. })
    ));
}

#[test]
fn a_coordinate_at_or_above_the_modulus_is_refused_by_every_loader() {
    let (a, _) = artifact();
    let mut payload = payload_of(&a.to_file_bytes().unwrap());
    let at = a_query_1_x(a, &payload);
    payload[at..at + 32].copy_from_slice(&[0xff; 32]);
    let file = reseal(&payload);
    let pin = ArtifactId(sha2::Sha256::digest(&payload).into());
    for load in [
        ProvingArtifact::from_file_bytes(&file),
        ProvingArtifact::from_file_bytes_validated(&file),
        ProvingArtifact::from_file_bytes_pinned(&file, &pin),
    ] {
        let err = load.err().unwrap();
        assert!(err.to_string().contains("not below the modulus"), "{err}");
    }
}

#[test]
fn old_format_artifacts_are_refused_by_version() {
    let (a, _) = artifact();
    let mut bytes = a.to_file_bytes().unwrap();
    bytes[9..11].copy_from_slice(&1u16.to_le_bytes());
    for load in [
        ProvingArtifact::from_file_bytes(&bytes),
        ProvingArtifact::from_file_bytes_validated(&bytes),
    ] {
        assert!(matches!(
            load,
            Err(ProverError::KeyFile(VerifyError::UnsupportedVersion {
                got: 1,
                supported: 2
            }))
        ));
    }
}

#[test]
fn validated_and_pinned_loads_accept_the_genuine_artifact() {
    let (a, vk) = artifact();
    let bytes = a.to_file_bytes().unwrap();
    let id = a.id().unwrap();
    assert_eq!(ArtifactId::of_file(&bytes).unwrap(), id);
    assert_eq!(
        id,
        ArtifactId(sha2::Sha256::digest(payload_of(&bytes)).into())
    );
    let validated = ProvingArtifact::from_file_bytes_validated(&bytes).unwrap();
    let pinned = ProvingArtifact::from_file_bytes_pinned(&bytes, &id).unwrap();
    for back in [validated, pinned] {
        assert_eq!(back.verifying_key().id(), vk.id());
        assert_eq!(back.proving_key(), a.proving_key());
        assert_eq!(back.matrices(), a.matrices());
    }
    // Another setup's artifact has another id.
    let (other, _) = setup(DEPTH, &mut ChaCha20Rng::seed_from_u64(4)).unwrap();
    assert_ne!(other.id().unwrap(), id);
}

#[test]
fn tampered_proving_key_point_is_refused_by_validation_and_by_the_pin() {
    let (a, _) = artifact();
    let file = tampered();
    let pin = a.id().unwrap();
    // The container is intact, so the fast path does not see the edit.
    let fast = ProvingArtifact::from_file_bytes(&file).unwrap();
    assert_ne!(fast.proving_key().a_query[1], a.proving_key().a_query[1]);
    assert!(!fast.proving_key().a_query[1].is_on_curve());
    // Validation finds the point off the curve.
    assert!(matches!(
        ProvingArtifact::from_file_bytes_validated(&file),
        Err(ProverError::InvalidProvingKey { .. })
    ));
    // The pin finds other bytes, before decoding them.
    match ProvingArtifact::from_file_bytes_pinned(&file, &pin) {
        Err(ProverError::ArtifactIdMismatch { expected, found }) => {
            assert_eq!(expected, pin);
            assert_eq!(found, ArtifactId::of_file(&file).unwrap());
        }
        other => panic!("{:?}", other.err()),
    }
}

#[test]
fn artifact_id_hex_round_trips_and_rejects_malformed() {
    let id = artifact().0.id().unwrap();
    let text = id.to_string();
    assert_eq!(text.len(), 66);
    assert_eq!(text.parse::<ArtifactId>().unwrap(), id);
    for bad in [&text[2..], &text[..65], "0xzz"] {
        assert!(matches!(
            bad.parse::<ArtifactId>(),
            Err(ProverError::KeyFile(VerifyError::InvalidHex {
                what: "artifact id",
                ..
            }))
        ));
    }
}

#[test]
fn provenance_is_read_strictly_and_an_artifact_without_it_is_a_development_key() {
    use zkhealth_prover::{KeyOrigin, QapReduction};
    let (a, _) = artifact();
    assert_eq!(a.reduction(), QapReduction::Libsnark);
    assert_eq!(a.origin(), &KeyOrigin::Development);
    let payload = payload_of(&a.to_file_bytes().unwrap());
    let start = payload.len() - (1 + 4 + serde_json::to_vec(a.origin()).unwrap().len());
    // Written before provenance was recorded: a development key, libsnark reduction.
    let old = ProvingArtifact::from_file_bytes(&reseal(&payload[..start])).unwrap();
    assert_eq!(old.reduction(), QapReduction::Libsnark);
    assert_eq!(old.origin(), &KeyOrigin::Development);
    let refused = |edit: &dyn Fn(&mut Vec<u8>)| {
        let mut p = payload.clone();
        edit(&mut p);
        ProvingArtifact::from_file_bytes(&reseal(&p)).err()
    };
    // An unknown reduction, a length that disagrees, an origin that is not one, trailing bytes.
    assert!(refused(&|p| p[start] = 7).is_some());
    assert!(refused(&|p| {
        p.pop();
    })
    .is_some());
    assert!(refused(&|p| p.push(b' ')).is_some());
    assert!(refused(&|p| {
        let n = p.len();
        p[n - 2] = b'!';
    })
    .is_some());
    // The circom reduction's byte on a key made for libsnark's: the H query does not fit.
    assert!(matches!(
        refused(&|p| p[start] = QapReduction::Circom.to_byte()),
        Some(ProverError::MatricesDoNotFitKey {
            query: "h_query",
            ..
        })
    ));
}
