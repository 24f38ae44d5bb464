//! Decoding revert data: the custom errors of the registry contract (read from its committed
//! ABI) and of the presentation contract (read from the declarations in its Solidity sources,
//! `ZkhPresentation.sol` and the generated verifier's template, since it is compiled per key), so
//! every error the contracts declare is named; then Solidity's `Error(string)` and
//! `Panic(uint256)`.

use std::sync::OnceLock;

use alloy_json_abi::{Error as AbiError, JsonAbi};
use alloy_sol_types::{Panic, Revert as SolRevert, SolError};
use zkhealth_evm::solidity::{PRESENTATION_SOURCE, VERIFIER_TEMPLATE};

use crate::Revert;

/// The registry contract's ABI, from the committed artifact; `None` if it cannot be read.
fn registry_abi() -> Option<JsonAbi> {
    let abi = zkhealth_evm::registry::abi_json().ok()?;
    serde_json::from_value(abi).ok()
}

/// The custom errors declared in Solidity source text: every line of the form
/// `error Name(type a, ...);`.
fn declared_errors(source: &str) -> impl Iterator<Item = AbiError> + '_ {
    source.lines().filter_map(|line| {
        let declaration = line.trim().strip_prefix("error ")?.strip_suffix(';')?;
        AbiError::parse(declaration).ok()
    })
}

/// The custom errors of the presentation contract and of the verifier it inherits.
fn presentation_errors() -> Vec<AbiError> {
    declared_errors(PRESENTATION_SOURCE)
        .chain(declared_errors(VERIFIER_TEMPLATE))
        .collect()
}

/// Every custom error the zkhealth contracts declare (computed once).
fn known_errors() -> &'static [AbiError] {
    static ERRORS: OnceLock<Vec<AbiError>> = OnceLock::new();
    ERRORS.get_or_init(|| {
        let mut errors: Vec<AbiError> = registry_abi()
            .iter()
            .flat_map(|abi| abi.errors().cloned())
            .collect();
        errors.extend(presentation_errors());
        errors
    })
}

/// Decodes revert data against the contracts' custom errors, then the standard ones.
pub fn decode(data: &[u8]) -> Revert {
    decode_with(known_errors(), data)
}

/// Decodes revert data against `errors`, then the standard ones.
pub(crate) fn decode_with(errors: &[AbiError], data: &[u8]) -> Revert {
    let (Some(selector), Some(args)) = (data.get(..4), data.get(4..)) else {
        return Revert::Unknown(data.to_vec());
    };
    if let Some(error) = errors.iter().find(|e| e.selector().as_slice() == selector) {
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
    use zkhealth_evm::calldata::IZkhPresentation;

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
    fn presentation_custom_errors_are_named_from_the_contract_sources() {
        let declared = presentation_errors();
        // 14 in ZkhPresentation.sol, 4 in the verifier template.
        assert_eq!(declared.len(), 18, "{declared:?}");
        let mut data = selector("NullifierAlreadyUsed(uint256)");
        data.extend(U256::from(9u8).abi_encode());
        match decode(&data) {
            Revert::Custom {
                name,
                signature,
                args,
            } => {
                assert_eq!(name, "NullifierAlreadyUsed");
                assert_eq!(signature, "NullifierAlreadyUsed(uint256)");
                assert_eq!(args, U256::from(9u8).abi_encode());
            }
            other => panic!("unexpected {other:?}"),
        }
        for (signature, name) in [
            ("WrongChallenge(uint256,uint256)", "WrongChallenge"),
            ("DayNotToday(uint256,uint256)", "DayNotToday"),
            ("ScopeOutOfField(uint256)", "ScopeOutOfField"),
            ("InvalidProof()", "InvalidProof"),
            ("InvalidProofPoint()", "InvalidProofPoint"),
            ("CurveOperationFailed()", "CurveOperationFailed"),
            (
                "PublicInputOutOfField(uint256,uint256)",
                "PublicInputOutOfField",
            ),
        ] {
            assert_eq!(decode(&selector(signature)).custom_name(), Some(name));
        }
        // Every error of the interface the calldata is built from is known, by its selector.
        for sel in IZkhPresentation::IZkhPresentationErrors::SELECTORS {
            let r = decode(sel);
            assert!(r.custom_name().is_some(), "selector {sel:?} undecoded: {r}");
        }
        // A line that only looks like a declaration is not taken for one.
        assert_eq!(declared_errors("    // error Foo(uint256);").count(), 0);
        assert_eq!(declared_errors("error Foo(uint256)").count(), 0);
        assert_eq!(declared_errors("  error Foo(uint256 a);").count(), 1);
    }

    #[test]
    fn standard_errors_and_garbage_decode_without_panicking() {
        let msg = SolRevert::from("nope").abi_encode();
        assert_eq!(decode_with(&[], &msg), Revert::Message("nope".into()));
        let panic = Panic::from(0x11u64).abi_encode();
        assert_eq!(decode_with(&[], &panic), Revert::Panic(0x11));
        assert_eq!(decode_with(&[], &[]), Revert::Unknown(vec![]));
        assert_eq!(decode_with(&[], &[1, 2, 3]), Revert::Unknown(vec![1, 2, 3]));
        // An Error(string) selector followed by garbage is not a message.
        let mut bad = msg[..4].to_vec();
        bad.extend([0xff; 40]);
        assert_eq!(decode_with(&[], &bad), Revert::Unknown(bad.clone()));
        // Without the ABI a custom error stays undecoded.
        let not_issuer = selector("NotIssuer()");
        assert_eq!(
            decode_with(&[], &not_issuer),
            Revert::Unknown(not_issuer.clone())
        );
    }
}
