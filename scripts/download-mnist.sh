#!/usr/bin/env bash
# Downloads the four MNIST files into DIR (default: data/mnist at the project root) with curl and
# verifies their SHA-256 (`just data`). Mirrors: SIMEC_MNIST_MIRROR (a URL prefix; file:// works),
# else the standard ones. The figure binaries and tests do this on their own when MNIST is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release --quiet -p experiments --example download_mnist -- ${1:+--dir "$1"}
