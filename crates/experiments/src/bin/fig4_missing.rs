//! `fig4_missing`: reproduces the paper's figure on MNIST (configured by `experiments/fig4_missing.toml`; `--help`).

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    experiments::figures::main::<experiments::figures::fig4_missing::Fig4MissingProfile>()
}
