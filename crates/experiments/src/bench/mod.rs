//! `bench`: timings of the real workloads of the replication (SimEc training epochs of Figures 3,
//! 4 and 7, the LAPACK eigendecompositions, the RBF kernel, the blocked MSE) against the machine's
//! measured sgemm / dgemm peak. `just bench` runs it and writes `results/bench.csv`.
//!
//! Every benchmark runs one warm-up, then `runs` timed repetitions; the CSV holds the median,
//! minimum and maximum, the FLOP count of one repetition (matrix products as `2 m n k`; elementwise
//! work is not counted unless the row's `timing` says so), the achieved GFLOP/s, and that as a share
//! of the measured peak of the same precision (`sgemm_peak` for the f32 SimEc epochs, `dgemm_peak`
//! for the f64 baselines). `/proc/loadavg` (1-minute) is recorded before and after each benchmark,
//! as timings on a loaded machine are not comparable.
//!
//! Rows are merged into an existing CSV by `(benchmark, backend)`, so `just bench NAME` refreshes
//! one row; the file is replaced atomically.

mod workloads;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::cli::BackendArg;
use crate::results::{atomic_write, git_commit, repo_root, MachineInfo};

pub use workloads::{simec_epoch_flops, Sizes};

/// Every benchmark, in run (and CSV) order.
pub const BENCHMARKS: [&str; 14] = [
    "sgemm_peak",
    "dgemm_peak",
    "fig3_2hl_epoch",
    "fig3_2hl_epoch_factored",
    "fig3_2hl_2points_intraop",
    "fig3_2hl_2points_pointpar",
    "fig4_n8000_epoch",
    "fig7_stacked_d100_epoch",
    "fig7_stacked_d100_epoch_s1factored",
    "eigen_top10_8000",
    "eigen_top10_8000_dsyevr",
    "eigen_full_5000",
    "rbf_kernel_10000",
    "mse_yyt_8000",
];

/// The CSV columns, in order.
pub const COLUMNS: [&str; 19] = [
    "benchmark",
    "backend",
    "median_s",
    "min_s",
    "max_s",
    "runs",
    "flops",
    "gflops",
    "peak_gflops",
    "pct_of_peak",
    "threads",
    "load_before",
    "load_after",
    "size",
    "data",
    "timing",
    "git_commit",
    "machine",
    "date",
];

/// One row of `results/bench.csv` (and of `results/bench-pytorch.csv`, same schema).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchRow {
    /// Benchmark name (see [`BENCHMARKS`]).
    pub benchmark: String,
    /// What ran it: `flex-cpu` (burn), `openblas`, `nalgebra-rayon`, `pytorch-cpu`, `scipy`, ...
    pub backend: String,
    /// Median seconds of one repetition.
    pub median_s: f64,
    /// Fastest repetition.
    pub min_s: f64,
    /// Slowest repetition.
    pub max_s: f64,
    /// Timed repetitions (after the warm-up).
    pub runs: usize,
    /// Floating-point operations of one repetition.
    pub flops: f64,
    /// `flops / median_s / 1e9`.
    pub gflops: f64,
    /// The measured peak of the same precision (GFLOP/s); empty for the peaks themselves.
    pub peak_gflops: Option<f64>,
    /// `100 * gflops / peak_gflops`.
    pub pct_of_peak: Option<f64>,
    /// Threads the workload could use.
    pub threads: usize,
    /// 1-minute load average before the benchmark.
    pub load_before: f64,
    /// 1-minute load average after it.
    pub load_after: f64,
    /// Problem size.
    pub size: String,
    /// Data source (`mnist`, `random`, ...).
    pub data: String,
    /// What one repetition is and how it was warmed up.
    pub timing: String,
    /// `git rev-parse HEAD` (with `-dirty`).
    pub git_commit: String,
    /// CPU model and count; for a backend other than `cpu`, then `; ` and its device description
    /// (the GPU or Vulkan adapter).
    pub machine: String,
    /// RFC 3339 UTC time of the measurement.
    pub date: String,
}

/// Command line of the `bench` binary.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    version,
    about = "Times the replication's real workloads (see crates/experiments/src/bench)"
)]
pub struct BenchArgs {
    /// Benchmarks to run (default: all); the word `quick` selects the small CI sizes instead.
    pub names: Vec<String>,
    /// Timed repetitions per benchmark (default: per benchmark, 3 to 5; 2 in quick mode).
    #[arg(long)]
    pub runs: Option<usize>,
    /// Output CSV (default results/bench.csv, quick: results/bench-quick.csv).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// MNIST directory (default: the usual search, see README "Data"); random data of the same
    /// shapes is used when MNIST is not found.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Use random data even when MNIST is available.
    #[arg(long)]
    pub random_data: bool,
    /// SimEc backend (`cpu` = burn flex; see the figure binaries' `--backend`).
    #[arg(long, value_parser = crate::cli::backend_parser(), default_value = "cpu")]
    pub backend: BackendArg,
    /// A CSV in the same schema (e.g. results/bench-pytorch.csv) to print side by side; default:
    /// results/bench-pytorch.csv when it exists.
    #[arg(long)]
    pub compare: Option<PathBuf>,
    /// List the benchmarks and exit.
    #[arg(long)]
    pub list: bool,
}

