//! `compare REF.csv NEW.csv`: regression check of one results CSV against a reference, with the
//! per-series tolerances of `experiments/regression.toml`. Exits 1 on any drift (a moved value, a
//! point or series missing on either side, a series without a tolerance), 2 on unreadable input.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;
use experiments::regression::{compare_results, Tolerances};
use experiments::results::ResultsFile;

/// Compare a results CSV against a reference CSV.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    /// The reference results (e.g. results/quick/fig3.csv).
    reference: PathBuf,
    /// The new results.
    new: PathBuf,
    /// Per-series tolerances.
    #[arg(long, default_value_os_t = Tolerances::default_path())]
    tolerances: PathBuf,
}

fn run(cli: &Cli) -> Result<bool> {
    let tolerances = Tolerances::load(&cli.tolerances)?;
    if !cli.reference.exists() {
        anyhow::bail!("reference {} does not exist", cli.reference.display());
    }
    if !cli.new.exists() {
        anyhow::bail!("new results {} do not exist", cli.new.display());
    }
    let reference = ResultsFile::open(&cli.reference)?;
    let new = ResultsFile::open(&cli.new)?;
    let report = compare_results(reference.rows(), new.rows(), &tolerances);
    println!(
        "{} vs {}:\n{report}",
        cli.new.display(),
        cli.reference.display()
    );
    Ok(report.passed())
}

fn main() -> ExitCode {
    match run(&Cli::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
