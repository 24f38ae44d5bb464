//! The evm crate's error type.

use thiserror::Error;

/// What can go wrong reading contract artifacts, rendering contracts or building calldata.
#[derive(Debug, Error)]
pub enum EvmError {
    /// A compiled-contract artifact is not the expected JSON.
    #[error("contract artifact {name}: {reason}")]
    Artifact {
        /// The contract the artifact is for.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// Compiling contracts failed (Node.js, npm or solc).
    #[error("building contracts: {reason}")]
    Build {
        /// What failed.
        reason: String,
    },
}
