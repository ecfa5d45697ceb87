#!/usr/bin/env bash
# Machine setup: system OpenBLAS (BLAS + LAPACK for the baselines) and curl (MNIST download) via
# apt, using sudo when not root; `just` via pip only when missing (for .ci/run, which calls this
# before `just` exists). Idempotent and silent once done (a few dpkg queries, well under a second);
# `just fig3` and `just test` run it first. `scripts/setup.sh vulkan` (for `just test-wgpu`) also
# installs the Vulkan loader and Mesa's Vulkan drivers (lavapipe: a software Vulkan device, so that
# burn's wgpu backend runs on machines without a GPU; a GPU's own driver is preferred when present).
set -euo pipefail
missing=()
dpkg -s libopenblas-dev >/dev/null 2>&1 || missing+=(libopenblas-dev)
if [ "${1:-}" = vulkan ]; then
  for p in libvulkan1 mesa-vulkan-drivers; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
fi
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "setup: installing ${missing[*]} (apt)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  echo "setup: ok (${missing[*]} installed)"
fi
if ! command -v just >/dev/null 2>&1; then
  user_bin="$(python3 -m site --user-base)/bin"
  if [ ! -x "$user_bin/just" ]; then
    echo "setup: installing just (pip: rust-just)"
    python3 -m pip install --quiet --user rust-just 2>/dev/null || python3 -m pip install --quiet rust-just
  fi
  command -v just >/dev/null 2>&1 || echo "setup: just is in $user_bin; add it to PATH"
fi
