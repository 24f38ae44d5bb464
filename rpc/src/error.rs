//! The crate's error type, and how it reaches a verifier.

use std::{fmt, time::Duration};

use alloy_primitives::{hex, Address, TxHash};
use thiserror::Error;
use zkhealth_verifier::VerifyError;

/// Why a call or a transaction reverted, decoded from its revert data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revert {
    /// A custom error declared by the registry contract (`NotIssuer()`,
    /// `RootAlreadyPublished(uint256)`, ...).
    Custom {
        /// The error's name, e.g. `NotIssuer`.
        name: String,
        /// Its signature, e.g. `RootAlreadyPublished(uint256)`.
        signature: String,
        /// The ABI-encoded arguments (after the 4-byte selector).
        args: Vec<u8>,
    },
    /// `require(..., "message")` or `revert("message")`: Solidity's `Error(string)`.
    Message(String),
    /// A Solidity panic (`Panic(uint256)`: arithmetic overflow, assertion, ...), with its code.
    Panic(u64),
    /// Revert data that none of the above decodes (empty when the node gave no data).
    Unknown(Vec<u8>),
}

impl Revert {
    /// The custom error's name, if the revert is one of the contract's custom errors.
    pub fn custom_name(&self) -> Option<&str> {
        match self {
            Revert::Custom { name, .. } => Some(name),
            _ => None,
        }
    }
}

impl fmt::Display for Revert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Revert::Custom {
                signature, args, ..
            } if args.is_empty() => write!(f, "custom error {signature}"),
            Revert::Custom {
                signature, args, ..
            } => write!(
                f,
                "custom error {signature} with arguments 0x{}",
                hex::encode(args)
            ),
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
    /// A contract artifact could not be read (the registry's committed one) or built (a
    /// presentation contract compiled for a verifying key).
    #[error("contract artifact: {0}")]
    Artifact(String),
}

impl RpcError {
    /// The decoded revert, if this is a revert.
    pub fn revert(&self) -> Option<&Revert> {
        match self {
            RpcError::Reverted { revert, .. } => Some(revert),
            _ => None,
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
    use super::*;
    use zkhealth_verifier::ErrorClass;

    #[test]
    fn reverts_display_their_decoded_reason() {
        let r = Revert::Custom {
            name: "NotIssuer".into(),
            signature: "NotIssuer()".into(),
            args: vec![],
        };
        assert_eq!(r.to_string(), "custom error NotIssuer()");
        assert_eq!(r.custom_name(), Some("NotIssuer"));
        let r = Revert::Custom {
            name: "RootAlreadyPublished".into(),
            signature: "RootAlreadyPublished(uint256)".into(),
            args: vec![0, 7],
        };
        assert_eq!(
            r.to_string(),
            "custom error RootAlreadyPublished(uint256) with arguments 0x0007"
        );
        assert_eq!(Revert::Message("no".into()).to_string(), "Error(\"no\")");
        assert_eq!(Revert::Panic(0x11).to_string(), "Panic(0x11)");
        assert_eq!(Revert::Unknown(vec![]).to_string(), "no revert data");
        assert_eq!(Revert::Message("no".into()).custom_name(), None);
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
