//! The embedded contract artifacts (`evm/artifacts/*.json`) are what the pinned compiler gives
//! for the committed sources (`contracts/src`): the sources are recompiled here with
//! `contracts/compile.mjs` (solc from contracts/package.json, installed with `npm ci` if
//! missing) and every artifact must be equal byte for byte. Build tooling only: the crate itself
//! never compiles anything.
//!
//! The verifier's source is itself rendered from its template and the statement type's inputs
//! (`zkhealth_evm::solidity`): the committed source must be that rendering, and a verifier
//! rendered for another list of inputs compiles and verifies proofs of a circuit with those
//! inputs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod harness;

use std::{path::Path, process::Command};

use alloy_primitives::{keccak256, FixedBytes, U256};
use alloy_sol_types::SolValue;
use ark_bn254::Bn254;
use ark_ec::AffineRepr;
use ark_groth16::{Groth16, ProvingKey};
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
use zkhealth_circuits::{claim::ClaimStatement, statement::PublicInputs, Fr, Statement};
use zkhealth_evm::{
    solidity::{render_verifier, VERIFIERS},
    words::{fr_word, g1_words, g2_words},
    Artifact, Contract,
};

use crate::harness::{account, contracts_dir, ensure_solc, run, Chain, Outcome, Squares};

#[test]
fn artifacts_are_reproducible_from_sources() {
    ensure_solc();
    let out = tempfile::tempdir().unwrap();
    // Twice: the build is deterministic, and equal to the embedded artifacts.
    for _ in 0..2 {
        run(Command::new("node")
            .arg(contracts_dir().join("compile.mjs"))
            .arg("--out-dir")
            .arg(out.path()));
        for contract in Contract::ALL {
            let file = format!("{}.json", contract.name());
            let built = std::fs::read_to_string(out.path().join(&file)).unwrap();
            assert_eq!(
                built,
                contract.artifact_json(),
                "evm/artifacts/{file} is stale: run contracts/build.sh"
            );
        }
    }
}

#[test]
fn no_other_artifact_is_shipped() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut expected: Vec<String> = Contract::ALL
        .iter()
        .map(|c| format!("{}.json", c.name()))
        .collect();
    expected.sort();
    assert_eq!(files, expected);
}

fn template() -> String {
    std::fs::read_to_string(contracts_dir().join("templates/Groth16Verifier.sol.in")).unwrap()
}

#[test]
fn verifier_sources_are_the_renderings_of_the_statements() {
    for (verifier, inputs) in VERIFIERS
        .iter()
        .zip([Statement::INPUT_NAMES, ClaimStatement::INPUT_NAMES])
    {
        assert_eq!(verifier.inputs, inputs);
        let file = format!("src/{}.sol", verifier.contract);
        let committed = std::fs::read_to_string(contracts_dir().join(&file)).unwrap();
        let rendered = verifier.render(&template()).unwrap();
        assert!(
            committed == rendered,
            "contracts/{file} is stale: run contracts/build.sh"
        );
    }
}

/// The constructor arguments of a rendered verifier for `pk`'s key (no id).
fn constructor_args(pk: &ProvingKey<Bn254>) -> Vec<u8> {
    let vk = &pk.vk;
    let neg = |p: ark_bn254::G2Affine| (-p.into_group()).into();
    let ic: Vec<U256> = vk.gamma_abc_g1.iter().flat_map(g1_words).collect();
    let mut args = (
        FixedBytes::<32>::ZERO,
        g1_words(&(-vk.alpha_g1.into_group()).into()),
        g2_words(&vk.beta_g2),
        g2_words(&neg(vk.gamma_g2)),
        g2_words(&neg(vk.delta_g2)),
    )
        .abi_encode_params();
    // A fixed-size array of words is encoded in place, word after word.
    for w in ic {
        args.extend_from_slice(&w.to_be_bytes::<32>());
    }
    args
}

#[test]
fn a_verifier_rendered_for_other_inputs_compiles_and_verifies_their_proofs() {
    const NAMES: [&str; 3] = ["left", "middle", "right"];
    let source = render_verifier(&template(), "Groth16Verifier", "test", &NAMES).unwrap();
    assert!(source.contains("uint256 internal constant NUM_INPUTS = 3;"));
    assert!(source.contains("uint256 internal constant INPUT_RIGHT = 2;"));

    ensure_solc();
    let dir = tempfile::tempdir().unwrap();
    let source_path = dir.path().join("Groth16Verifier.sol");
    std::fs::write(&source_path, &source).unwrap();
    run(Command::new("node")
        .arg(contracts_dir().join("compile.mjs"))
        .arg("--out-dir")
        .arg(dir.path())
        .arg("--source")
        .arg(&source_path)
        .arg("--contract")
        .arg("Groth16Verifier"));
    let json = std::fs::read_to_string(dir.path().join("Groth16Verifier.json")).unwrap();
    let artifact = Artifact::from_json("Groth16Verifier", &json).unwrap();
    let signature = "verifyProof(uint256[8],uint256[3])";
    assert!(json.contains("\"uint256[3]\""), "{signature} in the ABI");

    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let pk =
        Groth16::<Bn254>::generate_random_parameters_with_reduction(Squares::<3>(None), &mut rng)
            .unwrap();
    let mut chain = Chain::new();
    let verifier = chain.deploy(account(1), &artifact.bytecode, &constructor_args(&pk));

    let inputs = [Fr::from(3u8), Fr::from(1_000_003u64), -Fr::from(7u8)];
    let proof = Groth16::<Bn254>::create_random_proof_with_reduction(
        Squares::<3>(Some(inputs)),
        &pk,
        &mut rng,
    )
    .unwrap();
    let call = |inputs: [Fr; 3]| {
        let mut data = keccak256(signature.as_bytes())[..4].to_vec();
        let [ax, ay] = g1_words(&proof.a);
        let [bx1, bx0, by1, by0] = g2_words(&proof.b);
        let [cx, cy] = g1_words(&proof.c);
        for w in [ax, ay, bx1, bx0, by1, by0, cx, cy]
            .into_iter()
            .chain(inputs.iter().map(fr_word))
        {
            data.extend_from_slice(&w.to_be_bytes::<32>());
        }
        data
    };
    let verdict = |chain: &mut Chain, inputs: [Fr; 3]| -> bool {
        match chain.view(account(2), verifier, call(inputs)).outcome {
            Outcome::Success { output, .. } => bool::abi_decode(&output).unwrap(),
            other => panic!("verifyProof failed: {other:?}"),
        }
    };
    assert!(verdict(&mut chain, inputs));
    // Each input is bound to its own position.
    assert!(!verdict(&mut chain, [inputs[1], inputs[0], inputs[2]]));
    assert!(!verdict(
        &mut chain,
        [inputs[0], inputs[1], inputs[2] + Fr::from(1u8)]
    ));
}
