//! The on-chain challenge: a presentation to the contract is bound to its sender.

use alloy_primitives::{keccak256, Address, U256};
use alloy_sol_types::SolValue;
use ark_ff::PrimeField;
use zkhealth_circuits::Fr;

/// The challenge `ZkhPresentation.challengeFor(sender)` returns on chain `chain_id` for the
/// contract at `contract`: `uint256(keccak256(abi.encode(chainid, contract, sender))) mod r`.
pub fn challenge_for(chain_id: u64, contract: [u8; 20], sender: [u8; 20]) -> Fr {
    let encoded = (
        U256::from(chain_id),
        Address::from(contract),
        Address::from(sender),
    )
        .abi_encode();
    Fr::from_be_bytes_mod_order(keccak256(encoded).as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_depends_on_chain_contract_and_sender() {
        let c = challenge_for(1, [1; 20], [2; 20]);
        assert_ne!(c, challenge_for(2, [1; 20], [2; 20]));
        assert_ne!(c, challenge_for(1, [3; 20], [2; 20]));
        assert_ne!(c, challenge_for(1, [1; 20], [3; 20]));
        assert_eq!(c, challenge_for(1, [1; 20], [2; 20]));
    }

    #[test]
    fn challenge_hashes_three_abi_words() {
        // abi.encode(uint256 1, address 0x0101.., address 0x0202..) is three 32-byte words.
        let mut encoded = [0u8; 96];
        encoded[31] = 1;
        encoded[44..64].copy_from_slice(&[1; 20]);
        encoded[76..96].copy_from_slice(&[2; 20]);
        let expected = Fr::from_be_bytes_mod_order(keccak256(encoded).as_slice());
        assert_eq!(challenge_for(1, [1; 20], [2; 20]), expected);
    }
}
