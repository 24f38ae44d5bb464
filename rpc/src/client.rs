//! A blocking JSON-RPC client for the registry contract.

use std::{future::Future, time::Duration};

use alloy_network::{EthereumWallet, ReceiptResponse, TransactionBuilder};
use alloy_primitives::{Address, Bytes, TxHash};
use alloy_provider::{Provider, ProviderBuilder, RootProvider};
use alloy_rpc_types_eth::{BlockId, TransactionReceipt, TransactionRequest};
use alloy_sol_types::SolCall;
use alloy_transport::{RpcError as TransportRpcError, TransportError, TransportErrorKind};
use alloy_transport_http::reqwest::Url;
use tokio::runtime::{Builder, Runtime};
use zkhealth_circuits::Fr;
use zkhealth_evm::bindings::ZkhRegistry;

use crate::{
    keys::{fr_to_u256, parse_url, u256_to_fr},
    revert, Revert, RpcError, SignerKey,
};

/// Time limits of a [`Client`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RpcOptions {
    /// Limit for one request to the node (a call, or preparing and sending a transaction).
    pub request_timeout: Duration,
    /// Limit for a sent transaction to be mined.
    pub receipt_timeout: Duration,
    /// How often to ask for a sent transaction's receipt.
    pub poll_interval: Duration,
}

impl Default for RpcOptions {
    /// 5 s per request, 60 s for a receipt, polled every 100 ms.
    fn default() -> Self {
        RpcOptions {
            request_timeout: Duration::from_secs(5),
            receipt_timeout: Duration::from_secs(60),
            poll_interval: Duration::from_millis(100),
        }
    }
}

/// The latest publication of a root on chain (block timestamps, unix seconds): only that one
/// decides whether the root is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RootInfo {
    /// When the root was (last) published.
    pub published_at: u64,
    /// When it was replaced by the next root; `None` while it is the current root, and for a
    /// root that stopped being current without a replacement (invalidated, or its epoch
    /// invalidated by an issuer rotation).
    pub replaced_at: Option<u64>,
    /// The issuer epoch it was published in (0 for the first issuer).
    pub epoch: u64,
    /// Whether the owner invalidated it: never accepted or published again.
    pub invalidated: bool,
}

/// A mined transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mined {
    /// Its hash.
    pub tx_hash: TxHash,
    /// The block it was mined in.
    pub block_number: Option<u64>,
    /// The gas it used.
    pub gas_used: u64,
}

/// A deployed contract (the registry, or a presentation contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deployed {
    /// The contract's address.
    pub address: Address,
    /// The deployment transaction.
    pub tx: Mined,
}

/// A blocking client for one node: it holds a small single-threaded runtime and applies
/// [`RpcOptions`]' time limits to every request, so nothing it does hangs or panics on a
/// misbehaving node.
///
/// Its methods block; calling them from inside an async runtime returns
/// [`RpcError::InsideAsyncRuntime`] (use `spawn_blocking`).
#[derive(Debug)]
pub struct Client {
    url: Url,
    options: RpcOptions,
    /// Always `Some` until dropped (see the `Drop` impl).
    runtime: Option<Runtime>,
    pub(crate) reader: RootProvider,
}

impl Drop for Client {
    /// Shuts the runtime down without blocking, so a client may be dropped anywhere, inside an
    /// async context included (dropping a tokio runtime there normally panics).
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// The JSON-RPC error codes nodes use for "execution reverted".
const REVERT_CODES: [i64; 2] = [3, -32015];

impl Client {
    /// A client for the node at `rpc_url`, with the default time limits. Does not contact the
    /// node.
    pub fn new(rpc_url: &str) -> Result<Self, RpcError> {
        Self::with_options(rpc_url, RpcOptions::default())
    }

