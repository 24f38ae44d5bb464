//! Compiled-contract artifacts: `{"abi": [...], "bytecode": "0x...", "deployedBytecode": "0x...",
//! "solc": "<version>"}`, as written by `contracts/compile.mjs`.

use serde::Deserialize;

use crate::EvmError;

/// A compiled contract: its ABI (JSON), creation and runtime bytecode, and the compiler version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// The ABI, as the JSON array solc emits.
    pub abi: serde_json::Value,
    /// The creation bytecode (constructor arguments are appended to it when deploying).
    pub bytecode: Vec<u8>,
    /// The runtime bytecode, as deployed.
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
}
