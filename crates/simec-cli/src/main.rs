//! `simec`: fit Similarity Encoders on your own CSV / NPY data and apply them to new points.
//! Run `simec --help` and `simec <command> --help`; the subcommands live in the `simec_cli`
//! library, one module each.

// Functions stay under 80 lines (clippy.toml); the limit is for the sources, not the tests.
#![warn(clippy::too_many_lines)]

use clap::Parser;
use simec_cli::args::{Cli, Command};
use simec_cli::{apply, evaluate, fit, info};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // Rust ignores SIGPIPE, so printing into a closed pipe (`simec info ... | head -1`) would panic;
    // restore the default: the process ends quietly like other command-line tools.
    #[cfg(unix)]
    // SAFETY: called once at start-up, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Fit(args) => fit::run(*args),
        Command::Transform(args) => apply::run(args, false),
        Command::Predict(args) => apply::run(args, true),
        Command::Info(args) => info::run(args),
        Command::Evaluate(args) => evaluate::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
