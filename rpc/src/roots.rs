//! [`EvmRoots`]: a verifier's root source reading the registry contract.

use std::{fmt, sync::OnceLock};

use alloy_primitives::Address;
use alloy_rpc_types_eth::BlockId;
use zkhealth_circuits::Fr;
use zkhealth_verifier::{RootSource, VerifyError};

use crate::{Client, RpcError, RpcOptions};

/// Which state of the chain a root check reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReadAt {
    /// The latest block (fastest to see a new root; a reorganisation can undo it).
    #[default]
    Latest,
    /// The node's `safe` block.
    Safe,
    /// The node's `finalized` block.
    Finalized,
    /// The block this many blocks below the latest (`0` is the latest).
    Confirmations(u64),
}

/// A [`RootSource`] that asks the registry contract, over JSON-RPC, whether a root is accepted
/// at the verifier's time (`isAcceptedRootAt(root, now)`): the verifier's clock decides, as with
/// [`LocalRoots`](zkhealth_verifier::LocalRoots), and the chain supplies the root history.
///
/// It checks the node's chain id once, before the first answer it uses, and reads the state at
/// [`ReadAt`].
///
/// # What a verifier trusts when it reads roots from a node
///
/// The node's answer *is* the registry's answer: a node that lies, or one on another chain,
/// can say "accepted" for any root, and a presentation against a root the issuer never
/// published then verifies. `EvmRoots` narrows what has to be trusted, but cannot remove it:
///
/// - **the chain**: it is given the chain id and checks it against the node's `eth_chainId`
///   once, before the first answer it uses ([`RpcError::WrongChain`] otherwise), so a node
///   pointed at a test network or a fork with another id is refused;
/// - **the depth of the state read**: [`ReadAt::Latest`] (the default) reads the newest block,
///   which a reorganisation can undo; [`ReadAt::Safe`], [`ReadAt::Finalized`] or
///   [`ReadAt::Confirmations`] read a state that a reorganisation is unlikely (or, finalized,
///   unable) to undo, at the cost of seeing a new root (or a revocation) later;
/// - **the connection**: plain `http://` can be read and rewritten on the way; use a node on
///   the same machine or network, or build with the crate's `tls` feature and an `https://` URL;
/// - **the node itself**: still trusted to execute the call honestly. A verifier that cannot
///   trust one node runs its own (a light client), or asks several and requires them to agree;
/// - **whose registry it is**: the contract does not bind the issuer its credentials name, so
///   the verifier says which issuer it speaks for
///   ([`IssuerRoots::new`](zkhealth_verifier::IssuerRoots::new)`("NL-RIVM", roots)`), and the
///   verifier refuses a policy of another issuer.
///
/// Each check is one `eth_call` (with `eth_blockNumber` first for [`ReadAt::Confirmations`])
/// under the client's request time limit. A node that cannot be reached, does not answer in
/// time, is on another chain, or answers with something other than the registry's answer
/// gives [`VerifyError::RootSource`] (a verifier-side error), never a refusal and never a panic.
///
/// ```no_run
/// use zkhealth_rpc::{parse_address, EvmRoots, ReadAt};
/// use zkhealth_verifier::RootSource;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let registry = parse_address("0x5FbDB2315678afecb367f032d93F642f64180aa3")?;
/// let roots = EvmRoots::new("http://127.0.0.1:8545", registry, 31_337)?.read_at(ReadAt::Finalized);
/// let accepted = roots.is_accepted(&zkhealth_circuits::Fr::from(7u8), 1_780_000_000)?;
/// # let _ = accepted;
/// # Ok(()) }
/// ```
pub struct EvmRoots {
    client: Client,
    registry: Address,
    chain_id: u64,
    read_at: ReadAt,
    /// Set once the node's chain id has been seen to be `chain_id`.
    chain_checked: OnceLock<()>,
}

impl EvmRoots {
    /// A root source for the registry at `registry` on chain `chain_id`, through the node at
    /// `rpc_url`, with the default time limits ([`RpcOptions::default`]), reading the latest
    /// block. Does not contact the node.
    pub fn new(rpc_url: &str, registry: Address, chain_id: u64) -> Result<Self, RpcError> {
        Ok(Self::from_client(Client::new(rpc_url)?, registry, chain_id))
    }

    /// As [`EvmRoots::new`], with `options`.
    pub fn with_options(
        rpc_url: &str,
        registry: Address,
        chain_id: u64,
        options: RpcOptions,
    ) -> Result<Self, RpcError> {
        Ok(Self::from_client(
            Client::with_options(rpc_url, options)?,
            registry,
            chain_id,
        ))
    }

    /// A root source over an existing client.
    pub fn from_client(client: Client, registry: Address, chain_id: u64) -> Self {
        EvmRoots {
            client,
            registry,
            chain_id,
            read_at: ReadAt::default(),
            chain_checked: OnceLock::new(),
        }
    }

    /// This source, reading the state at `read_at`.
    pub fn read_at(mut self, read_at: ReadAt) -> Self {
        self.read_at = read_at;
        self
    }

    /// The registry contract's address.
    pub fn registry(&self) -> Address {
        self.registry
    }

    /// The chain the node must be on.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// Which state the checks read.
    pub fn reads_at(&self) -> ReadAt {
        self.read_at
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Whether a proof against `root` is accepted at `now_unix_secs`, with the typed error.
    pub fn is_accepted_at(&self, root: &Fr, now_unix_secs: u64) -> Result<bool, RpcError> {
        self.check_chain()?;
        let block = match self.read_at {
            ReadAt::Latest => BlockId::latest(),
            ReadAt::Safe => BlockId::safe(),
            ReadAt::Finalized => BlockId::finalized(),
            ReadAt::Confirmations(n) => {
                BlockId::number(self.client.block_number()?.saturating_sub(n))
            }
        };
        self.client
            .is_accepted_root_at_block(self.registry, root, now_unix_secs, block)
    }

    /// Checks the node's chain id, once: after a match it is not asked again.
    fn check_chain(&self) -> Result<(), RpcError> {
        if self.chain_checked.get().is_some() {
            return Ok(());
        }
        let got = self.client.chain_id()?;
        if got != self.chain_id {
            return Err(RpcError::WrongChain {
                url: self.client.url().to_owned(),
                expected: self.chain_id,
                got,
            });
        }
        let _ = self.chain_checked.set(());
        Ok(())
    }
}

impl fmt::Debug for EvmRoots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EvmRoots")
            .field("url", &self.client.url())
            .field("registry", &self.registry)
            .field("chain_id", &self.chain_id)
            .field("read_at", &self.read_at)
            .finish()
    }
}

impl RootSource for EvmRoots {
    fn is_accepted(&self, root: &Fr, now_unix_secs: u64) -> Result<bool, VerifyError> {
        Ok(self.is_accepted_at(root, now_unix_secs)?)
    }
}
