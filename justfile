# simec: Similarity Encoders (Horn & Müller 2018) in Rust. `just --list` shows every recipe.
# On a fresh clone `just fig3` and `just test` set up what they need themselves (`setup`, MNIST).

set shell := ["bash", "-euo", "pipefail", "-c"]

# Figures that have a quick profile and a committed reference in results/quick/ checked by CI.
quick_figures := "fig3 fig4_lambda fig4_targets fig4_missing fig5_simpson fig6_nonmetric fig7_s1s2"
bins := "target/release"
# Every figure binary, in the paper's order.
all_figures := "fig3 fig4_lambda fig4_targets fig4_missing fig5_simpson fig6_nonmetric fig7_s1s2"

# List the recipes.
default:
    @just --list

# Install what the machine lacks (OpenBLAS and curl via apt, sudo when not root); silent and instant once done.
setup:
    @./scripts/setup.sh

# Build every binary in release mode.
build:
    cargo build --release --bins

# Figure 3 on real MNIST (downloaded into data/mnist if no copy is found): `just fig3`, `just fig3 quick`, extra flags pass through.
fig3 *ARGS: setup build
    ./scripts/figure.sh fig3 {{ARGS}}

# Figure 3, quick profile (CI-sized, < 2 minutes).
fig3-quick *ARGS: (fig3 "quick" ARGS)

# Run the whole test suite (release mode: the numerical tests need optimized code).
test: setup
    cargo test --release --workspace

# Formatting and lints, as CI expects them.
lint:
    cargo fmt --all -- --check
    cargo clippy --release --workspace --all-targets -- -D warnings

# Download the four MNIST files into data/mnist and verify them (runs do this on their own when needed).
data: setup
    ./scripts/download-mnist.sh

# Rerun the quick profiles (all, or those given) and compare with results/quick/; tight tier (CI) by default, `--tier spread` across backends.
check-regression *ARGS: build
    ./scripts/check-regression.sh {{ if ARGS =~ '^(--tier[ =][a-z]+)?$' { ARGS + " " + quick_figures } else { ARGS } }}

# Compare two results CSVs with the tolerances of experiments/regression.toml (`--tier spread` across backends).
compare REF NEW *ARGS: build
    target/release/compare {{REF}} {{NEW}} {{ARGS}}

