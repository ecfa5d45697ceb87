//! `report`: writes `results/REPLICATION.md` (our paper-profile MSEs beside the paper's, with the
//! distribution of our replicates) and `results/<figure>.summary.csv`; with
//! `--check` (`just check-replication`, run by CI) it writes nothing unless `--out` is given and
//! exits non-zero when a paper point has no result (a missing CSV, series or point), or the share
//! within tolerance is under `min_figure_share` in a figure or under `min_share` overall
//! (`experiments/replication.toml`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use experiments::reference::{default_reference_path, load_reference};
use experiments::report::{ReplicationTolerance, Report, Shares};
use experiments::results::{
    atomic_write, default_results_dir, summary_path, write_summary, ResultsFile,
};

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
    /// Where to write the Markdown report [default: <results-dir>/REPLICATION.md; with
    /// `--check`: nowhere].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Check only: fail on a paper point without a result or a share within tolerance under
    /// `min_figure_share` (per figure) or `min_share` (overall).
    #[arg(long)]
    check: bool,
}

fn run(cli: &Cli) -> Result<bool> {
    let paper = load_reference(&default_reference_path())?;
    let tolerance = ReplicationTolerance::load(&cli.tolerance)?;
    let report = Report::build(&cli.results_dir, &paper, tolerance)?;
    let out = match (&cli.out, cli.check) {
        (Some(out), _) => Some(out.clone()),
        (None, false) => Some(cli.results_dir.join("REPLICATION.md")),
        (None, true) => None,
    };
    if let Some(out) = &out {
        atomic_write(out, report.to_markdown().as_bytes())
            .with_context(|| format!("writing {}", out.display()))?;
        write_summaries(&cli.results_dir, &report)?;
    }
    for (id, c) in &report.figures {
        match c {
            Some(c) => println!(
                "{id:<16} {}/{} within; {}",
                c.within_count(),
                c.compared() + c.missing_ours.len(),
                Shares::of(c).interval_text()
            ),
            None => println!("{id:<16} not run"),
        }
    }
    println!("overall: {}", report.shares().1.interval_text());
    let (within, total) = report.total_share();
    println!(
        "overall: {within}/{total} paper points within tolerance ({:.1}%){}",
        if total == 0 {
            0.0
        } else {
            100.0 * within as f64 / total as f64
        },
        out.map_or_else(String::new, |o| format!("; wrote {}", o.display()))
    );
    if !cli.check {
        return Ok(true);
    }
    let failures = report.check();
    for f in &failures {
        eprintln!("check-replication: {f}");
    }
    Ok(failures.is_empty())
}

/// Writes `<figure>.summary.csv` beside every figure CSV of the report.
fn write_summaries(results_dir: &std::path::Path, report: &Report) -> Result<()> {
    for (id, c) in &report.figures {
        if c.is_none() {
            continue;
        }
        let rows = ResultsFile::open(results_dir.join(format!("{id}.csv")))?;
        let path = summary_path(results_dir, id);
        write_summary(&path, rows.rows()).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
