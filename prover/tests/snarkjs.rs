//! The snarkjs side of the prover without snarkjs: the circom reduction against stock arkworks,
//! artifacts recording their provenance, and the `.r1cs` and `.wtns` exports checked against the
//! circuit (the ceremony itself, with the snarkjs tools, is in the workspace's `tests/ceremony.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::OnceLock;

use common::{fixture, rng, today, DEPTH};

use ark_bn254::Bn254;
use ark_groth16::{r1cs_to_qap::LibsnarkReduction, Groth16};
use zkhealth_circuits::{
    circuit::{Circuit, PresentationCircuit},
    Fr, PublicInputs, Scope, Statement,
};
use zkhealth_prover::{
    groth16,
    matrices::ConstraintMatrices,
    reduction::CircomReduction,
    setup_circuit_with_reduction,
    snarkjs::{r1cs::R1cs, wtns, SnarkjsError},
    KeyOrigin, ProveRequest, Prover, ProverError, ProvingArtifact, QapReduction,
};
use zkhealth_verifier::verify;

fn circom_prover() -> &'static Prover {
    static P: OnceLock<Prover> = OnceLock::new();
    P.get_or_init(|| {
        let (artifact, _) = setup_circuit_with_reduction::<PresentationCircuit, _>(
            DEPTH,
            QapReduction::Circom,
            &mut rng(1),
        )
        .unwrap();
        Prover::new(artifact)
    })
}

fn request() -> ProveRequest<'static> {
    let f = fixture();
    ProveRequest {
        secret: &f.secret,
        credential: &f.credential,
        path: &f.path,
        policy: &f.policy,
        today: today(),
        challenge: Fr::from(77u8),
        scope: Scope::named("test-verifier", "event-1").unwrap(),
    }
}

fn circuit(prover: &Prover) -> (Statement, PresentationCircuit) {
    let (statement, witness) = prover.prepare(&request()).unwrap();
    (
        statement,
        PresentationCircuit::new(DEPTH, statement, witness),
    )
}

#[test]
fn the_circom_reduction_proves_what_stock_arkworks_proves_for_a_snarkjs_shaped_key() {
    let prover = circom_prover();
    let artifact = prover.artifact();
    assert_eq!(artifact.reduction(), QapReduction::Circom);
    let pk = artifact.proving_key();
    let m = artifact.matrices();
    let domain = groth16::domain(m).unwrap();
    // snarkjs's H query: one point per domain element.
    assert_eq!(pk.h_query.len(), ark_poly::EvaluationDomain::size(&domain));

    let (statement, circuit) = circuit(prover);
    let z = prover.assignment(&request()).unwrap();
    let (r, s) = (Fr::from(11u8), Fr::from(12u8));
    let ours = groth16::create_proof(pk, m, &z, r, s, QapReduction::Circom).unwrap();
    let stock =
        Groth16::<Bn254, CircomReduction>::create_proof_with_reduction(circuit.clone(), pk, r, s)
            .unwrap();
    assert_eq!(ours, stock);
    let vk = artifact.verifying_key();
    assert_eq!(
        verify(vk, &statement, &zkhealth_verifier::Proof(ours)),
        Ok(())
    );

    // The libsnark reduction's proof for this key does not verify; our prover refuses to mix
    // them (the H query has the other length).
    let wrong = Groth16::<Bn254, LibsnarkReduction>::create_proof_with_reduction(circuit, pk, r, s)
        .unwrap();
    assert!(verify(vk, &statement, &zkhealth_verifier::Proof(wrong)).is_err());
    assert!(matches!(
        groth16::create_proof(pk, m, &z, r, s, QapReduction::Libsnark),
        Err(ProverError::MatricesDoNotFitKey {
            query: "h_query",
            ..
        })
    ));

    // The checked entry point proves and verifies with the artifact's reduction.
    let presentation = prover.prove_with_rng(&request(), &mut rng(9)).unwrap();
    assert_eq!(
        verify(vk, &presentation.statement, &presentation.proof),
        Ok(())
    );
}

