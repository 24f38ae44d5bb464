//! The `ZkhRegistry` contract (contracts/src/ZkhRegistry.sol): the on-chain root history of an
//! issuer registry, shipped compiled (`artifacts/ZkhRegistry.json`); its interface is
//! [`bindings::ZkhRegistry`](crate::bindings::ZkhRegistry).
//!
//! Its constructor is `constructor(address issuer, uint64 freshnessWindow)`. Acceptance is the
//! rule of `zkhealth_registry::RootHistory::is_accepted`: each root by its latest publication
//! (a root no longer current may be published again), the current root always, a replaced root
//! for the window counted from its replacement, never an invalidated root
//! (`invalidateRoot(uint256)`) or a root of an epoch an issuer rotation invalidated
//! (`setIssuer(address, bool invalidatePrevious)`). Ownership moves in two steps
//! (`transferOwnership(address)`, then `acceptOwnership()` by the pending owner).

use alloy_primitives::Address;
use alloy_sol_types::SolConstructor;

use crate::{artifact::Contract, bindings::ZkhRegistry, Artifact, EvmError};

/// The contract's name in the sources and artifacts.
pub const NAME: &str = "ZkhRegistry";

/// The embedded artifact, parsed.
pub fn artifact() -> Result<Artifact, EvmError> {
    Contract::Registry.artifact()
}

/// The creation code of a registry that lets `issuer` publish roots and accepts a replaced root
/// for `freshness_window` seconds: the creation bytecode followed by the ABI-encoded constructor
/// arguments, ready to be sent as a contract creation.
pub fn deploy_code(issuer: Address, freshness_window: u64) -> Vec<u8> {
    let args = ZkhRegistry::constructorCall {
        issuer_: issuer,
        freshnessWindow_: freshness_window,
    }
    .abi_encode();
    [ZkhRegistry::BYTECODE.as_ref(), &args].concat()
}

#[cfg(test)]
mod tests {
    use alloy_sol_types::SolValue;

    use super::*;

    #[test]
    fn deploy_code_is_the_bytecode_then_the_constructor_arguments() {
        let issuer = Address::repeat_byte(7);
        let code = deploy_code(issuer, 3_600);
        let bytecode = artifact().unwrap().bytecode;
        assert_eq!(&code[..bytecode.len()], &bytecode[..]);
        assert_eq!(
            &code[bytecode.len()..],
            &(issuer, 3_600u64).abi_encode_params()[..]
        );
    }
}