# Mutation testing (cargo-mutants, .cargo/mutants.toml; not in CI, hours): centering, kPCA, ridge, regularizers (and their host kernels), loss; see results/mutants/SUMMARY.md.
check-mutants OUT="/tmp/simec-mutants":
    command -v cargo-mutants >/dev/null || cargo install --locked cargo-mutants
    # Mutants are applied in place in a copy of this tree (`cp -a` keeps target/'s timestamps, so the built dependencies stay fresh).
    rm -rf {{OUT}} && mkdir -p {{OUT}} && cp -a . {{OUT}}/tree && rm -rf {{OUT}}/tree/.git
    -cd {{OUT}}/tree && nice -n 10 cargo mutants --in-place --timeout 300 --build-timeout 1800 -o {{OUT}}/baselines -f crates/baselines/src/center.rs -f crates/baselines/src/kpca.rs -f 'crates/baselines/src/ridge/*.rs' -C --lib -C --test=kpca -C --test=ridge -C --test=spectral -- -- --skip large_top_k_and_bottom_k_agree_with_dsyevr --skip full_decomposition --skip top_k_and_bottom_k_match
    # CARGO_INCREMENTAL: each simec mutant recompiles only what changed (about 20 s of CPU instead of 45).
    -cd {{OUT}}/tree && CARGO_INCREMENTAL=1 nice -n 10 cargo mutants --in-place --timeout 60 --build-timeout 1800 -o {{OUT}}/simec -f crates/simec/src/regularizers.rs -f crates/simec/src/training.rs -C --lib -C --test=fit -C --test=extensions -C --test=torch_options
    # The host kernels are checked by their unit tests (bit for bit against the scalar loop, value and gradient against the tensor form).
    -cd {{OUT}}/tree && CARGO_INCREMENTAL=1 nice -n 10 cargo mutants --in-place --timeout 60 --build-timeout 1800 -o {{OUT}}/simec-kernels -f crates/simec/src/streamed.rs -f crates/simec/src/streamed_masked.rs -C --lib
    cat {{OUT}}/*/mutants.out/missed.txt

# Regenerate the quick-profile references in results/quick/ (on purpose: see README).
update-references *FIGURES: build
    for f in {{ if FIGURES == "" { quick_figures } else { FIGURES } }}; do ./scripts/figure.sh "$f" quick --force; done

# Seed spread of quick profiles (one run with replicates 0..4, i.e. base seeds 42..46; SEEDS=N to change): prints the spread-tier tolerances it suggests for experiments/regression.toml.
measure-tolerances +FIGURES: build
    ./scripts/measure-tolerances.sh {{FIGURES}}

# Write results/REPLICATION.md: every paper point, ours vs paper.
report: build
    target/release/report

# Apply each planted bug (scripts/planted/*.patch, or NAMES) in a scratch worktree; fail unless check-regression catches all (~47 min; not in CI).
check-planted *NAMES: build
    ./scripts/planted/run.sh {{NAMES}}

# Fail on a paper point without a result or a share within tolerance under replication.toml's minimum (per figure, overall); CI runs it.
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

# Once: PyTorch 2.9.0 (libtorch for `--backend tch-*`) into .venv-tch; ~6.7 GB with the CUDA wheels, 4-7 min.
setup-tch:
    ./scripts/setup-tch.sh

# Build every figure binary with the libtorch backend into target/tch/ (`just fig3 --backend tch-cpu` runs it).
build-tch:
    ./scripts/with-tch.sh cargo build --release --features experiments/tch -p experiments --bins

# Cross-backend agreement (flex vs libtorch CPU) and the experiments tests on a tch build; by hand, not in CI.
test-tch:
    ./scripts/with-tch.sh cargo test --release --features experiments/tch -p experiments --test backends
    ./scripts/with-tch.sh cargo test --release --features experiments/tch -p experiments --lib

# Build every figure binary with burn's CUDA backend into target/cuda/ (running needs an NVIDIA GPU + driver).
build-cuda:
    CARGO_TARGET_DIR=target/cuda cargo build --release --features experiments/cuda -p experiments --bins

# Build every binary (figures, bench, simec) with burn's wgpu backend into target/wgpu/ (~16 min fresh on 2 idle cores; `--backend wgpu` runs on any Vulkan device).
build-wgpu:
    CARGO_TARGET_DIR=target/wgpu cargo build --release --workspace --bins --features experiments/wgpu,simec-cli/wgpu

# Flex vs wgpu agreement tests on the default Vulkan device (not in CI, see BACKENDS.md); installs the Vulkan loader and Mesa's software driver lavapipe via apt when missing.
test-wgpu:
    ./scripts/setup.sh vulkan
    CARGO_TARGET_DIR=target/wgpu cargo test --release --workspace --features experiments/wgpu,simec-cli/wgpu --test backends

# Workloads: SimEc epochs of Figures 3/4/7, eigen top-10 / full, RBF kernel, blocked MSE, against the
# measured sgemm/dgemm peak; `just bench NAME...` runs only those, `just bench quick` is a CI smoke test.
# Times the real workloads into results/bench.csv (`just bench`, `just bench NAME...`, `just bench quick`).
bench *ARGS: build
    target/release/bench {{ARGS}}

# PYTHON (default python3) needs torch, numpy and scipy, e.g. a venv outside the repository:
# How a SimEc epoch's time and peak memory grow with n (dense vs factored S_ll, one process per row, n up to 32000; about 10 minutes): results/scaling.csv and figures/scaling.png.
bench-scaling *ARGS: build
    target/release/bench --scaling {{ARGS}}

# `python3 -m venv /tmp/torchbench && /tmp/torchbench/bin/pip install torch numpy scipy`.
# The same workloads in PyTorch CPU / SciPy / NumPy into results/bench-pytorch.csv (PYTHON=... just bench-pytorch).
bench-pytorch *ARGS:
    ${PYTHON:-python3} bench/pytorch_reference.py {{ARGS}}

# The n-scaling sweep of the original PyTorch SimEc's dense path (bench/pytorch_scaling.py; PYTHON as above) into results/scaling-pytorch.csv, then figures/scaling.png redrawn with it.
bench-pytorch-scaling *ARGS: build
    ${PYTHON:-python3} bench/pytorch_scaling.py {{ARGS}}
    target/release/bench --scaling-redraw

# Figure 5, MNIST 0/7 Simpson embeddings (scatter plots, spectrum): `just fig5_simpson` (paper profile), `just fig5_simpson quick`.
fig5_simpson *ARGS: build
    ./scripts/figure.sh fig5_simpson {{ARGS}}

# Figure 6, non-metric Simpson MSE vs d: `just fig6_nonmetric` (paper profile), `just fig6_nonmetric quick`.
fig6_nonmetric *ARGS: build
    ./scripts/figure.sh fig6_nonmetric {{ARGS}}

# Figure 7, SimEcs on S1, S2, S1 + S2 and the stack [S1, S2]: `just fig7_s1s2` (paper profile), `just fig7_s1s2 quick`.
fig7_s1s2 *ARGS: build
    ./scripts/figure.sh fig7_s1s2 {{ARGS}}

# `simec` command-line tool on your own data: exports a small MNIST subset (1000 train / 500 test) as CSV, fits a SimEc, embeds the held-out points and prints their MSE (< 1 minute after the build).
example-cli out="target/example-cli":
    cargo build --release -p simec-cli
    cargo build --release -p experiments --example export_cli_example
    {{bins}}/examples/export_cli_example --out {{out}} --train 1000 --test 500
    time {{bins}}/simec fit --features {{out}}/X_train.csv --targets {{out}}/S_train.csv --embedding-dim 10 --s-ll-reg 1 --l2-reg-emb 1e-3 --lr 0.003 --epochs 40 --validation-fraction 0.1 --embed-out {{out}}/Y_train.csv --out {{out}}/model --force
    {{bins}}/simec transform --model {{out}}/model --features {{out}}/X_test.csv --out {{out}}/Y_test.csv
    @echo "all 1000 training rows (incl. the 10% validation rows):" && {{bins}}/simec evaluate --embedding {{out}}/Y_train.csv --similarity {{out}}/S_train.csv
    @echo "held-out test points:" && {{bins}}/simec evaluate --embedding {{out}}/Y_test.csv --similarity {{out}}/S_test.csv

# Merge the fragments of a sharded run (`--shard I/N`) into the figure's CSV, metadata, summary and drawing: `just merge fig3 paper --replicates 5`, `just merge all quick`.
merge FIGURE *ARGS: build
    for f in {{ if FIGURE == "all" { all_figures } else { FIGURE } }}; do ./scripts/figure.sh "$f" {{ARGS}} --merge; done

# Submit a sharded run to Slurm, an array of N shard tasks and the merge job: `just slurm fig3 8 paper --replicates 5` (README "Running on a cluster").
slurm FIGURE N *ARGS:
    ./scripts/slurm/submit.sh {{FIGURE}} {{N}} {{ARGS}}

# A private single-node Slurm cluster (installs slurm-wlm; needs root) runs fig3 quick as a 4-task array and merge, one task cancelled and resubmitted, and checks the merged CSV against a single process bit for bit.
test-slurm *ARGS: setup
    ./scripts/slurm/test-cluster.sh {{ARGS}}

# Time `all-figures` (paper profiles, one seed) end to end in a fresh clone at DIR: `just time-all-figures /tmp/allfig` writes DIR/timing.csv (README "All figures").
time-all-figures DIR: build
    ./scripts/time-all-figures.sh {{DIR}}

# Every figure (3 to 7) in turn: `just all-figures` (paper profiles, hours on 2 cores; resumes),
# `just all-figures quick`; then the replication report.
all-figures *ARGS: build
    for f in {{all_figures}}; do ./scripts/figure.sh "$f" {{ARGS}}; done
    {{ if ARGS == "" { "target/release/report" } else { "true" } }}
