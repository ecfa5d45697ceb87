//! `fig4_lambda`: reproduces Figure 4 of Horn & Müller (2018), the MNIST RBF kernel, MSE vs lambda
//! (see `experiments/fig4_lambda.toml`).

use clap::Parser;
use experiments::cli::FigureArgs;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Figure 4 (left): SimEc MSE on the MNIST RBF kernel vs the S_ll regularizer strength lambda
/// (Y Y^T and Y W_l against K, K_test_train and K_test).
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    figure: FigureArgs,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match experiments::figures::fig4_lambda::run(&cli.figure) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
