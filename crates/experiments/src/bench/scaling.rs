//! `bench --scaling` (`just bench-scaling`): how a SimEc training epoch's time and peak memory
//! grow with the number of targets n, for a dense S_ll and a factored one of fixed rank, written
//! to `results/scaling.csv` and drawn as `figures/scaling.{svg,png}` (log-log, with O(n^2) and
//! O(n) reference slopes).
//!
//! The model is Figure 4's (784-1000-10, tanh, batch 32, s_ll_reg 1), trained on random inputs,
//! targets `[m, n]` and S_ll (the cost does not depend on the values). One row is one process
//! (`--scaling-row PATH:N`, spawned by the sweep) so that its peak resident memory (`VmHWM`) is
//! that row's alone. Each row times [`REPEATS`] epochs of [`STEPS`] steps after a warm-up epoch
//! of as many, and reports their median scaled to an epoch of m = 8000 rows (250 steps), Figure
//! 4's size: per step the network and output layer cost O(n) and the dense s_ll term O(n^2), the
//! factored one O(n r).

use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use simec::{Activation, HiddenLayer, SimecParams, SllTarget};

use super::workloads::{epochs_of_fit, Rng};
use super::{load_avg, BenchArgs};
use crate::plot::{draw_panels, LinePlot, LineSeries, PANEL_SIZE};
use crate::results::{atomic_write, format_rfc3339_utc, git_commit, repo_root, MachineInfo};

/// The swept numbers of targets.
pub const SCALING_NS: [usize; 6] = [1000, 2000, 4000, 8000, 16_000, 32_000];
/// Rank of the factored S_ll.
pub const FACTORED_RANK: usize = 100;
/// Steps per timed epoch (and of the warm-up epoch).
pub const STEPS: usize = 20;
/// Timed epochs per row; the row reports their median.
pub const REPEATS: usize = 3;
/// Rows of the epoch the timings are scaled to (Figure 4: m = 8000, 250 steps of 32).
pub const EPOCH_ROWS: usize = 8000;
const BATCH: usize = 32;
const EMBEDDING_DIM: usize = 10;

/// One row of `results/scaling.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScalingRow {
    /// `dense` or `factored`.
    pub path: String,
    /// Number of targets (columns of the targets, order of S_ll).
    pub n: usize,
    /// Rank of the factored S_ll (empty for dense).
    pub rank: Option<usize>,
    /// Steps per timed epoch.
    pub steps: usize,
    /// Timed epochs (after one warm-up epoch).
    pub repeats: usize,
    /// Median seconds of a timed epoch of `steps` steps.
    pub steps_s: f64,
    /// Fastest and slowest timed epoch.
    pub min_s: f64,
    pub max_s: f64,
    /// `steps_s` scaled to an epoch of [`EPOCH_ROWS`] rows.
    pub epoch_s: f64,
    /// Peak resident memory of the row's process (`VmHWM`), bytes.
    pub peak_rss_bytes: u64,
    /// Mean training loss of the timed epoch (penalties included).
    pub loss: f64,
    /// SimEc backend.
    pub backend: String,
    /// Threads of the process's rayon pool.
    pub threads: usize,
    /// 1-minute load average before and after the row.
    pub load_before: f64,
    pub load_after: f64,
    /// `git rev-parse HEAD` (with `-dirty`).
    pub git_commit: String,
    /// CPU model and count.
    pub machine: String,
    /// RFC 3339 UTC time of the measurement.
    pub date: String,
}

/// Parses `PATH:N` (`dense:8000`, `factored:32000`).
fn parse_row_spec(spec: &str) -> Result<(bool, usize)> {
    let (path, n) = spec
        .split_once(':')
        .with_context(|| format!("`{spec}` is not PATH:N (e.g. dense:8000)"))?;
    let factored = match path {
        "dense" => false,
        "factored" => true,
        other => bail!("unknown S_ll path `{other}` in `{spec}`: dense or factored"),
    };
    let n: usize = n
        .parse()
        .with_context(|| format!("n = `{n}` in `{spec}` is not a positive integer"))?;
    if n < FACTORED_RANK {
        bail!("n = {n} in `{spec}` is below the factored rank {FACTORED_RANK}");
    }
    Ok((factored, n))
}

