//! `compare REF.csv NEW.csv [--tier tight|spread]`: regression check of one results CSV against
//! a reference, with the tolerances of one tier of `experiments/regression.toml` (default
//! `tight`: same seed, same backend). Prints the CPU and backend each side was made on (from the
//! `.meta.toml` beside each CSV) and this machine's CPU. Exits 1 on any drift (a moved value, a
//! point or series missing on either side, a series without a tolerance), 2 on unreadable input,
//! an unknown tier, or another backend under a same-backend tier.
//!
//! `compare REF.csv VARIANT.csv --seed-spread`: a same-seed comparison instead. REF holds at least
//! three replicates of a profile, VARIANT the same profile with one change (e.g. a truncated S_ll)
//! and the same seeds per replicate; prints a Markdown table of every trained point's change against REF's
//! seed standard deviation there, and exits 1 unless each moved by less than one sd and every
//! deterministic point is unchanged (issue 18's rule for a truncation in a paper profile).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;
use experiments::regression::{
    check_backends, compare_results, compare_to_seed_spread, Provenance, Tolerances, DEFAULT_TIER,
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
    /// Judge NEW (a variant run with REFERENCE's seeds, replicate by replicate) by REFERENCE's seed spread instead of
    /// a tolerance tier.
    #[arg(long)]
    seed_spread: bool,
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
    if cli.seed_spread {
        let report = compare_to_seed_spread(reference.rows(), new.rows())?;
        println!(
            "{} (variant) vs {} (seed spread):\n\n{report}",
            cli.new.display(),
            cli.reference.display()
        );
        return Ok(report.passed());
    }
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
