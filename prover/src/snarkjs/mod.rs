//! Interoperability with the snarkjs tools, so that production keys can come from a multi-party
//! phase-2 ceremony run with them (see the README's "Trusted setup"):
//!
//! - [`r1cs`]: our circuits as iden3 `.r1cs` files, the input of `snarkjs groth16 setup`;
//! - [`wtns`]: full assignments as `.wtns` files, for `snarkjs wtns check` and
//!   `snarkjs groth16 prove`;
//! - [`zkey`]: a ceremony's final `.zkey`, checked against our circuit and imported as a
//!   proving artifact;
//! - [`json`]: `verification_key.json`, `proof.json` and `public.json` for `snarkjs groth16
//!   verify`, for any of our keys and presentations.
//!
//! Every reader is strict (exact lengths, canonical field elements, BN254 only) and returns a
//! typed [`SnarkjsError`], never a panic.

mod binfile;
pub mod json;
pub mod r1cs;
pub mod wtns;
pub mod zkey;

use ark_ff::{BigInteger, PrimeField};
use thiserror::Error;
use zkhealth_circuits::Fr;

/// Bytes of a BN254 scalar in these files.
pub const FR_BYTES: usize = 32;

/// What can be wrong with a snarkjs file.
#[derive(Debug, Error)]
pub enum SnarkjsError {
    /// The bytes are not a well-formed file of this kind.
    #[error("{what}: {reason}")]
    Format {
        /// Which file or part of it.
        what: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The file is over another field or curve than BN254.
    #[error("not over BN254: {0}")]
    WrongField(String),
    /// A field element is not below the modulus.
    #[error("{0} is not a canonical field element (not below the modulus)")]
    NonCanonical(&'static str),
    /// Something does not fit the file format's 32-bit counts.
    #[error("the {0} is too large for the file format")]
    TooLarge(&'static str),
}

/// BN254's scalar field order, little-endian.
pub(crate) fn modulus_le() -> [u8; FR_BYTES] {
    le_array(&Fr::MODULUS.to_bytes_le())
}

/// A scalar, canonical little-endian.
pub(crate) fn fr_to_le(x: &Fr) -> [u8; FR_BYTES] {
    le_array(&x.into_bigint().to_bytes_le())
}

/// A canonical little-endian scalar.
pub(crate) fn fr_from_le(bytes: &[u8; FR_BYTES], what: &'static str) -> Result<Fr, SnarkjsError> {
    let x = Fr::from_le_bytes_mod_order(bytes);
    if fr_to_le(&x) == *bytes {
        Ok(x)
    } else {
        Err(SnarkjsError::NonCanonical(what))
    }
}

fn le_array(v: &[u8]) -> [u8; FR_BYTES] {
    let mut out = [0u8; FR_BYTES];
    for (o, b) in out.iter_mut().zip(v) {
        *o = *b;
    }
    out
}