/// Peak resident memory of this process (`VmHWM` of `/proc/self/status`), bytes; 0 if unknown.
fn peak_rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// Measures one row in this process: `spec` is `PATH:N`. Prints it as a one-row CSV on stdout.
///
/// # Errors
/// A malformed spec, model errors, the device.
pub fn run_row(spec: &str, backend: &crate::cli::BackendArg) -> Result<()> {
    let (factored, n) = parse_row_spec(spec)?;
    let device = backend.try_device()?;
    let m = STEPS * BATCH;
    let mut noise = Rng(0x9E37_79B9_7F4A_7C15 ^ n as u64);
    let x = simec::Matrix::from_fn(m, 784, |_, _| noise.uniform_f32()); // [m, 784]
    let targets = simec::Matrix::from_fn(m, n, |_, _| noise.uniform_f32()); // [m, n]
    let dense;
    let factors;
    let s_ll = if factored {
        let u = simec::Matrix::from_fn(n, FACTORED_RANK, |_, _| {
            noise.uniform_f32() / (n as f32).sqrt()
        });
        let lambda = (0..FACTORED_RANK).map(|i| 1.0 / (1 + i) as f32).collect();
        factors = simec::SllFactorsParams::new(u, lambda, 1e-3).check()?;
        SllTarget::factored(&factors)
    } else {
        // Symmetric: entry (i, j) from the pair's own seed.
        dense = simec::Matrix::from_fn(n, n, |i, j| {
            let (a, b) = (i.min(j) as u64, i.max(j) as u64);
            Rng((a << 32 | b) ^ 0xD1B5_4A32_D192_ED03).uniform_f32()
        });
        SllTarget::single(&dense)
    };
    let params = SimecParams::new(EMBEDDING_DIM)
        .hidden_layers(vec![HiddenLayer::new(1000, Activation::Tanh)])
        .learning_rate(0.0005)
        .batch_size(BATCH)
        .s_ll_reg(1.0)
        .seed(42);
    let load_before = load_avg();
    let (secs, loss) = epochs_of_fit(params, &x, &targets, s_ll, REPEATS, &device)?;
    let (steps_s, min_s, max_s) = super::summarize(&secs);
    let info = MachineInfo::probe();
    let row = ScalingRow {
        path: if factored { "factored" } else { "dense" }.into(),
        n,
        rank: factored.then_some(FACTORED_RANK),
        steps: STEPS,
        repeats: REPEATS,
        steps_s,
        min_s,
        max_s,
        epoch_s: steps_s * EPOCH_ROWS.div_ceil(BATCH) as f64 / STEPS as f64,
        peak_rss_bytes: peak_rss_bytes(),
        loss,
        backend: backend.name().to_string(),
        threads: rayon::current_num_threads(),
        load_before,
        load_after: load_avg(),
        git_commit: git_commit(&repo_root()),
        machine: format!("{} ({} cpus)", info.cpu_model, info.cpus),
        date: format_rfc3339_utc(SystemTime::now()),
    };
    let mut w = csv::Writer::from_writer(std::io::stdout());
    w.serialize(&row)?;
    w.flush()?;
    Ok(())
}

/// `bench --scaling` or `bench --scaling-row SPEC`: the sweep, or one of its rows.
///
/// # Errors
/// See [`run_row`] and [`run_sweep`].
pub fn run(args: &BenchArgs) -> Result<()> {
    if let Some(spec) = &args.scaling_row {
        return run_row(spec, &args.backend);
    }
    if args.scaling_redraw {
        let results = repo_root().join("results");
        let csv = args
            .out
            .clone()
            .unwrap_or_else(|| results.join("scaling.csv"));
        let rows = read_rows(&csv)?;
        return draw_figure(&rows);
    }
    let ns = if args.scaling_ns.is_empty() {
        SCALING_NS.to_vec()
    } else {
        args.scaling_ns.clone()
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| repo_root().join("results").join("scaling.csv"));
    run_sweep(&ns, &args.backend, &out)
}

