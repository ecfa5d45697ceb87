//! `bench`: timings of the real workloads of the replication (SimEc training epochs of Figures 3,
//! 4 and 7, the LAPACK eigendecompositions, the RBF kernel, the blocked MSE) against the machine's
//! measured sgemm / dgemm peak. `just bench` runs it and writes `results/bench.csv`.
//!
//! Every benchmark runs one warm-up, then `runs` timed repetitions; the CSV holds the median,
//! minimum and maximum, the FLOP count of one repetition (matrix products as `2 m n k`; elementwise
//! work is not counted unless the row's `timing` says so), the achieved GFLOP/s, and that as a share
//! of the measured peak of the same precision (`sgemm_peak` for the f32 SimEc epochs, `dgemm_peak`
//! for the f64 baselines); likewise the bytes one repetition must move at least, the achieved GB/s
//! and that as a share of the measured streaming read bandwidth (`stream_read`). `/proc/loadavg` (1-minute) is recorded before and after each benchmark,
//! as timings on a loaded machine are not comparable.
//!
//! Rows are merged into an existing CSV by `(benchmark, backend)`, so `just bench NAME` refreshes
//! one row; the file is replaced atomically.

mod rows;
pub mod scaling;
mod workloads;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::cli::BackendArg;
use crate::results::{git_commit, repo_root, MachineInfo};

use rows::write_merged;
pub use rows::{print_comparison, print_table, read_rows, BenchRow, COLUMNS};
pub use workloads::{simec_epoch_bytes, simec_epoch_flops, Sizes};

/// Every benchmark, in run (and CSV) order.
pub const BENCHMARKS: [&str; 17] = [
    "sgemm_peak",
    "dgemm_peak",
    "stream_read",
    "fig3_2hl_epoch",
    "fig3_2hl_epoch_factored",
    "fig3_2hl_2points_intraop",
    "fig3_2hl_2points_pointpar",
    "fig4_n8000_epoch",
    "fig4_missing_f09_epoch",
    "fig7_stacked_d100_epoch",
    "fig7_stacked_d100_epoch_s1factored",
    "fig7_stacked_d100_epoch_s2rank1000",
    "eigen_top10_8000",
    "eigen_top10_8000_dsyevr",
    "eigen_full_5000",
    "rbf_kernel_10000",
    "mse_yyt_8000",
];

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
    /// Instead of the benchmarks: the n-scaling sweep of a SimEc epoch, dense and factored S_ll
    /// (one process per row), into results/scaling.csv and figures/scaling.png.
    #[arg(long, conflicts_with = "names")]
    pub scaling: bool,
    /// The sweep's numbers of targets (default 1000,2000,4000,8000,16000,32000).
    #[arg(long, value_delimiter = ',', requires = "scaling")]
    pub scaling_ns: Vec<usize>,
    /// One row of the sweep, `dense:N` or `factored:N`, printed as CSV (the sweep runs each row
    /// in its own process so that its peak memory is its own).
    #[arg(long, hide = true)]
    pub scaling_row: Option<String>,
    /// Instead of measuring: redraw figures/scaling.png from results/scaling.csv and, when it
    /// exists, the PyTorch sweep's results/scaling-pytorch.csv (`just bench-pytorch-scaling`).
    #[arg(long, conflicts_with_all = ["scaling", "scaling_row"])]
    pub scaling_redraw: bool,
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
    /// Bytes one repetition must move at least (see [`BenchRow::bytes`]).
    pub bytes: f64,
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

/// The run's measured peaks: sgemm and dgemm GFLOP/s, streaming read GB/s.
#[derive(Debug, Default, Clone, Copy)]
struct Peaks {
    sgemm: Option<f64>,
    dgemm: Option<f64>,
    stream: Option<f64>,
}

/// The benchmarks that measure a peak, run first whatever the selection: every other row is
/// reported as a share of them.
const PEAK_BENCHMARKS: [&str; 3] = ["sgemm_peak", "dgemm_peak", "stream_read"];

/// Runs benchmark `name` and describes it as a row; the peaks it measures are kept in `peaks`
/// for the later rows' shares of peak.
fn measure_row(
    ctx: &mut workloads::Workloads,
    name: &str,
    peaks: &mut Peaks,
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
    let gbytes = m.bytes / median / 1e9;
    match name {
        "sgemm_peak" => peaks.sgemm = Some(gflops),
        "dgemm_peak" => peaks.dgemm = Some(gflops),
        "stream_read" => peaks.stream = Some(gbytes),
        _ => {}
    }
    let peak = match m.single {
        Some(true) => peaks.sgemm,
        Some(false) => peaks.dgemm,
        None => None,
    };
    let bandwidth = if m.single.is_some() {
        peaks.stream
    } else {
        None
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
        bytes: Some(m.bytes),
        gbytes_per_s: Some(gbytes),
        peak_gbytes_per_s: bandwidth,
        pct_of_bandwidth: bandwidth.map(|b| 100.0 * gbytes / b),
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
        "[bench] {name}: median {:.4} s ({:.1} GFLOP/s, {:.2} GB/s), load {:.2} -> {:.2}",
        row.median_s, row.gflops, gbytes, load_before, load_after
    );
    Ok(row)
}

/// Runs the benchmarks of `args`, writes the CSV and prints the table.
///
/// # Errors
/// Unknown benchmark names, an unusable backend, workload failures, an unwritable output.
pub fn run(args: &BenchArgs) -> Result<()> {
    if args.scaling || args.scaling_row.is_some() || args.scaling_redraw {
        return scaling::run(args);
    }
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
    let mut peaks = Peaks::default();
    let mut rows: Vec<BenchRow> = Vec::new();
    let mut order: Vec<&str> = PEAK_BENCHMARKS.to_vec();
    order.extend(
        chosen
            .iter()
            .copied()
            .filter(|b| !PEAK_BENCHMARKS.contains(b)),
    );
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
