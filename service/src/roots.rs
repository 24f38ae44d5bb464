//! Where a verifier's roots come from: a snapshot file (reloaded by [`crate::verifiers`] when it
//! changes) or the registry contract over JSON-RPC, with answers cached for a configured time.
//!
//! The chain is read by [`zkhealth_rpc::EvmRoots`], whose calls block on their own runtime and
//! so cannot run on tokio's threads: one reader thread per verifier owns it and answers
//! requests from the verification workers.

use std::{
    collections::HashMap,
    sync::{mpsc, Arc, Mutex},
    time::{Duration, Instant},
};

use zkhealth_circuits::{field::fr_to_bytes_be, Fr};
use zkhealth_rpc::{parse_address, EvmRoots, ReadAt};
use zkhealth_verifier::{LocalRoots, RootSource, VerifyError};

/// A verifier's root source.
#[derive(Clone, Debug)]
pub enum Roots {
    /// A snapshot of the issuer's root history (`zkhealth roots`).
    Snapshot(LocalRoots),
    /// The registry contract.
    Chain(ChainRoots),
}

impl RootSource for Roots {
    fn is_accepted(&self, root: &Fr, now_unix_secs: u64) -> Result<bool, VerifyError> {
        match self {
            Roots::Snapshot(s) => s.is_accepted(root, now_unix_secs),
            Roots::Chain(c) => c.is_accepted(root, now_unix_secs),
        }
    }
}

type Request = (Fr, u64, mpsc::Sender<Result<bool, VerifyError>>);
/// Answers by root: accepted or not, and when the chain said so.
type Answers = HashMap<[u8; 32], (bool, Instant)>;

/// The registry contract's answers, each kept for `ttl`: a root seen accepted stays accepted
/// (and one seen refused stays refused) for at most that long, so a revocation or a newly
/// published root takes effect within `ttl` plus the contract's own window.
#[derive(Clone)]
pub struct ChainRoots {
    requests: mpsc::Sender<Request>,
    cache: Arc<Mutex<Answers>>,
    ttl: Duration,
}

impl std::fmt::Debug for ChainRoots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainRoots")
            .field("ttl", &self.ttl)
            .finish()
    }
}

/// Parses `latest`, `safe`, `finalized` or a number of confirmations.
pub fn parse_read_at(text: &str) -> Result<ReadAt, String> {
    match text {
        "latest" => Ok(ReadAt::Latest),
        "safe" => Ok(ReadAt::Safe),
        "finalized" => Ok(ReadAt::Finalized),
        n => n.parse().map(ReadAt::Confirmations).map_err(|_| {
            format!("read_at {text:?}: give latest, safe, finalized or a number of confirmations")
        }),
    }
}

impl ChainRoots {
    /// Starts the reader thread for the registry at `registry` on the node at `rpc_url`, which
    /// must be on `chain_id`.
    pub fn start(
        rpc_url: &str,
        registry: &str,
        chain_id: u64,
        read_at: ReadAt,
        ttl: Duration,
    ) -> Result<Self, String> {
        let address = parse_address(registry).map_err(|e| format!("registry {registry}: {e}"))?;
        let (requests, incoming) = mpsc::channel::<Request>();
        let (started, start) = mpsc::channel();
        let url = rpc_url.to_string();
        std::thread::Builder::new()
            .name("chain-roots".into())
            .spawn(move || {
                let roots = match EvmRoots::new(&url, address, chain_id) {
                    Ok(r) => r.read_at(read_at),
                    Err(e) => {
                        let _ = started.send(Err(e.to_string()));
                        return;
                    }
                };
                let _ = started.send(Ok(()));
                for (root, now, reply) in incoming {
                    let _ = reply.send(roots.is_accepted(&root, now));
                }
            })
            .map_err(|e| format!("the chain reader thread: {e}"))?;
        start
            .recv()
            .map_err(|_| "the chain reader stopped".to_string())??;
        Ok(ChainRoots {
            requests,
            cache: Arc::new(Mutex::new(HashMap::new())),
            ttl,
        })
    }
}

impl RootSource for ChainRoots {
    fn is_accepted(&self, root: &Fr, now_unix_secs: u64) -> Result<bool, VerifyError> {
        let key = fr_to_bytes_be(root);
        let cached = match self.cache.lock() {
            Ok(cache) => cache.get(&key).copied(),
            Err(poisoned) => poisoned.into_inner().get(&key).copied(),
        };
        if let Some((accepted, at)) = cached {
            if at.elapsed() < self.ttl {
                return Ok(accepted);
            }
        }
        let gone = || VerifyError::RootSource("the chain reader stopped".into());
        let (reply, answer) = mpsc::channel();
        self.requests
            .send((*root, now_unix_secs, reply))
            .map_err(|_| gone())?;
        let accepted = answer.recv().map_err(|_| gone())??;
        let mut cache = match self.cache.lock() {
            Ok(cache) => cache,
            Err(poisoned) => poisoned.into_inner(),
        };
        // Bounded: entries past their time go first, and the cache never outgrows 65,536 roots.
        if cache.len() >= 65_536 {
            let ttl = self.ttl;
            cache.retain(|_, (_, at)| at.elapsed() < ttl);
            if cache.len() >= 65_536 {
                cache.clear();
            }
        }
        cache.insert(key, (accepted, Instant::now()));
        Ok(accepted)
    }
}
