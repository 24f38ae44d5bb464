//! The on-chain challenge: a presentation to the contract is bound to its sender and a context.
//!
//! A holder sending its own presentation uses the zero context. A contract that calls
//! `verifyPresentation` for others (a gate, a relayer, an ERC-2771 forwarder) is the sender for
//! all of them, so it passes the user it acts for as the context ([`user_context`]): a proof made
//! for one user then fails when anyone else pushes its calldata through the same contract.

use alloy_primitives::{keccak256, Address, B256, U256};
use alloy_sol_types::SolValue;
use ark_ff::PrimeField;
use zkhealth_circuits::Fr;

/// The context of a holder calling the presentation contract directly.
pub const NO_CONTEXT: [u8; 32] = [0; 32];

/// The challenge `ZkhPresentation.challengeFor(sender, context)` returns on chain `chain_id` for
/// the contract at `contract`:
/// `uint256(keccak256(abi.encode(chainid, contract, sender, context))) mod r`.
pub fn challenge_for(chain_id: u64, contract: [u8; 20], sender: [u8; 20], context: [u8; 32]) -> Fr {
    let encoded = (
        U256::from(chain_id),
        Address::from(contract),
        Address::from(sender),
        B256::from(context),
    )
        .abi_encode();
    Fr::from_be_bytes_mod_order(keccak256(encoded).as_slice())
}

/// The context a contract acting for `user` passes: `bytes32(uint256(uint160(user)))`.
pub fn user_context(user: [u8; 20]) -> [u8; 32] {
    let mut context = [0u8; 32];
    if let Some(tail) = context.get_mut(12..) {
        tail.copy_from_slice(&user);
    }
    context
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_depends_on_chain_contract_sender_and_context() {
        let c = challenge_for(1, [1; 20], [2; 20], NO_CONTEXT);
        assert_ne!(c, challenge_for(2, [1; 20], [2; 20], NO_CONTEXT));
        assert_ne!(c, challenge_for(1, [3; 20], [2; 20], NO_CONTEXT));
        assert_ne!(c, challenge_for(1, [1; 20], [3; 20], NO_CONTEXT));
        assert_ne!(c, challenge_for(1, [1; 20], [2; 20], user_context([4; 20])));
        assert_eq!(c, challenge_for(1, [1; 20], [2; 20], NO_CONTEXT));
    }

    #[test]
    fn challenge_hashes_four_abi_words() {
        // abi.encode(uint256 1, address 0x0101.., address 0x0202.., bytes32 0x00..0303..) is four
        // 32-byte words.
        let mut encoded = [0u8; 128];
        encoded[31] = 1;
        encoded[44..64].copy_from_slice(&[1; 20]);
        encoded[76..96].copy_from_slice(&[2; 20]);
        encoded[108..128].copy_from_slice(&[3; 20]);
        let expected = Fr::from_be_bytes_mod_order(keccak256(encoded).as_slice());
        assert_eq!(
            challenge_for(1, [1; 20], [2; 20], user_context([3; 20])),
            expected
        );
    }
}