#[test]
fn artifacts_record_their_reduction_and_origin() {
    let artifact = circom_prover().artifact();
    let bytes = artifact.to_file_bytes().unwrap();
    let back = ProvingArtifact::from_file_bytes_validated(&bytes).unwrap();
    assert_eq!(back.reduction(), QapReduction::Circom);
    assert_eq!(back.origin(), &KeyOrigin::Development);

    // A ceremony origin survives the file.
    let origin: KeyOrigin = serde_json::from_str(
        r#"{"kind": "ceremony", "circuit_hash": "ab", "contributions": [
            {"name": "alice", "hash": "01", "beacon": null},
            {"name": "final beacon", "hash": "02", "beacon": {"value": "0102", "iterations_exp": 10}}
        ]}"#,
    )
    .unwrap();
    let with_origin = ProvingArtifact::from_parts(
        artifact.proving_key().clone(),
        artifact.verifying_key().clone(),
        artifact.matrices().clone(),
        QapReduction::Circom,
        origin.clone(),
    )
    .unwrap();
    let back = ProvingArtifact::from_file_bytes(&with_origin.to_file_bytes().unwrap()).unwrap();
    assert_eq!(back.origin(), &origin);
    assert_eq!(
        origin.to_string(),
        "snarkjs phase-2 ceremony: 1 contribution(s) and a beacon"
    );

    // Recorded with the wrong reduction, the key does not fit.
    assert!(matches!(
        ProvingArtifact::from_parts(
            artifact.proving_key().clone(),
            artifact.verifying_key().clone(),
            artifact.matrices().clone(),
            QapReduction::Libsnark,
            KeyOrigin::Development,
        ),
        Err(ProverError::MatricesDoNotFitKey { .. })
    ));
}

/// `⟨row, z⟩`.
fn dot(lc: &[(u32, Fr)], z: &[Fr]) -> Fr {
    lc.iter().map(|(w, c)| z[*w as usize] * c).sum()
}

/// The first constraint the assignment violates, if any.
fn violated(r1cs: &R1cs, z: &[Fr]) -> Option<usize> {
    r1cs.constraints
        .iter()
        .position(|[a, b, c]| dot(a, z) * dot(b, z) != dot(c, z))
}

#[test]
fn the_r1cs_export_is_the_circuit_deterministic_and_satisfied_by_the_exported_witness() {
    let m = ConstraintMatrices::for_circuit::<PresentationCircuit>(DEPTH).unwrap();
    let r1cs = R1cs::from_matrices(&m).unwrap();
    assert_eq!(
        r1cs.num_public as usize,
        <<PresentationCircuit as Circuit>::Statement as PublicInputs>::NUM_INPUTS
    );
    assert_eq!(r1cs.constraints.len(), m.num_constraints);
    assert!(r1cs.matches(&m).unwrap());
    let bytes = r1cs.to_bytes();
    // Byte-identical from a fresh synthesis.
    let again = R1cs::from_matrices(
        &ConstraintMatrices::for_circuit::<PresentationCircuit>(DEPTH).unwrap(),
    )
    .unwrap()
    .to_bytes();
    assert_eq!(bytes, again);
    assert_eq!(R1cs::from_bytes(&bytes).unwrap(), r1cs);
    // Every linear combination is sorted, duplicate-free and zero-free.
    for constraint in &r1cs.constraints {
        for lc in constraint {
            assert!(lc.windows(2).all(|w| w[0].0 < w[1].0));
            assert!(lc.iter().all(|(_, c)| *c != Fr::from(0u8)));
        }
    }

    let z = circom_prover().assignment(&request()).unwrap();
    let file = wtns::to_bytes(&z).unwrap();
    let read = wtns::from_bytes(&file).unwrap();
    assert_eq!(read, z);
    assert_eq!(violated(&r1cs, &read), None);
    // The statement's inputs are wires 1..=6, in the statement's order.
    let (statement, _) = circuit(circom_prover());
    assert_eq!(read[1..7].to_vec(), statement.to_field_elements().to_vec());
    // One changed witness value violates a constraint.
    let mut bad = read.clone();
    let last = bad.len() - 1;
    bad[last] += Fr::from(1u8);
    assert!(violated(&r1cs, &bad).is_some());
}

#[test]
fn damaged_r1cs_and_wtns_files_are_refused_with_errors() {
    let m = ConstraintMatrices::for_circuit::<PresentationCircuit>(DEPTH).unwrap();
    let bytes = R1cs::from_matrices(&m).unwrap().to_bytes();
    for cut in [0, 3, 11, 20, 60, bytes.len() / 2, bytes.len() - 1] {
        assert!(matches!(
            R1cs::from_bytes(&bytes[..cut]),
            Err(SnarkjsError::Format { .. })
        ));
    }
    let z = circom_prover().assignment(&request()).unwrap();
    let w = wtns::to_bytes(&z).unwrap();
    for cut in [0, 3, 11, 20, 60, w.len() / 2, w.len() - 1] {
        assert!(matches!(
            wtns::from_bytes(&w[..cut]),
            Err(SnarkjsError::Format { .. })
        ));
    }
    assert!(matches!(
        wtns::from_bytes(&bytes),
        Err(SnarkjsError::Format { .. })
    ));
}
