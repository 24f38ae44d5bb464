//! zkhealth-registry: the issuer's registry of credential commitments.
//!
//! - [`RootHistory`] accepts a root for a freshness window counted from the moment it was
//!   *replaced*, judging each root by its latest publication, and records invalidated roots and
//!   issuer rotations, exactly as the on-chain registry does; a verifier uses it on its own
//!   (through `zkhealth_verifier::LocalRoots`), without a database.
//! - [`Registry`] ties a Merkle tree of commitments to its root history: every change publishes
//!   the new root. Each change is checked once ([`Registry::prepare_append`],
//!   [`Registry::prepare_revoke`]) and then applied, so in-memory and stored registries share one
//!   set of checks.
//! - [`store::RegistryStore`] (feature `redb`, on by default) keeps a registry in a redb file.
//!
//! The Merkle tree and path themselves are part of the relation and live in
//! `zkhealth_circuits::merkle`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod error;
mod history;
mod registry;
#[cfg(feature = "redb")]
pub mod store;

pub use error::RegistryError;
pub use history::{IssuerRotation, RootEntry, RootHistory};
pub use registry::{Change, Registry};
