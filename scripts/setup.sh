#!/usr/bin/env bash
# One-time machine setup: system OpenBLAS (LAPACK for the baselines) and the `just` command runner.
# Idempotent; uses sudo when not root. Needs the Debian package registry and PyPI.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if ! dpkg -s libopenblas-dev >/dev/null 2>&1; then
  echo "setup: installing libopenblas-dev (apt)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libopenblas-dev >/dev/null
fi
if ! command -v just >/dev/null 2>&1; then
  echo "setup: installing just (pip: rust-just)"
  python3 -m pip install --quiet --user rust-just 2>/dev/null || python3 -m pip install --quiet rust-just
fi
command -v just >/dev/null 2>&1 || echo "setup: just installed; add \$(python3 -m site --user-base)/bin to PATH"
echo "setup: ok (openblas: $(dpkg -s libopenblas-dev 2>/dev/null | sed -n 's/^Version: //p'), $(just --version 2>/dev/null || echo 'just: see PATH note'))"
