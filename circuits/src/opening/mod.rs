//! A credential opening: what a prover knows about one credential in a circuit.
//!
//! Opening a credential proves, for a holder secret and public `(root, scope, today, today_ymd,
//! query_hash)`:
//!
//! `path.root(commit(credential)) = root ∧ credential.holder_key = H_key(secret) ∧
//!  credential.expiry >= today ∧ policy(credential.slots, today, today_ymd) ∧
//!  query_hash = H_query(credential.schema, credential.issuer, policy, disclosed(credential))`,
//!
//! and yields the scoped nullifier `H_null(secret, scope)`. The presentation circuit opens one
//! credential; a claim over two credentials opens two under the same secret. The gadget is
//! `constraints::CredentialOpeningVar` (behind `r1cs`).

#[cfg(feature = "r1cs")]
pub mod constraints;

use crate::{
    credential::Credential,
    merkle::MerklePath,
    policy::{CompiledPolicy, MAX_CONDITIONS},
};

/// The witness of one credential opening (the holder secret is passed separately, so several
/// openings can share it).
#[derive(Debug, Clone)]
pub struct CredentialOpening {
    /// The credential.
    pub credential: Credential,
    /// Its Merkle path in the registry.
    pub path: MerklePath,
    /// The verifier's policy, compiled.
    pub policy: CompiledPolicy,
    /// For each condition, the slot it holds on.
    pub choices: [usize; MAX_CONDITIONS],
}
