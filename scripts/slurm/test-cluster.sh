#!/usr/bin/env bash
# `just test-slurm`: a private single-node Slurm cluster on this machine runs a quick profile as a
# 4-task array plus the merge job (through scripts/slurm/submit.sh, as a user would), cancels
# one task mid-run and resubmits only it (unless it finished first, which it says), then checks
# that the merged CSV equals a single-process run of the same profile and seed, mse bit for bit. Prints the per-task wall
# times. Needs root (munge, slurmd); installs Debian's slurm-wlm if missing. Everything it
# starts (munged on a private socket, slurmctld, slurmd) runs from a temporary directory and is
# stopped by pid at the end; nothing under /etc is changed.
#
#   scripts/slurm/test-cluster.sh [FIGURE]      (default fig3; its quick profile)
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
fig="${1:-fig3}"
tasks=4
if [ "$(id -u)" != 0 ]; then
  echo "error: test-slurm starts munged and slurmd, which need root" >&2
  exit 1
fi
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null \
   && ! [ -x /usr/sbin/munged ]; then
  echo "installing slurm-wlm (Debian's Slurm and munge)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq slurm-wlm >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq slurm-wlm >/dev/null; }
fi
./scripts/setup.sh
cargo build --release --bins

tmp="$(mktemp -d /tmp/simec-slurm.XXXXXX)"
pids=()
stop_daemons() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  done
}
trap stop_daemons EXIT
wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local limit="$1" what="$2" t=0; shift 2
  until "$@" >/dev/null 2>&1; do
    t=$((t + 1))
    if [ "$t" -gt "$((limit * 2))" ]; then
      echo "error: timed out after ${limit} s waiting for $what; logs in $tmp" >&2
      exit 1
    fi
    sleep 0.5
  done
}

# munge, on a private socket with a fresh key.
dd if=/dev/urandom of="$tmp/munge.key" bs=1024 count=1 status=none
chmod 400 "$tmp/munge.key"
/usr/sbin/munged --force --socket="$tmp/munge.socket" --key-file="$tmp/munge.key" \
  --pid-file="$tmp/munged.pid" --log-file="$tmp/munged.log" --seed-file="$tmp/munged.seed" \
  2>>"$tmp/munged.stderr"
wait_for 10 munged test -s "$tmp/munged.pid"
pids+=("$(cat "$tmp/munged.pid")")
munge -S "$tmp/munge.socket" -n | unmunge -S "$tmp/munge.socket" >/dev/null

# slurm.conf: this node, its CPUs and memory read from the machine.
host="$(hostname -s)"
cpus="$(nproc)"
mem_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
mkdir -p "$tmp/state" "$tmp/spool" "$tmp/logs"
cat > "$tmp/slurm.conf" <<CONF
ClusterName=simectest
SlurmctldHost=$host
AuthType=auth/munge
AuthInfo=socket=$tmp/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
SlurmctldPort=16817
SlurmdPort=16818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
MinJobAge=3600
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
NodeName=$host CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=simec Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$tmp/slurm.conf"
slurmctld -i
wait_for 20 slurmctld test -s "$tmp/slurmctld.pid"
pids+=("$(cat "$tmp/slurmctld.pid")")
slurmd
wait_for 20 slurmd test -s "$tmp/slurmd.pid"
pids+=("$(cat "$tmp/slurmd.pid")")
node_idle() { [ "$(sinfo -h -n "$host" -o %t)" = idle ]; }
wait_for 60 "the node to be idle" node_idle
echo "slurm: $(sinfo -V), node $host ($cpus CPUs, $mem_mb MB), files in $tmp"

# The reference: one process.
out_single=(--results-dir "$tmp/single/results" --figures-dir "$tmp/single/figures")
t0=$SECONDS
"./target/release/$fig" --profile quick "${out_single[@]}" > "$tmp/single.log" 2>&1
echo "single process: $((SECONDS - t0)) s"

