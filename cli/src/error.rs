//! The CLI's error type: every failure names the file or argument it is about.

use std::{io, path::PathBuf};

use thiserror::Error;
use zkhealth::{prover::ProverError, registry::store::StoreError, verifier::VerifyError};

/// Exit code of a presentation the verifier refused: one that failed a check, or a presentation
/// file that does not decode (a changed proof digit, say). Other failures exit with 1 (a file
/// that cannot be read among them); clap's usage errors with 2.
pub const EXIT_REJECTED: u8 = 3;

/// Everything that can go wrong in a CLI command.
#[derive(Debug, Error)]
pub enum CliError {
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// A file or directory could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// A JSON file is malformed or does not hold what it should.
    #[error("{} is not a valid {what} file: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// What it should hold.
        what: &'static str,
        /// What serde reported (line and column included).
        #[source]
        source: serde_json::Error,
    },
    /// A JSON file is well-formed but names what this build does not hold (an unknown schema).
    #[error("{} is not a valid {what} file: {source}", path.display())]
    Unresolved {
        /// The file.
        path: PathBuf,
        /// What it should hold.
        what: &'static str,
        /// What could not be resolved.
        #[source]
        source: zkhealth::circuits::Error,
    },
    /// A key or presentation file could not be decoded.
    #[error("{} is not a valid {what} file: {source}", path.display())]
    Decode {
        /// The file.
        path: PathBuf,
        /// What it should hold.
        what: &'static str,
        /// What the verifier crate reported.
        #[source]
        source: VerifyError,
    },
    /// A proving-key file could not be decoded.
    #[error("{} is not a valid proving key file: {source}", path.display())]
    ProvingKeyFile {
        /// The file.
        path: PathBuf,
        /// What the prover crate reported.
        #[source]
        source: ProverError,
    },
    /// Key files do not fit together or do not fit the request.
    #[error("key files: {0}")]
    Keys(String),
    /// A command-line value is malformed.
    #[error(
        "invalid {what} {}: {reason}",
        zkhealth::circuits::error::excerpt(value)
    )]
    Argument {
        /// Which argument.
        what: &'static str,
        /// The value given.
        value: String,
        /// Why it was refused.
        reason: String,
    },
    /// The issuer's registry failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A health certificate, card or resource was refused (the layer is named).
    #[error("{origin}: {reason}")]
    Import {
        /// Where the input came from.
        origin: String,
        /// The decoder's refusal.
        reason: String,
    },
    /// A credential, record or policy is invalid.
    #[error(transparent)]
    Circuits(#[from] zkhealth::circuits::Error),
    /// The prover refused or failed.
    #[error("cannot prove: {0}")]
    Prove(#[from] ProverError),
    /// The development setup failed.
    #[error("setup failed: {0}")]
    Setup(ProverError),
    /// The credential is not (or no longer) in the registry under the expected root.
    #[error("the credential is not in the registry: {0}")]
    NotInRegistry(String),
    /// A registry database has no issuer recorded yet (nothing was issued into it), so there is
    /// no issuer its roots could speak for.
    #[error(
        "registry database {} has no issuer yet: its first `issue` records it",
        path.display()
    )]
    NoIssuer {
        /// The database.
        path: PathBuf,
    },
    /// A root snapshot speaks for another issuer than the one the credential names.
    #[error(
        "{} holds the roots of issuer {roots:?}, but the credential names issuer {credential:?}",
        path.display()
    )]
    RootsOfAnotherIssuer {
        /// The snapshot file.
        path: PathBuf,
        /// The issuer the snapshot speaks for.
        roots: String,
        /// The credential's issuer (its code, or its field element in hex).
        credential: String,
    },
    /// The verifier refused the presentation.
    #[error("presentation REJECTED: {0}")]
    Rejected(VerifyError),
    /// The presentation to verify does not decode: refused like one that fails a check.
    #[error("presentation REJECTED: {} is not a valid presentation: {source}", path.display())]
    MalformedPresentation {
        /// The presentation file.
        path: PathBuf,
        /// What the decoder reported.
        #[source]
        source: VerifyError,
    },
    /// Verification could not be carried out (malformed input, verifier-side problem).
    #[error("cannot verify: {0}")]
    Verify(VerifyError),
    /// A JSON-RPC node or the registry contract failed or refused.
    #[error("chain: {0}")]
    Chain(#[from] zkhealth_rpc::RpcError),
    /// The presentation contract refused the presentation (the transaction reverted).
    #[error("presentation REJECTED on chain: {0}")]
    ChainRejected(zkhealth_rpc::RpcError),
    /// The system clock is unusable.
    #[error("system clock: {0}")]
    Clock(String),
    /// The demo saw outcomes other than the expected ones.
    #[error("demo: {} outcome(s) were not as expected: {}", .0.len(), .0.join("; "))]
    Demo(Vec<String>),
    /// The pages' server could not start or stopped with an error.
    #[error("web server on {addr}: {source}")]
    Serve {
        /// The address it was to listen on.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// The verification service could not start, or failed.
    #[error(transparent)]
    Service(zkhealth_service::ServiceError),
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Rejected(_)
            | CliError::MalformedPresentation { .. }
            | CliError::ChainRejected(_) => EXIT_REJECTED,
            _ => 1,
        }
    }

    /// Classifies a verifier error: a refusal, or a failure to verify at all.
    pub fn from_verify(e: VerifyError) -> Self {
        if e.is_rejected() {
            CliError::Rejected(e)
        } else {
            CliError::Verify(e)
        }
    }
}
