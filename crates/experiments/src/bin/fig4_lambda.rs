//! `fig4_lambda`: reproduces the paper's figure on MNIST (configured by `experiments/fig4_lambda.toml`; `--help`).

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    experiments::figures::main::<experiments::figures::fig4_lambda::Fig4LambdaProfile>()
}
