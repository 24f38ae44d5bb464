//! Decoding revert data through the contracts' generated error types
//! ([`zkhealth_evm::bindings`]): the registry's custom errors, then the presentation
//! contract's (its verifier's included), then the claims contract's, then Solidity's
//! `Error(string)` and `Panic(uint256)`.
//!
//! Three errors are declared by both contracts with the same signature, `NotOwner()`,
//! `NotPendingOwner()` and `ZeroAddress()`: [`decode`] names them as the registry's; the
//! client's calls to a presentation contract re-read them as that contract's
//! ([`Revert::in_presentation_contract`]). The claims contract shares these and most of the
//! presentation contract's (`NullifierAlreadyUsed`, `WrongChallenge`, ...); the client's calls to
//! a claims contract re-read them as its own ([`Revert::in_claims_contract`]).

use alloy_sol_types::{Panic, Revert as SolRevert, SolError, SolInterface};
use zkhealth_evm::bindings::{
    ZkhClaims::ZkhClaimsErrors, ZkhPresentation::ZkhPresentationErrors,
    ZkhRegistry::ZkhRegistryErrors,
};

use crate::Revert;

/// Decodes revert data against the contracts' custom errors, then the standard ones.
pub fn decode(data: &[u8]) -> Revert {
    if let Ok(e) = ZkhRegistryErrors::abi_decode_validate(data) {
        return Revert::Registry(e);
    }
    if let Ok(e) = ZkhPresentationErrors::abi_decode_validate(data) {
        return Revert::Presentation(e);
    }
    if let Ok(e) = ZkhClaimsErrors::abi_decode_validate(data) {
        return Revert::Claims(e);
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

impl Revert {
    /// The same revert, read as coming from a presentation contract: a registry error that the
    /// presentation contract declares too (`NotOwner()`, `NotPendingOwner()`, `ZeroAddress()`)
    /// becomes its own.
    pub fn in_presentation_contract(self) -> Revert {
        match self {
            Revert::Registry(e) => {
                match ZkhPresentationErrors::abi_decode_validate(&e.abi_encode()) {
                    Ok(p) => Revert::Presentation(p),
                    Err(_) => Revert::Registry(e),
                }
            }
            other => other,
        }
    }

    /// The same revert, read as coming from a claims contract: a registry or presentation error
    /// that the claims contract declares too (same signature) becomes its own.
    pub fn in_claims_contract(self) -> Revert {
        let encoded = match &self {
            Revert::Registry(e) => e.abi_encode(),
            Revert::Presentation(e) => e.abi_encode(),
            _ => return self,
        };
        match ZkhClaimsErrors::abi_decode_validate(&encoded) {
            Ok(c) => Revert::Claims(c),
            Err(_) => self,
        }
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{keccak256, U256};
    use alloy_sol_types::SolValue;
    use zkhealth_evm::bindings::{Groth16Verifier, ZkhPresentation, ZkhRegistry};

    use super::*;

    fn selector(signature: &str) -> Vec<u8> {
        keccak256(signature.as_bytes())[..4].to_vec()
    }

    /// The selector, then one zero word per argument (every argument here is a static word).
    fn with_zero_args(selector: [u8; 4], signature: &str) -> Vec<u8> {
        let args = if signature.ends_with("()") {
            0
        } else {
            signature.matches(',').count() + 1
        };
        [&selector[..], &vec![0u8; 32 * args][..]].concat()
    }

    #[test]
    fn registry_custom_errors_decode_to_the_generated_types() {
        assert_eq!(
            decode(&selector("NotIssuer()")),
            Revert::Registry(ZkhRegistryErrors::NotIssuer(ZkhRegistry::NotIssuer {}))
        );
        let mut data = selector("RootIsCurrent(uint256)");
        data.extend(U256::from(7u8).abi_encode());
        let r = decode(&data);
        assert_eq!(
            r,
            Revert::Registry(ZkhRegistryErrors::RootIsCurrent(
                ZkhRegistry::RootIsCurrent {
                    root: U256::from(7u8)
                }
            ))
        );
        assert_eq!(r.custom_name(), Some("RootIsCurrent"));
        assert_eq!(r.custom_signature(), Some("RootIsCurrent(uint256)"));
        for (signature, name) in [
            ("RootIsInvalidated(uint256)", "RootIsInvalidated"),
            ("RootNotPublished(uint256)", "RootNotPublished"),
        ] {
            let mut data = selector(signature);
            data.extend(U256::from(7u8).abi_encode());
            assert_eq!(decode(&data).custom_name(), Some(name), "{signature}");
        }
        assert_eq!(ZkhRegistryErrors::SELECTORS.len(), 9);
        // Every registry error is named, by its selector.
        for (sel, signature) in ZkhRegistryErrors::SELECTORS
            .iter()
            .zip(ZkhRegistryErrors::SIGNATURES)
        {
            let r = decode(&with_zero_args(*sel, signature));
            assert!(matches!(r, Revert::Registry(_)), "{signature}: {r}");
            assert_eq!(r.custom_signature(), Some(*signature));
        }
    }

    #[test]
    fn claims_custom_errors_decode_to_the_generated_types_and_shared_ones_are_reread() {
        use zkhealth_evm::bindings::ZkhClaims;
        let mut data = selector("TreatmentRootNotAccepted(uint256)");
        data.extend(U256::from(5u8).abi_encode());
        assert_eq!(
            decode(&data),
            Revert::Claims(ZkhClaimsErrors::TreatmentRootNotAccepted(
                ZkhClaims::TreatmentRootNotAccepted {
                    root: U256::from(5u8)
                }
            ))
        );
        // Declared by the presentation contract too: named as its, then re-read as the claims
        // contract's.
        let mut data = selector("NullifierAlreadyUsed(uint256)");
        data.extend(U256::from(9u8).abi_encode());
        let r = decode(&data);
        assert!(matches!(r, Revert::Presentation(_)), "{r}");
        let r = r.in_claims_contract();
        assert_eq!(
            r,
            Revert::Claims(ZkhClaimsErrors::NullifierAlreadyUsed(
                ZkhClaims::NullifierAlreadyUsed {
                    nullifier: U256::from(9u8)
                }
            ))
        );
        assert_eq!(r.custom_name(), Some("NullifierAlreadyUsed"));
        assert!(matches!(
            decode(&selector("NotOwner()")).in_claims_contract(),
            Revert::Claims(ZkhClaimsErrors::NotOwner(_))
        ));
        // Every claims error is named, by its selector.
        for (sel, signature) in ZkhClaimsErrors::SELECTORS
            .iter()
            .zip(ZkhClaimsErrors::SIGNATURES)
        {
            let r = decode(&with_zero_args(*sel, signature)).in_claims_contract();
            assert!(matches!(r, Revert::Claims(_)), "{signature}: {r}");
            assert_eq!(r.custom_signature(), Some(*signature));
        }
    }

    #[test]
    fn presentation_custom_errors_decode_to_the_generated_types() {
        let mut data = selector("NullifierAlreadyUsed(uint256)");
        data.extend(U256::from(9u8).abi_encode());
        let r = decode(&data);
        assert_eq!(
            r,
            Revert::Presentation(ZkhPresentationErrors::NullifierAlreadyUsed(
                ZkhPresentation::NullifierAlreadyUsed {
                    nullifier: U256::from(9u8)
                }
            ))
        );
        assert_eq!(r.custom_name(), Some("NullifierAlreadyUsed"));
        // The verifier's errors are the presentation contract's too.
        let e = Groth16Verifier::PublicInputOutOfField {
            index: U256::from(3u8),
            value: U256::from(4u8),
        };
        assert_eq!(
            decode(&e.abi_encode()),
            Revert::Presentation(ZkhPresentationErrors::PublicInputOutOfField(
                ZkhPresentation::PublicInputOutOfField {
                    index: U256::from(3u8),
                    value: U256::from(4u8)
                }
            ))
        );
        for (signature, args, name) in [
            ("WrongChallenge(uint256,uint256)", 2, "WrongChallenge"),
            ("DayNotToday(uint256,uint256)", 2, "DayNotToday"),
            ("WrongScope(uint256,uint256)", 2, "WrongScope"),
            ("InvalidProof()", 0, "InvalidProof"),
            ("InvalidProofPoint()", 0, "InvalidProofPoint"),
            ("CurveOperationFailed()", 0, "CurveOperationFailed"),
            (
                "PublicInputOutOfField(uint256,uint256)",
                2,
                "PublicInputOutOfField",
            ),
        ] {
            let mut data = selector(signature);
            data.extend(vec![0u8; 32 * args]);
            assert_eq!(decode(&data).custom_name(), Some(name), "{signature}");
        }
        // Every error the presentation contract declares is named, by its selector.
        assert_eq!(ZkhPresentationErrors::SELECTORS.len(), 17);
        for (sel, signature) in ZkhPresentationErrors::SELECTORS
            .iter()
            .zip(ZkhPresentationErrors::SIGNATURES)
        {
            let r = decode(&with_zero_args(*sel, signature)).in_presentation_contract();
            assert!(matches!(r, Revert::Presentation(_)), "{signature}: {r}");
            assert_eq!(r.custom_signature(), Some(*signature));
        }
    }

    #[test]
    fn errors_both_contracts_declare_are_read_per_contract() {
        let data = selector("NotOwner()");
        let r = decode(&data);
        assert_eq!(
            r,
            Revert::Registry(ZkhRegistryErrors::NotOwner(ZkhRegistry::NotOwner {}))
        );
        assert_eq!(
            r.in_presentation_contract(),
            Revert::Presentation(ZkhPresentationErrors::NotOwner(
                ZkhPresentation::NotOwner {}
            ))
        );
        let r = decode(&selector("NotPendingOwner()"));
        assert_eq!(
            r,
            Revert::Registry(ZkhRegistryErrors::NotPendingOwner(
                ZkhRegistry::NotPendingOwner {}
            ))
        );
        assert_eq!(
            r.in_presentation_contract(),
            Revert::Presentation(ZkhPresentationErrors::NotPendingOwner(
                ZkhPresentation::NotPendingOwner {}
            ))
        );
        // A registry-only error stays the registry's.
        let r = decode(&selector("NotIssuer()"));
        assert_eq!(r.clone().in_presentation_contract(), r);
    }

    #[test]
    fn standard_errors_and_garbage_decode_without_panicking() {
        let msg = SolRevert::from("nope").abi_encode();
        assert_eq!(decode(&msg), Revert::Message("nope".into()));
        let panic = Panic::from(0x11u64).abi_encode();
        assert_eq!(decode(&panic), Revert::Panic(0x11));
        assert_eq!(decode(&[]), Revert::Unknown(vec![]));
        assert_eq!(decode(&[1, 2, 3]), Revert::Unknown(vec![1, 2, 3]));
        // An Error(string) selector followed by garbage is not a message.
        let mut bad = msg[..4].to_vec();
        bad.extend([0xff; 40]);
        assert_eq!(decode(&bad), Revert::Unknown(bad.clone()));
        // A custom error's selector with missing arguments is not that error.
        let short = selector("RootIsCurrent(uint256)");
        assert_eq!(decode(&short), Revert::Unknown(short.clone()));
        // An unknown selector stays undecoded.
        let unknown = selector("Nope()");
        assert_eq!(decode(&unknown), Revert::Unknown(unknown.clone()));
    }
}
