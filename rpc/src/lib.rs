//! zkhealth over EVM JSON-RPC: a root source reading the registry contract, deployment and root
//! publication.
//!
//! - [`EvmRoots`] implements the verifier's [`RootSource`](zkhealth_verifier::RootSource) by
//!   calling the registry's `isAcceptedRootAt(root, now)` with the verifier's clock.
//! - [`Client`] deploys the registry ([`Client::deploy_registry`]), publishes roots
//!   ([`Client::publish_root`]), withdraws them ([`Client::invalidate_root`]), appoints the
//!   issuer ([`Client::set_issuer`], optionally invalidating every earlier root), moves
//!   ownership of either contract in two steps ([`Client::transfer_ownership`],
//!   [`Client::accept_ownership`]) and reads the history ([`Client::current_root`],
//!   [`Client::root_info`], [`Client::issuer_epoch`], [`Client::min_accepted_epoch`]); the free
//!   functions [`deploy_registry`], [`publish_root`], [`invalidate_root`], [`set_issuer`],
//!   [`current_root`] and [`root_info`] do one step each with the default time limits.
//! - The same [`Client`] drives a presentation contract (`ZkhPresentation`, shipped compiled by
//!   `zkhealth-evm`, the verifying key in its constructor arguments):
//!   [`Client::deploy_presentation`], [`Client::accept_policy`],
//!   [`Client::submit_presentation`], [`Client::is_nullifier_used`],
//!   [`Client::challenge_for`]; a claims contract (`ZkhClaims`): [`Client::deploy_claims`],
//!   [`Client::accept_claim_policy`], [`Client::submit_claim`],
//!   [`Client::is_claim_nullifier_used`]; and reads the chain's id and clock ([`Client::chain_id`],
//!   [`Client::latest_block_time`]).
//!
//! Everything is blocking: the client holds a single-threaded tokio runtime, and every request
//! runs under a time limit ([`RpcOptions`]). Failures are typed ([`RpcError`]): unreachable
//! node, timeout, revert (decoded into the contracts' generated error types, e.g. `NotIssuer` or
//! `NullifierAlreadyUsed`; see [`Revert`]), no contract at the address, malformed answer,
//! invalid URL, address or key.
//!
//! Plain `http://` endpoints only, unless the crate is built with its `tls` feature (rustls).

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod claims;
mod client;
mod error;
mod keys;
mod presentation;
mod revert;
mod roots;

pub use alloy_primitives::{Address, TxHash};
pub use client::{
    current_root, deploy_registry, invalidate_root, publish_root, root_info, set_issuer, Client,
    Deployed, Mined, RootInfo, RpcOptions,
};
pub use error::{Revert, RpcError};
pub use keys::{fr_to_u256, parse_address, parse_url, u256_to_fr, SignerKey};
pub use revert::decode as decode_revert;
pub use roots::{EvmRoots, ReadAt};
