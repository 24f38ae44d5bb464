#!/usr/bin/env bash
# Runs every fuzz target: `fuzz/run.sh RUNS` gives each target RUNS executions (default one
# million), `fuzz/run.sh --seconds S` S seconds each. Installs cargo-fuzz if needed (nightly
# Rust is required), writes the seed corpora from the test fixtures if they are missing, and
# prints each target's executions. A crash stops the script; its input is under
# fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"

limit=(-runs=1000000)
if [ "${1:-}" = "--seconds" ]; then
  limit=(-max_total_time="${2:?seconds}")
elif [ -n "${1:-}" ]; then
  limit=(-runs="$1")
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
if [ ! -d corpus ]; then
  (cd .. && cargo run --quiet -p zkhealth --example fuzz_seeds -- fuzz/corpus)
fi

targets=(presentation keys proof policy credential merkle_path roots nullifiers registry_file snarkjs dcc shc fhir)
cargo +nightly fuzz build -O
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  log=$(mktemp)
  # -rss_limit_mb: the proving-artifact decoder may allocate what a well-formed header asks.
  if ! cargo +nightly fuzz run -O "$target" "corpus/$target" -- "${limit[@]}" \
      -max_len=65536 -rss_limit_mb=4096 -print_final_stats=1 >"$log" 2>&1; then
    cat "$log" >&2
    echo "fuzz target $target failed" >&2
    exit 1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  secs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o 'in [0-9]*' | grep -o '[0-9]*' || true)
  echo "$target: ${runs:-?} executions in ${secs:-?} s, no crash"
  rm -f "$log"
done
