//! `fig6_nonmetric`: reproduces the paper's figure on MNIST (configured by `experiments/fig6_nonmetric.toml`; `--help`).

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    experiments::figures::main::<experiments::figures::simpson::Fig6Profile>()
}
