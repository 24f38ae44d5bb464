//! zkhealth-circuits: the native types of zkhealth and, behind the `r1cs` feature (default),
//! their R1CS twins and the circuits: the presentation (one credential) and the claim (a
//! coverage credential and a treatment record of one holder, [`claim`]).
//!
//! Native types (hash, dates, codes, credentials, registry, policies, statements and their
//! [`PublicInputs`] trait, circuit ids) build without the constraint-system crates, which is what
//! the light verifier depends on. Behind `r1cs`: the gadgets, the credential-opening gadget
//! ([`opening::constraints`]), the [`circuit::Circuit`] trait and both circuits.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod circuit;
pub mod claim;
pub mod codes;
pub mod credential;
pub mod date;
pub mod error;
pub mod field;
pub mod merkle;
pub mod opening;
pub mod policy;
pub mod poseidon;
pub mod scope;
pub mod statement;

pub use circuit::CircuitId;
pub use error::Error;
pub use field::Fr;
pub use scope::Scope;
pub use statement::{PublicInputs, Statement};
