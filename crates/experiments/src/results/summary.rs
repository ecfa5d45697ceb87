//! The distribution of a figure's points over replicates: `results/<figure>.summary.csv`
//! (figure, series, x, n, mean, sd, min, max, median, and the 95% prediction interval for one
//! more run), written by every figure run and by `report`.

use std::path::{Path, PathBuf};

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::atomic::atomic_write;
use super::{same_x, ResultRow, ResultsError};

/// Summary statistics of one point's MSEs over its replicates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointStats {
    /// Number of replicates.
    pub n: usize,
    /// Sample mean.
    pub mean: f64,
    /// Sample standard deviation (divisor `n - 1`); `None` for a single value.
    pub sd: Option<f64>,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Median (mean of the two middle values for even `n`).
    pub median: f64,
    /// The 95% prediction interval for one more replicate, `mean +/- t(0.975, n - 1) * sd *
    /// sqrt(1 + 1/n)` (a normal model of the replicates); `None` for a single value.
    pub prediction_interval: Option<(f64, f64)>,
}

impl PointStats {
    /// The statistics of `values` (MSEs of one point, any order); `None` when empty. A NaN
    /// value makes mean, sd and interval NaN (min, max and median order NaN last).
    pub fn of(values: &[f64]) -> Option<Self> {
        let n = values.len();
        if n == 0 {
            return None;
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let mean = values.iter().sum::<f64>() / n as f64;
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            0.5 * (sorted[n / 2 - 1] + sorted[n / 2])
        };
        let (sd, prediction_interval) = if n >= 2 {
            let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            let sd = var.sqrt();
            let half = t_975(n - 1) * sd * (1.0 + 1.0 / n as f64).sqrt();
            (Some(sd), Some((mean - half, mean + half)))
        } else {
            (None, None)
        };
        Some(Self {
            n,
            mean,
            sd,
            min: sorted[0],
            max: sorted[n - 1],
            median,
            prediction_interval,
        })
    }

    /// Whether `v` lies inside the prediction interval (`false` without one).
    pub fn in_prediction_interval(&self, v: f64) -> bool {
        self.prediction_interval
            .is_some_and(|(lo, hi)| v >= lo && v <= hi)
    }

    /// Whether `v` lies inside `[min, max]`.
    pub fn in_range(&self, v: f64) -> bool {
        v >= self.min && v <= self.max
    }
}

/// The 0.975 quantile of Student's t with `dof >= 1` degrees of freedom.
fn t_975(dof: usize) -> f64 {
    StudentsT::new(0.0, 1.0, dof as f64)
        .expect("dof >= 1 is a valid Student t")
        .inverse_cdf(0.975)
}

/// One line of `<figure>.summary.csv`: a point's statistics over its replicates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryRow {
    /// Figure id.
    pub figure: String,
    /// Series.
    pub series: String,
    /// Name of the x variable.
    pub x_name: String,
    /// x value.
    pub x: f64,
    /// Number of replicates.
    pub n: usize,
    /// Mean MSE.
    pub mean: f64,
    /// Sample standard deviation (empty for n = 1).
    pub sd: Option<f64>,
    /// Smallest MSE.
    pub min: f64,
    /// Largest MSE.
    pub max: f64,
    /// Median MSE.
    pub median: f64,
    /// Lower end of the 95% prediction interval for one more run (empty for n = 1).
    pub pi_low: Option<f64>,
    /// Upper end of the 95% prediction interval (empty for n = 1).
    pub pi_high: Option<f64>,
}

impl SummaryRow {
    /// The statistics of this row.
    pub fn stats(&self) -> PointStats {
        PointStats {
            n: self.n,
            mean: self.mean,
            sd: self.sd,
            min: self.min,
            max: self.max,
            median: self.median,
            prediction_interval: self.pi_low.zip(self.pi_high),
        }
    }
}

/// One [`SummaryRow`] per `(figure, series, x)` of `rows` (over all its replicates), in the
/// rows' order of first appearance (a [`super::ResultsFile`] sorts by figure, series, x).
pub fn summarize(rows: &[ResultRow]) -> Vec<SummaryRow> {
    let mut groups: Vec<(&ResultRow, Vec<f64>)> = Vec::new();
    for r in rows {
        match groups
            .iter_mut()
            .find(|(k, _)| k.figure == r.figure && k.series == r.series && same_x(k.x, r.x))
        {
            Some((_, values)) => values.push(r.mse),
            None => groups.push((r, vec![r.mse])),
        }
    }
    groups
        .into_iter()
        .filter_map(|(k, values)| {
            let s = PointStats::of(&values)?;
            Some(SummaryRow {
                figure: k.figure.clone(),
                series: k.series.clone(),
                x_name: k.x_name.clone(),
                x: k.x,
                n: s.n,
                mean: s.mean,
                sd: s.sd,
                min: s.min,
                max: s.max,
                median: s.median,
                pi_low: s.prediction_interval.map(|p| p.0),
                pi_high: s.prediction_interval.map(|p| p.1),
            })
        })
        .collect()
}

