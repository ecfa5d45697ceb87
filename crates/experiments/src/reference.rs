//! The paper's printed numbers (`experiments/reference/paper_mse.csv`) and the comparison of our
//! results against them.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::results::{repo_root, same_x, PointStats, ResultRow};

/// One number read off the paper: the schema `figure,series,x_name,x,mse`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct RefRow {
    /// Figure (or sub-figure) id, e.g. `fig3`.
    pub figure: String,
    /// Curve id, e.g. `simec_2hl_test`.
    pub series: String,
    /// Name of the x variable.
    pub x_name: String,
    /// The x value.
    pub x: f64,
    /// The paper's mean squared error.
    pub mse: f64,
}

/// Errors reading the reference file; each names the file (and line when known).
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    /// The file could not be read.
    #[error("reading reference file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A record could not be parsed or holds an unusable value.
    #[error("malformed reference file {path}{}: {message}", match .line { Some(l) => format!(" line {l}"), None => String::new() })]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The 1-based line, when known.
        line: Option<u64>,
        /// What was wrong.
        message: String,
    },
}

/// `<repo>/experiments/reference/paper_mse.csv`, resolved from this crate's manifest directory.
pub fn default_reference_path() -> PathBuf {
    repo_root()
        .join("experiments")
        .join("reference")
        .join("paper_mse.csv")
}

/// Loads the paper's numbers. Rows must have a non-empty figure and series and finite x and mse.
pub fn load_reference(path: &Path) -> Result<Vec<RefRow>, ReferenceError> {
    let bytes = std::fs::read(path).map_err(|source| ReferenceError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let malformed = |line: Option<u64>, message: String| ReferenceError::Malformed {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut rdr = csv::Reader::from_reader(bytes.as_slice());
    let headers = rdr
        .headers()
        .map_err(|e| malformed(e.position().map(|p| p.line()), e.to_string()))?
        .clone();
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| malformed(e.position().map(|p| p.line()), e.to_string()))?;
        let line = rec.position().map(|p| p.line());
        let row: RefRow = rec
            .deserialize(Some(&headers))
            .map_err(|e| malformed(line, e.to_string()))?;
        if row.figure.is_empty() || row.series.is_empty() {
            return Err(malformed(line, "empty figure or series".into()));
        }
        if !row.x.is_finite() || !row.mse.is_finite() {
            return Err(malformed(
                line,
                format!("non-finite value (x = {}, mse = {})", row.x, row.mse),
            ));
        }
        rows.push(row);
    }
    Ok(rows)
}

/// One point present on both sides.
#[derive(Clone, Debug, PartialEq)]
pub struct ComparedPoint {
    /// Curve id.
    pub series: String,
    /// The x value.
    pub x: f64,
    /// Our MSE: the mean over our replicates of the point (the single value with one).
    pub ours: f64,
    /// The distribution of our replicates of the point.
    pub stats: PointStats,
    /// The paper's MSE.
    pub paper: f64,
    /// `ours / paper` (infinite or NaN when the paper's value is 0).
    pub ratio: f64,
    /// `|ours - paper| <= max(rel_tol * |paper|, abs_floor)` (false when ours is NaN).
    pub within: bool,
}

/// Our results for one figure set against the paper's.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// The figure id compared.
    pub figure: String,
    /// Relative tolerance used.
    pub rel_tol: f64,
    /// Absolute tolerance floor used.
    pub abs_floor: f64,
    /// Points on both sides, in the paper's order.
    pub points: Vec<ComparedPoint>,
    /// Paper points we have no result for: (series, x).
    pub missing_ours: Vec<(String, f64)>,
    /// Our points the paper does not print: (series, x).
    pub missing_paper: Vec<(String, f64)>,
}

impl Comparison {
    /// Number of points compared.
    pub fn compared(&self) -> usize {
        self.points.len()
    }

    /// Number of compared points within tolerance.
    pub fn within_count(&self) -> usize {
        self.points.iter().filter(|p| p.within).count()
    }

    /// Whether every paper point has a result and every compared point is within tolerance.
    pub fn all_within(&self) -> bool {
        self.missing_ours.is_empty() && self.points.iter().all(|p| p.within)
    }
}

/// Whether `ours` is within `max(rel_tol * |paper|, abs_floor)` of `paper`.
pub fn is_within(ours: f64, paper: f64, rel_tol: f64, abs_floor: f64) -> bool {
    (ours - paper).abs() <= (rel_tol * paper.abs()).max(abs_floor)
}

