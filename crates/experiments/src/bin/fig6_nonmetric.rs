//! `fig6_nonmetric`: reproduces Figure 6 of Horn & Müller (2018) on MNIST 0/7 (see `experiments/fig6_nonmetric.toml`).

use clap::Parser;
use experiments::cli::FigureArgs;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Figure 6: MSE of the reconstructed non-metric Simpson similarity vs embedding dimension, for the largest-positive and absolute-largest eigenvalue approximations and a SimEc's Y W_l.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    figure: FigureArgs,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match experiments::figures::fig6_nonmetric::run(&cli.figure) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
