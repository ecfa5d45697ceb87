//! `report`: writes `results/REPLICATION.md` (our paper-profile MSEs beside the paper's) and, with
//! `--check`, exits non-zero when the share within tolerance is under `min_share`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use experiments::reference::{default_reference_path, load_reference};
use experiments::report::{ReplicationTolerance, Report};
use experiments::results::{atomic_write, default_results_dir};

/// Replication report: every paper point, ours vs paper, per figure.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    /// Directory with the paper-profile result CSVs.
    #[arg(long, default_value_os_t = default_results_dir())]
    results_dir: PathBuf,
    /// Tolerance file.
    #[arg(long, default_value_os_t = ReplicationTolerance::default_path())]
    tolerance: PathBuf,
    /// Where to write the Markdown report [default: <results-dir>/REPLICATION.md].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Exit non-zero when the share of paper points within tolerance is under `min_share`.
    #[arg(long)]
    check: bool,
}

fn run(cli: &Cli) -> Result<bool> {
    let paper = load_reference(&default_reference_path())?;
    let tolerance = ReplicationTolerance::load(&cli.tolerance)?;
    let min_share = tolerance.min_share;
    let report = Report::build(&cli.results_dir, &paper, tolerance)?;
    let out = cli
        .out
        .clone()
        .unwrap_or_else(|| cli.results_dir.join("REPLICATION.md"));
    atomic_write(&out, report.to_markdown().as_bytes())
        .with_context(|| format!("writing {}", out.display()))?;
    let (within, total) = report.share();
    for (id, c) in &report.figures {
        match c {
            Some(c) => println!(
                "{id:<16} {}/{} within",
                c.within_count(),
                c.compared() + c.missing_ours.len()
            ),
            None => println!("{id:<16} not run"),
        }
    }
    let share = if total == 0 {
        0.0
    } else {
        within as f64 / total as f64
    };
    println!(
        "overall: {within}/{total} paper points within tolerance ({:.1}%); wrote {}",
        100.0 * share,
        out.display()
    );
    Ok(!cli.check || (total > 0 && share >= min_share))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("check-replication: share within tolerance is below the required minimum");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
