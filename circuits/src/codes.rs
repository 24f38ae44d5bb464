//! Codes and short strings as field elements.
//!
//! **Encoding**: a code is 1 to 31 bytes of printable ASCII (`0x21..=0x7e`, so no spaces), read
//! as a big-endian integer. It is injective (no code starts with a zero byte), deterministic, always
//! below the field modulus, never zero, and reversible, so a disclosed code can be shown as text.
//! The same integer can be recomputed anywhere (JavaScript `BigInt('0x' + hex(bytes))`, Solidity
//! `uint256(bytes31(...)) >> 8` for a 31-byte string).

use ark_ff::{BigInteger, PrimeField};

use crate::{field::Fr, Error};

/// Longest code, in bytes.
pub const MAX_CODE_LEN: usize = 31;

/// Encodes a code (1 to 31 printable ASCII bytes, no spaces) as a field element.
pub fn encode(code: &str) -> Result<Fr, Error> {
    let bytes = code.as_bytes();
    if bytes.is_empty() || bytes.len() > MAX_CODE_LEN {
        return Err(Error::InvalidCode(format!(
            "{code:?} must be 1 to {MAX_CODE_LEN} bytes long"
        )));
    }
    if let Some(b) = bytes.iter().find(|b| !(0x21..=0x7e).contains(*b)) {
        return Err(Error::InvalidCode(format!(
            "{code:?} contains byte {b:#04x}; codes are printable ASCII without spaces"
        )));
    }
    Ok(Fr::from_be_bytes_mod_order(bytes))
}

/// Decodes a field element produced by [`encode`]; `None` if it is not one.
pub fn decode(x: &Fr) -> Option<String> {
    let be = x.into_bigint().to_bytes_be();
    let start = be.iter().position(|b| *b != 0)?;
    let bytes = &be[start..];
    if bytes.len() > MAX_CODE_LEN || !bytes.iter().all(|b| (0x21..=0x7e).contains(b)) {
        return None;
    }
    String::from_utf8(bytes.to_vec()).ok()
}
