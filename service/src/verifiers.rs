//! The configured verifiers: each a pinned key, a policy, its issuer's root snapshot (reloaded
//! when the file changes) and a scope, and a queue that gathers concurrent verifications into
//! batch proof checks (micro-batching).
//!
//! Verification here is everything but the nullifier: the store decides that, durably, after
//! the proof has verified (see [`crate::store`]).

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::{Arc, Mutex, RwLock},
    time::{Duration, SystemTime},
};

use rand_core::OsRng;
use tokio::sync::{mpsc, oneshot};
use zkhealth_circuits::{field::fr_to_hex, policy::Policy, Fr, Scope};
use zkhealth_records::schema;
use zkhealth_verifier::{
    Expected, IssuerRoots, KeyId, LocalRoots, NullifierStore, Presentation, Verified, Verifier,
    VerifyError, VerifyingKey,
};

use crate::{
    config::VerifierConfig,
    metrics::Metrics,
    roots::{parse_read_at, ChainRoots, Roots},
    Config, ServiceError,
};

/// A nullifier store that records nothing and has seen nothing: verification without the
/// nullifier check, which the service's store makes afterwards.
struct Deferred;

impl NullifierStore for Deferred {
    fn contains(&self, _: &Fr, _: &Fr) -> Result<bool, VerifyError> {
        Ok(false)
    }
    fn insert(&mut self, _: &Fr, _: &Fr) -> Result<bool, VerifyError> {
        Ok(true)
    }
}

/// One verification waiting in a verifier's queue.
struct Job {
    presentation: Presentation,
    expected: Expected,
    reply: oneshot::Sender<Result<Verified, VerifyError>>,
}

/// A configured verifier.
pub struct Checker {
    /// The verifier id requests name.
    pub name: String,
    /// The nullifier scope (verifier id and event).
    pub scope: Fr,
    key: VerifyingKey,
    policy: Policy,
    tolerance_days: u32,
    roots_path: Option<PathBuf>,
    current: RwLock<Arc<Verifier<Roots>>>,
    roots_stamp: Mutex<Option<Stamp>>,
    queue: mpsc::Sender<Job>,
    metrics: Arc<Metrics>,
}

/// The service's verifiers, by verifier id.
#[derive(Clone)]
pub struct Verifiers {
    by_name: Arc<BTreeMap<String, Arc<Checker>>>,
}

fn file_err(v: &VerifierConfig, what: &'static str, path: &Path, reason: String) -> ServiceError {
    ServiceError::VerifierFile {
        verifier: v.verifier.clone(),
        what,
        path: path.display().to_string(),
        reason,
    }
}

/// A snapshot file's modification time and length: a change to either reloads it.
type Stamp = (SystemTime, u64);

/// A snapshot file's roots, as the verifier's root source, and the file's stamp.
fn read_snapshot(path: &Path) -> Result<(IssuerRoots<Roots>, Stamp), String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    let stamp = (meta.modified().map_err(|e| e.to_string())?, meta.len());
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let file = IssuerRoots::<LocalRoots>::from_json(&text).map_err(|e| e.to_string())?;
    let issuer = file.issuer().to_string();
    let roots = IssuerRoots::new(&issuer, Roots::Snapshot(file.into_source()))
        .map_err(|e| e.to_string())?;
    Ok((roots, stamp))
}

/// The configured root source: a snapshot, or the chain.
fn root_source(v: &VerifierConfig) -> Result<(IssuerRoots<Roots>, Option<Stamp>), ServiceError> {
    match (&v.roots, &v.chain) {
        (Some(path), _) => read_snapshot(path)
            .map(|(roots, stamp)| (roots, Some(stamp)))
            .map_err(|reason| file_err(v, "roots", path, reason)),
        (None, Some(chain)) => {
            let err =
                |reason: String| file_err(v, "chain roots", Path::new(&chain.rpc_url), reason);
            let read_at = parse_read_at(&chain.read_at).map_err(err)?;
            let source = ChainRoots::start(
                &chain.rpc_url,
                &chain.registry,
                chain.chain_id,
                read_at,
                Duration::from_secs(chain.cache_secs),
            )
            .map_err(err)?;
            let roots = IssuerRoots::new(&chain.issuer, Roots::Chain(source))
                .map_err(|e| err(e.to_string()))?;
            Ok((roots, None))
        }
        (None, None) => Err(file_err(v, "roots", Path::new(""), "no root source".into())),
    }
}

