//! `fig7_s1s2`: reproduces the paper's figure on MNIST (configured by `experiments/fig7_s1s2.toml`; `--help`).

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    experiments::figures::main::<experiments::figures::simpson::Fig7Profile>()
}
