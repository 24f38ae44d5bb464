//! Many proofs at once.
//!
//! Two schedules: every thread works on each proof in turn ([`Schedule::ThreadsPerProof`], the
//! MSMs and FFTs of one proof parallelized), or each thread makes whole proofs on its own
//! ([`Schedule::ProofPerThread`], no synchronization inside a proof). The bench
//! `cargo bench -p zkhealth --bench presentation -- prove-batch` compares them; the faster one on the
//! machines we measured is [`Schedule::default`]. Without the `parallel` feature both schedules
//! prove one request after the other on the calling thread.
//!
//! Randomness: the caller's CSPRNG gives one 32-byte seed per request, drawn in request order
//! before any proving; request `i` is proved with a [`ChaCha20Rng`] seeded with seed `i`. Each
//! proof thus has its own independent randomness, and the same caller RNG state gives the same
//! proofs under either schedule and any thread count.

use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
use rand_core::{CryptoRng, RngCore};
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

/// The seed of one proof's RNG.
type Seed = <ChaCha20Rng as SeedableRng>::Seed;

impl Prover {
    /// Proves every request with [`Schedule::default`], each with randomness derived from
    /// `rng`; results are in request order, each with its own error.
    pub fn prove_batch(
        &self,
        requests: &[ProveRequest<'_>],
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Vec<Result<Presentation, ProverError>> {
        self.prove_batch_with(requests, Schedule::default(), rng)
    }

    /// Proves every request with the given schedule, each with its own [`ChaCha20Rng`] seeded
    /// from `rng` (see the module documentation); results are in request order.
    pub fn prove_batch_with(
        &self,
        requests: &[ProveRequest<'_>],
        schedule: Schedule,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Vec<Result<Presentation, ProverError>> {
        let seeds: Vec<Seed> = requests
            .iter()
            .map(|_| {
                let mut seed = Seed::default();
                rng.fill_bytes(&mut seed);
                seed
            })
            .collect();
        self.prove_seeded(requests, &seeds, schedule)
    }

    /// Proves `requests[i]` with the RNG seeded by `seeds[i]`, one after the other.
    fn prove_sequentially(
        &self,
        requests: &[ProveRequest<'_>],
        seeds: &[Seed],
    ) -> Vec<Result<Presentation, ProverError>> {
        requests
            .iter()
            .zip(seeds)
            .map(|(r, seed)| self.prove_with_rng(r, &mut ChaCha20Rng::from_seed(*seed)))
            .collect()
    }

    #[cfg(not(feature = "parallel"))]
    fn prove_seeded(
        &self,
        requests: &[ProveRequest<'_>],
        seeds: &[Seed],
        _schedule: Schedule,
    ) -> Vec<Result<Presentation, ProverError>> {
        self.prove_sequentially(requests, seeds)
    }

    #[cfg(feature = "parallel")]
    fn prove_seeded(
        &self,
        requests: &[ProveRequest<'_>],
        seeds: &[Seed],
        schedule: Schedule,
    ) -> Vec<Result<Presentation, ProverError>> {
        let threads = rayon::current_num_threads().min(requests.len());
        if schedule == Schedule::ThreadsPerProof || threads <= 1 {
            return self.prove_sequentially(requests, seeds);
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
                            .zip(seeds)
                            .skip(t)
                            .step_by(threads)
                            .map(|(r, seed)| {
                                let mut rng = ChaCha20Rng::from_seed(*seed);
                                match &pool {
                                    Ok(pool) => pool.install(|| self.prove_with_rng(r, &mut rng)),
                                    Err(_) => self.prove_with_rng(r, &mut rng),
                                }
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