impl Verifiers {
    /// Loads every configured verifier's key (refused unless it has the pinned id), policy and
    /// roots, and starts their verification workers (on the current tokio runtime).
    pub fn load(config: &Config, metrics: Arc<Metrics>) -> Result<Self, ServiceError> {
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut by_name = BTreeMap::new();
        for v in &config.verifiers {
            let bytes =
                std::fs::read(&v.key).map_err(|e| file_err(v, "key", &v.key, e.to_string()))?;
            let key = VerifyingKey::from_file_bytes(&bytes)
                .map_err(|e| file_err(v, "key", &v.key, e.to_string()))?;
            let pin = KeyId::from_hex(v.key_id.trim())
                .map_err(|e| file_err(v, "key id", &v.key, e.to_string()))?;
            if key.id() != pin {
                return Err(file_err(
                    v,
                    "key",
                    &v.key,
                    format!("its id is {}, not the pinned {pin}", key.id()),
                ));
            }
            let text = std::fs::read_to_string(&v.policy)
                .map_err(|e| file_err(v, "policy", &v.policy, e.to_string()))?;
            let policy = schema::policy_from_json(&text)
                .map_err(|e| file_err(v, "policy", &v.policy, e.to_string()))?;
            let (roots, stamp) = root_source(v)?;
            let scope = Scope::named(&v.verifier, &v.event)
                .map_err(|e| file_err(v, "scope", Path::new(&v.event), e.to_string()))?
                .value();
            let verifier = Verifier::new(key.clone(), policy.clone(), roots)
                .map_err(|e| file_err(v, "policy", &v.policy, e.to_string()))?
                .with_clock_tolerance_days(v.clock_tolerance_days);
            let (queue, jobs) = mpsc::channel(4_096);
            let checker = Arc::new(Checker {
                name: v.verifier.clone(),
                scope,
                key,
                policy,
                tolerance_days: v.clock_tolerance_days,
                roots_path: v.roots.clone(),
                current: RwLock::new(Arc::new(verifier)),
                roots_stamp: Mutex::new(stamp),
                queue,
                metrics: metrics.clone(),
            });
            let jobs = Arc::new(tokio::sync::Mutex::new(jobs));
            for _ in 0..workers {
                tokio::spawn(work(checker.clone(), jobs.clone(), config.micro_batch));
            }
            tracing::info!(
                verifier = %v.verifier,
                event = %v.event,
                key = %checker.key.id(),
                scope = %fr_to_hex(&scope),
                "verifier loaded"
            );
            by_name.insert(v.verifier.clone(), checker);
        }
        Ok(Verifiers {
            by_name: Arc::new(by_name),
        })
    }

    /// The verifier a request names, or the only one when it names none.
    pub fn get(&self, name: Option<&str>) -> Option<&Arc<Checker>> {
        match name {
            Some(name) => self.by_name.get(name),
            None if self.by_name.len() == 1 => self.by_name.values().next(),
            None => None,
        }
    }

    /// The verifier ids.
    pub fn names(&self) -> Vec<String> {
        self.by_name.keys().cloned().collect()
    }

    /// Checks every `poll_ms` whether a root snapshot changed (time or size) and reloads it; a
    /// snapshot that does not load is logged and the previous one kept.
    pub fn watch_roots(&self, poll_ms: u64) {
        let this = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(poll_ms));
            loop {
                tick.tick().await;
                for checker in this.by_name.values() {
                    let c = checker.clone();
                    // File reads are small; they run off the async threads all the same.
                    let _ = tokio::task::spawn_blocking(move || c.reload_roots_if_changed()).await;
                }
            }
        });
    }
}

