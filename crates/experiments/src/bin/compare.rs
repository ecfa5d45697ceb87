//! `compare REF.csv NEW.csv [--tier tight|spread]`: regression check of one results CSV against
//! a reference, with the tolerances of one tier of `experiments/regression.toml` (default
//! `tight`: same seed, same backend). Prints the CPU and backend each side was made on (from the
//! `.meta.toml` beside each CSV) and this machine's CPU. Exits 1 on any drift (a moved value, a
//! point or series missing on either side, a series without a tolerance), 2 on unreadable input,
//! an unknown tier, or another backend under a same-backend tier.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;
use experiments::regression::{
    check_backends, compare_results, Provenance, Tolerances, DEFAULT_TIER,
};
use experiments::results::{MachineInfo, ResultsFile};

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
    /// Tolerance tier of the tolerance file: `tight` (same seed and backend; CI) or `spread`
    /// (seed spread; across backends).
    #[arg(long, default_value = DEFAULT_TIER)]
    tier: String,
}

fn run(cli: &Cli) -> Result<bool> {
    let tolerances = Tolerances::load(&cli.tolerances, &cli.tier)?;
    if !cli.reference.exists() {
        anyhow::bail!("reference {} does not exist", cli.reference.display());
    }
    if !cli.new.exists() {
        anyhow::bail!("new results {} do not exist", cli.new.display());
    }
    let reference = ResultsFile::open(&cli.reference)?;
    let new = ResultsFile::open(&cli.new)?;
    let ref_from = Provenance::of(&cli.reference, reference.rows())?;
    let new_from = Provenance::of(&cli.new, new.rows())?;
    println!(
        "reference {ref_from}\nnew       {new_from}\nthis machine: cpu {}",
        MachineInfo::probe().cpu_model
    );
    check_backends(&cli.tier, &tolerances, &ref_from, &new_from)?;
    let report = compare_results(reference.rows(), new.rows(), &tolerances);
    println!(
        "{} vs {} ({} tier):\n{report}",
        cli.new.display(),
        cli.reference.display(),
        cli.tier
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
