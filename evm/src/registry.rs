//! The `ZkhRegistry` contract (contracts/src/ZkhRegistry.sol): the on-chain root history of an
//! issuer registry, compiled into `contracts/out/ZkhRegistry.json` by `contracts/build.sh`.
//!
//! Its constructor is `constructor(address issuer, uint64 freshnessWindow)`; a replaced root stays
//! accepted for the window counted from its replacement, as `RootHistory::is_accepted`.

use crate::{Artifact, EvmError};

/// The contract's name in the sources and artifacts.
pub const NAME: &str = "ZkhRegistry";

/// The committed artifact, as JSON text.
pub const ARTIFACT_JSON: &str = include_str!("../../contracts/out/ZkhRegistry.json");

/// The committed artifact, parsed.
pub fn artifact() -> Result<Artifact, EvmError> {
    Artifact::from_json(NAME, ARTIFACT_JSON)
}

/// The contract's ABI, as the JSON array solc emits.
pub fn abi_json() -> Result<serde_json::Value, EvmError> {
    artifact().map(|a| a.abi)
}

/// The creation bytecode (append the ABI-encoded constructor arguments to deploy).
pub fn bytecode() -> Result<Vec<u8>, EvmError> {
    artifact().map(|a| a.bytecode)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_artifact_parses_and_has_the_interface() {
        let a = artifact().unwrap();
        assert_eq!(a.solc, "0.8.37");
        assert!(a.bytecode.len() > a.deployed_bytecode.len());
        let names: Vec<&str> = a
            .abi
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|item| item.get("name").and_then(|n| n.as_str()))
            .collect();
        for name in [
            "publishRoot",
            "currentRoot",
            "rootInfo",
            "isAcceptedRoot",
            "isAcceptedRootAt",
            "freshnessWindow",
            "issuer",
            "owner",
            "setIssuer",
            "transferOwnership",
            "RootPublished",
            "IssuerChanged",
            "OwnershipTransferred",
        ] {
            assert!(names.contains(&name), "{name} missing from the ABI");
        }
    }

    #[test]
    fn artifact_rejects_malformed_json() {
        assert!(Artifact::from_json(NAME, "{}").is_err());
        assert!(Artifact::from_json(
            NAME,
            r#"{"abi": [], "bytecode": "60", "deployedBytecode": "0x60", "solc": "0.8.37"}"#
        )
        .is_err());
        assert!(Artifact::from_json(
            NAME,
            r#"{"abi": {}, "bytecode": "0x60", "deployedBytecode": "0x60", "solc": "0.8.37"}"#
        )
        .is_err());
        assert!(Artifact::from_json(
            NAME,
            r#"{"abi": [], "bytecode": "0x6", "deployedBytecode": "0x60", "solc": "0.8.37"}"#
        )
        .is_err());
        assert!(Artifact::from_json(
            NAME,
            r#"{"abi": [], "bytecode": "0x60", "deployedBytecode": "0x60", "solc": "0.8.37"}"#
        )
        .is_ok());
    }
}
