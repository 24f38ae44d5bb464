//! Parsing what users type: addresses, private keys, node URLs; and field elements as EVM words.

use std::fmt;

use alloy_primitives::{hex, Address, U256};
use alloy_signer_local::PrivateKeySigner;
use alloy_transport_http::reqwest::Url;
use zkhealth_circuits::{
    field::{fr_from_bytes_be, fr_to_bytes_be},
    Fr,
};

use crate::RpcError;

/// A transaction signer: a secp256k1 private key. Its `Debug` shows the address only.
#[derive(Clone)]
pub struct SignerKey(pub(crate) PrivateKeySigner);

impl SignerKey {
    /// Parses a private key: 64 hex digits, with or without `0x`, surrounding whitespace
    /// ignored (so a key file may end with a newline). The key itself never appears in an
    /// error.
    pub fn from_hex(text: &str) -> Result<Self, RpcError> {
        let t = text.trim();
        let digits = t.strip_prefix("0x").unwrap_or(t);
        if digits.len() != 64 {
            return Err(RpcError::InvalidKey(format!(
                "expected 64 hex digits (32 bytes), got {} characters",
                digits.len()
            )));
        }
        let bytes =
            hex::decode(digits).map_err(|_| RpcError::InvalidKey("not hexadecimal".into()))?;
        PrivateKeySigner::from_slice(&bytes)
            .map(SignerKey)
            .map_err(|_| {
                RpcError::InvalidKey("not a valid secp256k1 secret key (zero or >= n)".into())
            })
    }

    /// The address this key signs for.
    pub fn address(&self) -> Address {
        self.0.address()
    }
}

impl fmt::Debug for SignerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignerKey")
            .field("address", &self.address())
            .finish_non_exhaustive()
    }
}

/// Parses an address: `0x` + 40 hex digits. All-lowercase or all-uppercase digits are taken as
/// they are; mixed case must carry a valid EIP-55 checksum (a typo in a checksummed address is
/// caught rather than sent to).
pub fn parse_address(text: &str) -> Result<Address, RpcError> {
    let bad = |reason: &str| RpcError::InvalidAddress {
        value: text.into(),
        reason: reason.into(),
    };
    let t = text.trim();
    let digits = t
        .strip_prefix("0x")
        .ok_or_else(|| bad("does not start with 0x"))?;
    if digits.len() != 40 {
        return Err(bad("expected 40 hex digits"));
    }
    let bytes = hex::decode(digits).map_err(|_| bad("not hexadecimal"))?;
    let address = Address::from_slice(&bytes);
    let has_lower = digits.chars().any(|c| c.is_ascii_lowercase());
    let has_upper = digits.chars().any(|c| c.is_ascii_uppercase());
    if has_lower && has_upper && address.to_checksum(None) != t {
        return Err(bad("mixed-case address with a wrong EIP-55 checksum"));
    }
    Ok(address)
}

/// Parses a node URL: `http://host[:port][/path]`, or `https://...` when the crate is built
/// with its `tls` feature.
pub fn parse_url(text: &str) -> Result<Url, RpcError> {
    let bad = |reason: String| RpcError::InvalidUrl {
        url: text.into(),
        reason,
    };
    let url = Url::parse(text.trim()).map_err(|e| bad(e.to_string()))?;
    match url.scheme() {
        "http" => {}
        "https" if cfg!(feature = "tls") => {}
        "https" => {
            return Err(bad(
                "https needs zkhealth-rpc's `tls` feature; this build speaks plain http only"
                    .into(),
            ))
        }
        other => return Err(bad(format!("unsupported scheme {other:?} (use http)"))),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("no host".into()));
    }
    Ok(url)
}

/// A field element as an EVM word (`uint256`, big-endian).
pub fn fr_to_u256(x: &Fr) -> U256 {
    U256::from_be_bytes(fr_to_bytes_be(x))
}

/// An EVM word as a field element; `None` when it is not below the BN254 scalar modulus.
pub fn u256_to_fr(x: U256) -> Option<Fr> {
    fr_from_bytes_be(&x.to_be_bytes::<32>()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Anvil's first development key (public knowledge, for tests only).
    const DEV_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    const DEV_ADDRESS: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

    #[test]
    fn signer_key_parses_with_or_without_prefix_and_hides_the_key() {
        let key = SignerKey::from_hex(DEV_KEY).unwrap();
        assert_eq!(key.address(), parse_address(DEV_ADDRESS).unwrap());
        let again = SignerKey::from_hex(&format!("  {}\n", &DEV_KEY[2..])).unwrap();
        assert_eq!(again.address(), key.address());
        let shown = format!("{key:?}");
        assert!(!shown.contains(&DEV_KEY[2..]), "{shown}");
        assert!(
            shown.contains("f39fd6e5") || shown.contains("f39Fd6e5"),
            "{shown}"
        );
    }

    #[test]
    fn signer_key_rejects_bad_keys_without_echoing_them() {
        for bad in [
            "0x12",
            &format!("0x{}", "g".repeat(64)),
            &format!("0x{}", "0".repeat(64)),
            &format!("0x{}", "f".repeat(64)),
        ] {
            let e = SignerKey::from_hex(bad).unwrap_err();
            assert!(matches!(e, RpcError::InvalidKey(_)), "{e}");
            if bad.len() == 66 {
                assert!(!e.to_string().contains(&bad[2..]), "{e}");
            }
        }
    }

    #[test]
    fn addresses_are_parsed_strictly_with_checksums() {
        let a = parse_address(DEV_ADDRESS).unwrap();
        assert_eq!(parse_address(&DEV_ADDRESS.to_lowercase()).unwrap(), a);
        assert_eq!(
            parse_address(&format!("0x{}", DEV_ADDRESS[2..].to_uppercase())).unwrap(),
            a
        );
        // One letter's case flipped: checksum error.
        let typo = DEV_ADDRESS.replacen('F', "f", 1);
        assert!(matches!(
            parse_address(&typo),
            Err(RpcError::InvalidAddress { .. })
        ));
        assert!(parse_address(&DEV_ADDRESS[2..]).is_err());
        assert!(parse_address("0x1234").is_err());
        assert!(parse_address(&format!("0x{}", "z".repeat(40))).is_err());
    }

    #[test]
    fn urls_must_be_http_with_a_host() {
        assert_eq!(
            parse_url("http://127.0.0.1:8545").unwrap().as_str(),
            "http://127.0.0.1:8545/"
        );
        assert!(matches!(
            parse_url("ws://127.0.0.1:8545"),
            Err(RpcError::InvalidUrl { .. })
        ));
        assert!(parse_url("127.0.0.1:8545").is_err());
        assert!(parse_url("not a url").is_err());
        assert_eq!(
            parse_url("https://example.invalid").is_ok(),
            cfg!(feature = "tls")
        );
    }

    #[test]
    fn field_elements_round_trip_as_words_and_out_of_field_words_are_refused() {
        let x = Fr::from(123_456_789u64);
        assert_eq!(fr_to_u256(&x), U256::from(123_456_789u64));
        assert_eq!(u256_to_fr(fr_to_u256(&x)), Some(x));
        let minus_one = -Fr::from(1u8);
        assert_eq!(u256_to_fr(fr_to_u256(&minus_one)), Some(minus_one));
        // r itself and the largest word are not field elements.
        let r = fr_to_u256(&minus_one) + U256::from(1u8);
        assert_eq!(u256_to_fr(r), None);
        assert_eq!(u256_to_fr(U256::MAX), None);
    }
}