/// Matches our rows and the paper's rows of `figure` by (series, x) (x with
/// [`same_x`]) and checks the mean of our replicates of each point against
/// `max(rel_tol * |paper|, abs_floor)`.
pub fn compare(
    ours: &[ResultRow],
    paper: &[RefRow],
    figure: &str,
    rel_tol: f64,
    abs_floor: f64,
) -> Comparison {
    let ours: Vec<&ResultRow> = ours.iter().filter(|r| r.figure == figure).collect();
    let paper: Vec<&RefRow> = paper.iter().filter(|r| r.figure == figure).collect();
    let mut points = Vec::new();
    let mut missing_ours = Vec::new();
    for p in &paper {
        let values: Vec<f64> = ours
            .iter()
            .filter(|o| o.series == p.series && same_x(o.x, p.x))
            .map(|o| o.mse)
            .collect();
        match PointStats::of(&values) {
            Some(stats) => points.push(ComparedPoint {
                series: p.series.clone(),
                x: p.x,
                ours: stats.mean,
                stats,
                paper: p.mse,
                ratio: stats.mean / p.mse,
                within: is_within(stats.mean, p.mse, rel_tol, abs_floor),
            }),
            None => missing_ours.push((p.series.clone(), p.x)),
        }
    }
    let mut missing_paper: Vec<(String, f64)> = Vec::new();
    for o in &ours {
        let known = |s: &str, x: f64| s == o.series && same_x(x, o.x);
        if !paper.iter().any(|p| known(&p.series, p.x))
            && !missing_paper.iter().any(|(s, x)| known(s, *x))
        {
            missing_paper.push((o.series.clone(), o.x));
        }
    }
    Comparison {
        figure: figure.to_string(),
        rel_tol,
        abs_floor,
        points,
        missing_ours,
        missing_paper,
    }
}

/// Compact number formatting for the table: fixed for ordinary magnitudes, scientific otherwise.
fn fmt_num(v: f64) -> String {
    if v == 0.0 || (v.is_finite() && (1e-3..1e4).contains(&v.abs())) {
        format!("{v:.5}")
    } else if v.is_finite() {
        format!("{v:.3e}")
    } else {
        format!("{v}")
    }
}

/// `0.2` -> `20`, `0.125` -> `12.5`.
fn fmt_pct(rel: f64) -> String {
    let p = rel * 100.0;
    if (p - p.round()).abs() < 1e-9 {
        format!("{:.0}", p.round())
    } else {
        format!("{}", (p * 1e6).round() / 1e6)
    }
}

fn fmt_x(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e9 {
        format!("{x:.0}")
    } else {
        format!("{x}")
    }
}

impl fmt::Display for Comparison {
    /// A table `series | x | ours | paper | ratio | ok`, the missing points, and a summary line
    /// such as `fig3: 85/90 within max(20% rel, 0.003 abs)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sw = self
            .points
            .iter()
            .map(|p| p.series.len())
            .chain(std::iter::once("series".len()))
            .max()
            .unwrap_or(6);
        // With replicates, `ours` is their mean; n, sd and whether the paper's value lies in
        // our 95% prediction interval follow.
        let reps = self.points.iter().any(|p| p.stats.n > 1);
        let (head, okw) = if reps {
            ("    n         sd  in PI", 3)
        } else {
            ("", 0)
        };
        writeln!(
            f,
            "{:<sw$}  {:>8}  {:>11}  {:>11}  {:>8}  {:<okw$}{head}",
            "series", "x", "ours", "paper", "ratio", "ok"
        )?;
        for p in &self.points {
            let ratio = if p.ratio.is_finite() {
                format!("{:.3}", p.ratio)
            } else {
                "-".to_string()
            };
            let spread = if reps {
                format!(
                    "  {:>3}  {:>9}  {}",
                    p.stats.n,
                    p.stats.sd.map_or_else(|| "-".to_string(), fmt_num),
                    match (p.stats.n, p.stats.in_prediction_interval(p.paper)) {
                        (1, _) => "-",
                        (_, true) => "yes",
                        (_, false) => "no",
                    }
                )
            } else {
                String::new()
            };
            writeln!(
                f,
                "{:<sw$}  {:>8}  {:>11}  {:>11}  {:>8}  {:<okw$}{spread}",
                p.series,
                fmt_x(p.x),
                fmt_num(p.ours),
                fmt_num(p.paper),
                ratio,
                if p.within { "ok" } else { "OFF" }
            )?;
        }
        for (series, x) in &self.missing_ours {
            writeln!(f, "missing result: {series} x={}", fmt_x(*x))?;
        }
        for (series, x) in &self.missing_paper {
            writeln!(f, "not in paper:   {series} x={}", fmt_x(*x))?;
        }
        write!(
            f,
            "{}: {}/{} within max({}% rel, {} abs)",
            self.figure,
            self.within_count(),
            self.compared(),
            fmt_pct(self.rel_tol),
            self.abs_floor
        )?;
        if !self.missing_ours.is_empty() || !self.missing_paper.is_empty() {
            write!(
                f,
                "; {} paper points without a result, {} results not in the paper",
                self.missing_ours.len(),
                self.missing_paper.len()
            )?;
        }
        Ok(())
    }
}
