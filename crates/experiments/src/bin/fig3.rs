//! `fig3`: reproduces Figure 3 of Horn & Müller (2018) on MNIST (see `experiments/fig3.toml`).

use clap::Parser;
use experiments::cli::FigureArgs;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Figure 3: MSE of the reconstructed class-label similarity vs embedding dimension, for the
/// eigendecomposition, ED + ridge regression and linear / 2- / 5-hidden-layer SimEcs.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    figure: FigureArgs,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match experiments::figures::fig3::run(&cli.figure) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
