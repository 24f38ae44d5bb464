//! The crate's error type, and how it reaches a verifier.

use std::{fmt, time::Duration};

use alloy_primitives::{hex, Address, TxHash};
use alloy_sol_types::SolInterface;
use thiserror::Error;
use zkhealth_evm::{
    bindings::{
        ZkhClaims::ZkhClaimsErrors, ZkhPresentation::ZkhPresentationErrors,
        ZkhRegistry::ZkhRegistryErrors,
    },
    EvmError,
};
use zkhealth_verifier::VerifyError;

/// Why a call or a transaction reverted, decoded from its revert data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revert {
    /// A custom error of the registry contract (`NotIssuer()`, `RootIsCurrent(uint256)`,
    /// `RootIsInvalidated(uint256)`, ...), as its generated type.
    Registry(ZkhRegistryErrors),
    /// A custom error of a presentation contract, its verifier's included (`WrongChallenge`,
    /// `NullifierAlreadyUsed`, `InvalidProof`, `PublicInputOutOfField`, ...), as its generated
    /// type.
    Presentation(ZkhPresentationErrors),
    /// A custom error of a claims contract, its verifier's included (`AmountNotAccepted`,
    /// `CoverageRootNotAccepted`, `TreatmentRootNotAccepted`, `NullifierAlreadyUsed`, ...), as
    /// its generated type.
    Claims(ZkhClaimsErrors),
    /// `require(..., "message")` or `revert("message")`: Solidity's `Error(string)`.
    Message(String),
    /// A Solidity panic (`Panic(uint256)`: arithmetic overflow, assertion, ...), with its code.
    Panic(u64),
    /// Revert data that none of the above decodes (empty when the node gave no data).
    Unknown(Vec<u8>),
}

impl Revert {
    /// The custom error's name (e.g. `NotIssuer`), if the revert is one of the contracts'
    /// custom errors.
    pub fn custom_name(&self) -> Option<&'static str> {
        match self {
            Revert::Registry(e) => ZkhRegistryErrors::name_by_selector(e.selector()),
            Revert::Presentation(e) => ZkhPresentationErrors::name_by_selector(e.selector()),
            Revert::Claims(e) => ZkhClaimsErrors::name_by_selector(e.selector()),
            _ => None,
        }
    }

    /// The custom error's signature (e.g. `RootIsCurrent(uint256)`), if the revert is one
    /// of the contracts' custom errors.
    pub fn custom_signature(&self) -> Option<&'static str> {
        match self {
            Revert::Registry(e) => ZkhRegistryErrors::signature_by_selector(e.selector()),
            Revert::Presentation(e) => ZkhPresentationErrors::signature_by_selector(e.selector()),
            Revert::Claims(e) => ZkhClaimsErrors::signature_by_selector(e.selector()),
            _ => None,
        }
    }

    /// The custom error's ABI-encoded arguments (after the selector).
    fn custom_args(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            Revert::Registry(e) => e.abi_encode_raw(&mut out),
            Revert::Presentation(e) => e.abi_encode_raw(&mut out),
            Revert::Claims(e) => e.abi_encode_raw(&mut out),
            _ => {}
        }
        out
    }
}

impl fmt::Display for Revert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Revert::Registry(_) | Revert::Presentation(_) | Revert::Claims(_) => {
                let signature = self.custom_signature().unwrap_or("?");
                let args = self.custom_args();
                if args.is_empty() {
                    write!(f, "custom error {signature}")
                } else {
                    write!(
                        f,
                        "custom error {signature} with arguments 0x{}",
                        hex::encode(args)
                    )
                }
            }
            Revert::Message(m) => write!(f, "Error({m:?})"),
            Revert::Panic(code) => write!(f, "Panic(0x{code:02x})"),
            Revert::Unknown(data) if data.is_empty() => f.write_str("no revert data"),
            Revert::Unknown(data) => write!(f, "undecoded revert data 0x{}", hex::encode(data)),
        }
    }
}

