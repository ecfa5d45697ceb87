#!/usr/bin/env bash
# Runs a command (cargo, or a binary built with `--features tch`) in the libtorch environment:
#   - libtorch from the venv of `just setup-tch` (<repo>/.venv-tch, or $SIMEC_TCH_VENV): its python
#     first on PATH, VIRTUAL_ENV and LIBTORCH_USE_PYTORCH=1 so that torch-sys finds it at build time;
#   - or, when LIBTORCH is set, that libtorch 2.9.0 install (lib dir $LIBTORCH_LIB or $LIBTORCH/lib);
#   - LD_LIBRARY_PATH += the libtorch lib dir, and an rpath to it in everything cargo links, so the
#     binaries in target/tch/ also start without this wrapper;
#   - CARGO_TARGET_DIR=<repo>/target/tch (unless set): the tch build never touches target/release;
#   - OMP_NUM_THREADS=1 unless set: libtorch's default OpenMP threads slowed it 5-15x on this
#     2-core machine under load (see BACKENDS.md).
# Usage: scripts/with-tch.sh cargo build --release --features tch
#        scripts/with-tch.sh target/tch/release/fig3 --profile quick --backend tch-cpu
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

if [ -n "${LIBTORCH:-}" ]; then
  torch_lib="${LIBTORCH_LIB:-$LIBTORCH/lib}"
  if [ ! -e "$torch_lib/libtorch_cpu.so" ]; then
    echo "with-tch: LIBTORCH=$LIBTORCH, but $torch_lib/libtorch_cpu.so does not exist" >&2
    exit 1
  fi
else
  venv="${SIMEC_TCH_VENV:-$root/.venv-tch}"
  torch_lib=""
  for d in "$venv"/lib/python3*/site-packages/torch/lib; do
    [ -e "$d/libtorch_cpu.so" ] && torch_lib="$d"
  done
  if [ -z "$torch_lib" ]; then
    echo "with-tch: no PyTorch in $venv: run \`just setup-tch\` first (installs torch==2.9.0," \
      "~6.7 GB), or set LIBTORCH to a libtorch 2.9.0 directory (see crates/experiments/BACKENDS.md)" >&2
    exit 1
  fi
  export VIRTUAL_ENV="$venv"
  export PATH="$venv/bin:$PATH"
  export LIBTORCH_USE_PYTORCH=1
fi

export LD_LIBRARY_PATH="$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }-C link-arg=-Wl,-rpath,$torch_lib"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target/tch}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
exec "$@"
