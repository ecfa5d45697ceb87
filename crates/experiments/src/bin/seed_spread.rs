//! `seed_spread RUN.csv...`: the run-to-run spread of each series over repeated runs of one
//! profile with different seeds (the replicates of one `--replicates N` run, or several CSVs),
//! and the tolerance it suggests for the `spread` tier of
//! `experiments/regression.toml`
//! ([`experiments::regression::SeriesSpread::suggested`]: 3 standard deviations, absolute or
//! relative to the value; deterministic series get `abs = 1e-12, rel = 1e-6`). `scripts/measure-tolerances.sh` runs the seeds and calls this.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Parser;
use experiments::regression::seed_spread;
use experiments::results::{ResultRow, ResultsFile};

/// Per-series seed spread of repeated runs, printed as regression.toml entries.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    /// Results CSVs of the same profile: one with several replicates, or one per seed; every
    /// replicate of every file is one run (at least 2 in all).
    runs: Vec<PathBuf>,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let mut runs: Vec<Vec<ResultRow>> = Vec::new();
    for path in &cli.runs {
        let file = ResultsFile::open(path)?;
        let mut ids: Vec<u32> = file.rows().iter().map(|r| r.replicate).collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            // Deterministic rows are stored once, as replicate 0: every run gets them.
            let run = file
                .rows()
                .iter()
                .filter(|r| r.replicate == id || (r.seed == 0 && r.replicate == 0))
                .cloned()
                .collect();
            runs.push(run);
        }
    }
    if runs.len() < 2 {
        bail!(
            "need at least 2 runs (replicates or CSVs with different seeds), got {}",
            runs.len()
        );
    }
    let mut figure = String::new();
    for s in seed_spread(&runs) {
        if s.figure != figure {
            println!("\n[spread.series.{}]", s.figure);
            figure = s.figure.clone();
        }
        let t = s.suggested();
        let entry = match (t.abs > 0.0, t.rel > 0.0) {
            (true, true) => format!("{{ abs = {:e}, rel = {:e} }}", t.abs, t.rel),
            (false, true) => format!("{{ rel = {:e} }}", t.rel),
            _ => format!("{{ abs = {:e} }}", t.abs),
        };
        println!(
            "# {} runs, {} points: max sd {:.2e}, max sd/mean {:.3}, range {:.1}x, max |mse| {:.3e}\n{} = {entry}",
            runs.len(),
            s.points,
            s.max_sd,
            s.max_rel_sd,
            s.dynamic_range,
            s.max_abs,
            s.series
        );
    }
    Ok(())
}
