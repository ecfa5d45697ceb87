#!/usr/bin/env bash
# Reruns the quick profile of each figure into a temporary directory and compares it with the
# committed reference results/quick/<figure>.csv (tolerances: experiments/regression.toml).
# Usage: check-regression.sh [--tier tight|spread] FIGURE...   (default tier: tight, as in CI)
# Exits non-zero on any drift; prints each figure's worst relative change.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tier=tight
figures=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tier) [ $# -ge 2 ] || { echo "check-regression: --tier needs a value (tight or spread)" >&2; exit 2; }
            tier="$2"; shift 2 ;;
    --tier=*) tier="${1#--tier=}"; shift ;;
    -*) echo "check-regression: unknown option $1 (usage: check-regression.sh [--tier NAME] FIGURE...)" >&2; exit 2 ;;
    *) figures+=("$1"); shift ;;
  esac
done
[ ${#figures[@]} -gt 0 ] || { echo "check-regression: no figures given" >&2; exit 2; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
status=0
for fig in "${figures[@]}"; do
  echo "== $fig (quick profile, $tier tier)"
  if [ ! -f "$root/results/quick/$fig.csv" ]; then
    echo "no reference results/quick/$fig.csv: run 'just update-references'" >&2
    status=1
    continue
  fi
  "$root/target/release/$fig" --profile quick --results-dir "$tmp/results" --figures-dir "$tmp/figures" --force >"$tmp/$fig.log" 2>&1 \
    || { cat "$tmp/$fig.log" >&2; echo "$fig quick profile failed" >&2; status=1; continue; }
  rc=0
  "$root/target/release/compare" --tier "$tier" "$root/results/quick/$fig.csv" "$tmp/results/$fig.csv" || rc=$?
  # 2: unusable input or an unknown tier -- the same for every figure, so stop here.
  [ "$rc" -eq 2 ] && exit 2
  [ "$rc" -eq 0 ] || status=1
done
exit $status