/// Everything that can go wrong talking to a node or to the registry contract.
///
/// Private keys never appear in these errors.
#[derive(Debug, Error)]
pub enum RpcError {
    /// The node URL is not a usable `http://` (or, with the `tls` feature, `https://`) URL.
    #[error("invalid JSON-RPC URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL given.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// An address is not `0x` + 40 hex digits, or its mixed-case checksum (EIP-55) is wrong.
    #[error("invalid address {value:?}: {reason}")]
    InvalidAddress {
        /// The value given.
        value: String,
        /// Why it was refused.
        reason: String,
    },
    /// A private key is not 32 bytes of hex, or not a valid secp256k1 secret key.
    #[error("invalid private key: {0}")]
    InvalidKey(String),
    /// The node could not be reached, or did not answer as a JSON-RPC node (connection refused,
    /// DNS failure, HTTP error status).
    #[error("cannot reach the JSON-RPC node at {url}: {reason}")]
    Unreachable {
        /// The node's URL.
        url: String,
        /// What the transport reported.
        reason: String,
    },
    /// The node did not answer in time.
    #[error("{what}: no answer from {url} within {:.1} s", .after.as_secs_f64())]
    Timeout {
        /// What was being done.
        what: String,
        /// The node's URL.
        url: String,
        /// The time limit that passed.
        after: Duration,
    },
    /// A call or a transaction reverted (before sending, when the node estimated its gas, or
    /// once mined).
    #[error("{what} reverted: {revert}{}", .tx_hash.map(|h| format!(" (transaction {h})")).unwrap_or_default())]
    Reverted {
        /// What was being done.
        what: String,
        /// The decoded reason.
        revert: Box<Revert>,
        /// The mined transaction, when it reverted on chain.
        tx_hash: Option<TxHash>,
    },
    /// The node refused a request with a JSON-RPC error that is not a revert (insufficient
    /// funds, nonce too low, unknown method, ...).
    #[error("{what}: the node refused the request (code {code}): {message}")]
    Node {
        /// What was being done.
        what: String,
        /// The JSON-RPC error code.
        code: i64,
        /// The node's message.
        message: String,
    },
    /// The node is on another chain than the one the root source was configured for.
    #[error("the node at {url} is on chain {got}, not on chain {expected}")]
    WrongChain {
        /// The node's URL.
        url: String,
        /// The chain the caller expects.
        expected: u64,
        /// The chain the node reports (`eth_chainId`).
        got: u64,
    },
    /// There is no contract code at the registry address (wrong address, or wrong chain).
    #[error("no contract code at {address}: not a registry (wrong address or wrong chain?)")]
    NoContractCode {
        /// The address.
        address: Address,
    },
    /// The node or the contract answered with data that does not decode as expected.
    #[error("{what}: malformed answer: {reason}")]
    MalformedReturn {
        /// What was being done.
        what: String,
        /// What is wrong with the answer.
        reason: String,
    },
    /// Signing or preparing a transaction failed locally.
    #[error("{what}: {reason}")]
    Local {
        /// What was being done.
        what: String,
        /// What failed.
        reason: String,
    },
    /// A blocking method was called from inside an async (tokio) runtime, where blocking on
    /// this crate's own runtime is not allowed: call it from a blocking thread
    /// (`tokio::task::spawn_blocking`).
    #[error(
        "the blocking JSON-RPC client was called from inside an async runtime; call it from a \
         blocking thread"
    )]
    InsideAsyncRuntime,
    /// The client's runtime could not be started.
    #[error("cannot start the JSON-RPC client's runtime: {0}")]
    Runtime(String),
    /// The contracts cannot be deployed for what was given (a verifying key of another circuit).
    #[error("preparing the contract: {0}")]
    Contract(#[from] EvmError),
}

impl RpcError {
    /// The decoded revert, if this is a revert.
    pub fn revert(&self) -> Option<&Revert> {
        match self {
            RpcError::Reverted { revert, .. } => Some(revert),
            _ => None,
        }
    }

