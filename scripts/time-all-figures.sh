#!/usr/bin/env bash
# Times `all-figures` (paper profiles, one seed) end to end, as issue 18 measures it: clones this
# checkout's HEAD into DIR (a clean tree, so the recorded commit is true), copies the release
# binaries built here (build excluded from the time), removes the clone's committed figure results
# so that every point is computed, runs the seven figures in turn and the replication report, and
# writes DIR/timing.csv (per figure: start, wall seconds, peak resident memory, load before and
# after; then the total). Usage: scripts/time-all-figures.sh DIR (DIR must not exist).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:?usage: scripts/time-all-figures.sh DIR}"
[ -e "$dir" ] && { echo "time-all-figures: $dir exists; give a new directory" >&2; exit 2; }
figures="fig3 fig4_lambda fig4_targets fig4_missing fig5_simpson fig6_nonmetric fig7_s1s2"
command -v /usr/bin/time >/dev/null || { echo "time-all-figures: needs GNU time at /usr/bin/time (apt install time)" >&2; exit 2; }
for b in $figures report; do
  [ -x "$here/target/release/$b" ] || { echo "time-all-figures: build first (just build): no target/release/$b" >&2; exit 2; }
done
git clone -q "$here" "$dir"
mkdir -p "$dir/target/release" "$dir/logs"
for b in $figures report; do cp "$here/target/release/$b" "$dir/target/release/"; done
cd "$dir"
rm -f results/fig*.csv results/fig*.meta.toml results/REPLICATION.md
commit="$(git rev-parse HEAD)"
machine="$(lscpu | sed -n 's/^Model name: *//p' | head -1) ($(nproc) cpus)"
echo "figure,started_at,wall_s,peak_rss_bytes,load_before,load_after,rc,git_commit,machine" > timing.csv
t0=$(date +%s.%N)
for f in $figures; do
  started=$(date -u +%FT%TZ); before=$(cut -d' ' -f1 /proc/loadavg); s=$(date +%s.%N)
  rc=0; /usr/bin/time -v ./scripts/figure.sh "$f" paper > "logs/$f.out" 2> "logs/$f.err" || rc=$?
  wall=$(echo "$(date +%s.%N) - $s" | bc)
  rss=$(( $(sed -n 's/.*Maximum resident set size (kbytes): //p' "logs/$f.err") * 1024 ))
  echo "$f,$started,$wall,$rss,$before,$(cut -d' ' -f1 /proc/loadavg),$rc,$commit,$machine" | tee -a timing.csv
done
target/release/report > logs/report.out 2>&1
echo "total (with report),,$(echo "$(date +%s.%N) - $t0" | bc),,,,0,$commit,$machine" | tee -a timing.csv