/// The 1-minute load average from `/proc/loadavg` (NaN when unavailable).
pub fn load_avg() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(f64::NAN)
}

/// Median, minimum and maximum of `times` (non-empty).
pub fn summarize(times: &[f64]) -> (f64, f64, f64) {
    let mut t = times.to_vec();
    t.sort_by(f64::total_cmp);
    let n = t.len();
    let median = if n % 2 == 1 {
        t[n / 2]
    } else {
        0.5 * (t[n / 2 - 1] + t[n / 2])
    };
    (median, t[0], t[n - 1])
}

/// Runs `f` once as a warm-up (when `warmup`), then `runs` times, returning the timed seconds.
pub fn time_runs(warmup: bool, runs: usize, mut f: impl FnMut() -> Result<()>) -> Result<Vec<f64>> {
    if warmup {
        f()?;
    }
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f()?;
        times.push(t.elapsed().as_secs_f64());
    }
    Ok(times)
}

/// What a workload measured, before the shared columns are filled in.
#[derive(Debug, Clone)]
pub struct Measured {
    pub backend: String,
    pub times: Vec<f64>,
    pub flops: f64,
    /// `Some(true)` = f32 (compared with `sgemm_peak`), `Some(false)` = f64, `None` = a peak.
    pub single: Option<bool>,
    pub threads: usize,
    pub size: String,
    pub data: String,
    pub timing: String,
}

/// Parses the positional names: `quick` and benchmark names (validated).
fn selection(names: &[String]) -> Result<(bool, Vec<&'static str>)> {
    let mut quick = false;
    let mut chosen = Vec::new();
    for n in names {
        if n == "quick" {
            quick = true;
            continue;
        }
        match BENCHMARKS.iter().find(|b| **b == n.as_str()) {
            Some(b) => chosen.push(*b),
            None => bail!(
                "unknown benchmark `{n}`; valid: quick, {}",
                BENCHMARKS.join(", ")
            ),
        }
    }
    let chosen = if chosen.is_empty() {
        BENCHMARKS.to_vec()
    } else {
        BENCHMARKS
            .iter()
            .copied()
            .filter(|b| chosen.contains(b))
            .collect()
    };
    Ok((quick, chosen))
}

/// Runs benchmark `name` and describes it as a row; the sgemm / dgemm peaks it measures are kept
/// in `peaks` for the later rows' share of peak.
fn measure_row(
    ctx: &mut workloads::Workloads,
    name: &str,
    peaks: &mut (Option<f64>, Option<f64>),
    commit: &str,
    machine: &str,
) -> Result<BenchRow> {
    let load_before = load_avg();
    let started = crate::results::format_rfc3339_utc(std::time::SystemTime::now());
    eprintln!("[bench] {name} ...");
    let m = ctx.run(name).with_context(|| format!("benchmark {name}"))?;
    let load_after = load_avg();
    let (median, min, max) = summarize(&m.times);
    let gflops = m.flops / median / 1e9;
    match name {
        "sgemm_peak" => peaks.0 = Some(gflops),
        "dgemm_peak" => peaks.1 = Some(gflops),
        _ => {}
    }
    let peak = match m.single {
        Some(true) => peaks.0,
        Some(false) => peaks.1,
        None => None,
    };
    let row = BenchRow {
        benchmark: name.to_string(),
        backend: m.backend,
        median_s: median,
        min_s: min,
        max_s: max,
        runs: m.times.len(),
        flops: m.flops,
        gflops,
        peak_gflops: peak,
        pct_of_peak: peak.map(|p| 100.0 * gflops / p),
        threads: m.threads,
        load_before,
        load_after,
        size: m.size,
        data: m.data,
        timing: m.timing,
        git_commit: commit.to_string(),
        machine: machine.to_string(),
        date: started,
    };
    eprintln!(
        "[bench] {name}: median {:.4} s ({:.1} GFLOP/s), load {:.2} -> {:.2}",
        row.median_s, row.gflops, load_before, load_after
    );
    Ok(row)
}

