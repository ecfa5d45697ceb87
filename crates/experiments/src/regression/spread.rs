//! The run-to-run spread of quick-profile series over seeds: the evidence behind the `spread`
//! tier of `experiments/regression.toml` (`just measure-tolerances`).

use std::collections::BTreeMap;

use super::SeriesTolerance;
use crate::results::{same_x, ResultRow};

/// The run-to-run spread of one series over repeated runs with different seeds: the evidence
/// behind a tolerance in `experiments/regression.toml`.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesSpread {
    /// Figure id.
    pub figure: String,
    /// Series.
    pub series: String,
    /// Number of x values seen in every run.
    pub points: usize,
    /// The largest sample standard deviation (n - 1) across runs over the series' x values.
    pub max_sd: f64,
    /// The largest |value| of the series (any run, any x), for a relative floor.
    pub max_abs: f64,
    /// The largest relative standard deviation `sd / |mean|` over the series' x values.
    pub max_rel_sd: f64,
    /// `max |mean| / min |mean|` over the x values: how many-fold the series moves along x.
    pub dynamic_range: f64,
}

impl SeriesSpread {
    /// The tolerance this spread suggests, from three times the measured standard deviation:
    /// - identical across runs (a deterministic baseline): `abs = 1e-12, rel = 1e-6` (float
    ///   re-association only);
    /// - a series that spans more than a decade along x (e.g. `Y Y^T` over lambda, 1.4 down to
    ///   1e-3): `rel = 3 x max(sd / |mean|)`, so the width follows the value;
    /// - otherwise: `abs = 3 x max sd`.
    ///
    /// Widths are rounded up to two significant digits.
    pub fn suggested(&self) -> SeriesTolerance {
        if self.max_sd <= 1e-9 * self.max_abs.max(f64::MIN_POSITIVE) {
            SeriesTolerance {
                abs: 1e-12,
                rel: 1e-6,
            }
        } else if self.dynamic_range > 10.0 {
            SeriesTolerance {
                abs: 0.0,
                rel: round_up_2sig(3.0 * self.max_rel_sd),
            }
        } else {
            SeriesTolerance {
                abs: round_up_2sig(3.0 * self.max_sd),
                rel: 0.0,
            }
        }
    }
}

/// `v` rounded up to two significant digits (`3.71e-3 -> 3.8e-3`).
fn round_up_2sig(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return v;
    }
    let scale = 10f64.powi(v.log10().floor() as i32 - 1);
    let r = (v / scale).ceil() * scale;
    // Print-friendly: strip the float noise of the multiplication.
    format!("{r:.1e}").parse().unwrap_or(r)
}

/// Per-series spread over `runs` (each the rows of one run of the same profile with another
/// seed), keyed by (figure, series) in sorted order. A point (figure, series, x) counts only
/// when every run has it; a series with no such point is left out.
pub fn seed_spread(runs: &[Vec<ResultRow>]) -> Vec<SeriesSpread> {
    // (figure, series) -> one vector of per-run values per x.
    let mut by_point: BTreeMap<(String, String), Vec<Vec<f64>>> = BTreeMap::new();
    if let Some(first) = runs.first() {
        for r in first {
            let values: Vec<f64> = runs
                .iter()
                .filter_map(|run| {
                    run.iter()
                        .find(|o| o.figure == r.figure && o.series == r.series && same_x(o.x, r.x))
                        .map(|o| o.mse)
                })
                .collect();
            if values.len() == runs.len() {
                by_point
                    .entry((r.figure.clone(), r.series.clone()))
                    .or_default()
                    .push(values);
            }
        }
    }
    by_point
        .into_iter()
        .map(|((figure, series), points)| {
            let (mut max_sd, mut max_abs, mut max_rel_sd) = (0.0f64, 0.0f64, 0.0f64);
            let (mut min_mean, mut max_mean) = (f64::INFINITY, 0.0f64);
            for v in &points {
                let n = v.len() as f64;
                let mean = v.iter().sum::<f64>() / n;
                let var = if v.len() > 1 {
                    v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
                } else {
                    0.0
                };
                max_sd = max_sd.max(var.sqrt());
                max_abs = v.iter().fold(max_abs, |a, x| a.max(x.abs()));
                if mean != 0.0 {
                    max_rel_sd = max_rel_sd.max(var.sqrt() / mean.abs());
                }
                min_mean = min_mean.min(mean.abs());
                max_mean = max_mean.max(mean.abs());
            }
            SeriesSpread {
                figure,
                series,
                points: points.len(),
                max_sd,
                max_abs,
                max_rel_sd,
                dynamic_range: if min_mean > 0.0 {
                    max_mean / min_mean
                } else {
                    f64::INFINITY
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(series: &str, x: f64, mse: f64) -> ResultRow {
        ResultRow::for_test("f", series, x, mse)
    }

    #[test]
    fn spread_takes_the_largest_sd_over_x_and_flags_deterministic_series() {
        let runs = vec![
            vec![
                row("a", 1.0, 1.0),
                row("a", 2.0, 10.0),
                row("det", 1.0, 0.5),
            ],
            vec![
                row("a", 1.0, 2.0),
                row("a", 2.0, 10.0),
                row("det", 1.0, 0.5),
            ],
            vec![
                row("a", 1.0, 3.0),
                row("a", 2.0, 10.0),
                row("det", 1.0, 0.5),
            ],
        ];
        let s = seed_spread(&runs);
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].series.as_str(), s[0].points), ("a", 2));
        assert!((s[0].max_sd - 1.0).abs() < 1e-12); // sd of 1, 2, 3
        assert_eq!(s[0].suggested(), SeriesTolerance { abs: 3.0, rel: 0.0 });
        assert_eq!(s[1].max_sd, 0.0);
        assert_eq!(
            s[1].suggested(),
            SeriesTolerance {
                abs: 1e-12,
                rel: 1e-6
            }
        );
    }

    #[test]
    fn a_series_spanning_decades_gets_a_relative_tolerance() {
        // x = 1: mean 1.0, sd 0.1 (10%); x = 2: mean 1e-3, sd 2e-4 (20%).
        let runs = vec![
            vec![row("yyt", 1.0, 0.9), row("yyt", 2.0, 0.8e-3)],
            vec![row("yyt", 1.0, 1.0), row("yyt", 2.0, 1.0e-3)],
            vec![row("yyt", 1.0, 1.1), row("yyt", 2.0, 1.2e-3)],
        ];
        let s = &seed_spread(&runs)[0];
        assert!((s.dynamic_range - 1000.0).abs() < 1e-6);
        assert!((s.max_rel_sd - 0.2).abs() < 1e-9);
        assert_eq!(s.suggested(), SeriesTolerance { abs: 0.0, rel: 0.6 });
    }

    #[test]
    fn a_point_missing_in_one_run_is_left_out() {
        let runs = vec![
            vec![row("a", 1.0, 1.0), row("a", 2.0, 5.0)],
            vec![row("a", 1.0, 1.5)],
        ];
        let s = seed_spread(&runs);
        assert_eq!(s[0].points, 1);
    }

    #[test]
    fn rounding_up_keeps_two_significant_digits() {
        assert_eq!(round_up_2sig(3.71e-3), 3.8e-3);
        assert_eq!(round_up_2sig(1.5e-4), 1.5e-4);
        assert_eq!(round_up_2sig(0.0), 0.0);
    }
}
