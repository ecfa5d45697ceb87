#!/usr/bin/env bash
# The wgpu timing and agreement check on a lent GPU machine (the `device` tool's H200), in two
# steps. See crates/experiments/BACKENDS.md ("On a lent H200").
#
#   scripts/device/h200-check.sh prepare   # HERE: build, pack what travels into .device/ (< 64 MiB)
#   scripts/device/h200-check.sh run       # THERE (OUT set by the tool), or here as a dry run
#
# `prepare` builds the wgpu `bench` and `fig3` (`just build-wgpu` does all binaries) and packs into
# .device/ (ignored through .git/info/exclude): the two binaries stripped and xz-compressed, the
# OpenBLAS / libgfortran / libquadmath they link (xz), the four gzipped MNIST files, and the Vulkan
# loader packages of the device README (libvulkan1 and the GL dispatch libraries NVIDIA's ICD
# uses). It prints the sizes and the `run` tool call:
#
#   carry [".device"], timeout_s 600, command "scripts/device/h200-check.sh run"
#
# `run` unpacks the loader packages into / when no libvulkan is installed, points the Vulkan loader
# at NVIDIA's ICD when that file exists, and then, with --backend wgpu on the default adapter
# (CUBECL_WGPU_DEFAULT_DEVICE=DiscreteGpu(0) on a machine with an NVIDIA ICD):
#   1. bench fig3_2hl_epoch fig4_n8000_epoch fig7_stacked_d100_epoch -> $OUT/bench-gpu.csv
#      (plus the sgemm/dgemm peaks bench always measures; the device is in the `machine` column);
#   2. fig3 --profile quick -> $OUT/fig3.csv and $OUT/fig3.meta.toml.
# The log is $OUT/h200-check.log. Each step has its own time limit (BENCH_LIMIT_S, FIG3_LIMIT_S;
# 330 + 210 s by default) so the whole run ends inside the tool's 10 minutes; BENCH_RUNS=N sets
# bench's --runs (for a dry run here on lavapipe, where full-size epochs take minutes). Afterwards, here:
#   target/release/compare results/quick/fig3.csv <files_at>/fig3.csv --tier spread
# and merge the rows of bench-gpu.csv into results/bench-gpu.csv beside the CPU rows.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
pack=.device
bins=(bench fig3)
libs=(libopenblas.so.0 libgfortran.so.5 libquadmath.so.0)

prepare() {
  local rel="${WGPU_TARGET_DIR:-target/wgpu}/release"
  for b in "${bins[@]}"; do
    if [ ! -x "$rel/$b" ]; then
      CARGO_TARGET_DIR="${WGPU_TARGET_DIR:-target/wgpu}" cargo build --release --workspace \
        --features experiments/wgpu,simec-cli/wgpu --bin "$b"
    fi
  done
  local exclude
  exclude="$(git rev-parse --git-common-dir)/info/exclude"
  grep -qx "/$pack/" "$exclude" 2>/dev/null || echo "/$pack/" >>"$exclude"
  rm -rf "$pack" && mkdir -p "$pack/bin" "$pack/lib" "$pack/mnist" "$pack/gl"
  for b in "${bins[@]}"; do
    strip -o "$pack/bin/$b" "$rel/$b"
    xz -T2 -9 "$pack/bin/$b"
  done
  for l in "${libs[@]}"; do
    local f
    f="$(ldconfig -p | awk -v l="$l" '$1 == l && /x86-64/ { print $NF; exit }')"
    [ -n "$f" ] || { echo "prepare: $l not found (ldconfig -p); run scripts/setup.sh" >&2; exit 1; }
    xz -T2 -6 -c "$(readlink -f "$f")" >"$pack/lib/$l.xz"
  done
  local mnist=""
  for d in "${SIMEC_DATA_DIR:-}" data/mnist ../shared/data/mnist; do
    if [ -n "$d" ] && [ -f "$d/train-images-idx3-ubyte.gz" ]; then mnist="$d"; break; fi
  done
  [ -n "$mnist" ] || { echo "prepare: no gzipped MNIST found; run 'just data'" >&2; exit 1; }
  cp "$mnist"/*-ubyte.gz "$pack/mnist/"
  local o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  mkdir -p /tmp/amd64/partial
  # shellcheck disable=SC2086 # $o is several options
  apt-get $o update -qq
  # shellcheck disable=SC2086
  (cd "$pack/gl" && apt-get $o download -qq libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
  du -ab "$pack" | sort -k2
  local tree
  tree="$(git ls-files -z | du -cb --files0-from=- | tail -1 | cut -f1)"
  echo "prepare: .device is $(du -sb "$pack" | cut -f1) bytes, tracked files $tree bytes; together" \
    "they must stay under 64 MiB ($((64 * 1024 * 1024)))."
  echo "next: the device tool's run with carry [\"$pack\"], timeout_s 600, command" \
    "'scripts/device/h200-check.sh run'"
}

run_device() {
  : "${OUT:?run: OUT (the output folder of the device tool) is not set; for a dry run here: OUT=/tmp/x}"
  exec > >(tee "$OUT/h200-check.log") 2>&1
  echo "h200-check: $(date -u +%FT%TZ) on $(hostname), $(nproc) cpus"
  if ! ldconfig -p | grep -q 'libvulkan\.so\.1'; then
    for f in "$pack"/gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
  fi
  local icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  if [ -f "$icd" ]; then
    export VK_DRIVER_FILES="${VK_DRIVER_FILES:-$icd}"
    export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
    export CUBECL_WGPU_DEFAULT_DEVICE="${CUBECL_WGPU_DEFAULT_DEVICE:-DiscreteGpu(0)}"
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
  fi
  local dir=/tmp/simec-h200
  mkdir -p "$dir/lib" "$dir/figures"
  for b in "${bins[@]}"; do xz -dc "$pack/bin/$b.xz" >"$dir/$b" && chmod +x "$dir/$b"; done
  for l in "${libs[@]}"; do xz -dc "$pack/lib/$l.xz" >"$dir/lib/$l"; done
  export LD_LIBRARY_PATH="$dir/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  local rc=0
  echo "== bench (limit ${BENCH_LIMIT_S:-330} s)"
  timeout "${BENCH_LIMIT_S:-330}" "$dir/bench" fig3_2hl_epoch fig4_n8000_epoch \
    fig7_stacked_d100_epoch --backend wgpu --data-dir "$pack/mnist" --out "$OUT/bench-gpu.csv" \
    ${BENCH_RUNS:+--runs "$BENCH_RUNS"} \
    || { rc=$?; echo "bench failed or timed out: exit $rc"; }
  echo "== fig3 quick (limit ${FIG3_LIMIT_S:-210} s)"
  timeout "${FIG3_LIMIT_S:-210}" "$dir/fig3" --profile quick --backend wgpu --force \
    --data-dir "$pack/mnist" --results-dir "$OUT" --figures-dir "$dir/figures" \
    || { rc=$?; echo "fig3 failed or timed out: exit $rc"; }
  echo "h200-check: done $(date -u +%FT%TZ), exit $rc"
  return "$rc"
}

case "${1:-}" in
  prepare) prepare ;;
  run) run_device ;;
  *) echo "usage: $0 prepare|run (see the comment at the top)" >&2; exit 2 ;;
esac