/// Runs the benchmarks of `args`, writes the CSV and prints the table.
///
/// # Errors
/// Unknown benchmark names, an unusable backend, workload failures, an unwritable output.
pub fn run(args: &BenchArgs) -> Result<()> {
    if args.list {
        for b in BENCHMARKS {
            println!("{b}");
        }
        return Ok(());
    }
    let (quick, chosen) = selection(&args.names)?;
    let out = args.out.clone().unwrap_or_else(|| {
        repo_root().join("results").join(if quick {
            "bench-quick.csv"
        } else {
            "bench.csv"
        })
    });
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::results::ensure_writable_dir(dir)
            .with_context(|| format!("output directory of {}", out.display()))?;
    }
    let device = args
        .backend
        .try_device()
        .context("starting the SimEc backend")?;
    let sizes = if quick { Sizes::quick() } else { Sizes::full() };
    let commit = git_commit(&repo_root());
    let info = MachineInfo::probe();
    let mut machine = format!("{} ({} cpus)", info.cpu_model, info.cpus);
    if args.backend != BackendArg::Cpu {
        // The accelerator the SimEc rows ran on (e.g. `wgpu: burn CubeCL wgpu, adapter NVIDIA H200`).
        machine = format!("{machine}; {}", args.backend.device_description());
    }
    let mut ctx = workloads::Workloads::new(workloads::Settings {
        sizes,
        quick,
        runs: args.runs,
        data_dir: args.data_dir.clone(),
        random: args.random_data,
        backend: args.backend.name(),
        device,
    });
    println!(
        "bench: {} benchmark(s){}, {} cpus, load {:.2}, output {}",
        chosen.len(),
        if quick { " (quick sizes)" } else { "" },
        info.cpus,
        load_avg(),
        out.display()
    );

    // The peaks are always measured: every other row is reported as a share of them.
    let mut peaks = (None, None);
    let mut rows: Vec<BenchRow> = Vec::new();
    let mut order: Vec<&str> = vec!["sgemm_peak", "dgemm_peak"];
    order.extend(chosen.iter().copied().filter(|b| !b.ends_with("_peak")));
    for name in order {
        let row = measure_row(&mut ctx, name, &mut peaks, &commit, &machine)?;
        rows.push(row);
        // Written after every benchmark: an interrupted run keeps what it finished.
        write_merged(&out, &rows)?;
    }
    println!();
    print_table(&rows);
    let compare = args.compare.clone().or_else(|| {
        let p = repo_root().join("results").join("bench-pytorch.csv");
        (!quick && p.exists()).then_some(p)
    });
    if let Some(path) = compare {
        let theirs = read_rows(&path).with_context(|| format!("reading {}", path.display()))?;
        println!();
        print_comparison(&read_rows(&out)?, &theirs, &path);
    }
    println!("\nwrote {}", out.display());
    Ok(())
}

/// Reads a bench CSV (same schema).
///
/// # Errors
/// Unreadable file or rows not in the schema.
pub fn read_rows(path: &Path) -> Result<Vec<BenchRow>> {
    let mut r = csv::Reader::from_path(path)?;
    let headers: Vec<String> = r.headers()?.iter().map(str::to_string).collect();
    if headers != COLUMNS {
        bail!(
            "{} has columns {:?}, expected {:?}",
            path.display(),
            headers,
            COLUMNS
        );
    }
    r.deserialize()
        .map(|row| row.map_err(anyhow::Error::from))
        .collect()
}

/// Replaces the rows of `new` (by benchmark and backend) in the CSV at `out`, keeping the others,
/// sorted by [`BENCHMARKS`] order; atomic.
fn write_merged(out: &Path, new: &[BenchRow]) -> Result<()> {
    let mut rows: Vec<BenchRow> = if out.exists() {
        match read_rows(out) {
            Ok(r) => r,
            Err(e) => {
                eprintln!(
                    "[bench] warning: replacing {} (not in the current schema: {e:#})",
                    out.display()
                );
                Vec::new()
            }
        }
    } else {
        Vec::new()
    };
    rows.retain(|r| {
        !new.iter()
            .any(|n| n.benchmark == r.benchmark && n.backend == r.backend)
    });
    rows.extend(new.iter().cloned());
    let rank = |b: &str| {
        BENCHMARKS
            .iter()
            .position(|x| *x == b)
            .unwrap_or(usize::MAX)
    };
    rows.sort_by(|a, b| {
        rank(&a.benchmark)
            .cmp(&rank(&b.benchmark))
            .then(a.backend.cmp(&b.backend))
    });
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in &rows {
        w.serialize(r)?;
    }
    let bytes = w.into_inner().context("serializing the bench CSV")?;
    atomic_write(out, &bytes)?;
    Ok(())
}

fn fmt_opt(v: Option<f64>, prec: usize) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v:.prec$}"))
}