impl Checker {
    /// The verifier as it is now (its roots the latest snapshot).
    pub fn current(&self) -> Arc<Verifier<Roots>> {
        match self.current.read() {
            Ok(v) => v.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn reload_roots_if_changed(&self) {
        let Some(path) = &self.roots_path else {
            return;
        };
        let stamp = std::fs::metadata(path)
            .ok()
            .and_then(|m| Some((m.modified().ok()?, m.len())));
        let mut last = match self.roots_stamp.lock() {
            Ok(l) => l,
            Err(poisoned) => poisoned.into_inner(),
        };
        if stamp.is_none() || stamp == *last {
            return;
        }
        let loaded = read_snapshot(path).and_then(|(roots, _)| {
            Verifier::new(self.key.clone(), self.policy.clone(), roots)
                .map(|v| v.with_clock_tolerance_days(self.tolerance_days))
                .map_err(|e| e.to_string())
        });
        *last = stamp;
        match loaded {
            Ok(verifier) => {
                match self.current.write() {
                    Ok(mut v) => *v = Arc::new(verifier),
                    Err(poisoned) => *poisoned.into_inner() = Arc::new(verifier),
                }
                self.metrics.roots_reloaded(&self.name);
                tracing::info!(verifier = %self.name, path = %path.display(), "roots reloaded");
            }
            Err(reason) => {
                tracing::warn!(
                    verifier = %self.name,
                    path = %path.display(),
                    %reason,
                    "roots snapshot not loaded; the previous one stays"
                );
            }
        }
    }

    /// Verifies one presentation (everything but its nullifier), through the queue: gathered
    /// with the verifications waiting at the same time into one batch proof check.
    pub async fn verify(
        &self,
        presentation: Presentation,
        expected: Expected,
    ) -> Result<Verified, VerifyError> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            presentation,
            expected,
            reply,
        };
        let stopped = || VerifyError::InvalidVerifierInput("the verifier is shutting down".into());
        self.queue.send(job).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// Verifies many presentations at once (everything but their nullifiers), with one batch
    /// proof check; results in input order.
    pub async fn verify_many(
        &self,
        items: Vec<(Presentation, Expected)>,
    ) -> Vec<Result<Verified, VerifyError>> {
        let verifier = self.current();
        let n = items.len();
        self.metrics.batch(n);
        tokio::task::spawn_blocking(move || {
            verifier.verify_presentations(&items, &mut Deferred, &mut OsRng)
        })
        .await
        .unwrap_or_else(|e| {
            let reason = format!("the verification task failed: {e}");
            (0..n)
                .map(|_| Err(VerifyError::InvalidVerifierInput(reason.clone())))
                .collect()
        })
    }
}

/// A verification worker: takes the first waiting job and up to `max - 1` more that are already
/// queued, checks them in one batch and answers each.
async fn work(
    checker: Arc<Checker>,
    jobs: Arc<tokio::sync::Mutex<mpsc::Receiver<Job>>>,
    max: usize,
) {
    loop {
        let mut taken = Vec::new();
        {
            let mut queue = jobs.lock().await;
            match queue.recv().await {
                Some(job) => taken.push(job),
                None => return,
            }
            while taken.len() < max {
                match queue.try_recv() {
                    Ok(job) => taken.push(job),
                    Err(_) => break,
                }
            }
        }
        let (items, replies): (Vec<_>, Vec<_>) = taken
            .into_iter()
            .map(|j| ((j.presentation, j.expected), j.reply))
            .unzip();
        let results = checker.verify_many(items).await;
        for (reply, result) in replies.into_iter().zip(results) {
            // The request may have timed out and gone: nothing to answer then.
            let _ = reply.send(result);
        }
    }
}
