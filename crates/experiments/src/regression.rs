//! Regression check of the quick-profile results against committed references
//! (`results/quick/<figure>.csv`), with per-series tolerances from `experiments/regression.toml`.
//!
//! A point drifts when `|new - ref| > max(abs, rel * |ref|)` for its series' tolerance; a point or
//! series present on one side only is drift too, and so is a series without a tolerance.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::results::{repo_root, same_x, ResultRow};

/// The tolerance of one series.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SeriesTolerance {
    /// Absolute tolerance (same unit as the MSE).
    #[serde(default)]
    pub abs: f64,
    /// Relative tolerance (fraction of the reference value).
    #[serde(default)]
    pub rel: f64,
}

impl SeriesTolerance {
    /// The allowed |new - ref| at reference value `reference`.
    pub fn width(&self, reference: f64) -> f64 {
        self.abs.max(self.rel * reference.abs())
    }
}

/// Tolerances by figure, then series: `experiments/regression.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Tolerances(pub BTreeMap<String, BTreeMap<String, SeriesTolerance>>);

impl Tolerances {
    /// `<repo>/experiments/regression.toml`.
    pub fn default_path() -> PathBuf {
        repo_root().join("experiments").join("regression.toml")
    }

    /// Reads a tolerance file.
    ///
    /// # Errors
    /// Unreadable file, bad TOML, negative or non-finite widths (named).
    pub fn load(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let t: Self =
            toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        for (fig, series) in &t.0 {
            for (name, tol) in series {
                if !(tol.abs >= 0.0 && tol.rel >= 0.0 && tol.abs.is_finite() && tol.rel.is_finite())
                {
                    anyhow::bail!(
                        "{}: tolerance of {fig}.{name} must be finite and >= 0, got abs = {}, rel = {}",
                        path.display(),
                        tol.abs,
                        tol.rel
                    );
                }
            }
        }
        Ok(t)
    }

    fn get(&self, figure: &str, series: &str) -> Option<SeriesTolerance> {
        self.0.get(figure).and_then(|s| s.get(series)).copied()
    }
}

/// Why a point counts as drift.
#[derive(Debug, Clone, PartialEq)]
pub enum DriftKind {
    /// Both sides have the point; the change exceeds the tolerance.
    Moved,
    /// Only the reference has it.
    MissingInNew,
    /// Only the new results have it.
    MissingInReference,
    /// The series has no tolerance in the tolerance file.
    NoTolerance,
}

/// One drifting point.
#[derive(Debug, Clone)]
pub struct Drift {
    /// Figure id.
    pub figure: String,
    /// Series.
    pub series: String,
    /// x value.
    pub x: f64,
    /// Reference MSE, when present.
    pub reference: Option<f64>,
    /// New MSE, when present.
    pub new: Option<f64>,
    /// Allowed |new - ref|, when known.
    pub tolerance: Option<f64>,
    /// The kind of drift.
    pub kind: DriftKind,
}

/// The result of comparing two result sets.
#[derive(Debug, Clone, Default)]
pub struct RegressionReport {
    /// Points compared on both sides.
    pub compared: usize,
    /// The drifting points.
    pub drifts: Vec<Drift>,
}

impl RegressionReport {
    /// No drift at all.
    pub fn passed(&self) -> bool {
        self.drifts.is_empty()
    }
}

/// Compares `new` against `reference` row by row (keyed by figure, series, x).
pub fn compare_results(
    reference: &[ResultRow],
    new: &[ResultRow],
    tolerances: &Tolerances,
) -> RegressionReport {
    let mut report = RegressionReport::default();
    let find = |rows: &[ResultRow], r: &ResultRow| -> Option<f64> {
        rows.iter()
            .find(|o| o.figure == r.figure && o.series == r.series && same_x(o.x, r.x))
            .map(|o| o.mse)
    };
    for r in reference {
        let tol = tolerances.get(&r.figure, &r.series);
        let drift = |kind, new: Option<f64>| Drift {
            figure: r.figure.clone(),
            series: r.series.clone(),
            x: r.x,
            reference: Some(r.mse),
            new,
            tolerance: tol.map(|t| t.width(r.mse)),
            kind,
        };
        match (find(new, r), tol) {
            (None, _) => report.drifts.push(drift(DriftKind::MissingInNew, None)),
            (Some(v), None) => report.drifts.push(drift(DriftKind::NoTolerance, Some(v))),
            (Some(v), Some(t)) => {
                report.compared += 1;
                // NaN on either side is never within tolerance.
                let change = (v - r.mse).abs().partial_cmp(&t.width(r.mse));
                if !matches!(change, Some(Ordering::Less | Ordering::Equal)) {
                    report.drifts.push(drift(DriftKind::Moved, Some(v)));
                }
            }
        }
    }
    for n in new {
        if find(reference, n).is_none() {
            report.drifts.push(Drift {
                figure: n.figure.clone(),
                series: n.series.clone(),
                x: n.x,
                reference: None,
                new: Some(n.mse),
                tolerance: None,
                kind: DriftKind::MissingInReference,
            });
        }
    }
    report
}

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v:.6e}"))
}