/// `<results_dir>/<figure>.summary.csv`.
pub fn summary_path(results_dir: &Path, figure: &str) -> PathBuf {
    results_dir.join(format!("{figure}.summary.csv"))
}

/// Writes [`summarize`]`(rows)` to `path` atomically.
///
/// # Errors
/// [`ResultsError::Serialize`] or the atomic write's errors, naming `path`.
pub fn write_summary(path: &Path, rows: &[ResultRow]) -> Result<(), ResultsError> {
    let ser_err = |message: String| ResultsError::Serialize {
        path: path.to_path_buf(),
        message,
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in summarize(rows) {
        w.serialize(row).map_err(|e| ser_err(e.to_string()))?;
    }
    let bytes = w.into_inner().map_err(|e| ser_err(e.to_string()))?;
    atomic_write(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values by hand: mean 3, sd sqrt(2.5) = 1.5811388, t(0.975, 4) = 2.7764451 (t tables),
    /// half width 2.7764451 * 1.5811388 * sqrt(1.2) = 4.8089440.
    #[test]
    fn stats_match_scipy() {
        let s = PointStats::of(&[5.0, 1.0, 3.0, 2.0, 4.0]).unwrap();
        assert_eq!(
            (s.n, s.mean, s.min, s.max, s.median),
            (5, 3.0, 1.0, 5.0, 3.0)
        );
        assert!((s.sd.unwrap() - 1.581_138_830_084_19).abs() < 1e-12);
        let (lo, hi) = s.prediction_interval.unwrap();
        assert!((hi - 3.0 - 4.808_944_0).abs() < 1e-6, "{hi}");
        assert!((3.0 - lo - 4.808_944_0).abs() < 1e-6, "{lo}");
        assert!(s.in_prediction_interval(7.5) && !s.in_prediction_interval(8.0));
        assert!(s.in_range(1.0) && !s.in_range(5.5));
        let even = PointStats::of(&[4.0, 1.0, 2.0, 3.0]).unwrap();
        assert_eq!(even.median, 2.5);
    }

    /// One value has no spread: no sd and no interval, and nothing lies inside it.
    #[test]
    fn a_single_value_has_no_interval() {
        let s = PointStats::of(&[2.0]).unwrap();
        assert_eq!((s.sd, s.prediction_interval), (None, None));
        assert!(!s.in_prediction_interval(2.0));
        assert!(PointStats::of(&[]).is_none());
    }

    /// Replicates of one point form one summary row; other series and x stay apart.
    #[test]
    fn replicates_of_a_point_are_summarized_together() {
        let r = |s: &str, x, mse, rep| {
            ResultRow::for_test("f", s, x, mse).replicate_for_test(rep, u64::from(rep) + 1)
        };
        let rows = [
            r("a", 1.0, 1.0, 0),
            r("a", 1.0, 3.0, 1),
            r("a", 2.0, 5.0, 0),
            r("b", 1.0, 7.0, 0),
        ];
        let sum = summarize(&rows);
        let got: Vec<(&str, f64, usize, f64)> = sum
            .iter()
            .map(|s| (s.series.as_str(), s.x, s.n, s.mean))
            .collect();
        assert_eq!(
            got,
            [("a", 1.0, 2, 2.0), ("a", 2.0, 1, 5.0), ("b", 1.0, 1, 7.0)]
        );
        let path = std::env::temp_dir().join(format!("simec-summary-{}.csv", std::process::id()));
        write_summary(&path, &rows).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with(
                "figure,series,x_name,x,n,mean,sd,min,max,median,pi_low,pi_high\nf,a,x,1.0,2,2.0,"
            ),
            "{text}"
        );
        assert!(
            text.contains("\nf,b,x,1.0,1,7.0,,7.0,7.0,7.0,,\n"),
            "{text}"
        );
        let _ = std::fs::remove_file(&path);
    }
}