/// Prints the rows as an aligned table.
pub fn print_table(rows: &[BenchRow]) {
    println!(
        "{:<27} {:<15} {:>10} {:>10} {:>10} {:>4} {:>9} {:>7} {:>11}  size / data",
        "benchmark", "backend", "median_s", "min_s", "max_s", "runs", "GFLOP/s", "%peak", "load"
    );
    for r in rows {
        println!(
            "{:<27} {:<15} {:>10.4} {:>10.4} {:>10.4} {:>4} {:>9.1} {:>7} {:>5.2}->{:<5.2}  {} / {}",
            r.benchmark,
            r.backend,
            r.median_s,
            r.min_s,
            r.max_s,
            r.runs,
            r.gflops,
            fmt_opt(r.pct_of_peak, 1),
            r.load_before,
            r.load_after,
            r.size,
            r.data
        );
    }
}

/// Prints ours beside another implementation's rows of the same benchmarks, with the speedup
/// `their median / our median`.
pub fn print_comparison(ours: &[BenchRow], theirs: &[BenchRow], path: &Path) {
    println!("side by side with {}:", path.display());
    println!(
        "{:<27} {:>10} {:<13} {:>10} {:>8}  {:>11} {:>11}",
        "benchmark", "ours_s", "other", "other_s", "speedup", "load ours", "load other"
    );
    for t in theirs {
        if let Some(o) = ours.iter().find(|o| o.benchmark == t.benchmark) {
            println!(
                "{:<27} {:>10.4} {:<13} {:>10.4} {:>7.2}x  {:>5.2}-{:<5.2} {:>5.2}-{:<5.2}",
                t.benchmark,
                o.median_s,
                t.backend,
                t.median_s,
                t.median_s / o.median_s,
                o.load_before,
                o.load_after,
                t.load_before,
                t.load_after
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(benchmark: &str, backend: &str, median: f64) -> BenchRow {
        BenchRow {
            benchmark: benchmark.into(),
            backend: backend.into(),
            median_s: median,
            min_s: median,
            max_s: median,
            runs: 1,
            flops: 1e9,
            gflops: 1.0 / median,
            peak_gflops: None,
            pct_of_peak: None,
            threads: 2,
            load_before: 0.5,
            load_after: 0.75,
            size: "n=1, with a comma".into(),
            data: "random".into(),
            timing: "t".into(),
            git_commit: "abc".into(),
            machine: "cpu (2 cpus)".into(),
            date: "2024-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn summary_is_median_min_max() {
        assert_eq!(summarize(&[3.0, 1.0, 2.0]), (2.0, 1.0, 3.0));
        assert_eq!(summarize(&[4.0, 1.0, 2.0, 3.0]), (2.5, 1.0, 4.0));
        assert_eq!(summarize(&[5.0]), (5.0, 5.0, 5.0));
    }

    #[test]
    fn selection_parses_quick_and_names_in_canonical_order() {
        let s = |v: &[&str]| selection(&v.iter().map(|x| x.to_string()).collect::<Vec<_>>());
        let (quick, all) = s(&[]).unwrap();
        assert!(!quick);
        assert_eq!(all, BENCHMARKS.to_vec());
        let (quick, some) = s(&["mse_yyt_8000", "quick", "fig3_2hl_epoch"]).unwrap();
        assert!(quick);
        assert_eq!(some, vec!["fig3_2hl_epoch", "mse_yyt_8000"]);
        let err = s(&["nope"]).unwrap_err().to_string();
        assert!(err.contains("unknown benchmark `nope`"), "{err}");
    }

    #[test]
    fn merged_csv_replaces_rows_by_benchmark_and_backend() {
        let dir = std::env::temp_dir().join(format!("simec-bench-merge-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("bench.csv");
        write_merged(
            &out,
            &[row("mse_yyt_8000", "a", 1.0), row("sgemm_peak", "a", 2.0)],
        )
        .unwrap();
        write_merged(
            &out,
            &[row("mse_yyt_8000", "a", 3.0), row("mse_yyt_8000", "b", 4.0)],
        )
        .unwrap();
        let rows = read_rows(&out).unwrap();
        let got: Vec<(&str, &str, f64)> = rows
            .iter()
            .map(|r| (r.benchmark.as_str(), r.backend.as_str(), r.median_s))
            .collect();
        assert_eq!(
            got,
            vec![
                ("sgemm_peak", "a", 2.0),
                ("mse_yyt_8000", "a", 3.0),
                ("mse_yyt_8000", "b", 4.0)
            ]
        );
        assert_eq!(rows[0], row("sgemm_peak", "a", 2.0));
        let header = std::fs::read_to_string(&out).unwrap();
        assert_eq!(header.lines().next().unwrap(), COLUMNS.join(","));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
