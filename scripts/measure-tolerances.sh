#!/usr/bin/env bash
# Measures the seed spread of quick profiles: runs each FIGURE's quick profile with seeds 1..N
# (N = $SEEDS, default 5) into target/seed-spread/<figure>/<seed>/ and prints the per-series
# spread-tier tolerances it suggests (seed_spread). Paste them into experiments/regression.toml with the
# measured sd as comment. Usage: measure-tolerances.sh FIGURE...
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seeds="${SEEDS:-5}"
for fig in "$@"; do
  csvs=()
  for s in $(seq 1 "$seeds"); do
    out="$root/target/seed-spread/$fig/$s"
    echo "== $fig quick, seed $s -> $out" >&2
    mkdir -p "$out"
    "$root/target/release/$fig" --profile quick --seed "$s" --results-dir "$out/results" \
      --figures-dir "$out/figures" --force >"$out.log" 2>&1 || { cat "$out.log" >&2; exit 1; }
    csvs+=("$out/results/$fig.csv")
  done
  "$root/target/release/seed_spread" "${csvs[@]}"
done
