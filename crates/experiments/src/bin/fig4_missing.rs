//! `fig4_missing`: reproduces Figure 4 of Horn & Müller (2018), the MNIST RBF kernel, MSE vs the
//! missing fraction (see `experiments/fig4_missing.toml`).

use clap::Parser;
use experiments::cli::FigureArgs;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Figure 4 (right): SimEc MSE on the MNIST RBF kernel vs the fraction of missing targets,
/// with the mean-filled eigendecomposition and kernel PCA references.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    figure: FigureArgs,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match experiments::figures::fig4_missing::run(&cli.figure) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