/// Runs every row (each in its own process, `--scaling-row`), writes `out` and draws
/// `figures/scaling.{svg,png}`; `ns` limits the sweep.
///
/// # Errors
/// A row's process failing (its stderr is shown), an unwritable output.
pub fn run_sweep(ns: &[usize], backend: &crate::cli::BackendArg, out: &Path) -> Result<()> {
    let exe = std::env::current_exe().context("locating the bench binary")?;
    let mut rows = Vec::new();
    for &n in ns {
        for path in ["dense", "factored"] {
            let spec = format!("{path}:{n}");
            eprintln!("[scaling] {spec} ...");
            let output = Command::new(&exe)
                .args(["--scaling-row", &spec, "--backend", backend.cli_name()])
                .output()
                .with_context(|| format!("starting {} --scaling-row {spec}", exe.display()))?;
            if !output.status.success() {
                bail!(
                    "row {spec} failed ({}): {}",
                    output.status,
                    String::from_utf8_lossy(&output.stderr).trim()
                );
            }
            let mut r = csv::Reader::from_reader(output.stdout.as_slice());
            let row: ScalingRow = r
                .deserialize()
                .next()
                .context("the row's process printed no row")??;
            eprintln!(
                "[scaling] {spec}: {:.3} s per {} steps, epoch {:.1} s, peak {:.2} GB, load {:.2}",
                row.steps_s,
                row.steps,
                row.epoch_s,
                row.peak_rss_bytes as f64 / 1e9,
                row.load_after
            );
            rows.push(row);
            write_rows(out, &rows)?;
        }
    }
    println!("wrote {}", out.display());
    draw_figure(&rows)
}

/// Rows of a scaling CSV (`results/scaling.csv` or the PyTorch sweep's, same schema).
///
/// # Errors
/// An unreadable file, or a row that does not parse (named by its line).
pub fn read_rows(path: &Path) -> Result<Vec<ScalingRow>> {
    let mut r = csv::Reader::from_path(path)
        .with_context(|| format!("reading the scaling CSV {}", path.display()))?;
    r.deserialize()
        .enumerate()
        .map(|(i, row)| row.with_context(|| format!("{}: row on line {}", path.display(), i + 2)))
        .collect()
}

/// Draws `figures/scaling.{svg,png}` from `rows` and, when `results/scaling-pytorch.csv`
/// exists, the PyTorch sweep's rows (`bench/pytorch_scaling.py`).
fn draw_figure(rows: &[ScalingRow]) -> Result<()> {
    let pytorch_csv = repo_root().join("results").join("scaling-pytorch.csv");
    let pytorch = if pytorch_csv.exists() {
        read_rows(&pytorch_csv)?
    } else {
        Vec::new()
    };
    let figures = repo_root().join("figures");
    let png = figures.join("scaling.png");
    draw(rows, &pytorch, &figures.join("scaling.svg"), &png)?;
    println!("wrote {}", png.display());
    Ok(())
}

fn write_rows(out: &Path, rows: &[ScalingRow]) -> Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r)?;
    }
    atomic_write(out, &w.into_inner().context("serializing the scaling CSV")?)?;
    Ok(())
}