# The sharded run, through submit.sh as a user would. Each task gets every core, as the single
# process had: OpenBLAS's thread count moves the ridge baseline in the last bits (measured on fig3
# quick: 4 of 27 points differ by up to 6e-16 relative between 1 and 2 threads), the split never.
out=(--results-dir "$tmp/sharded/results" --figures-dir "$tmp/sharded/figures")
export SIMEC_NO_BUILD=1 SIMEC_SLURM_LOGS="$tmp/logs" SIMEC_SLURM_CPUS_PER_TASK="$cpus" \
  SIMEC_SLURM_MEM=2G SIMEC_SLURM_MERGE_MEM=2G SIMEC_SLURM_TIME=00:30:00
t0=$SECONDS
scripts/slurm/submit.sh "$fig" "$tasks" quick "${out[@]}"
read -r array merge < "$tmp/logs/last-submit"

# Cancel the task with the most points (task 1: 13 of fig3 quick's 27) as soon as its fragment
# holds one (polled every 50 ms): the merge job is cancelled with it.
victim=1
fragment="$tmp/sharded/results/$fig.shards/$victim-of-$tasks.csv"
saved() { echo $(( $(wc -l < "$fragment" 2>/dev/null || echo 1) - 1 )); }
t_poll=$SECONDS
until [ "$(saved)" -ge 1 ]; do
  if [ $((SECONDS - t_poll)) -gt 600 ]; then
    echo "error: shard $victim saved no point within 600 s; logs in $tmp" >&2
    exit 1
  fi
  sleep 0.05
done
scancel "${array}_$victim"
echo "cancelled array task ${array}_$victim with $(saved) point(s) saved"
jobs_gone() { [ -z "$(squeue -h -j "$1" 2>/dev/null)" ]; }
wait_for 900 "the array and merge jobs to end" jobs_gone "$array,$merge"
if [ -f "$tmp/sharded/results/$fig.csv" ]; then
  # The task finished between the poll and the cancel (a fast, quiet machine): the run is
  # complete and merged; the resubmission is not exercised this time (tests/shards.rs kills a
  # shard and resumes it deterministically).
  echo "warning: task $victim finished before the cancel took effect; no resubmission needed"
else
  # Resubmit only the cancelled task (it resumes its fragment), with a new merge job.
  scripts/slurm/submit.sh "$fig" "$tasks" quick "${out[@]}" --tasks "$victim"
  read -r array2 merge2 < "$tmp/logs/last-submit"
  wait_for 900 "the resubmitted task and merge" jobs_gone "$array2,$merge2"
fi
echo "sharded run (with the cancel and resubmission): $((SECONDS - t0)) s"
if [ ! -f "$tmp/sharded/results/$fig.csv" ]; then
  echo "error: no merged CSV; job logs:" >&2
  tail -n 20 "$tmp"/logs/*.out >&2
  exit 1
fi

python3 - "$tmp/single/results/$fig.csv" "$tmp/sharded/results/$fig.csv" \
  "$tmp/sharded/results/$fig.meta.toml" <<'PY'
import csv, sys, tomllib
def keyed(path):
    with open(path, newline="") as f:
        return {(r["series"], r["x"], r["replicate"]): (r["seed"], r["mse"]) for r in csv.DictReader(f)}
single, merged = keyed(sys.argv[1]), keyed(sys.argv[2])
with open(sys.argv[3], "rb") as f:
    run = tomllib.load(f)["runs"][-1]
print("per-task wall times (merged run's record):")
print(f"  {'shard':<8} {'host':<16} {'wall_s':>8} {'points':>7}  state")
for s in run["shards"]:
    state = "completed" if s["completed"] else "cancelled"
    print(f"  {s['shard']:<8} {s['hostname']:<16} {s['total_wall_s']:>8.1f} {s['points_computed']:>7}  {state}")
if set(single) != set(merged):
    sys.exit(f"error: the point sets differ: only single {sorted(set(single) - set(merged))[:5]}, "
             f"only merged {sorted(set(merged) - set(single))[:5]}")
diff = [k for k in single if single[k] != merged[k]]
if diff:
    for k in diff[:10]:
        print(f"  {k}: single {single[k]}, merged {merged[k]}")
    sys.exit(f"error: {len(diff)} of {len(single)} points differ")
print(f"merged CSV == single-process CSV: {len(single)} points, seed and mse column bit-identical")
PY
echo "test-slurm passed"