    /// The same error, a revert read as coming from a presentation contract
    /// ([`Revert::in_presentation_contract`]).
    pub(crate) fn in_presentation_contract(self) -> Self {
        match self {
            RpcError::Reverted {
                what,
                revert,
                tx_hash,
            } => RpcError::Reverted {
                what,
                revert: Box::new(revert.in_presentation_contract()),
                tx_hash,
            },
            other => other,
        }
    }

    /// The same error, a revert read as coming from a claims contract
    /// ([`Revert::in_claims_contract`]).
    pub(crate) fn in_claims_contract(self) -> Self {
        match self {
            RpcError::Reverted {
                what,
                revert,
                tx_hash,
            } => RpcError::Reverted {
                what,
                revert: Box::new(revert.in_claims_contract()),
                tx_hash,
            },
            other => other,
        }
    }

    /// Whether the node could not be reached or did not answer in time: the registry's answer
    /// is unknown, and retrying later may help.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            RpcError::Unreachable { .. } | RpcError::Timeout { .. }
        )
    }
}

/// A root source that cannot answer is a verifier-side problem
/// ([`VerifyError::RootSource`]), never a refusal of the presentation.
impl From<RpcError> for VerifyError {
    fn from(e: RpcError) -> Self {
        VerifyError::RootSource(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::U256;
    use zkhealth_evm::bindings::{ZkhPresentation, ZkhRegistry};
    use zkhealth_verifier::ErrorClass;

    use super::*;

    #[test]
    fn reverts_display_their_decoded_reason() {
        let r = Revert::Registry(ZkhRegistryErrors::NotIssuer(ZkhRegistry::NotIssuer {}));
        assert_eq!(r.to_string(), "custom error NotIssuer()");
        assert_eq!(r.custom_name(), Some("NotIssuer"));
        let r = Revert::Registry(ZkhRegistryErrors::RootIsCurrent(
            ZkhRegistry::RootIsCurrent {
                root: U256::from(7u8),
            },
        ));
        assert_eq!(
            r.to_string(),
            format!(
                "custom error RootIsCurrent(uint256) with arguments 0x{}07",
                "00".repeat(31)
            )
        );
        let r = Revert::Presentation(ZkhPresentationErrors::WrongScope(
            ZkhPresentation::WrongScope {
                presented: U256::from(1u8),
                expected: U256::from(2u8),
            },
        ));
        assert_eq!(r.custom_name(), Some("WrongScope"));
        assert_eq!(r.custom_signature(), Some("WrongScope(uint256,uint256)"));
        assert!(r
            .to_string()
            .starts_with("custom error WrongScope(uint256,uint256) with arguments 0x"));
        assert_eq!(Revert::Message("no".into()).to_string(), "Error(\"no\")");
        assert_eq!(Revert::Panic(0x11).to_string(), "Panic(0x11)");
        assert_eq!(Revert::Unknown(vec![]).to_string(), "no revert data");
        assert_eq!(Revert::Message("no".into()).custom_name(), None);
        assert_eq!(Revert::Unknown(vec![1]).custom_signature(), None);
    }

    #[test]
    fn errors_map_to_a_verifier_side_root_source_error() {
        let e = RpcError::Unreachable {
            url: "http://127.0.0.1:1/".into(),
            reason: "connection refused".into(),
        };
        assert!(e.is_unavailable());
        let v: VerifyError = e.into();
        assert_eq!(v.class(), ErrorClass::Verifier);
        match v {
            VerifyError::RootSource(m) => {
                assert!(
                    m.contains("cannot reach") && m.contains("127.0.0.1:1"),
                    "{m}"
                )
            }
            other => panic!("unexpected {other:?}"),
        }
        let e = RpcError::Reverted {
            what: "publishRoot".into(),
            revert: Box::new(Revert::Unknown(vec![])),
            tx_hash: Some(TxHash::repeat_byte(0xab)),
        };
        assert!(!e.is_unavailable());
        let m = e.to_string();
        assert!(
            m.starts_with("publishRoot reverted: no revert data (transaction 0xabab"),
            "{m}"
        );
    }
}
