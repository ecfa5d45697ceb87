//! `fig4_targets`: reproduces Figure 4 of Horn & Müller (2018), the MNIST RBF kernel, MSE vs the
//! number of targets (see `experiments/fig4_targets.toml`).

use clap::Parser;
use experiments::cli::FigureArgs;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Figure 4 (middle): SimEc MSE on the MNIST RBF kernel vs the number of target columns n,
/// with the 10-component kernel PCA reference.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    figure: FigureArgs,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match experiments::figures::fig4_targets::run(&cli.figure) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