/// The least-squares slope of `log y` on `log x` (the exponent of a power law).
pub fn loglog_slope(points: &[(f64, f64)]) -> Option<f64> {
    let logs: Vec<(f64, f64)> = points
        .iter()
        .filter(|(x, y)| *x > 0.0 && *y > 0.0)
        .map(|(x, y)| (x.ln(), y.ln()))
        .collect();
    if logs.len() < 2 {
        return None;
    }
    let k = logs.len() as f64;
    let (mx, my) = (
        logs.iter().map(|p| p.0).sum::<f64>() / k,
        logs.iter().map(|p| p.1).sum::<f64>() / k,
    );
    let sxy: f64 = logs.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = logs.iter().map(|(x, _)| (x - mx).powi(2)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// Two log-log panels: epoch seconds and peak memory over n, dense and factored, each with a
/// dashed reference line of slope 2 (dense) or 1 (factored) through its last point, and the
/// original PyTorch SimEc's dense rows (`pytorch`) when there are any.
fn draw(rows: &[ScalingRow], pytorch: &[ScalingRow], svg: &Path, png: &Path) -> Result<()> {
    let points = |rows: &[ScalingRow], path: &str, value: &dyn Fn(&ScalingRow) -> f64| {
        rows.iter()
            .filter(|r| r.path == path)
            .map(|r| (r.n as f64, value(r)))
            .collect::<Vec<_>>()
    };
    let reference = |pts: &[(f64, f64)], slope: f64| -> Vec<(f64, f64)> {
        let Some(&(x1, y1)) = pts.last() else {
            return Vec::new();
        };
        pts.iter()
            .map(|&(x, _)| (x, y1 * (x / x1).powf(slope)))
            .collect()
    };
    let panel = |title: &str, y_label: &str, value: &dyn Fn(&ScalingRow) -> f64| {
        let dense = points(rows, "dense", value);
        let factored = points(rows, "factored", value);
        let label = |name: &str, pts: &[(f64, f64)]| match loglog_slope(pts) {
            Some(s) => format!("{name} (slope {s:.2})"),
            None => name.to_string(),
        };
        let mut lines = vec![
            LineSeries::solid(label("dense S_ll", &dense), dense.clone(), 0),
            LineSeries::solid(
                label(&format!("factored, r = {FACTORED_RANK}"), &factored),
                factored.clone(),
                1,
            ),
            LineSeries::dashed("O(n^2)", reference(&dense, 2.0), 0),
            LineSeries::dashed("O(n)", reference(&factored, 1.0), 1),
        ];
        let original = points(pytorch, "dense", value);
        if !original.is_empty() {
            let name = label("original PyTorch SimEc, dense", &original);
            lines.push(LineSeries::solid(name, original, 2));
        }
        LinePlot {
            title: title.into(),
            x_label: "n (targets; S_ll is n x n)".into(),
            y_label: y_label.into(),
            series: lines,
            log_x: true,
            log_y: true,
            ..LinePlot::default()
        }
    };
    let time = panel(
        "SimEc epoch (m = 8000, d = 10, hidden 1000)",
        "seconds per epoch",
        &|r| r.epoch_s,
    );
    let memory = panel("peak resident memory", "GB", &|r| {
        r.peak_rss_bytes as f64 / 1e9
    });
    draw_panels(&[time, memory], PANEL_SIZE, svg, png).context("drawing the scaling figure")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_specs_parse_with_clear_errors() {
        assert_eq!(parse_row_spec("dense:8000").unwrap(), (false, 8000));
        assert_eq!(parse_row_spec("factored:1000").unwrap(), (true, 1000));
        for (bad, says) in [
            ("dense", "not PATH:N"),
            ("sparse:10", "unknown S_ll path"),
            ("dense:x", "not a positive integer"),
            ("factored:50", "below the factored rank"),
        ] {
            let e = parse_row_spec(bad).unwrap_err().to_string();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn slopes_of_power_laws_are_recovered() {
        let square: Vec<(f64, f64)> = [1.0, 2.0, 4.0, 8.0].map(|x| (x, 3.0 * x * x)).to_vec();
        assert!((loglog_slope(&square).unwrap() - 2.0).abs() < 1e-12);
        let linear: Vec<(f64, f64)> = [10.0, 100.0].map(|x| (x, 0.5 * x)).to_vec();
        assert!((loglog_slope(&linear).unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(loglog_slope(&[(1.0, 1.0)]), None);
    }

    #[test]
    fn scaling_csv_round_trips_and_a_bad_row_is_named_by_its_line() {
        let dir = std::env::temp_dir().join(format!("simec-scaling-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("scaling.csv");
        let row = ScalingRow {
            path: "dense".into(),
            n: 1000,
            rank: None,
            steps: STEPS,
            repeats: REPEATS,
            steps_s: 0.1,
            min_s: 0.09,
            max_s: 0.11,
            epoch_s: 1.25,
            peak_rss_bytes: 1 << 20,
            loss: 0.5,
            backend: "pytorch-cpu".into(),
            threads: 2,
            load_before: 0.1,
            load_after: 0.2,
            git_commit: "abc".into(),
            machine: "cpu (2 cpus)".into(),
            date: "2026-11-30T00:00:00Z".into(),
        };
        write_rows(&path, &[row.clone(), row.clone()]).unwrap();
        assert_eq!(read_rows(&path).unwrap(), vec![row.clone(), row]);
        let text = std::fs::read_to_string(&path).unwrap();
        let broken = text
            .replacen(",1000,", ",n/a,", 2)
            .replacen(",n/a,", ",1000,", 1);
        std::fs::write(&path, broken).unwrap();
        let e = format!("{:#}", read_rows(&path).unwrap_err());
        assert!(e.contains("line 3"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn peak_rss_is_read_from_proc() {
        let before = peak_rss_bytes();
        assert!(before > 0, "VmHWM readable on Linux");
        let big = vec![1u8; 64 << 20];
        std::hint::black_box(&big);
        assert!(peak_rss_bytes() >= before);
    }
}
