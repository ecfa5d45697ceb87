//! `fig3`: reproduces the paper's figure on MNIST (configured by `experiments/fig3.toml`; `--help`).

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    experiments::figures::main::<experiments::figures::fig3::Fig3Profile>()
}
