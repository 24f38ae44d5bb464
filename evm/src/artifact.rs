//! Compiled-contract artifacts: `{"abi": [...], "bytecode": "0x...", "deployedBytecode": "0x...",
//! "solc": "<version>"}`, as written by `contracts/compile.mjs` into this crate's `artifacts/`
//! directory and embedded here, so nothing is compiled (and no Node.js is needed) at run time.
//! `tests/artifacts.rs` recompiles the sources with the pinned solc and checks that the embedded
//! files are what it gives.

use serde::Deserialize;

use crate::EvmError;

/// The contracts this crate ships compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Contract {
    /// `ZkhRegistry`: an issuer's root history.
    Registry,
    /// `Groth16Verifier`: the generic Groth16 verifier (the key in its constructor).
    Verifier,
    /// `ZkhPresentation`: the presentation contract (inherits the verifier).
    Presentation,
    /// `ZkhClaims`: the claims contract (inherits the claim circuit's verifier,
    /// `ClaimGroth16Verifier`).
    Claims,
}

impl Contract {
    /// Every shipped contract.
    pub const ALL: [Contract; 4] = [
        Contract::Registry,
        Contract::Verifier,
        Contract::Presentation,
        Contract::Claims,
    ];

    /// The contract's name in the sources and artifacts (and its artifact's file stem).
    pub fn name(self) -> &'static str {
        match self {
            Contract::Registry => "ZkhRegistry",
            Contract::Verifier => "Groth16Verifier",
            Contract::Presentation => "ZkhPresentation",
            Contract::Claims => "ZkhClaims",
        }
    }

    /// The embedded artifact, as JSON text (byte for byte the committed file).
    pub fn artifact_json(self) -> &'static str {
        match self {
            Contract::Registry => include_str!("../artifacts/ZkhRegistry.json"),
            Contract::Verifier => include_str!("../artifacts/Groth16Verifier.json"),
            Contract::Presentation => include_str!("../artifacts/ZkhPresentation.json"),
            Contract::Claims => include_str!("../artifacts/ZkhClaims.json"),
        }
    }

    /// The embedded artifact, parsed.
    pub fn artifact(self) -> Result<Artifact, EvmError> {
        Artifact::from_json(self.name(), self.artifact_json())
    }
}

/// A compiled contract: its ABI (JSON), creation and runtime bytecode, and the compiler version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// The ABI, as the JSON array solc emits.
    pub abi: serde_json::Value,
    /// The creation bytecode (constructor arguments are appended to it when deploying).
    pub bytecode: Vec<u8>,
    /// The runtime bytecode, as deployed (immutables still zero: the constructor fills them).
    pub deployed_bytecode: Vec<u8>,
    /// The solc version that compiled it.
    pub solc: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ArtifactRepr {
    abi: serde_json::Value,
    bytecode: String,
    deployed_bytecode: String,
    solc: String,
}

impl Artifact {
    /// Parses an artifact of contract `name` from its JSON text.
    pub fn from_json(name: &'static str, json: &str) -> Result<Self, EvmError> {
        let bad = |reason: String| EvmError::Artifact { name, reason };
        let repr: ArtifactRepr =
            serde_json::from_str(json).map_err(|e| bad(format!("not an artifact: {e}")))?;
        if !repr.abi.is_array() {
            return Err(bad("the ABI is not a JSON array".into()));
        }
        let code = |field: &str, text: &str| -> Result<Vec<u8>, EvmError> {
            let digits = text
                .strip_prefix("0x")
                .ok_or_else(|| bad(format!("{field} does not start with 0x")))?;
            let bytes = hex::decode(digits).map_err(|e| bad(format!("{field}: {e}")))?;
            if bytes.is_empty() {
                return Err(bad(format!("{field} is empty")));
            }
            Ok(bytes)
        };
        Ok(Self {
            bytecode: code("bytecode", &repr.bytecode)?,
            deployed_bytecode: code("deployedBytecode", &repr.deployed_bytecode)?,
            abi: repr.abi,
            solc: repr.solc,
        })
    }

