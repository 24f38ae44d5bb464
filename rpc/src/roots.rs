//! [`EvmRoots`]: a verifier's root source reading the registry contract.

use std::fmt;

use alloy_primitives::Address;
use zkhealth_circuits::Fr;
use zkhealth_verifier::{RootSource, VerifyError};

use crate::{Client, RpcError, RpcOptions};

/// A [`RootSource`] that asks the registry contract, over JSON-RPC, whether a root is accepted
/// at the verifier's time (`isAcceptedRootAt(root, now)`): the verifier's clock decides, as with
/// [`LocalRoots`](zkhealth_verifier::LocalRoots), and the chain supplies the root history.
///
/// Each check is one `eth_call` under the client's request time limit. A node that cannot be
/// reached, does not answer in time, or answers with something other than the registry's
/// answer gives [`VerifyError::RootSource`] (a verifier-side error), never a refusal and never
/// a panic.
///
/// ```no_run
/// use zkhealth_rpc::{parse_address, EvmRoots};
/// use zkhealth_verifier::RootSource;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let registry = parse_address("0x5FbDB2315678afecb367f032d93F642f64180aa3")?;
/// let roots = EvmRoots::new("http://127.0.0.1:8545", registry)?;
/// let accepted = roots.is_accepted(&zkhealth_circuits::Fr::from(7u8), 1_780_000_000)?;
/// # let _ = accepted;
/// # Ok(()) }
/// ```
pub struct EvmRoots {
    client: Client,
    registry: Address,
}

impl EvmRoots {
    /// A root source for the registry at `registry` on the node at `rpc_url`, with the default
    /// time limits ([`RpcOptions::default`]). Does not contact the node.
    pub fn new(rpc_url: &str, registry: Address) -> Result<Self, RpcError> {
        Ok(Self::from_client(Client::new(rpc_url)?, registry))
    }

    /// As [`EvmRoots::new`], with `options`.
    pub fn with_options(
        rpc_url: &str,
        registry: Address,
        options: RpcOptions,
    ) -> Result<Self, RpcError> {
        Ok(Self::from_client(
            Client::with_options(rpc_url, options)?,
            registry,
        ))
    }

    /// A root source over an existing client.
    pub fn from_client(client: Client, registry: Address) -> Self {
        EvmRoots { client, registry }
    }

    /// The registry contract's address.
    pub fn registry(&self) -> Address {
        self.registry
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Whether a proof against `root` is accepted at `now_unix_secs`, with the typed error.
    pub fn is_accepted_at(&self, root: &Fr, now_unix_secs: u64) -> Result<bool, RpcError> {
        self.client
            .is_accepted_root_at(self.registry, root, now_unix_secs)
    }
}

impl fmt::Debug for EvmRoots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EvmRoots")
            .field("url", &self.client.url())
            .field("registry", &self.registry)
            .finish()
    }
}

impl RootSource for EvmRoots {
    fn is_accepted(&self, root: &Fr, now_unix_secs: u64) -> Result<bool, VerifyError> {
        Ok(self.is_accepted_at(root, now_unix_secs)?)
    }
}