    /// A client for the node at `rpc_url`, with `options`. Does not contact the node.
    pub fn with_options(rpc_url: &str, options: RpcOptions) -> Result<Self, RpcError> {
        let url = parse_url(rpc_url)?;
        let runtime = Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| RpcError::Runtime(e.to_string()))?;
        let reader = {
            let _context = runtime.enter();
            RootProvider::new_http(url.clone())
        };
        Ok(Client {
            url,
            options,
            runtime: Some(runtime),
            reader,
        })
    }

    /// The node's URL.
    pub fn url(&self) -> &str {
        self.url.as_str()
    }

    /// The time limits.
    pub fn options(&self) -> &RpcOptions {
        &self.options
    }

    /// Whether there is contract code at `address`.
    pub fn has_code(&self, address: Address) -> Result<bool, RpcError> {
        self.block_on(self.code_exists(address))?
    }

    /// Deploys a registry contract, signed by `signer` (who becomes its owner), that lets
    /// `issuer` publish roots and accepts a replaced root for `window_secs` seconds. Waits for
    /// the deployment to be mined.
    pub fn deploy_registry(
        &self,
        signer: &SignerKey,
        issuer: Address,
        window_secs: u64,
    ) -> Result<Deployed, RpcError> {
        let code = zkhealth_evm::registry::deploy_code(issuer, window_secs);
        self.deploy(signer, "deploying the registry", code)
    }

    /// Publishes `root` as the registry's current root (only its issuer may); a root published
    /// before and no longer current may be published again. Waits for the transaction to be
    /// mined; a revert names the contract's custom error (`NotIssuer`, `RootIsCurrent`,
    /// `RootIsInvalidated`, ...).
    pub fn publish_root(
        &self,
        signer: &SignerKey,
        registry: Address,
        root: &Fr,
    ) -> Result<Mined, RpcError> {
        let call = ZkhRegistry::publishRootCall {
            root: fr_to_u256(root),
        };
        self.send_call(signer, registry, "publishRoot", call.abi_encode())
    }

    /// Withdraws a published root (only the registry's owner may): it is never accepted or
    /// published again; if it is the current root, there is no current root until the next
    /// publication. A revert names the contract's custom error (`NotOwner`,
    /// `RootNotPublished`, `RootIsInvalidated`).
    pub fn invalidate_root(
        &self,
        signer: &SignerKey,
        registry: Address,
        root: &Fr,
    ) -> Result<Mined, RpcError> {
        let call = ZkhRegistry::invalidateRootCall {
            root: fr_to_u256(root),
        };
        self.send_call(signer, registry, "invalidateRoot", call.abi_encode())
    }

    /// Names `new_owner` as the pending owner of a registry or a presentation contract (both
    /// have the same two-step transfer; only the owner may), who takes over with
    /// [`Client::accept_ownership`]; until then the owner keeps every right.
    /// [`Address::ZERO`] cancels a pending transfer. The errors both contracts declare
    /// (`NotOwner`, `NotPendingOwner`) are decoded as the registry's.
    pub fn transfer_ownership(
        &self,
        signer: &SignerKey,
        contract: Address,
        new_owner: Address,
    ) -> Result<Mined, RpcError> {
        let call = ZkhRegistry::transferOwnershipCall {
            newOwner: new_owner,
        };
        self.send_call(signer, contract, "transferOwnership", call.abi_encode())
    }

    /// Completes a transfer of ownership of a registry or a presentation contract, signed by
    /// the pending owner (anyone else: `NotPendingOwner`).
    pub fn accept_ownership(
        &self,
        signer: &SignerKey,
        contract: Address,
    ) -> Result<Mined, RpcError> {
        let call = ZkhRegistry::acceptOwnershipCall {};
        self.send_call(signer, contract, "acceptOwnership", call.abi_encode())
    }

