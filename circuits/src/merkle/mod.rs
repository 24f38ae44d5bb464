//! Registry Merkle tree (native).

#[cfg(feature = "r1cs")]
pub mod constraints;
