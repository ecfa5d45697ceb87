#!/usr/bin/env bash
# Creates <repo>/.venv-tch with PyTorch 2.9.0, the libtorch that burn's `tch` backend (tch 0.22 /
# torch-sys 0.22) is built against. About 4 minutes and 6-7 GB on disk: the PyPI Linux wheel pulls
# the nvidia-* CUDA wheels, which libtorch_cuda.so needs at load time even for CPU tensors.
# Idempotent: does nothing when the venv already has torch 2.9.0.
# Override the location with SIMEC_TCH_VENV=/path (scripts/with-tch.sh reads the same variable).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${SIMEC_TCH_VENV:-$root/.venv-tch}"
want="2.9.0"
python="${PYTHON:-python3}"

if [ -x "$venv/bin/python" ] &&
  have="$("$venv/bin/python" -c 'import torch; print(torch.__version__.split("+")[0])' 2>/dev/null)" &&
  [ "$have" = "$want" ]; then
  echo "setup-tch: $venv already has torch $have"
  exit 0
fi

start=$(date +%s)
if [ ! -x "$venv/bin/python" ]; then
  echo "setup-tch: creating $venv"
  "$python" -m venv "$venv"
fi
echo "setup-tch: installing torch==$want into $venv (several GB, a few minutes)"
"$venv/bin/pip" install --no-input "torch==$want"
"$venv/bin/python" -c 'import torch; print("setup-tch: torch", torch.__version__, "at", torch.__file__)'
du -sh "$venv" | sed 's/^/setup-tch: venv size /'
echo "setup-tch: done in $(($(date +%s) - start)) s; next: just build-tch"