    /// Appoints `new_issuer` as the address allowed to publish roots, starting a new epoch (only
    /// the owner may). With `invalidate_previous`, every root published before (the current
    /// one included) is no longer accepted and there is no current root until the new issuer
    /// publishes.
    pub fn set_issuer(
        &self,
        signer: &SignerKey,
        registry: Address,
        new_issuer: Address,
        invalidate_previous: bool,
    ) -> Result<Mined, RpcError> {
        let call = ZkhRegistry::setIssuerCall {
            newIssuer: new_issuer,
            invalidatePrevious: invalidate_previous,
        };
        self.send_call(signer, registry, "setIssuer", call.abi_encode())
    }

    /// The registry's current root; `None` before the first publication (the contract
    /// reports 0).
    pub fn current_root(&self, registry: Address) -> Result<Option<Fr>, RpcError> {
        let word = self.view(registry, ZkhRegistry::currentRootCall {})?;
        if word.is_zero() {
            return Ok(None);
        }
        u256_to_fr(word)
            .map(Some)
            .ok_or_else(|| RpcError::MalformedReturn {
                what: "currentRoot".into(),
                reason: format!("{word:#x} is not a BN254 scalar field element"),
            })
    }

    /// The latest publication of `root` (when, replaced when, in which epoch, invalidated or
    /// not); `None` if the registry never published it.
    pub fn root_info(&self, registry: Address, root: &Fr) -> Result<Option<RootInfo>, RpcError> {
        let r = self.view(
            registry,
            ZkhRegistry::rootInfoCall {
                root: fr_to_u256(root),
            },
        )?;
        Ok(r.published.then_some(RootInfo {
            published_at: r.publishedAt,
            replaced_at: r.replaced.then_some(r.replacedAt),
            epoch: r.epoch,
            invalidated: r.invalidated,
        }))
    }

    /// Whether a proof against `root` is accepted at `time` (unix seconds): the contract's
    /// `isAcceptedRootAt`, so the caller's clock decides, as with a local root history.
    pub fn is_accepted_root_at(
        &self,
        registry: Address,
        root: &Fr,
        time: u64,
    ) -> Result<bool, RpcError> {
        self.view(
            registry,
            ZkhRegistry::isAcceptedRootAtCall {
                root: fr_to_u256(root),
                time,
            },
        )
    }

    /// As [`Self::is_accepted_root_at`], on the registry's state at `block` (`latest`, `safe`,
    /// `finalized` or a number).
    pub fn is_accepted_root_at_block(
        &self,
        registry: Address,
        root: &Fr,
        time: u64,
        block: BlockId,
    ) -> Result<bool, RpcError> {
        self.view_at(
            registry,
            ZkhRegistry::isAcceptedRootAtCall {
                root: fr_to_u256(root),
                time,
            },
            block,
        )
    }

    /// The number of the latest block (`eth_blockNumber`).
    pub fn block_number(&self) -> Result<u64, RpcError> {
        self.block_on(async {
            self.request("eth_blockNumber", async {
                self.reader.get_block_number().await
            })
            .await
        })?
    }

    /// Whether a proof against `root` is accepted at the chain's latest block time
    /// (`isAcceptedRoot`).
    pub fn is_accepted_root(&self, registry: Address, root: &Fr) -> Result<bool, RpcError> {
        self.view(
            registry,
            ZkhRegistry::isAcceptedRootCall {
                root: fr_to_u256(root),
            },
        )
    }

    /// How long, in seconds, a replaced root stays accepted.
    pub fn freshness_window(&self, registry: Address) -> Result<u64, RpcError> {
        self.view(registry, ZkhRegistry::freshnessWindowCall {})
    }

    /// The address allowed to publish roots.
    pub fn issuer(&self, registry: Address) -> Result<Address, RpcError> {
        self.view(registry, ZkhRegistry::issuerCall {})
    }

    /// The current issuer's epoch: how many times an issuer was appointed after the first.
    pub fn issuer_epoch(&self, registry: Address) -> Result<u64, RpcError> {
        self.view(registry, ZkhRegistry::issuerEpochCall {})
    }

