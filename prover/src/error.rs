use ark_relations::gr1cs::SynthesisError;
use thiserror::Error;
use zkhealth_circuits::CircuitId;
use zkhealth_verifier::VerifyError;

use crate::artifact::ArtifactId;

/// Everything that can go wrong while setting up or proving.
#[derive(Debug, Error)]
pub enum ProverError {
    /// The credential does not satisfy the claim, or an input is malformed.
    #[error(transparent)]
    Claim(#[from] zkhealth_circuits::Error),
    /// A setup was asked for a registry depth outside `1..=max`.
    #[error("registry depth {depth} is outside 1..={max}")]
    UnsupportedDepth {
        /// The depth asked for.
        depth: u32,
        /// The largest supported depth.
        max: u32,
    },
    /// The holder secret does not match the credential's holder key.
    #[error("the holder secret does not match the credential's holder key")]
    HolderSecretMismatch,
    /// A circuit was built for another registry depth than the artifact's.
    #[error("circuit depth {circuit} but artifact depth {artifact}")]
    DepthMismatch {
        /// The circuit's depth.
        circuit: u32,
        /// The artifact's depth.
        artifact: u32,
    },
    /// A circuit is not the one the artifact proves for.
    #[error("the artifact proves the {expected} circuit, not the {found} circuit")]
    WrongCircuit {
        /// The artifact's circuit.
        expected: CircuitId,
        /// The circuit given.
        found: CircuitId,
    },
    /// The artifact's constraint matrices do not have one instance variable per public input of
    /// its circuit plus one.
    #[error(
        "the constraint matrices have {found} instance variables, the circuit needs {expected}"
    )]
    InstanceCountMismatch {
        /// The circuit's `NUM_INPUTS + 1`.
        expected: usize,
        /// The matrices' count.
        found: usize,
    },
    /// The artifact's constraint matrices do not fit its proving key.
    #[error(
        "the proving key's {query} has {key} elements, the constraint matrices need {matrices}"
    )]
    MatricesDoNotFitKey {
        /// The proving key's query that does not fit (`a_query`, `l_query`...).
        query: &'static str,
        /// Its length.
        key: usize,
        /// The length the matrices need.
        matrices: usize,
    },
    /// A verifying key is not the one the artifact proves for.
    #[error("the verifying key {key} is not the artifact's ({artifact})")]
    NotPaired {
        /// The artifact's verifying key id (hex).
        artifact: String,
        /// The other key's id (hex).
        key: String,
    },
    /// The artifact is for another registry depth than the one asked for.
    #[error("the artifact is for registry depth {found}, not {expected}")]
    WrongDepth {
        /// The depth asked for.
        expected: u32,
        /// The artifact's depth.
        found: u32,
    },
    /// The artifact's proving key does not belong to its embedded verifying key.
    #[error("the proving key does not belong to the embedded verifying key")]
    KeyMismatch,
    /// The artifact's id is not the one the caller pinned.
    #[error("artifact id {found} is not the pinned {expected}")]
    ArtifactIdMismatch {
        /// The pinned id.
        expected: ArtifactId,
        /// The file's id.
        found: ArtifactId,
    },
    /// The proving key does not decode: with validation, a point off its curve or outside its
    /// prime-order subgroup; in any mode, a non-canonical coordinate or a bad length.
    #[error("invalid proving key: {reason}")]
    InvalidProvingKey {
        /// What the decoder reported.
        reason: String,
    },
    /// The proof just made does not verify under the artifact's own verifying key: the proving
    /// key or the constraint matrices are not the ones setup made (a damaged or altered
    /// artifact). Nothing is returned.
    #[error(
        "the proof does not verify under the artifact's verifying key ({reason}): the proving key \
         or its constraint matrices are damaged or altered; use the artifact setup wrote"
    )]
    ProofDoesNotVerify {
        /// What the verifier reported.
        reason: VerifyError,
    },
    /// A key or artifact file is malformed or does not match.
    #[error("key file: {0}")]
    KeyFile(#[from] VerifyError),
    /// Constraint synthesis failed.
    #[error("constraint synthesis failed: {0}")]
    Synthesis(#[from] SynthesisError),
    /// A proving thread of a batch panicked; its requests have no result.
    #[error("a proving thread panicked")]
    ThreadPanicked,
    /// The Groth16 prover met an internal inconsistency (sizes that setup guarantees).
    #[error("proving failed: {0}")]
    Proving(String),
    /// Serialization failed.
    #[error("serialization: {0}")]
    Serialization(String),
    /// A file could not be read or written.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// A snarkjs file (`.r1cs`, `.wtns`, `.zkey`) is malformed or does not fit.
    #[error(transparent)]
    Snarkjs(#[from] crate::snarkjs::SnarkjsError),
}
