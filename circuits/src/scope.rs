//! Nullifier scopes: whom a nullifier belongs to.
//!
//! A holder's nullifier is `Poseidon(nullifier tag, secret, scope)`: the same holder gives the
//! same nullifier in one scope and unlinkable ones in two. That holds only if each verifier gets
//! its own scope: a verifier who could ask for another verifier's scope would receive the
//! nullifier that verifier sees, and link the holder across the two. So a holder never proves
//! for raw scope bytes handed over by a verifier: a [`Scope`] is derived from the verifier's
//! identity, the one the holder knows it is presenting to, and an event of that verifier.
//!
//! - [`Scope::named`]: an off-chain verifier named by a code (`checkpoint-AMS`), for an event
//!   (`2026-boarding`): `Poseidon(scope tag, verifier, event)`.
//! - [`Scope::of_contract`]: a `ZkhPresentation` contract, identified by its chain and address,
//!   for an event: `keccak256(abi.encode(chain_id, contract, event)) mod r`, the value the
//!   contract computes in its constructor from `block.chainid` and `address(this)`. A contract
//!   therefore cannot take another contract's scope, and a holder who derives the scope of the
//!   contract it submits to gets the value that contract checks.
//!
//! A holder's wallet shows whom it is presenting to; the scope then follows from that name, so a
//! verifier asking for another's scope has to claim to be that other verifier.

use std::fmt;

use ark_ff::PrimeField;
use sha3::{Digest, Keccak256};

use crate::{
    codes,
    field::{fr_to_bytes_be, fr_to_hex},
    poseidon::{self, Domain},
    Error, Fr,
};

/// A nullifier scope derived from a verifier's identity and one of its events.
///
/// Made only by [`Scope::named`] or [`Scope::of_contract`]; [`Scope::value`] is the field
/// element the statement carries. There is no way to make one from a raw value:
///
/// ```compile_fail
/// use zkhealth_circuits::{Fr, Scope};
/// let scope = Scope(Fr::from(1u8)); // the field is private
/// ```
///
/// ```
/// use zkhealth_circuits::Scope;
/// let boarding = Scope::named("checkpoint-AMS", "2026-boarding")?;
/// let claims = Scope::of_contract(1, [0x5f; 20], "2026-claims")?;
/// assert_ne!(boarding, claims);
/// # Ok::<(), zkhealth_circuits::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Scope(Fr);

impl Scope {
    /// The scope of an off-chain verifier named by the code `verifier`, for the event `event` (a
    /// code): `Poseidon(scope tag, verifier, event)`.
    pub fn named(verifier: &str, event: &str) -> Result<Scope, Error> {
        poseidon::hash_with_domain(
            Domain::Scope,
            &[codes::encode(verifier)?, codes::encode(event)?],
        )
        .map(Scope)
    }

    /// The scope of the `ZkhPresentation` contract at `contract` on chain `chain_id`, for the
    /// event `event` (a code): `uint256(keccak256(abi.encode(chain_id, contract, event))) mod r`
    /// with the event's code as a 32-byte word, as the contract's constructor computes it.
    pub fn of_contract(chain_id: u64, contract: [u8; 20], event: &str) -> Result<Scope, Error> {
        Ok(Self::of_contract_word(
            chain_id,
            contract,
            fr_to_bytes_be(&codes::encode(event)?),
        ))
    }

    /// [`Scope::of_contract`] for an event given as the contract's 32-byte `event` word.
    pub fn of_contract_word(chain_id: u64, contract: [u8; 20], event: [u8; 32]) -> Scope {
        // abi.encode(uint256, address, bytes32): three 32-byte words, the address left-padded.
        let mut encoded = [0u8; 96];
        encoded[24..32].copy_from_slice(&chain_id.to_be_bytes());
        encoded[44..64].copy_from_slice(&contract);
        encoded[64..96].copy_from_slice(&event);
        Scope(Fr::from_be_bytes_mod_order(&Keccak256::digest(encoded)))
    }

    /// The field element the statement's `scope` input carries.
    pub fn value(&self) -> Fr {
        self.0
    }
}

impl From<Scope> for Fr {
    fn from(scope: Scope) -> Fr {
        scope.0
    }
}

impl fmt::Debug for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scope({})", fr_to_hex(&self.0))
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&fr_to_hex(&self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTRACT: [u8; 20] = [0x5f; 20];

    #[test]
    fn a_named_scope_is_the_poseidon_hash_of_the_two_codes() -> Result<(), Error> {
        let expected = poseidon::hash_with_domain(
            Domain::Scope,
            &[
                codes::encode("checkpoint-AMS")?,
                codes::encode("2026-boarding")?,
            ],
        )?;
        assert_eq!(
            Scope::named("checkpoint-AMS", "2026-boarding")?.value(),
            expected
        );
        Ok(())
    }

    #[test]
    fn each_verifier_and_each_event_has_its_own_scope() -> Result<(), Error> {
        let scopes = [
            Scope::named("checkpoint-AMS", "2026-boarding")?,
            Scope::named("checkpoint-CDG", "2026-boarding")?,
            Scope::named("checkpoint-AMS", "2027-boarding")?,
            Scope::of_contract(1, CONTRACT, "2026-boarding")?,
            Scope::of_contract(10, CONTRACT, "2026-boarding")?,
            Scope::of_contract(1, [0x60; 20], "2026-boarding")?,
            Scope::of_contract(1, CONTRACT, "2027-boarding")?,
        ];
        for (i, a) in scopes.iter().enumerate() {
            for b in &scopes[i + 1..] {
                assert_ne!(a, b);
            }
        }
        Ok(())
    }

    #[test]
    fn a_contract_scope_hashes_the_abi_encoding_of_chain_contract_and_event() -> Result<(), Error> {
        // keccak256 of the 96-byte encoding, computed independently of the word layout above.
        let mut words = Vec::new();
        words.extend_from_slice(&[0u8; 24]);
        words.extend_from_slice(&31337u64.to_be_bytes());
        words.extend_from_slice(&[0u8; 12]);
        words.extend_from_slice(&CONTRACT);
        let event = codes::encode("gate")?;
        words.extend_from_slice(&fr_to_bytes_be(&event));
        let digest = Keccak256::digest(&words);
        assert_eq!(
            Scope::of_contract(31337, CONTRACT, "gate")?.value(),
            Fr::from_be_bytes_mod_order(&digest)
        );
        Ok(())
    }

    #[test]
    fn scopes_refuse_what_is_not_a_code() {
        assert!(matches!(
            Scope::named("", "event"),
            Err(Error::InvalidCode(_))
        ));
        assert!(matches!(
            Scope::named("verifier", "two words"),
            Err(Error::InvalidCode(_))
        ));
        assert!(matches!(
            Scope::of_contract(1, CONTRACT, &"x".repeat(32)),
            Err(Error::InvalidCode(_))
        ));
    }
}
