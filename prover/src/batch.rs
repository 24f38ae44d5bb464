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
        let per_thread: Vec<Vec<Result<Presentation, ProverError>>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    s.spawn(move || {
                        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build();
                        requests
                            .iter()
                            .skip(t)
                            .step_by(threads)
                            .map(|r| match &pool {
                                Ok(pool) => pool.install(|| self.prove_with_rng(r, &mut OsRng)),
                                Err(_) => self.prove(r),
                            })
                            .collect()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        });
        // Interleave back into request order; a thread that panicked left its requests without
        // a result.
        let mut iters: Vec<_> = per_thread.into_iter().map(Vec::into_iter).collect();
        (0..requests.len())
            .map(|i| {
                iters
                    .get_mut(i % threads)
                    .and_then(Iterator::next)
                    .unwrap_or(Err(ProverError::ThreadPanicked))
            })
            .collect()
    }
}
