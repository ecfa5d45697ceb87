//! `fig7_s1s2`: reproduces Figure 7 of Horn & Müller (2018) on MNIST 0/7 (see `experiments/fig7_s1s2.toml`).

use clap::Parser;
use experiments::cli::FigureArgs;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Figure 7: S = S1 - S2 split by eigenvalue sign; MSE vs embedding dimension of SimEcs trained on S1, S2, S1 + S2 and the stack [S1, S2], scored against S1 and S2, beside their eigendecompositions.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    figure: FigureArgs,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match experiments::figures::fig7_s1s2::run(&cli.figure) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
