//! The verifier on a chain without the BN254 precompiles: a call to an account without code
//! succeeds with no return data, so a verifier that only checked the call's success would read
//! its own input back as the answer (with `A` the generator `(1, 2)`, the pairing "result" is
//! `A.x = 1`) and accept a proof. Every precompile answer is length-checked instead.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod harness;

use alloy_primitives::{FixedBytes, U256};
use alloy_sol_types::{SolCall, SolConstructor};
use zkhealth_circuits::Statement;
use zkhealth_evm::bindings::Groth16Verifier::{
    constructorCall, verifyProofCall, CurveOperationFailed, InvalidProofPoint, BYTECODE,
};

use crate::harness::{account, Chain, Outcome};

/// A verifier whose key is arbitrary words: the constructor stores them without checking.
fn deploy(chain: &mut Chain) -> alloy_primitives::Address {
    let args = constructorCall {
        keyId: FixedBytes::ZERO,
        negAlpha: [U256::from(1u8), U256::from(2u8)],
        beta: [U256::from(3u8); 4],
        negGamma: [U256::from(4u8); 4],
        negDelta: [U256::from(5u8); 4],
        ic: [U256::from(1u8); 2 * (Statement::NUM_INPUTS + 1)],
    }
    .abi_encode();
    chain.deploy(account(1), &BYTECODE, &args)
}

/// A forged proof: `A` the generator, everything else small.
fn forged() -> verifyProofCall {
    let mut proof = [U256::from(7u8); 8];
    proof[0] = U256::from(1u8);
    proof[1] = U256::from(2u8);
    verifyProofCall {
        proof,
        input: [U256::from(1u8); Statement::NUM_INPUTS],
    }
}

#[test]
fn missing_precompiles_revert_instead_of_accepting_a_forged_proof() {
    let mut chain = Chain::without_bn254_precompiles();
    let verifier = deploy(&mut chain);
    let r = chain.view(account(2), verifier, forged().abi_encode());
    assert!(
        r.outcome.reverted_with(&CurveOperationFailed {}),
        "{:?}",
        r.outcome
    );
}

#[test]
fn the_same_forged_proof_is_refused_where_the_precompiles_exist() {
    let mut chain = Chain::new();
    let verifier = deploy(&mut chain);
    let r = chain.view(account(2), verifier, forged().abi_encode());
    match &r.outcome {
        Outcome::Revert(_) => assert!(
            r.outcome.reverted_with(&CurveOperationFailed {})
                || r.outcome.reverted_with(&InvalidProofPoint {}),
            "{:?}",
            r.outcome
        ),
        Outcome::Success { output, .. } => {
            assert!(!verifyProofCall::abi_decode_returns(output).unwrap())
        }
        other => panic!("{other:?}"),
    }
}
