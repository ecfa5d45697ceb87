# simec: Similarity Encoders (Horn & Müller 2018) in Rust. `just --list` shows every recipe.
# One-time machine setup (OpenBLAS, just): ./scripts/setup.sh

set shell := ["bash", "-euo", "pipefail", "-c"]

bins := "target/release"

# List the recipes.
default:
    @just --list

# Install system packages (OpenBLAS via apt, just via pip); idempotent.
setup:
    ./scripts/setup.sh

# Build every binary in release mode.
build:
    cargo build --release --bins

# Figure 3 on real MNIST: `just fig3` (paper profile), `just fig3 quick`, extra flags pass through.
fig3 *ARGS: build
    ./scripts/figure.sh fig3 {{ARGS}}

# Figure 3, quick profile (CI-sized, < 2 minutes).
fig3-quick *ARGS: (fig3 "quick" ARGS)

# Run the whole test suite (release mode: the numerical tests need optimized code).
test:
    cargo test --release --workspace

# Formatting and lints, as CI expects them.
lint:
    cargo fmt --all -- --check
    cargo clippy --release --workspace --all-targets -- -D warnings

# Download the four MNIST files into data/mnist and verify their SHA-256 (needs internet).
data:
    ./scripts/download-mnist.sh data/mnist
