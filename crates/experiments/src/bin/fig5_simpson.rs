//! `fig5_simpson`: reproduces Figure 5 of Horn & Müller (2018) on MNIST 0/7 (see `experiments/fig5_simpson.toml`).

use clap::Parser;
use experiments::cli::FigureArgs;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Figure 5: 2-dim embeddings of MNIST 0/7 under the non-metric Simpson similarity (2 largest eigenvalues, 2 most negative, a SimEc on S1 + S2) as scatter plots with digit thumbnails, plus the eigenvalue spectrum.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    figure: FigureArgs,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match experiments::figures::fig5_simpson::run(&cli.figure) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
