//! zkhealth-circuits: the native types of zkhealth and, behind the `r1cs` feature (default),
//! their R1CS twins and the presentation circuit.
//!
//! Native types (hash, dates, codes, credentials, registry, policies, statement) build without
//! the constraint-system crates, which is what the light verifier depends on.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "r1cs")]
pub mod circuit;
pub mod codes;
pub mod credential;
pub mod date;
pub mod error;
pub mod field;
pub mod merkle;
pub mod policy;
pub mod poseidon;
pub mod statement;

pub use error::Error;
pub use field::Fr;
pub use statement::Statement;
