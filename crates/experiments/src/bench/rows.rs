//! The bench CSV: one [`BenchRow`] per (benchmark, backend), read in the current schema or the
//! one before the byte columns, merged and written atomically, and printed as tables.

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::BENCHMARKS;
use crate::results::atomic_write;

/// The CSV columns, in order.
pub const COLUMNS: [&str; 23] = [
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
    "bytes",
    "gbytes_per_s",
    "peak_gbytes_per_s",
    "pct_of_bandwidth",
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
    /// Bytes one repetition must move between memory and the cores at least (each operand read
    /// or written once, caches ignored; see the row's `timing`); empty in CSVs written before
    /// it was recorded (the PyTorch reference's rows).
    #[serde(default)]
    pub bytes: Option<f64>,
    /// `bytes / median_s / 1e9`.
    #[serde(default)]
    pub gbytes_per_s: Option<f64>,
    /// The measured streaming read bandwidth of the same run (`stream_read`, GB/s).
    #[serde(default)]
    pub peak_gbytes_per_s: Option<f64>,
    /// `100 * gbytes_per_s / peak_gbytes_per_s`.
    #[serde(default)]
    pub pct_of_bandwidth: Option<f64>,
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

/// The columns added with the memory-traffic model; CSVs without them still read.
const BYTE_COLUMNS: [&str; 4] = [
    "bytes",
    "gbytes_per_s",
    "peak_gbytes_per_s",
    "pct_of_bandwidth",
];

/// Reads a bench CSV (the current schema, or the one before [`BYTE_COLUMNS`]: those read as
/// empty).
///
/// # Errors
/// Unreadable file or rows not in the schema.
pub fn read_rows(path: &Path) -> Result<Vec<BenchRow>> {
    let mut r = csv::Reader::from_path(path)?;
    let headers: Vec<String> = r.headers()?.iter().map(str::to_string).collect();
    let before_bytes: Vec<&str> = COLUMNS
        .iter()
        .copied()
        .filter(|c| !BYTE_COLUMNS.contains(c))
        .collect();
    if headers != COLUMNS && headers != before_bytes {
        bail!(
            "{} has columns {:?}, expected {:?} (or the same without {:?})",
            path.display(),
            headers,
            COLUMNS,
            BYTE_COLUMNS
        );
    }
    r.deserialize()
        .map(|row| row.map_err(anyhow::Error::from))
        .collect()
}

/// Replaces the rows of `new` (by benchmark and backend) in the CSV at `out`, keeping the others,
/// sorted by [`BENCHMARKS`] order; atomic.
pub(super) fn write_merged(out: &Path, new: &[BenchRow]) -> Result<()> {
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
        "{:<27} {:<15} {:>10} {:>10} {:>10} {:>4} {:>9} {:>7} {:>7} {:>5} {:>11}  size / data",
        "benchmark",
        "backend",
        "median_s",
        "min_s",
        "max_s",
        "runs",
        "GFLOP/s",
        "%peak",
        "GB/s",
        "%bw",
        "load"
    );
    for r in rows {
        println!(
            "{:<27} {:<15} {:>10.4} {:>10.4} {:>10.4} {:>4} {:>9.1} {:>7} {:>7} {:>5} {:>5.2}->{:<5.2}  {} / {}",
            r.benchmark,
            r.backend,
            r.median_s,
            r.min_s,
            r.max_s,
            r.runs,
            r.gflops,
            fmt_opt(r.pct_of_peak, 1),
            fmt_opt(r.gbytes_per_s, 2),
            fmt_opt(r.pct_of_bandwidth, 0),
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
            bytes: Some(2e9),
            gbytes_per_s: Some(2.0 / median),
            peak_gbytes_per_s: None,
            pct_of_bandwidth: None,
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

    /// A CSV written before the byte columns existed still reads (byte columns empty); any
    /// other header is refused, naming the columns.
    #[test]
    fn csvs_without_the_byte_columns_read_with_them_empty() {
        let dir = std::env::temp_dir().join(format!("simec-bench-old-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("old.csv");
        let old: Vec<&str> = COLUMNS
            .iter()
            .copied()
            .filter(|c| !BYTE_COLUMNS.contains(c))
            .collect();
        let line = "mse_yyt_8000,scipy,1.0,1.0,1.0,1,1e9,1.0,,,2,0.5,0.75,n,random,t,abc,cpu,d";
        std::fs::write(&out, format!("{}\n{line}\n", old.join(","))).unwrap();
        let rows = read_rows(&out).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].bytes, rows[0].gbytes_per_s), (None, None));
        assert_eq!(rows[0].median_s, 1.0);
        std::fs::write(&out, "benchmark,backend\nx,y\n").unwrap();
        let err = read_rows(&out).unwrap_err().to_string();
        assert!(
            err.contains("has columns") && err.contains("bytes"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
