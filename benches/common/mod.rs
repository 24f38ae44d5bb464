//! What the benches share: operations timed in alternation, and criterion's estimates read back
//! for the printed tables.

// Each bench uses part of this module.
#![allow(dead_code)]

use std::{
    collections::BTreeMap,
    hint::black_box,
    path::PathBuf,
    sync::Mutex,
    time::{Duration, Instant},
};

use criterion::{measurement::WallTime, BenchmarkGroup, BenchmarkId};

/// Per-round times in seconds of two operations timed in alternation, by ratio name.
static ROUNDS: Mutex<BTreeMap<String, Vec<(f64, f64)>>> = Mutex::new(BTreeMap::new());

/// Benches `first` as `id`; every iteration also times `second` right after it and records the
/// pair under `rounds` (as `(second, first)` when `swap`), so the ratio of the two is taken
/// round by round under the same load. Criterion's own figure for `id` is `first` alone.
pub fn alternating<A, B>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    id: BenchmarkId,
    rounds: &str,
    swap: bool,
    first: &mut dyn FnMut() -> A,
    second: &mut dyn FnMut() -> B,
) {
    group.bench_function(id, |b| {
        b.iter_custom(|iters| {
            let mut measured = Duration::ZERO;
            let mut pairs = Vec::with_capacity(iters as usize);
            for _ in 0..iters {
                let start = Instant::now();
                black_box(first());
                let a = start.elapsed();
                let start = Instant::now();
                black_box(second());
                let b = start.elapsed();
                measured += a;
                let (a, b) = (a.as_secs_f64(), b.as_secs_f64());
                pairs.push(if swap { (b, a) } else { (a, b) });
            }
            ROUNDS
                .lock()
                .unwrap()
                .entry(rounds.to_owned())
                .or_default()
                .extend(pairs);
            measured
        })
    });
}

/// The median over the recorded rounds of `first / second`, and the number of rounds.
pub fn round_ratio(rounds: &str) -> Option<(f64, usize)> {
    let all = ROUNDS.lock().unwrap();
    let mut ratios: Vec<f64> = all.get(rounds)?.iter().map(|(a, b)| a / b).collect();
    ratios.sort_by(f64::total_cmp);
    Some((*ratios.get(ratios.len() / 2)?, ratios.len()))
}

/// Criterion's estimate for `id`, in nanoseconds.
pub fn mean_ns(id: &str) -> Option<f64> {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"));
    let path = dir.join("criterion").join(id).join("new/estimates.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    // The slope when criterion fitted one (linear sampling), else the mean: what it prints.
    json["slope"]["point_estimate"]
        .as_f64()
        .or_else(|| json["mean"]["point_estimate"].as_f64())
}
