#!/usr/bin/env bash
# Submits a sharded simec run to Slurm: an array job of N shard tasks and a merge job that runs
# once every task succeeded (--dependency=afterok; it is cancelled if one fails). Run it from
# anywhere on the login node; the checkout must be on a file system every node sees.
#
#   scripts/slurm/submit.sh FIGURE|all N [PROFILE] [figure options] [--tasks LIST]
#   scripts/slurm/submit.sh fig3 8 paper --replicates 5
#   scripts/slurm/submit.sh all 16 paper
#   scripts/slurm/submit.sh fig3 8 paper --replicates 5 --tasks 3,5   # only shards 3 and 5, then merge
#
# Resources: scripts/slurm/resources.sh. SIMEC_NO_BUILD=1 skips `cargo build --release --bins`.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ $# -lt 2 ]; then
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
target="$1"; count="$2"; shift 2
if ! [[ "$count" =~ ^[1-9][0-9]*$ ]]; then
  echo "error: the shard count N must be a positive integer, got \`$count\`" >&2
  exit 2
fi
source scripts/slurm/resources.sh
source scripts/slurm/figures.sh
simec_figures_for "$target"
tasks="0-$((count - 1))"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tasks)
      if [ $# -lt 2 ]; then echo "error: --tasks needs a list such as 3,5 or 2-4" >&2; exit 2; fi
      tasks="$2"; shift 2 ;;
    --tasks=*) tasks="${1#--tasks=}"; shift ;;
    --shard|--shard=*|--merge) echo "error: submit.sh sets $1 itself" >&2; exit 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
# --tasks: array indices (I, I-J, comma-separated), each below N.
for part in ${tasks//,/ }; do
  if ! [[ "$part" =~ ^([0-9]+)(-([0-9]+))?$ ]]; then
    echo "error: --tasks \`$tasks\`: \`$part\` is not an index or a range I-J" >&2
    exit 2
  fi
  last="${BASH_REMATCH[3]:-${BASH_REMATCH[1]}}"
  if [ "$((10#$last))" -ge "$count" ] || [ "$((10#${BASH_REMATCH[1]}))" -gt "$((10#$last))" ]; then
    echo "error: --tasks \`$tasks\`: \`$part\` is not within the shards 0 to $((count - 1))" >&2
    exit 2
  fi
done
# A leading profile name becomes --profile NAME, as for `just fig3 quick`.
if [ ${#args[@]} -gt 0 ] && [[ "${args[0]}" != -* ]]; then
  args=(--profile "${args[0]}" "${args[@]:1}")
fi
command -v sbatch >/dev/null || { echo "error: sbatch not found: run this on a Slurm login node" >&2; exit 1; }
if [ -z "${SIMEC_NO_BUILD:-}" ]; then
  ./scripts/setup.sh
  cargo build --release --bins
fi
mkdir -p "$SIMEC_SLURM_LOGS"
partition=()
[ -n "$SIMEC_SLURM_PARTITION" ] && partition=(--partition="$SIMEC_SLURM_PARTITION")
array=$(sbatch --parsable --job-name="simec-$target" --array="$tasks" \
  --cpus-per-task="$SIMEC_SLURM_CPUS_PER_TASK" --mem="$SIMEC_SLURM_MEM" \
  --time="$SIMEC_SLURM_TIME" "${partition[@]}" \
  --output="$SIMEC_SLURM_LOGS/%x-%A_%a.out" \
  scripts/slurm/shard.sbatch "$target" "$count" "${args[@]}")
array="${array%%;*}"
merge=$(sbatch --parsable --job-name="simec-merge-$target" \
  --dependency="afterok:$array" --kill-on-invalid-dep=yes \
  --cpus-per-task=1 --mem="$SIMEC_SLURM_MERGE_MEM" --time="$SIMEC_SLURM_MERGE_TIME" \
  "${partition[@]}" --output="$SIMEC_SLURM_LOGS/%x-%j.out" \
  scripts/slurm/merge.sbatch "$target" "${args[@]}")
merge="${merge%%;*}"
echo "submitted array job $array (shards $tasks of $count: $figures) and merge job $merge"
echo "watch:  squeue -j $array,$merge"
echo "        sacct -j $array,$merge --format=JobID,JobName%24,State,Elapsed,ExitCode"
echo "logs:   $SIMEC_SLURM_LOGS/"
echo "failed shards: $0 $target $count ${args[*]} --tasks <their indices>"
echo "$array $merge" > "$SIMEC_SLURM_LOGS/last-submit"
