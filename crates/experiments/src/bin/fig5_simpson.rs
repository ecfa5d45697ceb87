//! `fig5_simpson`: reproduces the paper's figure on MNIST (configured by `experiments/fig5_simpson.toml`; `--help`).

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    experiments::figures::main::<experiments::figures::fig5_simpson::Fig5Profile>()
}
