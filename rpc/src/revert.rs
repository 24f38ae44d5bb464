//! Decoding revert data: the registry contract's custom errors (read from its committed ABI, so
//! every error the contract declares is named), Solidity's `Error(string)` and `Panic(uint256)`.

use alloy_json_abi::JsonAbi;
use alloy_sol_types::{Panic, Revert as SolRevert, SolError};

use crate::Revert;

/// The registry contract's ABI, from the committed artifact; `None` if it cannot be read.
fn registry_abi() -> Option<JsonAbi> {
    let abi = zkhealth_evm::registry::abi_json().ok()?;
    serde_json::from_value(abi).ok()
}

/// Decodes revert data against the registry's custom errors, then the standard ones.
pub fn decode(data: &[u8]) -> Revert {
    decode_with(registry_abi().as_ref(), data)
}

/// Decodes revert data against `abi`'s custom errors, then the standard ones.
pub(crate) fn decode_with(abi: Option<&JsonAbi>, data: &[u8]) -> Revert {
    let (Some(selector), Some(args)) = (data.get(..4), data.get(4..)) else {
        return Revert::Unknown(data.to_vec());
    };
    if let Some(error) = abi
        .into_iter()
        .flat_map(|abi| abi.errors())
        .find(|e| e.selector().as_slice() == selector)
    {
        return Revert::Custom {
            name: error.name.clone(),
            signature: error.signature(),
            args: args.to_vec(),
        };
    }
    if let Ok(r) = SolRevert::abi_decode_validate(data) {
        return Revert::Message(r.reason);
    }
    if let Ok(p) = Panic::abi_decode_validate(data) {
        if let Ok(code) = u64::try_from(p.code) {
            return Revert::Panic(code);
        }
    }
    Revert::Unknown(data.to_vec())
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{keccak256, U256};
    use alloy_sol_types::SolValue;

    use super::*;

    fn selector(signature: &str) -> Vec<u8> {
        keccak256(signature.as_bytes())[..4].to_vec()
    }

    #[test]
    fn registry_custom_errors_are_named_from_the_committed_abi() {
        let abi = registry_abi().expect("the committed registry artifact has an ABI");
        assert!(abi.errors().any(|e| e.name == "NotIssuer"));
        let r = decode(&selector("NotIssuer()"));
        assert_eq!(r.custom_name(), Some("NotIssuer"));
        let mut data = selector("RootAlreadyPublished(uint256)");
        data.extend(U256::from(7u8).abi_encode());
        match decode(&data) {
            Revert::Custom {
                name,
                signature,
                args,
            } => {
                assert_eq!(name, "RootAlreadyPublished");
                assert_eq!(signature, "RootAlreadyPublished(uint256)");
                assert_eq!(args, U256::from(7u8).abi_encode());
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn standard_errors_and_garbage_decode_without_panicking() {
        let msg = SolRevert::from("nope").abi_encode();
        assert_eq!(decode_with(None, &msg), Revert::Message("nope".into()));
        let panic = Panic::from(0x11u64).abi_encode();
        assert_eq!(decode_with(None, &panic), Revert::Panic(0x11));
        assert_eq!(decode_with(None, &[]), Revert::Unknown(vec![]));
        assert_eq!(
            decode_with(None, &[1, 2, 3]),
            Revert::Unknown(vec![1, 2, 3])
        );
        // An Error(string) selector followed by garbage is not a message.
        let mut bad = msg[..4].to_vec();
        bad.extend([0xff; 40]);
        assert_eq!(decode_with(None, &bad), Revert::Unknown(bad.clone()));
        // Without the ABI a custom error stays undecoded.
        let not_issuer = selector("NotIssuer()");
        assert_eq!(
            decode_with(None, &not_issuer),
            Revert::Unknown(not_issuer.clone())
        );
    }
}
