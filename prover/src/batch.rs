//! Many proofs at once.
//!
//! Two schedules: every thread works on each proof in turn ([`Schedule::ThreadsPerProof`], the
//! MSMs and FFTs of one proof parallelized), or each thread makes whole proofs on its own
//! ([`Schedule::ProofPerThread`], no synchronization inside a proof). The bench
//! `cargo bench --bench presentation -- prove-batch` compares them; the faster one on the
//! machines we measured is [`Schedule::default`].

use rand_core::OsRng;
use zkhealth_verifier::Presentation;

use crate::{ProveRequest, Prover, ProverError};

/// How a batch of proofs shares the threads of the current rayon pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Schedule {
    /// One proof after another, each using every thread.
    ThreadsPerProof,
    /// One proof per thread at a time, each proof single-threaded.
    #[default]
    ProofPerThread,
}

impl Prover {
    /// Proves every request with [`Schedule::default`]; results are in request order, each
    /// with its own error.
    pub fn prove_batch(
        &self,
        requests: &[ProveRequest<'_>],
    ) -> Vec<Result<Presentation, ProverError>> {
        self.prove_batch_with(requests, Schedule::default())
    }

    /// Proves every request with the given schedule; randomness comes from the OS.
    pub fn prove_batch_with(
        &self,
        requests: &[ProveRequest<'_>],
        schedule: Schedule,
    ) -> Vec<Result<Presentation, ProverError>> {
        let threads = rayon::current_num_threads().min(requests.len());
        if schedule == Schedule::ThreadsPerProof || threads <= 1 {
            return requests.iter().map(|r| self.prove(r)).collect();
        }
        // Thread t proves requests t, t + threads, t + 2·threads, ... in a one-thread pool, so
        // the MSMs and FFTs inside a proof do not spread over the other threads.
        let mut results: Vec<Option<Result<Presentation, ProverError>>> =
            requests.iter().map(|_| None).collect();
        let done: Vec<Vec<(usize, Result<Presentation, ProverError>)>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    s.spawn(move || -> Vec<(usize, Result<Presentation, ProverError>)> {
                        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build();
                        requests
                            .iter()
                            .enumerate()
                            .skip(t)
                            .step_by(threads)
                            .map(|(i, r)| {
                                let proof = match &pool {
                                    Ok(pool) => pool.install(|| self.prove_with_rng(r, &mut OsRng)),
                                    Err(_) => self.prove(r),
                                };
                                (i, proof)
                            })
                            .collect()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| vec![]))
                .collect()
        });
        for (i, r) in done.into_iter().flatten() {
            if let Some(slot) = results.get_mut(i) {
                *slot = Some(r);
            }
        }
        results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| Err(ProverError::Proving("a proving thread panicked".into())))
            })
            .collect()
    }
}