    /// Roots last published in an earlier epoch than this are not accepted.
    pub fn min_accepted_epoch(&self, registry: Address) -> Result<u64, RpcError> {
        self.view(registry, ZkhRegistry::minAcceptedEpochCall {})
    }

    /// The owner of a registry (who appoints the issuer and invalidates roots) or of a
    /// presentation contract (who accepts policies).
    pub fn owner(&self, contract: Address) -> Result<Address, RpcError> {
        self.view(contract, ZkhRegistry::ownerCall {})
    }

    /// The pending owner of a registry or a presentation contract; `None` if no transfer is
    /// pending.
    pub fn pending_owner(&self, contract: Address) -> Result<Option<Address>, RpcError> {
        let pending = self.view(contract, ZkhRegistry::pendingOwnerCall {})?;
        Ok((pending != Address::ZERO).then_some(pending))
    }

    // ---- internals --------------------------------------------------------------------------

    /// Runs `f` to completion on the client's runtime.
    pub(crate) fn block_on<F: Future>(&self, f: F) -> Result<F::Output, RpcError> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(RpcError::InsideAsyncRuntime);
        }
        match &self.runtime {
            Some(runtime) => Ok(runtime.block_on(f)),
            None => Err(RpcError::Runtime("the runtime was shut down".into())),
        }
    }

    /// Awaits one request under the request time limit.
    pub(crate) async fn request<T>(
        &self,
        what: &str,
        fut: impl Future<Output = Result<T, TransportError>>,
    ) -> Result<T, RpcError> {
        match tokio::time::timeout(self.options.request_timeout, fut).await {
            Ok(result) => result.map_err(|e| self.classify(what, e)),
            Err(_) => Err(self.timeout(what, self.options.request_timeout)),
        }
    }

    fn timeout(&self, what: &str, after: Duration) -> RpcError {
        RpcError::Timeout {
            what: what.into(),
            url: self.url.to_string(),
            after,
        }
    }

    /// Turns a transport error into a typed one, decoding revert data.
    fn classify(&self, what: &str, e: TransportError) -> RpcError {
        match e {
            TransportRpcError::ErrorResp(payload) => {
                if let Some(data) = payload.as_revert_data() {
                    RpcError::Reverted {
                        what: what.into(),
                        revert: Box::new(revert::decode(&data)),
                        tx_hash: None,
                    }
                } else if REVERT_CODES.contains(&payload.code) || payload.message.contains("revert")
                {
                    RpcError::Reverted {
                        what: what.into(),
                        revert: Box::new(Revert::Unknown(Vec::new())),
                        tx_hash: None,
                    }
                } else {
                    RpcError::Node {
                        what: what.into(),
                        code: payload.code,
                        message: payload.message.into_owned(),
                    }
                }
            }
            TransportRpcError::Transport(kind) => RpcError::Unreachable {
                url: self.url.to_string(),
                reason: match kind {
                    TransportErrorKind::HttpError(h) => {
                        format!("HTTP status {}: {}", h.status, truncate(&h.body))
                    }
                    other => error_chain(&other),
                },
            },
            TransportRpcError::NullResp => RpcError::MalformedReturn {
                what: what.into(),
                reason: "the node returned null".into(),
            },
            TransportRpcError::DeserError { err, text } => RpcError::MalformedReturn {
                what: what.into(),
                reason: format!("{err} in {}", truncate(&text)),
            },
            TransportRpcError::SerError(err) => RpcError::Local {
                what: what.into(),
                reason: err.to_string(),
            },
            TransportRpcError::LocalUsageError(err) => RpcError::Local {
                what: what.into(),
                reason: error_chain(err.as_ref()),
            },
            TransportRpcError::UnsupportedFeature(f) => RpcError::Node {
                what: what.into(),
                code: 0,
                message: format!("unsupported feature: {f}"),
            },
        }
    }

    async fn code_exists(&self, address: Address) -> Result<bool, RpcError> {
        let code: Bytes = self
            .request("eth_getCode", async {
                self.reader.get_code_at(address).await
            })
            .await?;
        Ok(!code.is_empty())
    }

    /// Calls a view function of a contract and decodes its return data strictly.
    pub(crate) fn view<C: SolCall>(
        &self,
        registry: Address,
        call: C,
    ) -> Result<C::Return, RpcError> {
        self.view_at(registry, call, BlockId::latest())
    }

    /// As [`Self::view`], on the state of the chain at `block`.
    pub(crate) fn view_at<C: SolCall>(
        &self,
        registry: Address,
        call: C,
        block: BlockId,
    ) -> Result<C::Return, RpcError> {
        let what = C::SIGNATURE;
        self.block_on(async {
            let tx = TransactionRequest::default()
                .with_to(registry)
                .with_input(call.abi_encode());
            let data = self
                .request(what, async { self.reader.call(tx).block(block).await })
                .await?;
            let error = match C::abi_decode_returns_validate(&data) {
                Ok(r) => return Ok(r),
                Err(e) => e,
            };
            // A call to an address without code succeeds with no data.
            if data.is_empty() && !self.code_exists(registry).await? {
                return Err(RpcError::NoContractCode { address: registry });
            }
            Err(RpcError::MalformedReturn {
                what: what.into(),
                reason: format!(
                    "{error} (return data 0x{})",
                    alloy_primitives::hex::encode(&data)
                ),
            })
        })?
    }

    /// Deploys `code` (creation bytecode with its constructor arguments appended) and waits
    /// for the deployment to be mined.
    pub(crate) fn deploy(
        &self,
        signer: &SignerKey,
        what: &str,
        code: Vec<u8>,
    ) -> Result<Deployed, RpcError> {
        let tx = TransactionRequest::default().with_deploy_code(code);
        let receipt = self.transact(signer, what, tx)?;
        let address = receipt
            .contract_address()
            .ok_or_else(|| RpcError::MalformedReturn {
                what: what.into(),
                reason: "the receipt of a contract creation has no contract address".into(),
            })?;
        Ok(Deployed {
            address,
            tx: mined(&receipt),
        })
    }

    /// Sends a call to a contract as a transaction, after checking that there is code at its
    /// address.
    pub(crate) fn send_call(
        &self,
        signer: &SignerKey,
        registry: Address,
        what: &str,
        input: Vec<u8>,
    ) -> Result<Mined, RpcError> {
        if !self.has_code(registry)? {
            return Err(RpcError::NoContractCode { address: registry });
        }
        let tx = TransactionRequest::default()
            .with_to(registry)
            .with_input(input);
        self.transact(signer, what, tx).map(|r| mined(&r))
    }

    /// Fills (nonce, gas, fees, chain id), signs and sends `tx`, waits for its receipt, and
    /// turns a reverted transaction into [`RpcError::Reverted`] with the reason replayed.
    pub(crate) fn transact(
        &self,
        signer: &SignerKey,
        what: &str,
        tx: TransactionRequest,
    ) -> Result<TransactionReceipt, RpcError> {
        let tx = tx.with_from(signer.address());
        self.block_on(async {
            let writer = ProviderBuilder::new()
                .wallet(EthereumWallet::from(signer.0.clone()))
                .connect_http(self.url.clone());
            let pending = self
                .request(what, async { writer.send_transaction(tx.clone()).await })
                .await?;
            let hash = *pending.tx_hash();
            let receipt = self.wait_for_receipt(what, hash).await?;
            if receipt.status() {
                return Ok(receipt);
            }
            // Mined but reverted: replay it on the parent block's state for the reason.
            let parent = receipt.block_number().and_then(|n| n.checked_sub(1));
            let revert = match parent {
                Some(n) => match self
                    .request(what, async {
                        self.reader.call(tx).block(BlockId::number(n)).await
                    })
                    .await
                {
                    Err(RpcError::Reverted { revert, .. }) => revert,
                    _ => Box::new(Revert::Unknown(Vec::new())),
                },
                None => Box::new(Revert::Unknown(Vec::new())),
            };
            Err(RpcError::Reverted {
                what: what.into(),
                revert,
                tx_hash: Some(hash),
            })
        })?
    }

    async fn wait_for_receipt(
        &self,
        what: &str,
        hash: TxHash,
    ) -> Result<TransactionReceipt, RpcError> {
        let waiting = format!("{what}: waiting for transaction {hash} to be mined");
        let poll = async {
            loop {
                let receipt = self
                    .request(&waiting, async {
                        self.reader.get_transaction_receipt(hash).await
                    })
                    .await?;
                if let Some(receipt) = receipt {
                    return Ok(receipt);
                }
                tokio::time::sleep(self.options.poll_interval).await;
            }
        };
        match tokio::time::timeout(self.options.receipt_timeout, poll).await {
            Ok(result) => result,
            Err(_) => Err(self.timeout(&waiting, self.options.receipt_timeout)),
        }
    }
}