impl fmt::Display for RegressionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.drifts.is_empty() {
            writeln!(
                f,
                "{:<16} {:<32} {:>8} {:>13} {:>13} {:>10} {:>11}  what",
                "figure", "series", "x", "reference", "new", "rel.change", "tolerance"
            )?;
            for d in &self.drifts {
                let rel = match (d.reference, d.new) {
                    (Some(r), Some(n)) if r != 0.0 => format!("{:+.2}%", 100.0 * (n - r) / r.abs()),
                    _ => "-".to_string(),
                };
                let what = match d.kind {
                    DriftKind::Moved => "moved beyond tolerance",
                    DriftKind::MissingInNew => "missing in new results",
                    DriftKind::MissingInReference => "missing in reference",
                    DriftKind::NoTolerance => "no tolerance for this series",
                };
                writeln!(
                    f,
                    "{:<16} {:<32} {:>8} {:>13} {:>13} {:>10} {:>11}  {what}",
                    d.figure,
                    d.series,
                    d.x,
                    opt(d.reference),
                    opt(d.new),
                    rel,
                    d.tolerance
                        .map_or_else(|| "-".to_string(), |t| format!("{t:.2e}"))
                )?;
            }
        }
        write!(
            f,
            "{} points compared, {} drifting: {}",
            self.compared,
            self.drifts.len(),
            if self.passed() { "OK" } else { "DRIFT" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(series: &str, x: f64, mse: f64) -> ResultRow {
        ResultRow {
            figure: "fig3".into(),
            series: series.into(),
            x_name: "embedding_dim".into(),
            x,
            mse,
            seed: 1,
            backend: "flex-cpu".into(),
            wall_s: 0.0,
        }
    }

    fn tolerances() -> Tolerances {
        let mut s = BTreeMap::new();
        s.insert(
            "a".to_string(),
            SeriesTolerance {
                abs: 0.01,
                rel: 0.0,
            },
        );
        s.insert("b".to_string(), SeriesTolerance { abs: 0.0, rel: 0.1 });
        let mut f = BTreeMap::new();
        f.insert("fig3".to_string(), s);
        Tolerances(f)
    }

    #[test]
    fn identical_results_pass() {
        let r = vec![row("a", 2.0, 0.5), row("b", 2.0, 0.3)];
        let rep = compare_results(&r, &r.clone(), &tolerances());
        assert!(rep.passed(), "{rep}");
        assert_eq!(rep.compared, 2);
    }

    #[test]
    fn changes_within_and_beyond_tolerance() {
        let r = vec![row("a", 2.0, 0.5), row("b", 2.0, 0.3)];
        let ok = vec![row("a", 2.0, 0.509), row("b", 2.0, 0.32)];
        assert!(compare_results(&r, &ok, &tolerances()).passed());
        let bad = vec![row("a", 2.0, 0.52), row("b", 2.0, 0.6)];
        let rep = compare_results(&r, &bad, &tolerances());
        assert_eq!(rep.drifts.len(), 2);
        assert!(rep.drifts.iter().all(|d| d.kind == DriftKind::Moved));
        assert!(rep.to_string().contains("DRIFT"));
    }

    #[test]
    fn missing_points_and_series_drift() {
        let r = vec![row("a", 2.0, 0.5), row("a", 3.0, 0.4), row("b", 2.0, 0.3)];
        let new = vec![row("a", 2.0, 0.5), row("c", 2.0, 0.1)];
        let rep = compare_results(&r, &new, &tolerances());
        let kinds: Vec<_> = rep.drifts.iter().map(|d| d.kind.clone()).collect();
        assert!(kinds.contains(&DriftKind::MissingInNew));
        assert!(kinds.contains(&DriftKind::MissingInReference));
        assert_eq!(rep.drifts.len(), 3);
    }

    #[test]
    fn nan_and_unknown_series_drift() {
        let r = vec![row("a", 2.0, 0.5), row("z", 2.0, 0.1)];
        let new = vec![row("a", 2.0, f64::NAN), row("z", 2.0, 0.1)];
        let rep = compare_results(&r, &new, &tolerances());
        assert_eq!(rep.drifts.len(), 2);
        assert!(rep.drifts.iter().any(|d| d.kind == DriftKind::NoTolerance));
    }
}

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
mod spread_tests {
    use super::*;

    fn row(series: &str, x: f64, mse: f64) -> ResultRow {
        ResultRow {
            figure: "f".into(),
            series: series.into(),
            x_name: "x".into(),
            x,
            mse,
            seed: 0,
            backend: "flex".into(),
            wall_s: 0.0,
        }
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
