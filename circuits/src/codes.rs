//! Codes and short strings as field elements.
//!
//! # Encoding
//!
//! A code is a string of 1 to [`MAX_CODE_LEN`] (31) bytes, each printable ASCII without the space
//! (`0x21..=0x7e`, `!` to `~`). Its field element is the bytes read as one big-endian unsigned
//! integer:
//!
//! ```text
//! encode(b[0] b[1] … b[n-1]) = Σ b[i] · 256^(n-1-i),   1 ≤ n ≤ 31,   0x21 ≤ b[i] ≤ 0x7e
//! ```
//!
//! so `"A"` is `0x41`, `"NL"` is `0x4e4c`, and `"840539006"` (COVID-19) is `0x383430353339303036`.
//! Properties:
//!
//! - **below the modulus**: 31 bytes are less than 2^248, and the BN254 scalar field has more than
//!   2^253 elements, so no reduction ever happens;
//! - **never zero**, since every byte is at least `0x21`;
//! - **injective**: no byte is zero, so the length is recovered from the integer and different
//!   strings give different integers (`"A"`, `"AA"` and `"B"` are `0x41`, `0x4141` and `0x42`);
//! - **reversible**: [`decode`] reads the integer back as text, so a disclosed code can be shown.
//!
//! The same integer can be recomputed without this crate: in JavaScript
//! `BigInt('0x' + Buffer.from(code, 'ascii').toString('hex'))`, in Solidity
//! `uint256(bytes32(bytes(code))) >> (8 * (32 - bytes(code).length))`.
//!
//! Strings outside the alphabet (empty, longer than 31 bytes, with a space, a control byte or any
//! non-ASCII character) are rejected with [`Error::InvalidCode`] rather than normalised, so one
//! string never has two encodings.
//!
//! The named codes of the shipped schemas (diseases, products, countries, coverage) are in
//! `zkhealth_records::codes`.
//!
//! ```
//! use zkhealth_circuits::codes;
//!
//! let x = codes::encode("840539006")?;
//! assert_eq!(codes::decode(&x).as_deref(), Some("840539006"));
//! # Ok::<(), zkhealth_circuits::Error>(())
//! ```

use ark_ff::{BigInteger, PrimeField};

use crate::{error::excerpt, field::Fr, Error};

/// Longest code, in bytes.
pub const MAX_CODE_LEN: usize = 31;

/// Encodes a code (1 to 31 printable ASCII bytes, no spaces) as a field element.
pub fn encode(code: &str) -> Result<Fr, Error> {
    let bytes = code.as_bytes();
    if bytes.is_empty() || bytes.len() > MAX_CODE_LEN {
        return Err(Error::InvalidCode(format!(
            "{} must be 1 to {MAX_CODE_LEN} bytes long",
            excerpt(code)
        )));
    }
    if let Some(b) = bytes.iter().find(|b| !(0x21..=0x7e).contains(*b)) {
        return Err(Error::InvalidCode(format!(
            "{} contains byte {b:#04x}; codes are printable ASCII without spaces",
            excerpt(code)
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

/// Encodes every code of a list with [`encode`], in order; fails on the first invalid one.
pub fn encode_all(codes: &[&str]) -> Result<Vec<Fr>, Error> {
    codes.iter().map(|code| encode(code)).collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn encode_matches_big_endian_known_answers() -> Result<(), Error> {
        assert_eq!(encode("A")?, Fr::from(0x41u8));
        assert_eq!(encode("NL")?, Fr::from(0x4e4cu16));
        assert_eq!(encode("840539006")?, Fr::from(0x38_3430_3533_3930_3036u128));
        Ok(())
    }

    #[test]
    fn encode_is_injective_on_near_collisions() -> Result<(), Error> {
        let (a, aa, b) = (encode("A")?, encode("AA")?, encode("B")?);
        assert_ne!(a, aa);
        assert_ne!(a, b);
        assert_ne!(aa, b);
        assert_ne!(encode("AB")?, encode("BA")?);
        assert_ne!(encode("!")?, encode("!!")?);
        Ok(())
    }

    #[test]
    fn encode_accepts_both_ends_of_the_alphabet_and_length() -> Result<(), Error> {
        for code in ["!", "~", &"!".repeat(31), &"~".repeat(31)] {
            assert_eq!(decode(&encode(code)?).as_deref(), Some(code));
        }
        Ok(())
    }

    #[test]
    fn encode_rejects_empty() {
        assert!(matches!(encode(""), Err(Error::InvalidCode(_))));
    }

    #[test]
    fn encode_rejects_32_bytes() {
        assert!(matches!(
            encode(&"A".repeat(32)),
            Err(Error::InvalidCode(_))
        ));
    }

    #[test]
    fn encode_rejects_space() {
        for code in [" ", "EU 1", "A ", " A"] {
            assert!(
                matches!(encode(code), Err(Error::InvalidCode(_))),
                "{code:?}"
            );
        }
    }

    #[test]
    fn encode_rejects_non_ascii() {
        for code in ["é", "caf\u{e9}", "\u{1F489}"] {
            assert!(
                matches!(encode(code), Err(Error::InvalidCode(_))),
                "{code:?}"
            );
        }
    }

    #[test]
    fn encode_rejects_control_bytes() {
        for code in ["\0", "A\0", "\t", "A\nB", "\x7f", "A\x1f"] {
            assert!(
                matches!(encode(code), Err(Error::InvalidCode(_))),
                "{code:?}"
            );
        }
    }

    #[test]
    fn encode_all_fails_on_any_invalid_code() -> Result<(), Error> {
        assert_eq!(encode_all(&[])?, Vec::<Fr>::new());
        assert_eq!(encode_all(&["A", "B"])?, vec![encode("A")?, encode("B")?]);
        assert!(matches!(
            encode_all(&["A", "B C"]),
            Err(Error::InvalidCode(_))
        ));
        Ok(())
    }

    #[test]
    fn decode_rejects_zero() {
        assert_eq!(decode(&Fr::from(0u8)), None);
    }

    #[test]
    fn decode_rejects_non_printable_bytes() {
        // 0x01, a space, 0x7f, and "A" followed by a zero byte.
        for x in [0x01u16, 0x20, 0x7f, 0x4100] {
            assert_eq!(decode(&Fr::from(x)), None, "{x:#x}");
        }
    }

    #[test]
    fn decode_rejects_minus_one() {
        // p - 1 takes 32 bytes, longer than any code.
        assert_eq!(decode(&-Fr::from(1u8)), None);
    }

    #[test]
    fn decode_rejects_32_printable_bytes() {
        let x = Fr::from_be_bytes_mod_order(&[b'!'; 32]);
        assert_eq!(decode(&x), None);
    }

    proptest! {
        #[test]
        fn encode_decode_round_trips(code in "[!-~]{1,31}") {
            prop_assert_eq!(encode(&code).ok().and_then(|x| decode(&x)), Some(code));
        }

        #[test]
        fn distinct_codes_encode_differently(a in "[!-~]{1,31}", b in "[!-~]{1,31}") {
            prop_assume!(a != b);
            prop_assert_ne!(encode(&a).ok(), encode(&b).ok());
        }
    }
}