pub(crate) fn mined(receipt: &TransactionReceipt) -> Mined {
    Mined {
        tx_hash: receipt.transaction_hash(),
        block_number: receipt.block_number(),
        gas_used: receipt.gas_used(),
    }
}

/// An error and its sources, joined: transport errors keep the useful part ("connection
/// refused") in their sources.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// At most 200 characters of a node's answer, for messages.
fn truncate(text: &str) -> String {
    match text.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// Deploys a registry contract (see [`Client::deploy_registry`]) with the default time limits;
/// returns its address.
pub fn deploy_registry(
    rpc_url: &str,
    signer_key: &SignerKey,
    issuer: Address,
    window_secs: u64,
) -> Result<Address, RpcError> {
    Client::new(rpc_url)?
        .deploy_registry(signer_key, issuer, window_secs)
        .map(|d| d.address)
}

/// Publishes a root (see [`Client::publish_root`]) with the default time limits; returns the
/// transaction's hash.
pub fn publish_root(
    rpc_url: &str,
    signer_key: &SignerKey,
    registry: Address,
    root: &Fr,
) -> Result<TxHash, RpcError> {
    Client::new(rpc_url)?
        .publish_root(signer_key, registry, root)
        .map(|m| m.tx_hash)
}

/// Invalidates a root (see [`Client::invalidate_root`]) with the default time limits; returns
/// the transaction's hash.
pub fn invalidate_root(
    rpc_url: &str,
    signer_key: &SignerKey,
    registry: Address,
    root: &Fr,
) -> Result<TxHash, RpcError> {
    Client::new(rpc_url)?
        .invalidate_root(signer_key, registry, root)
        .map(|m| m.tx_hash)
}

/// Appoints a new issuer (see [`Client::set_issuer`]) with the default time limits; returns
/// the transaction's hash.
pub fn set_issuer(
    rpc_url: &str,
    signer_key: &SignerKey,
    registry: Address,
    new_issuer: Address,
    invalidate_previous: bool,
) -> Result<TxHash, RpcError> {
    Client::new(rpc_url)?
        .set_issuer(signer_key, registry, new_issuer, invalidate_previous)
        .map(|m| m.tx_hash)
}

/// The registry's current root (see [`Client::current_root`]).
pub fn current_root(rpc_url: &str, registry: Address) -> Result<Option<Fr>, RpcError> {
    Client::new(rpc_url)?.current_root(registry)
}

/// When a root was published and replaced (see [`Client::root_info`]).
pub fn root_info(
    rpc_url: &str,
    registry: Address,
    root: &Fr,
) -> Result<Option<RootInfo>, RpcError> {
    Client::new(rpc_url)?.root_info(registry, root)
}
