//! The scalar field and its text encodings.
//!
//! Every field element that leaves the library as text is `0x`-prefixed, 32-byte, big-endian hex,
//! and decoding is strict: exactly 64 hex digits and a canonical value (`< r`). Decimal strings are
//! accepted where interop formats (snarkjs, circomlib vectors) use them.

use ark_ff::{BigInteger, PrimeField};

use crate::{error::excerpt, Error};

/// The BN254 scalar field, in which every circuit value lives.
pub type Fr = ark_bn254::Fr;

/// Encodes a field element as `0x` + 64 lowercase hex digits (big-endian).
pub fn fr_to_hex(x: &Fr) -> String {
    format!("0x{}", hex::encode(fr_to_bytes_be(x)))
}

/// Decodes `0x` + 64 hex digits (big-endian); rejects other lengths and non-canonical values.
pub fn fr_from_hex(s: &str) -> Result<Fr, Error> {
    let digits = s.strip_prefix("0x").ok_or_else(|| {
        Error::InvalidFieldElement(format!("{} does not start with 0x", excerpt(s)))
    })?;
    if digits.len() != 64 {
        return Err(Error::InvalidFieldElement(format!(
            "expected 64 hex digits, got {}",
            digits.len()
        )));
    }
    let bytes =
        hex::decode(digits).map_err(|e| Error::InvalidFieldElement(format!("not hex: {e}")))?;
    let mut be = [0u8; 32];
    be.copy_from_slice(&bytes);
    fr_from_bytes_be(&be)
}

/// The 32-byte big-endian encoding of a field element.
pub fn fr_to_bytes_be(x: &Fr) -> [u8; 32] {
    let mut out = [0u8; 32];
    let bytes = x.into_bigint().to_bytes_be();
    out[32 - bytes.len()..].copy_from_slice(&bytes);
    out
}

/// Decodes 32 big-endian bytes; rejects values `>= r`.
pub fn fr_from_bytes_be(bytes: &[u8; 32]) -> Result<Fr, Error> {
    let x = Fr::from_be_bytes_mod_order(bytes);
    if fr_to_bytes_be(&x) != *bytes {
        return Err(Error::InvalidFieldElement(
            "value is not below the field modulus".into(),
        ));
    }
    Ok(x)
}

/// Decodes a decimal string; rejects signs, empty strings and values `>= r`.
pub fn fr_from_decimal(s: &str) -> Result<Fr, Error> {
    if s.is_empty() || s.len() > 78 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::InvalidFieldElement(format!(
            "{s:?} is not a decimal number"
        )));
    }
    let x: Fr = s
        .parse()
        .map_err(|_| Error::InvalidFieldElement(format!("{s:?} is not a decimal number")))?;
    // `parse` reduces modulo r; accept only the canonical form.
    if fr_to_decimal(&x) != s.trim_start_matches('0')
        && !(x == Fr::from(0u8) && s.bytes().all(|b| b == b'0'))
    {
        return Err(Error::InvalidFieldElement(format!(
            "{s:?} is not below the field modulus"
        )));
    }
    Ok(x)
}

/// The decimal string of a field element's canonical value.
pub fn fr_to_decimal(x: &Fr) -> String {
    x.into_bigint().to_string()
}

/// Serde adapter: a field element as `0x`-prefixed 32-byte big-endian hex.
pub mod serde_fr {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::{fr_from_hex, fr_to_hex, Fr};

    /// Serializes as hex.
    pub fn serialize<S: Serializer>(x: &Fr, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&fr_to_hex(x))
    }

    /// Deserializes strictly from hex.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Fr, D::Error> {
        let s = String::deserialize(d)?;
        fr_from_hex(&s).map_err(serde::de::Error::custom)
    }
}

/// Serde adapter: a list of field elements, each as hex.
pub mod serde_fr_vec {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{fr_from_hex, fr_to_hex, Fr};

    /// Serializes as a list of hex strings.
    pub fn serialize<S: Serializer>(xs: &[Fr], s: S) -> Result<S::Ok, S::Error> {
        xs.iter().map(fr_to_hex).collect::<Vec<_>>().serialize(s)
    }

    /// Deserializes strictly from a list of hex strings.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Fr>, D::Error> {
        let v = Vec::<String>::deserialize(d)?;
        v.iter()
            .map(|s| fr_from_hex(s).map_err(serde::de::Error::custom))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const R_MINUS_1: &str =
        "21888242871839275222246405745257275088548364400416034343698204186575808495616";
    const R: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495617";

    #[test]
    fn hex_round_trips_and_is_canonical() {
        for x in [
            Fr::from(0u8),
            Fr::from(1u8),
            -Fr::from(1u8),
            Fr::from(123456789u64),
        ] {
            let s = fr_to_hex(&x);
            assert_eq!(s.len(), 66);
            assert_eq!(fr_from_hex(&s).unwrap(), x);
        }
    }

    #[test]
    fn hex_rejects_malformed() {
        assert!(fr_from_hex("12").is_err());
        assert!(fr_from_hex("0x12").is_err());
        assert!(fr_from_hex(&format!("0x{}", "g".repeat(64))).is_err());
        assert!(fr_from_hex(&format!("0x{}", "f".repeat(64))).is_err());
        assert!(fr_from_hex(&format!("0x{}", "0".repeat(65))).is_err());
        // r itself is not canonical.
        let r = "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001";
        assert!(fr_from_hex(r).is_err());
    }

    #[test]
    fn decimal_accepts_canonical_and_rejects_the_rest() {
        assert_eq!(fr_from_decimal(R_MINUS_1).unwrap(), -Fr::from(1u8));
        assert_eq!(fr_from_decimal("0").unwrap(), Fr::from(0u8));
        assert_eq!(fr_from_decimal("007").unwrap(), Fr::from(7u8));
        assert!(fr_from_decimal(R).is_err());
        assert!(fr_from_decimal("").is_err());
        assert!(fr_from_decimal("-1").is_err());
        assert!(fr_from_decimal("1e3").is_err());
        assert_eq!(fr_to_decimal(&Fr::from(42u8)), "42");
    }
}

/// Serde adapter: a fixed-size array of field elements, each as hex.
pub mod serde_fr_array {
    use serde::{Deserializer, Serializer};

    use super::Fr;

    /// Serializes as a list of hex strings.
    pub fn serialize<S: Serializer, const N: usize>(xs: &[Fr; N], s: S) -> Result<S::Ok, S::Error> {
        super::serde_fr_vec::serialize(xs, s)
    }

    /// Deserializes strictly from a list of exactly `N` hex strings.
    pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        d: D,
    ) -> Result<[Fr; N], D::Error> {
        let v = super::serde_fr_vec::deserialize(d)?;
        let n = v.len();
        v.try_into()
            .map_err(|_| serde::de::Error::custom(format!("expected {N} field elements, got {n}")))
    }
}
