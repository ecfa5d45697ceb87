#!/usr/bin/env bash
# Runs a figure binary; a leading profile name (`quick`, `paper`, ...) becomes `--profile NAME`.
# `--backend tch-cpu|tch-cuda` builds and runs the libtorch binary (target/tch/, through
# scripts/with-tch.sh; needs `just setup-tch` once); `--backend cuda` the CUDA one (target/cuda/),
# `--backend wgpu` the wgpu (Vulkan) one (target/wgpu/).
set -euo pipefail
here="$(dirname "$0")"
fig="$1"; shift
if [ $# -gt 0 ] && [[ "$1" != -* ]]; then
  profile="$1"; shift
  set -- --profile "$profile" "$@"
fi
backend=cpu
prev=""
for a in "$@"; do
  case "$a" in --backend=*) backend="${a#--backend=}" ;; esac
  [ "$prev" = "--backend" ] && backend="$a"
  prev="$a"
done
case "$backend" in
  tch-*)
    "$here/with-tch.sh" cargo build --release --features experiments/tch -p experiments --bin "$fig"
    exec "$here/with-tch.sh" "$here/../target/tch/release/$fig" "$@" ;;
  cuda)
    CARGO_TARGET_DIR="$here/../target/cuda" cargo build --release --features experiments/cuda -p experiments --bin "$fig"
    exec "$here/../target/cuda/release/$fig" "$@" ;;
  wgpu)
    CARGO_TARGET_DIR="$here/../target/wgpu" cargo build --release --workspace --features experiments/wgpu,simec-cli/wgpu --bin "$fig"
    exec "$here/../target/wgpu/release/$fig" "$@" ;;
  *)
    exec "$here/../target/release/$fig" "$@" ;;
esac
