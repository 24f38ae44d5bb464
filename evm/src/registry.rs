//! The `ZkhRegistry` contract (contracts/src/ZkhRegistry.sol): the on-chain root history of an
//! issuer registry, compiled into `contracts/out/ZkhRegistry.json` by `contracts/build.sh`.
//!
//! Its constructor is `constructor(address issuer, uint64 freshnessWindow)`; a replaced root stays
//! accepted for the window counted from its replacement, as `RootHistory::is_accepted`.

use alloy_sol_types::sol;

use crate::{Artifact, EvmError};

sol! {
    /// The registry's interface (contracts/src/ZkhRegistry.sol).
    #[derive(Debug, PartialEq, Eq)]
    interface IZkhRegistry {
        /// A root became current.
        event RootPublished(uint256 indexed root, uint256 indexed previousRoot, uint64 publishedAt);
        /// The issuer changed.
        event IssuerChanged(address indexed previousIssuer, address indexed newIssuer);
        /// The owner changed.
        event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

        /// The caller is not the issuer.
        error NotIssuer();
        /// The caller is not the owner.
        error NotOwner();
        /// The root is not below the scalar field modulus.
        error RootOutOfField(uint256 root);
        /// The root was published before.
        error RootAlreadyPublished(uint256 root);
        /// Zero is never a root.
        error ZeroRoot();
        /// The zero address is refused.
        error ZeroAddress();

        /// Publishes a root (issuer).
        function publishRoot(uint256 root) external;
        /// The current root, 0 before any.
        function currentRoot() external view returns (uint256);
        /// When a root was published and replaced.
        function rootInfo(uint256 root) external view returns (uint64 publishedAt, uint64 replacedAt);
        /// Whether a root is accepted now.
        function isAcceptedRoot(uint256 root) external view returns (bool);
        /// Whether a root is accepted at a time.
        function isAcceptedRootAt(uint256 root, uint64 time) external view returns (bool);
        /// The freshness window in seconds.
        function freshnessWindow() external view returns (uint64);
        /// The issuer.
        function issuer() external view returns (address);
        /// The owner.
        function owner() external view returns (address);
        /// Appoints the issuer (owner).
        function setIssuer(address newIssuer) external;
        /// Hands ownership over (owner).
        function transferOwnership(address newOwner) external;
    }
}

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
