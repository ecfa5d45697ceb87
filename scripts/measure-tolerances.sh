#!/usr/bin/env bash
# Measures the seed spread of quick profiles: runs each FIGURE's quick profile once with N
# replicates (N = $SEEDS, default 5; replicate i = base seed 42 + i, the mapping of every
# `--replicates` run) into target/seed-spread/<figure>/ and prints the per-series spread-tier
# tolerances it suggests (seed_spread). Paste them into experiments/regression.toml with the
# measured sd as comment. Usage: measure-tolerances.sh FIGURE...
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seeds="${SEEDS:-5}"
for fig in "$@"; do
  out="$root/target/seed-spread/$fig"
  echo "== $fig quick, $seeds replicates -> $out" >&2
  mkdir -p "$out"
  "$root/target/release/$fig" --profile quick --replicates "$seeds" --results-dir "$out/results" \
    --figures-dir "$out/figures" >"$out.log" 2>&1 || { cat "$out.log" >&2; exit 1; }
  "$root/target/release/seed_spread" "$out/results/$fig.csv"
done
