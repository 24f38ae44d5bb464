use thiserror::Error;
use zkhealth_verifier::VerifyError;

/// Everything that can go wrong while setting up or proving.
#[derive(Debug, Error)]
pub enum ProverError {
    /// The credential does not satisfy the claim, or an input is malformed.
    #[error(transparent)]
    Claim(#[from] zkhealth_circuits::Error),
    /// The inputs do not fit together (wrong secret for the credential, path to another root...).
    #[error("inputs do not fit together: {0}")]
    Mismatch(String),
    /// A key or artifact file is malformed or does not match.
    #[error("key file: {0}")]
    KeyFile(#[from] VerifyError),
    /// Constraint synthesis or the Groth16 prover failed.
    #[error("proving failed: {0}")]
    Proving(String),
    /// Serialization failed.
    #[error("serialization: {0}")]
    Serialization(String),
    /// A file could not be read or written.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}
