//! Two independent halves of a verification on two threads, when the machine has two cores.
//!
//! A verification is short (about a millisecond), so its halves run on one scoped thread spawned
//! for the second half while the calling thread computes the first; nothing else is shared. On a
//! single core, on `wasm32-unknown-unknown` (no threads) or if the thread cannot be spawned, the
//! halves run one after the other on the calling thread, with the same results.

use std::sync::{Mutex, OnceLock};

/// Whether the machine reports more than one core (read once: on Linux it reads cgroup files).
pub(crate) fn two_cores() -> bool {
    static TWO_CORES: OnceLock<bool> = OnceLock::new();
    *TWO_CORES.get_or_init(|| std::thread::available_parallelism().is_ok_and(|n| n.get() > 1))
}

/// `(a(), b())`, with `b` on a second thread when the machine has more than one core.
///
/// `b` waits in a slot: the spawned thread takes it when it starts, and the calling thread,
/// once `a` is done, takes it itself if the thread has not started yet (or could not be
/// spawned). A panic in either half is propagated to the caller, as it would be sequentially.
pub(crate) fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA,
    B: FnOnce() -> RB + Send,
    RB: Send,
{
    if !two_cores() {
        return (a(), b());
    }
    let slot = Mutex::new(Some(b));
    // Nothing panics while holding the lock, so it is never poisoned; a poisoned slot would
    // still hold `b` or not, which is all that is read.
    let take = || match slot.lock() {
        Ok(mut b) => b.take(),
        Err(poisoned) => poisoned.into_inner().take(),
    };
    std::thread::scope(|s| {
        let spawned = std::thread::Builder::new()
            .name("zkhealth-verify".into())
            .spawn_scoped(s, || take().map(|b| b()));
        let ra = a();
        if let Some(b) = take() {
            // The thread had not taken `b` (or does not exist): it finds the slot empty.
            return (ra, b());
        }
        match spawned.map(|handle| handle.join()) {
            Ok(Ok(Some(rb))) => (ra, rb),
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            // `b` left the slot, and only the thread takes it once the calling thread has
            // found the slot empty.
            Ok(Ok(None)) | Err(_) => lost_half(),
        }
    })
}

/// `b` was taken from its slot but not run: no path does this (the calling thread runs what it
/// takes, and the thread only runs when spawned).
#[cold]
fn lost_half() -> ! {
    panic!("the second half of a verification was taken but not run")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_halves_run_once_and_return_in_order() {
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let (a, b) = join(
            || {
                calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                1u32
            },
            || {
                calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                "two"
            },
        );
        assert_eq!((a, b), (1, "two"));
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    #[test]
    fn a_panic_in_the_second_half_reaches_the_caller() {
        let result = std::panic::catch_unwind(|| join(|| 1, || -> u32 { panic!("second half") }));
        assert!(result.is_err());
    }
}