    /// The names of the ABI's items (functions, events, errors), in ABI order.
    pub fn item_names(&self) -> Vec<&str> {
        self.abi
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|item| item.get("name").and_then(|n| n.as_str()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use alloy_sol_types::SolInterface;

    use super::*;
    use crate::bindings::{Groth16Verifier, ZkhClaims, ZkhPresentation, ZkhRegistry};

    #[test]
    fn embedded_artifacts_parse_and_match_the_bindings_bytecode() {
        for contract in Contract::ALL {
            let a = contract.artifact().unwrap();
            assert_eq!(a.solc, "0.8.37", "{contract:?}");
            assert!(a.bytecode.len() > a.deployed_bytecode.len(), "{contract:?}");
        }
        let code = |c: Contract| c.artifact().unwrap().bytecode;
        assert_eq!(
            code(Contract::Registry),
            ZkhRegistry::BYTECODE.as_ref().to_vec()
        );
        assert_eq!(
            code(Contract::Verifier),
            Groth16Verifier::BYTECODE.as_ref().to_vec()
        );
        assert_eq!(
            code(Contract::Presentation),
            ZkhPresentation::BYTECODE.as_ref().to_vec()
        );
        assert_eq!(
            code(Contract::Claims),
            ZkhClaims::BYTECODE.as_ref().to_vec()
        );
    }

    #[test]
    fn registry_artifact_has_the_interface() {
        let a = Contract::Registry.artifact().unwrap();
        let names = a.item_names();
        for name in [
            "publishRoot",
            "invalidateRoot",
            "currentRoot",
            "rootInfo",
            "isAcceptedRoot",
            "isAcceptedRootAt",
            "freshnessWindow",
            "issuer",
            "issuerEpoch",
            "minAcceptedEpoch",
            "owner",
            "pendingOwner",
            "setIssuer",
            "transferOwnership",
            "acceptOwnership",
            "RootPublished",
            "RootInvalidated",
            "IssuerChanged",
            "PreviousRootsInvalidated",
            "OwnershipTransferStarted",
            "OwnershipTransferred",
        ] {
            assert!(names.contains(&name), "{name} missing from the ABI");
        }
    }

    #[test]
    fn presentation_errors_include_the_verifier_errors() {
        // 13 declared by ZkhPresentation, 4 inherited from Groth16Verifier.
        assert_eq!(ZkhPresentation::ZkhPresentationErrors::SELECTORS.len(), 17);
        for selector in Groth16Verifier::Groth16VerifierErrors::SELECTORS {
            assert!(
                ZkhPresentation::ZkhPresentationErrors::valid_selector(*selector),
                "{selector:?}"
            );
        }
        assert_eq!(ZkhRegistry::ZkhRegistryErrors::SELECTORS.len(), 9);
        // 15 declared by ZkhClaims, 4 inherited from ClaimGroth16Verifier (the same errors as
        // Groth16Verifier's).
        assert_eq!(ZkhClaims::ZkhClaimsErrors::SELECTORS.len(), 19);
        for selector in Groth16Verifier::Groth16VerifierErrors::SELECTORS {
            assert!(
                ZkhClaims::ZkhClaimsErrors::valid_selector(*selector),
                "{selector:?}"
            );
        }
    }

    #[test]
    fn artifact_rejects_malformed_json() {
        let name = "ZkhRegistry";
        let reason = |json: &str| match Artifact::from_json(name, json) {
            Err(EvmError::Artifact { reason, .. }) => reason,
            other => panic!("expected an artifact error, got {other:?}"),
        };
        assert!(reason("{}").contains("not an artifact"));
        assert!(reason(
            r#"{"abi": [], "bytecode": "60", "deployedBytecode": "0x60", "solc": "0.8.37"}"#
        )
        .contains("does not start with 0x"));
        assert!(reason(
            r#"{"abi": {}, "bytecode": "0x60", "deployedBytecode": "0x60", "solc": "0.8.37"}"#
        )
        .contains("not a JSON array"));
        assert!(reason(
            r#"{"abi": [], "bytecode": "0x6", "deployedBytecode": "0x60", "solc": "0.8.37"}"#
        )
        .starts_with("bytecode"));
        assert!(reason(
            r#"{"abi": [], "bytecode": "0x", "deployedBytecode": "0x60", "solc": "0.8.37"}"#
        )
        .contains("empty"));
        assert!(Artifact::from_json(
            name,
            r#"{"abi": [], "bytecode": "0x60", "deployedBytecode": "0x60", "solc": "0.8.37"}"#
        )
        .is_ok());
    }
}
