# simec: Similarity Encoders (Horn & Müller 2018) in Rust. `just --list` shows every recipe.
# One-time machine setup (OpenBLAS, just): ./scripts/setup.sh

set shell := ["bash", "-euo", "pipefail", "-c"]

# Figures that have a quick profile and a committed reference in results/quick/.
quick_figures := "fig3"

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

# Rerun every quick profile into a temp dir and compare with results/quick/ (non-zero exit on drift).
check-regression *FIGURES: build
    ./scripts/check-regression.sh {{ if FIGURES == "" { quick_figures } else { FIGURES } }}

# Compare two results CSVs with the tolerances of experiments/regression.toml.
compare REF NEW: build
    target/release/compare {{REF}} {{NEW}}

# Regenerate the quick-profile references in results/quick/ (on purpose: see README).
update-references *FIGURES: build
    for f in {{ if FIGURES == "" { quick_figures } else { FIGURES } }}; do ./scripts/figure.sh "$f" quick --force; done

# Write results/REPLICATION.md: every paper point, ours vs paper.
report: build
    target/release/report

# Fail when under 90% of the paper points (of the figures run) are within tolerance.
check-replication: build
    target/release/report --check

# Figure 4 (left), MSE vs lambda, on real MNIST: `just fig4_lambda` (paper profile), `just fig4_lambda quick`.
fig4_lambda *ARGS: build
    ./scripts/figure.sh fig4_lambda {{ARGS}}

# Figure 4 (middle), MSE vs number of targets: `just fig4_targets` (paper profile), `just fig4_targets quick`.
fig4_targets *ARGS: build
    ./scripts/figure.sh fig4_targets {{ARGS}}

# Figure 4 (right), MSE vs missing fraction: `just fig4_missing` (paper profile), `just fig4_missing quick`.
fig4_missing *ARGS: build
    ./scripts/figure.sh fig4_missing {{ARGS}}
