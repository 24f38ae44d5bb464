//! zkhealth-prover: Groth16 setup, key and artifact files, and presentation proving.
//!
//! ```no_run
//! use rand_core::OsRng;
//! use zkhealth_prover::{setup, Prover, ProveRequest};
//! # fn main() -> Result<(), zkhealth_prover::ProverError> {
//! // Development setup: one party knows the toxic waste. See the README's security section.
//! let (artifact, vk) = setup(20, &mut OsRng)?;
//! std::fs::write("presentation.vk", vk.to_file_bytes())?;
//! std::fs::write("presentation.pk", artifact.to_file_bytes()?)?;
//! # Ok(()) }
//! ```
//!
//! Proving first checks the claim natively ([`zkhealth_circuits::policy::Policy::check`]) and
//! fails with an error naming the unmet condition before any proving work.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod artifact;
mod batch;
mod claim;
mod encoding;
mod error;
pub mod groth16;
pub mod matrices;
pub mod msm;
mod prove;
pub mod reduction;
pub mod snarkjs;

pub use artifact::{
    setup, setup_circuit, setup_circuit_with_reduction, ArtifactId, Beacon, Ceremony, Contribution,
    KeyOrigin, ProvingArtifact,
};
pub use batch::Schedule;
pub use claim::{ClaimRequest, Held};
pub use error::ProverError;
pub use prove::{ProveRequest, Prover};
pub use reduction::QapReduction;

/// Runs `a` and `b`: side by side on the rayon pool with the `parallel` feature, one after the
/// other without it.
pub(crate) fn join<RA: Send, RB: Send>(
    a: impl FnOnce() -> RA + Send,
    b: impl FnOnce() -> RB + Send,
) -> (RA, RB) {
    #[cfg(feature = "parallel")]
    return rayon::join(a, b);
    #[cfg(not(feature = "parallel"))]
    (a(), b())
}
