#!/usr/bin/env bash
# Reruns the quick profile of each figure into a temporary directory and compares it with the
# committed reference results/quick/<figure>.csv (tolerances: experiments/regression.toml).
# Usage: check-regression.sh FIGURE...   Exits non-zero on any drift.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
status=0
for fig in "$@"; do
  echo "== $fig (quick profile)"
  if [ ! -f "$root/results/quick/$fig.csv" ]; then
    echo "no reference results/quick/$fig.csv: run 'just update-references'" >&2
    status=1
    continue
  fi
  "$root/target/release/$fig" --profile quick --results-dir "$tmp/results" --figures-dir "$tmp/figures" --force >"$tmp/$fig.log" 2>&1 \
    || { cat "$tmp/$fig.log" >&2; echo "$fig quick profile failed" >&2; status=1; continue; }
  "$root/target/release/compare" "$root/results/quick/$fig.csv" "$tmp/results/$fig.csv" || status=1
done
exit $status
